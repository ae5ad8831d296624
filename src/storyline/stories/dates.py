"""Dates for a story's undated members, taken from their duplicates or from the story, never guessed.

An article without a publication date is shown at the date of an article it duplicates (its
original, or another copy of the same original), and otherwise at the start of its story, and
says which: a timeline can then print "undated, copy of a report from 13 September" instead of
inventing a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

DateSource = Literal["published", "duplicate", "story", "unknown"]


@dataclass(frozen=True)
class MemberDate:
    """The date shown for a story member.

    Attributes:
        date: ISO date, or None when nothing in the story is dated.
        source: ``published`` (its own date), ``duplicate`` (the earliest date of an article in
            its duplicate group), ``story`` (the story's first date) or ``unknown``.
    """

    date: str | None
    source: DateSource


def member_dates(members: Sequence[tuple[str, str | None, str | None]]) -> dict[str, MemberDate]:
    """Dates for every member of one story.

    Args:
        members: (article id, publication date or None, id of the article it duplicates or None)
            for each member.

    Returns:
        Article id -> its `MemberDate`.
    """
    own = {aid: (day[:10] if day else None) for aid, day, _ in members}
    root = {aid: original or aid for aid, _, original in members}
    group_date: dict[str, str] = {}
    for aid, day in own.items():
        if day:
            r = root[aid]
            group_date[r] = min(group_date.get(r, day), day)
    known = [d for d in own.values() if d]
    first = min(known) if known else None
    out: dict[str, MemberDate] = {}
    for aid, _, _ in members:
        if own[aid]:
            out[aid] = MemberDate(own[aid], "published")
        elif root[aid] in group_date:
            out[aid] = MemberDate(group_date[root[aid]], "duplicate")
        elif first:
            out[aid] = MemberDate(first, "story")
        else:
            out[aid] = MemberDate(None, "unknown")
    return out
