"""A file of vectors keyed by model and text hash: the persistent cache of `storyline.fingerprint.embed.CachedEncoder`."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np


class VectorCache:
    """Vectors by (model, key) in an SQLite file of their own (created if missing), safe across threads.

    Args:
        path: the cache file.
    """

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, vector BLOB, PRIMARY KEY (model, key))"
        )
        self._lock = threading.Lock()

    def get(self, model: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of these keys (missing keys are absent)."""
        found: dict[str, np.ndarray] = {}
        wanted = sorted(set(keys))
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                q = f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({','.join('?' * len(chunk))})"
                for k, blob in self._db.execute(q, (model, *chunk)):
                    found[k] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, model: str, keys: Sequence[str], vectors: Sequence[np.ndarray]) -> None:
        """Store vectors (float32) under their keys, committed at once."""
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (model, key, vector) VALUES (?,?,?)",
                [
                    (model, k, np.asarray(v, dtype=np.float32).tobytes())
                    for k, v in zip(keys, vectors, strict=True)
                ],
            )
            self._db.commit()

    def close(self) -> None:
        """Close the file."""
        self._db.close()
