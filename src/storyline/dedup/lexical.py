"""Word-shingle fingerprints of texts (MinHash signatures, band keys, shingle sets), in batches.

Computed once per batch on worker threads, and kept for the articles met recently
(`ShingleCache`) so that a stored article met as a candidate again is not re-read. The candidate
index is `storyline.dedup.bands`, the verification `storyline.dedup.overlap`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

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
