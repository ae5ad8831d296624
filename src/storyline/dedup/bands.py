"""The lexical candidate index: MinHash LSH buckets in sorted arrays, and the signatures that screen hits.

The LSH buckets are kept as sorted arrays of (band key, article number) in a few blocks of
geometrically growing size (a log-structured index): adding a batch sorts only the batch, and
blocks are merged when a newer one grows as large as an older one, so each key is re-sorted
O(log n) times over a whole ingest. Band keys are uniform hashes, so each block also keeps where
each range of leading key bits starts (a directory): a lookup reads two directory entries and
compares one or two keys instead of a binary search over the block. No Python object is made per
key, which keeps the duplicate stage at tens of thousands of documents per second.

The index persists with the database (one row of band keys per article, see
`Store.put_dedup_index`) and is rebuilt in memory when a database is opened, so a later ingest
finds copies of articles ingested long before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from storyline.dedup.lexical import sorted_unique
from storyline.fingerprint.shingles import _ranges, parallel_map

# At most this many stored articles are taken from one LSH bucket per query. A bucket holding
# more is a template or boilerplate shared by many documents; the oldest members are kept (an
# original is older than its copies) and, duplicate groups being transitive, a copy reaches the
# rest of its group through them.
MAX_BUCKET = 32


# Pairs (row, number) are packed in one int64 for fast de-duplication: numbers below 2^40.
_SHIFT = np.int64(40)


_LOW = np.int64((1 << 40) - 1)


def _directory(keys: np.ndarray) -> tuple[np.ndarray, np.int64]:
    """Where each run of keys sharing their leading bits starts in a sorted block, and the shift.

    Keys are non-negative 63-bit hashes (see `band_keys`), so `key >> shift` is uniform over
    the 2^bits runs. With 2^bits between a half and all of the block's size, a run holds one
    or two keys on average and the directory costs at most 4 bytes per key.
    """
    bits = max(1, len(keys).bit_length() - 1)
    shift = np.int64(63 - bits)
    counts = np.bincount((keys >> shift).astype(np.intp), minlength=1 << bits)
    start = np.zeros((1 << bits) + 1, dtype=np.int32 if len(keys) < 2**31 else np.int64)
    np.cumsum(counts, out=start[1:])
    return start, shift


class BandIndex:
    """LSH buckets: band keys mapped to article numbers, in sorted blocks.

    Args:
        bands: number of bands per signature.
    """

    def __init__(self, bands: int) -> None:
        self.bands = bands
        # (sorted keys, numbers, directory, shift), oldest first.
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.int64]] = []

    def __len__(self) -> int:
        return sum(len(b[0]) for b in self._blocks) // max(self.bands, 1)

    def query(
        self, keys: np.ndarray, limit: int = MAX_BUCKET, order: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (row of `keys`, stored number) sharing at least one band key, without repeats.

        From each block, the first `limit` entries of a key are taken (the oldest). `order`,
        when given, is `np.argsort(keys.ravel(), kind="stable")` computed once for the batch
        (see `Fingerprints.key_order`).
        """
        flat = keys.ravel()
        # Sorted needles read each block's directory and keys in order (fewer cache misses).
        if order is None:
            order = np.argsort(flat, kind="stable")
        flat = flat[order]
        rows = order // max(keys.shape[1], 1)

        def lookup(block: tuple[np.ndarray, np.ndarray, np.ndarray, np.int64]) -> np.ndarray:
            bk, bn, start, shift = block
            run = flat >> shift
            lo = start[run]
            count = start[run + 1] - lo
            has = np.flatnonzero(count)
            count = count[has]
            # Every key of the needle's run, then those equal to the needle (in block order).
            pos = _ranges(lo[has], count)
            which = np.repeat(has, count)
            eq = bk[pos] == flat[which]
            pos, which = pos[eq], which[eq]
            if len(pos) > limit:  # at most `limit` per needle: rank each match within its needle
                first = np.ones(len(which), dtype=bool)
                first[1:] = which[1:] != which[:-1]
                heads = np.flatnonzero(first)
                rank = np.arange(len(which)) - heads[np.cumsum(first) - 1]
                keep = rank < limit
                pos, which = pos[keep], which[keep]
            return (rows[which] << _SHIFT) | bn[pos]

        # Blocks are looked up on two threads when there is enough to do (numpy releases the GIL).
        big = len(flat) >= 10_000 and len(self._blocks) > 1
        found = parallel_map(lookup, self._blocks) if big else [lookup(b) for b in self._blocks]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pair = sorted_unique(np.concatenate(found))
        return pair >> _SHIFT, pair & _LOW

    def add(self, keys: np.ndarray, numbers: np.ndarray, order: np.ndarray | None = None) -> None:
        """Index documents: one row of band keys per article number (`order` as in `query`)."""
        if not len(numbers) or not keys.size:
            return
        flat = keys.ravel()
        nums = np.repeat(np.asarray(numbers, dtype=np.int64), keys.shape[1])
        # Stable sorts keep equal keys in insertion order (oldest first), and merging two sorted
        # blocks with a stable (Timsort) sort is a linear merge of two runs.
        if order is None:
            order = np.argsort(flat, kind="stable")
        k, n = flat[order], nums[order]
        while self._blocks and len(self._blocks[-1][0]) <= 2 * len(k):
            k1, n1, _, _ = self._blocks.pop()
            k, n = np.concatenate([k1, k]), np.concatenate([n1, n])
            merged = np.argsort(k, kind="stable")
            k, n = k[merged], n[merged]
        self._blocks.append((k, n, *_directory(k)))


def within_batch_pairs(keys: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows of one batch sharing a band key.

    Each row is paired with the first and the previous row of its bucket (groups are transitive,
    so a star plus a chain per bucket is enough). `order` as in `BandIndex.query`.
    """
    flat = keys.ravel()
    rows = np.repeat(np.arange(keys.shape[0], dtype=np.int64), keys.shape[1])
    if order is None:
        order = np.argsort(flat, kind="stable")
    k, r = flat[order], rows[order]
    same = np.zeros(len(k), dtype=bool)
    same[1:] = k[1:] == k[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    run_start = np.maximum.accumulate(np.where(~same, np.arange(len(k)), 0))
    idx = np.flatnonzero(same)
    a = np.concatenate([r[idx], r[idx]])
    b = np.concatenate([r[run_start[idx]], r[idx - 1]])
    keep = a != b
    pair = sorted_unique((np.maximum(a, b)[keep] << _SHIFT) | np.minimum(a, b)[keep])
    return pair >> _SHIFT, pair & _LOW


class SignatureTable:
    """MinHash signatures of indexed articles by article number, to screen LSH candidates cheaply.

    A pair that shares an LSH band by chance (a common sentence, a shared footer) is dropped when
    its estimated Jaccard similarity is far below the candidate threshold, before any text is
    fetched and re-tokenised for exact verification.

    Args:
        num_perm: signature length.
    """

    def __init__(self, num_perm: int) -> None:
        self._count = 0
        self._row_of = np.full(1024, -1, dtype=np.int64)  # article number -> row of `_data`
        self._data = np.zeros((1024, num_perm), dtype=np.uint32)

    def add(self, numbers: Sequence[int], sigs: np.ndarray) -> None:
        """Remember the signatures of these article numbers."""
        n = self._count
        need = n + len(numbers)
        if need > len(self._data):
            grown = np.zeros((max(need, 2 * len(self._data)), self._data.shape[1]), dtype=np.uint32)
            grown[:n] = self._data[:n]
            self._data = grown
        self._data[n:need] = sigs
        nums = np.asarray(numbers, dtype=np.int64)
        if len(nums) and nums.max() >= len(self._row_of):
            grown_rows = np.full(max(int(nums.max()) + 1, 2 * len(self._row_of)), -1, dtype=np.int64)
            grown_rows[: len(self._row_of)] = self._row_of
            self._row_of = grown_rows
        self._row_of[nums] = np.arange(n, need, dtype=np.int64)
        self._count = need

    def estimate(self, sigs: np.ndarray, numbers: np.ndarray) -> np.ndarray:
        """Estimated Jaccard similarity of each signature with the stored one of each number (-1: unknown)."""
        numbers = np.asarray(numbers, dtype=np.int64)
        known = (numbers >= 0) & (numbers < len(self._row_of))
        rows = np.full(len(numbers), -1, dtype=np.int64)
        rows[known] = self._row_of[numbers[known]]
        out = np.full(len(numbers), -1.0)
        ok = rows >= 0
        if ok.any():
            out[ok] = (sigs[ok] == self._data[rows[ok]]).mean(axis=1)
        return out
