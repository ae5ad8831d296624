"""Word profiles as compact sparse vectors: hashed word ids with weights, in numpy arrays.

A story keeps the TF-IDF profile of its words, and a state of a million articles holds hundreds
of thousands of stories: Python dicts of words would take gigabytes. Here a word is its CRC-32
(stable across runs and machines, unlike Python's salted `hash`), a profile is two arrays
(sorted ids, float32 weights), and document frequencies live in one array of hash buckets.
Two words sharing a CRC-32 among the few million of a corpus are rare (birthday bound: a few
hundred pairs in 4 billion values), and then only blur one weight.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

try:
    # Merging and matching in C (_sparse.c): the same vectors, bit for bit, as the NumPy code
    # below, with one call where NumPy needs a dozen.
    from storyline.stories import _sparse as native
except ImportError:  # installed without a C compiler (see setup.py): NumPy does it all
    native = None  # type: ignore[assignment]

# Document-frequency buckets for words: 2**24 int32 = 64 MB of address space, filled lazily by
# the OS. A few million distinct words then share a bucket with another word ~10% of the time,
# which only makes a rare word look a little less rare.
DF_BITS: Final = 24
DF_MASK: Final = (1 << DF_BITS) - 1

EMPTY_IDS = np.zeros(0, dtype=np.uint32)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


def term_id(word: str) -> int:
    """The stable 32-bit id of a word."""
    return zlib.crc32(word.encode("utf-8"))


def hash_counts(counts: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique word ids and their sublinear frequencies ``1 + ln(count)``."""
    if not counts:
        return EMPTY_IDS, EMPTY_WEIGHTS
    merged: dict[int, int] = {}
    for word, c in counts.items():
        i = term_id(word)
        merged[i] = merged.get(i, 0) + c
    ids = np.fromiter(merged.keys(), dtype=np.uint32, count=len(merged))
    tf = 1.0 + np.log(np.fromiter(merged.values(), dtype=np.float32, count=len(merged)))
    order = np.argsort(ids)
    return ids[order], tf[order].astype(np.float32)


def count_once(table: np.ndarray, buckets: np.ndarray) -> None:
    """Add one to an int32 `table` at each of the int64 `buckets`; a bucket listed twice counts once."""
    if native is not None:
        native.count_once(table, buckets)
    else:
        table[buckets] += 1


@dataclass(slots=True, init=False)
class TermVector:
    """A sparse weighted word vector: sorted unique ids, weights, and the squared norm."""

    ids: np.ndarray
    weights: np.ndarray
    norm2: float

    # Written out rather than generated: compiled (see setup.py), it is a C function.
    def __init__(self, ids: np.ndarray, weights: np.ndarray, norm2: float) -> None:
        self.ids = ids
        self.weights = weights
        self.norm2 = norm2

    @classmethod
    def of(cls, ids: np.ndarray, weights: np.ndarray) -> TermVector:
        """A vector from sorted unique ids and their weights."""
        w = np.ascontiguousarray(weights, dtype=np.float32)
        return cls(np.ascontiguousarray(ids, dtype=np.uint32), w, float(w @ w))

    def __len__(self) -> int:
        return int(self.ids.size)

    def dot(self, other: TermVector) -> float:
        """Dot product (ids matched by binary search in the longer vector)."""
        a, b = (self.ids, other.ids) if self.ids.size <= other.ids.size else (other.ids, self.ids)
        if a.size == 0 or b.size == 0:
            return 0.0
        if native is not None:
            # The shared ids' weights in id order, the shorter vector's first: the same product
            # as below.
            x = np.empty(a.size, dtype=np.float32)
            y = np.empty(a.size, dtype=np.float32)
            if a is self.ids:
                n = native.matched(a, self.weights, b, other.weights, x, y)
            else:
                n = native.matched(a, other.weights, b, self.weights, x, y)
            return float(x[:n] @ y[:n])
        pos = b.searchsorted(a)
        # Past the end means no match: "clip" reads the last id there, which is then smaller
        # (one call instead of clamping `pos` first; a matched `pos` is never past the end).
        hit = b.take(pos, mode="clip") == a
        # The matched weights in id order, whichever vector is the longer: the same sum either way.
        if a is self.ids:
            return float(self.weights[hit] @ other.weights[pos[hit]])
        return float(other.weights[hit] @ self.weights[pos[hit]])

    def cosine(self, other: TermVector) -> float:
        """Cosine similarity (0 when either is empty)."""
        if self.norm2 <= 0 or other.norm2 <= 0:
            return 0.0
        return self.dot(other) / math.sqrt(self.norm2 * other.norm2)

    def plus(self, other: TermVector, keep: int) -> TermVector:
        """The sum of two vectors, trimmed to the `keep` largest weights when it holds 3x more.

        Trimming keeps the words that weigh most in comparisons (high count x IDF); doing it only
        when the vector has grown to three times `keep` makes its cost negligible per addition.
        """
        if other.ids.size == 0:
            return self
        if self.ids.size == 0:
            ids, weights = other.ids, other.weights
        elif native is not None:
            size = self.ids.size + other.ids.size
            ids = np.empty(size, dtype=np.uint32)
            weights = np.empty(size, dtype=np.float32)
            n = native.merge_add(self.ids, self.weights, other.ids, other.weights, ids, weights)
            if n < size:
                # Shrunk where they are (no copy): nothing else refers to these new arrays.
                ids.resize(n, refcheck=False)
                weights.resize(n, refcheck=False)
        else:
            ids = np.concatenate((self.ids, other.ids))
            weights = np.concatenate((self.weights, other.weights))
            # Two sorted runs: a stable sort merges them, and an id in both (each holds it once)
            # ends up twice in a row, this vector's weight first.
            order = ids.argsort(kind="stable")
            ids = ids.take(order)
            weights = weights.take(order)
            first = np.empty(ids.size, dtype=bool)
            first[0] = True
            np.not_equal(ids[1:], ids[:-1], out=first[1:])
            starts = first.nonzero()[0]
            if starts.size < ids.size:
                # Each run of one id (one or two entries) summed in float32, in order.
                ids = ids.take(starts)
                weights = np.add.reduceat(weights, starts)
        if ids.size > 3 * keep:
            top = np.sort(np.argpartition(-weights, keep - 1)[:keep])
            ids, weights = ids.take(top), weights.take(top)
        return TermVector(ids, weights, float(weights @ weights))
