"""Word n-gram shingle hashes of many texts at once, vectorised with numpy.

The tokens are exactly those of `storyline.text.words` (NFKC, case folding, invisible characters
dropped, runs of word characters, one token per character of scripts written without spaces), but
no Python object is made per token: a batch of texts becomes one array of code points, a table
lookup classifies each code point, token boundaries come from where the class changes, and each
token's hash is a polynomial hash computed from prefix sums. Python-level shingling (one string per
n-gram, then a hash per string) runs at ~6,500 documents of 400 words per second; this runs at
well over 100,000, which is what makes the duplicate stage fast.

Hashes are stable across runs, processes and machines (no use of Python's salted ``hash``), so
signatures stored in a database stay comparable with those of later ingests.

Why hand-written: no maintained library exposes Unicode-aware tokenisation plus stable token hashing
over a batch as arrays; tokenisers return Python strings, which is the cost this module avoids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from storyline.text import _NOSPACE

_U64 = np.uint64
# Polynomial base for token hashes: a large odd constant (odd, so it is invertible modulo 2^64,
# which lets a token's hash be read off two prefix sums).
_P = 0x9E3779B97F4A7C15
_P_INV = pow(_P, -1, 1 << 64)
# Multiplier that chains the token hashes of a shingle (another odd 64-bit constant).
_CHAIN = 0xC2B2AE3D27D4EB4F
_MASK64 = (1 << 64) - 1

# Classes of code points in the lookup table.
_SEP, _WORD, _SINGLE, _DROP = 0, 1, 2, 3
# Characters `storyline.text.fold` deletes before tokenising (zero-width, BOM, soft hyphen, bidi).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"
# Code points per chunk: bounds the size of the temporary uint64 arrays (8 bytes each, a few
# arrays at a time: ~25 MB at 500k code points) whatever the batch size.
_CHUNK = 500_000


_UNKNOWN = 255
_TABLE = np.full(0x110000, _UNKNOWN, dtype=np.uint8)
_SINGLE_SPANS = [
    (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x0E00, 0x0E7F),
    (0x0E80, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF),
]  # fmt: skip
_WORD_RE = re.compile(r"\w")


def _class_of(c: int) -> int:
    ch = chr(c)
    if ch in _INVISIBLE:
        return _DROP
    if any(lo <= c <= hi for lo, hi in _SINGLE_SPANS):
        return _SINGLE  # every character of these scripts is a token, as in `words`
    # A word character is what `\w` matches in Python's `re`, as in `storyline.text.words`.
    return _WORD if _WORD_RE.match(ch) else _SEP


def _classes(cp: np.ndarray) -> np.ndarray:
    """Class of each code point: separator, word character, single-character token, dropped.

    The table is filled lazily for the code points texts actually use (a few hundred per
    language), so no process pays for classifying all 1.1 million.
    """
    cls = _TABLE.take(cp)
    unknown = cls == _UNKNOWN
    if unknown.any():
        for c in np.unique(cp[unknown]).tolist():
            _TABLE[c] = _class_of(c)
        cls = _TABLE.take(cp)
    return cls


def _check_spans() -> None:
    # The spans above must be the ones `storyline.text` uses; fail loudly if they drift apart.
    expected = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
    if expected != _NOSPACE:  # pragma: no cover - a programming error
        raise RuntimeError("storyline.text._NOSPACE changed: update fingerprint.shingles spans")


_check_spans()


_POWERS: dict[int, np.ndarray] = {}


def _powers(base: int, length: int) -> np.ndarray:
    """base^i modulo 2^64 for i < at least `length` (uint64 arithmetic wraps, which is the modulo).

    Kept per base and grown to the next power of two, so chunks of any size reuse one table.
    """
    table = _POWERS.get(base)
    if table is None or len(table) < length:
        size = 1 << max(16, (length - 1).bit_length())
        out = np.full(size, base, dtype=_U64)
        out[0] = 1
        table = _POWERS[base] = np.cumprod(out, dtype=_U64)
    return table


def _fmix(x: np.ndarray) -> np.ndarray:
    """The 64-bit finaliser of MurmurHash3: spreads every input bit over the whole word."""
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> _U64(33))


# Folding (`storyline.text.fold`: NFKC, then case folding) per code point, with a table instead of
# `unicodedata.normalize` and `str.casefold` per text, which cost more than the rest of the
# hashing on the mixed-script text of a news corpus (a fifth of its texts hold some compatibility
# character: a no-break space, an ellipsis, full-width punctuation).
#
# Folding each code point on its own folds the text whenever no composition or reordering can
# happen between neighbours: NFKC decomposes each character independently, and then only
# reorders combining marks and composes a character with a following combining mark, Hangul
# vowel or trailing consonant, or one of the few vowel signs that compose (the second parts of
# canonical decompositions); case folding has no context rules. So a code point whose folding
# holds none of those (`_SAFE`) maps through `_FOLDED` (one code point, or several via
# `_EXPANSIONS`, such as the German sharp s), and a text holding any other code point is folded
# by `unicodedata` as before: a handful of texts (Vietnamese, Hindi, vocalised Arabic).
_FOLD_UNKNOWN = np.uint32(0xFFFFFFFF)
_MULTI = np.uint32(0xFFFFFFFE)
_UNSAFE = np.uint32(0xFFFFFFFD)
_FOLDED = np.full(0x110000, _FOLD_UNKNOWN, dtype=np.uint32)
_FOLDED[:128] = np.frombuffer(bytes(range(128)).decode("ascii").lower().encode("utf-32-le"), dtype=np.uint32)
_EXPANSIONS: dict[int, list[int]] = {}
_COMPOSING: set[int] = set()


def _composing() -> set[int]:
    """Code points that can compose with the character before them (computed once, ~0.1 s)."""
    if not _COMPOSING:
        # Canonical decompositions end below U+2FA20; Hangul vowels and trailing consonants compose
        # algorithmically, not through the decomposition data.
        for c in range(0x2FA20):
            d = unicodedata.decomposition(chr(c))
            if d and d[0] != "<" and " " in d:
                _COMPOSING.add(int(d.split()[1], 16))
        _COMPOSING.update(range(0x1161, 0x1176), range(0x11A8, 0x11C3))
    return _COMPOSING


def _fold_entry(c: int) -> None:
    if chr(c) in _INVISIBLE:  # dropped, as `storyline.text.fold` drops them
        _FOLDED[c] = _MULTI
        _EXPANSIONS[c] = []
        return
    folded = unicodedata.normalize("NFKC", chr(c)).casefold()
    parts = [ord(x) for x in folded]
    if any(unicodedata.combining(x) or ord(x) in _composing() for x in chr(c) + folded):
        _FOLDED[c] = _UNSAFE
    elif len(parts) == 1:
        _FOLDED[c] = parts[0]
    else:
        _FOLDED[c] = _MULTI
        _EXPANSIONS[c] = parts


_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE), None)


def _fold_cp(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the folded texts joined by newlines, and where each text starts."""
    cp = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    text_start = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=text_start[1:])
    out = _FOLDED.take(cp)
    unknown = out == _FOLD_UNKNOWN
    if unknown.any():
        for c in np.unique(cp[unknown]).tolist():
            _fold_entry(c)
        out = _FOLDED.take(cp)
    special = np.flatnonzero(out >= _UNSAFE)
    if not len(special):
        return out, text_start
    # Splice in the foldings of several code points (or none), and the texts folded by
    # `unicodedata`: a few dozen places per chunk, so a Python loop over them is cheap.
    text_of = np.searchsorted(text_start, special, side="right") - 1
    unsafe_rows = set(text_of[out[special] == _UNSAFE].tolist())
    edits: list[tuple[int, int, np.ndarray]] = []  # (start, end, replacement), in order
    done: set[int] = set()
    for pos, row, c in zip(special.tolist(), text_of.tolist(), cp[special].tolist(), strict=True):
        if row in unsafe_rows:
            if row not in done:
                done.add(row)
                start = int(text_start[row])
                text = unicodedata.normalize("NFKC", texts[row]).translate(_DROP_INVISIBLE).casefold()
                arr = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
                edits.append((start, start + int(lengths[row]), arr))
        else:
            edits.append((pos, pos + 1, np.array(_EXPANSIONS[c], dtype=np.uint32)))
    pieces, at = [], 0
    ends = np.empty(len(edits), dtype=np.int64)
    growth = np.zeros(len(edits) + 1, dtype=np.int64)
    for k, (start, end, arr) in enumerate(edits):
        pieces += [out[at:start], arr]
        at = end
        ends[k] = end
        growth[k + 1] = len(arr) - (end - start)
    pieces.append(out[at:])
    np.cumsum(growth, out=growth)
    # Each edit lies inside one text, so a text starts after all edits ending at or before it.
    return np.concatenate(pieces), text_start + growth[np.searchsorted(ends, text_start, side="right")]


@dataclass(frozen=True)
class TokenHashes:
    """Token hashes of a batch of texts, flat, with the row offsets of each text.

    Attributes:
        hashes: uint64 hash of every token, texts one after the other.
        offsets: int64 array of len(texts) + 1; text i's tokens are hashes[offsets[i]:offsets[i+1]].
    """

    hashes: np.ndarray
    offsets: np.ndarray

    def counts(self) -> np.ndarray:
        """Number of tokens per text."""
        return np.diff(self.offsets)


def token_hashes(texts: Sequence[str]) -> TokenHashes:
    """Hash every token of every text (tokens as in `storyline.text.words`)."""
    parts_h: list[np.ndarray] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    start = 0
    while start < len(texts):
        # Gather texts into a chunk of at most _CHUNK code points (a longer single text is its own chunk).
        stop, size = start, 0
        while stop < len(texts) and (stop == start or size + len(texts[stop]) + 1 <= _CHUNK):
            size += len(texts[stop]) + 1
            stop += 1
        h, c = _chunk_hashes(texts[start:stop])
        parts_h.append(h)
        counts[start:stop] = c
        start = stop
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    hashes = np.concatenate(parts_h) if parts_h else np.zeros(0, dtype=_U64)
    return TokenHashes(hashes, offsets)


_POOL: ThreadPoolExecutor | None = None
T = TypeVar("T")
R = TypeVar("R")


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="storyline-fingerprints")
    return _POOL


def parallel_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`fn` over the items on two threads (the machine sizes this project targets have two cores).

    `fn` must not itself wait for work on these threads.
    """
    return list(_pool().map(fn, items))


def in_background(fn: Callable[..., R], *args: object) -> Future[R]:
    """Start `fn(*args)` on one of the two threads, so the caller can do other work meanwhile.

    Numpy releases the GIL in its heavy loops, and SQLite while it steps through a query: array
    work runs there while the calling thread reads or writes the database. `fn` must not itself
    wait for work on these threads.
    """
    return _pool().submit(fn, *args)


def _chunk_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of a few texts and the number of tokens of each."""
    # One separator between texts, so no token spans two of them.
    cp, text_start = _fold_cp(list(texts))
    cls = _classes(cp)
    drop = cls == _DROP
    if drop.any():
        keep = ~drop
        # Shift text starts to account for the dropped code points before them.
        dropped_before = np.concatenate(([0], np.cumsum(drop)))
        text_start = text_start - dropped_before[text_start]
        cp, cls = cp[keep], cls[keep]
    n = len(cp)
    word = cls == _WORD
    single = cls == _SINGLE
    prev_word = np.zeros(n, dtype=bool)
    prev_word[1:] = word[:-1]
    next_word = np.zeros(n, dtype=bool)
    next_word[:-1] = word[1:]
    starts = np.flatnonzero((word & ~prev_word) | single)
    ends = np.flatnonzero((word & ~next_word) | single) + 1
    # Polynomial hash of each token from prefix sums: sum(cp[s+k] * P^k) = (S[e] - S[s]) * P^-s.
    pw = _powers(_P, max(n, 1))[:n]
    prefix = np.zeros(n + 1, dtype=_U64)
    np.cumsum(cp.astype(_U64) * pw, dtype=_U64, out=prefix[1:])
    inv = _powers(_P_INV, max(n, 1))
    h = (prefix[ends] - prefix[starts]) * inv[starts]
    h = _fmix(h ^ (ends - starts).astype(_U64))
    # Tokens of text i are those starting in [text_start[i], text_start[i+1]).
    first = np.searchsorted(starts, text_start, side="left")
    counts = np.diff(np.append(first, len(starts))).astype(np.int64)
    return h, counts


def shingle_hashes(tokens: TokenHashes, n: int) -> TokenHashes:
    """Hashes of the word n-grams of each text (the whole token run when a text has fewer than n).

    Duplicates within a text are kept (MinHash and set operations ignore them).
    """
    h, offsets = tokens.hashes, tokens.offsets
    counts = np.diff(offsets)
    if n <= 1:
        return tokens
    m = len(h) - n + 1
    if m > 0:
        acc = h[:m].copy()
        for k in range(1, n):
            acc = acc * _U64(_CHAIN) ^ h[k : k + m]
        acc = _fmix(acc)
    else:
        acc = np.zeros(0, dtype=_U64)
    # n-gram i of the flat array is valid when it starts and ends in the same text.
    valid_counts = np.maximum(counts - n + 1, 0)
    starts = offsets[:-1]
    # Positions of valid n-grams: for each text, starts[t] .. starts[t] + valid_counts[t].
    idx = _ranges(starts, valid_counts)
    out = [acc[idx]] if len(idx) else []
    out_counts = valid_counts.copy()
    short = np.flatnonzero((counts > 0) & (counts < n))
    if len(short):
        # Texts shorter than n tokens: one shingle of all their tokens, as `storyline.text.shingles`.
        extra = np.empty(len(short), dtype=_U64)
        for j, t in enumerate(short):
            seg = h[offsets[t] : offsets[t + 1]].tolist()
            a = seg[0]
            for v in seg[1:]:
                a = ((a * _CHAIN) & _MASK64) ^ v
            extra[j] = a
        extra = _fmix(extra)
        out_counts[short] = 1
        # Merge: rebuild in text order.
        merged_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(out_counts, out=merged_offsets[1:])
        flat = np.empty(int(merged_offsets[-1]), dtype=_U64)
        normal = np.flatnonzero(valid_counts > 0)
        flat[_ranges(merged_offsets[:-1][normal], valid_counts[normal])] = out[0] if out else flat[:0]
        flat[merged_offsets[:-1][short]] = extra
        return TokenHashes(flat, merged_offsets)
    new_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(out_counts, out=new_offsets[1:])
    return TokenHashes(out[0] if out else np.zeros(0, dtype=_U64), new_offsets)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + l) for each (s, l), without a Python loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    keep = lengths > 0
    starts, lengths = np.asarray(starts, dtype=np.int64)[keep], lengths[keep]
    out = np.ones(total, dtype=np.int64)
    heads = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=heads[1:])
    out[heads[0]] = starts[0]
    if len(heads) > 1:
        out[heads[1:]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(out)


def python_shingle_hash(tokens: Sequence[str], n: int) -> set[int]:
    """Reference implementation over Python strings (tests check the vectorised path against it)."""
    hs = []
    for tok in tokens:
        cps = [ord(c) for c in tok]
        v = sum(c * pow(_P, k, 1 << 64) for k, c in enumerate(cps)) & _MASK64
        hs.append(int(_fmix(np.array([v ^ len(cps)], dtype=_U64))[0]))
    if not hs:
        return set()
    if len(hs) < n:
        n = len(hs)
    out = set()
    for i in range(len(hs) - n + 1):
        a = hs[i]
        for v in hs[i + 1 : i + n]:
            a = ((a * _CHAIN) & _MASK64) ^ v
        out.add(int(_fmix(np.array([a], dtype=_U64))[0]))
    return out
