"""Terminal output: consoles that respect the terminal, short ids, and tables that fit 80 columns.

Tables have no vertical borders and wrap their text columns (headlines, titles, reasons); ids
and dates never wrap, so a date is always whole and an id can be copied from any line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from storyline.types import StoryInfo, TopicInfo

PIPE_WIDTH = 160  # output that is not a terminal: wide enough that tables are not folded
ARTICLE_ID_SHOWN = 8  # characters of an article id shown: unique up to hundreds of thousands
STORY_ID_SHOWN = ARTICLE_ID_SHOWN + 1  # story ids are "s" + an article id


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 piece``, ``2 pieces``: a number and its noun, singular or plural."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def rate(n: int, seconds: float) -> str:
    """How fast `n` records went by in `seconds`, in the unit that reads best.

    ``1,234 records/s``; below ten a second, with a decimal (``4.4 records/s``); below one a
    second, the time per record (``4.4s per record``, not ``0/s``).
    """
    if n <= 0 or seconds <= 0:
        return "no time measured" if n else "nothing read"
    per_second = n / seconds
    if per_second >= 10:
        return f"{per_second:,.0f} records/s"
    if per_second >= 1:
        return f"{per_second:.1f} records/s"
    return f"{seconds / n:.1f}s per record"


def make_console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr).

    Width: ``$COLUMNS`` when set, else the terminal's, else `PIPE_WIDTH` for pipes and files.
    Colours and styles: only on a terminal, and never when ``$NO_COLOR`` is set (no-color.org).
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width: int | None = int(columns)
    else:
        width = None if Console(stderr=stderr).is_terminal else PIPE_WIDTH
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=stderr, highlight=False, width=width, color_system=None if plain else "auto", no_color=plain
    )


def short_article(article_id: str) -> str:
    """The start of an article id that is shown (and can be typed: prefixes are accepted)."""
    return article_id[:ARTICLE_ID_SHOWN]


def short_story(story_id: str) -> str:
    """The start of a story id that is shown (and can be typed)."""
    return story_id[:STORY_ID_SHOWN]


def day(value: str | None) -> str:
    """The date part of an ISO timestamp ("" for None)."""
    return (value or "")[:10]


def dates(first: str | None, last: str | None) -> str:
    """A date range as one cell: one date, or first and last on two lines."""
    a, b = day(first), day(last)
    return a if a == b or not b else f"{a}\n{b}" if a else b


def table(title: str | None = None) -> Table:
    """A compact table as wide as the console: a rule under the header, no borders.

    Columns given a ``ratio`` share the width the others leave; the others are as wide as their
    content (or their ``max_width``).
    """
    return Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0), expand=True)


def stories_table(infos: Sequence[StoryInfo], title: str | None = None) -> Table:
    """The story list: short id, headline, articles, sources, languages, first and last date."""
    t = table(title)
    t.add_column("id", style="cyan", no_wrap=True)
    t.add_column("headline", overflow="fold", ratio=1)
    t.add_column("arts", justify="right", no_wrap=True)
    t.add_column("srcs", justify="right", no_wrap=True)
    t.add_column("langs", overflow="fold", max_width=11)
    t.add_column("dates", no_wrap=True)
    for s in infos:
        t.add_row(
            short_story(s.id), s.headline, str(s.articles), str(s.sources), " ".join(s.languages),
            dates(s.first_published, s.last_published),
        )  # fmt: skip
    return t


def topics_table(infos: Sequence[TopicInfo], title: str | None = None) -> Table:
    """The topic list: short id, headline of its largest story, stories, articles, languages, dates."""
    t = table(title)
    t.add_column("id", style="cyan", no_wrap=True)
    t.add_column("headline (largest story)", overflow="fold", ratio=1)
    t.add_column("stories", justify="right", no_wrap=True)
    t.add_column("arts", justify="right", no_wrap=True)
    t.add_column("langs", overflow="fold", max_width=11)
    t.add_column("dates", no_wrap=True)
    for x in infos:
        t.add_row(
            short_story(x.id), x.headline, str(x.stories), str(x.articles), " ".join(x.languages),
            dates(x.first_published, x.last_published),
        )  # fmt: skip
    return t
