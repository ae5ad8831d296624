"""What each story says: headline, timeline, sources, entities, quotes, disputed claims, summary.

The entry point is `build_view(articles, relations, encoder=..., settings=..., analyses=...)`,
a pure function returning a `StoryView` of plain dataclasses (JSON via `StoryView.to_json`).
Per-article parsing is the slow part and depends on the article alone: `analyse_articles`
returns `ArticleAnalysis` records to cache (`to_json` / `from_json`) and pass back in.
"""

from __future__ import annotations

from storyline.enrich.analysis import ANALYSIS_VERSION, ArticleAnalysis, analyse_articles, ensure_analyses
from storyline.enrich.render import render_text
from storyline.enrich.sources import LanguageCount, MemberReport, PublisherCount, SourceInfo
from storyline.enrich.view import VIEW_VERSION, StoryView, build_view

__all__ = [
    "ANALYSIS_VERSION",
    "VIEW_VERSION",
    "ArticleAnalysis",
    "LanguageCount",
    "MemberReport",
    "PublisherCount",
    "SourceInfo",
    "StoryView",
    "analyse_articles",
    "build_view",
    "ensure_analyses",
    "render_text",
]
