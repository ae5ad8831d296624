"""The ``storyline`` command: a thin layer over `storyline.api`.

Errors are one line naming the input and the problem; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import json
import os
import shlex
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.markup import escape

from storyline import __version__
from storyline.config import load_config
from storyline.errors import SchemaBehindError, StorylineError
from storyline.export import FORMATS, format_for
from storyline.terminal import count, day, make_console, rate, short_article, stories_table, table
from storyline.text import lead_title, source_label
from storyline.types import IngestReport

F = TypeVar("F", bound=Callable[..., Any])


out = make_console()
err = make_console(stderr=True)


class Ctx:
    """Options shared by every command."""

    def __init__(self, db: str | None, config: str | None, debug: bool) -> None:
        self.db = db
        self.config_path = config
        self.debug = debug

    def api(self, readonly: bool = False, create: bool = False) -> Any:
        """Open the database.

        Args:
            readonly: open it for reading only.
            create: create it when missing (and say so on stderr); when False a missing database
                is an error that says how to create one (exit 2).
        """
        from storyline.api import Storyline, default_db_path

        config = load_config(self.config_path)
        path = default_db_path(self.db)
        missing = path != ":memory:" and not Path(path).expanduser().exists()
        if missing and not create:
            fail(
                f"no database at {path}: create it with `storyline ingest FILES...` "
                "(or choose another with --db PATH or $STORYLINE_DB)"
            )
        try:
            api = Storyline(path, config=config, readonly=readonly, on_wait=_say_waiting)
        except SchemaBehindError:
            # A newer storyline reading an older database: upgrade its schema once, then read.
            Storyline(path, config=config, on_wait=_say_waiting).close()
            err.print(f"upgraded the schema of {path}", markup=False, highlight=False, soft_wrap=True)
            api = Storyline(path, config=config, readonly=True, on_wait=_say_waiting)
        if missing:
            err.print(f"created database {path}", markup=False, highlight=False, soft_wrap=True)
        return api


def _say_waiting(message: str) -> None:
    err.print(message, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit (2: the command cannot run as given)."""
    err.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
    sys.exit(code)


class StorylineGroup(click.Group):
    """Turns errors into one line on stderr (full traceback with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, reporting errors as one line."""
        debug = "--debug" in sys.argv[1:] or os.environ.get("STORYLINE_DEBUG") == "1"
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except StorylineError as exc:
            if debug:
                raise
            err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
            sys.exit(1)
        except sqlite3.DatabaseError as exc:
            # A damaged page met in the middle of a command: one line, never a partial output
            # that ends with exit 0.
            if debug:
                raise
            obj = ctx.find_object(Ctx)
            from storyline.api import default_db_path

            db = default_db_path(obj.db if obj is not None else None)
            fail(
                f"{db}: the database cannot be read ({exc}); "
                f"run `storyline --db {shlex.quote(db)} check` to see the damage",
                code=1,
            )
        except KeyboardInterrupt:
            err.print("interrupted: whole batches are saved; run the same command again to resume")
            sys.exit(130)
        except BrokenPipeError:
            # The reader of a pipe stopped early (`storyline export | head`): not an error of ours.
            # Point stdout at /dev/null so that flushing it at exit does not fail again.
            with contextlib.suppress(OSError, ValueError):  # ValueError: a stdout without a file
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)  # 128 + SIGPIPE, as a shell reports a process a closed pipe stopped
        except Exception as exc:
            if debug:
                raise
            err.print(
                f"[red]error:[/red] {type(exc).__name__}: {escape(str(exc))} (run with --debug for details)",
                soft_wrap=True,
            )
            sys.exit(1)


@click.group(cls=StorylineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Database file [default: $STORYLINE_DB or ./storyline.db].",
)
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="Settings file (TOML).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(__version__, prog_name="storyline")
@click.pass_context
def main(ctx: click.Context, db: str | None, config: str | None, debug: bool) -> None:
    """Turn a pile of news articles into stories, offline."""
    global out, err  # made per run: $COLUMNS and $NO_COLOR are read when a command starts
    out, err = make_console(), make_console(stderr=True)
    ctx.obj = Ctx(db, config, debug)


# Inputs that hold one article per file, and those that hold one per line; for anything else the
# number of records is not known before reading it.
_ONE_PER_FILE = frozenset({".txt", ".text", ".md", ".html", ".htm"})
_ONE_PER_LINE = frozenset({".jsonl", ".ndjson"})


def estimate_records(paths: Sequence[str]) -> int | None:
    """How many records the inputs hold, when that is cheap to know (for the progress bar's ETA)."""
    total = 0
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files += [f for f in path.rglob("*") if f.is_file() and not f.name.startswith(".")]
        elif path.is_file():
            files.append(path)
        else:
            return None  # stdin or a glob: unknown
    for f in files:
        suffix = f.suffix.lower()
        if suffix in _ONE_PER_FILE:
            total += 1
        elif suffix in _ONE_PER_LINE:
            try:
                total += _count_lines(f)
            except OSError:
                return None
        else:
            return None
    return total


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def report_json(report: IngestReport) -> dict[str, Any]:
    """The report as plain JSON data (rejects as their fields)."""
    data = asdict(report)
    data["rejected"] = [asdict(r) for r in report.rejected]
    return data


def _print_report(report: IngestReport, show: int = 20) -> None:
    out.print(
        f"{report.added} added, {count(report.duplicates, 'duplicate')}, {report.already_present} already "
        f"present, {len(report.rejected)} rejected ({count(report.read, 'record')} in {report.seconds:.1f}s, "
        f"{rate(report.read, report.seconds)}); {count(report.stories_touched, 'story', 'stories')} updated"
    )
    if report.rejected:
        err.print(f"rejected {len(report.rejected)}:")
        for r in report.rejected[:show]:
            err.print(f"  {r}", markup=False)
        if len(report.rejected) > show:
            err.print(f"  ... and {len(report.rejected) - show} more: see `storyline rejects`")


def _missing_inputs(paths: Sequence[str]) -> list[tuple[str, str]]:
    """(argument, reason) for each ingest argument that names nothing: a typo, not bad input."""
    missing = []
    for arg in paths:
        if arg == "-" or Path(arg).exists():
            continue
        if glob.has_magic(arg):
            if not glob.glob(arg, recursive=True):  # noqa: PTH207 - absolute patterns too
                missing.append((arg, "no file matches this pattern"))
        else:
            missing.append((arg, "no such file or folder"))
    return missing


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--strict", is_flag=True, help="Exit non-zero if any record was rejected.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the run's report (counts, rejects, seconds per stage) to this JSON file.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the machine's cores).",
)
@click.option(
    "--executor",
    type=click.Choice(["auto", "local", "processes", "ray"]),
    default=None,
    help="Where per-document work runs: this process, a local process pool, or Ray.",
)
@click.option(
    "--ray-address", default=None, help="A Ray cluster to attach to (default: $RAY_ADDRESS, else local)."
)
@click.pass_obj
def ingest(
    obj: Ctx,
    paths: Sequence[str],
    strict: bool,
    quiet: bool,
    report_path: str | None,
    workers: int | None,
    executor: str | None,
    ray_address: str | None,
) -> None:
    """Read files, folders, globs or - (JSON Lines on stdin) into the database.

    Text, HTML (also .gz), JSON Lines, JSON, CSV, WARC(.gz) and RSS/Atom are understood. Re-running
    on the same inputs adds nothing; an interrupted run resumes where it stopped.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    missing = _missing_inputs(paths)
    if missing:
        fail("; ".join(f"{path}: {reason}" for path, reason in missing) + " (nothing was read)")
    api = obj.api(create=True)
    settings = api.config.ingest
    api.config = dataclasses.replace(
        api.config,
        ingest=dataclasses.replace(
            settings,
            workers=workers or settings.workers,
            executor=executor or ("processes" if workers and workers > 1 else settings.executor),
            ray_address=ray_address or settings.ray_address,
        ),
    )
    show = not quiet and err.is_terminal
    total = estimate_records(paths)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as bar:
        task = bar.add_task("reading", total=total)

        def progress(_n: int, rep: IngestReport) -> None:
            bar.update(
                task,
                completed=rep.read,
                total=max(total, rep.read) if total is not None else None,
                description=(
                    f"{rep.added} added, {count(rep.duplicates, 'duplicate')}, "
                    f"{rep.already_present} present, {len(rep.rejected)} rejected, {rate(rep.read, rep.seconds)}"
                ),
            )

        report = api.ingest(paths, progress=progress, expected=total)
    _print_report(report)
    if report_path:
        Path(report_path).write_text(json.dumps(report_json(report), indent=1), encoding="utf-8")
    if strict and report.rejected:
        sys.exit(2)
    if report.added == 0 and report.already_present == 0 and report.read:
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--offset", type=int, default=0)
@click.option("--language", default=None, help="Only stories with an article in this language.")
@click.option("--source", default=None, help="Only stories with an article from this publisher.")
@click.option("--since", default=None, help="Only stories with reports on or after this date.")
@click.option("--until", default=None, help="Only stories with reports on or before this date.")
@click.option("--search", default=None, help="Full-text search over titles and texts.")
@click.option("--entity", default=None, help="Only stories naming this person, place or organisation.")
@click.option("--topic", default=None, help="Only the stories of this topic (id or unique prefix).")
@click.option(
    "--order",
    type=click.Choice(["recent", "size"]),
    default="recent",
    show_default=True,
    help="Latest report first, or most articles first.",
)
@click.pass_obj
def stories(obj: Ctx, as_json: bool, limit: int, offset: int, **filters: Any) -> None:
    """List stories, most recent first (or largest first with --order size); filters combine."""
    api = obj.api(readonly=True)
    q = filters.pop("search")
    if filters.get("topic"):
        filters["topic"] = api.store.resolve_topic(filters["topic"])
    infos = api.stories(limit=limit, offset=offset, query=q, **filters)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in infos], ensure_ascii=False, indent=2))
        return
    order = filters.pop("order")
    total = api.store.count_stories(query=q, **filters)
    title = f"{len(infos)} of {total} stories" + (", largest first" if order == "size" else "")
    out.print(stories_table(infos, title=title))


@main.command()
@click.argument("story_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def story(obj: Ctx, story_id: str, as_json: bool) -> None:
    """Show one story: its members, with publisher, date, language and relation.

    STORY_ID is a story id or a unique prefix of 4 or more characters, with or without its leading s.
    """
    api = obj.api(readonly=True)
    s = api.story(story_id)
    if as_json:
        data = asdict(s)
        data["view"] = api.story_view(s.info.id)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from storyline.render import render_story

    render_story(out, s, api)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--offset", type=int, default=0)
@click.option(
    "--order", type=click.Choice(["recent", "size"]), default="recent", show_default=True,
    help="recent: latest report first; size: most articles first.",
)  # fmt: skip
@click.pass_obj
def topics(obj: Ctx, as_json: bool, limit: int, offset: int, order: str) -> None:
    """List topics: the long-running subjects that group stories (events)."""
    api = obj.api(readonly=True)
    infos = api.topics(limit=limit, offset=offset, order=order)
    if as_json:
        click.echo(json.dumps([asdict(t) for t in infos], ensure_ascii=False, indent=2))
        return
    from storyline.terminal import topics_table

    out.print(topics_table(infos, title=f"{len(infos)} of {api.store.count_topics()} topics"))


@main.command()
@click.argument("topic_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def topic(obj: Ctx, topic_id: str, as_json: bool) -> None:
    """Show one topic: its stories as a timeline of events, newest first, with what each added.

    TOPIC_ID is a topic id or a unique prefix of 4 or more characters, with or without its leading t.
    """
    api = obj.api(readonly=True)
    t = api.topic(topic_id)
    if as_json:
        from storyline.export import topic_record

        click.echo(json.dumps(topic_record(t), ensure_ascii=False, indent=2))
        return
    from storyline.render import render_topic

    render_topic(out, t)


@main.command()
@click.argument("article_id")
@click.option("--removed", is_flag=True, help="Also show what cleaning removed, and why.")
@click.option("--raw", is_flag=True, help="Show the raw input instead of the clean text.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def article(obj: Ctx, article_id: str, removed: bool, raw: bool, as_json: bool) -> None:
    """Show one article: metadata, relations and clean text.

    ARTICLE_ID is an article id or a unique prefix of 4 or more characters.
    """
    api = obj.api(readonly=True)
    a = api.article(article_id)
    rels = api.relations(a.id)
    if as_json:
        data = asdict(a)
        data["story"] = api.story_of(a.id)
        data["placement"] = api.placement(a.id)
        data["relations"] = [asdict(r) for r in rels]
        if not removed:
            data.pop("removed")
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from storyline.render import render_article

    placed = api.placement(a.id)
    render_article(
        out, a, rels, api.story_of(a.id), removed=removed, raw=api.raw(a.id) if raw else None,
        placement=placed["in_words"] if placed else None,
    )  # fmt: skip


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--lexical", is_flag=True, help="Lexical evidence only (do not load the embedding model).")
@click.option("--verbose", "-v", is_flag=True, help="Also every stored and computed feature.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def why(obj: Ctx, a: str, b: str, lexical: bool, verbose: bool, as_json: bool) -> None:
    """Why articles A and B are (or are not) duplicates, and why they share a story (or not).

    Plain words first: the relation and the evidence that decided it, then how each article came
    into its story and the names both give. --verbose adds every feature; --json has them all.
    """
    from storyline.dedup.explain import relation_in_words

    api = obj.api(readonly=True)
    w = api.why(a, b, semantic=not lexical)
    grouping = api.grouping(w.a.id, w.b.id)
    arts = {w.a.id: w.a, w.b.id: w.b}
    explained = [
        f"{short_article(r.article)} is " + relation_in_words(r, arts.get(r.article), arts.get(r.original))
        for r in w.relations
    ]
    if as_json:
        data = {
            "a": w.a.id, "b": w.b.id, "verdict": w.verdict, "in_words": explained,
            "scores": w.scores, "shared_passage": w.shared_passage,
            "relations": [asdict(r) for r in w.relations], "stories": grouping,
        }  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for label, art in (("A", w.a), ("B", w.b)):
        out.print(
            f"{label} {art.id}  {art.title or lead_title(art.text)}  "
            f"[{source_label(art.publisher, art.url, art.source)}, {art.published or 'undated'}, {art.language or '?'}]",
            markup=False,
        )
    out.print(f"[bold]duplicates:[/bold] {escape(w.verdict)}")
    for line in explained:
        out.print(f"  {line}", markup=False)
    out.print(f"[bold]stories:[/bold] {escape(grouping['in_words'])}")
    _print_topics(grouping)
    if not verbose:
        out.print("(every feature: --verbose)", style="dim", markup=False)
        return
    for r in w.relations:
        out.print(
            f"stored: {short_article(r.article)} -> {short_article(r.original)} {r.kind} {r.score:.3f}",
            markup=False,
        )
        for k, v in r.evidence.items():
            out.print(f"  {k}: {json.dumps(v, ensure_ascii=False)}", markup=False)
    out.print("scores now:")
    for k, v in w.scores.items():
        out.print(f"  {k}: {v}", markup=False)
    if w.shared_passage:
        words = w.shared_passage.split()
        shown = " ".join(words[:60]) + (" ..." if len(words) > 60 else "")
        out.print(f"longest shared passage ({len(words)} words, normalised): {shown}", markup=False)


def _print_topics(g: dict[str, Any]) -> None:
    """The topics of the two articles of `why`, and why their stories are in them."""
    from storyline.render import topic_because

    for label in ("a", "b"):
        side = g[label]
        if side["story"] is None or not side["topic"] or (label == "b" and side["story"] == g["a"]["story"]):
            continue
        founded = side["topic"][1:].split("-")[0] == side["story"][1:]
        because = topic_because(side["topic_evidence"], side["topic_probability"] or 0.0, founded)
        whose = "their" if g["a"]["story"] == g["b"]["story"] else f"{label.upper()}'s"
        out.print(f"  {whose} story {side['story']} is in topic {side['topic']}: {because}", markup=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", type=int, default=50, show_default=True, help="Groups to show.")
@click.pass_obj
def dupes(obj: Ctx, as_json: bool, limit: int) -> None:
    """List duplicate groups with their originals and each member's relation."""
    groups = obj.api(readonly=True).dupes()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "original": g.original.id,
                        "title": g.original.title,
                        "publisher": g.original.publisher,
                        "published": g.original.published,
                        "members": [
                            {
                                "id": a.id,
                                "kind": r.kind,
                                "score": r.score,
                                "publisher": a.publisher,
                                "published": a.published,
                                "language": a.language,
                            }
                            for a, r in g.members
                        ],
                    }
                    for g in groups[:limit]
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not groups:
        out.print("no duplicates")
        return
    t = table(f"{len(groups)} duplicate groups" + (f" (largest {limit})" if len(groups) > limit else ""))
    t.add_column("original", style="cyan", no_wrap=True)
    t.add_column("title", overflow="fold", ratio=1)
    t.add_column("source", overflow="fold", max_width=16)
    t.add_column("date", no_wrap=True)
    t.add_column("copies", no_wrap=True)
    for g in groups[:limit]:
        o = g.original
        copies = "\n".join(f"{short_article(a.id)} {r.kind} {r.score:.2f}" for a, r in g.members)
        t.add_row(
            short_article(o.id),
            o.title or "",
            source_label(o.publisher, o.url, o.source),
            day(o.published),
            copies,
        )
    out.print(t)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def check(obj: Ctx, as_json: bool) -> None:
    """Check the database: SQLite's integrity check and storyline's own invariants.

    Exits 1 when anything is wrong, naming each problem.
    """
    api = obj.api(readonly=True)
    report = api.check()
    if as_json:
        click.echo(json.dumps({"database": api.path, **asdict(report), "ok": report.ok}, indent=2))
    elif report.ok:
        out.print(
            f"{api.path}: sound ({count(report.articles or 0, 'article')}, "
            f"{count(report.stories or 0, 'story', 'stories')}; SQLite's integrity check and "
            "storyline's invariants hold)",
            markup=False,
            highlight=False,
        )
    else:
        for problem in report.problems:
            err.print(f"{api.path}: {problem}", markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def rejects(obj: Ctx, as_json: bool) -> None:
    """List rejected inputs: where and why."""
    rs = obj.api(readonly=True).rejects()
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rs], ensure_ascii=False, indent=2))
        return
    if not rs:
        out.print("nothing was rejected")
        return
    t = table(f"{len(rs)} rejected")
    t.add_column("source", overflow="fold", ratio=1)
    t.add_column("record", justify="right", no_wrap=True)
    t.add_column("stage", no_wrap=True)
    t.add_column("reason", overflow="fold", ratio=1)
    for r in rs:
        t.add_row(r.source, "" if r.record is None else str(r.record), r.stage, r.reason)
    out.print(t)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format [default: from the file's extension; jsonl on stdout].",
)
@click.option("--stories", "as_stories", is_flag=True, help="One record per story instead of per article.")
@click.option("--topics", "as_topics", is_flag=True, help="One record per topic (its stories inside).")
@click.option("--output", "-o", default="-", show_default=True, help="Output file (- for stdout).")
@click.pass_obj
def export(obj: Ctx, fmt: str | None, as_stories: bool, as_topics: bool, output: str) -> None:
    """Export articles (or stories) as JSON Lines, JSON, CSV or Parquet.

    The format follows the output file's extension (.jsonl, .json, .csv, .parquet) unless --format
    is given; the two must agree.
    """
    try:
        fmt = format_for(output, fmt)
    except StorylineError as exc:
        fail(str(exc))
    if as_stories and as_topics:
        fail("--stories and --topics: choose one")
    api = obj.api(readonly=True)
    n = api.export(output, fmt, stories=as_stories, topics=as_topics)
    if output != "-":
        what = "topics" if as_topics else "stories" if as_stories else "articles"
        err.print(f"wrote {n} {what} to {output}")


def _parse_size(value: str) -> int:
    """``10MB``, ``512k``, ``1048576`` -> bytes."""
    text = value.strip().lower().removesuffix("b")
    scale = {"k": 1024, "m": 1024**2, "g": 1024**3}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        size = int(float(number) * scale)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a size (e.g. 10MB, 512k, 1048576)") from None
    if size <= 0:
        raise click.BadParameter(f"{value!r} must be more than 0 bytes")
    return size


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on."
)
@click.option(
    "--token",
    envvar="STORYLINE_TOKEN",
    default=None,
    help="Bearer token that writes (POST /api/articles) must carry; required when --host is not loopback. "
    "Better given as $STORYLINE_TOKEN, which other users cannot see in the process list.",
)
@click.option("--max-body", default="10MB", show_default=True, help="Largest accepted request body.")
@click.option("--read-only", is_flag=True, help="Open the database read-only: no ingest over HTTP.")
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, token: str | None, max_body: str, read_only: bool) -> None:
    """Serve the stories as web pages and a JSON API (needs the [web] extra).

    Pages: /stories, /stories/ID, /articles/ID; each has a JSON twin (add .json). Articles are
    fed with POST /api/articles (JSON or JSON Lines); /openapi.json describes the API.
    """
    limit = _parse_size(max_body)
    if token is not None and len(token) < 16:
        raise click.BadParameter("use a token of at least 16 characters", param_hint="--token")
    if not _is_loopback(host) and token is None and not read_only:
        raise click.UsageError(
            f"--host {host} is reachable from other machines, so writes need a token: "
            "give --token or $STORYLINE_TOKEN (or serve with --read-only)"
        )
    try:
        import uvicorn

        from storyline.web import create_app
    except ImportError as exc:
        raise click.ClickException(
            f"the web app needs the [web] extra ({exc.name} is missing): pip install 'storyline[web]'"
        ) from None
    from storyline.api import default_db_path

    db = default_db_path(obj.db)
    if read_only or not Path(db).expanduser().exists():
        obj.api(readonly=read_only, create=not read_only).close()
    app = create_app(db, load_config(obj.config_path), token=token, max_body=limit, readonly=read_only)
    shown = f"[{host}]" if ":" in host else host
    writes = (
        "read-only" if read_only else ("writes need the token" if token else "writes open to this machine")
    )
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False)
    sock = config.bind_socket()  # bound here, so that --port 0 can say which port it got
    bound = sock.getsockname()[1]
    err.print(
        f"serving {db} at http://{shown}:{bound}/ ({writes}); Ctrl-C stops", markup=False, soft_wrap=True
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


@main.command()
@click.pass_obj
def reclean(obj: Ctx) -> None:
    """Clean every article again from its stored raw input, after the cleaner improved.

    Ids stay the same. Articles whose clean text changed go through duplicate detection again,
    and stories are re-clustered when anything changed.
    """
    report = obj.api().reclean()
    out.print(
        f"{report.checked} articles checked: {report.unchanged} unchanged, {report.text_changed} with new text, "
        f"{report.metadata_changed} with new metadata only, {len(report.rejected)} now rejected by the cleaner "
        f"(kept as they were); {report.stories} stories rebuilt"
    )
    for r in report.rejected[:20]:
        err.print(f"  {r}", markup=False)


@main.command()
@click.pass_obj
def enrich(obj: Ctx) -> None:
    """Build and store the view of every story that has none or an outdated one.

    Views (entities, quotes, timeline, disputes, summary) are built when a story is first read;
    this builds them all ahead of time, for example after a large ingest, so that every page and
    export answers at once.
    """
    api = obj.api()
    start = time.perf_counter()
    built = api.refresh_views()
    out.print(f"{count(built, 'story view', 'story views')} built in {time.perf_counter() - start:.1f}s")


@main.command()
@click.pass_obj
def demo(obj: Ctx) -> None:
    """Ingest the bundled sample (MEANTIME, CC BY 4.0) into demo.db and show its best stories.

    The database is demo.db in the working directory, or --db; running the demo again adds nothing.
    It ends with three commands to explore the database next.
    """
    from storyline.api import Storyline
    from storyline.demo import DEFAULT_DB, SAMPLE, best_first, next_commands, sample_records

    db = obj.db or DEFAULT_DB  # never $STORYLINE_DB: the demo stays out of a real database
    out.print(f"[bold]storyline demo[/bold]: ingesting the bundled sample into {escape(db)}")
    out.print(
        "Sample: MEANTIME corpus (Wikinews articles with Spanish, Italian and Dutch translations), "
        "CC BY 4.0, NewsReader / Minard et al., LREC 2016."
    )
    start = time.perf_counter()
    with Storyline(db, config=load_config(obj.config_path)) as api:
        report = api.ingest_records(sample_records(), source=SAMPLE)
        _print_report(report)
        infos = best_first(api.stories(limit=None))
        shown = infos[:10]
        out.print(
            stories_table(
                shown, title=f"{len(infos)} stories, best {len(shown)} first (most sources and languages)"
            )
        )
        commands = next_commands(api.store, db, infos[0]) if infos else []
    out.print(f"demo finished in {time.perf_counter() - start:.1f}s; the database is {escape(db)}")
    if commands:
        out.print("Explore it next:")
        for command in commands:
            out.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    main()
