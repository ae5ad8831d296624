"""What each page shows, as plain data: the HTML templates and the JSON twins render the same records.

`Reader` is the only part of the web app that talks to the database. Reads go through a read-only
connection per thread (WAL lets them run while an ingest writes); writes (HTTP ingest, filling a
stale view cache) go through one writable `Storyline` behind a lock, so only one ingest runs at a
time and a reader never waits for it.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from storyline.api import Storyline
from storyline.config import Config
from storyline.dedup.explain import relation_in_words
from storyline.errors import NotFoundError, StoreError
from storyline.fingerprint.embed import Encoder
from storyline.ingest import read_mappings
from storyline.text import lead_title, source_label
from storyline.types import (
    Article,
    DupRelation,
    IngestReport,
    Member,
    RawDoc,
    Rejected,
    Story,
    StoryInfo,
    Topic,
    TopicInfo,
)

PAGE_SIZE = 25
ACTIVITY_CACHE = 50_000  # stories whose daily counts are kept (a few hundred bytes each)
TOTALS_CACHE = 1_000  # filter sets whose story count is kept
T = TypeVar("T")
MAX_PAGE_SIZE = 200
COPY_KINDS = frozenset({"exact", "near_copy", "excerpt"})
TRANSLATION_KINDS = frozenset({"translation"})
REWRITE_KINDS = frozenset({"rewrite", "update"})
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class BadRequest(ValueError):
    """A request the server cannot act on (bad filter value, bad search, bad body); the message says why."""


@dataclass(frozen=True, slots=True)
class Filters:
    """The story list's filters, as given in the query string.

    Attributes:
        q: full-text search over member titles and texts (SQLite FTS5 syntax; plain words work).
        language: ISO 639-1 code of at least one member.
        source: publisher (or source path) of at least one member.
        entity: a person, place or organisation the story names (any spelling variant).
        since: stories with a publication on or after this date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).
        until: stories with a publication on or before this date.
        order: ``recent`` (latest publication first) or ``size`` (most articles first).
        topic: only the stories of this topic (its id).
    """

    q: str | None = None
    language: str | None = None
    source: str | None = None
    entity: str | None = None
    since: str | None = None
    until: str | None = None
    order: Literal["recent", "size"] = "recent"
    topic: str | None = None

    def active(self) -> bool:
        """Whether any filter narrows the list."""
        return any((self.q, self.language, self.source, self.entity, self.since, self.until, self.topic))

    def params(self) -> dict[str, str]:
        """The non-empty filters as query parameters."""
        out = {
            k: v
            for k, v in (
                ("q", self.q),
                ("language", self.language),
                ("source", self.source),
                ("entity", self.entity),
                ("since", self.since),
                ("until", self.until),
                ("topic", self.topic),
            )
            if v
        }
        if self.order != "recent":
            out["order"] = self.order
        return out


def make_filters(
    q: str | None = None,
    language: str | None = None,
    source: str | None = None,
    entity: str | None = None,
    since: str | None = None,
    until: str | None = None,
    order: str | None = None,
    topic: str | None = None,
) -> Filters:
    """Filters from raw query values: blanks dropped, dates and order checked.

    Raises:
        BadRequest: a date is not ``YYYY[-MM[-DD]]`` or the order is unknown.
    """

    def clean(v: str | None) -> str | None:
        v = (v or "").strip()
        return v or None

    for name, value in (("since", since), ("until", until)):
        v = clean(value)
        if v and not _DATE_RE.match(v):
            raise BadRequest(f"{name}={v!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")
    o = clean(order) or "recent"
    if o not in ("recent", "size"):
        raise BadRequest(f"order={o!r} is not known (use recent or size)")
    lang = clean(language)
    return Filters(
        q=clean(q),
        language=lang.lower() if lang else None,
        source=clean(source),
        entity=clean(entity),
        since=clean(since),
        until=clean(until),
        order=o,  # type: ignore[arg-type]
        topic=clean(topic),
    )


@dataclass(frozen=True, slots=True)
class DayCount:
    """Articles published on one day."""

    day: str
    articles: int


@dataclass(frozen=True, slots=True)
class StoryRow:
    """One story of the list, with its daily activity."""

    info: StoryInfo
    activity: tuple[DayCount, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryList:
    """One page of the story list.

    Attributes:
        stories: the stories of this page.
        filters: the filters applied.
        page: 1-based page number.
        limit: stories per page.
        has_more: whether a next page exists.
        total: number of stories that pass the filters (all stories when none is active).
    """

    stories: tuple[StoryRow, ...]
    filters: Filters
    page: int
    limit: int
    has_more: bool
    total: int


@dataclass(frozen=True, slots=True)
class SourceRow:
    """What one publisher contributed to a story: original reports, copies, translations, rewrites."""

    publisher: str
    articles: int
    originals: int
    copies: int
    translations: int
    rewrites: int
    languages: tuple[str, ...]
    first_report: str | None = None
    copied_from: tuple[str, ...] = ()
    copied_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DayReports:
    """The reports of one publication day (the fallback timeline while a story has no extracted one)."""

    day: str | None
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoryPage:
    """Everything the story page shows.

    Attributes:
        story: info, members (with relation and original), summary, timeline, entities, quotes, disputes.
        relations: the duplicate relations among the members, with evidence.
        sources: per publisher, what it contributed.
        activity: articles per day.
        reports: members grouped by publication day, earliest first.
        leads: the opening words of members that have no title, to name them by.
    """

    story: Story
    relations: tuple[DupRelation, ...]
    sources: tuple[SourceRow, ...]
    activity: tuple[DayCount, ...]
    reports: tuple[DayReports, ...] = ()
    leads: dict[str, str] = field(default_factory=dict)
    topic: Topic | None = None


@dataclass(frozen=True, slots=True)
class TopicList:
    """One page of the topic list (`total`: all topics)."""

    topics: tuple[TopicInfo, ...]
    page: int
    limit: int
    has_more: bool
    total: int
    order: Literal["recent", "size"] = "recent"


@dataclass(frozen=True, slots=True)
class RelationView:
    """One duplicate relation seen from an article: it is a copy of `other`, or `other` copies it."""

    role: Literal["copy_of", "original_of"]
    kind: str
    score: float
    evidence: dict[str, Any]
    other: Member
    in_words: str = ""


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """Everything the article page shows (`leads`: opening words of related articles without a title)."""

    article: Article
    story: StoryInfo | None
    relations: tuple[RelationView, ...]
    leads: dict[str, str] = field(default_factory=dict)
    placement: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What `POST /api/articles` did: the ingest report and where each accepted record now lives."""

    report: IngestReport
    articles: tuple[dict[str, str | None], ...] = field(default_factory=tuple)


def member_label(m: Member) -> str:
    """A short name for a member's source: its publisher, else "unknown" with its host or file."""
    return source_label(m.publisher, m.url, m.source)


def relation_badges(members: Sequence[Member], relations: Sequence[DupRelation]) -> dict[str, str]:
    """The badge of each member: its relation kind when it copies another, else ``original``."""
    kinds: dict[str, str] = {r.article: r.kind for r in relations}
    out: dict[str, str] = {}
    for m in members:
        out[m.id] = m.relation or kinds.get(m.id) or "original"
    return out


def source_rows(members: Sequence[Member], relations: Sequence[DupRelation]) -> tuple[SourceRow, ...]:
    """Per publisher: articles, original reports, copies, translations and rewrites, biggest first.

    Each row also says when the publisher first reported (its earliest dated article) and whose
    articles it copied or translated, and who copied or translated its own (other publishers only).
    """
    kind = {r.article: r.kind for r in relations}
    by_id = {m.id: m for m in members}
    rows: dict[str, dict[str, Any]] = {}
    for m in members:
        k = m.relation or kind.get(m.id)
        row = rows.setdefault(
            member_label(m),
            {
                "articles": 0, "originals": 0, "copies": 0, "translations": 0, "rewrites": 0,
                "langs": set(), "first": None, "from": set(), "by": set(),
            },
        )  # fmt: skip
        row["articles"] += 1
        day = m.published[:10] if m.published else None
        if day and (row["first"] is None or day < row["first"]):
            row["first"] = day
        if k is None:
            row["originals"] += 1
        elif k in TRANSLATION_KINDS:
            row["translations"] += 1
        elif k in REWRITE_KINDS:
            row["rewrites"] += 1
        else:
            row["copies"] += 1
        if m.language:
            row["langs"].add(m.language)
    for r in relations:
        copy, original = by_id.get(r.article), by_id.get(r.original)
        if copy is None or original is None:
            continue
        taker, giver = member_label(copy), member_label(original)
        if taker != giver:
            rows[taker]["from"].add(giver)
            rows[giver]["by"].add(taker)
    out = [
        SourceRow(
            publisher=name,
            articles=r["articles"],
            originals=r["originals"],
            copies=r["copies"],
            translations=r["translations"],
            rewrites=r["rewrites"],
            languages=tuple(sorted(r["langs"])),
            first_report=r["first"],
            copied_from=tuple(sorted(r["from"], key=str.casefold)),
            copied_by=tuple(sorted(r["by"], key=str.casefold)),
        )
        for name, r in rows.items()
    ]
    out.sort(key=lambda r: (-r.originals, -r.articles, r.publisher.casefold()))
    return tuple(out)


def reports_by_day(members: Sequence[Member]) -> tuple[DayReports, ...]:
    """Members grouped by publication day, earliest first; undated ones last."""
    days: dict[str | None, list[str]] = {}
    for m in sorted(members, key=lambda m: (m.published is None, m.published or "")):
        days.setdefault(m.published[:10] if m.published else None, []).append(m.id)
    return tuple(DayReports(d, tuple(ids)) for d, ids in days.items())


def _fts_fallback(query: str) -> str:
    """The query as plain words: each whitespace-separated term quoted, so FTS5 syntax cannot fail."""
    terms = [t.replace('"', '""') for t in query.split()]
    return " ".join(f'"{t}"' for t in terms if t)


class Reader:
    """The web app's access to one storyline database.

    Args:
        db: the database file (created when missing, unless `readonly`).
        config: settings (the records' field names and the pipeline's, for HTTP ingest).
        readonly: never write: no HTTP ingest, stale story views are computed without being cached.
        encoder: the embedding model for HTTP ingest; from `config` when None (loaded on first ingest).
    """

    def __init__(
        self,
        db: str,
        config: Config | None = None,
        readonly: bool = False,
        encoder: Encoder | None = None,
    ) -> None:
        self.db = db
        self.config = config or Config()
        self.readonly = readonly
        # The writer opens first: it creates the database and brings its schema up to date.
        self._writer = None if readonly else Storyline(db, config=self.config, encoder=encoder)
        self.api = Storyline(db, config=self.config, readonly=True)
        self._cache_lock = threading.Lock()
        self._derived: dict[str, tuple[tuple[int, str], Any]] = {}
        self._activity: OrderedDict[tuple[str, str], tuple[DayCount, ...]] = OrderedDict()
        self._totals: OrderedDict[str, tuple[tuple[int, str], int]] = OrderedDict()

    def close(self) -> None:
        """Close this thread's connections."""
        self.api.close()
        if self._writer is not None:
            self._writer.close()

    @property
    def store(self) -> Any:
        """The read-only store."""
        return self.api.store

    # -- lists -------------------------------------------------------------------------------

    def stories(self, filters: Filters, page: int = 1, limit: int = PAGE_SIZE) -> StoryList:
        """One page of the story list.

        Raises:
            BadRequest: page or limit out of range, or a search that cannot be run.
        """
        if page < 1:
            raise BadRequest(f"page={page} must be 1 or more")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise BadRequest(f"limit={limit} must be between 1 and {MAX_PAGE_SIZE}")
        args: dict[str, Any] = {
            "language": filters.language,
            "source": filters.source,
            "entity": filters.entity,
            "since": filters.since,
            "until": filters.until,
            "order": filters.order,
            "topic": filters.topic,
        }
        # One row more than the page tells whether a next page exists without counting them all.
        offset = (page - 1) * limit
        query = filters.q
        try:
            infos = self.api.stories(limit=limit + 1, offset=offset, query=query, **args)
        except StoreError as exc:
            if not filters.q:
                raise
            query = _fts_fallback(filters.q)
            if not query:
                raise BadRequest(str(exc)) from None
            try:
                infos = self.api.stories(limit=limit + 1, offset=offset, query=query, **args)
            except StoreError as exc2:
                raise BadRequest(str(exc2)) from None
        has_more = len(infos) > limit
        infos = infos[:limit]
        activity = self.activity(infos)
        rows = tuple(StoryRow(i, activity[i.id]) for i in infos)
        del args["order"]
        total = self._total(query, args)
        return StoryList(rows, filters, page, limit, has_more, total)

    def _total(self, query: str | None, args: dict[str, Any]) -> int:
        """How many stories pass the filters, cached per filter set until the data changes."""
        key = repr((query, sorted(args.items())))
        version = self.store.data_version()
        with self._cache_lock:
            hit = self._totals.get(key)
            if hit is not None and hit[0] == version:
                self._totals.move_to_end(key)
                return hit[1]
        total = int(self.store.count_stories(query=query, **args))
        with self._cache_lock:
            self._totals[key] = (version, total)
            while len(self._totals) > TOTALS_CACHE:
                self._totals.popitem(last=False)
        return total

    def activity(self, infos: Sequence[StoryInfo]) -> dict[str, tuple[DayCount, ...]]:
        """Articles per day of each story, cached until the story changes.

        A story's `updated` time changes whenever its membership does, so (id, updated) names
        one state of its activity. Counting is one query, but over every member of every story
        on the page (10,000 articles on a page of the biggest stories).
        """
        out: dict[str, tuple[DayCount, ...]] = {}
        todo = []
        with self._cache_lock:
            for i in infos:
                hit = self._activity.get((i.id, i.updated))
                if hit is None:
                    todo.append(i)
                else:
                    self._activity.move_to_end((i.id, i.updated))
                    out[i.id] = hit
        if todo:
            counted = self.store.story_activity([i.id for i in todo])
            with self._cache_lock:
                for i in todo:
                    series = tuple(DayCount(d, n) for d, n in counted.get(i.id, []))
                    out[i.id] = series
                    self._activity[(i.id, i.updated)] = series
                while len(self._activity) > ACTIVITY_CACHE:
                    self._activity.popitem(last=False)
        return out

    def _cached(self, key: str, compute: Callable[[], T]) -> T:
        """A value derived from the whole database, recomputed only when the data changed."""
        version = self.store.data_version()
        with self._cache_lock:
            hit = self._derived.get(key)
            if hit is not None and hit[0] == version:
                return cast(T, hit[1])
        value = compute()
        with self._cache_lock:
            self._derived[key] = (version, value)
        return value

    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """Languages and publishers for the filter menus, recomputed only when the data changed."""
        return self._cached("facets", self.store.facets)

    def rejects(self) -> list[Rejected]:
        """Every rejected input."""
        return self.api.rejects()

    # -- one story ---------------------------------------------------------------------------

    def _view(self, story_id: str) -> dict[str, Any]:
        # Stored by `storyline enrich`, else built for reading and kept in memory until the story
        # changes (`Storyline._view`): a page never writes to the database.
        return self.api.story_view(story_id)

    def story(self, story_id: str) -> StoryPage:
        """The story page.

        Raises:
            NotFoundError: no story has this id (or unique prefix).
        """
        from storyline.views import story_from_view

        sid = self.store.resolve_story(story_id)
        view = self._view(sid)
        info = self.store.story_info(sid)
        members = self.store.members(sid)
        story = story_from_view(info, members, view)
        relations = tuple(self.store.story_relations(sid))
        activity = self.activity([info])[sid]
        return StoryPage(
            story=story,
            relations=relations,
            sources=source_rows(members, relations),
            activity=activity,
            reports=reports_by_day(members),
            leads={
                i: lead_title(t) for i, t in self.store.leads([m.id for m in members if not m.title]).items()
            },
            topic=self.api.topic(info.topic) if info.topic else None,
        )

    # -- topics ------------------------------------------------------------------------------

    def topics(self, page: int = 1, limit: int = PAGE_SIZE, order: str | None = None) -> TopicList:
        """One page of the topic list.

        Raises:
            BadRequest: page, limit or order out of range.
        """
        if page < 1:
            raise BadRequest(f"page={page} must be 1 or more")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise BadRequest(f"limit={limit} must be between 1 and {MAX_PAGE_SIZE}")
        o = (order or "").strip() or "recent"
        if o not in ("recent", "size"):
            raise BadRequest(f"order={o!r} is not known (use recent or size)")
        infos = self.api.topics(limit=limit + 1, offset=(page - 1) * limit, order=o)
        total = self._cached("topics", self.store.count_topics)
        return TopicList(tuple(infos[:limit]), page, limit, len(infos) > limit, total, o)  # type: ignore[arg-type]

    def topic(self, topic_id: str) -> Topic:
        """The topic page.

        Raises:
            NotFoundError: no topic has this id (or unique prefix).
        """
        return self.api.topic(topic_id)

    # -- one article -------------------------------------------------------------------------

    def article(self, article_id: str) -> ArticlePage:
        """The article page: the article, how it came into its story, its relations with their evidence.

        Raises:
            NotFoundError: no article has this id (or unique prefix).
        """
        a = self.api.article(article_id)
        rels = self.api.relations(a.id)
        heads = self.store.article_heads({r.article for r in rels} | {r.original for r in rels})
        views = []
        for r in rels:
            other_id = r.original if r.article == a.id else r.article
            other = heads.get(other_id) or Member(other_id, None, None, None, None, "", None)
            views.append(
                RelationView(
                    role="copy_of" if r.article == a.id else "original_of",
                    kind=r.kind,
                    score=r.score,
                    evidence=dict(r.evidence),
                    other=other,
                    in_words=relation_in_words(r),
                )
            )
        views.sort(key=lambda v: (v.role != "copy_of", v.other.published or "", v.other.id))
        sid = self.api.story_of(a.id)
        info = None
        if sid is not None:
            try:
                info = self.store.story_info(sid)
            except NotFoundError:
                info = None
        untitled = [v.other.id for v in views if not v.other.title]
        leads = {i: lead_title(t) for i, t in self.store.leads(untitled).items()} if untitled else {}
        return ArticlePage(
            a, info, tuple(views), leads, self.api.placement(a.id) if info is not None else None
        )

    def raw(self, article_id: str) -> RawDoc:
        """The raw input record of an article."""
        return self.api.raw(article_id)

    # -- writing -----------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """Whether HTTP ingest is possible."""
        return self._writer is not None

    def ingest(self, records: Sequence[Mapping[str, Any]], source: str = "api") -> IngestResult:
        """Ingest records (mappings with the fields of a JSON Lines export); one ingest at a time.

        Raises:
            BadRequest: the server is read-only.
        """
        if self._writer is None:
            raise BadRequest("this server is read-only (started with --read-only)")
        ids: list[str | None] = [
            raw.article_id if isinstance(raw, RawDoc) else None
            for raw in read_mappings(records, source, self.config)
        ]
        # Waits behind any other writer of the database (a CLI ingest too) and answers once stored.
        report = self._writer.ingest_records(records, source=source)
        present = set(self.store.existing([i for i in ids if i]))
        stories = self.store.story_of([i for i in ids if i and i in present])
        placed: tuple[dict[str, str | None], ...] = tuple(
            {"id": i, "story": stories.get(i)} if i and i in present else {"id": None, "story": None}
            for i in ids
        )
        return IngestResult(report, placed)


def daily_series(activity: Iterable[DayCount], bins: int = 30) -> list[int]:
    """Article counts over the span of the activity, in at most `bins` equal bins of whole days."""
    days: list[tuple[dt.date, int]] = []
    for entry in activity:
        try:
            days.append((dt.date.fromisoformat(entry.day), entry.articles))
        except ValueError:  # a partial date ("2024-03") has no day to place it on
            continue
    if not days:
        return []
    first = min(d for d, _ in days)
    span = (max(d for d, _ in days) - first).days + 1
    width = -(-span // bins)  # ceil: whole days per bin
    counts = [0] * -(-span // width)
    for d, k in days:
        counts[(d - first).days // width] += k
    return counts
