"""`reclean`: re-clean from the raw records, keep ids, redo duplicates and stories for what changed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from storyline.api import Storyline
from storyline.cli import main
from storyline.text import content_hash

CORPUS = Path(__file__).parents[1] / "data" / "lookalike" / "corpus"


def _state(api: Storyline) -> tuple[dict, set, dict]:
    texts = {a.id: (a.text, a.title, a.published) for a in api.store.iter_articles()}
    relations = {(r.article, r.original, r.kind) for r in api.relations()}
    stories = api.store.story_of(list(texts))
    return texts, relations, stories


def test_reclean_restores_what_a_better_cleaner_gives(api: Storyline) -> None:
    api.ingest([str(CORPUS)])
    before = _state(api)
    page = next(a for a in api.store.iter_articles() if a.source.endswith("002_original.txt"))
    assert any(r.original == page.id for r in api.relations()), "the copy points at the page"
    # What an older cleaner would have stored: the whole page dump as text, no relation to it.
    raw = api.raw(page.id).content
    with api.store.atomic():
        api.store.put_articles(
            [dataclasses.replace(page, text=raw, content_hash=content_hash(raw), removed=(), title=None)]
        )
        api.store.delete_relations_touching([page.id])
    assert _state(api) != before

    report = api.reclean()
    assert (report.checked, report.text_changed, report.unchanged) == (8, 1, 7)
    texts, relations, stories = _state(api)
    assert texts == before[0]
    assert relations == before[1]
    # Stories are rebuilt over all articles: the same groups (ids may differ only if a story's
    # first article changed, which it did not here).
    assert stories == before[2]

    again = api.reclean()
    assert (again.text_changed, again.metadata_changed, again.unchanged) == (0, 0, 8)


def test_reclean_command(tmp_path: Path) -> None:
    cfg = tmp_path / "fast.toml"
    cfg.write_text('[embed]\nmodel = "hashing"\n')
    db = tmp_path / "x.db"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db), "--config", str(cfg), "ingest", str(CORPUS)]).exit_code == 0
    res = runner.invoke(main, ["--db", str(db), "--config", str(cfg), "reclean"])
    assert res.exit_code == 0, res.output
    assert "8 articles checked: 8 unchanged" in res.output
