"""Saving the clustering state to SQLite and continuing from it gives the same stories."""

from __future__ import annotations

from pathlib import Path

from stories_fixtures import load
from storyline.store import Store
from storyline.stories import StoryClusterer, persist, stream_order


def _ordered() -> list:
    _, items = load("ecbplus")
    _, translations = load("meantime")
    both = list(items) + list(translations)
    return [both[i] for i in stream_order(both)]


def test_save_restore_continue_equals_one_run(tmp_path: Path) -> None:
    items = _ordered()
    whole = StoryClusterer()
    whole.assign_many(items)

    store = Store(tmp_path / "s.db")
    part = StoryClusterer()
    part.assign_many(items[:30])
    persist.save(store, part)
    part.assign_many(items[30:60])
    second = persist.save(store, part)
    assert len(second.members) >= 30  # only what changed is written again
    assert len(second.stories) < len(part.stories)

    restored = persist.load(store)
    assert restored.clusters() == part.clusters()
    for item in items[60:]:
        restored.assign(item)
    assert restored.clusters() == whole.clusters()
    assert {a: restored.story_of(a) for a in restored.placed} == {a: whole.story_of(a) for a in whole.placed}


def test_rows_round_trip_without_a_database() -> None:
    items = _ordered()[:50]
    c = StoryClusterer()
    c.assign_many(items)
    rows = persist.take_changes(c)
    again = persist.from_rows(rows)
    assert again.clusters() == c.clusters()
    assert again.stats.docs == c.stats.docs
    assert again.stats.names == c.stats.names
    assert (again.stats.terms == c.stats.terms).all()
    assert again.names == c.names
    assert persist.take_changes(again).stories == []  # nothing changed since it was read
