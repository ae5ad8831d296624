"""The SQLite store: schema, migrations, idempotent writes, transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from storyline.errors import StoreError
from storyline.store import Store
from storyline.store.schema import SCHEMA_VERSION
from storyline.text import content_hash
from storyline.types import Article, RawDoc


def _article(raw: RawDoc, text: str) -> Article:
    return Article(
        id=raw.article_id, source=raw.source, record=raw.record, text=text, content_hash=content_hash(text)
    )


def test_new_database_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.db")
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.close()
    # Re-opening runs no migration twice.
    s2 = Store(tmp_path / "a.db")
    assert s2.counts()["articles"] == 0


def test_refuses_other_sqlite_databases(tmp_path: Path) -> None:
    p = tmp_path / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE x (y)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a storyline database"):
        Store(p)


def test_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    p = tmp_path / "notes.db"
    p.write_text("hello, I am not a database" * 100)
    with pytest.raises(StoreError, match=str(p.name)):
        Store(p)


def test_refuses_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nope" / "a.db")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "a.db"
    Store(p).close()
    con = sqlite3.connect(p)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer storyline"):
        Store(p)


def test_duplicate_index_survives_the_upgrade_to_arrival_number_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database made before the duplicate index was keyed by arrival number keeps its rows."""
    from storyline.store import sqlite as store_sqlite
    from storyline.store.schema import MIGRATIONS

    p = tmp_path / "old.db"
    before = next(i for i, (name, _) in enumerate(MIGRATIONS) if "keyed by arrival number" in name)
    with monkeypatch.context() as m:
        m.setattr(store_sqlite, "MIGRATIONS", MIGRATIONS[:before])
        old = Store(p)
        assert old.conn.execute("PRAGMA user_version").fetchone()[0] == before
        raws = [RawDoc(f"f{i}.txt", None, f"text {i}", source_key=f"/abs/f{i}.txt") for i in range(3)]
        with old.atomic():
            old.add_raw(raws)
            old.put_articles([_article(r, r.content) for r in raws])
            seqs = old.seqs([r.article_id for r in raws])
            old.put_dedup_index(
                [
                    (r.article_id, seqs[r.article_id], bytes([k]) * 8, bytes([k]) * 4, None)
                    for k, r in enumerate(raws)
                ]
            )
        old.close()
    s = Store(p)
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    ids = [r.article_id for r in raws]
    assert [tuple(r) for r in s.iter_dedup_index()] == [
        (seqs[i], bytes([k]) * 8, bytes([k]) * 4, None) for k, i in enumerate(ids)
    ]
    with s.atomic():
        s.forget_fingerprints([ids[1]])
        s.put_dedup_index([(ids[2], seqs[ids[2]], b"new", b"sig", b"anc")])
    assert [tuple(r) for r in s.iter_dedup_index()] == [
        (seqs[ids[0]], bytes([0]) * 8, bytes([0]) * 4, None),
        (seqs[ids[2]], b"new", b"sig", b"anc"),
    ]


def test_raw_and_article_round_trip(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.db")
    raw = RawDoc(
        "f.txt", None, "Some text here ü", source_key="/abs/f.txt", title="T", published="2020-01-02"
    )
    with s.atomic():
        s.add_raw([raw])
        s.add_raw([raw])  # idempotent
        s.put_articles([_article(raw, "Some text here ü")])
    assert s.counts()["raw"] == 1
    assert s.get_raw(raw.article_id) == raw
    a = s.get_article(raw.article_id[:8])
    assert a.text == "Some text here ü"
    assert s.existing([raw.article_id, "nope"]) == {raw.article_id}


def test_atomic_rolls_back_on_error(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.db")
    raw = RawDoc("f.txt", None, "x", source_key="/abs/f.txt")
    with pytest.raises(RuntimeError), s.atomic():
        s.add_raw([raw])
        raise RuntimeError("boom")
    assert s.counts()["raw"] == 0


def test_full_text_search_follows_articles(tmp_path: Path) -> None:
    s = Store(tmp_path / "a.db")
    raw = RawDoc("f.txt", None, "x", source_key="/abs/f.txt")
    with s.atomic():
        s.add_raw([raw])
        s.put_articles([_article(raw, "The quick brown fox jumps")])
        s.put_memberships([(raw.article_id, "s1", 1.0)])
        s.refresh_story("s1", headline="Fox story")
    assert [i.id for i in s.list_stories(query="fox")] == ["s1"]
    assert s.list_stories(query="zebra") == []
    with s.atomic():
        s.put_articles([_article(raw, "A slow zebra walks")])
    assert [i.id for i in s.list_stories(query="zebra")] == ["s1"]
    assert s.list_stories(query="fox") == []


def test_rejects_are_recorded_once(tmp_path: Path) -> None:
    from storyline.types import Rejected

    s = Store(tmp_path / "a.db")
    r = Rejected("a.txt", None, "read", "empty file")
    with s.atomic():
        s.add_rejects([r, r])
    with s.atomic():
        s.add_rejects([r])
    assert s.rejects() == [r]


def test_cached_encoder_embeds_each_distinct_text_once_across_runs(tmp_path: Path) -> None:
    from storyline.fingerprint.embed import CachedEncoder, HashingEncoder

    calls: list[int] = []

    class Counting(HashingEncoder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return super().encode(texts)

    texts = ["one text", "another text", "one text"]
    first = CachedEncoder(Counting(64), tmp_path / "cache.db").encode(texts)
    again = CachedEncoder(Counting(64), tmp_path / "cache.db").encode([*texts, "a third"])
    assert calls == [2, 1], "two distinct texts, then only the new one"
    assert np.array_equal(first, again[:3]) and np.array_equal(first[0], first[2])
