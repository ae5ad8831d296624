"""Stories: memberships, cached views, listing and filtering.

SQL of one kind of data, mixed into `storyline.store.Store`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from storyline.errors import NotFoundError, StoreError
from storyline.store.base import Rows, chunks, now
from storyline.store.ids import resolve as resolve_id
from storyline.text import fold
from storyline.types import (
    DupRelation,
    Member,
    StoryInfo,
)

# Story filters: a set of stories this small is fetched and sorted rather than tested (see list_stories).
SMALL_SET = 2000


# The columns of a story list row: never the cached view, which can be large.
# The topic comes from a correlated lookup (``story_topics`` has no ``id``: the outer story's).
STORY_COLS = (
    "id, headline, n_articles, n_sources, languages, first_published, last_published, updated_at, "
    "(SELECT t.topic FROM story_topics t WHERE t.story = id) AS topic"
)


def story_info_of_row(row: sqlite3.Row) -> StoryInfo:
    """The story of a row of `STORY_COLS`."""
    return StoryInfo(
        id=row["id"],
        headline=row["headline"] or "",
        articles=row["n_articles"],
        sources=row["n_sources"],
        languages=tuple(x for x in (row["languages"] or "").split(",") if x),
        first_published=row["first_published"],
        last_published=row["last_published"],
        updated=row["updated_at"],
        topic=row["topic"],
    )


class StoryRows(Rows):
    """`Store` methods for stories, memberships and views."""

    def clear_stories(self) -> None:
        """Forget every story, membership and the clustering state (before re-clustering)."""
        for table in (
            "memberships", "story_entities", "stories", "story_state", "story_member", "story_alias",
            "story_df", "story_meta",
        ):  # fmt: skip
            self.conn.execute(f"DELETE FROM {table}")

    def story_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Story id per article (articles in no story are absent)."""
        out: dict[str, str] = {}
        for chunk in chunks(list(article_ids)):
            q = f"SELECT article, story FROM memberships WHERE article IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.conn.execute(q, chunk)))
        return out

    def placements(self, article_ids: Iterable[str]) -> dict[str, tuple[str, float | None, int]]:
        """Per article: its story, the probability it was placed with, and its rank in the story.

        The probability is the join model's for the story it joined (1 for a copy, which follows
        its original; for an article that started a story, the best other story's, below the
        threshold). The rank is 0 for the story's first article by arrival.
        """
        out: dict[str, tuple[str, float | None, int]] = {}
        for chunk in chunks(list(article_ids)):
            q = (
                "SELECT m.article, m.story, m.score, (SELECT count(*) FROM memberships o JOIN articles b "
                "ON b.id = o.article WHERE o.story = m.story AND b.seq < a.seq) FROM memberships m "
                f"JOIN articles a ON a.id = m.article WHERE m.article IN ({','.join('?' * len(chunk))})"
            )
            out.update({r[0]: (r[1], r[2], int(r[3])) for r in self.conn.execute(q, chunk)})
        return out

    def put_memberships(self, assignments: Sequence[tuple[str, str, float | None]]) -> None:
        """Place articles in stories: (article, story, score); creates missing story rows."""
        stamp = now()
        self.conn.executemany(
            "INSERT OR IGNORE INTO stories (id, created_at, updated_at) VALUES (?, ?, ?)",
            [(s, stamp, stamp) for _, s, _ in assignments],
        )
        self.conn.executemany(
            "INSERT INTO memberships (article, story, score, joined_at) VALUES (?,?,?,?) "
            "ON CONFLICT (article) DO UPDATE SET story = excluded.story, score = excluded.score",
            [(a, s, sc, stamp) for a, s, sc in assignments],
        )

    def move_story(self, old: str, new: str) -> None:
        """Move every member of story `old` into story `new` (a merge); `old` is dropped on refresh."""
        self.conn.execute("UPDATE memberships SET story = ? WHERE story = ?", (new, old))

    def story_members(self, story_id: str) -> list[str]:
        """Article ids of a story, in arrival order."""
        rows = self.conn.execute(
            "SELECT m.article FROM memberships m JOIN articles a ON a.id = m.article WHERE m.story = ? ORDER BY a.seq",
            (story_id,),
        )
        return [r[0] for r in rows]

    def refresh_story(self, story_id: str, headline: str | None = None) -> None:
        """Recompute a story's counts and dates from its members; drop it when it has none."""
        row = self.conn.execute(
            "SELECT count(*) AS n, count(DISTINCT coalesce(a.publisher, a.source)) AS ns, "
            "group_concat(DISTINCT a.language) AS langs, min(a.published) AS first, max(a.published) AS last "
            "FROM memberships m JOIN articles a ON a.id = m.article WHERE m.story = ?",
            (story_id,),
        ).fetchone()
        if not row["n"]:
            self.conn.execute("DELETE FROM story_entities WHERE story = ?", (story_id,))
            self.conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            return
        langs = ",".join(sorted({x for x in (row["langs"] or "").split(",") if x}))
        self.conn.execute(
            "UPDATE stories SET n_articles=?, n_sources=?, languages=?, first_published=?, last_published=?, "
            "updated_at=?, headline=coalesce(?, headline), view=NULL WHERE id=?",
            (row["n"], row["ns"], langs, row["first"], row["last"], now(), headline, story_id),
        )

    def fill_headlines(self, headlines: dict[str, str]) -> None:
        """Give stories without a headline a provisional one (until their view is built)."""
        self.conn.executemany(
            "UPDATE stories SET headline = ? WHERE id = ? AND coalesce(headline, '') = ''",
            [(h, sid) for sid, h in headlines.items() if h],
        )

    def put_story_view(self, story_id: str, headline: str, view: dict[str, Any]) -> None:
        """Cache a computed story view (and index the names of its entities for the entity filter)."""
        self.conn.execute(
            "UPDATE stories SET headline = ?, view = ?, view_at = ? WHERE id = ?",
            (headline, json.dumps(view, ensure_ascii=False), now(), story_id),
        )
        names = set()
        for e in view.get("entities") or ():
            for name in (e.get("name"), *(e.get("variants") or ())):
                if isinstance(name, str) and name.strip():
                    names.add(fold(name))
        self.conn.execute("DELETE FROM story_entities WHERE story = ?", (story_id,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO story_entities (name, story) VALUES (?, ?)", [(n, story_id) for n in names]
        )

    def get_story_view(self, story_id: str, version: int | None = None) -> dict[str, Any] | None:
        """The cached view of a story, or None when stale, never computed, or of another `version`."""
        row = self.conn.execute("SELECT view FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no story with id {story_id!r}")
        view = json.loads(row[0]) if row[0] else None
        if view is not None and version is not None and view.get("version") != version:
            return None
        return view

    def stale_stories(self, version: int | None = None) -> list[str]:
        """Stories whose cached view is missing, out of date, or of another view `version`."""
        args: tuple[int, ...] = ()
        if version is None:
            query = "SELECT id FROM stories WHERE view IS NULL ORDER BY created_at"
        else:
            query = (
                "SELECT id FROM stories WHERE view IS NULL OR json_extract(view, '$.version') IS NOT ? "
                "ORDER BY created_at"
            )
            args = (version,)
        return [r[0] for r in self.conn.execute(query, args)]

    def resolve_article(self, article_id: str) -> str:
        """The full id of an article given its id or a unique prefix (see `storyline.store.ids.resolve`)."""
        return resolve_id(self.conn, "article", article_id)

    def resolve_story(self, story_id: str) -> str:
        """The full id of a story given its id or a unique prefix (see `storyline.store.ids.resolve`)."""
        return resolve_id(self.conn, "story", story_id)

    def story_info(self, story_id: str) -> StoryInfo:
        """One story's list row."""
        row = self.conn.execute(f"SELECT {STORY_COLS} FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no story with id {story_id!r}")
        return story_info_of_row(row)

    def list_stories(
        self,
        limit: int | None = None,
        offset: int = 0,
        language: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        query: str | None = None,
        entity: str | None = None,
        order: str = "recent",
        topic: str | None = None,
    ) -> list[StoryInfo]:
        """Stories, most recently updated first, optionally filtered.

        Args:
            limit: at most this many stories.
            offset: skip this many first (pagination).
            language: only stories with an article in this language.
            source: only stories with an article from this publisher (or source path).
            since: only stories with a publication on or after this ISO date.
            until: only stories with a publication on or before this ISO date.
            query: full-text search (FTS5 syntax) over member titles and texts.
            entity: only stories whose cached view names this entity (or one of its spelling
                variants), compared folded (case, accents of compatibility forms, quotes).
            order: ``recent`` (last publication, then update) or ``size``.
            topic: only the stories of this topic.
        """
        found = self._story_where(language, source, since, until, query, entity, topic)
        if found is None:
            return []
        where, params = found
        order_sql = (
            "s.n_articles DESC, s.updated_at DESC"
            if order == "size"
            else "coalesce(s.last_published, '') DESC, s.updated_at DESC, s.id"
        )
        sql = f"SELECT {STORY_COLS} FROM stories s WHERE {' AND '.join(where)} ORDER BY {order_sql}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        try:
            rows = self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if query:
                raise StoreError(f"invalid search query {query!r} ({exc})") from None
            raise
        return [story_info_of_row(r) for r in rows]

    def _story_where(
        self,
        language: str | None,
        source: str | None,
        since: str | None,
        until: str | None,
        query: str | None,
        entity: str | None,
        topic: str | None = None,
    ) -> tuple[list[str], list[str | int]] | None:
        """The WHERE conditions (over ``stories s``) and parameters of the story filters.

        Returns:
            None when a filter selects no story at all.

        Raises:
            StoreError: the search query is not valid FTS5.
        """
        where: list[str] = ["1=1"]
        params: list[str | int] = []
        if since:
            where.append("coalesce(s.last_published, '9999') >= ?")
            params.append(since)
        if until:
            where.append("coalesce(s.first_published, '0000') <= ?")
            params.append(until + "\uffff")
        # Filters on articles and names each select a set of stories. Walking the stories in list
        # order (an index) and testing each one costs about limit / share probes, where share is
        # the fraction of stories kept: cheap for common values, a scan of every story for rare
        # ones. Starting from the set costs one lookup per member plus a sort: cheap for small
        # sets. So the smallest set drives the query when it has at most SMALL_SET rows (a couple
        # of milliseconds of lookups); every other filter is a per-story test.
        member = "SELECT m.story FROM articles a JOIN memberships m ON m.article = a.id WHERE"
        test = (
            "EXISTS (SELECT 1 FROM memberships m JOIN articles a ON a.id = m.article WHERE m.story = s.id AND"
        )
        filters: list[tuple[str, str, list[str | int]]] = []  # (set of story ids, per-story test, params)
        if language:
            filters.append((f"{member} a.language = ?", f"{test} a.language = ?)", [language]))
        if source:
            filters.append(
                (
                    f"{member} a.publisher = ? UNION {member} a.source = ?",
                    f"{test} (a.publisher = ? OR a.source = ?))",
                    [source, source],
                )
            )
        if query:
            hits = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
            filters.append(
                (
                    f"SELECT m.story FROM articles a JOIN memberships m ON m.article = a.id WHERE a.seq IN ({hits})",
                    f"{test} a.seq IN ({hits}))",
                    [query],
                )
            )
        if topic:
            filters.append(
                (
                    "SELECT story FROM story_topics WHERE topic = ?",
                    "EXISTS (SELECT 1 FROM story_topics t WHERE t.topic = ? AND t.story = s.id)",
                    [topic],
                )
            )
        if entity:
            filters.append(
                (
                    "SELECT story FROM story_entities WHERE name = ?",
                    "EXISTS (SELECT 1 FROM story_entities e WHERE e.name = ? AND e.story = s.id)",
                    [fold(entity)],
                )
            )
        try:
            sizes = [
                int(
                    self.conn.execute(f"SELECT count(*) FROM ({q} LIMIT ?)", [*p, SMALL_SET + 1]).fetchone()[
                        0
                    ]
                )
                for q, _, p in filters
            ]
        except sqlite3.OperationalError as exc:
            raise StoreError(f"invalid search query {query!r} ({exc})") from None
        if any(n == 0 for n in sizes):
            return None
        driver = sizes.index(min(sizes)) if sizes and min(sizes) <= SMALL_SET else None
        for i, (q, t, p) in enumerate(filters):
            where.append(f"s.id IN ({q})" if i == driver else t)
            params += p
        return where, params

    def count_stories(
        self,
        language: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        query: str | None = None,
        entity: str | None = None,
        topic: str | None = None,
    ) -> int:
        """Number of stories, or of those that pass these filters (as in `list_stories`)."""
        if not any((language, source, since, until, query, entity, topic)):
            return int(self.conn.execute("SELECT count(*) FROM stories").fetchone()[0])
        found = self._story_where(language, source, since, until, query, entity, topic)
        if found is None:
            return 0
        where, params = found
        try:
            row = self.conn.execute(f"SELECT count(*) FROM stories s WHERE {' AND '.join(where)}", params)
            return int(row.fetchone()[0])
        except sqlite3.OperationalError as exc:
            raise StoreError(f"invalid search query {query!r} ({exc})") from None

    def members(self, story_id: str) -> list[Member]:
        """A story's members with their relation to their original, by publication date then arrival."""
        rows = self.conn.execute(
            "SELECT a.id, a.title, a.publisher, a.published, a.language, a.source, a.url, r.kind, r.original "
            "FROM memberships m JOIN articles a ON a.id = m.article "
            "LEFT JOIN relations r ON r.article = a.id "
            "WHERE m.story = ? ORDER BY a.published IS NULL, a.published, a.seq",
            (story_id,),
        ).fetchall()
        seen: set[str] = set()
        out = []
        for r in rows:
            if r["id"] in seen:
                continue
            seen.add(r["id"])
            out.append(
                Member(
                    id=r["id"], title=r["title"], publisher=r["publisher"], published=r["published"],
                    language=r["language"], source=r["source"], url=r["url"], relation=r["kind"],
                    original=r["original"],
                )
            )  # fmt: skip
        return out

    def story_relations(self, story_id: str) -> list[DupRelation]:
        """Duplicate relations whose copy is a member of this story (one indexed query)."""
        rows = self.conn.execute(
            "SELECT r.article, r.original, r.kind, r.score, r.evidence FROM memberships m "
            "JOIN relations r ON r.article = m.article WHERE m.story = ? ORDER BY r.original, r.article",
            (story_id,),
        ).fetchall()
        return [DupRelation(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def story_activity(self, story_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        """Articles per publication day of each story, oldest day first (undated articles left out)."""
        out: dict[str, list[tuple[str, int]]] = {sid: [] for sid in story_ids}
        for chunk in chunks(list(story_ids)):
            q = (
                "SELECT m.story, substr(a.published, 1, 10) AS day, count(*) FROM memberships m "
                "JOIN articles a ON a.id = m.article "
                f"WHERE m.story IN ({','.join('?' * len(chunk))}) AND a.published IS NOT NULL "
                "GROUP BY m.story, day ORDER BY m.story, day"
            )
            for sid, day, n in self.conn.execute(q, chunk):
                out[sid].append((day, int(n)))
        return out
