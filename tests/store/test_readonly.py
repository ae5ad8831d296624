"""Reading never writes: every read command and every GET route runs with writes refused.

Every SQLite connection storyline opens during the test gets an authorizer that refuses (and
records) any change to the database: rows, schema, persistent pragmas. Each read command of the
CLI and each GET route of the web app must then answer as usual, and the database file must be
byte for byte what it was.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from storyline.api import Storyline
from storyline.cli import main
from storyline.store.sqlite import Store
from storyline.web.app import create_app

DATA = Path(__file__).parents[1] / "data"
WRITES = {
    sqlite3.SQLITE_INSERT,
    sqlite3.SQLITE_UPDATE,
    sqlite3.SQLITE_DELETE,
    sqlite3.SQLITE_CREATE_TABLE,
    sqlite3.SQLITE_CREATE_INDEX,
    sqlite3.SQLITE_CREATE_VIEW,
    sqlite3.SQLITE_CREATE_TRIGGER,
    sqlite3.SQLITE_DROP_TABLE,
    sqlite3.SQLITE_DROP_INDEX,
    sqlite3.SQLITE_ALTER_TABLE,
}
PERSISTENT_PRAGMAS = {"journal_mode", "user_version", "application_id", "auto_vacuum", "page_size"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of the look-alike corpus and the ECB+ fixture, views left to be built on reading."""
    db = tmp_path_factory.mktemp("readonly") / "news.db"
    with Storyline(db) as sl:
        sl.ingest([str(DATA / "lookalike" / "corpus"), str(DATA / "stories" / "ecbplus.jsonl")])
    with sqlite3.connect(db) as conn:  # everything in the file itself, so its hash is the database's
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse every write on every connection storyline opens; the list names the attempts."""
    attempts: list[str] = []
    connect = Store._connect

    def guard(action: int, arg1: str | None, arg2: str | None, db: str | None, _trigger: str | None) -> int:
        if db == "temp":
            return sqlite3.SQLITE_OK
        # FTS5 connecting to its table reports an update of sqlite_master that it never makes
        # (schema changes are the CREATE, DROP and ALTER actions, refused below).
        if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
            return sqlite3.SQLITE_OK
        if action in WRITES or (
            action == sqlite3.SQLITE_PRAGMA and arg1 in PERSISTENT_PRAGMAS and arg2 is not None
        ):
            attempts.append(f"{action} {arg1} {arg2}")
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    def guarded(self: Store) -> sqlite3.Connection:
        conn = connect(self)
        conn.set_authorizer(guard)
        return conn

    monkeypatch.setattr(Store, "_connect", guarded)
    yield attempts


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def _ids(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    biggest = conn.execute("SELECT id FROM stories ORDER BY n_articles DESC, id LIMIT 1").fetchone()[0]
    pair = conn.execute("SELECT article, original FROM relations ORDER BY article LIMIT 1").fetchone()
    topic = conn.execute("SELECT topic FROM story_topics WHERE story = ?", (biggest,)).fetchone()[0]
    conn.close()
    return {"story": biggest, "article": pair[0], "original": pair[1], "topic": topic}


def test_every_read_command_runs_with_writes_refused(built: Path, writes: list[str], tmp_path: Path) -> None:
    before = _digest(built)
    ids = _ids(built)
    commands = [
        ["stories"],
        ["stories", "--json"],
        ["story", ids["story"]],
        ["story", ids["story"], "--json"],
        ["topics"],
        ["topics", "--json"],
        ["topic", ids["topic"]],
        ["article", ids["article"]],
        ["article", ids["article"], "--raw"],
        ["article", ids["article"], "--removed", "--json"],
        ["why", ids["article"], ids["original"]],  # with the encoder: vectors computed, not kept
        ["why", "--lexical", ids["article"], ids["original"], "--json"],
        ["dupes"],
        ["rejects"],
        ["check"],
        ["export", "-o", str(tmp_path / "articles.jsonl")],
        ["export", "--stories", "-o", str(tmp_path / "stories.json")],
        ["export", "--topics", "-o", str(tmp_path / "topics.jsonl")],
    ]
    for args in commands:
        done = CliRunner().invoke(main, ["--db", str(built), *args], env={"COLUMNS": "200"})
        assert done.exit_code == 0, (args, done.output)
        assert not writes, (args, writes)
    exported = json.loads((tmp_path / "stories.json").read_text())
    assert any(s.get("headline") for s in exported), "views were built for the export"
    assert _digest(built) == before


def test_every_get_route_runs_with_writes_refused(built: Path, writes: list[str]) -> None:
    before = _digest(built)
    ids = _ids(built)
    app = create_app(built)
    paths = [r.path for r in app.routes if "GET" in (getattr(r, "methods", None) or ())]
    filled = {
        p.replace("{story_id}", ids["story"])
        .replace("{article_id}", ids["article"])
        .replace("{topic_id}", ids["topic"])
        for p in paths
        if "{path" not in p
    }
    assert {"/stories/{story_id}", "/articles/{article_id}.json", "/topics/{topic_id}"} <= set(paths)
    with TestClient(app) as client:
        for path in sorted(filled):
            r = client.get(path, follow_redirects=False)
            assert r.status_code in (200, 307), (path, r.status_code, r.text[:300])
            assert not writes, (path, writes)
        listed = client.get("/stories", params={"q": "dam", "order": "size"})
        assert listed.status_code == 200 and not writes, listed.text[-300:]
    assert _digest(built) == before
