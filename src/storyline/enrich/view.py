"""What a story says: the `StoryView` and the one function that builds it."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storyline.config import ViewConfig
from storyline.enrich.analysis import ArticleAnalysis, ensure_analyses
from storyline.enrich.dating import article_dates
from storyline.enrich.disputes import find_disputes
from storyline.enrich.entities import resolve_entities
from storyline.enrich.headline import choose_headline
from storyline.enrich.quotes import _mentions_by_article, _roles, collect_quotes
from storyline.enrich.sentences import SentenceSpace, lexrank, story_sentences
from storyline.enrich.sources import (
    COPY_KINDS,
    TRANSLATION_KINDS,
    LanguageCount,
    MemberReport,
    PublisherCount,
    SourceInfo,
    build_sources,
    relation_of,
)
from storyline.enrich.summary import sentence_scores, summarise
from storyline.enrich.timeline import build_timeline
from storyline.fingerprint.embed import Encoder
from storyline.types import (
    Article,
    Dispute,
    DisputeSide,
    DupRelation,
    Entity,
    Quote,
    SummarySentence,
    TimelineEntry,
)

VIEW_VERSION = 4


@dataclass(frozen=True, slots=True)
class StoryView:
    """Everything a story says, with the article behind every line.

    Attributes:
        headline: the most representative title (an original's, in the main language).
        headline_article: the article the headline comes from.
        language: the story's main language.
        summary: extractive summary sentences, each with its article.
        timeline: first report and developments, dated, with how each date is known.
        entities: people, places and organisations, most mentioned first.
        quotes: direct quotations, each once with all the articles that carry it.
        disputes: points on which sides disagree, side by side.
        sources: publishers, originals/copies/translations, languages, first and last report.
        version: `VIEW_VERSION` when built (a cached view of another version is rebuilt).
    """

    headline: str
    headline_article: str | None
    language: str | None
    summary: tuple[SummarySentence, ...]
    timeline: tuple[TimelineEntry, ...]
    entities: tuple[Entity, ...]
    quotes: tuple[Quote, ...]
    disputes: tuple[Dispute, ...]
    sources: SourceInfo
    version: int = VIEW_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (field names as in the dataclasses)."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The view as JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StoryView:
        """Rebuild a view from `to_dict` output (a section or optional field left out is empty)."""
        s = d.get("sources") or {}
        sources = SourceInfo(
            articles=s.get("articles", 0),
            originals=s.get("originals", 0),
            copies=s.get("copies", 0),
            translations=s.get("translations", 0),
            rewrites=s.get("rewrites", 0),
            publishers=tuple(PublisherCount(**p) for p in s.get("publishers", ())),
            languages=tuple(LanguageCount(**x) for x in s.get("languages", ())),
            first_report=s.get("first_report"),
            last_report=s.get("last_report"),
            members=tuple(MemberReport(**m) for m in s.get("members", ())),
        )
        return cls(
            headline=d.get("headline", ""),
            headline_article=d.get("headline_article"),
            language=d.get("language"),
            summary=tuple(SummarySentence(**x) for x in d.get("summary", ())),
            timeline=tuple(
                TimelineEntry(**{**x, "restated_by": tuple(x.get("restated_by", ()))})
                for x in d.get("timeline", ())
            ),
            entities=tuple(
                Entity(**{**x, "articles": tuple(x["articles"]), "variants": tuple(x.get("variants", ()))})
                for x in d.get("entities", ())
            ),
            quotes=tuple(
                Quote(
                    **{
                        "published": None,
                        **x,
                        "sources": tuple(x.get("sources", ())),
                        "languages": tuple(x.get("languages", ())),
                    }
                )
                for x in d.get("quotes", ())
            ),
            disputes=tuple(
                Dispute(point=x["point"], sides=tuple(DisputeSide(**y) for y in x["sides"]))
                for x in d.get("disputes", ())
            ),
            sources=sources,
            version=d.get("version", 0),
        )

    @classmethod
    def from_json(cls, data: str) -> StoryView:
        """Rebuild a view from `to_json` output."""
        return cls.from_dict(json.loads(data))


def main_language(articles: Sequence[Article], relations: Mapping[str, DupRelation]) -> str | None:
    """The language most of the story's originals are in (all members break ties)."""
    originals = Counter(a.language for a in articles if a.language and a.id not in relations)
    everyone = Counter(a.language for a in articles if a.language)
    if not everyone:
        return None
    return max(everyone, key=lambda lang: (originals[lang], everyone[lang], lang == "en"))


def build_view(
    articles: Sequence[Article],
    relations: Sequence[DupRelation],
    *,
    encoder: Encoder | None = None,
    settings: ViewConfig | None = None,
    analyses: Iterable[ArticleAnalysis] = (),
) -> StoryView:
    """Build the view of one story.

    Args:
        articles: the story's members.
        relations: duplicate relations (those between members are used).
        encoder: optional sentence encoder: with it, summary sentences and quotes are also
            compared across languages; without it, everything is lexical and fast.
        settings: sizes and thresholds (`ViewConfig` defaults when None).
        analyses: cached per-article analyses; missing or stale ones are computed (the slow part:
            cache them, see `storyline.enrich.analysis`).

    Returns:
        The story view. Pure: the same inputs give the same view.
    """
    settings = settings or ViewConfig()
    by_analysis = ensure_analyses(articles, analyses, second_opinion=settings.second_opinion)
    rel = relation_of(articles, relations)
    dates = article_dates(articles, by_analysis)
    order_key = {a.id: (dates[a.id].day or "9999-99-99", n) for n, a in enumerate(articles)}
    ordered = sorted(articles, key=lambda a: order_key[a.id])
    # Copies, translations and rewrites say what their original says: they add sources to a
    # quote, never sentences to the summary or timeline. An update stays an original: what it
    # adds is news.
    copies = {a for a, r in rel.items() if r.kind in COPY_KINDS | TRANSLATION_KINDS | {"rewrite"}}
    originals = {a.id for a in ordered if a.id not in copies}
    language = main_language(ordered, rel)

    sentences = story_sentences(ordered, by_analysis)
    space = SentenceSpace([s.text for s in sentences], [a.language for a in ordered])
    sim = space.similarity()
    prose = [i for i, s in enumerate(sentences) if s.prose]
    centrality = lexrank(sim[prose][:, prose]) if prose else lexrank(sim[:0, :0])
    full = [0.0] * len(sentences)
    for n, i in enumerate(prose):
        full[i] = float(centrality[n])
    import numpy as np

    scores = sentence_scores(sentences, np.asarray(full, dtype=np.float32))

    resolved = resolve_entities(ordered, by_analysis, copies=copies)
    entities = [r.entity for r in resolved]
    if settings.max_entities:
        entities = entities[: settings.max_entities]
    related = {frozenset((r.article, r.original)) for r in rel.values()}
    quotes = collect_quotes(ordered, by_analysis, resolved, related, originals, language, settings, encoder)
    spans = _mentions_by_article(resolved)
    roles = {
        name: c.most_common(1)[0][0] for name, c in _roles(ordered, by_analysis, spans, originals).items()
    }
    disputes = find_disputes(ordered, by_analysis, sentences, sim, resolved, roles, originals)
    languages = {a.id: a.language for a in ordered}
    summary = summarise(
        sentences, scores, sim, originals, space.stops, settings, order_key, encoder, languages
    )
    timeline = build_timeline(ordered, by_analysis, sentences, scores, sim, dates, originals, settings)
    lead = {}
    for s in sentences:
        if s.prose and s.position == 0:
            lead[s.article] = s.text
    headline, headline_article = choose_headline(ordered, originals, language, space.stops, lead)
    return StoryView(
        headline=headline,
        headline_article=headline_article,
        language=language,
        summary=tuple(summary),
        timeline=tuple(timeline),
        entities=tuple(entities),
        quotes=tuple(quotes),
        disputes=tuple(disputes),
        sources=build_sources(ordered, rel, dates),
    )
