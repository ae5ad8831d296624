"""The bundled demo runs offline with the real multilingual model and groups translations."""

from __future__ import annotations

import json
import shlex
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.api import Storyline
from storyline.cli import main


@pytest.mark.slow
def test_demo_prints_stories(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    res = CliRunner().invoke(main, ["--db", db, "demo"])
    assert res.exit_code == 0, res.output
    assert "160 added" in res.output
    assert "stories" in res.output
    # The suggested `why` compares a translation with its original, in the best story.
    story, why = (line.strip() for line in res.output.splitlines()[-3:-1])
    assert story.startswith(f"storyline --db {db} story s")
    assert why.startswith(f"storyline --db {db} why ")
    shown = CliRunner().invoke(main, shlex.split(why)[1:])
    assert shown.exit_code == 0, shown.output
    assert "stored: " in shown.output and " translation " in shown.output
    with Storyline(tmp_path / "demo.db", readonly=True) as api:
        rows = list(api.article_records())
    assert len(rows) == 160
    # Every article and its three translations share one story.
    sample = resources.files("storyline") / "data" / "sample" / "meantime_sample.jsonl"
    ext = {}
    for line in sample.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        ext[rec["id"]] = rec["id"].split("/")[1]  # MEANTIME doc id: corpus/<wikinews id>
    groups: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        groups[ext[r["external_id"]]].add(r["story"])
    assert len(groups) == 40
    assert all(len(stories) == 1 for stories in groups.values())
