"""Story clustering state as table rows, for SQLite: save what changed, restore exactly.

A restored clusterer continues exactly as the one that was saved: the same articles in the same
order then give the same stories. Only what cannot be recomputed is stored; the corpus counts
of names, numbers and years are sums over the stories, and the search index and the
name -> stories lookup are rebuilt from the stories when the state is read.

Tables (created by the store's migrations, `storyline.store.schema`; written and read by
`storyline.store.story_state`, all rows with ``INSERT OR REPLACE``):

* ``story_state``: one row per story: id, seq (arrival number of its first article, for "the
  older story keeps its id"), first/last publication date, number of copies, the float32 sums
  of the member embeddings (``head``, ``body``), the evidence counters as JSON, and the word
  vectors (``terms``: per language, uint32 ids then float32 weights).
* ``story_member``: article id -> story id and its position in the story.
* ``story_alias``: merged story id -> the story it went into.
* ``story_df``: word-frequency bucket -> number of articles (nonzero buckets only).
* ``story_meta``: seq, the originals awaited by earlier copies, the names too common to look
  stories up by.

`take_changes` returns the rows changed since the previous call (everything the first time), so a
running pipeline saves after each batch at a cost proportional to the batch. This module turns a
clusterer into rows and rows into a clusterer; the SQL is the store's.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from storyline.config import STORY_WINDOW_DAYS
from storyline.stories.cluster import StoryClusterer
from storyline.stories.model import StoryModels, load_models
from storyline.stories.state import CorpusStats, StoryState
from storyline.stories.terms import DF_MASK, TermVector
from storyline.types import StateRows, StoryRow

if TYPE_CHECKING:
    from storyline.store import Store


def _story_row(s: StoryState) -> StoryRow:
    langs = sorted(s.terms)
    evidence = {
        "names": s.names,
        "places": s.places,
        "people": s.people,
        "numbers": s.numbers,
        "years": s.years,
        "languages": s.languages,
        "terms": {lang: len(s.terms[lang]) for lang in langs},
    }
    blob = b"".join(
        s.terms[lang].ids.astype("<u4").tobytes() + s.terms[lang].weights.astype("<f4").tobytes()
        for lang in langs
    )
    return (
        s.id,
        s.seq,
        s.first,
        s.last,
        s.copies,
        s.head.astype("<f4").tobytes(),
        s.body.astype("<f4").tobytes(),
        json.dumps(evidence, ensure_ascii=False, sort_keys=True),
        blob,
    )


def _story_from_row(row: StoryRow, members: list[str]) -> StoryState:
    sid, seq, first, last, copies, head, body, evidence_json, blob = row
    ev: dict[str, Any] = json.loads(evidence_json)
    terms: dict[str, TermVector] = {}
    offset = 0
    for lang, n in ev["terms"].items():
        ids = np.frombuffer(blob, dtype="<u4", count=n, offset=offset).astype(np.uint32)
        offset += 4 * n
        weights = np.frombuffer(blob, dtype="<f4", count=n, offset=offset).astype(np.float32)
        offset += 4 * n
        terms[lang] = TermVector.of(ids, weights)
    return StoryState(
        id=sid,
        seq=int(seq),
        members=members,
        copies=int(copies),
        head=np.frombuffer(head, dtype="<f4").astype(np.float32),
        body=np.frombuffer(body, dtype="<f4").astype(np.float32),
        names=Counter(ev["names"]),
        places=Counter(ev["places"]),
        people=Counter(ev["people"]),
        numbers=Counter(ev["numbers"]),
        years=Counter(ev["years"]),
        terms=terms,
        languages=Counter(ev["languages"]),
        first=first,
        last=last,
    )


def take_changes(c: StoryClusterer) -> StateRows:
    """The rows changed since the previous call (all rows the first time), and reset the record."""
    rows = StateRows()
    saved = c.saved_members
    for sid in sorted(c.changed):
        story = c.stories.get(sid)
        if story is None:
            continue
        rows.stories.append(_story_row(story))
        start = saved.get(sid, 0)
        rows.members.extend((m, sid, i) for i, m in enumerate(story.members[start:], start))
        saved[sid] = len(story.members)
    for sid in sorted(c.gone):
        saved.pop(sid, None)
    rows.deleted = sorted(c.gone)
    rows.aliases = sorted(c.new_aliases.items())
    touched = c.stats.touched
    if touched is None:
        buckets = np.flatnonzero(c.stats.terms)
    else:
        buckets = np.unique(np.concatenate(touched)) if touched else np.zeros(0, dtype=np.int64)
    rows.df = [(int(b), int(c.stats.terms[b])) for b in buckets.tolist()]
    c.stats.touched = []
    rows.meta = [
        ("seq", json.dumps(c.seq)),
        ("awaited", json.dumps(c.awaited, sort_keys=True)),
        ("common_names", json.dumps(sorted(c.common_names), ensure_ascii=False)),
    ]
    c.changed = set()
    c.gone = set()
    c.new_aliases = {}
    return rows


def from_rows(
    rows: StateRows,
    models: StoryModels | None = None,
    window: float | None = STORY_WINDOW_DAYS,
    **kwargs: Any,
) -> StoryClusterer:
    """A clusterer that continues from saved rows (all rows, as read back from the tables).

    Args:
        rows: every row of the tables (`deleted` is ignored).
        models: the link models (default: the shipped ones).
        window: dormancy window in days, as when the state was made.
        kwargs: other `StoryClusterer` settings, as when the state was made.
    """
    members: dict[str, list[tuple[int, str]]] = {}
    for article, sid, pos in rows.members:
        members.setdefault(sid, []).append((pos, article))
    stories = {}
    for row in rows.stories:
        sid = row[0]
        stories[sid] = _story_from_row(row, [a for _, a in sorted(members.get(sid, []))])
    stats = CorpusStats()
    for s in stories.values():
        stats.docs += s.size
        stats.names.update(s.names)
        stats.numbers.update(s.numbers)
        stats.years.update(s.years)
    if rows.df:
        df = np.array(rows.df, dtype=np.int64)
        stats.terms[df[:, 0] & DF_MASK] = df[:, 1]
    meta = {k: json.loads(v) for k, v in rows.meta}
    common = set(meta.get("common_names", []))
    names: dict[str, set[str]] = {}
    for s in sorted(stories.values(), key=lambda s: s.seq):
        for name in s.names:
            if name not in common:
                names.setdefault(name, set()).add(s.id)
    placed = {m: s.id for s in stories.values() for m in s.members}
    c = StoryClusterer(
        models=models or load_models(),
        window=window,
        stats=stats,
        stories=stories,
        placed=placed,
        aliases=dict(rows.aliases),
        names=names,
        common_names=common,
        awaited=dict(meta.get("awaited", {})),
        seq=int(meta.get("seq", 0)),
        **kwargs,
    )
    c.changed = set()
    c.gone = set()
    c.new_aliases = {}
    c.saved_members = {sid: len(s.members) for sid, s in stories.items()}
    c.stats.touched = []
    return c


def save(store: Store, clusterer: StoryClusterer) -> StateRows:
    """Write what changed since the last save (everything the first time) in one transaction.

    Inside a larger transaction use `take_changes` and `Store.put_story_state` instead.
    """
    rows = take_changes(clusterer)
    with store.atomic():
        store.put_story_state(rows)
    return rows


def load(
    store: Store, models: StoryModels | None = None, window: float | None = STORY_WINDOW_DAYS, **kwargs: Any
) -> StoryClusterer:
    """A clusterer continuing from the state saved in the database (empty if none was)."""
    return from_rows(store.story_state(), models, window, **kwargs)
