"""The bundled demo runs offline with the real multilingual model and groups translations."""

from __future__ import annotations

import json
import shlex
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from storyline.api import Storyline
from storyline.cli import main

README = Path(__file__).parent.parent / "README.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    return db, CliRunner().invoke(main, ["--db", str(db), "demo"])


@pytest.mark.slow
def test_demo_prints_stories(demo: tuple[Path, Result]) -> None:
    path, res = demo
    db = str(path)
    assert res.exit_code == 0, res.output
    assert "160 added" in res.output
    assert "stories" in res.output
    # The suggested `why` compares a translation with its original, in the best story.
    story, why = (line.strip() for line in res.output.splitlines()[-3:-1])
    assert story.startswith(f"storyline --db {db} story s")
    assert why.startswith(f"storyline --db {db} why ")
    shown = CliRunner().invoke(main, shlex.split(why)[1:])
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.output.split())
    assert " is a translation of " in said and "of its sentences match the original's one to one" in said
    assert "stories: same story: both report “" in said
    verbose = CliRunner().invoke(main, [*shlex.split(why)[1:], "--verbose"])
    assert "stored: " in verbose.output and " translation " in verbose.output
    with Storyline(path, readonly=True) as api:
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


@pytest.mark.slow
def test_readme_commands_work_on_the_demo_database(
    demo: tuple[Path, Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    path, res = demo
    assert res.exit_code == 0, res.output
    commands = [
        line.split("#")[0].strip()
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("storyline --db demo.db ")
    ]
    assert len(commands) >= 9
    # The README's ids are the demo's: its suggestions name the same story and articles.
    for line in res.output.splitlines()[-3:]:
        suggestion = "storyline --db demo.db " + " ".join(shlex.split(line)[3:])
        assert suggestion in commands, suggestion
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: None)
    for command in commands:
        args = shlex.split(command)[1:]
        args[1] = str(path)
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 0, f"{command}: {done.output}"
        assert "error" not in done.output.lower(), command
    assert (tmp_path / "articles.parquet").read_bytes()[:4] == b"PAR1"
    assert json.loads((tmp_path / "stories.jsonl").read_text().splitlines()[0])["id"].startswith("s")
