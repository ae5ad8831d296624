"""HTML pages: one article per page. Extraction of text and metadata happens in cleaning."""

from __future__ import annotations

import re
from collections.abc import Iterator

from storyline.types import RawDoc, Rejected

# Runs inside a tag are bounded: unbounded, a page of "<link<link<link..." with no ">" makes every
# match attempt scan to the end of the head, which is quadratic (minutes for 200 KB).
_CANONICAL_RE = re.compile(
    r"<link[^>]{1,500}?rel=[\"']?canonical[\"']?[^>]{0,500}?href=[\"']([^\"'>]{1,2000})|"
    r"<link[^>]{1,500}?href=[\"']([^\"'>]{1,2000})[\"'][^>]{0,500}?rel=[\"']?canonical",
    re.I,
)
_OG_URL_RE = re.compile(
    r"<meta[^>]{1,500}?property=[\"']og:url[\"'][^>]{0,500}?content=[\"']([^\"'>]{1,2000})", re.I
)


def page_url(html: str) -> str | None:
    """The page's canonical URL (``<link rel=canonical>`` or ``og:url``), if stated."""
    head = html[:200_000]
    m = _CANONICAL_RE.search(head)
    if m:
        return (m.group(1) or m.group(2)).strip()
    m = _OG_URL_RE.search(head)
    return m.group(1).strip() if m else None


def read_html(html: str, source: str, source_key: str) -> Iterator[RawDoc | Rejected]:
    """One `RawDoc` of kind html for a page."""
    yield RawDoc(
        source=source, record=None, content=html, kind="html", source_key=source_key, url=page_url(html)
    )


def looks_like_html(text: str) -> bool:
    """Whether a text is HTML markup rather than prose."""
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or bool(
        re.search(r"<(p|div|article|body|br|span|a)\b[^>]*>", text[:5000], re.I)
    )
