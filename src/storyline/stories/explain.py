"""Story membership in plain words: why an article is in its story, and why two articles share one.

The evidence is what placement recorded: the probability each article was placed with
(`Store.placements`), the duplicate relation a copy follows, and the names the story was placed
by (`Store.story_names`), of which those the article's own text gives are shown in its spelling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from storyline.types import DupRelation, relation_phrase

# Names shown in one explanation, the story's most frequent first.
NAMES_SHOWN = 6


def names_in(text: str, names: Mapping[str, int], limit: int = NAMES_SHOWN) -> list[str]:
    """The story's names that `text` gives, most frequent in the story first, as the text spells them."""
    found = []
    for name in sorted(names, key=lambda n: (-names[n], n)):
        if len(name) < 3:
            continue
        m = re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, flags=re.IGNORECASE)
        if m is not None:
            found.append(m.group(0))
            if len(found) == limit:
                break
    return found


def placement_in_words(
    probability: float | None, started: bool, relation: DupRelation | None, threshold: float = 0.5
) -> str:
    """How an article came into its story, in one clause."""
    if relation is not None:
        return f"follows its original {relation.original[:8]} into the story (it is {relation_phrase(relation.kind)})"
    p = probability or 0.0
    if started:
        if p > 0:
            return f"started the story: no earlier story fitted (the best join probability was {p:.2f}, below {threshold})"
        return "started the story: no earlier story fitted"
    return f"joined the story with join probability {p:.2f} (needs {threshold})"


def same_story_in_words(
    headline: str, dates: Sequence[str | None], shared: Sequence[str], clauses: Sequence[str]
) -> str:
    """Why two articles are in one story: what both report, when, the names both give, how each came in."""
    days = [d[:10] if d else "undated" for d in dates]
    when = (
        f"both {days[0]}"
        if len(set(days)) == 1
        else ", ".join(f"{x} {d}" for x, d in zip("AB", days, strict=False))
    )
    parts = [f"same story: both report “{headline}” ({when})" if headline else f"same story ({when})"]
    if shared:
        parts.append("names both give: " + ", ".join(shared))
    parts.append("; ".join(f"{label} {c}" for label, c in zip(("A", "B"), clauses, strict=False)))
    return "; ".join(parts)
