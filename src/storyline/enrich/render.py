"""A plain-text rendering of a story view, for terminals and logs."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storyline.enrich.view import StoryView

_KIND_TITLES = {"person": "People", "place": "Places", "organisation": "Organisations"}


def _short(article: str) -> str:
    return article[:8]


def render_text(view: StoryView, width: int = 100, max_entities: int = 12) -> str:
    """The view as readable plain text (article ids shortened to 8 characters).

    Args:
        view: the story view.
        width: line width for wrapping.
        max_entities: entities shown per kind.
    """
    out: list[str] = []

    def para(text: str, indent: str = "  ") -> None:
        out.extend(textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  "))

    out.append(view.headline or "(no headline)")
    out.append("=" * min(width, max(len(view.headline), 10)))
    s = view.sources
    out.append(
        f"{s.articles} articles: {s.originals} original, {s.copies} copies, {s.translations} translations, "
        f"{s.rewrites} rewrites/updates; first report {s.first_report or '?'}, last {s.last_report or '?'}"
    )
    if s.publishers:
        out.append("Publishers: " + ", ".join(f"{p.publisher} ({p.articles})" for p in s.publishers))
    if s.languages:
        out.append("Languages: " + ", ".join(f"{x.language} ({x.articles})" for x in s.languages))
    if view.summary:
        out.append("")
        out.append("Summary")
        for x in view.summary:
            para(f"- {x.text} [{_short(x.article)}]")
    if view.timeline:
        out.append("")
        out.append("Timeline")
        for t in view.timeline:
            para(f"{t.date or 'undated'}  {t.text} [{t.publisher or _short(t.article)}]")
            if t.date_basis and not t.date_basis.startswith("published"):
                para(f"(date: {t.date_basis})", indent="      ")
    if view.entities:
        out.append("")
        out.append("Entities")
        for kind, title in _KIND_TITLES.items():
            ents = [e for e in view.entities if e.kind == kind][:max_entities]
            if ents:
                names = ", ".join(
                    f"{e.name} ({e.mentions})"
                    + (
                        f" [also {', '.join(v for v in e.variants if v != e.name)}]"
                        if len(e.variants) > 1
                        else ""
                    )
                    for e in ents
                )
                para(f"{title}: {names}")
    if view.quotes:
        out.append("")
        out.append("Quotes")
        for q in view.quotes:
            who = q.speaker or "unattributed"
            if q.role:
                who += f", {q.role}"
            n = f", {len(q.sources)} sources" if len(q.sources) > 1 else ""
            if len(q.languages) > 1:
                n += f" in {', '.join(q.languages)}"
            para(f"“{q.text}” — {who} ({q.published or 'undated'}{n})")
    if view.disputes:
        out.append("")
        out.append("Disputed")
        for d in view.disputes:
            para(d.point)
            for side in d.sides:
                para(f"{side.side}: {side.text} [{_short(side.article)}]", indent="    ")
    return "\n".join(out)
