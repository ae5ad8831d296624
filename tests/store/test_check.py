"""`storyline check`: a sound database passes; broken invariants and damaged copies are named."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import synthetic_text
from storyline.cli import main


def _run(cfg: Path, db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        main, ["--config", str(cfg), "--db", str(db), *args], env={"COLUMNS": None, "NO_COLOR": None}
    )


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A database of 120 articles (a third of them near copies), made by the CLI."""
    tmp = tmp_path_factory.mktemp("check")
    cfg = tmp / "fast.toml"
    cfg.write_text('[embed]\nmodel = "hashing"\n')
    rows = []
    for i in range(80):
        rows.append({"title": f"Report {i}", "text": synthetic_text(i, 240), "date": "2024-05-01"})
        if i % 2:
            rows.append(
                {"title": f"Report {i}", "text": synthetic_text(i, 240) + " Source link.", "source": "farm"}
            )
    data = tmp / "in.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    db = tmp / "sound.db"
    done = _run(cfg, db, "ingest", "--quiet", str(data))
    assert done.exit_code == 0, done.output
    # Everything into the database file itself, so that a copy of that file is the whole database.
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return cfg, db


def test_a_sound_database_passes(sound: tuple[Path, Path]) -> None:
    cfg, db = sound
    done = _run(cfg, db, "check")
    assert done.exit_code == 0, done.output
    assert "sound (120 articles" in done.output
    report = json.loads(_run(cfg, db, "check", "--json").output)
    assert report["ok"] is True and report["problems"] == [] and report["articles"] == 120


def test_broken_invariants_are_named(sound: tuple[Path, Path], tmp_path: Path) -> None:
    cfg, db = sound
    broken = tmp_path / "broken.db"
    shutil.copy(db, broken)
    conn = sqlite3.connect(broken)
    victim = conn.execute("SELECT article FROM memberships ORDER BY article LIMIT 1").fetchone()[0]
    conn.execute("DELETE FROM memberships WHERE article = ?", (victim,))
    conn.execute("UPDATE articles SET text = text || ' tampered' WHERE id = ?", (victim,))
    conn.commit()
    conn.close()
    done = _run(cfg, broken, "check")
    assert done.exit_code == 1
    assert "articles in no story: 1" in done.output
    assert "stories whose article count is not their members': 1" in done.output
    assert f"articles whose text does not match its hash: 1 (first: {victim})" in done.output


@pytest.mark.parametrize("seed", range(40))
def test_damaged_copies_are_found(sound: tuple[Path, Path], tmp_path: Path, seed: int) -> None:
    """Zeros or random bytes over a page or two anywhere in the middle half of the file."""
    cfg, db = sound
    rng = random.Random(seed)
    damaged = tmp_path / "damaged.db"
    shutil.copy(db, damaged)
    size = damaged.stat().st_size
    at = rng.randrange(size // 4, 3 * size // 4)
    n = rng.choice((4096, 8192))
    with damaged.open("r+b") as fh:
        fh.seek(at)
        fh.write(os.urandom(n) if seed % 2 else bytes(n))
    done = _run(cfg, damaged, "check")
    assert done.exit_code == 1, f"{n} bytes at {at} of {size}: {done.output}"
    assert str(damaged) in done.output


def test_a_read_command_on_a_damaged_file_says_so_in_one_line(
    sound: tuple[Path, Path], tmp_path: Path
) -> None:
    cfg, db = sound
    damaged = tmp_path / "damaged.db"
    shutil.copy(db, damaged)
    with damaged.open("r+b") as fh:
        fh.seek(8 * 4096)
        fh.write(random.Random(0).randbytes(damaged.stat().st_size - 8 * 4096))
    for command in (["stories"], ["export", "-o", str(tmp_path / "out.jsonl")]):
        done = _run(cfg, damaged, *command)
        assert done.exit_code == 1, (command, done.output)
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {damaged}: "), (command, done.output)
    done = _run(cfg, damaged, "check")
    assert done.exit_code == 1 and str(damaged) in done.output and "Traceback" not in done.output
