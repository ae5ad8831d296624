"""The fast paths of story clustering decide exactly as the plain definitions do.

Join features are computed for all candidates of an article at once, and `assign_many` compares
articles with the stories in blocks; both must give the numbers and the stories that the
per-candidate definitions and one-by-one placement give.
"""

from __future__ import annotations

import math

import pytest

from stories_fixtures import load
from storyline.stories import StoryClusterer, StoryItem, stream_order
from storyline.stories import cluster as cluster_module
from storyline.stories.cluster import Candidate
from storyline.stories.features import (
    JOIN_FEATURES,
    TIME_FEATURES,
    ArticleEvidence,
    coverage,
    day_gap,
    presence,
    time_evidence,
)
from storyline.stories.state import CorpusStats, StoryState


def _ordered() -> list[StoryItem]:
    _, items = load("ecbplus")
    return [items[i] for i in stream_order(list(items))]


def _core_coverage(ev: ArticleEvidence, story: StoryState, stats: CorpusStats) -> float:
    """The definition of the ``core_names`` feature, written out: names in half the members or more."""
    if not ev.names:
        return 0.0
    num = den = 0.0
    for key in [k for k, c in story.names.items() if c >= story.size / 2.0]:
        w = stats.idf(stats.names, key)
        den += w
        if key in ev.names:
            num += w
    return 2.0 * num / den - 1.0 if den > 0 else 0.0


def test_join_features_equal_the_per_candidate_definitions() -> None:
    c = StoryClusterer()
    checked = 0

    def check(item: StoryItem, scored: list[Candidate]) -> None:
        nonlocal checked
        if not scored:
            return
        ev = c._evidence
        assert ev is not None and ev.item is item
        for cand in scored:
            s = c.stories[cand.story]
            words = s.terms.get(item.language or "")
            expected = {
                "names": coverage(ev.names, s.names, s.size),
                "core_names": _core_coverage(ev, s, c.stats),
                "places": coverage(ev.places, s.places, s.size),
                "people": coverage(ev.people, s.people, s.size),
                "title_names": coverage(ev.title_names, s.names, s.size),
                "numbers": coverage(ev.numbers, s.numbers, s.size),
                "years": coverage(ev.years, s.years, s.size),
                "terms": ev.words.cosine(words) if words is not None else 0.0,
                "names_any": presence(ev.names, s.names),
                "people_any": presence(ev.people, s.people),
                "size": math.log(s.size),
                **dict(
                    zip(TIME_FEATURES, time_evidence(day_gap(item.published, s.first, s.last)), strict=True)
                ),
            }
            for name, value in expected.items():
                # Bit for bit: the same sums in the same order.
                assert cand.features[JOIN_FEATURES.index(name)] == value, (item.id, cand.story, name)
            checked += 1

    c.on_scored = check
    c.assign_many(_ordered())
    assert checked > 200, "this corpus exercises many candidates"


def test_blocks_of_any_size_give_the_stories_of_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    ordered = _ordered()
    assert sum(1 for it in ordered if not it.published) > 20, "undated articles take the wide path"
    one_by_one = StoryClusterer()
    for item in ordered:
        one_by_one.assign(item)
    default = StoryClusterer()
    default.assign_many(ordered)
    # Small blocks: many block and wide-block boundaries, stories changed within each.
    monkeypatch.setattr(cluster_module, "WIDE_BLOCK", 40)
    small = StoryClusterer()
    small.assign_many(ordered, block=7)
    assert default.clusters() == one_by_one.clusters()
    assert small.clusters() == one_by_one.clusters()
