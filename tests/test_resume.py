"""Kill an ingest of 5,000 files midway, run it again, and get what one clean run gives."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import synthetic_text

SRC = Path(__file__).resolve().parents[1] / "src"
N_FILES = 5000


def _ingest_cmd(db: Path, folder: Path, config: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "storyline",
        "--db",
        str(db),
        "--config",
        str(config),
        "ingest",
        "-q",
        str(folder),
    ]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    snap = {
        "raw": con.execute("SELECT id, source, record, raw_hash FROM raw ORDER BY id").fetchall(),
        "articles": con.execute(
            "SELECT id, text, content_hash, language, published FROM articles ORDER BY id"
        ).fetchall(),
        "relations": con.execute(
            "SELECT article, original, kind, score FROM relations ORDER BY 1, 2"
        ).fetchall(),
        "memberships": con.execute("SELECT article, story FROM memberships ORDER BY 1").fetchall(),
        "stories": con.execute(
            "SELECT id, n_articles, first_published, last_published FROM stories ORDER BY 1"
        ).fetchall(),
        "rejects": con.execute("SELECT source, record, stage, reason FROM rejects ORDER BY 1, 2").fetchall(),
        "dedup_index": con.execute("SELECT article, lexical, anchors FROM dedup_index ORDER BY 1").fetchall(),
    }
    con.close()
    return snap


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        con.close()
        return int(n)
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_killed_ingest_resumes_to_the_same_database(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(N_FILES):
        text = synthetic_text(i)
        if i % 50 == 7:  # some copies, so duplicate relations are part of what must match
            text = synthetic_text(i - 1)
        (folder / f"{i:05d}.txt").write_text(f"date 2024-01-{i % 28 + 1:02d}\n{text}\n")
    (folder / "broken.json").write_text("{ not json")
    config = tmp_path / "fast.toml"
    config.write_text('[embed]\nmodel = "hashing"\n')

    clean_db = tmp_path / "clean.db"
    subprocess.run(_ingest_cmd(clean_db, folder, config), check=True, env=_env(), timeout=900)

    db = tmp_path / "killed.db"
    proc = subprocess.Popen(_ingest_cmd(db, folder, config), env=_env())
    deadline = time.time() + 600
    while _count(db) < N_FILES // 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _count(db)
    assert 0 < partial < N_FILES

    subprocess.run(_ingest_cmd(db, folder, config), check=True, env=_env(), timeout=900)
    assert _snapshot(db) == _snapshot(clean_db)
    again = subprocess.run(
        _ingest_cmd(db, folder, config), env=_env(), capture_output=True, text=True, timeout=900
    )
    assert "0 added" in again.stdout
    assert _snapshot(db) == _snapshot(clean_db)
