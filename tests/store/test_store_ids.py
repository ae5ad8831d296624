"""Ids from what a user typed: exact ids, unique prefixes, ambiguous and too-short ones."""

from __future__ import annotations

import sqlite3

import pytest

from storyline.errors import AmbiguousIdError, NotFoundError
from storyline.store.ids import prefix_bounds, resolve


@pytest.fixture
def conn() -> sqlite3.Connection:
    c = sqlite3.connect(":memory:")
    c.execute("CREATE TABLE articles (id TEXT PRIMARY KEY)")
    c.execute("CREATE TABLE stories (id TEXT PRIMARY KEY)")
    ids = ["5f3a0011aa", "5f3a0022bb", "9c1e7777cc", "ab%d0000dd", "abcd9999ee"]
    c.executemany("INSERT INTO articles VALUES (?)", [(i,) for i in ids])
    c.executemany("INSERT INTO stories VALUES (?)", [("s" + i,) for i in ids])
    return c


def test_prefix_bounds_are_half_open() -> None:
    assert prefix_bounds("5f3a") == ("5f3a", "5f3b")
    assert prefix_bounds("abz") == ("abz", "ab{")
    # The character after U+D7FF is U+E000: surrogates cannot be sent to SQLite as UTF-8.
    assert prefix_bounds("ab\ud7ff") == ("ab\ud7ff", "ab\ue000")


def test_ids_with_surrogates_are_not_found(conn: sqlite3.Connection) -> None:
    # Found by fuzzing the HTTP API: such an id used to end in UnicodeEncodeError (500).
    for given in ("5f3a\ud7ff", "5f3a\ud800", "\udcff" * 8):
        with pytest.raises(NotFoundError):
            resolve(conn, "article", given)


def test_exact_ids_and_unique_prefixes(conn: sqlite3.Connection) -> None:
    assert resolve(conn, "article", "9c1e7777cc") == "9c1e7777cc"
    assert resolve(conn, "article", "9c1e") == "9c1e7777cc"
    assert resolve(conn, "article", "5f3a001") == "5f3a0011aa"
    # Story ids start with "s": the prefix works with or without it.
    assert resolve(conn, "story", "9c1e") == "s9c1e7777cc"
    assert resolve(conn, "story", "s9c1e") == "s9c1e7777cc"
    assert resolve(conn, "story", "s9c1e7777cc") == "s9c1e7777cc"


def test_prefixes_are_literal_not_patterns(conn: sqlite3.Connection) -> None:
    # With LIKE, "%" matched any run of characters: "ab%d" found abcd9999ee by its tail.
    assert resolve(conn, "article", "ab%d") == "ab%d0000dd"
    with pytest.raises(NotFoundError, match=r"^no article with id '%999'$"):
        resolve(conn, "article", "%999")
    with pytest.raises(NotFoundError, match=r"^no article with id 'a_cd'$"):
        resolve(conn, "article", "a_cd")


def test_ambiguous_prefix_lists_the_candidates(conn: sqlite3.Connection) -> None:
    with pytest.raises(AmbiguousIdError) as info:
        resolve(conn, "article", "5f3a")
    assert str(info.value) == (
        "article id '5f3a' is ambiguous: it starts 2 articles (5f3a0011aa, 5f3a0022bb); give more characters"
    )
    with pytest.raises(AmbiguousIdError, match=r"it starts 2 stories \(s5f3a0011aa, s5f3a0022bb\)"):
        resolve(conn, "story", "5f3a")


def test_many_candidates_are_counted_not_all_listed(conn: sqlite3.Connection) -> None:
    conn.executemany("INSERT INTO articles VALUES (?)", [(f"7777{i:03d}",) for i in range(25)])
    with pytest.raises(AmbiguousIdError, match=r"it starts 25 articles \(7777000, .*, 7777009 and 15 more\)"):
        resolve(conn, "article", "7777")


def test_too_short_prefix_says_the_minimum(conn: sqlite3.Connection) -> None:
    with pytest.raises(NotFoundError) as info:
        resolve(conn, "article", "9c1")
    assert str(info.value) == "no article with id '9c1': an id prefix needs at least 4 characters"
    with pytest.raises(NotFoundError, match="at least 4 characters"):
        resolve(conn, "story", "s9c")
