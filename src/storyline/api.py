"""The Python API: the facade that the CLI and the web app call.

>>> from storyline import Storyline
>>> sl = Storyline("news.db")
>>> report = sl.ingest(["crawl/"])
>>> for info in sl.stories(limit=10):
...     print(info.headline, info.articles)
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from pathlib import Path
from typing import Any, BinaryIO

from storyline.config import Config
from storyline.dedup.explain import DupGroup, Why
from storyline.errors import BuiltWithOtherModelsError
from storyline.fingerprint.embed import Encoder, get_encoder
from storyline.ingest import read_mappings, read_paths
from storyline.pipeline.executors import make_executor
from storyline.pipeline.runner import Progress, run
from storyline.pipeline.stages import ingest_plan
from storyline.store import Store
from storyline.store.check import CheckReport
from storyline.store.lock import LOCK_SUFFIX
from storyline.types import (
    Article,
    DupRelation,
    IngestReport,
    RawDoc,
    Rejected,
    Story,
    StoryInfo,
    Topic,
    TopicInfo,
    TopicStory,
)
from storyline.versions import MODELS_KEY, differences, model_versions

DEFAULT_DB = "storyline.db"
# Story views built on reading and kept in memory (the stored ones are read from the database).
VIEW_CACHE = 64
DB_ENV = "STORYLINE_DB"


# The join probability a story placement needs (the fitted models' threshold; see `storyline.stories.model`).
JOIN_THRESHOLD = 0.5


def _quoted(headline: str | None) -> str:
    return f" “{headline}”" if headline and headline.strip() else ""


def _log_wait(message: str) -> None:
    logging.getLogger("storyline").warning(message)


def default_db_path(db: str | os.PathLike[str] | None = None) -> str:
    """The database path: the argument, else $STORYLINE_DB, else ``storyline.db`` in the working directory."""
    if db is not None:
        return str(db)
    return os.environ.get(DB_ENV) or DEFAULT_DB


# The key/value entry that records the encoder a database's vectors come from.
ENCODER_KEY = "embed.encoder"


class Storyline:
    """A storyline database and everything that can be done with it.

    Args:
        db: database file (see `default_db_path`), or ``:memory:``.
        config: settings; defaults when None.
        encoder: the embedding model; the bundled multilingual encoder when None.
        readonly: open for reading only (for viewers running beside an ingest).
        on_wait: told, in one line, when a write job has to wait for another writer of the same
            database (one writer at a time, see `storyline.store.lock`); logged when None.
    """

    def __init__(
        self,
        db: str | os.PathLike[str] | None = None,
        config: Config | None = None,
        encoder: Encoder | None = None,
        readonly: bool = False,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = default_db_path(db)
        self._on_wait = on_wait or _log_wait
        self.config = config or Config()
        self._encoder = encoder
        self.store = Store(self.path, readonly=readonly)
        self._views: dict[tuple[str, str], dict[str, Any]] = {}
        self._views_lock = threading.Lock()

    @property
    def encoder(self) -> Encoder:
        """The embedding model (loaded on first use)."""
        if self._encoder is None:
            self._encoder = get_encoder(self.config.embed.model)
        return self._encoder

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    def _check_built_with(self) -> None:
        """Refuse to add to a database built with another encoder or other fitted models.

        Duplicate candidates and story placement compare every new article's vectors with the
        stored ones: vectors of two encoders are not comparable, so a database keeps the encoder
        it was first built with. Likewise the decisions of two versions of a fitted model would
        not agree (`storyline.versions`). Both are recorded in the key/value table by the first
        ingest.

        Raises:
            BuiltWithOtherModelsError: naming what differs and what to do.
        """
        name = self.encoder.name
        recorded = self.store.meta_get(ENCODER_KEY)
        if recorded is not None and recorded != name:
            raise BuiltWithOtherModelsError(
                f"{self.path}: built with the encoder {recorded!r}, and this configuration uses {name!r}; "
                f'set `[embed] model = "{recorded}"` to add to it, or ingest into a new database'
            )
        current = model_versions(self.config)
        stored = self.store.meta_get(MODELS_KEY)
        before = json.loads(stored) if stored else {}
        changed = differences(before, current)
        if changed:
            raise BuiltWithOtherModelsError(
                f"{self.path}: built with other fitted models than this storyline uses ({'; '.join(changed)}); "
                "decisions of the two would not agree: ingest into a new database, or add to this one "
                "with the storyline (and `[stories] topic_model`) it was built with"
            )
        if recorded is None or before != current:
            with self.store.atomic():
                self.store.meta_set(ENCODER_KEY, name)
                self.store.meta_set(MODELS_KEY, json.dumps({**before, **current}, ensure_ascii=False))

    def check(self) -> CheckReport:
        """Check the database: SQLite's integrity check and storyline's own invariants."""
        return self.store.check()

    def __enter__(self) -> Storyline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str],
        progress: Progress | None = None,
        stdin: BinaryIO | None = None,
        expected: int | None = None,
    ) -> IngestReport:
        """Read files, folders, globs (``-`` for stdin) and run the whole pipeline on what is new.

        `expected` is the number of records the inputs hold, when known: with the ``auto``
        executor a small run stays in this process (see `make_executor`).
        """
        own = (
            [Path(self.path + suffix) for suffix in ("", "-wal", "-shm", "-journal", LOCK_SUFFIX)]
            if self.path != ":memory:"
            else []
        )
        records = read_paths(paths, self.config, stdin=stdin, exclude=own)
        return self.ingest_raw(records, progress, expected=expected)

    def ingest_records(self, records: Iterable[Mapping[str, Any]], source: str = "api") -> IngestReport:
        """Ingest records given as mappings (fields as in JSON Lines exports).

        Each record's number is a hash of its content, not its position (`read_mappings`).
        """
        expected = len(records) if isinstance(records, Sized) else None
        return self.ingest_raw(read_mappings(records, source, self.config), expected=expected)

    def ingest_raw(
        self,
        records: Iterable[RawDoc | Rejected],
        progress: Progress | None = None,
        expected: int | None = None,
    ) -> IngestReport:
        """Run the pipeline over raw records.

        Story views (entities, quotes, timeline, summary: the parsing) are not built here: a view
        is built when first read and cached until its story changes, or for every story by
        `refresh_views` (``storyline enrich``). An ingest gives each new story a provisional
        headline (its first titled article's title) so that story lists read well at once.
        """
        with self.store.writer.held("an ingest", self._on_wait):
            return self._ingest_raw(records, progress, expected)

    def _ingest_raw(
        self, records: Iterable[RawDoc | Rejected], progress: Progress | None, expected: int | None
    ) -> IngestReport:
        # Under the writer lock: the plan loads the duplicate and story state after any other
        # writer has stored its last batch, so runs that overlap give what sequential runs give.
        self._check_built_with()
        settings = self.config.ingest
        executor = make_executor(
            settings.executor, settings.workers or None, settings.ray_address or None, expected
        )
        try:
            plan = ingest_plan(self.store, self.config, self.encoder, executor)
            report, _ = run(self.store, records, plan, settings.batch_size, progress)
        finally:
            executor.close()
        return dataclasses.replace(report, workers=executor.workers)

    def reclean(self, progress: Any = None) -> Any:
        """Clean every article again from its raw record; redo duplicates and stories for what changed.

        Returns:
            A `storyline.pipeline.reclean.RecleanReport`.
        """
        from storyline.pipeline.reclean import reclean

        with self.store.writer.held("a reclean", self._on_wait):
            self._check_built_with()
            report, _ = reclean(self.store, self.config, self.encoder, progress=progress)
        return report

    # -- views -------------------------------------------------------------------------------

    def refresh_views(self, story_ids: Iterable[str] | None = None) -> int:
        """Recompute and cache the views of these stories (all stale ones when None).

        Per-article analyses (the slow part: parsing) are cached too, so a story that gains one
        article re-parses only that article.

        Returns:
            The number of views built.
        """
        with self.store.writer.held("a view refresh", self._on_wait):
            return self._refresh_views(story_ids)

    def _refresh_views(self, story_ids: Iterable[str] | None) -> int:
        from storyline.enrich import VIEW_VERSION

        ids = list(story_ids) if story_ids is not None else self.store.stale_stories(VIEW_VERSION)
        built_n = 0
        for sid in ids:
            built = self.build_view(sid)
            if built is None:
                continue
            headline, view, new = built
            with self.store.atomic():
                if new:
                    self.store.put_analyses([(a.article, a.version, a.to_json()) for a in new])
                self.store.put_story_view(sid, headline, view)
            built_n += 1
        return built_n

    def build_view(self, story_id: str) -> tuple[str, dict[str, Any], list[Any]] | None:
        """Compute a story's view without storing it.

        Returns:
            (headline, JSON-ready view, per-article analyses computed now and not yet cached),
            or None for a story without members.
        """
        from storyline.enrich import ensure_analyses
        from storyline.enrich.analysis import ArticleAnalysis
        from storyline.views import compute_view

        members = self.store.story_members(story_id)
        if not members:
            return None
        settings = self.config.view
        articles = self.store.get_articles(members)
        relations = self.store.relations(members)
        cached = [ArticleAnalysis.from_json(x) for x in self.store.get_analyses(members).values()]
        analyses = ensure_analyses(articles, cached, second_opinion=settings.second_opinion)
        reused = {id(c) for c in cached}
        new = [a for a in analyses.values() if id(a) not in reused]
        # A story in one language needs no cross-lingual sentence matching: skip the encoder.
        multilingual = len({a.language for a in articles if a.language}) > 1
        headline, view = compute_view(
            articles, relations, analyses, self.encoder if multilingual else None, settings
        )
        return headline, view, new

    # -- reading -----------------------------------------------------------------------------

    def stories(self, limit: int | None = None, offset: int = 0, **filters: Any) -> list[StoryInfo]:
        """Stories, most recent first; filters as in `Store.list_stories`."""
        return self.store.list_stories(limit=limit, offset=offset, **filters)

    def story(self, story_id: str) -> Story:
        """One story with its members and its view.

        Raises:
            NotFoundError: no story has this id (or unique id prefix).
        """
        from storyline.views import story_from_view

        sid = self.store.resolve_story(story_id)
        return story_from_view(self.store.story_info(sid), self.store.members(sid), self._view(sid))

    def topics(self, limit: int | None = None, offset: int = 0, order: str = "recent") -> list[TopicInfo]:
        """Topics (long-running subjects), the one with the latest report first."""
        return self.store.list_topics(limit=limit, offset=offset, order=order)

    def topic(self, topic_id: str) -> Topic:
        """One topic: its stories newest first, each with why it is there and what it added.

        Raises:
            NotFoundError: no topic has this id (or unique id prefix).
        """
        from storyline.text import lead_title

        tid = self.store.resolve_topic(topic_id)
        rows = self.store.topic_stories(tid)
        # A story without a headline is named by the opening words of the article that started it
        # (story ids are "s" + that article's id), as everywhere else.
        leads = self.store.leads([info.id[1:] for info, *_ in rows if not info.headline.strip()])
        seen: set[str] = set()
        stories = []
        for info, probability, evidence, names in rows:  # oldest first: what each one added
            if info.id[1:] in leads:
                info = dataclasses.replace(info, headline=lead_title(leads[info.id[1:]]))
            new = tuple(sorted((n for n in names if n not in seen), key=lambda n: (-names[n], n)))
            seen.update(names)
            stories.append(TopicStory(info, probability, evidence, new[:12]))
        topic = self.store.topic_info(tid)
        if not topic.headline.strip() and stories:
            biggest = max(stories, key=lambda s: (s.info.articles, s.info.id))
            topic = dataclasses.replace(topic, headline=biggest.info.headline)
        return Topic(topic, tuple(reversed(stories)), tuple(self.store.topic_events(tid)))

    def story_view(self, story_id: str) -> dict[str, Any]:
        """The cached view of a story as plain JSON-ready data."""
        return self._view(self.store.resolve_story(story_id))

    def _view(self, sid: str) -> dict[str, Any]:
        """The stored view, else one built now and kept in memory until the story changes.

        Reading never writes: `refresh_views` (``storyline enrich``) stores the views. A stored
        view of another `VIEW_VERSION` (written by an earlier storyline) is built again.
        """
        from storyline.enrich import VIEW_VERSION

        view = self.store.get_story_view(sid, VIEW_VERSION)
        if view is not None:
            return view
        key = (sid, self.store.story_info(sid).updated)
        with self._views_lock:  # the web app reads from several threads
            found = self._views.get(key)
        if found is not None:
            return found
        built = self.build_view(sid)
        # As stored: the JSON form, so a built view and a stored one read the same (lists, not
        # tuples) in the CLI, the web app and exports.
        view = json.loads(json.dumps(built[1])) if built is not None else {}
        with self._views_lock:
            if len(self._views) >= VIEW_CACHE:
                self._views.pop(next(iter(self._views)))
            self._views[key] = view
        return view

    def article(self, article_id: str) -> Article:
        """One article by id or unique id prefix."""
        return self.store.get_article(article_id)

    def raw(self, article_id: str) -> RawDoc:
        """The raw input record of an article."""
        return self.store.get_raw(self.store.get_article(article_id).id)

    def relations(self, article_id: str | None = None) -> list[DupRelation]:
        """Duplicate relations of an article (as copy or original), or all of them."""
        if article_id is None:
            return self.store.relations()
        return self.store.relations([self.store.get_article(article_id).id])

    def why(self, a: str, b: str, semantic: bool = True) -> Why:
        """Why two articles are (or are not) duplicates: the stored relation, scores and evidence.

        Args:
            a: an article id or unique prefix.
            b: another.
            semantic: also compute the translation/rewrite evidence (loads the encoder).
        """
        from storyline.dedup.explain import why

        enc = self.encoder if semantic and self.config.dedup.semantic else None
        return why(self.store, self.config.dedup, a, b, enc)

    def grouping(self, a: str, b: str) -> dict[str, Any]:
        """Where two articles are above duplicates: their stories, their topics, and why.

        Args:
            a: an article id or unique prefix.
            b: another.

        Returns:
            ``{"a": {...}, "b": {...}, "verdict": ..., "in_words": ...}``: each side's story, its
            placement (`placement`) and topic, and the topic decision of its story (probability
            and evidence: shared names, closest story); the verdict, and why, in plain words.
        """
        ids = [self.store.resolve_article(x) for x in (a, b)]
        story = self.store.story_of(ids)
        decided = self.store.story_topics(set(story.values()))
        sides: dict[str, dict[str, Any]] = {}
        for label, aid in zip(("a", "b"), ids, strict=True):
            sid = story.get(aid)
            tid, p, ev = decided.get(sid, (None, None, {})) if sid else (None, None, {})
            sides[label] = {
                "article": aid,
                "story": sid,
                "topic": tid,
                "topic_probability": p,
                "topic_evidence": ev,
            }
        sa, sb = sides["a"], sides["b"]
        for side in (sa, sb):
            side["placement"] = self.placement(side["article"]) if side["story"] else None
        if sa["story"] is None or sb["story"] is None:
            verdict = "not both placed in stories yet"
            words = verdict
        elif sa["story"] == sb["story"]:
            verdict = "the same story (one event)"
            words = self._same_story_words(sa["placement"], sb["placement"])
        else:
            verdict = (
                "different stories of one topic"
                if sa["topic"] is not None and sa["topic"] == sb["topic"]
                else "different stories and different topics"
            )
            words = f"{verdict}: " + "; ".join(
                f"{label} is in {side['story'][:9]}{_quoted(self.store.story_info(side['story']).headline)}, "
                f"where it {side['placement']['in_words']}"
                for label, side in (("A", sa), ("B", sb))
            )
        return {**sides, "verdict": verdict, "in_words": words}

    def _same_story_words(self, pa: dict[str, Any], pb: dict[str, Any]) -> str:
        from storyline.stories.explain import names_in, same_story_in_words

        info = self.store.story_info(pa["story"])
        names = self.store.story_names(pa["story"])
        arts = self.store.get_articles([pa["article"], pb["article"]])
        texts = [f"{a.title or ''}\n{a.text}" for a in arts]
        in_b = {n.casefold() for n in names_in(texts[1], names, limit=len(names))}
        shared = [n for n in names_in(texts[0], names, limit=len(names)) if n.casefold() in in_b][:6]
        return same_story_in_words(info.headline, [a.published for a in arts], shared, [pa["how"], pb["how"]])

    def placement(self, article_id: str) -> dict[str, Any] | None:
        """How an article came into its story, with the evidence, in words and as data.

        Returns:
            None for an article in no story, else ``story``, ``probability`` (the join model's),
            ``started`` (it was the story's first article), ``copy_of`` (the relation a copy
            follows), ``names`` (the story's names its text gives) and ``in_words``.

        Raises:
            NotFoundError: no article has this id (or unique prefix).
        """
        from storyline.stories.explain import names_in, placement_in_words

        a = self.store.get_article(article_id)
        placed = self.store.placements([a.id]).get(a.id)
        if placed is None:
            return None
        story, probability, _rank = placed
        relation = next((r for r in self.store.relations([a.id]) if r.article == a.id), None)
        if relation is not None and self.store.story_of([relation.original]).get(relation.original) != story:
            relation = None  # its original is elsewhere: it was placed on its own evidence
        names = names_in(f"{a.title or ''}\n{a.text}", self.store.story_names(story))
        # A story's id is its first article's (``s`` + the article id); an article that started a
        # story which later merged into another keeps the probability it started with.
        own = story == f"s{a.id}"
        started = own or (relation is None and (probability or 0.0) < JOIN_THRESHOLD)
        how = placement_in_words(probability, started, relation, JOIN_THRESHOLD)
        if started and not own:
            how = how.replace("started the story", "started a story of its own, later merged into this one")
        words = how + ("; names it shares with the story: " + ", ".join(names) if names else "")
        return {
            "article": a.id,
            "story": story,
            "probability": probability,
            "started": started,
            "copy_of": dataclasses.asdict(relation) if relation is not None else None,
            "names": names,
            "how": how,
            "in_words": words,
        }

    def dupes(self) -> list[DupGroup]:
        """Duplicate groups, each with its original and every member's relation, largest first."""
        from storyline.dedup.explain import groups

        return groups(self.store)

    def story_of(self, article_id: str) -> str | None:
        """The story an article belongs to."""
        aid = self.store.get_article(article_id).id
        return self.store.story_of([aid]).get(aid)

    def rejects(self) -> list[Rejected]:
        """Every input that was rejected, where, and why."""
        return self.store.rejects()

    # -- export ------------------------------------------------------------------------------

    def export(
        self,
        out: str | Path | BinaryIO | io.TextIOBase,
        fmt: str = "jsonl",
        stories: bool = False,
        topics: bool = False,
    ) -> int:
        """Write one record per article (or per story, or per topic) to a file or stream; returns the count."""
        from storyline.export import ARTICLE_COLUMNS, STORY_COLUMNS, TOPIC_COLUMNS, write_records

        if topics:
            return write_records(self.topic_records(), out, fmt, TOPIC_COLUMNS)
        if stories:
            return write_records(self.story_records(), out, fmt, STORY_COLUMNS)
        return write_records(self.article_records(), out, fmt, ARTICLE_COLUMNS)

    def article_records(self) -> Iterator[dict[str, Any]]:
        """One export record per article."""
        from storyline.export import article_record

        relations = {r.article: r for r in self.store.relations()}
        story = self.store.story_of(self.store.article_ids())
        for a in self.store.iter_articles():
            yield article_record(a, story.get(a.id), relations.get(a.id))

    def story_records(self) -> Iterator[dict[str, Any]]:
        """One export record per story."""
        from storyline.export import story_record

        for info in self.store.list_stories(order="size"):
            yield story_record(info, self.store.story_members(info.id), self._view(info.id))

    def topic_records(self) -> Iterator[dict[str, Any]]:
        """One export record per topic."""
        from storyline.export import topic_record

        for info in self.store.list_topics(order="size"):
            yield topic_record(self.topic(info.id))
