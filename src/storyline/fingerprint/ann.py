"""Approximate nearest neighbours of article embeddings (usearch HNSW), keyed by article number.

The vectors themselves live in the database (the `embeddings` table, shared with story
clustering); this index is rebuilt from them when a database is opened, so it can never disagree
with the database, and a transaction that rolls back leaves at worst keys of articles that do not
exist, which the caller drops. Rebuilding costs a few seconds per 10,000 articles.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from usearch.index import Index

# HNSW settings: usearch's defaults (connectivity 16, expansion 128/64) give >0.99 recall on
# 512-d sentence embeddings at this scale; float16 halves memory with no effect on cosine ranks.
_DTYPE = "f16"


class VectorIndex:
    """Cosine nearest neighbours over L2-normalised vectors.

    Args:
        dim: vector size.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._index = Index(ndim=dim, metric="cos", dtype=_DTYPE)

    def __len__(self) -> int:
        return len(self._index)

    def add(self, keys: Iterable[int], vectors: np.ndarray) -> None:
        """Add vectors under integer keys (keys already present are skipped)."""
        ids = np.asarray(list(keys), dtype=np.uint64)
        if not len(ids):
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        fresh = np.array([not self._index.contains(int(k)) for k in ids], dtype=bool)
        if fresh.any():
            self._index.add(ids[fresh], vectors[fresh])

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """The k nearest stored keys of each vector, with cosine similarity, best first."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if not len(self._index) or not len(vectors):
            return [[] for _ in range(len(vectors))]
        k = min(k, len(self._index))
        found = self._index.search(vectors, k)
        keys = np.asarray(found.keys).reshape(len(vectors), -1)
        dist = np.asarray(found.distances).reshape(len(vectors), -1)
        # One query gives a `Matches` (no counts), several a `BatchMatches`.
        counts = np.asarray(getattr(found, "counts", [keys.shape[1]])).reshape(-1)
        return [
            [(int(keys[i, j]), float(1.0 - dist[i, j])) for j in range(int(counts[i]))]
            for i in range(len(vectors))
        ]
