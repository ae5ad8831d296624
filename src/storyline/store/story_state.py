"""The story clusterer's saved state: its five tables, written per batch and read when a run starts.

What the rows hold, and how a clusterer becomes rows and back, is `storyline.stories.persist`;
here is only their SQL, mixed into `storyline.store.Store`.
"""

from __future__ import annotations

import json

from storyline.store.base import Rows
from storyline.text import fold
from storyline.types import StateRows


def _names_of(evidence: str) -> set[str]:
    ev = json.loads(evidence)
    return {n for kind in ("names", "people", "places") for n in ev.get(kind) or ()}


class StoryStateRows(Rows):
    """`Store` methods for the clustering state (``story_state``, ``story_member``, ``story_alias``, ``story_df``, ``story_meta``)."""

    def put_story_state(self, rows: StateRows) -> None:
        """Write the rows, inside the caller's transaction (see `Store.atomic`)."""
        conn = self.conn
        conn.executemany("DELETE FROM story_state WHERE id = ?", [(s,) for s in rows.deleted])
        conn.executemany(
            "INSERT OR REPLACE INTO story_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows.stories
        )
        # The names a story was placed by are what the entity filter of the story list finds it
        # by (a view built later adds its spelling variants): no view needs to be built for that.
        conn.executemany(
            "INSERT OR IGNORE INTO story_entities (name, story) VALUES (?, ?)",
            [(fold(name), row[0]) for row in rows.stories for name in _names_of(row[7])],
        )
        conn.executemany("INSERT OR REPLACE INTO story_member VALUES (?, ?, ?)", rows.members)
        conn.executemany("INSERT OR REPLACE INTO story_alias VALUES (?, ?)", rows.aliases)
        conn.executemany("INSERT OR REPLACE INTO story_df VALUES (?, ?)", rows.df)
        conn.executemany("INSERT OR REPLACE INTO story_meta VALUES (?, ?)", rows.meta)

    def story_state(self) -> StateRows:
        """Every row of the clustering state (empty for a new database)."""
        conn = self.conn
        return StateRows(
            stories=[tuple(r) for r in conn.execute("SELECT * FROM story_state")],
            members=[tuple(r) for r in conn.execute("SELECT * FROM story_member")],
            aliases=[tuple(r) for r in conn.execute("SELECT * FROM story_alias")],
            df=[tuple(r) for r in conn.execute("SELECT * FROM story_df")],
            meta=[tuple(r) for r in conn.execute("SELECT * FROM story_meta")],
        )

    def story_names(self, story_id: str) -> dict[str, int]:
        """The names (people, places, others; folded) the story was placed by, with their counts."""
        row = self.conn.execute("SELECT evidence FROM story_state WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            return {}
        ev = json.loads(row[0])
        names: dict[str, int] = {}
        for kind in ("names", "people", "places"):
            for name, n in (ev.get(kind) or {}).items():
                names[name] = max(names.get(name, 0), int(n))
        return names
