"""The day each member of a story reports on: its publication date, or one derived with evidence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from storyline.enrich.analysis import ArticleAnalysis
from storyline.enrich.timeexpr import infer_reference
from storyline.types import Article

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class ArticleDate:
    """The day an article reports on and how it is known.

    Attributes:
        article: article id.
        day: ISO date, or None when neither metadata nor text gives one.
        basis: ``published`` or how the day was derived; ``undated`` when unknown.
        derived: True when the day does not come from the article's metadata.
    """

    article: str
    day: str | None
    basis: str
    derived: bool = False


def parse_day(value: str | None) -> date | None:
    """The date part of an ISO date or datetime, or None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def article_dates(
    articles: Sequence[Article], analyses: Mapping[str, ArticleAnalysis]
) -> dict[str, ArticleDate]:
    """Report days of the story's members.

    A member with a publication date reports on that day. An undated member is placed from the
    weekdays its text names, read against the story's dated members (`infer_reference`): never
    from the clock, and never without a weekday to go on.
    """
    out: dict[str, ArticleDate] = {}
    known: list[date] = []
    for art in articles:
        day = parse_day(art.published)
        if day is not None:
            out[art.id] = ArticleDate(art.id, day.isoformat(), f"published {day.isoformat()}")
            known.append(day)
    for art in articles:
        if art.id in out:
            continue
        an = analyses.get(art.id)
        weekdays = [t.value for t in an.times if t.kind == "weekday"] if an else []
        inferred = infer_reference(weekdays, known)
        if inferred is None:
            out[art.id] = ArticleDate(art.id, None, "undated")
            continue
        counts = Counter(weekdays)
        named = ", ".join(
            f"{_WEEKDAY_NAMES[w]}" + (f" ({n} times)" if n > 1 else "") for w, n in counts.most_common()
        )
        basis = (
            f"no publication date; the text names {named}; read against the story's dated reports "
            f"of {min(known).isoformat()} to {max(known).isoformat()}, it reports on "
            f"{_WEEKDAY_NAMES[inferred.weekday()]} {inferred.isoformat()}"
        )
        out[art.id] = ArticleDate(art.id, inferred.isoformat(), basis, derived=True)
    return out
