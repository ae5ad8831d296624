"""The SQLite store: the one place that reads and writes the database.

WAL mode lets readers (the web app, a second CLI) work while an ingest writes. Writes happen in
`atomic()` blocks, one per batch, so an interrupted run leaves whole batches only and a re-run
picks up where it stopped: ids already present are skipped.

Here are the connection, the migrations and the transactions; the SQL of each kind of data is a
mixin of its own module (`articles`, `relations`, `vectors`, `stories`, `topics`, `story_state`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storyline.errors import SchemaBehindError, StoreError
from storyline.store.articles import ArticleRows
from storyline.store.check import CheckReport
from storyline.store.check import check as check_database
from storyline.store.lock import WriterLock
from storyline.store.relations import RelationRows
from storyline.store.schema import MIGRATIONS, SCHEMA_VERSION
from storyline.store.stories import StoryRows
from storyline.store.story_state import StoryStateRows
from storyline.store.topics import TopicRows
from storyline.store.vectors import VectorRows
from storyline.text import fold

APPLICATION_ID = 0x53544C4E  # "STLN": marks the file as a storyline database


class Store(ArticleRows, RelationRows, VectorRows, StoryRows, TopicRows, StoryStateRows):
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

    def data_version(self) -> tuple[int, str]:
        """Changes whenever articles arrive or stories change: a cheap key for caches of derived data."""
        seq = self.conn.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]
        updated = self.conn.execute("SELECT coalesce(max(updated_at), '') FROM stories").fetchone()[0]
        return int(seq), str(updated)

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
