"""Candidate stories for an article: the live stories whose mean embedding is closest.

A story is *live* for an article dated D when it had a report within `window` days of D (a
story goes dormant when reports stop, but one that keeps getting them stays live), or when the
story has no dated member. Every story is live for an undated article: without its date there
is no evidence either way (and a collection whose undated articles differ from its dated ones
must not teach otherwise). Dormant stories are not searched here; the clusterer finds them again
through the distinctive names they share with an article.

Search is exact, so results do not depend on how the state was built and batch and incremental
runs agree. It stays cheap because a stream in date order only ever compares with its *hot*
stories (reported in the last ``window + LATE_DAYS`` days), kept in one float32 matrix; `prepare`
compares a whole block of articles with it in one matrix product, and a story that changes
within the block is compared again with the block's articles still to come. Articles older than the hot window (late
arrivals) and undated articles are compared with every story: exactly up to `exact_limit`
stories, beyond that through an HNSW graph (usearch) over the stories that left the hot set,
kept in step lazily.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from functools import lru_cache
from typing import Any, Final

import numpy as np

from storyline.config import STORY_WINDOW_DAYS

# An article dated more than this many days before the newest one seen is *late*: it is compared
# with every story instead of the hot ones. Feeds deliver reports within hours to a day or two
# of publication, so in a stream few articles are late.
LATE_DAYS: Final = 3
# Up to this many stories, a late or undated article is compared exactly with every one; beyond
# it the cold stories are searched in an HNSW graph. The graph costs ~0.5 ms of CPU to add each
# story that goes cold, and every story does once (a news stream starts ~0.25 stories per
# article): ~100 us per article, from the moment it is first needed. Exact comparison costs one
# article alone 8 ms at 50,000 stories (50,000 x 512 float32, 100 MB read once), and the undated
# articles of a stretch compared at once (`prepare_wide`: 3% of a feed) under 50 us per article.
EXACT_LIMIT: Final = 50_000
NO_DAY: Final = -1  # the day number of an unknown date
# Up to this many stories above the cosine floor, a search checks them one by one in Python
# (under 1 us each); beyond, with a dozen array operations (about 1 us each, whatever the size).
_FEW: Final = 16


@lru_cache(maxsize=1)
def _blas() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run BLAS single-threaded inside the block.

    The products here are small (64 queries x a few thousand stories); a multi-threaded BLAS
    spends more on waking and syncing threads than on the product, and on a busy machine it was
    measured three times slower than one thread.
    """
    controller = _blas()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


# Dates already parsed by `day_number`. A plain dict rather than `functools.lru_cache`: compiled
# (see setup.py) a lookup here costs a fraction of a call through the cache's wrapper, and it is
# made about ten times per article. Emptied when full (4,096 dates: eleven years of days).
_DAYS: dict[str, int] = {}
_DAYS_KEPT: Final = 4096


def day_number(day: str | None) -> int:
    """Proleptic ordinal of an ISO date (``YYYY-MM-DD...``), or -1 when unknown."""
    if not day:
        return NO_DAY
    n = _DAYS.get(day)
    if n is None:
        if len(_DAYS) >= _DAYS_KEPT:
            _DAYS.clear()
        n = _DAYS[day] = date.fromisoformat(day[:10]).toordinal()
    return n


class StoryIndex:
    """Mean embeddings of stories, searchable by cosine among the stories live at a date.

    Args:
        dim: embedding dimension.
        window: days after which a story without new reports goes dormant; None for never.
        exact_limit: number of stories up to which late articles are searched exactly.
    """

    def __init__(
        self, dim: int, window: float | None = STORY_WINDOW_DAYS, exact_limit: int = EXACT_LIMIT
    ) -> None:
        self.dim = dim
        self.window = window
        self.exact_limit = exact_limit
        self.now = NO_DAY  # the latest publication day seen
        # every story, by slot (creation order)
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._vec = np.zeros((1024, dim), dtype=np.float32)
        self._first = np.full(1024, NO_DAY, dtype=np.int32)
        self._last = np.full(1024, NO_DAY, dtype=np.int32)
        self._alive = np.zeros(1024, dtype=bool)
        # `_first` and `_last` as lists too: read one story at a time (dormancy tests), a list
        # item costs a fifth of an array element.
        self._first_day: list[int] = []
        self._last_day: list[int] = []
        # the hot stories, in rows of a compact float32 matrix
        self._hot = np.zeros((256, dim), dtype=np.float32)
        self._hot_slot = np.zeros(256, dtype=np.int64)
        self._hot_first = np.zeros(256, dtype=np.int32)
        self._hot_last = np.zeros(256, dtype=np.int32)
        self._hot_alive = np.zeros(256, dtype=bool)
        self._hot_n = 0
        self._row: dict[int, int] = {}
        self._evicted_at = NO_DAY
        # a block of queries compared at once (`prepare`)
        self._block: np.ndarray | None = None
        self._block_n = 0
        self._queries = np.zeros((0, dim), dtype=np.float32)
        self._searched = -1  # the last row of the block searched so far
        # The next block's product, computed on a second thread while this block is placed
        # (see `prepare`): its queries, the future result, and for each current hot row its
        # column in that result (rows appended since have none); `_dirty` holds the slots of
        # stories whose vector changed since the product started.
        self._ahead: tuple[np.ndarray, Future[np.ndarray]] | None = None
        self._ahead_cols = np.zeros(0, dtype=np.int64)
        self._ahead_kept = True
        self._dirty: set[int] = set()
        self._pool: ThreadPoolExecutor | None = None
        # The same for the next stretch's undated articles (`prepare_wide`), against every story;
        # `_wide_ahead_changed` holds the slots put since its product started.
        self._wide_ahead: tuple[np.ndarray, Future[np.ndarray]] | None = None
        self._wide_ahead_n = 0
        self._wide_ahead_changed: set[int] = set()
        # undated articles of a longer stretch compared with every story at once (`prepare_wide`)
        self._wide: np.ndarray | None = None
        self._wide_n = 0
        self._wide_changed: set[int] = set()
        self.wide_row: int | None = None  # the next query's row in `prepare_wide`'s vectors
        # the HNSW graph of cold stories, built on first need
        self._ann: Any = None  # usearch.index.Index
        self._ann_keys: set[int] = set()
        self._ann_todo: set[int] = set()

    def __len__(self) -> int:
        return len(self._slot)

    @property
    def _span(self) -> int:
        # Stories whose last report is within this many days of `now` are hot: a query that is
        # not late can then only reach hot stories.
        return int(self.window) + LATE_DAYS if self.window is not None else 0

    # -- updates ---------------------------------------------------------------------------------

    def put(self, story: str, vector: np.ndarray, first: str | None, last: str | None) -> None:
        """Add a story or update its mean embedding (any norm) and date span."""
        slot = self._slot.get(story)
        if slot is None:
            slot = len(self._ids)
            if slot >= self._vec.shape[0]:
                self._grow_all()
            self._ids.append(story)
            self._slot[story] = slot
            self._alive[slot] = True
            self._first_day.append(NO_DAY)
            self._last_day.append(NO_DAY)
        v = np.asarray(vector, dtype=np.float32)
        # The norm only divides float32 numbers, so it is taken as float32 again: the same as
        # numpy's float32 square root (a double square root rounded to float32 is exact).
        norm = math.sqrt(v @ v)
        row = self._vec[slot]
        if norm > 0:
            np.divide(v, norm, out=row)  # `v / norm`, written in place
        else:
            row[...] = v
        v = row
        if self._wide is not None and slot < self._wide_n:
            self._wide_changed.add(slot)
        if self._wide_ahead is not None and slot < self._wide_ahead_n:
            self._wide_ahead_changed.add(slot)
        self._first[slot] = self._first_day[slot] = fday = day_number(first)
        self._last[slot] = self._last_day[slot] = lday = day_number(last)
        if lday > self.now:
            self.now = lday
        if self._is_hot(lday):
            self._hot_put(slot, v, fday, lday)
        else:
            self._hot_drop(slot)
            self._ann_todo.add(slot)

    def remove(self, story: str) -> None:
        """Forget a story (merged into another)."""
        slot = self._slot.pop(story, None)
        if slot is None:
            return
        self._alive[slot] = False
        self._hot_drop(slot)
        self._ann_todo.add(slot)

    def _is_hot(self, last: int) -> bool:
        return self.window is None or last == NO_DAY or self.now == NO_DAY or last >= self.now - self._span

    def _grow_all(self) -> None:
        n = self._vec.shape[0]
        cap = 2 * n
        # Zeroed memory comes from the OS untouched: only the rows in use are copied.
        vec = np.zeros((cap, self.dim), dtype=np.float32)
        vec[:n] = self._vec
        self._vec = vec
        self._first = np.concatenate([self._first, np.full(cap // 2, NO_DAY, dtype=np.int32)])
        self._last = np.concatenate([self._last, np.full(cap // 2, NO_DAY, dtype=np.int32)])
        self._alive = np.concatenate([self._alive, np.zeros(cap // 2, dtype=bool)])

    def _hot_put(self, slot: int, v: np.ndarray, first: int, last: int) -> None:
        row = self._row.get(slot)
        if row is None:
            row = self._hot_n
            if row >= self._hot.shape[0]:
                n = self._hot.shape[0]
                self._hot = np.concatenate([self._hot, np.zeros_like(self._hot)])
                for name in ("_hot_slot", "_hot_first", "_hot_last", "_hot_alive"):
                    arr = getattr(self, name)
                    setattr(self, name, np.concatenate([arr, np.zeros(n, dtype=arr.dtype)]))
            self._hot_n += 1
            self._row[slot] = row
            self._hot_slot[row] = slot
            self._hot_alive[row] = True
            if slot in self._ann_keys:
                self._ann_todo.add(slot)  # back from the cold: leave the graph
        self._hot[row] = v
        self._hot_first[row] = first
        self._hot_last[row] = last
        if self._ahead is not None:
            self._dirty.add(slot)
        block = self._block
        if block is not None and row < self._block_n:
            # Keep the block current for the queries still to come: one product per change,
            # instead of each later query gathering and recomputing every changed row.
            after = self._searched + 1
            if after < block.shape[0]:
                block[after:, row] = self._queries[after:] @ v

    def _hot_drop(self, slot: int) -> None:
        row = self._row.pop(slot, None)
        if row is not None:
            self._hot_alive[row] = False

    def _compact(self) -> None:
        """Evict stories that went cold and close the gaps (never inside a block)."""
        if self._block is not None:
            return
        n = self._hot_n
        if self.window is not None and self.now != NO_DAY and self.now != self._evicted_at:
            last = self._hot_last[:n]
            cold = self._hot_alive[:n] & (last != NO_DAY) & (last < self.now - self._span)
            for row in np.flatnonzero(cold).tolist():
                slot = int(self._hot_slot[row])
                del self._row[slot]
                self._hot_alive[row] = False
                self._ann_todo.add(slot)
            self._evicted_at = self.now
        live = np.flatnonzero(self._hot_alive[:n])
        if live.size >= 0.9 * n:
            # Dead rows are skipped by every search; closing the gaps costs a copy of the
            # matrix, done once a tenth of it is dead.
            return
        k = live.size
        if self._ahead is not None:
            # The next block's product reads the rows about to move: let it finish first, and
            # follow the rows to their new places.
            self._ahead[1].result()
            cols = self._ahead_cols
            self._ahead_cols = cols[live[live < cols.size]]
            self._ahead_kept = False
        self._hot[:k] = self._hot[live]
        for name in ("_hot_slot", "_hot_first", "_hot_last", "_hot_alive"):
            arr = getattr(self, name)
            arr[:k] = arr[live]
        self._hot_alive[k:n] = False
        self._hot_n = k
        self._row = {int(s): r for r, s in enumerate(self._hot_slot[:k].tolist())}

    # -- search ----------------------------------------------------------------------------------

    def prepare(self, vectors: np.ndarray, upcoming: np.ndarray | None = None) -> None:
        """Compare a block of query vectors with the hot stories at once (see `search`'s `row`).

        Args:
            vectors: the block's queries.
            upcoming: the next block's queries, if known: their product with the hot stories is
                computed on a second thread meanwhile (numpy releases the interpreter lock for
                it), and the next `prepare` recomputes only the stories changed in between.
        """
        self._block = None
        self._compact()
        n = self._hot_n
        self._queries = queries = np.ascontiguousarray(vectors, dtype=np.float32)
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0].shape == queries.shape and np.array_equal(ahead[0], queries):
            self._block = self._from_ahead(queries, ahead[1].result(), n)
        else:
            if ahead is not None:
                ahead[1].result()
            self._block = queries @ self._hot[:n].T
        self._block_n = n
        self._searched = -1
        if upcoming is not None and len(upcoming):
            nxt = np.ascontiguousarray(upcoming, dtype=np.float32)
            # A view of the rows as they are now: rows written meanwhile are recomputed.
            self._ahead = (nxt, self._background(np.matmul, nxt, self._hot[:n].T))
            self._ahead_cols = np.arange(n, dtype=np.int64)
            self._ahead_kept = True  # rows still where they were: columns need no reordering
            self._dirty = set()

    def _from_ahead(self, queries: np.ndarray, done: np.ndarray, n: int) -> np.ndarray:
        """The block's products from the one computed ahead, with changed and new stories redone."""
        cols = self._ahead_cols
        m = cols.size
        if m == n and self._ahead_kept:
            block = done  # no row moved or was appended: the result as it is
        else:
            block = np.empty((queries.shape[0], n), dtype=np.float32)
            block[:, :m] = done[:, :m] if self._ahead_kept else done[:, cols]
        row_of = self._row
        redo = sorted({r for s in self._dirty if (r := row_of.get(s)) is not None and r < m})
        redo += range(m, n)
        self._dirty = set()
        if redo:
            take = np.array(redo, dtype=np.int64)
            block[:, take] = queries @ self._hot[take].T
        return block

    def prepare_wide(self, vectors: np.ndarray, upcoming: np.ndarray | None = None) -> None:
        """Compare articles that will search every story (undated ones) with all stories at once.

        An undated article is compared with every story, exactly up to `exact_limit` stories: a
        pass over the whole matrix for each. Done here for the undated articles of a longer
        stretch of the stream in one matrix product, each of them later only recomputes the
        stories changed since (see `wide_row`). End with `finish_wide`.

        Args:
            vectors: the stretch's undated articles.
            upcoming: the next stretch's, if known: their product is computed on a second thread
                meanwhile, as `prepare` does for blocks.
        """
        self._wide = None
        ahead, self._wide_ahead = self._wide_ahead, None
        if ahead is not None and (
            len(self._slot) > self.exact_limit or not np.array_equal(ahead[0], vectors)
        ):
            ahead[1].result()
            ahead = None
        if len(self._slot) <= self.exact_limit and len(vectors):
            if ahead is not None:
                # Stories put since the product started are recomputed by `_search_all`, as are
                # those created after it (beyond `_wide_n`).
                self._wide = ahead[1].result()
                self._wide_n = self._wide.shape[1]
                self._wide_changed = self._wide_ahead_changed
            else:
                total = len(self._ids)
                self._wide = np.asarray(vectors, dtype=np.float32) @ self._vec[:total].T
                self._wide_n = total
                self._wide_changed = set()
        if upcoming is not None and len(upcoming) and len(self._slot) <= self.exact_limit:
            nxt = np.ascontiguousarray(upcoming, dtype=np.float32)
            total = len(self._ids)
            self._wide_ahead = (nxt, self._background(np.matmul, nxt, self._vec[:total].T))
            self._wide_ahead_n = total
            self._wide_ahead_changed = set()

    def _background(self, fn: Callable[..., np.ndarray], *args: Any) -> Future[np.ndarray]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="story-search")
        return self._pool.submit(fn, *args)

    def finish_wide(self) -> None:
        """End the stretch started by `prepare_wide`."""
        self._wide = None
        self._wide_changed = set()
        self.wide_row = None

    def finish(self) -> None:
        """End the block started by `prepare`."""
        self._block = None
        self._queries = self._queries[:0]
        self._compact()

    def live(self, story: str, day: str | None) -> bool:
        """Whether the story is live for an article of that date."""
        lo, hi = self.live_span(day)
        slot = self._slot[story]
        last = self._last_day[slot]
        return last == NO_DAY or (last >= lo and self._first_day[slot] <= hi)

    def live_span(self, day: str | None) -> tuple[int, int]:
        """The days (lo, hi) between which a story must have reports to be live for an article of that date.

        A dated story is dormant for the article when its last report is before `lo` or its first
        after `hi`; an undated article (or no window) gets a span that holds every story.
        """
        d = day_number(day)
        if d == NO_DAY or self.window is None:
            return -(1 << 40), 1 << 40
        w = int(self.window)
        return d - w, d + w

    def slot_days(self) -> tuple[dict[str, int], list[int], list[int]]:
        """Each story's slot, and the first and last report day by slot (`NO_DAY`: undated).

        Slots number the stories in the order they were first put, the order of their arrival.
        The lists are the index's own, for reading many stories in a loop: do not change them.
        """
        return self._slot, self._first_day, self._last_day

    def slot_cosines(self, slots: list[int], vector: np.ndarray) -> list[float]:
        """Cosines of a unit vector with the mean embeddings of stories by slot (one product)."""
        if not slots:
            return []
        # An index array gathers faster than a list (numpy converts the list element by element).
        return (self._vec[np.array(slots)] @ np.asarray(vector, dtype=np.float32)).tolist()

    def recent_day(self, day: str | None) -> int:
        """The day from which a story's last report makes it live for an article of that date.

        A late article gets a day after any story (nothing counts as recent); for an undated one
        every story is live.
        """
        d = day_number(day)
        if d == NO_DAY or self.window is None:
            return -(1 << 30)
        if self.now != NO_DAY and d < self.now - LATE_DAYS:
            return 1 << 31
        return d - int(self.window)

    def cosine(self, story: str, vector: np.ndarray) -> float:
        """Cosine of a unit vector with a story's mean embedding."""
        return float(self._vec[self._slot[story]] @ np.asarray(vector, dtype=np.float32))

    def search(
        self, vector: np.ndarray, day: str | None, k: int, floor: float = -1.0, row: int | None = None
    ) -> list[tuple[str, float]]:
        """The `k` live stories most similar to a unit vector, best first, with their cosines.

        Args:
            vector: the query (unit norm).
            day: the article's publication date; None: every story is live.
            k: how many.
            floor: ignore stories with a lower cosine.
            row: the query's row in the block given to `prepare`, if it was part of one.
        """
        if k <= 0 or not self._slot:
            return []
        if (
            not day
            and self.window is not None
            and self.now != NO_DAY
            and len(self._slot) > self._hot_n_alive()
        ):
            # An undated article may report any story: no date evidence, no dormancy.
            return self._search_all(vector, NO_DAY, k, floor)
        d = day_number(day)
        if self.window is not None and d != NO_DAY and self.now != NO_DAY and d < self.now - LATE_DAYS:
            return self._search_all(vector, d, k, floor)
        if self._block is None:
            self._compact()
        n = self._hot_n
        q = np.asarray(vector, dtype=np.float32)
        if row is not None and self._block is not None:
            # Queries of a block are searched in row order (`assign_many`); rows of stories
            # changed since `prepare` were brought up to date by `_hot_put`.
            self._searched = row
            m = self._block_n
            if n > m:
                sims = np.empty(n, dtype=np.float32)
                sims[:m] = self._block[row]
                sims[m:] = self._hot[m:n] @ q
            else:
                sims = self._block[row]
        else:
            sims = self._hot[:n] @ q
        rows = (sims >= floor).nonzero()[0]
        if rows.size <= _FEW:
            # The usual case: a handful of stories pass the floor, checked one by one.
            alive, first, last, slots = self._hot_alive, self._hot_first, self._hot_last, self._hot_slot
            dated = d != NO_DAY and self.window is not None
            lo = hi = 0
            if dated:
                w = int(self.window)  # type: ignore[arg-type]
                lo, hi = d - w, d + w
            hits: list[tuple[float, int]] = []
            for r in rows.tolist():
                if not alive[r]:
                    continue
                if dated:
                    lst = int(last[r])
                    if lst != NO_DAY and (lst < lo or int(first[r]) > hi):
                        continue
                hits.append((-float(sims[r]), int(slots[r])))
            hits.sort()
            ids = self._ids
            return [(ids[slot], -neg) for neg, slot in hits[:k]]
        rows = rows[self._hot_alive[rows]]
        if d != NO_DAY and self.window is not None and rows.size:
            w = int(self.window)
            last = self._hot_last[rows]
            rows = rows[(last == NO_DAY) | ((last >= d - w) & (self._hot_first[rows] <= d + w))]
        return self._top(rows, sims[rows], self._hot_slot[rows], k)

    def _hot_n_alive(self) -> int:
        return len(self._row)

    def _top(self, rows: np.ndarray, sims: np.ndarray, slots: np.ndarray, k: int) -> list[tuple[str, float]]:
        if rows.size > k:
            pick = np.argpartition(-sims, k - 1)[:k]
            sims, slots = sims[pick], slots[pick]
        # Ties broken by slot (creation order) so that results never depend on sort internals.
        hits = sorted(zip((-sims).tolist(), slots.tolist(), strict=True))
        ids = self._ids
        return [(ids[slot], -neg) for neg, slot in hits]

    def _search_all(self, vector: np.ndarray, d: int, k: int, floor: float) -> list[tuple[str, float]]:
        """A late or undated article: compare with every live story (the cold ones by graph when many)."""
        q = np.asarray(vector, dtype=np.float32)
        total = len(self._ids)
        if len(self._slot) <= self.exact_limit:
            wide, row = self._wide, self.wide_row
            if wide is not None and row is not None:
                # Compared with every story by `prepare_wide`: recompute the changed ones only.
                m = self._wide_n
                all_sims = np.empty(total, dtype=np.float32)
                all_sims[:m] = wide[row]
                if total > m:
                    all_sims[m:] = self._vec[m:total] @ q
                if self._wide_changed:
                    changed = np.fromiter(self._wide_changed, dtype=np.int64, count=len(self._wide_changed))
                    all_sims[changed] = self._vec[changed] @ q
            else:
                all_sims = self._vec[:total] @ q  # one pass over the matrix, no gathered copy
            slots = np.flatnonzero(all_sims >= floor)
            sims = all_sims[slots]
        else:
            hot = self._hot_slot[: self._hot_n][self._hot_alive[: self._hot_n]]
            slots = np.union1d(hot, self._ann_candidates(q, 8 * k))
            sims = self._vec[slots] @ q
            slots, sims = slots[sims >= floor], sims[sims >= floor]
        keep = self._alive[slots]
        if d != NO_DAY and self.window is not None:
            w = int(self.window)
            last, first = self._last[slots], self._first[slots]
            keep &= (last == NO_DAY) | ((last >= d - w) & (first <= d + w))
        slots, sims = slots[keep], sims[keep]
        return self._top(slots, sims, slots, k)

    def _ann_candidates(self, q: np.ndarray, k: int) -> np.ndarray:
        from usearch.index import Index

        if self._ann is None:
            # i8 quantisation: a quarter of float32 memory; candidates are re-scored exactly.
            self._ann = Index(ndim=self.dim, metric="cos", dtype="i8", connectivity=16, expansion_search=64)
            self._ann_todo = {s for s in range(len(self._ids)) if s not in self._row}
        ann = self._ann
        if self._ann_todo:
            todo = sorted(self._ann_todo)
            drop = np.array([s for s in todo if s in self._ann_keys], dtype=np.uint64)
            if drop.size:
                ann.remove(drop)
                self._ann_keys.difference_update(drop.tolist())
            add = np.array([s for s in todo if self._alive[s] and s not in self._row], dtype=np.uint64)
            if add.size:
                ann.add(add, self._vec[add.astype(np.int64)])
                self._ann_keys.update(add.tolist())
            self._ann_todo = set()
        if not self._ann_keys:
            return np.zeros(0, dtype=np.int64)
        found = ann.search(q, min(k, len(self._ann_keys)))
        return np.asarray(found.keys, dtype=np.int64)
