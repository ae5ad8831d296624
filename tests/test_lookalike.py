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


@pytest.mark.slow
def test_why_says_in_plain_words_what_each_relation_and_story_rests_on(ingested: Storyline) -> None:
    from click.testing import CliRunner

    from storyline.cli import main

    ids = _ids(ingested)
    copy, original, earlier, spanish, later = (
        ids[next(n for n in ids if n.startswith(p))] for p in ("000_", "002_", "003_", "005_", "004_")
    )

    def why(a: str, b: str, *extra: str) -> str:
        done = CliRunner().invoke(main, ["--db", ingested.path, "why", *extra, a, b], env={"COLUMNS": "400"})
        assert done.exit_code == 0, done.output
        return done.output

    # The farm copy: how much of its text is the original's, its marker, why the other is the original.
    said = why(copy, original)
    assert f"{copy[:8]} is near copy: " in said or f"{copy[:8]} is excerpt: " in said
    assert "% of the copy's text appears in the original" in said or "% of the excerpt's text" in said
    assert 'the copy says "Source link"' in said
    assert f"A follows its original {original[:8]} into the story" in said
    # Both of one story: what they report, the names both give (in the texts' spelling).
    assert "stories: same story: both report “" in said
    shown = said.split("names both give: ")[1].split(";")[0].split(", ")
    texts = [ingested.article(x).text.casefold() for x in (copy, original)]
    assert len(shown) >= 3 and all(n.casefold() in t for n in shown for t in texts), shown
    # Features only on request.
    assert "jaccard_5gram" not in said and "aligned_cover" not in said
    assert "jaccard_5gram" in why(copy, original, "--verbose")
    # The translation: sentence by sentence, languages named.
    said = why(spanish, earlier)
    assert "translation (es of en): " in said and "of its sentences match the original's one to one" in said
    # A later report of the same event joined on its own evidence, with its join probability.
    placed = ingested.placement(later)
    assert placed is not None and placed["copy_of"] is None and not placed["started"]
    assert placed["probability"] >= 0.5 and placed["in_words"].startswith(
        "joined the story with join probability"
    )
    assert placed["names"], "the names it shares with its story"
