"""Vectors computed from articles (embeddings, sentence vectors) and cached analyses.

SQL of one kind of data, mixed into `storyline.store.Store`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from storyline.store.base import Rows, chunks


class VectorRows(Rows):
    """`Store` methods for embeddings, sentence vectors and analyses."""

    def put_embeddings(self, model: str, field: str, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Cache embeddings (float32) of articles."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (article, model, field, vector) VALUES (?,?,?,?)",
            [
                (i, model, field, np.asarray(v, dtype=np.float32).tobytes())
                for i, v in zip(ids, vectors, strict=True)
            ],
        )

    def get_embeddings(self, model: str, field: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached embeddings of these articles (missing ones are absent from the result)."""
        out: dict[str, np.ndarray] = {}
        for chunk in chunks(list(ids)):
            q = (
                "SELECT article, vector FROM embeddings WHERE model = ? AND field = ? "
                f"AND article IN ({','.join('?' * len(chunk))})"
            )
            for aid, blob in self.conn.execute(q, (model, field, *chunk)):
                out[aid] = np.frombuffer(blob, dtype=np.float32)
        return out

    def iter_embeddings(self, model: str, field: str) -> Iterator[tuple[int, np.ndarray]]:
        """(article seq, vector) of every stored article with a cached embedding."""
        for seq, blob in self.conn.execute(
            "SELECT a.seq, e.vector FROM embeddings e JOIN articles a ON a.id = e.article "
            "WHERE e.model = ? AND e.field = ? ORDER BY a.seq",
            (model, field),
        ):
            yield seq, np.frombuffer(blob, dtype=np.float32)

    def put_sentence_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Cache sentence embeddings per article (stored as float16: alignment needs no more)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO sentence_vectors (article, model, n, vectors) VALUES (?,?,?,?)",
            [(a, model, len(v), np.asarray(v, dtype=np.float16).tobytes()) for a, v in vectors.items()],
        )

    def get_sentence_vectors(self, model: str, ids: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """Cached sentence embeddings (float32, one row per sentence) of these articles."""
        out: dict[str, np.ndarray] = {}
        for chunk in chunks(list(ids)):
            q = (
                "SELECT article, n, vectors FROM sentence_vectors WHERE model = ? "
                f"AND article IN ({','.join('?' * len(chunk))})"
            )
            for aid, n, blob in self.conn.execute(q, (model, *chunk)):
                out[aid] = np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(n, dim)
        return out

    def put_analyses(self, rows: Sequence[tuple[str, int, str]]) -> None:
        """Cache per-article analyses: (article id, analysis version, JSON)."""
        self.conn.executemany("INSERT OR REPLACE INTO analyses (article, version, data) VALUES (?,?,?)", rows)

    def get_analyses(self, ids: Sequence[str]) -> dict[str, str]:
        """Cached analyses (JSON) of these articles."""
        out: dict[str, str] = {}
        for chunk in chunks(list(ids)):
            q = f"SELECT article, data FROM analyses WHERE article IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out
