"""Raw records, articles, rejected records and the template block counts of cleaning.

SQL of one kind of data, mixed into `storyline.store.Store`.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from storyline.errors import NotFoundError
from storyline.store.base import Rows, chunks, now
from storyline.store.ids import resolve as resolve_id
from storyline.text import word_count
from storyline.types import (
    Article,
    Member,
    RawDoc,
    Rejected,
    Removal,
)

ARTICLE_COLS = (
    "id, source, record, external_id, url, title, published, publisher, author, language, dateline, "
    "date_source, text, content_hash, raw_hash, removed"
)


def article_of_row(row: sqlite3.Row | tuple[Any, ...]) -> Article:
    """The article of a row whose first columns are `ARTICLE_COLS`.

    Read by position: looking sixteen columns up by name costs more than the SQL query that
    fetched them (the duplicate stage reads hundreds of stored articles per batch).
    """
    (
        aid, source, record, external_id, url, title, published, publisher, author, language, dateline,
        date_source, text, content_hash, raw_hash, removed,
    ) = tuple(row[:16])  # fmt: skip
    return Article(
        aid, source, record, text, content_hash, external_id, url, title, published, publisher, author,
        language, dateline, date_source,
        () if not removed or removed == "[]" else tuple(Removal(r["text"], r["reason"]) for r in json.loads(removed)),
        raw_hash,
    )  # fmt: skip


def block_keys(publisher: str | None) -> list[str]:
    """The keys a document's blocks are counted under: its publisher's and the corpus's ``*``."""
    return ["*"] if not publisher or publisher == "*" else [publisher, "*"]


class ArticleRows(Rows):
    """`Store` methods for raw documents, articles, rejects and block counts."""

    def existing(self, ids: Iterable[str]) -> set[str]:
        """Which of these article ids are already stored."""
        ids = list(ids)
        found: set[str] = set()
        for chunk in chunks(ids):
            q = f"SELECT id FROM raw WHERE id IN ({','.join('?' * len(chunk))})"
            found.update(r[0] for r in self.conn.execute(q, chunk))
        return found

    def _next_seq(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT coalesce(max(seq), 0) FROM {table}").fetchone()[0]) + 1

    def add_raw(self, raws: Sequence[RawDoc]) -> None:
        """Store raw records (ids already present are ignored)."""
        seq = self._next_seq("raw")
        stamp = now()
        rows = []
        for i, r in enumerate(raws):
            rows.append(
                (
                    r.article_id, seq + i, r.source, r.source_key or r.source, r.record, r.external_id, r.kind,
                    zlib.compress(r.content.encode("utf-8", "surrogatepass"), 6),
                    r.url, r.title, r.published, r.publisher, r.author, r.language, r.raw_hash, stamp,
                )
            )  # fmt: skip
        self.conn.executemany(
            "INSERT OR IGNORE INTO raw (id, seq, source, source_key, record, external_id, kind, content, url, "
            "title, published, publisher, author, language, raw_hash, ingested_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )

    def get_raw(self, article_id: str) -> RawDoc:
        """The raw record an article was made from."""
        row = self.conn.execute("SELECT * FROM raw WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return RawDoc(
            source=row["source"],
            record=row["record"],
            content=zlib.decompress(row["content"]).decode("utf-8", "surrogatepass"),
            kind=row["kind"],
            source_key=row["source_key"],
            external_id=row["external_id"],
            url=row["url"],
            title=row["title"],
            published=row["published"],
            publisher=row["publisher"],
            author=row["author"],
            language=row["language"],
        )

    def put_articles(self, articles: Sequence[Article]) -> None:
        """Insert articles, or replace the cleaned fields of existing ones (re-cleaning)."""
        stamp = now()
        seq = self._next_seq("articles")
        for a in articles:
            removed = json.dumps(
                [{"text": r.text, "reason": r.reason} for r in a.removed], ensure_ascii=False
            )
            values = (
                a.source, a.record, a.external_id, a.url, a.title, a.published, a.publisher, a.author,
                a.language, a.dateline, a.date_source, a.text, word_count(a.text), a.content_hash,
                a.raw_hash, removed, stamp,
            )  # fmt: skip
            cur = self.conn.execute(
                "UPDATE articles SET source=?, record=?, external_id=?, url=?, title=?, published=?, publisher=?, "
                "author=?, language=?, dateline=?, date_source=?, text=?, words=?, content_hash=?, raw_hash=?, "
                "removed=?, cleaned_at=? WHERE id=?",
                (*values, a.id),
            )
            if cur.rowcount == 0:
                self.conn.execute(
                    "INSERT INTO articles (source, record, external_id, url, title, published, publisher, author, "
                    "language, dateline, date_source, text, words, content_hash, raw_hash, removed, cleaned_at, "
                    "id, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*values, a.id, seq),
                )
                seq += 1

    def get_article(self, article_id: str) -> Article:
        """One article by id or unique id prefix (see `storyline.store.ids.resolve`)."""
        row = self.conn.execute(
            f"SELECT {ARTICLE_COLS} FROM articles WHERE id = ?",
            (resolve_id(self.conn, "article", article_id),),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return article_of_row(row)

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """Articles by id, in the order given (missing ids are skipped)."""
        found: dict[str, Article] = {}
        for chunk in chunks(list(ids)):
            q = f"SELECT {ARTICLE_COLS} FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row[0]] = article_of_row(row)
        return [found[i] for i in ids if i in found]

    def articles_by_seq(self, seqs: Iterable[int]) -> dict[int, Article]:
        """Articles by arrival number (missing numbers are skipped)."""
        found: dict[int, Article] = {}
        for chunk in chunks([int(s) for s in seqs]):
            q = f"SELECT {ARTICLE_COLS}, seq FROM articles WHERE seq IN ({','.join('?' * len(chunk))})"
            for row in self.conn.execute(q, chunk):
                found[row[16]] = article_of_row(row)
        return found

    def iter_articles(self, order: str = "seq") -> Iterator[Article]:
        """All articles, in arrival order."""
        yield from (
            article_of_row(r) for r in self.conn.execute(f"SELECT {ARTICLE_COLS} FROM articles ORDER BY seq")
        )

    def article_ids(self) -> list[str]:
        """All article ids in arrival order."""
        return [r[0] for r in self.conn.execute("SELECT id FROM articles ORDER BY seq")]

    def seqs(self, ids: Sequence[str]) -> dict[str, int]:
        """Arrival order number of these articles."""
        out: dict[str, int] = {}
        for chunk in chunks(list(ids)):
            q = f"SELECT id, seq FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out

    def same_content(self, hashes: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """(id, arrival number) of the articles per content hash, in arrival order.

        One query gives a batch of stored articles both their exact copies and their arrival
        numbers (each is among the articles with its own content hash).
        """
        out: dict[str, list[tuple[str, int]]] = {}
        hs = list(set(hashes))
        for chunk in chunks(hs):
            q = (
                f"SELECT content_hash, id, seq FROM articles WHERE content_hash IN ({','.join('?' * len(chunk))}) "
                "ORDER BY seq"
            )
            for h, i, seq in self.conn.execute(q, chunk):
                out.setdefault(h, []).append((i, seq))
        return out

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        out = {}
        for table in ("raw", "articles", "rejects", "relations", "stories", "memberships"):
            out[table] = int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return out

    def add_rejects(self, rejects: Sequence[Rejected]) -> None:
        """Record rejected inputs (the same rejection again only updates its last-seen time)."""
        stamp = now()
        for r in rejects:
            cur = self.conn.execute(
                "UPDATE rejects SET last_seen = ? WHERE source = ? AND record IS ? AND stage = ? AND reason = ?",
                (stamp, r.source, r.record, r.stage, r.reason),
            )
            if cur.rowcount == 0:
                self.conn.execute(
                    "INSERT INTO rejects (source, record, stage, reason, first_seen, last_seen) VALUES (?,?,?,?,?,?)",
                    (r.source, r.record, r.stage, r.reason, stamp, stamp),
                )

    def rejects(self) -> list[Rejected]:
        """All recorded rejections."""
        rows = self.conn.execute("SELECT source, record, stage, reason FROM rejects ORDER BY id")
        return [Rejected(r[0], r[1], r[2], r[3]) for r in rows]

    def clear_rejects(self, source: str, record: int | None) -> None:
        """Forget earlier rejections of an input that has now been read successfully."""
        self.conn.execute("DELETE FROM rejects WHERE source = ? AND record IS ?", (source, record))

    def article_heads(self, ids: Iterable[str]) -> dict[str, Member]:
        """Metadata of these articles without their text (missing ids are absent)."""
        out: dict[str, Member] = {}
        for chunk in chunks(list(set(ids))):
            q = (
                "SELECT id, title, publisher, published, language, source, url FROM articles "
                f"WHERE id IN ({','.join('?' * len(chunk))})"
            )
            for r in self.conn.execute(q, chunk):
                out[r[0]] = Member(*r)
        return out

    def leads(self, ids: Iterable[str], chars: int = 300) -> dict[str, str]:
        """The first `chars` characters of these articles' texts (for articles without a title)."""
        out: dict[str, str] = {}
        for chunk in chunks(list(set(ids))):
            q = f"SELECT id, substr(text, 1, ?) FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            out.update((str(r[0]), str(r[1])) for r in self.conn.execute(q, (chars, *chunk)))
        return out

    def facets(self, limit: int = 200) -> dict[str, list[tuple[str, int]]]:
        """Languages and the `limit` biggest publishers, with their article counts, most frequent first."""
        langs = self.conn.execute(
            "SELECT language, count(*) FROM articles WHERE language IS NOT NULL AND language != '' "
            "GROUP BY language ORDER BY count(*) DESC, language"
        ).fetchall()
        pubs = self.conn.execute(
            "SELECT publisher, count(*) FROM articles WHERE publisher IS NOT NULL AND publisher != '' "
            "GROUP BY publisher ORDER BY count(*) DESC, publisher LIMIT ?",
            (limit,),
        ).fetchall()
        return {
            "languages": [(str(r[0]), int(r[1])) for r in langs],
            "publishers": [(str(r[0]), int(r[1])) for r in pubs],
        }

    def add_blocks(self, publisher: str | None, hashes: Iterable[str]) -> None:
        """Count one document's blocks under its publisher and under the corpus key ``*``."""
        unique = sorted(set(hashes))
        for key in block_keys(publisher):
            self.conn.execute(
                "INSERT INTO block_docs (publisher, n) VALUES (?, 1) ON CONFLICT (publisher) DO UPDATE SET n = n + 1",
                (key,),
            )
            self.conn.executemany(
                "INSERT INTO block_counts (publisher, hash, n) VALUES (?, ?, 1) "
                "ON CONFLICT (publisher, hash) DO UPDATE SET n = n + 1",
                [(key, h) for h in unique],
            )

    def block_documents(self, publisher: str) -> int:
        """Documents counted for a publisher key (``*``: all)."""
        row = self.conn.execute("SELECT n FROM block_docs WHERE publisher = ?", (publisher,)).fetchone()
        return int(row[0]) if row else 0

    def block_count(self, publisher: str, block_hash: str) -> int:
        """Documents of a publisher key that contain the block."""
        row = self.conn.execute(
            "SELECT n FROM block_counts WHERE publisher = ? AND hash = ?", (publisher, block_hash)
        ).fetchone()
        return int(row[0]) if row else 0
