"""Translations and rewrites through the ingest pipeline, with the bundled encoder (slow: loads it)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from storyline.api import Storyline
from storyline.config import Config
from storyline.dedup.anchors import Anchors, multiset_jaccard, numbers
from storyline.dedup.sentences import split_sentences


def test_sentences_and_anchors_survive_translation() -> None:
    assert split_sentences('Mr. Smith left. He said "no." Then J. Doe came! Am 5. August war es.') == [
        "Mr. Smith left.",
        'He said "no."',
        "Then J. Doe came!",
        "Am 5. August war es.",
    ]
    assert split_sentences("東京で会議があった。大臣が出席した。") == [
        "東京で会議があった。",
        "大臣が出席した。",
    ]
    assert numbers("6,000 km and 6.000 km and 6 000 km, 20,5 %") == ["6000", "6000", "6000", "20.5"]
    en = Anchors.of("President Zelensky said Ukraine retook 6,000 square kilometres near Izium.")
    ru = Anchors.of("Президент Зеленский заявил, что Украина вернула 6000 квадратных километров у Изюма.")
    assert multiset_jaccard(en.numbers, ru.numbers) == 1.0
    assert {"zele", "izi"} & set(ru.names) and multiset_jaccard(en.names, ru.names) > 0


@pytest.mark.slow
def test_four_languages_form_one_group_each(tmp_path: Path, data: Path) -> None:
    rows = [json.loads(line) for line in (data / "dedup/meantime_translations.jsonl").open(encoding="utf-8")]
    with Storyline(tmp_path / "t.db", config=Config()) as sl:
        # Two batches: the index built by the first must serve the second.
        sl.ingest_records(rows[:8])
        sl.ingest_records(rows[8:])
        by_ext = {a.external_id: a for a in sl.store.iter_articles()}
        group = {a.id: a.id for a in by_ext.values()}
        for r in sl.relations():
            group[r.article] = r.original
            assert r.kind == "translation"
            assert r.evidence["link"]["found_by"] in ("embedding neighbours", "anchor lsh", "group")
        for x, y in itertools.combinations(rows, 2):
            same = group[by_ext[x["id"]].id] == group[by_ext[y["id"]].id]
            assert same == (x["wikinews_id"] == y["wikinews_id"]), (x["id"], y["id"])
        # The explanation of a translation names it, with the alignment evidence.
        en, es = by_ext["1173-en"], by_ext["1173-es"]
        why = sl.why(es.id, en.id)
        assert "translation" in why.verdict or "same duplicate group" in why.verdict
        assert why.scores["same_article_probability"] >= 0.9
        assert why.scores["aligned_share"] > 0.8
        assert [g.original.id for g in sl.dupes() if len(g.members) == 3]
