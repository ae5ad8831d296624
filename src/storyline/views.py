"""Story views: what a story says, computed when it changes and cached as JSON in the store.

`compute_view` is the single entry point; `story_from_view` turns the cached JSON back into the
typed `Story` record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from storyline.config import ViewConfig
from storyline.enrich import ArticleAnalysis, build_view
from storyline.fingerprint.embed import Encoder
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


def compute_view(
    articles: Sequence[Article],
    relations: Sequence[DupRelation],
    analyses: Mapping[str, ArticleAnalysis],
    encoder: Encoder | None,
    settings: ViewConfig,
) -> tuple[str, dict[str, Any]]:
    """The headline and the JSON-ready view of a story (see `storyline.enrich.build_view`)."""
    view = build_view(articles, relations, encoder=encoder, settings=settings, analyses=analyses.values())
    return view.headline, view.to_dict()


def story_from_view(info: StoryInfo, members: Sequence[Member], view: dict[str, Any]) -> Story:
    """A typed `Story` from its list row, members and cached view."""
    return Story(
        info=info,
        members=tuple(members),
        summary=tuple(SummarySentence(s["text"], s["article"]) for s in view.get("summary", [])),
        timeline=tuple(
            TimelineEntry(
                t.get("date"),
                t["article"],
                t["text"],
                t["kind"],
                t.get("publisher"),
                t.get("date_basis"),
                t.get("reported"),
                int(t.get("restated", 0)),
                tuple(t.get("restated_by", ())),
            )
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
                tuple(q.get("languages", ())),
            )
            for q in view.get("quotes", [])
        ),
        disputes=tuple(
            Dispute(d["point"], tuple(DisputeSide(s["side"], s["text"], s["article"]) for s in d["sides"]))
            for d in view.get("disputes", [])
        ),
    )
