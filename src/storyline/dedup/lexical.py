"""Lexical candidates: MinHash LSH over word n-gram shingles, in batches, with exact verification.

The LSH buckets are kept as sorted arrays of (band key, article number) in a few blocks of
geometrically growing size (a log-structured index): adding a batch sorts only the batch, and
blocks are merged when a newer one grows as large as an older one, so each key is re-sorted
O(log n) times over a whole ingest. Band keys are uniform hashes, so each block also keeps where
each range of leading key bits starts (a directory): a lookup reads two directory entries and
compares one or two keys instead of a binary search over the block. No Python object is made per
key, which keeps the duplicate stage at tens of thousands of documents per second.

The index persists with the database (one row of band keys per article, see `Store.put_bands`) and
is rebuilt in memory when a database is opened, so a later ingest finds copies of articles
ingested long before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from storyline.fingerprint.minhash import EMPTY, band_keys, signatures
from storyline.fingerprint.shingles import (
    TokenHashes,
    _ranges,
    in_background,
    parallel_map,
    shingle_hashes,
    token_hashes,
)
from storyline.types import Article

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


def _concat(parts: list[TokenHashes]) -> TokenHashes:
    if len(parts) == 1:
        return parts[0]
    hashes = np.concatenate([p.hashes for p in parts])
    counts = np.concatenate([np.diff(p.offsets) for p in parts])
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return TokenHashes(hashes, offsets)


_Part = tuple[TokenHashes, np.ndarray, np.ndarray, np.ndarray]


def _fingerprint_part(texts: Sequence[str], shingle_size: int, num_perm: int, bands: int, rows: int) -> _Part:
    """Shingles, signatures, band keys and the sorted order of the keys of non-empty rows."""
    sh = shingle_hashes(token_hashes(texts), shingle_size)
    if not num_perm:
        sig = np.zeros((len(texts), 0), dtype=np.uint32)
        return sh, sig, np.zeros((len(texts), 0), dtype=np.int64), np.zeros(0, dtype=np.int64)
    sig = signatures(sh, num_perm)
    keys = band_keys(sig, bands, rows)
    # This part's share of `Fingerprints.key_order`, sorted here on the worker thread.
    return sh, sig, keys, np.argsort(keys[sig[:, 0] != EMPTY].ravel(), kind="stable")


class Fingerprints:
    """Shingles, signatures and band keys of a batch of texts, computed together.

    Args:
        texts: clean texts.
        shingle_size: words per shingle.
        num_perm: MinHash buckets.
        bands: LSH bands.
        rows: rows per band.
    """

    def __init__(
        self, texts: Sequence[str], shingle_size: int, num_perm: int = 0, bands: int = 0, rows: int = 0
    ) -> None:
        settings = (shingle_size, num_perm, bands, rows)
        # Large batches are split in two halves fingerprinted on two threads (numpy releases the
        # GIL in the heavy steps); small ones are not worth a thread switch.
        if len(texts) >= 400:
            half = len(texts) // 2
            parts = parallel_map(
                lambda part: _fingerprint_part(part, *settings), [texts[:half], texts[half:]]
            )
        else:
            parts = [_fingerprint_part(texts, *settings)]
        self._assemble(parts, bool(num_perm))

    @classmethod
    def start(
        cls, texts: Sequence[str], shingle_size: int, num_perm: int = 0, bands: int = 0, rows: int = 0
    ) -> Callable[[], Fingerprints]:
        """Begin fingerprinting on the worker threads; the returned function waits for the result.

        The calling thread is free meanwhile (to ask the store for what it needs).
        """
        settings = (shingle_size, num_perm, bands, rows)
        halves = [texts[: len(texts) // 2], texts[len(texts) // 2 :]] if len(texts) >= 400 else [texts]
        futures = [in_background(_fingerprint_part, part, *settings) for part in halves]

        def result() -> Fingerprints:
            fp = cls.__new__(cls)
            fp._assemble([f.result() for f in futures], bool(num_perm))
            return fp

        return result

    def _assemble(self, parts: Sequence[_Part], sketched: bool) -> None:
        self.shingles = _concat([p[0] for p in parts])
        self.signatures = np.concatenate([p[1] for p in parts])
        self.keys = np.concatenate([p[2] for p in parts])
        if sketched:
            self.empty = self.signatures[:, 0] == EMPTY
        else:  # shingles only (verification), no sketch
            self.empty = np.diff(self.shingles.offsets) == 0
        self._sets: dict[int, np.ndarray] = {}
        self._short: np.ndarray | None = None
        self._part_orders = [p[3] for p in parts] if sketched else []
        self._key_order: np.ndarray | None = None

    def subset(self, rows: Sequence[int]) -> Fingerprints:
        """The fingerprints of these rows only, in this order (each text's do not depend on the others)."""
        idx = np.asarray(rows, dtype=np.int64)
        o = self.shingles.offsets
        counts = o[idx + 1] - o[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        sub = Fingerprints.__new__(Fingerprints)
        sub.shingles = TokenHashes(self.shingles.hashes[_ranges(o[idx], counts)], offsets)
        sub.signatures = self.signatures[idx]
        sub.keys = self.keys[idx]
        sub.empty = self.empty[idx]
        sub._sets, sub._short, sub._part_orders, sub._key_order = {}, None, [], None
        return sub

    def key_order(self) -> np.ndarray:
        """Stable argsort of the band keys of the non-empty rows, ravelled (computed once).

        Indexing the batch, querying the index and pairing within the batch all walk the same
        keys in sorted order; one sort serves the three. Each part of the batch was sorted on its
        worker thread; a stable sort of the parts' sorted keys laid end to end is a linear merge
        (Timsort), and ties keep the first part first: the stable argsort of the whole.
        """
        if self._key_order is None:
            flat = self.keys[~self.empty].ravel()
            if len(self._part_orders) == 2:
                first, second = self._part_orders
                whole = np.concatenate([first, second + len(first)])
                self._key_order = whole[np.argsort(flat[whole], kind="stable")]
            else:
                self._key_order = np.argsort(flat, kind="stable")
        return self._key_order

    def prepare_sets(self, rows: Sequence[int] | None = None, threads: bool = True) -> None:
        """Compute the shingle sets of these rows (all when None) in one pass.

        Verification needs the sets of the texts in candidate pairs only, often a minority of
        a batch; `shingle_set` computes a missing set on its own. `threads=False` when this runs
        on a worker thread itself (see `in_background`).
        """
        o = self.shingles.offsets
        want = range(len(o) - 1) if rows is None else sorted(set(rows) - self._sets.keys())
        if not want:
            return
        idx = np.fromiter(want, dtype=np.int64, count=len(want))
        counts = o[idx + 1] - o[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = _short(self.shingles.hashes[_ranges(o[idx], counts)])
        sets = _row_sets(flat, offsets) if threads else _row_sets_of(flat, offsets)
        self._sets.update(zip(idx.tolist(), sets, strict=True))

    def shingle_set(self, row: int) -> np.ndarray:
        """The sorted distinct shingle hashes of one text (32-bit, as uint32).

        32 bits: two texts of 400 shingles share a shingle by collision with odds ~4e-5 (400^2 /
        2^32), which then moves their Jaccard similarity by 1/800; half the bytes of 64-bit
        hashes make the sorts and lookups of verification markedly faster.
        """
        got = self._sets.get(row)
        if got is None:
            got = self._sets[row] = sorted_unique(self.sequence(row))
        return got

    def sequence(self, row: int) -> np.ndarray:
        """The shingle hashes of one text in text order (32-bit, as in `shingle_set`)."""
        if self._short is None:
            self._short = _short(self.shingles.hashes)
        o = self.shingles.offsets
        return self._short[o[row] : o[row + 1]]

    def sequences(self, rows: Sequence[int]) -> list[np.ndarray]:
        """`sequence` of each of these rows."""
        if self._short is None:
            self._short = _short(self.shingles.hashes)
        short, o = self._short, self.shingles.offsets
        idx = np.asarray(rows, dtype=np.int64)
        return [short[a:b] for a, b in zip(o[idx].tolist(), o[idx + 1].tolist(), strict=True)]


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (numpy 2's `unique` may hash instead of sorting, and is slower here)."""
    a = np.sort(a)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


# Texts with more shingles than this are sorted one by one, so one very long text does not
# widen the padded matrix of the whole batch (2,000 rows of 2,048 uint32: 16 MB at most).
_ROW_WIDTH = 2048
_PAD = np.iinfo(np.uint32).max


def _row_sets(h: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """Sorted distinct values of each row of a flat array with row offsets.

    The rows are laid out in a padded matrix and sorted along its rows: many short sorts are
    several times faster than one sort of (row, value) keys over the whole batch.
    """
    counts = np.diff(offsets)
    n = len(counts)
    if n >= 200:  # two halves on two threads (numpy releases the GIL in the sorts)
        half = n // 2
        first, second = offsets[: half + 1], offsets[half:]
        parts = parallel_map(lambda o: _row_sets_of(h[o[0] : o[-1]], o - o[0]), [first, second])
        return parts[0] + parts[1]
    return _row_sets_of(h, offsets)


def _row_sets_of(h: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    counts = np.diff(offsets)
    n = len(counts)
    out: list[np.ndarray] = [h[:0]] * n
    short = np.flatnonzero((counts > 0) & (counts <= _ROW_WIDTH))
    for i in np.flatnonzero(counts > _ROW_WIDTH).tolist():
        out[i] = sorted_unique(h[offsets[i] : offsets[i + 1]])
    if not len(short):
        return out
    c = counts[short]
    mat = np.full((len(short), int(c.max())), _PAD, dtype=np.uint32)
    width = mat.shape[1]
    # Flat position in the matrix of each value: its rank in its row plus the row's first cell.
    shift = np.arange(len(c), dtype=np.int64) * width - (np.cumsum(c) - c)
    mat.ravel()[np.arange(int(c.sum()), dtype=np.int64) + np.repeat(shift, c)] = h[_ranges(offsets[short], c)]
    mat.sort(axis=1)
    keep = np.ones(mat.shape, dtype=bool)
    np.not_equal(mat[:, 1:], mat[:, :-1], out=keep[:, 1:])
    keep &= np.arange(mat.shape[1]) < c[:, None]  # the first c cells of a sorted row are its own
    flat = mat[keep]
    bounds = np.zeros(len(short) + 1, dtype=np.int64)
    np.cumsum(keep.sum(axis=1), out=bounds[1:])
    for k, i in enumerate(short.tolist()):
        out[i] = flat[bounds[k] : bounds[k + 1]]
    return out


def _short(h: np.ndarray) -> np.ndarray:
    return (h >> np.uint64(32)).astype(np.uint32)


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


# Shingle sequences of this many recent articles are kept between stage calls (uint32, ~1.7 KB
# for a 400-word text: ~85 MB at most). Copies of news mostly follow their original within
# days, and a later batch then verifies against them without fetching and re-tokenising them;
# older articles are fingerprinted again from their stored text.
KEEP_RECENT = 50_000


class ShingleCache:
    """Shingle sets and sequences of articles by id, computed at most once per duplicate-stage call.

    Args:
        shingle_size: words per shingle.
        keep: sequences of this many recent articles are kept for later calls (see `end_call`).
    """

    def __init__(self, shingle_size: int, keep: int = 0) -> None:
        self.shingle_size = shingle_size
        self.keep = keep
        self._where: dict[str, tuple[Fingerprints, int]] = {}
        self._hash: dict[str, str] = {}
        self._loose: dict[str, np.ndarray] = {}  # sequences taken from the kept ones
        self._loose_sets: dict[str, np.ndarray] = {}
        # id -> (content hash, sequence), oldest first; the content hash guards against an
        # article whose text changed under the same id (a re-clean).
        self._kept: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()

    def add(self, articles: Sequence[Article], fp: Fingerprints) -> None:
        """Remember the fingerprints of these articles (rows in order)."""
        for k, a in enumerate(articles):
            if a.id not in self._where:
                self._where[a.id] = (fp, k)
                self._hash[a.id] = a.content_hash

    def ensure(self, articles: Iterable[Article]) -> None:
        """Compute the shingles of articles not seen yet, in one pass."""
        todo, loose = [], []
        for a in articles:
            if a.id in self._where or a.id in self._loose:
                continue
            kept = self._kept.get(a.id)
            if kept is not None and kept[0] == a.content_hash:
                self._loose[a.id] = kept[1]
                self._hash[a.id] = a.content_hash
                loose.append(a.id)
            else:
                todo.append(a)
        if loose:  # their sets, in one pass
            seqs = [self._loose[i] for i in loose]
            offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
            np.cumsum([len(x) for x in seqs], out=offsets[1:])
            self._loose_sets.update(zip(loose, _row_sets(np.concatenate(seqs), offsets), strict=True))
        if todo:
            fp = Fingerprints([a.text for a in todo], self.shingle_size)
            fp.prepare_sets()  # each is verified or grouped: all sets are needed
            self.add(todo, fp)

    def set(self, article_id: str) -> np.ndarray:
        """Sorted distinct shingle hashes."""
        where = self._where.get(article_id)
        if where is not None:
            return where[0].shingle_set(where[1])
        got = self._loose_sets.get(article_id)
        if got is None:
            got = self._loose_sets[article_id] = sorted_unique(self._loose[article_id])
        return got

    def sequence(self, article_id: str) -> np.ndarray:
        """Shingle hashes in text order."""
        where = self._where.get(article_id)
        if where is not None:
            return where[0].sequence(where[1])
        return self._loose[article_id]

    def length(self, article_id: str) -> int:
        """Number of shingles (`len(self.sequence(article_id))`)."""
        where = self._where.get(article_id)
        if where is not None:
            o = where[0].shingles.offsets
            return int(o[where[1] + 1] - o[where[1]])
        return len(self._loose[article_id])

    def end_call(self) -> None:
        """Keep the sequences of this call's articles for later calls, and forget the rest."""
        if self.keep:
            kept, hashes = self._kept, self._hash
            for i, seq in self._loose.items():
                kept.pop(i, None)  # re-inserted last: the most recent
                kept[i] = (hashes[i], seq)
            by_fp: dict[int, tuple[Fingerprints, list[str], list[int]]] = {}
            for i, (fp, k) in self._where.items():
                _, ids, rows = by_fp.setdefault(id(fp), (fp, [], []))
                ids.append(i)
                rows.append(k)
            for fp, ids, rows in by_fp.values():
                for i, seq in zip(ids, fp.sequences(rows), strict=True):
                    kept.pop(i, None)
                    kept[i] = (hashes[i], seq)
            for _ in range(len(kept) - self.keep):
                kept.popitem(last=False)
        self._where, self._hash, self._loose, self._loose_sets = {}, {}, {}, {}


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
