"""The story page's coverage chart: stacked bars per publisher, drawn as escaped inline SVG."""

from __future__ import annotations

import re

from storyline.web.pages import SourceRow
from storyline.web.svg import coverage_chart


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
