"""Time expressions in news sentences ("on Saturday", "yesterday", "March 4") and their dates.

Weekday, month and relative-day words come from dateparser's language data (about 200
languages), so no word list is kept here. News convention decides how a weekday resolves: a
report of Tuesday 13 September 2022 that says "on Saturday" means the last Saturday on or before
the report, 10 September; "on Tuesday" in that report means the day itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import import_module
from typing import Literal

TimeKind = Literal["weekday", "relative", "date"]

# A weekday name is unambiguous within one week: an undated report is placed at most this many
# days after the story's latest dated report.
WEEK = 7
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# dateparser's relative-type keys for whole days, with their offsets.
_RELATIVE_KEYS = {"0 day ago": 0, "1 day ago": -1, "in 1 day": 1, "2 day ago": -2}
# Abbreviations ("mer", "sat", "mar") collide with ordinary words; only names this long are used.
_MIN_NAME = 4


@dataclass(frozen=True, slots=True)
class TimeExpression:
    """A time expression at [start, end) of a text.

    Attributes:
        start, end: character offsets.
        text: the words as written.
        kind: ``weekday`` (value: 0 = Monday), ``relative`` (value: day offset), ``date``.
        value: see kind; for ``date`` the month (1-12).
        day: day of month for ``date``.
        year: explicit year for ``date``, if written.
    """

    start: int
    end: int
    text: str
    kind: TimeKind
    value: int
    day: int = 0
    year: int | None = None


@lru_cache(maxsize=64)
def _patterns(language: str) -> tuple[re.Pattern[str], dict[str, tuple[TimeKind, int]]] | None:
    try:
        info = import_module(f"dateparser.data.date_translation_data.{language}").info
    except ImportError:
        return None
    names: dict[str, tuple[TimeKind, int]] = {}
    for i, key in enumerate(_WEEKDAYS):
        for word in info.get(key, []):
            if len(word) >= _MIN_NAME:
                names[word.lower()] = ("weekday", i)
    for i, key in enumerate(_MONTHS):
        for word in info.get(key, []):
            if len(word) >= 3:
                names.setdefault(word.lower(), ("date", i + 1))
    for key, offset in _RELATIVE_KEYS.items():
        for word in info.get("relative-type", {}).get(key, []):
            if len(word) >= _MIN_NAME and not any(c.isdigit() for c in word):
                names.setdefault(word.lower(), ("relative", offset))
    if not names:
        return None
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternation})(?!\w)", re.IGNORECASE), names


_DAY_BEFORE = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er|\.)?\s*(?:de\s+)?$", re.IGNORECASE)
_DAY_AFTER = re.compile(r"^\s*(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?")
_YEAR_AFTER = re.compile(r"^\s*(?:de\s+)?(\d{4})\b")


def find_times(text: str, language: str | None) -> list[TimeExpression]:
    """Weekdays, relative days and month-day dates in a text (dates need a day number next to the month)."""
    compiled = _patterns((language or "en").lower())
    if compiled is None:
        compiled = _patterns("en")
        if compiled is None:  # pragma: no cover - dateparser always has English
            return []
    pattern, names = compiled
    out: list[TimeExpression] = []
    for m in pattern.finditer(text):
        kind, value = names[m.group(1).lower()]
        if kind != "date":
            out.append(TimeExpression(m.start(), m.end(), m.group(), kind, value))
            continue
        # A month name only counts with a day number: "May" alone is usually the verb.
        after = _DAY_AFTER.match(text[m.end() : m.end() + 12])
        before = _DAY_BEFORE.search(text[max(0, m.start() - 8) : m.start()])
        if after:
            day, year = int(after.group(1)), after.group(2)
            end = m.end() + after.end()
            start = m.start()
        elif before:
            day = int(before.group(1))
            tail = _YEAR_AFTER.match(text[m.end() : m.end() + 9])
            year = tail.group(1) if tail else None
            start = m.start() - (len(before.group(0)))
            end = m.end() + (tail.end() if tail else 0)
        else:
            continue
        if not 1 <= day <= 31:
            continue
        out.append(
            TimeExpression(start, end, text[start:end], "date", value, day, int(year) if year else None)
        )
    return out


def resolve(expr: TimeExpression, reference: date) -> date | None:
    """The calendar day an expression means in a report of `reference` (None if impossible).

    Weekdays resolve to the last such day on or before the report; dates without a year take
    the report's year unless that lands more than a week after it (then the year before).
    """
    if expr.kind == "weekday":
        return reference - timedelta(days=(reference.weekday() - expr.value) % 7)
    if expr.kind == "relative":
        return reference + timedelta(days=expr.value)
    year = expr.year or reference.year
    try:
        day = date(year, expr.value, expr.day)
    except ValueError:
        return None
    if expr.year is None and day > reference + timedelta(days=WEEK):
        try:
            day = date(year - 1, expr.value, expr.day)
        except ValueError:
            return None
    return day


def infer_reference(weekdays: list[int], known: list[date]) -> date | None:
    """The most plausible report day for an undated member of a story, or None.

    The candidates are the days from the story's first dated report to a week after its last.
    For a candidate day, each weekday the text names resolves to the last such day on or before
    it; the cost is how many days back those lie, summed. News reports name mostly the last few
    days ("on Wednesday" in a Wednesday wire story is the same day), so the cheapest candidate is
    taken; among equals, the one nearest the story's last dated report.

    Args:
        weekdays: weekday numbers (0 = Monday) named in the text, with repeats.
        known: publication days of the story's dated members.
    """
    if not weekdays or not known:
        return None
    first, last = min(known), max(known)
    best: tuple[int, int, date] | None = None
    day = first
    while day <= last + timedelta(days=WEEK):
        cost = sum((day.weekday() - w) % 7 for w in weekdays)
        key = (cost, abs((day - last).days), day)
        if best is None or key < best:
            best = key
        day += timedelta(days=1)
    return best[2] if best else None
