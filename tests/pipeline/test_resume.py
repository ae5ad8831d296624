"""Kill an ingest of 5,000 files midway, run it again, and get what one clean run gives."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import count_rows, subprocess_env, synthetic_text
from storyline.api import Storyline

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
    subprocess.run(_ingest_cmd(clean_db, folder, config), check=True, env=subprocess_env(), timeout=900)

    db = tmp_path / "killed.db"
    proc = subprocess.Popen(_ingest_cmd(db, folder, config), env=subprocess_env())
    deadline = time.time() + 600
    while count_rows(db) < N_FILES // 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = count_rows(db)
    assert 0 < partial < N_FILES

    subprocess.run(_ingest_cmd(db, folder, config), check=True, env=subprocess_env(), timeout=900)
    assert _snapshot(db) == _snapshot(clean_db)
    again = subprocess.run(
        _ingest_cmd(db, folder, config), env=subprocess_env(), capture_output=True, text=True, timeout=900
    )
    assert "0 added" in again.stdout
    assert _snapshot(db) == _snapshot(clean_db)


def _views(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, headline, view FROM stories ORDER BY id").fetchall()
    con.close()
    return rows


def _kill_at(cmd: list[str], progress: Any, target: int, rng: random.Random) -> bool:
    """Start `cmd`, SIGKILL it once `progress()` reaches `target` plus a random few milliseconds.

    A target of 0 kills it at a random moment of its start (loading models, opening the database).
    Returns whether it was killed (False: it finished first).
    """
    proc = subprocess.Popen(cmd, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    if target == 0:
        time.sleep(rng.uniform(0.2, 2.0))
    while target and progress() < target and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 0.15))  # into the middle of the next batch, or past its commit
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return killed


@pytest.mark.slow
def test_ingest_and_view_building_killed_at_twenty_points_resume_to_one_clean_run(tmp_path: Path) -> None:
    n_files = 400
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n_files):
        text = synthetic_text(i)
        if i % 25 == 7:  # copies, so duplicate relations are part of what must match
            text = synthetic_text(i - 1)
        (folder / f"{i:05d}.txt").write_text(f"date 2024-01-{i % 28 + 1:02d}\n{text}\n")
    (folder / "broken.json").write_text("{ not json")
    config = tmp_path / "fast.toml"
    config.write_text('[embed]\nmodel = "hashing"\n[ingest]\nbatch_size = 10\n')

    def cmd(db: Path, *args: str) -> list[str]:
        return [sys.executable, "-m", "storyline", "--db", str(db), "--config", str(config), *args]

    clean = tmp_path / "clean.db"
    subprocess.run(cmd(clean, "ingest", "-q", str(folder)), check=True, env=subprocess_env(), timeout=900)
    subprocess.run(cmd(clean, "enrich"), check=True, env=subprocess_env(), timeout=900, capture_output=True)
    stories = len(_views(clean))

    rng = random.Random(20)
    db = tmp_path / "killed.db"
    kills = 0
    # 15 kill points in the ingest (the first while it starts), 5 while the views are built.
    ingest_targets = [0, *sorted(rng.sample(range(1, n_files), 14))]
    for target in ingest_targets:
        kills += _kill_at(cmd(db, "ingest", "-q", str(folder)), lambda: count_rows(db), target, rng)
    subprocess.run(cmd(db, "ingest", "-q", str(folder)), check=True, env=subprocess_env(), timeout=900)
    for target in sorted(rng.sample(range(1, stories), 5)):
        kills += _kill_at(
            cmd(db, "enrich"), lambda: count_rows(db, "stories WHERE view IS NOT NULL"), target, rng
        )
    subprocess.run(cmd(db, "enrich"), check=True, env=subprocess_env(), timeout=900, capture_output=True)
    assert kills >= 18, f"only {kills} of 20 runs were still running when killed"

    assert _snapshot(db) == _snapshot(clean)
    assert _views(db) == _views(clean)
    with Storyline(db, readonly=True) as a, Storyline(clean, readonly=True) as b:
        assert a.store.digest() == b.store.digest()
        assert a.check().problems == []


def _descendants(pid: int) -> set[int]:
    """Every living process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_a_killed_ingest_leaves_no_worker_process_behind(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(400):
        (folder / f"{i:04d}.txt").write_text(f"Report {i}\n\n{synthetic_text(i, 200)}\n", encoding="utf-8")
    config = tmp_path / "storyline.toml"
    config.write_text('[embed]\nmodel = "hashing"\n')
    cmd = [*_ingest_cmd(tmp_path / "k.db", folder, config), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    helpers: set[int] = set()
    deadline = time.time() + 300
    # The pool's workers are grandchildren (started by the forkserver): wait for them.
    while time.time() < deadline and proc.poll() is None:
        helpers = _descendants(proc.pid)
        if len(helpers) >= 4:  # forkserver, resource tracker and two workers
            break
        time.sleep(0.1)
    assert proc.poll() is None and len(helpers) >= 4, "the ingest ended before its workers could be seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(_alive(p) for p in helpers):
        time.sleep(0.2)
    left = sorted(p for p in helpers if _alive(p))
    for p in left:  # do not leave them to the next test either
        os.kill(p, signal.SIGKILL)
    assert not left, f"processes left behind by the killed ingest: {left}"
