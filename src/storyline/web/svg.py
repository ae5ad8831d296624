"""Charts drawn on the server as inline SVG: no JavaScript, nothing to load, readable without styles.

Every piece of text that goes into the markup passes through `markupsafe.escape`; the functions
return `Markup` so that the templates insert it as it is. Graph layout is done here by hand
because the graphs are small forests (an original and what was copied or translated from it) for
which a layered layout is a few lines, and the layout libraries (graphviz, networkx's drawing)
need a system binary or a plotting stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup, escape

from storyline.text import source_label
from storyline.types import RELATION_LABEL, DupRelation, Member


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def sparkline(counts: Sequence[int], label: str, width: int = 120, height: int = 28) -> Markup:
    """A bar sparkline of counts per time bin.

    Args:
        counts: articles per bin, oldest first.
        label: what the chart says, for screen readers and the hover tooltip.
        width: in CSS pixels.
        height: in CSS pixels.
    """
    title = escape(label)
    head = (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
    )
    if not counts or max(counts) <= 0:
        return Markup(
            head + f'<line class="spark-base" x1="0" y1="{height - 1}" x2="{width}" y2="{height - 1}"/></svg>'
        )
    peak = max(counts)
    n = len(counts)
    slot = width / n
    # Bars keep a gap of a quarter slot (at least 1px of bar when bins are many) and stay thin when
    # bins are few, so that a four-day story still reads as a sparkline rather than as blocks.
    bar = min(6.0, max(1.0, slot * 0.75))
    parts = [head, f'<line class="spark-base" x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}"/>']
    for i, c in enumerate(counts):
        if c <= 0:
            continue
        h = max(2.0, (height - 2) * c / peak)
        x = i * slot + (slot - bar) / 2
        parts.append(
            f'<rect class="spark-bar" x="{_fmt(x)}" y="{_fmt(height - h)}" width="{_fmt(bar)}" height="{_fmt(h)}"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# Node and gap sizes of the provenance graph, in CSS pixels: a node holds two lines of 13px text
# (about 22 characters of bold 13px system sans in 170px); a column gap leaves room for an
# edge label such as "translation".
NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 190, 46, 90, 14, 8
LABEL_CHARS = 22


@dataclass(frozen=True, slots=True)
class Graph:
    """A drawn provenance graph and what it left out."""

    svg: Markup
    nodes: int
    edges: int
    omitted_edges: int


def _short(text: str, n: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _node_label(m: Member | None, node_id: str) -> tuple[str, str, str]:
    if m is None:
        return node_id[:12], "outside this story", node_id
    name = source_label(m.publisher, m.url, m.source)
    sub = " · ".join(x for x in ((m.published or "undated")[:10], m.language or "") if x)
    return name, sub, m.title or name


def provenance_graph(
    members: Mapping[str, Member],
    relations: Sequence[DupRelation],
    href: Callable[[str], str],
    max_nodes: int = 25,
    titles: Mapping[str, str] | None = None,
) -> Graph | None:
    """Who copied or translated whom: originals on the left, each derived article to the right of its source.

    Args:
        members: the story's articles by id (labels and dates of the nodes).
        relations: copy -> original relations; an arrow goes from the original to the copy.
        href: the link of an article id.
        max_nodes: draw at most this many articles, the biggest groups first (a star of 25 copies is
            already about 1,500 pixels tall).
        titles: what to call articles that have no title (shown on hover).

    Returns:
        The graph, or None when there is no relation to draw.
    """
    if not relations:
        return None
    children: dict[str, list[DupRelation]] = {}
    copies = set()
    for r in relations:
        children.setdefault(r.original, []).append(r)
        copies.add(r.article)

    def date_key(i: str) -> tuple[bool, str, str]:
        m = members.get(i)
        return (m is None or m.published is None, (m.published if m else None) or "", i)

    roots = sorted((o for o in children if o not in copies), key=date_key)
    if not roots:  # every original is itself a copy (a cycle): start anywhere, deterministically
        roots = [min(children, key=date_key)]
    for kids in children.values():
        kids.sort(key=lambda r: date_key(r.article))

    def subtree(root: str) -> list[str]:
        out, stack, seen = [], [root], set()
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            out.append(x)
            stack.extend(r.article for r in reversed(children.get(x, [])))
        return out

    # Biggest groups first, so a capped graph shows what matters most.
    groups = sorted(((subtree(r), r) for r in roots), key=lambda g: (-len(g[0]), date_key(g[1])))
    placed: set[str] = set()
    order: list[str] = []
    for nodes, _ in groups:
        fresh = [n for n in nodes if n not in placed]
        if len(placed) + len(fresh) > max_nodes:
            if placed:
                continue
            # One group bigger than the cap: its earliest members (preorder keeps it connected).
            fresh = fresh[:max_nodes]
        placed.update(fresh)
        order.extend(fresh)
    drawn_roots = [r for r in roots if r in placed]

    # Layered layout: depth = distance from the root; leaves take consecutive rows, a parent sits
    # at the middle of its children.
    depth: dict[str, int] = {}
    row: dict[str, float] = {}
    next_row = 0.0

    def place(x: str, d: int, seen: frozenset[str]) -> float:
        nonlocal next_row
        depth[x] = max(depth.get(x, 0), d)
        kids = [r.article for r in children.get(x, []) if r.article in placed and r.article not in seen]
        kids = [k for k in kids if k not in row]
        if not kids:
            row[x] = next_row
            next_row += 1
            return row[x]
        ys = [place(k, d + 1, seen | {x}) for k in kids]
        row[x] = (ys[0] + ys[-1]) / 2
        return row[x]

    for root in drawn_roots:
        if root not in row:
            place(root, 0, frozenset())
    for x in order:  # anything reachable only through a cycle
        if x not in row:
            place(x, 0, frozenset())

    cols = max(depth.values()) + 1
    rows = max(1.0, next_row)
    width = PAD * 2 + cols * NODE_W + (cols - 1) * COL_GAP
    height = PAD * 2 + int(rows * NODE_H + (rows - 1) * ROW_GAP)

    def pos(x: str) -> tuple[float, float]:
        return PAD + depth[x] * (NODE_W + COL_GAP), PAD + row[x] * (NODE_H + ROW_GAP)

    kinds = sorted({r.kind for r in relations})
    parts = [
        f'<svg class="provenance" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Provenance graph: {len(placed)} articles">',
        "<defs>",
    ]
    for k in kinds:
        parts.append(
            f'<marker id="arrow-{escape(k)}" class="k-{escape(k)}" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        )
    parts.append("</defs>")
    edges = omitted = 0
    for r in relations:
        if r.article not in placed or r.original not in placed:
            omitted += 1
            continue
        edges += 1
        x1, y1 = pos(r.original)
        x2, y2 = pos(r.article)
        sx, sy = x1 + NODE_W, y1 + NODE_H / 2
        ex, ey = x2 - 2, y2 + NODE_H / 2
        if x2 <= x1:  # same column (a cycle): loop around the right side
            ex, ey = x2 + NODE_W, y2 + NODE_H / 2
        mx = (sx + ex) / 2
        kind = escape(r.kind)
        label = escape(RELATION_LABEL.get(r.kind, r.kind))
        parts.append(
            f'<g class="edge k-{kind}"><title>{label}, score {r.score:.2f}</title>'
            f'<path d="M{_fmt(sx)},{_fmt(sy)} C{_fmt(mx)},{_fmt(sy)} {_fmt(mx)},{_fmt(ey)} {_fmt(ex)},{_fmt(ey)}" '
            f'marker-end="url(#arrow-{kind})"/>'
            # The label sits just above the arrowhead: each derived article has its own row, so
            # labels never collide, where midpoints of a fan of edges would pile up.
            f'<text x="{_fmt(ex - 8)}" y="{_fmt(ey - 7)}" text-anchor="end">{label}</text></g>'
        )
    for n, x in enumerate(order):
        m = members.get(x)
        name, sub, title = _node_label(m, x)
        if m is not None and not m.title and titles and titles.get(x):
            title = titles[x]
        nx, ny = pos(x)
        cls = "node original" if x not in copies else "node copy"
        # Labels are cut to fit, and clipped as well: glyph widths vary with the font.
        parts.append(
            f'<a href="{escape(href(x))}" class="{cls}"><title>{escape(title)}</title>'
            f'<clipPath id="clip-{n}"><rect x="{_fmt(nx + 4)}" y="{_fmt(ny)}" width="{NODE_W - 8}" height="{NODE_H}"/></clipPath>'
            f'<rect x="{_fmt(nx)}" y="{_fmt(ny)}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<g clip-path="url(#clip-{n})">'
            f'<text x="{_fmt(nx + 10)}" y="{_fmt(ny + 19)}" class="node-name">{escape(_short(name))}</text>'
            f'<text x="{_fmt(nx + 10)}" y="{_fmt(ny + 36)}" class="node-sub">{escape(_short(sub, 30))}</text></g></a>'
        )
    parts.append("</svg>")
    return Graph(Markup("".join(parts)), len(placed), edges, omitted)


class PublisherCounts(Protocol):
    """What one publisher contributed to a story (`storyline.web.pages.SourceRow` has these)."""

    @property
    def publisher(self) -> str:
        """The publisher's name."""

    @property
    def articles(self) -> int:
        """Its articles in the story."""

    @property
    def originals(self) -> int:
        """Of them, original reports."""

    @property
    def copies(self) -> int:
        """Exact copies, near copies and excerpts."""

    @property
    def translations(self) -> int:
        """Translations."""

    @property
    def rewrites(self) -> int:
        """Rewrites and updates."""


# Sizes of the coverage chart, in CSS pixels: a row of 12px text per publisher.
COV_LABEL_W, COV_BAR_W, COV_COUNT_W, COV_ROW_H, COV_BAR_H = 130, 170, 34, 20, 12
COV_LABEL_CHARS = 18
# Segments of a publisher's bar, in order: (attribute, colour class, one, several).
COV_PARTS = (
    ("originals", "k-original", "original", "originals"),
    ("copies", "k-near_copy", "copy", "copies"),
    ("translations", "k-translation", "translation", "translations"),
    ("rewrites", "k-rewrite", "rewrite or update", "rewrites or updates"),
)


def coverage_chart(rows: Sequence[PublisherCounts], max_rows: int = 12) -> Markup | None:
    """Articles per publisher as stacked bars: original reports, copies, translations, rewrites.

    Bars share one scale (the publisher with the most articles fills the width), so the chart
    shows at a glance who reported and who only copied.

    Args:
        rows: publishers, biggest first (as the story page lists them).
        max_rows: draw at most this many publishers.

    Returns:
        The chart, or None for fewer than two publishers (one bar says nothing the counts do not).
    """
    if len(rows) < 2:
        return None
    shown = rows[:max_rows]
    peak = max(r.articles for r in shown) or 1
    width = COV_LABEL_W + COV_BAR_W + COV_COUNT_W
    height = len(shown) * COV_ROW_H
    summary = f"Articles per publisher, {len(shown)} of {len(rows)} publishers"
    parts = [
        f'<svg class="coverage" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(summary)}"><title>{escape(summary)}</title>'
    ]
    for i, r in enumerate(shown):
        y = i * COV_ROW_H
        counts = [(int(getattr(r, attr)), cls) for attr, cls, _, _ in COV_PARTS]
        said = ", ".join(
            f"{n} {one if n == 1 else several}"
            for (n, _), (_, _, one, several) in zip(counts, COV_PARTS, strict=True)
            if n
        )
        parts.append(
            f'<g class="cov-row"><title>{escape(r.publisher)}: {escape(said or "no articles")}</title>'
            f'<text class="cov-name" x="0" y="{y + 14}">{escape(_short(r.publisher, COV_LABEL_CHARS))}</text>'
        )
        x = float(COV_LABEL_W)
        for n, cls in counts:
            if n <= 0:
                continue
            w = COV_BAR_W * n / peak
            parts.append(
                f'<rect class="{cls}" x="{_fmt(x)}" y="{y + (COV_ROW_H - COV_BAR_H) / 2:g}" '
                f'width="{_fmt(max(w, 1.0))}" height="{COV_BAR_H}"/>'
            )
            x += w
        parts.append(f'<text class="cov-n" x="{_fmt(x + 4)}" y="{y + 14}">{r.articles}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


# Sizes of the reports-per-day chart, in CSS pixels; at most this many bars (longer stories are
# drawn per week) and this many coloured groups (the rest is "other").
DAY_W, DAY_H, DAY_AXIS_H, DAY_MAX_BARS, DAY_GROUPS = 300, 90, 16, 62, 5


@dataclass(frozen=True, slots=True)
class DailyChart:
    """A drawn reports-per-day chart and its legend (group name, colour class, reports)."""

    svg: Markup
    legend: tuple[tuple[str, str, int], ...]
    unit: str  # "day" or "week"
    undated: int


def daily_chart(members: Sequence[Member], group: Callable[[Member], str], what: str) -> DailyChart | None:
    """Reports per day (or per week, for stories longer than two months), stacked by group.

    Args:
        members: the story's articles.
        group: the group of an article (its language, its publisher).
        what: what the groups are, for the chart's accessible name ("language", "source").

    Returns:
        The chart, or None when fewer than two articles are dated.
    """
    from datetime import date, timedelta

    dated: list[tuple[date, str]] = []
    undated = 0
    for m in members:
        try:
            dated.append((date.fromisoformat((m.published or "")[:10]), group(m)))
        except ValueError:
            undated += 1
    if len(dated) < 2:
        return None
    first = min(d for d, _ in dated)
    last = max(d for d, _ in dated)
    span = (last - first).days + 1
    unit, step = ("day", 1) if span <= DAY_MAX_BARS else ("week", 7)
    if unit == "week":
        first -= timedelta(days=first.weekday())  # weeks start on Monday
    bins = (last - first).days // step + 1
    totals: dict[str, int] = {}
    for _, g in dated:
        totals[g] = totals.get(g, 0) + 1
    ranked = sorted(totals, key=lambda g: (-totals[g], g.casefold()))
    shown = ranked if len(ranked) <= DAY_GROUPS + 1 else ranked[:DAY_GROUPS]  # "other" only for 2+
    other = "other" if len(ranked) > len(shown) else None
    names = [*shown, *([other] if other else [])]
    index = {g: shown.index(g) if g in shown else len(shown) for g in totals}
    counts = [[0] * len(names) for _ in range(bins)]
    for d, g in dated:
        counts[(d - first).days // step][index[g]] += 1
    peak = max(sum(c) for c in counts)
    plot_h = DAY_H - DAY_AXIS_H
    top = 14  # room above the bars for the scale's label
    slot = DAY_W / bins
    bar = max(1.0, min(18.0, slot * 0.8))
    label = f"Reports per {unit} by {what}, {first.isoformat()} to {last.isoformat()}"
    parts = [
        f'<svg class="daily" width="{DAY_W}" height="{DAY_H}" viewBox="0 0 {DAY_W} {DAY_H}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
        f'<line class="daily-base" x1="0" y1="{plot_h + 0.5}" x2="{DAY_W}" y2="{plot_h + 0.5}"/>',
    ]
    for i, row in enumerate(counts):
        if not any(row):
            continue
        start = first + timedelta(days=i * step)
        when = start.isoformat() if unit == "day" else f"week of {start.isoformat()}"
        said = ", ".join(f"{n} {names[k]}" for k, n in enumerate(row) if n)
        parts.append(f"<g><title>{escape(when)}: {escape(said)}</title>")
        y = float(plot_h)
        x = i * slot + (slot - bar) / 2
        for k, n in enumerate(row):
            if not n:
                continue
            h = (plot_h - top) * n / peak
            y -= h
            parts.append(
                f'<rect class="g{k}" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar)}" height="{_fmt(max(h, 1.0))}"/>'
            )
        parts.append("</g>")
    parts.append(f'<text class="daily-axis" x="0" y="{DAY_H - 3}">{first.isoformat()}</text>')
    if bins > 1:
        parts.append(
            f'<text class="daily-axis" x="{DAY_W}" y="{DAY_H - 3}" text-anchor="end">{last.isoformat()}</text>'
        )
    parts.append(f'<text class="daily-axis" x="0" y="10">at most {peak} a {unit}</text>')
    parts.append("</svg>")
    legend = tuple((name, f"g{k}", sum(row[k] for row in counts)) for k, name in enumerate(names))
    return DailyChart(Markup("".join(parts)), legend, unit, undated)
