"""Per-article analysis: everything a story view needs from one article, as cacheable plain data.

Parsing is the expensive part of a story view (spaCy reads ~6,000 tokens/s per model on one
core, so 50 news articles take several seconds). It depends on the article alone, never on the
story, so it is done once per article and cached (`to_json` / `from_json`, keyed by the article
id and its content hash); a story view is then built from cached analyses in a fraction of a
second when the story changes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storyline.enrich.timeexpr import TimeExpression, find_times
from storyline.parse import Attribution, Parsed, Quotation, Role, parse_many
from storyline.types import Article, Mention

# Bump when the analysis changes shape or meaning, so cached analyses are recomputed.
ANALYSIS_VERSION = 5


@dataclass(frozen=True, slots=True)
class ArticleAnalysis:
    """One article's sentences, names, quotations, attributed statements and time expressions.

    Attributes:
        article: the article id.
        content_hash: the article's content hash when analysed (a changed text invalidates it).
        language: the language the text was analysed as.
        parsed: sentences, names, roles, quotations and attributions (see `storyline.parse.Parsed`).
        times: time expressions, in text order.
        version: `ANALYSIS_VERSION` at analysis time.
    """

    article: str
    content_hash: str
    language: str | None
    parsed: Parsed
    times: tuple[TimeExpression, ...]
    version: int = ANALYSIS_VERSION

    def fresh_for(self, article: Article) -> bool:
        """Whether this analysis still describes the article (same text, same analysis version)."""
        return (
            self.article == article.id
            and self.content_hash == article.content_hash
            and self.version == ANALYSIS_VERSION
        )

    def to_json(self) -> str:
        """The analysis as a JSON string."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | dict[str, Any]) -> ArticleAnalysis:
        """Rebuild an analysis from `to_json` output (or its parsed dict)."""
        d = json.loads(data) if isinstance(data, str) else data
        p = d["parsed"]
        parsed = Parsed(
            sentences=tuple(tuple(s) for s in p["sentences"]),
            mentions=tuple(Mention(**m) for m in p["mentions"]),
            typed=p["typed"],
            groups=tuple(tuple(g) for g in p["groups"]),
            roles=tuple(Role(**r) for r in p["roles"]),
            quotations=tuple(Quotation(**q) for q in p["quotations"]),
            attributions=tuple(Attribution(**a) for a in p["attributions"]),
            model=p.get("model"),
            votes=tuple(Mention(**m) for m in p.get("votes", ())),
            other_names=tuple(tuple(o) for o in p.get("other_names", ())),
            things=tuple(tuple(t) for t in p.get("things", ())),
            listed=tuple(tuple(x) for x in p.get("listed", ())),
        )
        return cls(
            article=d["article"],
            content_hash=d["content_hash"],
            language=d["language"],
            parsed=parsed,
            times=tuple(TimeExpression(**t) for t in d["times"]),
            version=d.get("version", 0),
        )


def analyse_articles(articles: Sequence[Article], *, second_opinion: bool = True) -> list[ArticleAnalysis]:
    """Analyse articles (one spaCy pass per language, batched).

    Args:
        articles: cleaned articles.
        second_opinion: also run each language's second NER model for story-level votes.
    """
    parsed = parse_many([(a.text, a.language) for a in articles], second_opinion=second_opinion)
    return [
        ArticleAnalysis(a.id, a.content_hash, a.language, p, tuple(find_times(a.text, a.language)))
        for a, p in zip(articles, parsed, strict=True)
    ]


def ensure_analyses(
    articles: Sequence[Article], cached: Iterable[ArticleAnalysis] = (), *, second_opinion: bool = True
) -> dict[str, ArticleAnalysis]:
    """Analyses for all articles: the cached ones that are still fresh, the others computed now."""
    have = {a.article: a for a in cached}
    todo = [a for a in articles if not (a.id in have and have[a.id].fresh_for(a))]
    out = {a.id: have[a.id] for a in articles if a.id in have and have[a.id].fresh_for(a)}
    for analysis in analyse_articles(todo, second_opinion=second_opinion):
        out[analysis.article] = analysis
    return out
