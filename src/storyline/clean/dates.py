"""Dates to ISO 8601, with dateparser, offline and without guessing from the current time."""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
_SETTINGS = {
    "PREFER_DAY_OF_MONTH": "first",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": False,
    "REQUIRE_PARTS": ["year", "month"],
}


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return 1900 <= y <= 2100


def parse_date(value: str | None) -> str | None:
    """Parse a free-form date to ISO 8601 (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``); None if unparseable.

    Relative expressions ("yesterday") are refused: without a reference date they would be
    resolved against today's clock, which invents dates.
    """
    if not value:
        return None
    value = value.strip()
    m = _ISO_RE.match(value)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if not _valid(y, mo, d):
            return None
        if m.group(4):
            return f"{y:04d}-{mo:02d}-{d:02d}T{m.group(4)}:{m.group(5)}"
        return f"{y:04d}-{mo:02d}-{d:02d}"
    if not re.search(r"\d{4}", value):
        return None
    import dateparser

    try:
        parsed = dateparser.parse(value[:100], settings=_SETTINGS)
    except (ValueError, OverflowError, TypeError):
        return None
    if not isinstance(parsed, datetime) or not _valid(parsed.year, parsed.month, parsed.day):
        return None
    if parsed.hour or parsed.minute:
        return parsed.strftime("%Y-%m-%dT%H:%M")
    return parsed.strftime("%Y-%m-%d")
