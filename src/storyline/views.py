"""Story views: what a story says, computed when it changes and cached as JSON in the store.

`compute_view` is the single entry point; `story_from_view` turns the cached JSON back into the
typed `Story` record, with the view's one parser (`StoryView.from_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from storyline.config import ViewConfig
from storyline.enrich import ArticleAnalysis, StoryView, build_view
from storyline.fingerprint.embed import Encoder
from storyline.types import (
    Article,
    DupRelation,
    Member,
    Story,
    StoryInfo,
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
    """A typed `Story` from its list row, members and cached view (empty: a story without one)."""
    parsed = StoryView.from_dict(view) if view else None
    return Story(
        info=info,
        members=tuple(members),
        summary=parsed.summary if parsed else (),
        timeline=parsed.timeline if parsed else (),
        entities=parsed.entities if parsed else (),
        quotes=parsed.quotes if parsed else (),
        disputes=parsed.disputes if parsed else (),
    )
