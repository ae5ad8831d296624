"""Duplicate relations and the persistent duplicate index (band keys, signatures, anchors).

SQL of one kind of data, mixed into `storyline.store.Store`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from storyline.store.base import Rows, chunks
from storyline.types import (
    DupRelation,
)


class RelationRows(Rows):
    """`Store` methods for duplicate relations and the duplicate index."""

    def put_relations(self, relations: Sequence[DupRelation]) -> None:
        """Store relations, replacing any earlier relation of the same pair."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO relations (article, original, kind, score, evidence) VALUES (?,?,?,?,?)",
            [(r.article, r.original, r.kind, float(r.score), json.dumps(r.evidence)) for r in relations],
        )

    def delete_relations(self, article_ids: Iterable[str]) -> None:
        """Remove every relation in which these articles are the copy."""
        ids = list(article_ids)
        for chunk in chunks(ids):
            self.conn.execute(f"DELETE FROM relations WHERE article IN ({','.join('?' * len(chunk))})", chunk)

    def delete_relations_touching(self, article_ids: Iterable[str]) -> None:
        """Remove every relation in which these articles are the copy or the original."""
        for chunk in chunks(list(article_ids), 400):
            marks = ",".join("?" * len(chunk))
            self.conn.execute(
                f"DELETE FROM relations WHERE article IN ({marks}) OR original IN ({marks})", (*chunk, *chunk)
            )

    def forget_fingerprints(self, article_ids: Iterable[str]) -> None:
        """Drop what was computed from these articles' text (embeddings, duplicate index entries)."""
        for chunk in chunks(list(article_ids)):
            marks = ",".join("?" * len(chunk))
            for table in ("embeddings", "sentence_vectors"):
                self.conn.execute(f"DELETE FROM {table} WHERE article IN ({marks})", chunk)
            # The duplicate index is keyed by arrival number (see the schema).
            self.conn.execute(
                f"DELETE FROM dedup_index WHERE seq IN (SELECT seq FROM articles WHERE id IN ({marks}))",
                chunk,
            )

    def relations(self, article_ids: Iterable[str] | None = None) -> list[DupRelation]:
        """Relations touching these articles (as copy or original), or all of them."""
        if article_ids is None:
            rows = self.conn.execute("SELECT * FROM relations").fetchall()
        else:
            ids = list(article_ids)
            rows = []
            for chunk in chunks(ids, 400):
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    f"SELECT * FROM relations WHERE article IN ({marks}) OR original IN ({marks})",
                    (*chunk, *chunk),
                ).fetchall()
        seen = set()
        out = []
        for r in rows:
            if (r["article"], r["original"]) in seen:
                continue
            seen.add((r["article"], r["original"]))
            out.append(
                DupRelation(r["article"], r["original"], r["kind"], r["score"], json.loads(r["evidence"]))
            )
        return out

    def put_dedup_index(
        self, rows: Sequence[tuple[str, int, bytes | None, bytes | None, bytes | None]]
    ) -> None:
        """Store the duplicate index of articles: (article, seq, lexical keys, signature, anchor keys)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO dedup_index (article, seq, lexical, signature, anchors) VALUES (?,?,?,?,?)",
            rows,
        )

    def iter_dedup_index(self) -> Iterator[tuple[int, bytes | None, bytes | None, bytes | None]]:
        """(seq, lexical keys, signature, anchor keys) of every indexed article, in arrival order."""
        yield from self.conn.execute(
            "SELECT d.seq, d.lexical, d.signature, d.anchors FROM dedup_index d "
            "JOIN articles a ON a.seq = d.seq AND a.id = d.article ORDER BY d.seq"
        )

    def clear_dedup_index(self) -> None:
        """Forget the duplicate index (it is rebuilt from the articles)."""
        self.conn.execute("DELETE FROM dedup_index")

    def ids_of_seqs(self, seqs: Iterable[int]) -> dict[int, str]:
        """Article id per arrival number."""
        out: dict[int, str] = {}
        for chunk in chunks([int(s) for s in seqs]):
            q = f"SELECT seq, id FROM articles WHERE seq IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out
