"""The web app's parts on their own: request bodies, charts, page data, and the store queries behind them."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from storyline.store import Store
from storyline.store.schema import MIGRATIONS, SCHEMA_VERSION
from storyline.store.sqlite import APPLICATION_ID, _split_sql
from storyline.types import DupRelation, Member
from storyline.web.body import UnsupportedMediaType, parse_body
from storyline.web.pages import (
    BadRequest,
    DayCount,
    daily_series,
    make_filters,
    relation_badges,
    reports_by_day,
    source_rows,
)
from storyline.web.svg import provenance_graph, sparkline


def member(
    i: str, publisher: str | None = "Wire", day: str | None = "2024-03-04", lang: str = "en"
) -> Member:
    return Member(i, f"Title {i}", publisher, day, lang, f"/data/{i}.txt", None)


# -- bodies -------------------------------------------------------------------------------------


def test_bodies_in_every_accepted_form() -> None:
    one = {"text": "x"}
    assert parse_body(json.dumps(one).encode(), "application/json") == [one]
    assert parse_body(json.dumps([one, one]).encode(), "application/json; charset=utf-8") == [one, one]
    assert parse_body(json.dumps({"articles": [one]}).encode(), "application/json") == [one]
    assert parse_body(b'{"text": "a"}\n\n{"text": "b"}\n', "application/x-ndjson") == [
        {"text": "a"},
        {"text": "b"},
    ]
    assert parse_body(b'{"text": "a"}\n{"text": "b"}', None) == [{"text": "a"}, {"text": "b"}]
    assert parse_body(b"\xef\xbb\xbf" + json.dumps(one).encode(), "text/plain") == [one]


def test_bad_bodies_say_what_is_wrong() -> None:
    with pytest.raises(BadRequest, match=r"line 2 is a JSON list"):
        parse_body(b'{"text": "a"}\n[1]', "application/jsonl")
    with pytest.raises(BadRequest, match=r"line 1, column 2"):
        parse_body(b"{x", "application/json")
    with pytest.raises(UnsupportedMediaType, match="multipart/form-data"):
        parse_body(b"--x", "multipart/form-data; boundary=x")


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson", None])
def test_deep_or_huge_json_bodies_are_bad_requests_not_crashes(content_type: str | None) -> None:
    with pytest.raises(BadRequest, match="nested too deeply"):
        parse_body(b"[" * 100_000, content_type)
    with pytest.raises(BadRequest, match="4300 digits"):
        parse_body(b'{"text": "x", "id": ' + b"9" * 5000 + b"}", content_type)


# -- charts -------------------------------------------------------------------------------------


def test_daily_series_bins_whole_days() -> None:
    days = [DayCount("2024-03-01", 2), DayCount("2024-03-03", 1), DayCount("2024-03", 5)]
    assert daily_series(days) == [2, 0, 1]
    long = [DayCount("2024-01-01", 1), DayCount("2024-12-31", 3)]
    series = daily_series(long, bins=30)
    assert len(series) <= 30 and series[0] == 1 and series[-1] == 3 and sum(series) == 4
    assert daily_series([]) == []


def test_sparkline_is_escaped_svg_with_one_bar_per_busy_bin() -> None:
    svg = str(sparkline([1, 0, 3], "<b>3</b> articles"))
    assert svg.startswith('<svg class="spark"') and svg.endswith("</svg>")
    assert svg.count('class="spark-bar"') == 2
    assert "<b>" not in svg and "&lt;b&gt;3&lt;/b&gt; articles" in svg
    assert 'class="spark-bar"' not in str(sparkline([], "nothing"))


def test_provenance_graph_draws_originals_left_and_copies_right() -> None:
    members = {
        "a": member("a", "Courier", "2024-03-04"),
        "b": member("b", "Farm <i>", None),
        "c": member("c", "Noticias", "2024-03-05", "es"),
        "d": member("d", "Alone"),
    }
    rels = [
        DupRelation("b", "a", "near_copy", 0.7),
        DupRelation("c", "a", "translation", 0.8),
    ]
    g = provenance_graph(members, rels, lambda i: f"/articles/{i}")
    assert g is not None and g.nodes == 3 and g.edges == 2 and g.omitted_edges == 0
    svg = str(g.svg)
    xs = {
        m.group(1): float(m.group(2)) for m in re.finditer(r'href="/articles/(\w)".*?<rect x="([\d.]+)"', svg)
    }
    assert xs["a"] < xs["b"] == xs["c"]
    assert "d" not in xs
    assert "Farm &lt;i&gt;" in svg and "<i>" not in svg
    assert "near copy" in svg and "translation" in svg
    assert provenance_graph(members, [], str) is None


def test_provenance_graph_is_capped_for_big_stories() -> None:
    members = {f"m{i:03d}": member(f"m{i:03d}", day=f"2024-03-{1 + i % 28:02d}") for i in range(300)}
    rels = [DupRelation(f"m{i:03d}", "m000", "exact", 1.0) for i in range(1, 300)]
    g = provenance_graph(members, rels, str, max_nodes=25)
    assert g is not None and g.nodes == 25 and g.edges == 24 and g.omitted_edges == 275
    # A cycle (which should not happen) still draws instead of looping forever.
    cyc = [DupRelation("m001", "m002", "near_copy", 0.6), DupRelation("m002", "m001", "near_copy", 0.6)]
    g2 = provenance_graph(members, cyc, str)
    assert g2 is not None and g2.nodes == 2


# -- page data ----------------------------------------------------------------------------------


def test_filters_are_checked_and_blanks_dropped() -> None:
    f = make_filters(q="  ", language="ES", since="2024-03", order="size")
    assert f.q is None and f.language == "es" and f.since == "2024-03" and f.order == "size"
    assert f.params() == {"language": "es", "since": "2024-03", "order": "size"}
    assert make_filters().active() is False
    with pytest.raises(BadRequest, match="until='03/04/2024' is not a date"):
        make_filters(until="03/04/2024")


def test_badges_sources_and_reports_by_day() -> None:
    ms = [
        Member("a", "A", "Courier", "2024-03-04", "en", "x", None),
        Member("b", "B", "Farm", None, "en", "y", None, "near_copy", "a"),
        Member("c", "C", "Noticias", "2024-03-05T10:00:00", "es", "z", None, "translation", "a"),
        Member("d", "D", "Courier", "2024-03-04", "en", "w", None),
    ]
    rels = [DupRelation("b", "a", "near_copy", 0.7), DupRelation("c", "a", "translation", 0.9)]
    assert relation_badges(ms, rels) == {
        "a": "original",
        "b": "near_copy",
        "c": "translation",
        "d": "original",
    }
    rows = {r.publisher: r for r in source_rows(ms, rels)}
    assert rows["Courier"].originals == 2 and rows["Courier"].articles == 2
    assert rows["Farm"].copies == 1 and rows["Noticias"].translations == 1
    assert source_rows(ms, rels)[0].publisher == "Courier"
    days = reports_by_day(ms)
    assert [(d.day, d.articles) for d in days] == [
        ("2024-03-04", ("a", "d")),
        ("2024-03-05", ("c",)),
        (None, ("b",)),
    ]


# -- store queries ------------------------------------------------------------------------------


def test_entity_index_is_built_from_existing_views_when_migrating(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    for _name, sql in MIGRATIONS[:2]:
        for statement in _split_sql(sql):
            con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 2")
    view = {
        "entities": [{"name": "Rosalind Pike", "kind": "person", "variants": ["R. PIKE"]}, {"kind": "place"}]
    }
    con.execute(
        "INSERT INTO stories (id, created_at, updated_at, view) VALUES ('s1', 'x', 'x', ?)",
        (json.dumps(view),),
    )
    con.execute("INSERT INTO stories (id, created_at, updated_at, view) VALUES ('s2', 'x', 'x', 'not json')")
    con.commit()
    con.close()
    store = Store(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    names = sorted(r[0] for r in store.conn.execute("SELECT name FROM story_entities WHERE story = 's1'"))
    assert names == ["r. pike", "rosalind pike"]
    assert [s.id for s in store.list_stories(entity="ROSALIND PIKE")] == ["s1"]
    # A new view replaces the story's names.
    with store.atomic():
        store.put_story_view("s1", "h", {"entities": [{"name": "Marrowby", "kind": "place"}]})
    assert [s.id for s in store.list_stories(entity="Marrowby")] == ["s1"]
    assert store.list_stories(entity="Rosalind Pike") == []


def test_story_list_walks_an_index_instead_of_sorting(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    sql = (
        "EXPLAIN QUERY PLAN SELECT id FROM stories s WHERE 1=1 "
        "ORDER BY coalesce(s.last_published, '') DESC, s.updated_at DESC, s.id LIMIT 26"
    )
    plan = " ".join(str(r[3]) for r in store.conn.execute(sql))
    assert "stories_recent" in plan and "TEMP B-TREE" not in plan
    plan = " ".join(
        str(r[3])
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM stories s ORDER BY s.n_articles DESC, s.updated_at DESC LIMIT 26"
        )
    )
    assert "stories_size" in plan and "TEMP B-TREE" not in plan
