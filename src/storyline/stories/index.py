"""Candidate stories for an article: the stories whose mean embedding is closest, among live ones.

A story is *live* for an article when their publication dates are within `window` days of each
other (a story goes dormant when no report arrived for `window` days, but one that keeps getting
reports stays live), or when either side has no date. Only live stories can be joined.

Dated articles are compared exactly with every live story: a stream in date order keeps the
live set small (the stories of the last weeks), and exact search makes results independent of
how the state was built, so batch and incremental runs agree. An undated article can belong to
any story; past `exact_limit` stories it is searched in an HNSW graph (usearch) over all story
means, built lazily, and its candidates re-scored exactly.
"""

from __future__ import annotations

from datetime import date

import numpy as np

# Below this many stories, an undated article is compared with every story exactly: at 512
# dimensions that is ~25M multiply-adds, ~3 ms in numpy, about the cost of an HNSW search plus
# its upkeep; above it the graph is cheaper.
EXACT_LIMIT = 50_000
_NO_DAY = -1


def day_number(day: str | None) -> int:
    """Proleptic ordinal of an ISO date (``YYYY-MM-DD...``), or -1 when unknown."""
    if not day:
        return _NO_DAY
    return date.fromisoformat(day[:10]).toordinal()


class StoryIndex:
    """Mean embeddings of stories, searchable by cosine among the stories live at a date.

    Args:
        dim: embedding dimension.
        window: days after which a story without new reports goes dormant; None for never.
        exact_limit: number of stories up to which undated articles are searched exactly.
    """

    def __init__(self, dim: int, window: float | None = 14.0, exact_limit: int = EXACT_LIMIT) -> None:
        self.dim = dim
        self.window = window
        self.exact_limit = exact_limit
        self._vecs = np.zeros((1024, dim), dtype=np.float32)
        self._first = np.full(1024, _NO_DAY, dtype=np.int32)
        self._last = np.full(1024, _NO_DAY, dtype=np.int32)
        self._alive = np.zeros(1024, dtype=bool)
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._ann: object | None = None
        self._ann_stale: set[int] = set()

    def __len__(self) -> int:
        return len(self._slot)

    def _grow(self) -> None:
        cap = 2 * self._vecs.shape[0]
        vecs = np.zeros((cap, self.dim), dtype=np.float32)
        vecs[: len(self._ids)] = self._vecs[: len(self._ids)]
        self._vecs = vecs
        for name in ("_first", "_last"):
            arr = np.full(cap, _NO_DAY, dtype=np.int32)
            arr[: len(self._ids)] = getattr(self, name)[: len(self._ids)]
            setattr(self, name, arr)
        alive = np.zeros(cap, dtype=bool)
        alive[: len(self._ids)] = self._alive[: len(self._ids)]
        self._alive = alive

    def put(self, story: str, vector: np.ndarray, first: str | None, last: str | None) -> None:
        """Add a story or update its mean embedding (any norm) and date span."""
        slot = self._slot.get(story)
        if slot is None:
            if len(self._ids) >= self._vecs.shape[0]:
                self._grow()
            slot = len(self._ids)
            self._ids.append(story)
            self._slot[story] = slot
            self._alive[slot] = True
        norm = float(np.linalg.norm(vector))
        self._vecs[slot] = vector / norm if norm > 0 else vector
        self._first[slot] = day_number(first)
        self._last[slot] = day_number(last)
        self._ann_stale.add(slot)

    def remove(self, story: str) -> None:
        """Forget a story (merged into another)."""
        slot = self._slot.pop(story, None)
        if slot is not None:
            self._alive[slot] = False
            self._ann_stale.add(slot)

    def _live(self, day: int, n: int) -> np.ndarray:
        alive = self._alive[:n]
        if day == _NO_DAY or self.window is None:
            return alive
        w = int(self.window)
        first = self._first[:n]
        last = self._last[:n]
        return alive & ((last == _NO_DAY) | ((last >= day - w) & (first <= day + w)))

    def live(self, story: str, day: str | None) -> bool:
        """Whether the story is live for an article of that date."""
        d = day_number(day)
        if d == _NO_DAY or self.window is None:
            return True
        slot = self._slot[story]
        first, last = int(self._first[slot]), int(self._last[slot])
        return last == _NO_DAY or (last >= d - int(self.window) and first <= d + int(self.window))

    def cosine(self, story: str, vector: np.ndarray) -> float:
        """Cosine of a unit vector with a story's mean embedding."""
        return float(self._vecs[self._slot[story]] @ np.asarray(vector, dtype=np.float32))

    def search(self, vector: np.ndarray, day: str | None, k: int) -> list[tuple[str, float]]:
        """The `k` live stories most similar to a unit vector, best first, with their cosines."""
        n = len(self._ids)
        if n == 0 or k <= 0:
            return []
        d = day_number(day)
        if d == _NO_DAY and len(self._slot) > self.exact_limit:
            slots = self._ann_candidates(vector, 4 * k)
        else:
            slots = np.flatnonzero(self._live(d, n))
        if slots.size == 0:
            return []
        sims = self._vecs[slots] @ np.asarray(vector, dtype=np.float32)
        if slots.size > k:
            top = np.argpartition(-sims, k - 1)[:k]
        else:
            top = np.arange(slots.size)
        # Ties broken by slot (creation order) so that results never depend on sort internals.
        order = sorted(top.tolist(), key=lambda i: (-float(sims[i]), int(slots[i])))
        return [(self._ids[int(slots[i])], float(sims[i])) for i in order]

    def _ann_candidates(self, vector: np.ndarray, k: int) -> np.ndarray:
        from usearch.index import Index

        if self._ann is None:
            # i8 quantisation: a quarter of float32 memory; candidates are re-scored exactly.
            self._ann = Index(ndim=self.dim, metric="cos", dtype="i8", connectivity=16, expansion_search=64)
            self._ann_stale = set(range(len(self._ids)))
        ann = self._ann
        if self._ann_stale:
            stale = np.array(sorted(self._ann_stale), dtype=np.uint64)
            present = np.array([s for s in stale.tolist() if s in ann], dtype=np.uint64)  # type: ignore[operator]
            if present.size:
                ann.remove(present)  # type: ignore[attr-defined]
            keep = np.array([s for s in stale.tolist() if self._alive[s]], dtype=np.uint64)
            if keep.size:
                ann.add(keep, self._vecs[keep.astype(np.int64)])  # type: ignore[attr-defined]
            self._ann_stale.clear()
        found = ann.search(np.asarray(vector, dtype=np.float32), k)  # type: ignore[attr-defined]
        slots = np.asarray(found.keys, dtype=np.int64)
        return slots[self._alive[slots]]
