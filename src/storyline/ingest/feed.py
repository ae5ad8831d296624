"""RSS and Atom feed files, parsed with feedparser: one article per entry."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from typing import Any

import feedparser

from storyline.errors import InputError
from storyline.ingest.html import looks_like_html
from storyline.types import RawDoc, Rejected


def _date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            return time.strftime("%Y-%m-%dT%H:%M", value)
    for key in ("published", "updated", "created"):
        if entry.get(key):
            return str(entry[key])
    return None


# Character references to UTF-16 surrogates (``&#xD800;``, ``&#55296;``): no character, and feedparser
# fails on them. They become U+FFFD, as an HTML parser would make them.
_SURROGATE_REF_RE = re.compile(
    rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}|0*(?:5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]))(?:;|(?![0-9a-fA-F]))"
)


def parse(data: bytes, source: str) -> Any:
    """The feed as feedparser reads it.

    Raises:
        InputError: feedparser fails on them (a broken encoding declaration, for one).
    """
    data = _SURROGATE_REF_RE.sub(b"&#xFFFD;", data)
    try:
        # A stream, never the bytes themselves: feedparser opens bytes that name a file as that
        # file, so a feed whose content is "/dev/zero" or "/etc/passwd" would read the system's.
        return feedparser.parse(io.BytesIO(data))
    except (UnicodeError, LookupError, ValueError) as exc:
        raise InputError(source, f"feed could not be parsed ({type(exc).__name__}: {exc})") from None


def read_feed(data: bytes, source: str, source_key: str) -> Iterator[RawDoc | Rejected]:
    """One `RawDoc` per entry: its full content when the feed carries it, else its summary.

    The feed's title becomes the publisher; `record` is the 1-based entry position.
    """
    parsed = parse(data, source)
    entries = parsed.get("entries") or []
    if not entries:
        why = parsed.get("bozo_exception")
        raise InputError(source, f"feed could not be parsed or has no entries{f' ({why})' if why else ''}")
    feed_title = (parsed.get("feed") or {}).get("title")
    for position, entry in enumerate(entries, start=1):
        content = ""
        for c in entry.get("content") or []:
            if len(c.get("value", "")) > len(content):
                content = c["value"]
        if not content:
            content = entry.get("summary") or entry.get("description") or ""
        if not content.strip():
            yield Rejected(source, position, "read", "feed entry has neither content nor summary")
            continue
        authors = entry.get("author")
        yield RawDoc(
            source=source,
            record=position,
            content=content,
            kind="html" if looks_like_html(content) else "text",
            source_key=source_key,
            external_id=entry.get("id") or entry.get("guid"),
            url=entry.get("link"),
            title=entry.get("title"),
            published=_date(entry),
            publisher=feed_title,
            author=authors,
            language=(parsed.get("feed") or {}).get("language"),
        )
