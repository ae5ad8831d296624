"""Pick the original of a duplicate group, and say why.

The earliest publication is the original. An undated article cannot prove it came first, so dated
articles go before undated ones. With equal or unknown dates, the text itself decides: a copy
often says it is one (a "Source link" footer left by a scraper, "originally published by", a
wire or broadcaster's dateline such as "(CNN)" on a site that is not CNN); then the most complete
text wins (an excerpt or a trimmed copy is shorter); then arrival order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from storyline.text import word_count
from storyline.types import Article

# Footers and notes by which reposting sites credit (or scrape) another outlet.
_COPY_NOTES = re.compile(
    r"^\s*(source link|source:|read more at|read the full (story|article) at|originally (published|appeared)"
    r"|this (article|story) (was )?(originally|first) (published|appeared)|republished (from|with)"
    r"|via\s+\w+\s*$|(the )?post .{0,120} appeared first on)",
    re.IGNORECASE | re.MULTILINE,
)
# Datelines of wires and broadcasters: "(CNN) —", "KYIV (Reuters) -", "(AP) —", "(AFP) -".
_DATELINE = re.compile(r"\((CNN|Reuters|AP|AFP|dpa|EFE|ANSA|Bloomberg|BBC|Xinhua|Kyodo|Yonhap|UPI)\)")


def _norm(name: str | None) -> str:
    return re.sub(r"[^a-z]", "", (name or "").lower())


def copy_markers(article: Article) -> list[str]:
    """Signs in the text (or in what cleaning removed) that the article reposts another outlet's."""
    found: list[str] = []
    texts = [article.text, *(r.text for r in article.removed)]
    for text in texts:
        m = _COPY_NOTES.search(text)
        if m:
            found.append(m.group(0).strip()[:60])
            break
    own = _norm(article.publisher) + _norm(article.url)
    for m in _DATELINE.finditer(article.text[:2000]):
        agency = _norm(m.group(1))
        if own and agency not in own:
            found.append(f"foreign dateline ({m.group(1)})")
            break
    return found


@dataclass(frozen=True, slots=True)
class Choice:
    """The original of a group and the reason it was chosen."""

    original: Article
    reason: str


def original_of(group: Sequence[Article], order: dict[str, int]) -> Choice:
    """The original: earliest date; then no copy markers; then the most complete text; then arrival."""

    def key(a: Article) -> tuple[bool, str, int, int, int]:
        return (a.published is None, a.day or "", len(copy_markers(a)), -word_count(a.text), order.get(a.id, 1 << 62))

    ranked = sorted(group, key=key)
    best = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    if runner is None:
        return Choice(best, "only member")
    kb, kr = key(best), key(runner)
    if kb[0] != kr[0]:
        reason = "the only dated publication" if all(a.published is None for a in ranked[1:]) else "earliest date"
    elif kb[1] != kr[1]:
        reason = "earliest publication"
    elif kb[2] != kr[2]:
        marks = copy_markers(runner)
        reason = "same or unknown date; the others carry copy markers" + (f" ({marks[0]})" if marks else "")
    elif kb[3] != kr[3]:
        reason = "same or unknown date; most complete text"
    else:
        reason = "same or unknown date and length; arrived first"
    return Choice(best, reason)
