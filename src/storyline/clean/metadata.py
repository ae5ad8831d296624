"""Headline, byline, dateline and publisher found in the text itself.

Pure string functions: the boilerplate stage decides *where* to look (the page header, the first
body paragraph); these functions say what a piece of text holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# "Izium, Ukraine (CNN) —", "Izium, Ukraine CNN —", "(CNN) —", "WASHINGTON (AP) —",
# "LONDON, Sept 13 (Reuters) -", "KYIV, Ukraine —". The place is one to four capitalised words,
# optionally followed by a region and a short date; the agency is in parentheses or, after a
# place, an all-capitals word. The dash (em, en, double hyphen or a spaced hyphen) is required.
_PLACE_WORD = r"[A-Z][\w'’.-]*"
_PLACE = rf"{_PLACE_WORD}(?:[ -]{_PLACE_WORD}){{0,3}}(?:,\s*{_PLACE_WORD}(?:\s{_PLACE_WORD}){{0,2}}){{0,2}}"
_SHORT_DATE = r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})"
DATELINE_RE = re.compile(
    rf"^(?:(?P<place>{_PLACE}){_SHORT_DATE}?\s*)?"
    r"(?:\((?P<agency1>[A-Z][\w&.' -]{1,30})\)|(?P<agency2>(?<=\s)[A-Z]{2,8}))?"
    r"\s*(?:—|–|--|-(?=\s))\s*"
)
_BYLINE_RE = re.compile(
    r"(?:^|(?<=\s))(?P<label>(?:[A-Z][a-z]+\s+)?)(?:[Bb]y|[Pp]or|[Pp]ar|[Vv]on|[Dd]oor)\s+(?P<names>(?:[A-Z][\w'’.-]*|and|,|&|\s)+?)"
    r"(?:\s*,\s*(?P<org>[A-Z][\w&.-]*(?:\s(?:[A-Z][\w&.-]*|de|del|la|of|the|du|des)){0,3}))?\s*$"
)
_NAME_RUN = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}"
# "... Exclusive by A , B and C , CNN" at the end of a header line: label, names, outlet.
_TRAILING_BYLINE_RE = re.compile(
    rf"(?:^|\s)((?:[A-Z][a-z]+\s+)?(?:[Bb]y|[Pp]or|[Pp]ar|[Vv]on|[Dd]oor)\s+{_NAME_RUN}(?:\s*(?:,|and|&)\s*{_NAME_RUN})*(?:\s*,\s*[A-Z][\w&.-]*(?:\s+(?:[A-Z][\w&.-]*|de|del|la|of|the|du|des)){{0,3}})?)\s*$"
)
# Separators between a page title and the site name: "Headline – Share Market Daily".
_SITE_SMALL_WORDS = frozenset({"of", "the", "and", "&", "de", "la", "du", "des", "el"})
_TITLE_SITE_RE = re.compile(r"^(?P<title>.{12,}?)\s+(?:[|–—·•»]|-|::)\s+(?P<site>[^|–—·•»]{2,40})$")


@dataclass(frozen=True, slots=True)
class Dateline:
    """The dateline that opens an article body."""

    place: str | None
    agency: str | None
    end: int


def find_dateline(text: str) -> Dateline | None:
    """The dateline at the start of `text` (``Izium, Ukraine CNN —``), or None."""
    m = DATELINE_RE.match(text)
    if not m:
        return None
    place = (m.group("place") or "").strip(" ,") or None
    agency = m.group("agency1") or m.group("agency2")
    if place is None and agency is None:
        return None
    if place and agency is None and place.split()[-1].isupper() and len(place.split()) > 1:
        # "Izium, Ukraine CNN" without parentheses is read as place + agency.
        *rest, last = place.split()
        if len(last) >= 2 and last.isalpha():
            place, agency = " ".join(rest).strip(" ,"), last
    if place and len(place.split()) > 6:
        return None
    return Dateline(place or None, agency.strip() if agency else None, m.end())


@dataclass(frozen=True, slots=True)
class Byline:
    """A byline: the authors and, when named after them, the outlet."""

    authors: str
    org: str | None


def parse_byline(text: str) -> Byline | None:
    """Read ``Exclusive by A , B and C , CNN`` (the whole text must be the byline)."""
    m = _BYLINE_RE.search(text.strip())
    if not m or text[: m.start()].strip():
        return None
    names = re.sub(r"\s+,", ",", m.group("names")).strip(" ,&")
    names = re.sub(r"\s+", " ", names)
    if not names or len(names.split()) > 20 or not names[0].isupper():
        return None
    org = m.group("org")
    if org and not org.isupper():
        # "By Jane Doe, Staff Writer": a role, not an outlet; keep it in the author string.
        names, org = f"{names}, {org}", None
    return Byline(names, org)


def find_byline_start(text: str) -> int | None:
    """Offset where a trailing byline (``... Exclusive by A and B , CNN``) starts in `text`, or None."""
    m = _TRAILING_BYLINE_RE.search(text)
    if not m:
        return None
    return m.start(1)


def split_title_site(title: str) -> tuple[str, str | None]:
    """Split ``Headline – Site Name`` into the headline and the site name (None when absent).

    The site part must look like a name: at most five words, each capitalised (or a domain).
    """
    m = _TITLE_SITE_RE.match(title.strip())
    if not m:
        return title.strip(), None
    site = m.group("site").strip()
    words = site.split()
    if not 1 <= len(words) <= 5:
        return title.strip(), None
    if not all(w[0].isupper() or w[0].isdigit() or w.lower() in _SITE_SMALL_WORDS or "." in w for w in words):
        return title.strip(), None
    return m.group("title").strip(), site


def host_publisher(url: str | None) -> str | None:
    """The registered host of a URL (``www.cnn.com`` -> ``cnn.com``), or None."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    host = host.lower()
    for prefix in ("www.", "m.", "amp.", "edition.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    return host or None
