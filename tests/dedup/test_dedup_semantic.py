"""Translations and rewrites through the ingest pipeline, with the bundled encoder (slow: loads it)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from storyline.api import Storyline
from storyline.config import Config
from storyline.dedup.anchors import Anchors, multiset_jaccard, numbers
from storyline.dedup.semantic import align, beyond_chance, chance_chain, text_cover
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


def test_chance_alignment_matches_unrelated_sentences() -> None:
    # Unrelated sentence lists (random unit vectors) align by chance about as `chance_chain` says,
    # and that share is large for short articles: a third of two 8- and 9-sentence lists.
    rng = np.random.default_rng(7)
    for n, m in ((3, 5), (8, 9), (12, 30), (40, 40)):
        chains = []
        for _ in range(200):
            va, vb = rng.normal(size=(n, 32)), rng.normal(size=(m, 32))
            va /= np.linalg.norm(va, axis=1, keepdims=True)
            vb /= np.linalg.norm(vb, axis=1, keepdims=True)
            chains.append(len(align(va, vb).pairs))
        assert abs(float(np.mean(chains)) - chance_chain(n, m)) < 0.3, (n, m, np.mean(chains))
    assert chance_chain(8, 9) / 9 > 0.25
    # Beyond chance: 0 at the chance level, 1 when every sentence of the shorter list is aligned.
    assert beyond_chance(round(chance_chain(10, 12)), 10, 12) < 0.05
    assert beyond_chance(10, 10, 12) == 1.0
    assert beyond_chance(5, 10, 10) < 0.5
    # Text: the smaller share of either article's characters in aligned sentences.
    la, lb = np.array([100.0, 100.0, 200.0]), np.array([300.0, 100.0])
    assert text_cover([(0, 0), (2, 1)], la, lb) == 0.75
    assert text_cover([], la, lb) == 0.0


def _groups(sl: Storyline) -> dict[str, str]:
    """The group (its original's id) of each article, by external id."""
    arts = list(sl.store.iter_articles())
    group = {a.id: a.id for a in arts}
    for r in sl.relations():
        group[r.article] = r.original
    return {str(a.external_id): group[a.id] for a in arts}


@pytest.mark.slow
def test_related_articles_are_not_translations(tmp_path: Path, data: Path) -> None:
    # Two pairs of different MEANTIME articles on related events, each with a translation. One
    # pair shares four sentences of index figures word for word (and most of its numbers), the
    # other the names, the year and the length; either way, most sentences have no counterpart.
    rows = [json.loads(line) for line in (data / "dedup/meantime_related.jsonl").open(encoding="utf-8")]
    with Storyline(tmp_path / "t.db", config=Config()) as sl:
        sl.ingest_records(rows)
        group = _groups(sl)
        for x, y in itertools.combinations(rows, 2):
            same = group[x["id"]] == group[y["id"]]
            assert same == (x["wikinews_id"] == y["wikinews_id"]), (x["id"], y["id"])
        # The explanation of a related pair says what is missing.
        by_ext = {a.external_id: a for a in sl.store.iter_articles()}
        why = sl.why(by_ext["113219-en"].id, by_ext["113227-it"].id)
        assert why.verdict.startswith("not duplicates")
        assert min(why.scores["beyond_chance"], why.scores["text_cover"]) < 0.5
        why = sl.why(by_ext["113219-it"].id, by_ext["113219-en"].id)
        assert min(why.scores["beyond_chance"], why.scores["text_cover"]) >= 0.5


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
