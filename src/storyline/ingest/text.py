"""Plain text files: one article per file, with an optional leading metadata header.

Collections often put metadata in front of the text: a ``date 2022-09-13`` token (as in
scraped datasets), or RFC-822-like ``Title:``/``Date:``/``Source:``/``URL:`` lines. Only a header at
the very start is read, so a sentence that happens to begin with "Date" is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from storyline.types import RawDoc, Rejected

# "date 2022-09-13" (optionally "date: 2022-09-13T10:00") at the very start.
_DATE_TOKEN_RE = re.compile(r"^\s*date[:=]?\s+(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?)\s*", re.I)
_HEADER_RE = re.compile(
    r"^(title|headline|date|published|source|publisher|url|link|author|by|language|lang)\s*:\s*(.+)$", re.I
)
_FIELD = {
    "title": "title",
    "headline": "title",
    "date": "published",
    "published": "published",
    "source": "publisher",
    "publisher": "publisher",
    "url": "url",
    "link": "url",
    "author": "author",
    "by": "author",
    "language": "language",
    "lang": "language",
}


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Metadata from a leading header, and the text after it."""
    meta: dict[str, str] = {}
    m = _DATE_TOKEN_RE.match(text)
    if m:
        meta["published"] = m.group(1)
        return meta, text[m.end() :]
    lines = text.lstrip("\ufeff").split("\n")
    i = 0
    while i < len(lines) and i < 12:
        hm = _HEADER_RE.match(lines[i].strip())
        if not hm:
            break
        meta.setdefault(_FIELD[hm.group(1).lower()], hm.group(2).strip())
        i += 1
    # A header needs at least two fields, or one followed by a blank line, to be told from prose.
    if meta and (len(meta) >= 2 or (i < len(lines) and not lines[i].strip())):
        return meta, "\n".join(lines[i:])
    return {}, text


def read_text(text: str, source: str, source_key: str) -> Iterator[RawDoc | Rejected]:
    """One `RawDoc` for a plain-text file."""
    meta, body = split_header(text)
    yield RawDoc(
        source=source,
        record=None,
        content=body,
        kind="text",
        source_key=source_key,
        title=meta.get("title"),
        published=meta.get("published"),
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        author=meta.get("author"),
        language=meta.get("language"),
    )
