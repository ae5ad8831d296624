"""The hard evidence an article states: names, numbers and years, as comparable keys.

Two reports of *similar* events (two earthquakes, two free-agent signings) read alike, so their
embeddings are close; what tells them apart is who, where, how many and when. This module turns
an article's text into small sets of keys for those facts, written so that the same fact gives
the same key in any language where possible: names are case- and accent-folded, person names
also give their surname, numbers are normalised whatever their thousands/decimal separators.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from storyline.text import fold
from storyline.types import Mention

# Name keys shorter than this are mostly tagging noise ("U", "St").
_MIN_NAME_CHARS = 3
_LEADING_ARTICLES = ("the ", "a ", "an ", "la ", "le ", "el ", "il ", "de ", "het ", "los ", "les ")
_POSSESSIVE_RE = re.compile(r"['’]s$")

# A number as written in news: digits with optional thousands groups or a decimal part, in the
# English (1,234.5) or continental (1.234,5) convention.
# Clock times (7:35) are not facts about the event and are skipped by the ':' guards.
_NUMBER_RE = re.compile(r"(?<![\w.,:])(\d{1,3}(?:[.,\u00a0\u202f]\d{3})+|\d+)(?:([.,])(\d+))?(?![\w:])")
# Years a news text can mention as event dates.
_YEAR_MIN, _YEAR_MAX = 1900, 2099


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def name_key(text: str) -> str:
    """The comparable form of a name: folded, accents and leading article removed, no possessive."""
    key = _strip_accents(fold(text)).strip(" .,;:-\"'()[]")
    key = _POSSESSIVE_RE.sub("", key)
    for article in _LEADING_ARTICLES:
        if key.startswith(article):
            key = key[len(article) :]
            break
    return " ".join(key.split())


@dataclass(frozen=True)
class Names:
    """The name keys of one text.

    Attributes:
        all: every name (people, places, organisations).
        places: the names of places.
        people: the names of people.
        title: the names that occur in the headline (the main actors of the report).
    """

    all: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    title: frozenset[str] = frozenset()


def name_keys(mentions: Iterable[Mention], title_end: int = 0) -> Names:
    """Keys of the names in the mentions, by kind.

    A multi-word person name also gives its last word, because later references use the surname
    alone ("Mark Teixeira" ... "Teixeira"). Names are matched whatever their kind (the tagger
    often confuses kinds, and text without a tagger has none); places and people are also kept
    apart, because another place or another person is strong evidence of another event.

    Args:
        mentions: names found in the headline and body.
        title_end: offset where the headline ends in the tagged text (0: no headline).
    """
    names: set[str] = set()
    places: set[str] = set()
    people: set[str] = set()
    title: set[str] = set()
    for m in mentions:
        key = name_key(m.text)
        if len(key) < _MIN_NAME_CHARS or key.isdigit():
            continue
        keys = [key]
        if m.kind == "person" and " " in key:
            last = key.rsplit(" ", 1)[1]
            if len(last) >= _MIN_NAME_CHARS:
                keys.append(last)
        names.update(keys)
        if m.kind == "place":
            places.add(key)
        elif m.kind == "person":
            people.update(keys)
        if m.start < title_end:
            title.update(keys)
    return Names(frozenset(names), frozenset(places), frozenset(people), frozenset(title))


def _number_value(whole: str, sep: str | None, frac: str | None) -> str:
    digits = re.sub(r"[.,\u00a0\u202f]", "", whole)
    if sep and frac is not None:
        if len(frac) == 3 and not re.search(r"[.,\u00a0\u202f]", whole):
            # "40,000" / "40.000": one group of three digits after the separator is a thousands
            # group in both conventions far more often than a 3-decimal number.
            return str(int(digits + frac))
        return f"{int(digits)}.{frac.rstrip('0') or '0'}".rstrip(".")
    return str(int(digits)) if digits else ""


def numbers_and_years(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The numbers a text states (without years) and the years it mentions.

    Numbers below 10 are left out: "two", "3 people" and list markers are everywhere and say
    nothing about which event it is; tolls, magnitudes (6.1), amounts and scores are kept.
    """
    numbers: set[str] = set()
    years: set[str] = set()
    for m in _NUMBER_RE.finditer(text):
        value = _number_value(m.group(1), m.group(2), m.group(3))
        if not value:
            continue
        if "." not in value and len(value) == 4 and _YEAR_MIN <= int(value) <= _YEAR_MAX:
            years.add(value)
            continue
        if "." in value or int(value) >= 10:
            numbers.add(value)
    return frozenset(numbers), frozenset(years)
