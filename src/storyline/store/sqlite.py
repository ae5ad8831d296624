"""The SQLite store: the one place that reads and writes the database.

WAL mode lets readers (the web app, a second CLI) work while an ingest writes. Writes happen in
`atomic()` blocks, one per batch, so an interrupted run leaves whole batches only and a re-run
picks up where it stopped: ids already present are skipped.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from storyline.errors import NotFoundError, SchemaBehindError, StoreError
from storyline.store.check import CheckReport
from storyline.store.check import check as check_database
from storyline.store.ids import resolve as resolve_id
from storyline.store.lock import WriterLock
from storyline.store.schema import MIGRATIONS, SCHEMA_VERSION
from storyline.store.story_state import StoryStateRows
from storyline.text import fold, word_count
from storyline.types import (
    Article,
    DupRelation,
    Member,
    RawDoc,
    Rejected,
    Removal,
    StoryInfo,
    TopicEvent,
    TopicInfo,
)

APPLICATION_ID = 0x53544C4E  # "STLN": marks the file as a storyline database
# Story filters: a set of stories this small is fetched and sorted rather than tested (see list_stories).
SMALL_SET = 2000


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    # SQLite limits host parameters per statement (32766 in current builds, 999 in old ones).
    for i in range(0, len(items), size):
        yield items[i : i + size]


# The columns of a story list row: never the cached view, which can be large.
# The topic comes from a correlated lookup (``story_topics`` has no ``id``: the outer story's).
_STORY_COLS = (
    "id, headline, n_articles, n_sources, languages, first_published, last_published, updated_at, "
    "(SELECT t.topic FROM story_topics t WHERE t.story = id) AS topic"
)

_ARTICLE_COLS = (
    "id, source, record, external_id, url, title, published, publisher, author, language, dateline, "
    "date_source, text, content_hash, raw_hash, removed"
)


def _article(row: sqlite3.Row | tuple[Any, ...]) -> Article:
    """The article of a row whose first columns are `_ARTICLE_COLS`.

    Read by position: looking sixteen columns up by name costs more than the SQL query that
    fetched them (the duplicate stage reads hundreds of stored articles per batch).
    """
    (
        aid, source, record, external_id, url, title, published, publisher, author, language, dateline,
        date_source, text, content_hash, raw_hash, removed,
    ) = tuple(row[:16])  # fmt: skip
    return Article(
        aid, source, record, text, content_hash, external_id, url, title, published, publisher, author,
        language, dateline, date_source,
        () if not removed or removed == "[]" else tuple(Removal(r["text"], r["reason"]) for r in json.loads(removed)),
        raw_hash,
    )  # fmt: skip


class Store(StoryStateRows):
    """A storyline database.

    Args:
        path: the database file (created if missing), or ``:memory:``.
        readonly: open without writing (no migration is run).
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._readonly = readonly
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreError(f"{self.path}: folder {parent} does not exist")
        self._memory_conn: sqlite3.Connection | None = None
        # Whole write jobs (an ingest's many transactions) hold it; see `storyline.store.lock`.
        self.writer = WriterLock(self.path)
        conn = self.conn
        if not readonly:
            self._migrate(conn)
        else:
            self._check(conn)

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            if self._readonly and self.path != ":memory:":
                uri = f"file:{Path(self.path).expanduser().resolve()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
            else:
                conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 30000")
            if not self._readonly:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA cache_size = -65536")
            # Used by the entity index (migration 3) so that SQL and Python fold names alike.
            conn.create_function("fold", 1, _fold_sql, deterministic=True)
            conn.isolation_level = None  # transactions are explicit, in atomic()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open database ({exc})") from None
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not be shared across threads)."""
        if self.path == ":memory:":
            if self._memory_conn is None:
                self._memory_conn = self._connect()
            return self._memory_conn
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None) or self._memory_conn
        if conn is not None:
            conn.close()
        self._local.conn = None
        self._memory_conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, conn: sqlite3.Connection) -> None:
        try:
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not an SQLite database ({exc})") from None
        if app not in (0, APPLICATION_ID):
            raise StoreError(f"{self.path}: not a storyline database (application id {app:#x})")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: made by a newer storyline (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade storyline"
            )
        if self._readonly and 0 < version < len(MIGRATIONS):
            raise SchemaBehindError(
                f"{self.path}: made by an older storyline (schema {version}, this one needs {len(MIGRATIONS)}); "
                "open it once for writing (`storyline ingest` or `storyline enrich`) to upgrade it"
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        self._check(conn)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version:
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            if app != APPLICATION_ID:
                raise StoreError(f"{self.path}: not a storyline database")
        elif conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{self.path}: an SQLite database of another program, not a storyline database")
        if version >= len(MIGRATIONS):
            return
        # Two processes creating one database at once: the second waits, then finds it migrated.
        with self.writer.held("a schema upgrade"):
            self._apply_migrations(conn)

    def _apply_migrations(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, (_name, sql) in enumerate(MIGRATIONS[version:], start=version + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                for statement in _split_sql(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"{self.path}: migration {number} failed ({exc})") from None

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside is committed together, or not at all."""
        conn = self.conn
        if conn.in_transaction:  # nested: join the outer transaction
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- raw records and articles ------------------------------------------------------------

    def existing(self, ids: Iterable[str]) -> set[str]:
        """Which of these article ids are already stored."""
        ids = list(ids)
        found: set[str] = set()
        for chunk in _chunks(ids):
            q = f"SELECT id FROM raw WHERE id IN ({','.join('?' * len(chunk))})"
            found.update(r[0] for r in self.conn.execute(q, chunk))
        return found

    def _next_seq(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT coalesce(max(seq), 0) FROM {table}").fetchone()[0]) + 1

    def add_raw(self, raws: Sequence[RawDoc]) -> None:
        """Store raw records (ids already present are ignored)."""
        seq = self._next_seq("raw")
        stamp = now()
        rows = []
        for i, r in enumerate(raws):
            rows.append(
                (
                    r.article_id, seq + i, r.source, r.source_key or r.source, r.record, r.external_id, r.kind,
                    zlib.compress(r.content.encode("utf-8", "surrogatepass"), 6),
                    r.url, r.title, r.published, r.publisher, r.author, r.language, r.raw_hash, stamp,
                )
            )  # fmt: skip
        self.conn.executemany(
            "INSERT OR IGNORE INTO raw (id, seq, source, source_key, record, external_id, kind, content, url, "
            "title, published, publisher, author, language, raw_hash, ingested_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )

    def get_raw(self, article_id: str) -> RawDoc:
        """The raw record an article was made from."""
        row = self.conn.execute("SELECT * FROM raw WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return RawDoc(
            source=row["source"],
            record=row["record"],
            content=zlib.decompress(row["content"]).decode("utf-8", "surrogatepass"),
            kind=row["kind"],
            source_key=row["source_key"],
            external_id=row["external_id"],
            url=row["url"],
            title=row["title"],
            published=row["published"],
            publisher=row["publisher"],
            author=row["author"],
            language=row["language"],
        )

    def put_articles(self, articles: Sequence[Article]) -> None:
        """Insert articles, or replace the cleaned fields of existing ones (re-cleaning)."""
        stamp = now()
        seq = self._next_seq("articles")
        for a in articles:
            removed = json.dumps(
                [{"text": r.text, "reason": r.reason} for r in a.removed], ensure_ascii=False
            )
            values = (
                a.source, a.record, a.external_id, a.url, a.title, a.published, a.publisher, a.author,
                a.language, a.dateline, a.date_source, a.text, word_count(a.text), a.content_hash,
                a.raw_hash, removed, stamp,
            )  # fmt: skip
            cur = self.conn.execute(
                "UPDATE articles SET source=?, record=?, external_id=?, url=?, title=?, published=?, publisher=?, "
                "author=?, language=?, dateline=?, date_source=?, text=?, words=?, content_hash=?, raw_hash=?, "
                "removed=?, cleaned_at=? WHERE id=?",
                (*values, a.id),
            )
            if cur.rowcount == 0:
                self.conn.execute(
                    "INSERT INTO articles (source, record, external_id, url, title, published, publisher, author, "
                    "language, dateline, date_source, text, words, content_hash, raw_hash, removed, cleaned_at, "
                    "id, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*values, a.id, seq),
                )
                seq += 1

    def get_article(self, article_id: str) -> Article:
        """One article by id or unique id prefix (see `storyline.store.ids.resolve`)."""
        row = self.conn.execute(
            f"SELECT {_ARTICLE_COLS} FROM articles WHERE id = ?",
            (resolve_id(self.conn, "article", article_id),),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return _article(row)

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """Articles by id, in the order given (missing ids are skipped)."""
        found: dict[str, Article] = {}
        for chunk in _chunks(list(ids)):
            q = f"SELECT {_ARTICLE_COLS} FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row[0]] = _article(row)
        return [found[i] for i in ids if i in found]

    def articles_by_seq(self, seqs: Iterable[int]) -> dict[int, Article]:
        """Articles by arrival number (missing numbers are skipped)."""
        found: dict[int, Article] = {}
        for chunk in _chunks([int(s) for s in seqs]):
            q = f"SELECT {_ARTICLE_COLS}, seq FROM articles WHERE seq IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row[16]] = _article(row)
        return found

    def iter_articles(self, order: str = "seq") -> Iterator[Article]:
        """All articles, in arrival order."""
        yield from (
            _article(r) for r in self.conn.execute(f"SELECT {_ARTICLE_COLS} FROM articles ORDER BY seq")
        )

    def article_ids(self) -> list[str]:
        """All article ids in arrival order."""
        return [r[0] for r in self.conn.execute("SELECT id FROM articles ORDER BY seq")]

    def seqs(self, ids: Sequence[str]) -> dict[str, int]:
        """Arrival order number of these articles."""
        out: dict[str, int] = {}
        for chunk in _chunks(list(ids)):
            q = f"SELECT id, seq FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out

    def same_content(self, hashes: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """(id, arrival number) of the articles per content hash, in arrival order.

        One query gives a batch of stored articles both their exact copies and their arrival
        numbers (each is among the articles with its own content hash).
        """
        out: dict[str, list[tuple[str, int]]] = {}
        hs = list(set(hashes))
        for chunk in _chunks(hs):
            q = (
                f"SELECT content_hash, id, seq FROM articles WHERE content_hash IN ({','.join('?' * len(chunk))}) "
                "ORDER BY seq"
            )
            for h, i, seq in self.conn.execute(q, chunk):
                out.setdefault(h, []).append((i, seq))
        return out

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        out = {}
        for table in ("raw", "articles", "rejects", "relations", "stories", "memberships"):
            out[table] = int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return out

    # -- rejects -----------------------------------------------------------------------------

    def add_rejects(self, rejects: Sequence[Rejected]) -> None:
        """Record rejected inputs (the same rejection again only updates its last-seen time)."""
        stamp = now()
        for r in rejects:
            cur = self.conn.execute(
                "UPDATE rejects SET last_seen = ? WHERE source = ? AND record IS ? AND stage = ? AND reason = ?",
                (stamp, r.source, r.record, r.stage, r.reason),
            )
            if cur.rowcount == 0:
                self.conn.execute(
                    "INSERT INTO rejects (source, record, stage, reason, first_seen, last_seen) VALUES (?,?,?,?,?,?)",
                    (r.source, r.record, r.stage, r.reason, stamp, stamp),
                )

    def rejects(self) -> list[Rejected]:
        """All recorded rejections."""
        rows = self.conn.execute("SELECT source, record, stage, reason FROM rejects ORDER BY id")
        return [Rejected(r[0], r[1], r[2], r[3]) for r in rows]

    def clear_rejects(self, source: str, record: int | None) -> None:
        """Forget earlier rejections of an input that has now been read successfully."""
        self.conn.execute("DELETE FROM rejects WHERE source = ? AND record IS ?", (source, record))

    # -- duplicate relations -----------------------------------------------------------------

    def put_relations(self, relations: Sequence[DupRelation]) -> None:
        """Store relations, replacing any earlier relation of the same pair."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO relations (article, original, kind, score, evidence) VALUES (?,?,?,?,?)",
            [(r.article, r.original, r.kind, float(r.score), json.dumps(r.evidence)) for r in relations],
        )

    def delete_relations(self, article_ids: Iterable[str]) -> None:
        """Remove every relation in which these articles are the copy."""
        ids = list(article_ids)
        for chunk in _chunks(ids):
            self.conn.execute(f"DELETE FROM relations WHERE article IN ({','.join('?' * len(chunk))})", chunk)

    def delete_relations_touching(self, article_ids: Iterable[str]) -> None:
        """Remove every relation in which these articles are the copy or the original."""
        for chunk in _chunks(list(article_ids), 400):
            marks = ",".join("?" * len(chunk))
            self.conn.execute(
                f"DELETE FROM relations WHERE article IN ({marks}) OR original IN ({marks})", (*chunk, *chunk)
            )

    def forget_fingerprints(self, article_ids: Iterable[str]) -> None:
        """Drop what was computed from these articles' text (embeddings, duplicate index entries)."""
        for chunk in _chunks(list(article_ids)):
            marks = ",".join("?" * len(chunk))
            for table in ("embeddings", "sentence_vectors"):
                self.conn.execute(f"DELETE FROM {table} WHERE article IN ({marks})", chunk)
            # The duplicate index is keyed by arrival number (see the schema).
            self.conn.execute(
                f"DELETE FROM dedup_index WHERE seq IN (SELECT seq FROM articles WHERE id IN ({marks}))",
                chunk,
            )

    def clear_stories(self) -> None:
        """Forget every story, membership and the clustering state (before re-clustering)."""
        for table in (
            "memberships", "story_entities", "stories", "story_state", "story_member", "story_alias",
            "story_df", "story_meta",
        ):  # fmt: skip
            self.conn.execute(f"DELETE FROM {table}")

    def relations(self, article_ids: Iterable[str] | None = None) -> list[DupRelation]:
        """Relations touching these articles (as copy or original), or all of them."""
        if article_ids is None:
            rows = self.conn.execute("SELECT * FROM relations").fetchall()
        else:
            ids = list(article_ids)
            rows = []
            for chunk in _chunks(ids, 400):
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    f"SELECT * FROM relations WHERE article IN ({marks}) OR original IN ({marks})",
                    (*chunk, *chunk),
                ).fetchall()
        seen = set()
        out = []
        for r in rows:
            if (r["article"], r["original"]) in seen:
                continue
            seen.add((r["article"], r["original"]))
            out.append(
                DupRelation(r["article"], r["original"], r["kind"], r["score"], json.loads(r["evidence"]))
            )
        return out

    # -- fingerprints --------------------------------------------------------------------------

    def put_embeddings(self, model: str, field: str, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Cache embeddings (float32) of articles."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (article, model, field, vector) VALUES (?,?,?,?)",
            [
                (i, model, field, np.asarray(v, dtype=np.float32).tobytes())
                for i, v in zip(ids, vectors, strict=True)
            ],
        )

    def get_embeddings(self, model: str, field: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached embeddings of these articles (missing ones are absent from the result)."""
        out: dict[str, np.ndarray] = {}
        for chunk in _chunks(list(ids)):
            q = (
                "SELECT article, vector FROM embeddings WHERE model = ? AND field = ? "
                f"AND article IN ({','.join('?' * len(chunk))})"
            )
            for aid, blob in self.conn.execute(q, (model, field, *chunk)):
                out[aid] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_dedup_index(
        self, rows: Sequence[tuple[str, int, bytes | None, bytes | None, bytes | None]]
    ) -> None:
        """Store the duplicate index of articles: (article, seq, lexical keys, signature, anchor keys)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO dedup_index (article, seq, lexical, signature, anchors) VALUES (?,?,?,?,?)",
            rows,
        )

    def iter_dedup_index(self) -> Iterator[tuple[int, bytes | None, bytes | None, bytes | None]]:
        """(seq, lexical keys, signature, anchor keys) of every indexed article, in arrival order."""
        yield from self.conn.execute(
            "SELECT d.seq, d.lexical, d.signature, d.anchors FROM dedup_index d "
            "JOIN articles a ON a.seq = d.seq AND a.id = d.article ORDER BY d.seq"
        )

    def clear_dedup_index(self) -> None:
        """Forget the duplicate index (it is rebuilt from the articles)."""
        self.conn.execute("DELETE FROM dedup_index")

    def ids_of_seqs(self, seqs: Iterable[int]) -> dict[int, str]:
        """Article id per arrival number."""
        out: dict[int, str] = {}
        for chunk in _chunks([int(s) for s in seqs]):
            q = f"SELECT seq, id FROM articles WHERE seq IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out

    def iter_embeddings(self, model: str, field: str) -> Iterator[tuple[int, np.ndarray]]:
        """(article seq, vector) of every stored article with a cached embedding."""
        for seq, blob in self.conn.execute(
            "SELECT a.seq, e.vector FROM embeddings e JOIN articles a ON a.id = e.article "
            "WHERE e.model = ? AND e.field = ? ORDER BY a.seq",
            (model, field),
        ):
            yield seq, np.frombuffer(blob, dtype=np.float32)

    def put_sentence_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Cache sentence embeddings per article (stored as float16: alignment needs no more)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO sentence_vectors (article, model, n, vectors) VALUES (?,?,?,?)",
            [(a, model, len(v), np.asarray(v, dtype=np.float16).tobytes()) for a, v in vectors.items()],
        )

    def get_sentence_vectors(self, model: str, ids: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """Cached sentence embeddings (float32, one row per sentence) of these articles."""
        out: dict[str, np.ndarray] = {}
        for chunk in _chunks(list(ids)):
            q = (
                "SELECT article, n, vectors FROM sentence_vectors WHERE model = ? "
                f"AND article IN ({','.join('?' * len(chunk))})"
            )
            for aid, n, blob in self.conn.execute(q, (model, *chunk)):
                out[aid] = np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(n, dim)
        return out

    # -- stories -----------------------------------------------------------------------------

    def story_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Story id per article (articles in no story are absent)."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(article_ids)):
            q = f"SELECT article, story FROM memberships WHERE article IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out

    def placements(self, article_ids: Iterable[str]) -> dict[str, tuple[str, float | None, int]]:
        """Per article: its story, the probability it was placed with, and its rank in the story.

        The probability is the join model's for the story it joined (1 for a copy, which follows
        its original; for an article that started a story, the best other story's, below the
        threshold). The rank is 0 for the story's first article by arrival.
        """
        out: dict[str, tuple[str, float | None, int]] = {}
        for chunk in _chunks(list(article_ids)):
            q = (
                "SELECT m.article, m.story, m.score, (SELECT count(*) FROM memberships o JOIN articles b "
                "ON b.id = o.article WHERE o.story = m.story AND b.seq < a.seq) FROM memberships m "
                f"JOIN articles a ON a.id = m.article WHERE m.article IN ({','.join('?' * len(chunk))})"
            )
            out.update({r[0]: (r[1], r[2], int(r[3])) for r in self.conn.execute(q, chunk)})
        return out

    def put_memberships(self, assignments: Sequence[tuple[str, str, float | None]]) -> None:
        """Place articles in stories: (article, story, score); creates missing story rows."""
        stamp = now()
        self.conn.executemany(
            "INSERT OR IGNORE INTO stories (id, created_at, updated_at) VALUES (?, ?, ?)",
            [(s, stamp, stamp) for _, s, _ in assignments],
        )
        self.conn.executemany(
            "INSERT INTO memberships (article, story, score, joined_at) VALUES (?,?,?,?) "
            "ON CONFLICT (article) DO UPDATE SET story = excluded.story, score = excluded.score",
            [(a, s, sc, stamp) for a, s, sc in assignments],
        )

    def move_story(self, old: str, new: str) -> None:
        """Move every member of story `old` into story `new` (a merge); `old` is dropped on refresh."""
        self.conn.execute("UPDATE memberships SET story = ? WHERE story = ?", (new, old))

    def story_members(self, story_id: str) -> list[str]:
        """Article ids of a story, in arrival order."""
        rows = self.conn.execute(
            "SELECT m.article FROM memberships m JOIN articles a ON a.id = m.article WHERE m.story = ? ORDER BY a.seq",
            (story_id,),
        )
        return [r[0] for r in rows]

    def refresh_story(self, story_id: str, headline: str | None = None) -> None:
        """Recompute a story's counts and dates from its members; drop it when it has none."""
        row = self.conn.execute(
            "SELECT count(*) AS n, count(DISTINCT coalesce(a.publisher, a.source)) AS ns, "
            "group_concat(DISTINCT a.language) AS langs, min(a.published) AS first, max(a.published) AS last "
            "FROM memberships m JOIN articles a ON a.id = m.article WHERE m.story = ?",
            (story_id,),
        ).fetchone()
        if not row["n"]:
            self.conn.execute("DELETE FROM story_entities WHERE story = ?", (story_id,))
            self.conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            return
        langs = ",".join(sorted({x for x in (row["langs"] or "").split(",") if x}))
        self.conn.execute(
            "UPDATE stories SET n_articles=?, n_sources=?, languages=?, first_published=?, last_published=?, "
            "updated_at=?, headline=coalesce(?, headline), view=NULL WHERE id=?",
            (row["n"], row["ns"], langs, row["first"], row["last"], now(), headline, story_id),
        )

    def fill_headlines(self, headlines: dict[str, str]) -> None:
        """Give stories without a headline a provisional one (until their view is built)."""
        self.conn.executemany(
            "UPDATE stories SET headline = ? WHERE id = ? AND coalesce(headline, '') = ''",
            [(h, sid) for sid, h in headlines.items() if h],
        )

    def put_story_view(self, story_id: str, headline: str, view: dict[str, Any]) -> None:
        """Cache a computed story view (and index the names of its entities for the entity filter)."""
        self.conn.execute(
            "UPDATE stories SET headline = ?, view = ?, view_at = ? WHERE id = ?",
            (headline, json.dumps(view, ensure_ascii=False), now(), story_id),
        )
        names = set()
        for e in view.get("entities") or ():
            for name in (e.get("name"), *(e.get("variants") or ())):
                if isinstance(name, str) and name.strip():
                    names.add(fold(name))
        self.conn.execute("DELETE FROM story_entities WHERE story = ?", (story_id,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO story_entities (name, story) VALUES (?, ?)", [(n, story_id) for n in names]
        )

    def get_story_view(self, story_id: str) -> dict[str, Any] | None:
        """The cached view of a story, or None when stale or never computed."""
        row = self.conn.execute("SELECT view FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no story with id {story_id!r}")
        return json.loads(row[0]) if row[0] else None

    def stale_stories(self) -> list[str]:
        """Stories whose cached view is missing or out of date."""
        return [
            r[0] for r in self.conn.execute("SELECT id FROM stories WHERE view IS NULL ORDER BY created_at")
        ]

    def resolve_article(self, article_id: str) -> str:
        """The full id of an article given its id or a unique prefix (see `storyline.store.ids.resolve`)."""
        return resolve_id(self.conn, "article", article_id)

    def resolve_story(self, story_id: str) -> str:
        """The full id of a story given its id or a unique prefix (see `storyline.store.ids.resolve`)."""
        return resolve_id(self.conn, "story", story_id)

    # -- topics ------------------------------------------------------------------------------

    def resolve_topic(self, topic_id: str) -> str:
        """The full id of a topic given its id or a unique prefix (see `storyline.store.ids.resolve`)."""
        return resolve_id(self.conn, "topic", topic_id)

    def put_topics(
        self,
        decisions: Sequence[tuple[str, str, float, int, str]],
        gone: Iterable[str],
        events: Sequence[tuple[str, str, str, str]],
    ) -> None:
        """Write the topic grouper's changes.

        Decisions are (story, topic, probability, size, evidence JSON); the rows of stories merged
        away are dropped; events are (kind, story, before, topic).
        """
        self.conn.executemany(
            "INSERT OR REPLACE INTO story_topics (story, topic, probability, decided_size, evidence) "
            "VALUES (?,?,?,?,?)",
            decisions,
        )
        self.conn.executemany("DELETE FROM story_topics WHERE story = ?", [(g,) for g in sorted(gone)])
        stamp = now()
        self.conn.executemany(
            "INSERT INTO topic_events (kind, story, before, topic, at) VALUES (?,?,?,?,?)",
            [(*e, stamp) for e in events],
        )

    def topic_decisions(self) -> list[tuple[str, str, float, int, str]]:
        """Every story's topic decision, as `put_topics` takes them (to restore the grouper)."""
        rows = self.conn.execute(
            "SELECT story, topic, probability, decided_size, evidence FROM story_topics ORDER BY rowid"
        )
        return [(r[0], r[1], float(r[2]), int(r[3]), r[4]) for r in rows]

    def story_topics(self, story_ids: Iterable[str]) -> dict[str, tuple[str, float, dict[str, Any]]]:
        """The topic decision of each of these stories: topic, probability, evidence."""
        out: dict[str, tuple[str, float, dict[str, Any]]] = {}
        for chunk in _chunks(list(story_ids)):
            q = (
                "SELECT story, topic, probability, evidence FROM story_topics "
                f"WHERE story IN ({','.join('?' * len(chunk))})"
            )
            for sid, tid, p, ev in self.conn.execute(q, chunk):
                out[sid] = (tid, float(p), json.loads(ev))
        return out

    _TOPIC_SELECT = (
        "SELECT t.topic AS id, count(*) AS n_stories, sum(s.n_articles) AS n_articles, "
        "group_concat(s.languages) AS languages, min(s.first_published) AS first_published, "
        "max(s.last_published) AS last_published, "
        "(SELECT s2.headline FROM story_topics t2 JOIN stories s2 ON s2.id = t2.story "
        " WHERE t2.topic = t.topic ORDER BY s2.n_articles DESC, s2.id LIMIT 1) AS headline "
        "FROM story_topics t JOIN stories s ON s.id = t.story"
    )

    def list_topics(
        self, limit: int | None = None, offset: int = 0, order: str = "recent"
    ) -> list[TopicInfo]:
        """Topics, those with the latest report first (``order="size"``: most articles first)."""
        order_sql = (
            "n_articles DESC, id"
            if order == "size"
            else "coalesce(last_published, '') DESC, n_articles DESC, id"
        )
        sql = f"{self._TOPIC_SELECT} GROUP BY t.topic ORDER BY {order_sql}"
        params: list[int] = []
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [limit, offset]
        return [_topic_info(r) for r in self.conn.execute(sql, params)]

    def count_topics(self) -> int:
        """Number of topics."""
        return int(self.conn.execute("SELECT count(DISTINCT topic) FROM story_topics").fetchone()[0])

    def topic_info(self, topic_id: str) -> TopicInfo:
        """One topic's list row."""
        row = self.conn.execute(
            f"{self._TOPIC_SELECT} WHERE t.topic = ? GROUP BY t.topic", (topic_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no topic with id {topic_id!r}")
        return _topic_info(row)

    def topic_stories(self, topic_id: str) -> list[tuple[StoryInfo, float, dict[str, Any], dict[str, int]]]:
        """The stories of a topic, oldest first, each with its decision and its name counts."""
        rows = self.conn.execute(
            "SELECT s.id AS id, s.headline AS headline, s.n_articles AS n_articles, s.n_sources AS n_sources, "
            "s.languages AS languages, s.first_published AS first_published, "
            "s.last_published AS last_published, s.updated_at AS updated_at, t.topic AS topic, "
            "t.probability AS probability, t.evidence AS evidence, "
            "st.evidence AS state, st.seq AS seq "
            "FROM story_topics t JOIN stories s ON s.id = t.story LEFT JOIN story_state st ON st.id = t.story "
            "WHERE t.topic = ? ORDER BY coalesce(s.first_published, '9999'), coalesce(st.seq, 0), s.id",
            (topic_id,),
        ).fetchall()
        out = []
        for r in rows:
            state = json.loads(r["state"]) if r["state"] else {}
            out.append(
                (
                    _story_info(r),
                    float(r["probability"]),
                    json.loads(r["evidence"]),
                    dict(state.get("names", {})),
                )
            )
        return out

    def topic_events(self, topic_id: str) -> list[TopicEvent]:
        """The moves and merges that involved a topic, in order."""
        rows = self.conn.execute(
            "SELECT kind, story, before, topic, at FROM topic_events WHERE topic = ? OR before = ? ORDER BY id",
            (topic_id, topic_id),
        )
        return [TopicEvent(*r) for r in rows]

    def story_info(self, story_id: str) -> StoryInfo:
        """One story's list row."""
        row = self.conn.execute(f"SELECT {_STORY_COLS} FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no story with id {story_id!r}")
        return _story_info(row)

    def list_stories(
        self,
        limit: int | None = None,
        offset: int = 0,
        language: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        query: str | None = None,
        entity: str | None = None,
        order: str = "recent",
        topic: str | None = None,
    ) -> list[StoryInfo]:
        """Stories, most recently updated first, optionally filtered.

        Args:
            limit: at most this many stories.
            offset: skip this many first (pagination).
            language: only stories with an article in this language.
            source: only stories with an article from this publisher (or source path).
            since: only stories with a publication on or after this ISO date.
            until: only stories with a publication on or before this ISO date.
            query: full-text search (FTS5 syntax) over member titles and texts.
            entity: only stories whose cached view names this entity (or one of its spelling
                variants), compared folded (case, accents of compatibility forms, quotes).
            order: ``recent`` (last publication, then update) or ``size``.
            topic: only the stories of this topic.
        """
        found = self._story_where(language, source, since, until, query, entity, topic)
        if found is None:
            return []
        where, params = found
        order_sql = (
            "s.n_articles DESC, s.updated_at DESC"
            if order == "size"
            else "coalesce(s.last_published, '') DESC, s.updated_at DESC, s.id"
        )
        sql = f"SELECT {_STORY_COLS} FROM stories s WHERE {' AND '.join(where)} ORDER BY {order_sql}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        try:
            rows = self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if query:
                raise StoreError(f"invalid search query {query!r} ({exc})") from None
            raise
        return [_story_info(r) for r in rows]

    def _story_where(
        self,
        language: str | None,
        source: str | None,
        since: str | None,
        until: str | None,
        query: str | None,
        entity: str | None,
        topic: str | None = None,
    ) -> tuple[list[str], list[str | int]] | None:
        """The WHERE conditions (over ``stories s``) and parameters of the story filters.

        Returns:
            None when a filter selects no story at all.

        Raises:
            StoreError: the search query is not valid FTS5.
        """
        where: list[str] = ["1=1"]
        params: list[str | int] = []
        if since:
            where.append("coalesce(s.last_published, '9999') >= ?")
            params.append(since)
        if until:
            where.append("coalesce(s.first_published, '0000') <= ?")
            params.append(until + "\uffff")
        # Filters on articles and names each select a set of stories. Walking the stories in list
        # order (an index) and testing each one costs about limit / share probes, where share is
        # the fraction of stories kept: cheap for common values, a scan of every story for rare
        # ones. Starting from the set costs one lookup per member plus a sort: cheap for small
        # sets. So the smallest set drives the query when it has at most SMALL_SET rows (a couple
        # of milliseconds of lookups); every other filter is a per-story test.
        member = "SELECT m.story FROM articles a JOIN memberships m ON m.article = a.id WHERE"
        test = (
            "EXISTS (SELECT 1 FROM memberships m JOIN articles a ON a.id = m.article WHERE m.story = s.id AND"
        )
        filters: list[tuple[str, str, list[str | int]]] = []  # (set of story ids, per-story test, params)
        if language:
            filters.append((f"{member} a.language = ?", f"{test} a.language = ?)", [language]))
        if source:
            filters.append(
                (
                    f"{member} a.publisher = ? UNION {member} a.source = ?",
                    f"{test} (a.publisher = ? OR a.source = ?))",
                    [source, source],
                )
            )
        if query:
            hits = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
            filters.append(
                (
                    f"SELECT m.story FROM articles a JOIN memberships m ON m.article = a.id WHERE a.seq IN ({hits})",
                    f"{test} a.seq IN ({hits}))",
                    [query],
                )
            )
        if topic:
            filters.append(
                (
                    "SELECT story FROM story_topics WHERE topic = ?",
                    "EXISTS (SELECT 1 FROM story_topics t WHERE t.topic = ? AND t.story = s.id)",
                    [topic],
                )
            )
        if entity:
            filters.append(
                (
                    "SELECT story FROM story_entities WHERE name = ?",
                    "EXISTS (SELECT 1 FROM story_entities e WHERE e.name = ? AND e.story = s.id)",
                    [fold(entity)],
                )
            )
        try:
            sizes = [
                int(
                    self.conn.execute(f"SELECT count(*) FROM ({q} LIMIT ?)", [*p, SMALL_SET + 1]).fetchone()[
                        0
                    ]
                )
                for q, _, p in filters
            ]
        except sqlite3.OperationalError as exc:
            raise StoreError(f"invalid search query {query!r} ({exc})") from None
        if any(n == 0 for n in sizes):
            return None
        driver = sizes.index(min(sizes)) if sizes and min(sizes) <= SMALL_SET else None
        for i, (q, t, p) in enumerate(filters):
            where.append(f"s.id IN ({q})" if i == driver else t)
            params += p
        return where, params

    def count_stories(
        self,
        language: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        query: str | None = None,
        entity: str | None = None,
        topic: str | None = None,
    ) -> int:
        """Number of stories, or of those that pass these filters (as in `list_stories`)."""
        if not any((language, source, since, until, query, entity, topic)):
            return int(self.conn.execute("SELECT count(*) FROM stories").fetchone()[0])
        found = self._story_where(language, source, since, until, query, entity, topic)
        if found is None:
            return 0
        where, params = found
        try:
            row = self.conn.execute(f"SELECT count(*) FROM stories s WHERE {' AND '.join(where)}", params)
            return int(row.fetchone()[0])
        except sqlite3.OperationalError as exc:
            raise StoreError(f"invalid search query {query!r} ({exc})") from None

    def members(self, story_id: str) -> list[Member]:
        """A story's members with their relation to their original, by publication date then arrival."""
        rows = self.conn.execute(
            "SELECT a.id, a.title, a.publisher, a.published, a.language, a.source, a.url, r.kind, r.original "
            "FROM memberships m JOIN articles a ON a.id = m.article "
            "LEFT JOIN relations r ON r.article = a.id "
            "WHERE m.story = ? ORDER BY a.published IS NULL, a.published, a.seq",
            (story_id,),
        ).fetchall()
        seen: set[str] = set()
        out = []
        for r in rows:
            if r["id"] in seen:
                continue
            seen.add(r["id"])
            out.append(
                Member(
                    id=r["id"], title=r["title"], publisher=r["publisher"], published=r["published"],
                    language=r["language"], source=r["source"], url=r["url"], relation=r["kind"],
                    original=r["original"],
                )
            )  # fmt: skip
        return out

    def put_analyses(self, rows: Sequence[tuple[str, int, str]]) -> None:
        """Cache per-article analyses: (article id, analysis version, JSON)."""
        self.conn.executemany("INSERT OR REPLACE INTO analyses (article, version, data) VALUES (?,?,?)", rows)

    def get_analyses(self, ids: Sequence[str]) -> dict[str, str]:
        """Cached analyses (JSON) of these articles."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(ids)):
            q = f"SELECT article, data FROM analyses WHERE article IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out

    def story_relations(self, story_id: str) -> list[DupRelation]:
        """Duplicate relations whose copy is a member of this story (one indexed query)."""
        rows = self.conn.execute(
            "SELECT r.article, r.original, r.kind, r.score, r.evidence FROM memberships m "
            "JOIN relations r ON r.article = m.article WHERE m.story = ? ORDER BY r.original, r.article",
            (story_id,),
        ).fetchall()
        return [DupRelation(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def story_activity(self, story_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        """Articles per publication day of each story, oldest day first (undated articles left out)."""
        out: dict[str, list[tuple[str, int]]] = {sid: [] for sid in story_ids}
        for chunk in _chunks(list(story_ids)):
            q = (
                "SELECT m.story, substr(a.published, 1, 10) AS day, count(*) FROM memberships m "
                "JOIN articles a ON a.id = m.article "
                f"WHERE m.story IN ({','.join('?' * len(chunk))}) AND a.published IS NOT NULL "
                "GROUP BY m.story, day ORDER BY m.story, day"
            )
            for sid, day, n in self.conn.execute(q, chunk):
                out[sid].append((day, int(n)))
        return out

    def article_heads(self, ids: Iterable[str]) -> dict[str, Member]:
        """Metadata of these articles without their text (missing ids are absent)."""
        out: dict[str, Member] = {}
        for chunk in _chunks(list(set(ids))):
            q = (
                "SELECT id, title, publisher, published, language, source, url FROM articles "
                f"WHERE id IN ({','.join('?' * len(chunk))})"
            )
            for r in self.conn.execute(q, chunk):
                out[r[0]] = Member(*r)
        return out

    def leads(self, ids: Iterable[str], chars: int = 300) -> dict[str, str]:
        """The first `chars` characters of these articles' texts (for articles without a title)."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(set(ids))):
            q = f"SELECT id, substr(text, 1, ?) FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            out.update((str(r[0]), str(r[1])) for r in self.conn.execute(q, (chars, *chunk)))
        return out

    def facets(self, limit: int = 200) -> dict[str, list[tuple[str, int]]]:
        """Languages and the `limit` biggest publishers, with their article counts, most frequent first."""
        langs = self.conn.execute(
            "SELECT language, count(*) FROM articles WHERE language IS NOT NULL AND language != '' "
            "GROUP BY language ORDER BY count(*) DESC, language"
        ).fetchall()
        pubs = self.conn.execute(
            "SELECT publisher, count(*) FROM articles WHERE publisher IS NOT NULL AND publisher != '' "
            "GROUP BY publisher ORDER BY count(*) DESC, publisher LIMIT ?",
            (limit,),
        ).fetchall()
        return {
            "languages": [(str(r[0]), int(r[1])) for r in langs],
            "publishers": [(str(r[0]), int(r[1])) for r in pubs],
        }

    def data_version(self) -> tuple[int, str]:
        """Changes whenever articles arrive or stories change: a cheap key for caches of derived data."""
        seq = self.conn.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]
        updated = self.conn.execute("SELECT coalesce(max(updated_at), '') FROM stories").fetchone()[0]
        return int(seq), str(updated)

    def add_blocks(self, publisher: str | None, hashes: Iterable[str]) -> None:
        """Count one document's blocks under its publisher and under the corpus key ``*``."""
        unique = sorted(set(hashes))
        for key in block_keys(publisher):
            self.conn.execute(
                "INSERT INTO block_docs (publisher, n) VALUES (?, 1) ON CONFLICT (publisher) DO UPDATE SET n = n + 1",
                (key,),
            )
            self.conn.executemany(
                "INSERT INTO block_counts (publisher, hash, n) VALUES (?, ?, 1) "
                "ON CONFLICT (publisher, hash) DO UPDATE SET n = n + 1",
                [(key, h) for h in unique],
            )

    def block_documents(self, publisher: str) -> int:
        """Documents counted for a publisher key (``*``: all)."""
        row = self.conn.execute("SELECT n FROM block_docs WHERE publisher = ?", (publisher,)).fetchone()
        return int(row[0]) if row else 0

    def block_count(self, publisher: str, block_hash: str) -> int:
        """Documents of a publisher key that contain the block."""
        row = self.conn.execute(
            "SELECT n FROM block_counts WHERE publisher = ? AND hash = ?", (publisher, block_hash)
        ).fetchone()
        return int(row[0]) if row else 0

    def digest(self) -> str:
        """A hash of what an ingest decided: articles, relations with evidence, stories, members, topics.

        Two databases built from the same inputs by different executors must have the same one.
        Times of writing and arrival numbers are left out; story ids are in (they are derived
        from the articles that founded the stories). Join probabilities are left out: their
        last bits follow the order in which a process iterates sets of names, which Python
        randomises per process, so two runs of the same code can differ in the fourth decimal
        (seen: 0.0386 and 0.0385); which story each article joined is compared.
        """
        import hashlib

        h = hashlib.sha256()
        queries = (
            "SELECT id, title, text, published, publisher, language, content_hash FROM articles ORDER BY id",
            "SELECT article, original, kind, score, evidence FROM relations ORDER BY article, original",
            "SELECT article, story FROM memberships ORDER BY article",
            "SELECT id, headline, n_articles, n_sources, languages, first_published, last_published "
            "FROM stories ORDER BY id",
            "SELECT story, topic FROM story_topics ORDER BY story",
        )
        for q in queries:
            for row in self.conn.execute(q):
                h.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8", "surrogatepass"))
            h.update(b"|")
        return h.hexdigest()

    def check(self) -> CheckReport:
        """SQLite's integrity check and storyline's invariants (`storyline.store.check`)."""
        return check_database(self.conn)

    def meta_get(self, key: str) -> str | None:
        """A value from the key/value table."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def meta_set(self, key: str, value: str) -> None:
        """Set a value in the key/value table."""
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def block_keys(publisher: str | None) -> list[str]:
    """The keys a document's blocks are counted under: its publisher's and the corpus's ``*``."""
    return ["*"] if not publisher or publisher == "*" else [publisher, "*"]


def _story_info(row: sqlite3.Row) -> StoryInfo:
    return StoryInfo(
        id=row["id"],
        headline=row["headline"] or "",
        articles=row["n_articles"],
        sources=row["n_sources"],
        languages=tuple(x for x in (row["languages"] or "").split(",") if x),
        first_published=row["first_published"],
        last_published=row["last_published"],
        updated=row["updated_at"],
        topic=row["topic"],
    )


def _topic_info(row: sqlite3.Row) -> TopicInfo:
    langs = sorted({x for x in (row["languages"] or "").split(",") if x})
    return TopicInfo(
        id=row["id"],
        headline=row["headline"] or "",
        stories=int(row["n_stories"]),
        articles=int(row["n_articles"] or 0),
        languages=tuple(langs),
        first_published=row["first_published"],
        last_published=row["last_published"],
    )


def _fold_sql(value: object) -> str | None:
    return fold(value) if isinstance(value, str) else None


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script, keeping trigger bodies (which contain semicolons) whole."""
    statements, current = [], []
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        joined = "\n".join(current)
        if stripped.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    if current and "\n".join(current).strip():
        statements.append("\n".join(current))
    return statements
