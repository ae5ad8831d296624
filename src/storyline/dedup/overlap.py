"""Exact verification of lexical candidates: shingle-set overlaps and the longest shared passage.

Many pairs at once, on sorted hash arrays (no Python set per document).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storyline.fingerprint.shingles import parallel_map


@dataclass(frozen=True, slots=True)
class LexicalScores:
    """Exact overlap of two documents' word n-gram sets.

    Attributes:
        jaccard: |A ∩ B| / |A ∪ B|.
        a_in_b: share of A's n-grams found in B (1.0: A is an excerpt of B).
        b_in_a: share of B's n-grams found in A.
        size_a: number of distinct n-grams of A.
        size_b: number of distinct n-grams of B.
    """

    jaccard: float
    a_in_b: float
    b_in_a: float
    size_a: int
    size_b: int

    def swapped(self) -> LexicalScores:
        """The same scores seen from B."""
        return LexicalScores(self.jaccard, self.b_in_a, self.a_in_b, self.size_b, self.size_a)


def overlap(a: np.ndarray, b: np.ndarray) -> LexicalScores:
    """Exact overlap scores of two sorted arrays of distinct shingle hashes."""
    if not len(a) or not len(b):
        return LexicalScores(0.0, 0.0, 0.0, len(a), len(b))
    na, nb = len(a), len(b)
    if len(a) > len(b):
        a, b = b, a
    # Both sorted: look each element of the smaller up in the larger.
    inter = int(np.count_nonzero(b[np.minimum(np.searchsorted(b, a), len(b) - 1)] == a))
    union = na + nb - inter
    return LexicalScores(inter / union, inter / na, inter / nb, na, nb)


def longest_shared_run(seq_a: np.ndarray, set_b: np.ndarray, shingle_size: int) -> tuple[int, int]:
    """(first word, number of words) of the longest passage of A whose every n-gram occurs in B."""
    if not len(seq_a) or not len(set_b):
        return 0, 0
    pos = np.minimum(np.searchsorted(set_b, seq_a), len(set_b) - 1)
    hit = set_b[pos] == seq_a
    if not hit.any():
        return 0, 0
    padded = np.concatenate([[False], hit, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[::2], edges[1::2]
    best = int(np.argmax(ends - starts))
    return int(starts[best]), int(ends[best] - starts[best]) + shingle_size - 1


def _keyed(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of 32-bit hashes laid end to end, each value tagged with its array's number.

    Returns the tagged values (number << 32 | value: sorted arrays stay sorted end to end) and the
    offsets of the arrays, so one `searchsorted` answers a lookup for every pair at once.
    """
    counts = np.fromiter((len(x) for x in arrays), dtype=np.int64, count=len(arrays))
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if not offsets[-1]:
        return np.zeros(0, dtype=np.int64), offsets
    tags = np.repeat(np.arange(len(arrays), dtype=np.int64), counts) << np.int64(32)
    return np.concatenate(arrays).astype(np.int64) | tags, offsets


def _hits(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For each value of each `a[i]` (in order), whether it occurs in the sorted `b[i]`; and a's offsets."""
    ka, oa = _keyed(a)
    kb, _ = _keyed(b)
    if not len(ka) or not len(kb):
        return np.zeros(len(ka), dtype=bool), oa

    def part(needles: np.ndarray) -> np.ndarray:
        return kb[np.minimum(np.searchsorted(kb, needles), len(kb) - 1)] == needles

    # Large lookups in two halves on two threads, as fingerprinting does (numpy releases the GIL).
    if len(ka) < 100_000:
        return part(ka), oa
    half = len(ka) // 2
    return np.concatenate(parallel_map(part, [ka[:half], ka[half:]])), oa


def _intersections(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
    """Size of the intersection of each pair of sorted arrays of distinct values, `a[i]` and `b[i]`.

    Tagged with their pair's number, each side laid end to end is one sorted run; a stable sort
    of the two runs is a linear merge (Timsort), after which a value found on both sides sits
    next to its twin. No lookup per value, unlike `_hits`.
    """
    if len(a) >= 200:  # two halves on two threads (numpy releases the GIL)
        half = len(a) // 2
        parts = parallel_map(lambda ab: _intersections_of(*ab), [(a[:half], b[:half]), (a[half:], b[half:])])
        return np.concatenate(parts)
    return _intersections_of(a, b)


def _intersections_of(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
    ka, _ = _keyed(a)
    kb, _ = _keyed(b)
    if not len(ka) or not len(kb):
        return np.zeros(len(a), dtype=np.int64)
    merged = np.concatenate([ka, kb])
    merged.sort(kind="stable")
    twin = merged[1:] == merged[:-1]
    return np.bincount(merged[1:][twin] >> np.int64(32), minlength=len(a))


def overlaps(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[LexicalScores]:
    """`overlap` of many pairs of sorted distinct shingle arrays, in one vectorised pass."""
    if not pairs:
        return []
    inter = _intersections([a for a, _ in pairs], [b for _, b in pairs]).tolist()
    out = []
    for (a, b), k in zip(pairs, inter, strict=True):
        na, nb = len(a), len(b)
        if not na or not nb:
            out.append(LexicalScores(0.0, 0.0, 0.0, na, nb))
            continue
        union = na + nb - k
        out.append(LexicalScores(k / union, k / na, k / nb, na, nb))
    return out


def longest_shared_runs(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], shingle_size: int
) -> list[tuple[int, int]]:
    """`longest_shared_run` of many (sequence of A, set of B) pairs, in one vectorised pass."""
    if not pairs:
        return []
    hit, oa = _hits([a for a, _ in pairs], [b for _, b in pairs])
    out = [(0, 0)] * len(pairs)
    if not hit.any():
        return out
    # Runs of hits, cut at the pairs' boundaries.
    first = np.zeros(len(hit), dtype=bool)
    first[oa[:-1][oa[:-1] < len(hit)]] = True
    prev = np.concatenate([[False], hit[:-1]])
    starts = np.flatnonzero(hit & (~prev | first))
    last = np.zeros(len(hit), dtype=bool)
    last[oa[1:][oa[1:] > 0] - 1] = True
    nxt = np.concatenate([hit[1:], [False]])
    ends = np.flatnonzero(hit & (~nxt | last)) + 1
    pair = np.searchsorted(oa, starts, side="right") - 1
    # Per pair, the longest run; among equally long ones, the first.
    order = np.lexsort((starts, starts - ends, pair))
    pair, starts, ends = pair[order], starts[order], ends[order]
    lead = np.ones(len(pair), dtype=bool)
    lead[1:] = pair[1:] != pair[:-1]
    for p, s, e in zip(pair[lead].tolist(), starts[lead].tolist(), ends[lead].tolist(), strict=True):
        out[p] = (s - int(oa[p]), e - s + shingle_size - 1)
    return out
