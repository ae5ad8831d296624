"""The story page's charts: coverage per publisher and reports per day, drawn as escaped inline SVG."""

from __future__ import annotations

import re

from storyline.types import DupRelation, Member
from storyline.web.pages import SourceRow, source_rows
from storyline.web.svg import DAY_AXIS_H, DAY_H, coverage_chart, daily_chart


def row(
    name: str, originals: int = 0, copies: int = 0, translations: int = 0, rewrites: int = 0
) -> SourceRow:
    n = originals + copies + translations + rewrites
    return SourceRow(name, n, originals, copies, translations, rewrites, ("en",))


def test_bars_share_one_scale_and_stack_by_kind() -> None:
    svg = str(coverage_chart([row("Wire", originals=2, copies=2), row("Daily", copies=1, translations=1)]))
    assert svg.startswith('<svg class="coverage"') and 'role="img"' in svg
    widths = {cls: [float(w) for w in re.findall(rf'class="{cls}" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]
              for cls in ("k-original", "k-near_copy", "k-translation")}  # fmt: skip
    # The biggest publisher (4 articles) fills the 170px bar; one article is a quarter of it.
    assert widths == {"k-original": [85.0], "k-near_copy": [85.0, 42.5], "k-translation": [42.5]}
    assert "<title>Wire: 2 originals, 2 copies</title>" in svg
    assert "<title>Daily: 1 copy, 1 translation</title>" in svg


def test_names_are_escaped_and_cut_and_rows_capped() -> None:
    evil = "<script>alert(1)</script> & a very long publisher name"
    svg = str(coverage_chart([row(evil, originals=1)] + [row(f"P{i}", copies=1) for i in range(20)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('<g class="cov-row">') == 12
    assert "12 of 21 publishers" in svg


def test_no_chart_for_a_single_publisher() -> None:
    assert coverage_chart([row("Only", originals=3)]) is None
    assert coverage_chart([]) is None


def member(i: int, day: str | None, language: str = "en", publisher: str | None = "Wire") -> Member:
    return Member(f"a{i}", f"Title {i}", publisher, day, language, f"/in/{i}.txt", None)


def test_reports_per_day_stack_by_group_on_one_scale() -> None:
    members = [
        member(0, "2024-03-01", "en"),
        member(1, "2024-03-01", "en"),
        member(2, "2024-03-01", "uk"),
        member(3, "2024-03-03", "uk"),
        member(4, None, "en"),
    ]
    chart = daily_chart(members, lambda m: m.language or "unknown", "language")
    assert chart is not None and chart.unit == "day" and chart.undated == 1
    svg = str(chart.svg)
    assert svg.startswith('<svg class="daily"') and 'role="img"' in svg
    assert "<title>2024-03-01: 2 en, 1 uk</title>" in svg and "<title>2024-03-03: 1 uk</title>" in svg
    # Three days, one empty: bars only where there are reports; the tallest day fills the plot.
    heights = [
        float(h)
        for h in re.findall(r'<rect class="g\d" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', svg)
    ]
    assert len(heights) == 3 and abs(sum(heights[:2]) - (DAY_H - DAY_AXIS_H - 14)) < 0.2
    assert chart.legend == (("en", "g0", 2), ("uk", "g1", 2))


def test_long_stories_go_by_week_and_small_groups_become_other() -> None:
    members = [member(i, f"2024-{1 + i % 6:02d}-{1 + i % 27:02d}", publisher=f"P{i % 9}") for i in range(60)]
    chart = daily_chart(members, lambda m: m.publisher or "?", "source")
    assert chart is not None and chart.unit == "week"
    names = [name for name, _, _ in chart.legend]
    assert len(names) == 6 and names[-1] == "other" and sum(n for _, _, n in chart.legend) == 60
    assert "week of 2024-01-01" in str(chart.svg)  # a Monday


def test_no_daily_chart_with_fewer_than_two_dated_reports_and_names_escaped() -> None:
    assert daily_chart([member(0, "2024-03-01"), member(1, None)], lambda m: "x", "source") is None
    evil = [member(0, "2024-03-01", publisher="<b>x</b>"), member(1, "2024-03-02", publisher="<b>x</b>")]
    chart = daily_chart(evil, lambda m: m.publisher or "", "source")
    assert chart is not None and "<b>" not in str(chart.svg) and "&lt;b&gt;" in str(chart.svg)


def test_source_rows_say_who_reported_first_and_who_copied_whom() -> None:
    members = [
        member(0, "2024-03-02", publisher="Wire"),
        member(1, "2024-03-03", publisher="Farm"),
        member(2, "2024-03-01", publisher="Local"),
    ]
    relations = [DupRelation("a1", "a0", "near_copy", 0.97)]
    rows = {r.publisher: r for r in source_rows(members, relations)}
    assert rows["Local"].first_report == "2024-03-01"
    assert rows["Farm"].copied_from == ("Wire",) and rows["Wire"].copied_by == ("Farm",)
    assert rows["Local"].copied_from == () and rows["Local"].copied_by == ()
