"""End to end on the look-alike corpus with the real multilingual model (gold in tests/data/lookalike/gold)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyline.api import Storyline

CORPUS = Path(__file__).parent / "data" / "lookalike" / "corpus"
GOLD = json.loads((Path(__file__).parent / "data" / "lookalike" / "gold" / "truth.json").read_text())


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Storyline:
    api = Storyline(tmp_path_factory.mktemp("lookalike") / "db.sqlite")
    report = api.ingest([str(CORPUS)])
    assert report.added == len(list(CORPUS.iterdir()))
    assert not report.rejected
    return api


def _ids(api: Storyline) -> dict[str, str]:
    return {Path(r["source"]).name: r["id"] for r in api.article_records()}


@pytest.mark.slow
def test_gold_stories(ingested: Storyline) -> None:
    ids = _ids(ingested)
    story = {name: ingested.story_of(aid) for name, aid in ids.items()}
    for gold in GOLD["stories"]:
        members = {story[m] for m in gold["members"]}
        assert len(members) == 1, f"{gold['id']} is split over {members}"
    firsts = [story[g["members"][0]] for g in GOLD["stories"]]
    assert len(set(firsts)) == len(firsts), "different events were merged"


@pytest.mark.slow
def test_content_farm_copy_points_to_the_original(ingested: Storyline) -> None:
    ids = _ids(ingested)
    copy = next(n for n in ids if n.startswith("000_"))
    original = next(n for n in ids if n.startswith("002_"))
    rels = [r for r in ingested.relations(ids[copy]) if r.article == ids[copy]]
    assert [(r.original, r.kind in ("near_copy", "excerpt")) for r in rels] == [(ids[original], True)]
    assert rels[0].evidence
