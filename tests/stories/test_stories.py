"""Story clustering on real labelled data (committed excerpts of ECB+ and MEANTIME)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from stories_fixtures import bcubed, load
from storyline.stories import StoryClusterer, cluster_batch, stream_order
from storyline.stories.cluster import doc_vector
from storyline.stories.model import load_models


def _labels(name: str) -> tuple[list[dict], StoryClusterer]:
    records, items = load(name)
    return list(records), cluster_batch(list(items))


def test_ecbplus_similar_events_stay_apart() -> None:
    records, c = _labels("ecbplus")
    pred = [c.story_of(r["id"]) or "" for r in records]
    p, r, f = bcubed(pred, [r["gold"] for r in records])
    # Measured 0.824 / 0.804 / 0.814 on these four hard topics (two earthquakes on one island,
    # two in one county): a floor, not a target.
    assert f >= 0.79 and p >= 0.80, (p, r, f)
    # No story mixes topics, and the two bank explosions of topic 8 are never merged.
    by_story: dict[str, set[str]] = defaultdict(set)
    for rec, story in zip(records, pred, strict=True):
        by_story[story].add(rec["group"])
        if rec["group"] == "8":
            by_story[story].add(rec["gold"])
    assert all(len(groups - {"8_ecb", "8_ecbplus"}) == 1 for groups in by_story.values())
    assert not any({"8_ecb", "8_ecbplus"} <= groups for groups in by_story.values())


def test_meantime_translations_share_a_story() -> None:
    records, c = _labels("meantime")
    story_of_group: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        story_of_group[rec["gold"]].add(c.story_of(rec["id"]) or "")
    assert all(len(s) == 1 for s in story_of_group.values()), story_of_group
    # ... and different articles are not all lumped together.
    assert len({next(iter(s)) for s in story_of_group.values()}) >= 4


def test_batch_and_incremental_give_the_same_stories() -> None:
    _, items = load("ecbplus")
    ordered = [items[i] for i in stream_order(list(items))]
    batch = StoryClusterer()
    batch.assign_many(ordered, block=16)
    one_by_one = StoryClusterer()
    placements = [one_by_one.assign(item) for item in ordered]
    assert batch.clusters() == one_by_one.clusters()
    assert any(p.merged for p in placements), "this corpus exercises merges"


def test_candidates_are_ranked_by_search_score_and_share_the_floor() -> None:
    _, items = load("ecbplus")
    c = StoryClusterer()
    c.assign_many(items[:40])
    scored = c.score(items[40])
    cosines = [cand.cosine for cand in scored if not cand.dormant]
    assert cosines == sorted(cosines, reverse=True)
    assert all(cand.cosine >= load_models().candidate_floor for cand in scored)
    for cand in scored:
        story = c.stories[cand.story]
        expected = float(doc_vector(items[40]) @ (story.vector() / np.linalg.norm(story.vector())))
        assert cand.cosine == pytest.approx(expected, abs=1e-4)


def test_same_company_months_apart_is_not_one_story() -> None:
    """Two Apple reports seven months apart (a court ruling, a product event) are two stories.

    The first four English rows of the committed MEANTIME sample: four unrelated Wikinews
    reports, two of them about companies named Apple. With few articles, every shared word
    looks distinctive, and the ruling once joined the event's story.
    """
    import json
    from pathlib import Path

    from storyline.fingerprint.embed import get_encoder
    from storyline.nlp import mentions_many
    from storyline.stories import embedding_texts, make_item, mention_text

    path = Path(__file__).parents[1] / "data" / "clean" / "meantime_sample.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = [r for r in rows if r["lang"] == "en"][:4]
    assert [r["doc_id"].split("/")[0] for r in rows].count("corpus_apple") == 2
    texts = [embedding_texts(r["title"], r["text"]) for r in rows]
    vecs = get_encoder().encode([h for h, _ in texts] + [b for _, b in texts])
    found = mentions_many([(mention_text(r["title"], r["text"]), "en") for r in rows])
    items = [
        make_item(
            r["doc_id"],
            title=r["title"],
            text=r["text"],
            head=vecs[i],
            body=vecs[len(rows) + i],
            mentions=found[i],
            published=r["date"],
            language="en",
        )
        for i, r in enumerate(rows)
    ]
    c = cluster_batch([items[i] for i in stream_order(items)])
    assert len({c.story_of(r["doc_id"]) for r in rows}) == 4, c.clusters()
