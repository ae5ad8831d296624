"""MinHash signatures of many documents at once, and the LSH band layout derived from a threshold.

Signatures are one-permutation MinHash with rotation densification (Li, Owen & Zhang 2012;
Shrivastava & Li 2014): each shingle hash picks one of `num_perm` buckets by some of its bits and
competes for that bucket's minimum with the others; a bucket no shingle fell in borrows the value of
the next non-empty bucket to its right, offset by the distance. The chance that two documents agree
in a bucket is their Jaccard similarity, as with `num_perm` independent permutations, but the cost
is one pass over the shingles instead of `num_perm` (and it is a few numpy calls for a whole batch:
rensa computes classic MinHash fast too, but hands the matrix back as Python lists, which costs
more than the hashing itself).

The user states a similarity threshold; the number of bands b and rows per band r (b * r <= the
number of permutations) are derived from it. Two sets of Jaccard similarity s share at least
one band with probability P(s) = 1 - (1 - s^r)^b. The layout minimises the false positive area
(integral of P over [0, t]) plus the false negative area (integral of 1 - P over [t, 1]), as
datasketch does; candidates are then verified with the exact Jaccard, so false positives cost
time, never precision.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from storyline.fingerprint.shingles import TokenHashes, _fmix

EMPTY = np.uint32(0xFFFFFFFF)
# Offset per step of densification (odd, so consecutive borrowed values differ).
_ROTATE = np.uint32(0x9E3779B1)
_CHAIN = np.uint64(0xC2B2AE3D27D4EB4F)


def _area(f: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((f[1:] + f[:-1]) * np.diff(x)) / 2.0)


@lru_cache(maxsize=64)
def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positive + false negative probability mass at `threshold`."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    best, best_err = (1, num_perm), float("inf")
    lo = np.linspace(0.0, threshold, 200)
    hi = np.linspace(threshold, 1.0, 200)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _area(1.0 - (1.0 - lo**r) ** b, lo)
            fn = _area((1.0 - hi**r) ** b, hi)
            if fp + fn < best_err:
                best, best_err = (b, r), fp + fn
    return best


def signatures(shingles: TokenHashes, num_perm: int = 128) -> np.ndarray:
    """One-permutation MinHash signatures, one uint32 row per document.

    A document without shingles gets a row of `EMPTY`.
    """
    h, offsets = shingles.hashes, shingles.offsets
    n_docs = len(offsets) - 1
    sig = np.full(n_docs * num_perm, EMPTY, dtype=np.uint32)
    if len(h):
        # High 32 bits choose the bucket, low 32 bits are the value (independent bits of a mixed hash).
        high = h >> np.uint64(32)
        if num_perm & (num_perm - 1) == 0:  # a power of two: the same remainder, without a division
            high &= np.uint64(num_perm - 1)
        else:
            high %= np.uint64(num_perm)
        slot = high.astype(np.intp)
        slot += np.repeat(np.arange(0, n_docs * num_perm, num_perm, dtype=np.intp), np.diff(offsets))
        np.minimum.at(sig, slot, h.astype(np.uint32))  # the cast keeps the low 32 bits
    return _densify(sig.reshape(n_docs, num_perm))


def _densify(sig: np.ndarray) -> np.ndarray:
    """Fill empty buckets from the next non-empty bucket to the right (circularly), plus an offset.

    Few buckets are empty (4% at 400 shingles and 128 buckets), so only those are visited: each
    round moves every unfilled one a step to the right, and runs of empty buckets are short.
    """
    empty = sig == EMPTY
    rows, cols = np.nonzero(empty)
    if not len(rows):
        return sig
    k = sig.shape[1]
    some = np.bincount(rows, minlength=sig.shape[0]) < k  # an all-empty row stays empty
    rows, cols = rows[some[rows]], cols[some[rows]]
    if not len(rows):
        return sig
    source = np.empty(len(rows), dtype=np.intp)  # the column each empty bucket borrows from
    dist = np.empty(len(rows), dtype=np.uint32)  # and how many steps to the right it is
    todo = np.arange(len(rows))
    col = cols + 1
    col[col == k] = 0
    step = 1
    while len(todo):
        found = ~empty[rows[todo], col]
        source[todo[found]] = col[found]
        dist[todo[found]] = step
        todo, col = todo[~found], col[~found] + 1
        col[col == k] = 0
        step += 1
    out = sig.copy()
    out[rows, cols] = sig[rows, source] + dist * _ROTATE
    return out


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One key per band (int64, non-negative: fits SQLite integers), shape (documents, bands).

    The band number is mixed into the key, so equal rows in different bands never collide.
    """
    n = sig.shape[0]
    v = sig[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    acc = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64), (n, bands)).copy()
    for j in range(rows):
        acc = acc * _CHAIN ^ v[:, :, j]
    return (_fmix(acc) >> np.uint64(1)).astype(np.int64)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal buckets of two signatures: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(a == b))
