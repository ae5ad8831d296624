"""MinHash signatures (rensa, in Rust) and the LSH band layout derived from a Jaccard threshold.

The user states a similarity threshold; the number of bands b and rows per band r (b * r <= the
number of permutations) are derived from it. Two sets of Jaccard similarity s share at least
one band with probability P(s) = 1 - (1 - s^r)^b. The layout minimises the false positive area
(integral of P over [0, t]) plus the false negative area (integral of 1 - P over [t, 1]), as
datasketch does; candidates are then verified with the exact Jaccard, so false positives cost
time, never precision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import rensa

SEED = 1_234_567


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


def signature(tokens: Iterable[str], num_perm: int = 128) -> np.ndarray:
    """MinHash signature (uint32) of a set of shingles."""
    m = rensa.RMinHash(num_perm=num_perm, seed=SEED)
    m.update(list(tokens))
    return np.asarray(m.digest(), dtype=np.uint32)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> list[int]:
    """One 63-bit key per band: a hash of the band's rows (fits SQLite's signed 64-bit integers)."""
    keys = []
    for b in range(bands):
        chunk = np.ascontiguousarray(sig[b * rows : (b + 1) * rows]).tobytes()
        keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") >> 1)
    return keys
