"""Who reports the story: publishers, originals and copies, languages, first and last report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storyline.enrich.dating import ArticleDate
from storyline.types import Article, DupRelation, RelationKind

# Relations that make an article a copy of its original (it adds nothing of its own).
COPY_KINDS: frozenset[RelationKind] = frozenset({"exact", "near_copy", "excerpt"})
TRANSLATION_KINDS: frozenset[RelationKind] = frozenset({"translation"})


@dataclass(frozen=True, slots=True)
class PublisherCount:
    """A publisher and how many of the story's articles it published."""

    publisher: str
    articles: int


@dataclass(frozen=True, slots=True)
class LanguageCount:
    """A language and how many of the story's articles are in it."""

    language: str
    articles: int


@dataclass(frozen=True, slots=True)
class MemberReport:
    """One member as a source: who, when (and how that is known), and what it is to the story.

    Attributes:
        article: article id.
        publisher: the outlet, if known.
        language: ISO 639-1 code, if known.
        date: the report day (publication date, or derived: see `date_basis`).
        date_basis: where `date` comes from.
        relation: ``original`` or the duplicate relation kind (``near_copy``, ``translation``, ...).
        original: the article it copies or translates, if any.
        title: the article's title.
    """

    article: str
    publisher: str | None
    language: str | None
    date: str | None
    date_basis: str
    relation: str
    original: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """The story's sources.

    Attributes:
        articles: number of members.
        originals: members that are not a copy or translation of another member.
        copies: exact copies, near copies and excerpts.
        translations: translations of a member.
        rewrites: rewrites and updates of a member.
        publishers: publishers with their article counts, most first.
        languages: languages with their article counts, most first.
        first_report: earliest publication date (metadata only).
        last_report: latest publication date (metadata only).
        members: every member as a source.
    """

    articles: int
    originals: int
    copies: int
    translations: int
    rewrites: int
    publishers: tuple[PublisherCount, ...]
    languages: tuple[LanguageCount, ...]
    first_report: str | None
    last_report: str | None
    members: tuple[MemberReport, ...]


def relation_of(articles: Sequence[Article], relations: Sequence[DupRelation]) -> dict[str, DupRelation]:
    """Each member's relation to another member of the story (relations to outsiders are ignored)."""
    ids = {a.id for a in articles}
    out: dict[str, DupRelation] = {}
    for rel in relations:
        if rel.article in ids and rel.original in ids and rel.article != rel.original:
            out.setdefault(rel.article, rel)
    return out


def build_sources(
    articles: Sequence[Article], relations: Mapping[str, DupRelation], dates: Mapping[str, ArticleDate]
) -> SourceInfo:
    """The sources breakdown of a story."""
    publishers = Counter(a.publisher for a in articles if a.publisher)
    languages = Counter(a.language for a in articles if a.language)
    published = sorted(a.published for a in articles if a.published)
    members = []
    kinds: Counter[str] = Counter()
    for a in articles:
        rel = relations.get(a.id)
        kind = rel.kind if rel else "original"
        kinds[kind] += 1
        d = dates.get(a.id)
        members.append(
            MemberReport(
                article=a.id,
                publisher=a.publisher,
                language=a.language,
                date=d.day if d else a.day,
                date_basis=d.basis if d else "undated",
                relation=kind,
                original=rel.original if rel else None,
                title=a.title,
            )
        )
    return SourceInfo(
        articles=len(articles),
        originals=kinds["original"],
        copies=sum(kinds[k] for k in COPY_KINDS),
        translations=sum(kinds[k] for k in TRANSLATION_KINDS),
        rewrites=kinds["rewrite"] + kinds["update"],
        publishers=tuple(
            PublisherCount(p, n) for p, n in sorted(publishers.items(), key=lambda x: (-x[1], x[0]))
        ),
        languages=tuple(
            LanguageCount(lang, n) for lang, n in sorted(languages.items(), key=lambda x: (-x[1], x[0]))
        ),
        first_report=published[0] if published else None,
        last_report=published[-1] if published else None,
        members=tuple(members),
    )
