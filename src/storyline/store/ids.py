"""Finding an article or story from what a user typed: its id or a unique prefix of it.

Prefixes are matched as a range of ids (``id >= prefix AND id < next``), which uses the primary
key index and treats every character literally: ``%`` or ``_`` in a typed id match nothing.
"""

from __future__ import annotations

import sqlite3
from typing import Literal

from storyline.errors import AmbiguousIdError, NotFoundError

MIN_PREFIX = 4  # characters a prefix needs: shorter ones match too much to be useful
SHOWN = 10  # candidates listed when a prefix is ambiguous
STORY_MARK = "s"  # story ids are "s" + the id of the article that started them

TOPIC_MARK = "t"  # topic ids are "t" + the id of the article whose story founded them
Kind = Literal["article", "story", "topic"]
# Where each kind's ids are: table, column, the mark a prefix may leave out.
_TABLES: dict[Kind, tuple[str, str, str]] = {
    "article": ("articles", "id", ""),
    "story": ("stories", "id", STORY_MARK),
    "topic": ("story_topics", "topic", TOPIC_MARK),
}
_PLURAL: dict[Kind, str] = {"article": "articles", "story": "stories", "topic": "topics"}


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """The half-open range of strings that start with `prefix`: ``[prefix, next)``.

    Args:
        prefix: a non-empty string.
    """
    last = ord(prefix[-1])
    if last == 0x10FFFF:  # no next character: every longer string of this prefix sorts below
        return prefix, prefix + chr(0x10FFFF)
    following = last + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are no characters of UTF-8 text: skip them
        following = 0xE000
    return prefix, prefix[:-1] + chr(following)


def resolve(conn: sqlite3.Connection, kind: Kind, given: str) -> str:
    """The full id of the article, story or topic named by `given`: its id or a unique prefix of it.

    A story prefix may leave out the leading ``s`` of story ids, a topic prefix the ``t``.

    Args:
        conn: an open storyline database.
        kind: ``article``, ``story`` or ``topic``.
        given: what the user typed.

    Raises:
        NotFoundError: nothing matches, or the prefix is shorter than `MIN_PREFIX`.
        AmbiguousIdError: the prefix matches more than one id (the message lists them).
    """
    table, col, mark = _TABLES[kind]
    if not given.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in given):
        raise NotFoundError(f"no {kind} with id {given!r}")
    if conn.execute(f"SELECT 1 FROM {table} WHERE {col} = ?", (given,)).fetchone():
        return given
    if not given:
        raise NotFoundError(f"no {kind} id given")
    if len(given) < MIN_PREFIX:
        raise NotFoundError(
            f"no {kind} with id {given!r}: an id prefix needs at least {MIN_PREFIX} characters"
        )
    prefix = given if not mark or given.startswith(mark) else mark + given
    low, high = prefix_bounds(prefix)
    rows = conn.execute(
        f"SELECT DISTINCT {col} FROM {table} WHERE {col} >= ? AND {col} < ? ORDER BY {col} LIMIT ?",
        (low, high, SHOWN + 1),
    ).fetchall()
    if not rows:
        raise NotFoundError(f"no {kind} with id {given!r}")
    if len(rows) == 1:
        return str(rows[0][0])
    total = len(rows)
    if total > SHOWN:
        total = int(
            conn.execute(
                f"SELECT count(DISTINCT {col}) FROM {table} WHERE {col} >= ? AND {col} < ?", (low, high)
            ).fetchone()[0]
        )
    shown = ", ".join(str(r[0]) for r in rows[:SHOWN]) + (
        f" and {total - SHOWN} more" if total > SHOWN else ""
    )
    plural = _PLURAL[kind]
    raise AmbiguousIdError(
        f"{kind} id {given!r} is ambiguous: it starts {total} {plural} ({shown}); give more characters"
    )
