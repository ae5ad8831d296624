"""Readable terminal output for stories and articles (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from storyline.terminal import count, dates, day, short_article, short_story, table
from storyline.text import lead_title, source_label
from storyline.types import RELATION_LABEL, Article, DupRelation, RawDoc, Story, Topic, relation_phrase


def _evidence(ev: dict[str, Any]) -> str:
    parts = []
    for k, v in ev.items():
        if isinstance(v, float):
            parts.append(f"{k}={v:.3f}")
        elif isinstance(v, (int, str)) and len(str(v)) < 80:
            parts.append(f"{k}={v}")
    return ", ".join(parts)


def render_story(console: Console, story: Story, api: Any) -> None:
    """Print a story: headline, counts, members with relations and evidence, and its view."""
    info = story.info
    # An article without a title is named by its opening words, never by its file's path; so is
    # a story none of whose articles has a title.
    untitled = [m.id for m in story.members if not (m.title and m.title.strip())]
    leads = {i: lead_title(text) for i, text in api.store.leads(untitled).items()} if untitled else {}
    headline = info.headline.strip() or next((leads[m.id] for m in story.members if m.id in leads), "")
    console.print(Text(headline or "Untitled story", style="bold"))
    console.print(
        f"story {info.id} · {count(info.articles, 'article')} · {count(info.sources, 'source')} · "
        f"{', '.join(info.languages) or '?'} · {(info.first_published or '?')[:10]} → {(info.last_published or '?')[:10]}"
    )
    if info.topic:
        console.print(f"topic {info.topic} (storyline topic {info.topic[:12]})", markup=False)
    t = table()
    t.add_column("article", style="cyan", no_wrap=True)
    t.add_column("publisher", overflow="fold", max_width=14)
    t.add_column("date", no_wrap=True)
    t.add_column("lang", no_wrap=True)
    t.add_column("relation", overflow="fold", max_width=14)
    t.add_column("title", overflow="fold", ratio=1)
    for m in story.members:
        rel = ""
        if m.relation:
            rel = f"{RELATION_LABEL.get(m.relation, m.relation)} of {short_article(m.original or '')}"
        t.add_row(
            short_article(m.id),
            source_label(m.publisher, m.url, m.source),
            day(m.published),
            m.language or "",
            rel,
            m.title if m.title and m.title.strip() else f"“{leads.get(m.id) or 'untitled'}”",
        )
    console.print(t)
    rels = [r for r in api.relations() if r.article in {m.id for m in story.members}]
    if rels:
        console.print("[bold]duplicates[/bold]")
        for r in rels:
            console.print(
                f"  {short_article(r.article)} is {relation_phrase(r.kind)} of {short_article(r.original)} "
                f"(score {r.score:.3f}; {_evidence(r.evidence)})",
                markup=False,
            )
    if story.summary:
        console.print("[bold]summary[/bold]")
        for s in story.summary:
            console.print(f"  {s.text} [{s.article[:8]}]", markup=False)
    if story.timeline:
        console.print("[bold]timeline[/bold]")
        for e in story.timeline:
            console.print(f"  {e.date or '?':<10} {e.kind:<12} {e.text} [{e.article[:8]}]", markup=False)
            if e.reported:  # the event's day is not the report's: say so, and why
                console.print(f"  {'':<10} reported {e.reported}, dated by {e.date_basis}", markup=False)
            if e.restated:
                console.print(f"  {'':<10} restated by {count(e.restated, 'later report')}", markup=False)
    if story.entities:
        console.print("[bold]entities[/bold]")
        for kind in ("person", "place", "organisation"):
            names = [f"{e.name} ({e.mentions})" for e in story.entities if e.kind == kind]
            if names:
                console.print(f"  {kind}s: " + ", ".join(names[:25]), markup=False)
    if story.quotes:
        console.print("[bold]quotes[/bold]")
        for q in story.quotes:
            who = q.speaker or "unattributed"
            if q.role:
                who += f", {q.role}"
            carried = ""
            if len(q.sources) > 1:
                carried = (
                    f" (in {len(q.sources)} articles"
                    + (f": {', '.join(q.languages)}" if len(q.languages) > 1 else "")
                    + ")"
                )
            console.print(f"  “{q.text}” — {who} [{q.article[:8]}]{carried}", markup=False)
    if story.disputes:
        console.print("[bold]disputed[/bold]")
        for d in story.disputes:
            console.print(f"  {d.point}", markup=False)
            for side in d.sides:
                console.print(f"    {side.side}: {side.text} [{side.article[:8]}]", markup=False)


def render_article(
    console: Console,
    a: Article,
    relations: list[DupRelation],
    story: str | None,
    removed: bool = False,
    raw: RawDoc | None = None,
    placement: str | None = None,
) -> None:
    """Print an article: metadata, how it came into its story, relations in words, text, and optionally what cleaning removed."""
    from storyline.dedup.explain import relation_in_words

    console.print(f"[bold]{a.title or '(no title)'}[/bold]", markup=True)
    meta = [
        ("id", a.id), ("story", story), ("publisher", a.publisher), ("published", a.published),
        ("date from", a.date_source), ("author", a.author), ("language", a.language), ("dateline", a.dateline),
        ("url", a.url), ("source", a.source if a.record is None else f"{a.source} (record {a.record})"),
        ("external id", a.external_id),
    ]  # fmt: skip
    for k, v in meta:
        if v:
            console.print(f"  {k:<11} {v}", markup=False)
    if placement:
        console.print(f"  {'why here':<11} {placement}", markup=False)
    for r in relations:
        if r.article == a.id:
            line = f"  {RELATION_LABEL.get(r.kind, r.kind)} of {r.original}"
        else:
            line = f"  original of {r.article}"
        console.print(f"{line} (score {r.score:.3f}): {relation_in_words(r)}", markup=False)
    console.print()
    console.print(raw.content if raw is not None else a.text, markup=False)
    if removed:
        console.print()
        console.print(f"[bold]removed by cleaning ({count(len(a.removed), 'piece')})[/bold]")
        for rem in a.removed:
            text = rem.text if len(rem.text) < 300 else rem.text[:300] + "…"
            console.print(f"  [{rem.reason}] {text}", markup=False)


def topic_because(evidence: dict[str, Any], probability: float, founded: bool) -> str:
    """Why a story is in its topic, in words: the names it shares, the story it is closest to."""
    if founded:
        return "started this topic" + (f" (best other topic {probability:.2f})" if evidence else "")
    parts = [f"probability {probability:.2f}"]
    names = evidence.get("shared_names") or []
    if names:
        parts.append("shares " + ", ".join(names[:6]))
    feats = evidence.get("features") or {}
    if feats.get("terms", 0) >= 0.2:
        parts.append(f"wording {feats['terms']:.2f}")
    if evidence.get("closest_story"):
        parts.append(f"closest to {short_story(evidence['closest_story'])}")
    return "; ".join(parts)


def render_topic(console: Console, topic: Topic) -> None:
    """Print a topic: its stories newest first, each with what it added and why it is there."""
    info = topic.info
    console.print(Text(info.headline or "Untitled topic", style="bold"))
    console.print(
        f"topic {info.id} · {count(info.stories, 'story', 'stories')} · {count(info.articles, 'article')} · "
        f"{', '.join(info.languages) or '?'} · {day(info.first_published) or '?'} → {day(info.last_published) or '?'}",
        markup=False,
    )
    t = table()
    t.add_column("story", style="cyan", no_wrap=True)
    t.add_column("dates", no_wrap=True)
    t.add_column("arts", justify="right", no_wrap=True)
    t.add_column("headline", overflow="fold", ratio=2)
    t.add_column("new names", overflow="fold", ratio=1)
    t.add_column("why here", overflow="fold", ratio=1)
    for s in topic.stories:
        founded = s.info.id[1:] == info.id[1:]
        t.add_row(
            short_story(s.info.id), dates(s.info.first_published, s.info.last_published), str(s.info.articles),
            s.info.headline or "Untitled story", ", ".join(s.new_names[:6]),
            topic_because(s.evidence, s.probability, founded),
        )  # fmt: skip
    console.print(t)
    for e in topic.events:
        what = (
            f"story {e.story} moved from {e.before}" if e.kind == "moved" else f"topic {e.before} merged in"
        )
        console.print(
            f"  {day(e.at)} {what} (with story {e.story})" if e.kind == "merged" else f"  {day(e.at)} {what}",
            markup=False,
        )
