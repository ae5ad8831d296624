"""Topics: the groups of stories of one ongoing subject, their decisions and listings.

SQL of one kind of data, mixed into `storyline.store.Store`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from storyline.errors import NotFoundError
from storyline.store.base import Rows, chunks, now
from storyline.store.ids import resolve as resolve_id
from storyline.store.stories import story_info_of_row
from storyline.types import (
    StoryInfo,
    TopicEvent,
    TopicInfo,
)


def _topic_info(row: sqlite3.Row) -> TopicInfo:
    langs = sorted({x for x in (row["languages"] or "").split(",") if x})
    return TopicInfo(
        id=row["id"],
        headline=row["headline"] or "",
        stories=int(row["n_stories"]),
        articles=int(row["n_articles"] or 0),
        languages=tuple(langs),
        first_published=row["first_published"],
        last_published=row["last_published"],
    )


# The columns of a topic list row: its stories' counts, dates, languages and biggest story's headline.
_TOPIC_SELECT = (
    "SELECT t.topic AS id, count(*) AS n_stories, sum(s.n_articles) AS n_articles, "
    "group_concat(s.languages) AS languages, min(s.first_published) AS first_published, "
    "max(s.last_published) AS last_published, "
    "(SELECT s2.headline FROM story_topics t2 JOIN stories s2 ON s2.id = t2.story "
    " WHERE t2.topic = t.topic ORDER BY s2.n_articles DESC, s2.id LIMIT 1) AS headline "
    "FROM story_topics t JOIN stories s ON s.id = t.story"
)


class TopicRows(Rows):
    """`Store` methods for topics."""

    def resolve_topic(self, topic_id: str) -> str:
        """The full id of a topic given its id or a unique prefix (see `storyline.store.ids.resolve`)."""
        return resolve_id(self.conn, "topic", topic_id)

    def put_topics(
        self,
        decisions: Sequence[tuple[str, str, float, int, str]],
        gone: Iterable[str],
        events: Sequence[tuple[str, str, str, str]],
    ) -> None:
        """Write the topic grouper's changes.

        Decisions are (story, topic, probability, size, evidence JSON); the rows of stories merged
        away are dropped; events are (kind, story, before, topic).
        """
        self.conn.executemany(
            "INSERT OR REPLACE INTO story_topics (story, topic, probability, decided_size, evidence) "
            "VALUES (?,?,?,?,?)",
            decisions,
        )
        self.conn.executemany("DELETE FROM story_topics WHERE story = ?", [(g,) for g in sorted(gone)])
        stamp = now()
        self.conn.executemany(
            "INSERT INTO topic_events (kind, story, before, topic, at) VALUES (?,?,?,?,?)",
            [(*e, stamp) for e in events],
        )

    def topic_decisions(self) -> list[tuple[str, str, float, int, str]]:
        """Every story's topic decision, as `put_topics` takes them (to restore the grouper)."""
        rows = self.conn.execute(
            "SELECT story, topic, probability, decided_size, evidence FROM story_topics ORDER BY rowid"
        )
        return [(r[0], r[1], float(r[2]), int(r[3]), r[4]) for r in rows]

    def story_topics(self, story_ids: Iterable[str]) -> dict[str, tuple[str, float, dict[str, Any]]]:
        """The topic decision of each of these stories: topic, probability, evidence."""
        out: dict[str, tuple[str, float, dict[str, Any]]] = {}
        for chunk in chunks(list(story_ids)):
            q = (
                "SELECT story, topic, probability, evidence FROM story_topics "
                f"WHERE story IN ({','.join('?' * len(chunk))})"
            )
            for sid, tid, p, ev in self.conn.execute(q, chunk):
                out[sid] = (tid, float(p), json.loads(ev))
        return out

    def list_topics(
        self, limit: int | None = None, offset: int = 0, order: str = "recent"
    ) -> list[TopicInfo]:
        """Topics, those with the latest report first (``order="size"``: most articles first)."""
        order_sql = (
            "n_articles DESC, id"
            if order == "size"
            else "coalesce(last_published, '') DESC, n_articles DESC, id"
        )
        sql = f"{_TOPIC_SELECT} GROUP BY t.topic ORDER BY {order_sql}"
        params: list[int] = []
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [limit, offset]
        return [_topic_info(r) for r in self.conn.execute(sql, params)]

    def count_topics(self) -> int:
        """Number of topics."""
        return int(self.conn.execute("SELECT count(DISTINCT topic) FROM story_topics").fetchone()[0])

    def topic_info(self, topic_id: str) -> TopicInfo:
        """One topic's list row."""
        row = self.conn.execute(f"{_TOPIC_SELECT} WHERE t.topic = ? GROUP BY t.topic", (topic_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no topic with id {topic_id!r}")
        return _topic_info(row)

    def topic_stories(self, topic_id: str) -> list[tuple[StoryInfo, float, dict[str, Any], dict[str, int]]]:
        """The stories of a topic, oldest first, each with its decision and its name counts."""
        rows = self.conn.execute(
            "SELECT s.id AS id, s.headline AS headline, s.n_articles AS n_articles, s.n_sources AS n_sources, "
            "s.languages AS languages, s.first_published AS first_published, "
            "s.last_published AS last_published, s.updated_at AS updated_at, t.topic AS topic, "
            "t.probability AS probability, t.evidence AS evidence, "
            "st.evidence AS state, st.seq AS seq "
            "FROM story_topics t JOIN stories s ON s.id = t.story LEFT JOIN story_state st ON st.id = t.story "
            "WHERE t.topic = ? ORDER BY coalesce(s.first_published, '9999'), coalesce(st.seq, 0), s.id",
            (topic_id,),
        ).fetchall()
        out = []
        for r in rows:
            state = json.loads(r["state"]) if r["state"] else {}
            out.append(
                (
                    story_info_of_row(r),
                    float(r["probability"]),
                    json.loads(r["evidence"]),
                    dict(state.get("names", {})),
                )
            )
        return out

    def topic_events(self, topic_id: str) -> list[TopicEvent]:
        """The moves and merges that involved a topic, in order."""
        rows = self.conn.execute(
            "SELECT kind, story, before, topic, at FROM topic_events WHERE topic = ? OR before = ? ORDER BY id",
            (topic_id, topic_id),
        )
        return [TopicEvent(*r) for r in rows]
