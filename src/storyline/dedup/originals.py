"""Pick the original of a duplicate group, and say why.

The earliest publication is the original. An undated article cannot prove it came first, so dated
articles go before undated ones. With equal or unknown dates, the text itself decides: a copy
often says it is one (a "Source link" footer left by a scraper, "originally published by", a
wire or broadcaster's dateline such as "(CNN)" on a site that is not CNN); then the most complete
text wins (an excerpt or a trimmed copy is shorter; lengths are compared within a language only);
then arrival order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from storyline.text import word_count
from storyline.types import Article

# Footers and notes by which reposting sites credit (or scrape) another outlet.
_COPY_NOTES = re.compile(
    r"^\s*(source link|source:|read more at|read the full (story|article) at|originally (published|appeared)"
    r"|this (article|story) (was )?(originally|first) (published|appeared)|republished (from|with)"
    r"|via\s+\w+\s*$|(the )?post .{0,120} appeared first on)",
    re.IGNORECASE | re.MULTILINE,
)
# The same notes anywhere inside a piece that cleaning removed (a footer run may hold several).
_COPY_NOTES_ANYWHERE = re.compile(_COPY_NOTES.pattern.replace(r"^\s*(", r"\b(", 1), re.IGNORECASE)
# Datelines of wires and broadcasters: "(CNN) —", "KYIV (Reuters) -", "(AP) —", "(AFP) -".
_DATELINE = re.compile(r"\((CNN|Reuters|AP|AFP|dpa|EFE|ANSA|Bloomberg|BBC|Xinhua|Kyodo|Yonhap|UPI)\)")


_NOT_LETTER = re.compile(r"[^a-z]")


def _first_note(body: str) -> re.Match[str] | None:
    """`_COPY_NOTES.search(body)`, trying line starts only.

    The pattern is anchored at line starts, but `search` still tries (and fails) at every
    character; matching at each line start, in order, finds the same leftmost match several
    times faster.
    """
    pos = 0
    while True:
        m = _COPY_NOTES.match(body, pos)
        if m is not None:
            return m
        nl = body.find("\n", pos)
        if nl < 0:
            return None
        pos = nl + 1


def _norm(name: str | None) -> str:
    return _NOT_LETTER.sub("", name.lower()) if name else ""


def copy_markers(article: Article) -> list[str]:
    """Signs in the text (or in what cleaning removed) that the article reposts another outlet's."""
    found: list[str] = []
    # Credits and scraper footers sit at the end, datelines at the start.
    body = article.text if len(article.text) <= 4000 else article.text[:2000] + "\n" + article.text[-2000:]
    m = _first_note(body)
    if m is None:
        for removed in article.removed:
            m = _COPY_NOTES_ANYWHERE.search(removed.text)
            if m:
                break
    if m is not None:
        found.append(m.group(0).strip()[:60])
    own = _norm(article.publisher) + _norm(article.url)
    if not own:  # without a publisher or address, no dateline is foreign
        return found
    for m in _DATELINE.finditer(article.text[:2000]):
        agency = _norm(m.group(1))
        if agency not in own:
            found.append(f"foreign dateline ({m.group(1)})")
            break
    return found


@dataclass(frozen=True)
class Choice:
    """The original of a group, and why it precedes each other member."""

    original: Article
    reasons: dict[str, str]

    def reason(self, member: str) -> str:
        """Why the original was preferred to this member."""
        return self.reasons.get(member, "")


def original_of(
    group: Sequence[Article],
    order: dict[str, int],
    sizes: dict[str, int] | None = None,
    markers: dict[str, list[str]] | None = None,
    lexical_degree: dict[str, int] | None = None,
) -> Choice:
    """The original: earliest date; with equal or unknown dates, text evidence.

    Text evidence is: no copy markers; then the text that most other members copy word for word
    (reposts copy the original's wording, a translation or rewrite of it does not, so the source of
    the verbatim copies is the original, not its rewrite); then the most complete text; then arrival.

    Args:
        group: the members.
        order: arrival number per id (the last tie-break).
        sizes: how complete each text is (e.g. its number of n-grams); word counts when None.
        markers: `copy_markers` of members already computed (filled in as they are computed).
        lexical_degree: per member, how many members are verified word-for-word copies of it
            (exact, near copy or excerpt links), or None to skip this evidence.
    """
    degree = lexical_degree or {}
    marks = markers if markers is not None else {}

    def marks_of(a: Article) -> list[str]:
        if a.id not in marks:
            marks[a.id] = copy_markers(a)
        return marks[a.id]

    keys: dict[str, tuple[bool, str, int, int, float, int]] = {}
    size_of = {
        a.id: (sizes[a.id] if sizes is not None and a.id in sizes else word_count(a.text)) for a in group
    }
    # Completeness is compared within a language: n-gram counts of a text and of its translation
    # measure the languages, not which one holds more of the article. The most complete version
    # in each language scores 1, and between languages the earlier arrival decides.
    longest: dict[str | None, int] = {}
    for a in group:
        longest[a.language] = max(longest.get(a.language, 0), size_of[a.id])
    # A dated member later than another dated member cannot be the original; an undated member
    # cannot be placed in time, so it competes on text evidence with the earliest dated ones.
    earliest = min((a.day for a in group if a.day), default="")
    dates = {a.id: (bool(a.day and a.day > earliest), a.day or "") for a in group}

    def key(a: Article) -> tuple[bool, str, int, int, float, int]:
        k = keys.get(a.id)
        if k is None:
            if dates[a.id][0]:  # later than the earliest date: text evidence does not matter
                k = (*dates[a.id], 0, 0, 0.0, order.get(a.id, 1 << 62))
            else:
                complete = size_of[a.id] / max(longest[a.language], 1)
                k = (False, "", len(marks_of(a)), -degree.get(a.id, 0), -complete, order.get(a.id, 1 << 62))
            keys[a.id] = k
        return k

    ranked = sorted(group, key=key)
    best = ranked[0]
    kb = keys[best.id]
    reasons: dict[str, str] = {}
    for m in ranked[1:]:
        km = keys[m.id]
        if kb[0] != km[0] or kb[1] != km[1]:
            reasons[m.id] = "earlier publication"
        elif kb[2] != km[2]:
            found = marks_of(m)
            reasons[m.id] = "same or unknown date; the copy carries copy markers" + (
                f" ({found[0]})" if found else ""
            )
        elif kb[3] != km[3]:
            reasons[m.id] = "same or unknown date; the text the other copies reproduce word for word"
        elif kb[4] != km[4]:
            reasons[m.id] = "same or unknown date; more complete text"
        elif m.language != best.language:
            reasons[m.id] = "same or unknown date, another language; arrived first"
        else:
            reasons[m.id] = "same or unknown date and length; arrived first"
    return Choice(best, reasons)
