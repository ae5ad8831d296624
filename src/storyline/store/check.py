"""`storyline check`: SQLite's own integrity check, then storyline's invariants.

SQLite's check finds damaged pages and indexes; the invariants find what a damaged or hand-edited
database can hold that SQLite cannot know is wrong: an article in no story, a relation whose ends
are gone, an index row without its article. Each check is one query; a query that meets a damaged
page is reported as damage, not raised.
"""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass, field

import numpy as np

from storyline.text import content_hash

# (what the query counts, the query): each counts the rows that break an invariant.
INVARIANTS: tuple[tuple[str, str], ...] = (
    (
        "articles in no story",
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.article = a.id)",
    ),
    (
        "story memberships of missing articles or stories",
        "SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = m.article)"
        " OR NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = m.story)",
    ),
    (
        "stories whose article count is not their members'",
        "SELECT count(*) FROM stories s WHERE s.n_articles !="
        " (SELECT count(*) FROM memberships m WHERE m.story = s.id)",
    ),
    (
        "duplicate relations with a missing end",
        "SELECT count(*) FROM relations r WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = r.article)"
        " OR NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = r.original)",
    ),
    (
        "duplicate index rows without their article",
        "SELECT count(*) FROM dedup_index d WHERE NOT EXISTS"
        " (SELECT 1 FROM articles a WHERE a.seq = d.seq AND a.id = d.article)",
    ),
    (
        # An exact copy of an indexed text is found by its hash and needs no row of its own.
        "articles missing from the duplicate index",
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM dedup_index d WHERE d.seq = a.seq)"
        " AND NOT EXISTS (SELECT 1 FROM articles b JOIN dedup_index d ON d.seq = b.seq"
        " WHERE b.content_hash = a.content_hash)",
    ),
    (
        "articles without their raw record",
        "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM raw r WHERE r.id = a.id)",
    ),
    (
        "rows whose JSON is damaged",
        "SELECT (SELECT count(*) FROM relations WHERE NOT json_valid(evidence))"
        " + (SELECT count(*) FROM articles WHERE NOT json_valid(removed))"
        " + (SELECT count(*) FROM stories WHERE view IS NOT NULL AND NOT json_valid(view))"
        " + (SELECT count(*) FROM story_state WHERE NOT json_valid(evidence))"
        " + (SELECT count(*) FROM analyses WHERE NOT json_valid(data))"
        " + (SELECT count(*) FROM story_topics WHERE NOT json_valid(evidence))",
    ),
    (
        "topic decisions of missing stories",
        "SELECT count(*) FROM story_topics t WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = t.story)",
    ),
    (
        "story clustering members of missing articles",
        "SELECT count(*) FROM story_member m WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = m.article_id)",
    ),
)


@dataclass
class CheckReport:
    """What `check` found.

    Attributes:
        problems: one line per problem (empty: the database is sound).
        articles, stories: counts, when they could be read.
    """

    problems: list[str] = field(default_factory=list)
    articles: int | None = None
    stories: int | None = None

    @property
    def ok(self) -> bool:
        """Whether nothing was found."""
        return not self.problems


def check(conn: sqlite3.Connection, limit: int = 20) -> CheckReport:
    """Check a database: SQLite's integrity check, its foreign keys, then the invariants.

    Args:
        conn: an open connection.
        limit: at most this many lines of SQLite's own report are kept.
    """
    report = CheckReport()
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        report.problems.append(f"SQLite cannot check the file: {exc}")
        return report
    if rows != ["ok"]:
        report.problems += [f"SQLite: {r}" for r in rows]
    for what, sql in INVARIANTS:
        try:
            n = int(conn.execute(sql).fetchone()[0])
        except sqlite3.DatabaseError as exc:
            report.problems.append(f"cannot count {what}: {exc}")
            continue
        if n:
            report.problems.append(f"{what}: {n}")
    report.problems += _stored_hashes(conn)
    report.problems += _stored_vectors(conn)
    try:
        report.articles = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        report.stories = int(conn.execute("SELECT count(*) FROM stories").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        report.problems.append(f"cannot count articles and stories: {exc}")
    return report


def _stored_hashes(conn: sqlite3.Connection) -> list[str]:
    """Damage inside text rows, which SQLite's check cannot see.

    Every article's text is checked against its content hash, every raw record against zlib's
    own checksum.
    """
    problems: list[str] = []
    bad_text: list[str] = []
    bad_raw: list[str] = []
    try:
        for article_id, text, stored in conn.execute("SELECT id, text, content_hash FROM articles"):
            if not isinstance(text, str) or content_hash(text) != stored:
                bad_text.append(str(article_id))
        for raw_id, content in conn.execute("SELECT id, content FROM raw"):
            try:
                zlib.decompress(content)
            except (zlib.error, TypeError):
                bad_raw.append(str(raw_id))
    except sqlite3.DatabaseError as exc:
        problems.append(f"cannot read every article and raw record: {exc}")
    if bad_text:
        problems.append(
            f"articles whose text does not match its hash: {len(bad_text)} (first: {bad_text[0]})"
        )
    if bad_raw:
        problems.append(f"raw records that do not decompress: {len(bad_raw)} (first: {bad_raw[0]})")
    return problems


# (what, query, dtype, unit): every stored vector is finite, and those marked unit are
# L2-normalised, so damage inside one (zeros or random bytes) shows as a row whose length is not 1
# or that is not a number. (A story's vectors are sums of its members': finite only.)
_VECTORS: tuple[tuple[str, str, type, bool], ...] = (
    ("article vectors", "SELECT article, 1, vector FROM embeddings", np.float32, True),
    ("sentence vectors", "SELECT article, n, vectors FROM sentence_vectors", np.float16, True),
    (
        "story vectors",
        "SELECT id, 1, head FROM story_state UNION ALL SELECT id, 1, body FROM story_state",
        np.float32,
        False,
    ),
)
# float16 rows are normalised to within 1e-4; the bound leaves room for that, no more.
_NORM_TOLERANCE = 2e-3


def _stored_vectors(conn: sqlite3.Connection) -> list[str]:
    """Damage inside vector rows: rows of the wrong size, not finite, or not of unit length."""
    problems: list[str] = []
    for what, sql, dtype, unit in _VECTORS:
        bad: list[str] = []
        try:
            for key, n, blob in conn.execute(sql):
                if not n:
                    continue
                if not isinstance(blob, bytes) or len(blob) % (int(n) * np.dtype(dtype).itemsize):
                    bad.append(str(key))
                    continue
                with np.errstate(all="ignore"):
                    rows = np.frombuffer(blob, dtype=dtype).astype(np.float64).reshape(int(n), -1)
                    norms = np.sqrt((rows * rows).sum(axis=1))
                if not np.all(np.isfinite(norms)) or (
                    unit and not np.all(np.abs(norms - 1.0) <= _NORM_TOLERANCE)
                ):
                    bad.append(str(key))
        except sqlite3.DatabaseError as exc:
            problems.append(f"cannot read every row of {what}: {exc}")
            continue
        if bad:
            problems.append(
                f"{what} damaged (wrong size, not finite or not of unit length): {len(bad)} (first: {bad[0]})"
            )
    return problems
