"""Story views: what a story says, computed when it changes and cached as JSON in the store.

`compute_view` is the single entry point; `story_from_view` turns the cached JSON back into the
typed `Story` record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from storyline.types import (
    Article,
    Dispute,
    DisputeSide,
    DupRelation,
    Entity,
    Member,
    Quote,
    Story,
    StoryInfo,
    SummarySentence,
    TimelineEntry,
)


def headline_of(articles: Sequence[Article], relations: Sequence[DupRelation]) -> str:
    """The most representative title: an original's, in the story's main language, earliest first."""
    copies = {r.article for r in relations}
    langs = Counter(a.language for a in articles if a.language)
    main = langs.most_common(1)[0][0] if langs else None

    def key(a: Article) -> tuple[bool, bool, bool, str]:
        return (a.id in copies, a.language != main, a.published is None, a.published or "")

    titled = sorted((a for a in articles if a.title), key=key)
    if titled:
        return titled[0].title or ""
    first = sorted(articles, key=key)[0]
    return " ".join(first.text.split()[:14]) + "…"


def compute_view(articles: Sequence[Article], relations: Sequence[DupRelation]) -> tuple[str, dict[str, Any]]:
    """The headline and the JSON-ready view of a story."""
    headline = headline_of(articles, relations)
    return headline, {"headline": headline}


def story_from_view(info: StoryInfo, members: Sequence[Member], view: dict[str, Any]) -> Story:
    """A typed `Story` from its list row, members and cached view."""
    return Story(
        info=info,
        members=tuple(members),
        summary=tuple(SummarySentence(s["text"], s["article"]) for s in view.get("summary", [])),
        timeline=tuple(
            TimelineEntry(t.get("date"), t["article"], t["text"], t["kind"], t.get("publisher"))
            for t in view.get("timeline", [])
        ),
        entities=tuple(
            Entity(e["name"], e["kind"], e["mentions"], tuple(e["articles"]), tuple(e.get("variants", ())))
            for e in view.get("entities", [])
        ),
        quotes=tuple(
            Quote(
                q["text"],
                q.get("speaker"),
                q["article"],
                q.get("published"),
                q.get("role"),
                tuple(q.get("sources", ())),
            )
            for q in view.get("quotes", [])
        ),
        disputes=tuple(
            Dispute(d["point"], tuple(DisputeSide(s["side"], s["text"], s["article"]) for s in d["sides"]))
            for d in view.get("disputes", [])
        ),
    )
