"""The parts of story clustering: evidence keys, word vectors, items, dates, models, decisions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stories_fixtures import load
from storyline.errors import ConfigError
from storyline.stories import StoryClusterer, StoryItem, embedding_texts, make_item, member_dates
from storyline.stories.cluster import story_id_for
from storyline.stories.evidence import name_keys, numbers_and_years
from storyline.stories.model import load_models
from storyline.stories.terms import TermVector, hash_counts, term_id
from storyline.types import Mention


def test_names_fold_case_accents_articles_and_give_surnames() -> None:
    text = "Mark Teixeira met the Angels in Zürich."
    mentions = [
        Mention("Mark Teixeira", "person", 0, 13),
        Mention("the Angels", "organisation", 18, 28),
        Mention("Zürich", "place", 32, 38),
    ]
    names = name_keys(mentions, title_end=len(text))
    assert names.all == {"mark teixeira", "teixeira", "angels", "zurich"}
    assert names.people == {"mark teixeira", "teixeira"}
    assert names.places == {"zurich"}
    assert names.title == names.all


def test_numbers_agree_across_separator_conventions() -> None:
    en, en_years = numbers_and_years("A 6.1 quake killed 40,000 people in 2008 at 7:35; $ 1,234.5 raised")
    es, es_years = numbers_and_years("Un sismo de 6,1 mató a 40.000 personas en 2008; 1.234,5 euros")
    assert {"6.1", "40000", "1234.5"} <= en
    assert {"6.1", "40000", "1234.5"} <= es
    assert en_years == es_years == {"2008"}
    assert "35" not in en and "7" not in en  # clock times and small counts are not evidence


def test_term_vectors_add_and_trim_to_the_heaviest_words() -> None:
    ids, tf = hash_counts({"quake": 3, "island": 1, "said": 5})
    assert list(ids) == sorted(ids)
    a = TermVector.of(ids, tf)
    assert a.cosine(a) == pytest.approx(1.0)
    b = TermVector.of(
        np.array(sorted([term_id("quake"), term_id("tsunami")]), dtype=np.uint32), np.ones(2, np.float32)
    )
    total = a.plus(b, keep=10)
    assert len(total) == 4
    assert total.dot(b) == pytest.approx(float(tf[list(ids).index(term_id("quake"))]) + 2.0)
    many = TermVector.of(np.arange(40, dtype=np.uint32), np.arange(40, dtype=np.float32))
    trimmed = many.plus(TermVector.of(np.array([100], np.uint32), np.array([0.5], np.float32)), keep=10)
    assert list(trimmed.ids) == list(range(30, 40))  # 41 > 3 x 10 words: the 10 heaviest stay


def _random_vector(rng: np.random.Generator, size: int, pool: np.ndarray) -> TermVector:
    ids = np.unique(rng.choice(pool, size=size))
    return TermVector.of(ids, rng.gamma(1.0, 2.0, size=ids.size).astype(np.float32))


def test_term_vectors_add_and_match_in_c_exactly_as_in_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.stories import terms

    if terms.native is None:
        pytest.skip("installed without the C helpers")
    rng = np.random.default_rng(7)
    pool = rng.integers(0, 2**32, size=3000, dtype=np.uint32)
    pairs = [
        (
            _random_vector(rng, int(rng.integers(0, 900)), pool),
            _random_vector(rng, int(rng.integers(0, 200)), pool),
        )
        for _ in range(300)
    ]
    pairs.append((_random_vector(rng, 5, np.array([0, 2**32 - 1], np.uint32)), _random_vector(rng, 3, pool)))

    def run() -> list[tuple[bytes, bytes, float, float]]:
        out = []
        for a, b in pairs:
            total = a.plus(b, keep=300)
            out.append((total.ids.tobytes(), total.weights.tobytes(), total.norm2, a.dot(b)))
            assert b.dot(a) == out[-1][3]
        return out

    with_c = run()
    monkeypatch.setattr(terms, "native", None)
    assert run() == with_c


def test_the_c_helpers_refuse_arrays_of_another_type() -> None:
    from storyline.stories import terms

    if terms.native is None:
        pytest.skip("installed without the C helpers")
    ids = np.arange(3, dtype=np.uint32)
    w = np.ones(3, dtype=np.float32)
    out_ids, out_w = np.empty(6, np.uint32), np.empty(6, np.float32)
    assert terms.native.merge_add(ids, w, ids + 1, w, out_ids, out_w) == 4
    assert out_ids[:4].tolist() == [0, 1, 2, 3] and out_w[:4].tolist() == [1.0, 2.0, 2.0, 1.0]
    with pytest.raises(TypeError, match="a_ids: expected an array of uint32"):
        terms.native.merge_add(ids.astype(np.int64), w, ids, w, out_ids, out_w)
    with pytest.raises(TypeError, match="b_weights: expected an array of float32"):
        terms.native.merge_add(ids, w, ids, w.astype(np.float64), out_ids, out_w)
    with pytest.raises(ValueError, match="too short"):
        terms.native.merge_add(ids, w, ids, w, out_ids[:5], out_w)
    with pytest.raises(ValueError, match="not C-contiguous"):
        terms.native.matched(ids, w, ids, w, out_w[::2], out_w[1::2])


def test_word_counts_add_one_per_distinct_bucket_in_c_as_in_numpy() -> None:
    from storyline.stories import terms

    if terms.native is None:
        pytest.skip("installed without the C helpers")
    table = np.zeros(16, dtype=np.int32)
    terms.count_once(table, np.array([3, 5, 3, 15], dtype=np.int64))
    expected = np.zeros(16, dtype=np.int32)
    expected[np.array([3, 5, 3, 15])] += 1
    assert table.tolist() == expected.tolist() and table[3] == 1
    with pytest.raises(IndexError, match="bucket 16 outside a table of 16"):
        terms.native.count_once(table, np.array([1, 16], dtype=np.int64))
    assert table.tolist() == expected.tolist()  # nothing written when a bucket is out of range
    with pytest.raises(TypeError, match="buckets: expected an array of int64"):
        terms.native.count_once(table, np.array([1], dtype=np.int32))
    with pytest.raises(ValueError, match="read-only"):
        terms.native.count_once(np.frombuffer(bytes(64), dtype=np.int32), np.array([1], dtype=np.int64))
    with pytest.raises(TypeError, match=r"count_once\(\) takes 2 arrays \(1 given\)"):
        terms.native.count_once(table)


def test_embedding_texts_are_title_plus_lead_and_body_start() -> None:
    body = " ".join(f"w{i}" for i in range(400))
    head, text = embedding_texts("A headline", body)
    assert head.startswith("A headline\nw0 w1") and head.split()[-1] == "w59"
    assert text.split()[-1] == "w249"


def test_names_without_a_tagger_have_no_kind() -> None:
    mentions = [Mention("Airbus", "place", 0, 6)]
    vec = np.ones(4, dtype=np.float32)
    en = make_item("a", title=None, text="Airbus x", head=vec, body=vec, mentions=mentions, language="en")
    nl = make_item("b", title=None, text="Airbus x", head=vec, body=vec, mentions=mentions, language="nl")
    assert en.places == {"airbus"}
    assert nl.places == frozenset() and nl.names == {"airbus"}
    assert float(np.linalg.norm(en.head)) == pytest.approx(1.0)


def test_member_dates_come_from_duplicates_then_the_story_never_invented() -> None:
    dates = member_dates(
        [
            ("orig", "2022-09-13", None),
            ("copy", None, "orig"),
            ("sibling", None, "orig"),
            ("other", "2022-09-10T08:00", None),
            ("lone", None, None),
        ]
    )
    assert dates["orig"].source == "published"
    assert (dates["copy"].date, dates["copy"].source) == ("2022-09-13", "duplicate")
    assert dates["sibling"].source == "duplicate"
    assert (dates["lone"].date, dates["lone"].source) == ("2022-09-10", "story")
    assert member_dates([("x", None, None)])["x"].source == "unknown"


def test_models_refuse_files_fitted_for_other_features(tmp_path: Path) -> None:
    shipped = json.loads(load_models().to_json())
    shipped["join"]["features"] = [*shipped["join"]["features"][:-1], "something_else"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(shipped))
    with pytest.raises(ConfigError, match="refit"):
        load_models(path)
    with pytest.raises(ConfigError, match="not a story link model"):
        load_models(tmp_path / "missing.json")


def _copy(item: StoryItem, new_id: str, original: str | None) -> StoryItem:
    from dataclasses import replace

    return replace(item, id=new_id, original=original)


def test_copies_join_their_original_whichever_comes_first() -> None:
    _, items = load("ecbplus")
    a, b = items[0], items[40]  # different topics
    c = StoryClusterer()
    c.assign(a)
    p = c.assign(_copy(b, "copy-of-a", a.id))  # content of another event: the relation decides
    assert (p.kind, p.story) == ("duplicate", story_id_for(a.id))
    # The copy arrives before its original: the original joins the copy's story.
    d = StoryClusterer()
    first = d.assign(_copy(a, "early-copy", "late-original"))
    late = d.assign(_copy(b, "late-original", None))
    assert late.kind == "duplicate" and late.story == first.story


def test_a_merge_keeps_the_older_story_id() -> None:
    _, items = load("ecbplus")
    c = StoryClusterer()
    c.place(items[0], None)
    c.place(items[1], None)
    kept = c.merge(story_id_for(items[1].id), story_id_for(items[0].id))
    assert kept == story_id_for(items[0].id)
    assert c.story_of(items[1].id) == kept
    assert c.resolve(story_id_for(items[1].id)) == kept
    assert c.stories[kept].members == [items[0].id, items[1].id]


def test_a_story_goes_dormant_but_its_names_find_it_again() -> None:
    _, items = load("ecbplus")
    from dataclasses import replace

    base = items[0]
    c = StoryClusterer()
    c.assign(replace(base, published="2020-01-01"))
    # The same report half a year later: the story is dormant, found again through its names,
    # and joined on the evidence.
    later = c.score(replace(base, id="later", published="2020-07-01"))
    assert later and all(cand.dormant for cand in later)
    assert later[0].probability >= c.dormant_threshold
    strict = StoryClusterer(dormant_threshold=1.0)
    strict.assign(replace(base, published="2020-01-01"))
    assert strict.assign(replace(base, id="later", published="2020-07-01")).kind == "new"
    # Without shared names, a dormant story is not a candidate at all.
    anonymous = replace(base, id="anon", published="2020-07-01", names=frozenset())
    assert c.score(anonymous) == []
    # An undated article has no date to be late by: the story is live for it.
    assert [cand.dormant for cand in c.score(replace(base, id="undated", published=None))] == [False]


def test_placing_twice_is_an_error() -> None:
    _, items = load("ecbplus")
    c = StoryClusterer()
    c.assign(items[0])
    with pytest.raises(ValueError, match="already placed"):
        c.assign(items[0])
