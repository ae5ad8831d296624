"""The demo: which stories to show first, and which commands to suggest next."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from importlib import resources
from typing import Any

from storyline.store import Store
from storyline.terminal import short_article, short_story
from storyline.types import StoryInfo

DEFAULT_DB = "demo.db"
SAMPLE = "meantime_sample.jsonl"  # the bundled sample, and the source name its articles are stored under


def sample_records() -> list[dict[str, Any]]:
    """The records of the bundled sample (MEANTIME, CC BY 4.0).

    They are ingested under the source name `SAMPLE` rather than the file's path, which
    depends on where storyline is installed: article and story ids, made from the source, are
    then the same in every demo database.
    """
    text = (resources.files("storyline") / "data" / "sample" / SAMPLE).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def best_first(infos: Sequence[StoryInfo]) -> list[StoryInfo]:
    """Stories with the most sources first, then the most languages, then the most articles."""
    return sorted(infos, key=lambda s: (-s.sources, -len(s.languages), -s.articles, s.id))


def next_commands(store: Store, db: str, best: StoryInfo) -> list[str]:
    """Three commands that explore the demo database, with real ids from it.

    Args:
        store: the demo database.
        db: its path, as it is typed in the commands.
        best: the story to open first.

    Returns:
        The story command, a ``why`` for a translation (else any duplicate, else two members) in
        that story, and ``serve``.
    """
    base = f"storyline --db {shlex.quote(db)}"
    members = store.members(best.id)
    pair = next(
        (
            (m.id, m.original)
            for kind in ("translation", None)
            for m in members
            if m.original and (kind is None or m.relation == kind)
        ),
        None,
    )
    if pair is None and len(members) > 1:
        pair = (members[1].id, members[0].id)
    commands = [f"{base} story {short_story(best.id)}"]
    if pair is not None and pair[1] is not None:
        commands.append(f"{base} why {short_article(pair[0])} {short_article(pair[1])}")
    else:
        commands.append(f"{base} article {short_article(members[0].id)}")
    commands.append(f"{base} serve --read-only")
    return commands
