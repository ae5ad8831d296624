"""Dates to ISO 8601: parsing free-form values, and finding publication dates in text and URLs.

News pages print dates in a handful of shapes ("Updated 7:32 PM EDT, Tue September 13, 2022",
"13 September 2022", "25 de enero del 2010", "2022-09-13"). Those shapes are recognised here with
regular expressions and month tables (fast, exact, no guessing); anything else goes to
dateparser. Relative expressions ("yesterday") are refused: without a reference date they would
be resolved against today's clock, which invents dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_ISO_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
_SETTINGS = {
    "PREFER_DAY_OF_MONTH": "first",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": False,
    "REQUIRE_PARTS": ["year", "month"],
}

# Month names and abbreviations in the languages of the bundled corpora and their neighbours.
_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "january jan enero ene gennaio gen januari janvier janv janeiro januar jänner",
        "february feb febrero febbraio februari février févr fevereiro fev februar",
        "march mar marzo maart mars março märz mrt",
        "april apr abril aprile avril avr",
        "may mayo maggio mei mai maio",
        "june jun junio giugno juni juin junho",
        "july jul julio luglio juli juillet juil julho",
        "august aug agosto augustus août ago",
        "september sep sept septiembre setiembre settembre septembre setembro set",
        "october oct octubre ottobre oktober octobre outubro okt out",
        "november nov noviembre novembre novembro",
        "december dec diciembre dicembre décembre dezembro dezember dic dez",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _num)

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_WEEKDAY = (
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?,?"
    r"|(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì"
    r"|venerdì|sabato|domenica|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag),?"
)
_TZ_ALT = r"(?:UTC|GMT|[ECMP][SD]T|ET|PT|CT|BST|CES?T|EES?T|MSK|JST|KST|AES?T|AEDT|HKT)\b"
_TIME = rf"(?P<h>\d{{1,2}})[:.](?P<mi>\d{{2}})\s*(?P<ampm>[ap]\.?m\.?)?\s*(?P<tz>{_TZ_ALT})?"
# UTC offsets of unambiguous time-zone abbreviations (in minutes); others are dropped.
_TZ_OFFSETS = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 60, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180,
    "MSK": 180, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660, "HKT": 480,
}  # fmt: skip

# "Tue September 13, 2022", "Sept. 13, 2022", "September 13 2022".
_MDY = (
    rf"(?:(?:{_WEEKDAY})\s+)?(?P<mon1>{_MONTH_ALT})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?"
    rf"\s+(?P<y1>\d{{4}})"
)
# "13 September 2022", "25 de enero del 2010", "10. Dezember 2013", "Tuesday 13 September 2022".
_DMY = (
    rf"(?:(?:{_WEEKDAY})\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th|º|er)?\.?\s+(?:de\s+)?(?P<mon2>{_MONTH_ALT})\.?,?"
    rf"\s+(?:de\s+|del\s+)?(?P<y2>\d{{4}})"
)
_ISO_IN_TEXT = r"(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
# "18-Jan-07" (Wikinews, logs): day, month abbreviation, two- or four-digit year.
_DASHED = rf"(?P<d4>\d{{1,2}})-(?P<mon4>{_MONTH_ALT})-(?P<y4>\d{{4}}|\d{{2}})(?![\d-])"
DATE_IN_TEXT_RE = re.compile(
    rf"(?:(?P<lead>updated|published|posted|last updated|first published|actualizado|publicado|aggiornato"
    rf"|pubblicato|bijgewerkt|gepubliceerd|mis à jour|publié)(?:\s+(?:on|at|el|il|le|op))?:?\s+)?"
    rf"(?:(?:{_TIME}),?\s+(?:on\s+)?)?"
    rf"(?:{_MDY}|{_DMY}|{_ISO_IN_TEXT}|{_DASHED})"
    rf"(?:,?\s+(?:at\s+|um\s+|à\s+|alle\s+|a las\s+)?(?P<h2>\d{{1,2}})[:.](?P<mi2>\d{{2}})"
    rf"\s*(?P<ampm2>[ap]\.?m\.?)?"
    rf"\s*(?P<tz2>{_TZ_ALT})?)?",
    re.IGNORECASE,
)
_URL_DATE_RE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])(?:[/-](0?[1-9]|[12]\d|3[01]))?(?=/|$|-|_|\.)"
)
_URL_COMPACT_RE = re.compile(r"[/_-]((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.-]|$)")


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return 1900 <= y <= 2100


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in a text.

    Attributes:
        iso: ISO 8601 value.
        start, end: character offsets of the whole expression (including "Updated ...").
        lead: the word that introduced it ("updated", "published"), lower-cased, or "".
    """

    iso: str
    start: int
    end: int
    lead: str


def _iso(y: int, mo: int, d: int, h: str | None, mi: str | None, ampm: str | None, tz: str | None) -> str:
    out = f"{y:04d}-{mo:02d}-{d:02d}"
    if h is None or mi is None:
        return out
    hour, minute = int(h), int(mi)
    if ampm:
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59:
        return out
    out += f"T{hour:02d}:{minute:02d}"
    offset = _TZ_OFFSETS.get((tz or "").upper())
    if offset is not None:
        sign = "+" if offset >= 0 else "-"
        out += f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return out


def _from_match(m: re.Match[str]) -> str | None:
    g = m.groupdict()
    if g.get("y1"):
        y, mo, d = int(g["y1"]), _MONTHS.get(g["mon1"].lower().rstrip(".")), int(g["d1"])
    elif g.get("y2"):
        y, mo, d = int(g["y2"]), _MONTHS.get(g["mon2"].lower().rstrip(".")), int(g["d2"])
    elif g.get("y4"):
        y4 = g["y4"]
        y = int(y4) if len(y4) == 4 else 2000 + int(y4) if int(y4) < 70 else 1900 + int(y4)
        mo, d = _MONTHS.get(g["mon4"].lower()), int(g["d4"])
    else:
        y, mo, d = int(g["y3"]), int(g["m3"]), int(g["d3"])
    if mo is None or not _valid(y, mo, d):
        return None
    if g.get("h"):
        return _iso(y, mo, d, g["h"], g["mi"], g.get("ampm"), g.get("tz"))
    return _iso(y, mo, d, g.get("h2"), g.get("mi2"), g.get("ampm2"), g.get("tz2"))


_YEAR_RE = re.compile(r"(?<!\d)(?:1[89]|20)\d{2}(?!\d)|(?<=-)\d{2}(?![\d-])")
# Longest distance between the start of a date expression ("Updated 7:32 PM EDT, Tue September
# 13, 2022") and its year, and between the year and the end of a trailing time.
_BEFORE_YEAR, _AFTER_YEAR = 70, 40


def find_dates(text: str, limit: int = 5) -> list[FoundDate]:
    """Dates written out in the text, in order of appearance (at most `limit`)."""
    out: list[FoundDate] = []
    last_end = 0
    # The full expression is only tried around years: scanning a long page with it is slow.
    for y in _YEAR_RE.finditer(text):
        lo = max(last_end, y.start() - _BEFORE_YEAR)
        for m in DATE_IN_TEXT_RE.finditer(text, lo, min(len(text), y.end() + _AFTER_YEAR)):
            if not m.start() <= y.start() < m.end():
                continue
            iso = _from_match(m)
            if iso is None:
                continue
            out.append(FoundDate(iso, m.start(), m.end(), (m.group("lead") or "").lower()))
            last_end = m.end()
            break
        if len(out) >= limit:
            break
    return out


def date_from_url(url: str | None) -> str | None:
    """The date in a URL path such as ``/2019/11/18/`` or ``-20191118-``, or None."""
    if not url:
        return None
    m = _URL_DATE_RE.search(url)
    if m and m.group(3):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else None
    m2 = _URL_COMPACT_RE.search(url)
    if m2:
        y, mo, d = int(m2.group(1)), int(m2.group(2)), int(m2.group(3))
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else None
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return f"{y:04d}-{mo:02d}" if _valid(y, mo, 1) else None
    return None


def parse_date(value: str | None) -> str | None:
    """Parse a free-form date to ISO 8601 (``YYYY-MM-DD``, with ``THH:MM`` and offset when known).

    Returns None when the value holds no full calendar date (or only a relative one).
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
            out = f"{y:04d}-{mo:02d}-{d:02d}T{int(m.group(4)):02d}:{m.group(5)}"
            tz = m.group(7)
            if tz:
                out += "+00:00" if tz == "Z" else f"{tz[:3]}:{tz[-2:]}"
            return out
        return f"{y:04d}-{mo:02d}-{d:02d}"
    found = find_dates(value, limit=1)
    if found:
        return found[0].iso
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
