"""The command line: exact messages, exit codes, JSON output, exports."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import storyline
from conftest import synthetic_text
from storyline.cli import main


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    cfg = tmp_path / "fast.toml"
    cfg.write_text('[embed]\nmodel = "hashing"\n')
    return {"STORYLINE_DB": str(tmp_path / "env.db"), "CFG": str(cfg)}


def run(env: dict[str, str], *args: str, input: bytes | None = None, **extra: str | None):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    return runner.invoke(
        main,
        ["--config", env["CFG"], *args],
        env={
            "STORYLINE_DB": env["STORYLINE_DB"],
            "COLUMNS": None,
            "NO_COLOR": None,
            "FORCE_COLOR": None,
            **extra,
        },
        input=input,
    )


def _articles() -> list[dict]:
    """Four English Wikinews articles on unrelated events, one per MEANTIME topic (CC BY 4.0)."""
    path = Path(__file__).parent / "data" / "clean" / "meantime_sample.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    by_topic: dict[str, dict] = {}
    for r in rows:
        if r["lang"] == "en":
            by_topic.setdefault(r["doc_id"].split("/")[0], r)
    assert len(by_topic) == 4
    return list(by_topic.values())


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    arts = _articles()
    for i, a in enumerate(arts):
        (d / f"{i}.txt").write_text(f"Title: {a['title']}\nDate: {a['date']}\n\n{a['text']}\n")
    (d / "dup.txt").write_text(f"Title: {arts[0]['title']}\n\n{arts[0]['text']}\n")
    (d / "empty.txt").write_text("")
    return d


def test_ingest_summary_and_db_from_environment(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    res = run(env, "ingest", str(d))
    assert res.exit_code == 0, res.output
    assert f"created database {env['STORYLINE_DB']}\n" in res.output
    assert "5 added, 1 duplicate, 0 already present, 1 rejected (6 records in " in res.output
    assert "empty.txt: empty file" in res.output
    assert Path(env["STORYLINE_DB"]).exists()
    res = run(env, "ingest", str(d))
    assert "0 added, 0 duplicates, 5 already present" in res.output
    assert "created database" not in res.output


def test_strict_fails_on_rejects(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    assert run(env, "ingest", "--strict", str(d)).exit_code == 2


def test_db_option_overrides_environment(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    other = tmp_path / "other.db"
    assert run(env, "--db", str(other), "ingest", str(d)).exit_code == 0
    assert other.exists() and not Path(env["STORYLINE_DB"]).exists()


def test_errors_are_one_line_without_traceback(tmp_path: Path, env: dict[str, str]) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not a database" * 50)
    res = run(env, "--db", str(bad), "stories")
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "notes.db" in lines[0]
    run(env, "ingest", str(_folder(tmp_path)))
    res = run(env, "story", "doesnotexist")
    assert res.exit_code == 1 and "no story with id 'doesnotexist'" in res.output


def test_bad_config_is_reported(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[dedup]\nnear_treshold = 0.5\n")
    res = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "--config", str(cfg), "stories"])
    assert res.exit_code == 1
    assert "unknown setting 'near_treshold'" in res.output


def test_stories_story_rejects_json(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    run(env, "ingest", str(d))
    res = run(env, "stories", "--json")
    stories = json.loads(res.output)
    assert sum(s["articles"] for s in stories) == 5
    sid = next(s["id"] for s in stories if s["articles"] == 2)
    res = run(env, "story", sid[:8], "--json")
    story = json.loads(res.output)
    rel = [m for m in story["members"] if m["relation"]]
    assert len(rel) == 1 and rel[0]["relation"] == "exact"
    res = run(env, "story", sid)
    assert "exact copy of" in res.output
    rejects = json.loads(run(env, "rejects", "--json").output)
    assert rejects == [
        {"source": str(d / "empty.txt"), "record": None, "stage": "read", "reason": "empty file"}
    ]
    assert "empty file" in run(env, "rejects").output


def test_article_command(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    run(env, "ingest", str(d))
    rows = [json.loads(x) for x in run(env, "export").output.splitlines()]
    aid = rows[0]["id"]
    res = run(env, "article", aid[:10], "--json")
    art = json.loads(res.output)
    assert art["id"] == aid and art["story"]
    res = run(env, "article", aid, "--removed")
    assert res.exit_code == 0 and "removed by cleaning" in res.output


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet"])
def test_export_formats(tmp_path: Path, env: dict[str, str], fmt: str) -> None:
    d = _folder(tmp_path)
    run(env, "ingest", str(d))
    out = tmp_path / f"out.{fmt}"
    res = run(env, "export", "--format", fmt, "-o", str(out))
    assert res.exit_code == 0, res.output
    if fmt == "jsonl":
        rows = [json.loads(x) for x in out.read_text().splitlines()]
    elif fmt == "json":
        rows = json.loads(out.read_text())
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
    else:
        rows = pq.read_table(out).to_pylist()
    assert len(rows) == 5
    fields = {
        "id",
        "external_id",
        "source",
        "record",
        "url",
        "title",
        "published",
        "publisher",
        "language",
        "text",
        "story",
        "original",
        "relation",
    }
    assert fields <= set(rows[0])
    assert sum(1 for r in rows if r["relation"] == "exact") == 1


def test_export_stories(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    run(env, "ingest", str(d))
    res = run(env, "export", "--stories", "--format", "json")
    stories = json.loads(res.output)
    assert {"id", "headline", "articles", "first_published", "last_published", "languages", "sources"} <= set(
        stories[0]
    )
    assert sum(len(s["articles"]) for s in stories) == 5


def test_topics_topic_and_their_export(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    run(env, "ingest", str(d))
    stories = json.loads(run(env, "stories", "--json").output)
    topics = json.loads(run(env, "topics", "--json").output)
    # Every story is in one topic; four unrelated events are not one subject.
    assert all(s["topic"] for s in stories)
    assert sum(t["stories"] for t in topics) == len(stories)
    assert sum(t["articles"] for t in topics) == 5
    assert len(topics) >= 3
    biggest = max(topics, key=lambda t: t["articles"])
    res = run(env, "topic", biggest["id"][1:8], "--json")  # a unique prefix, without the "t"
    assert res.exit_code == 0, res.output
    topic = json.loads(res.output)
    assert topic["id"] == biggest["id"]
    assert {s["id"] for s in topic["stories"]} == {s["id"] for s in stories if s["topic"] == biggest["id"]}
    shown = run(env, "topic", biggest["id"])
    assert biggest["headline"][:20] in shown.output and "started this topic" in shown.output
    listed = json.loads(run(env, "stories", "--topic", biggest["id"][:6], "--json").output)
    assert {s["id"] for s in listed} == {s["id"] for s in topic["stories"]}
    exported = json.loads(run(env, "export", "--topics", "--format", "json").output)
    assert sorted(t["id"] for t in exported) == sorted(t["id"] for t in topics)
    # The story list by size, and by a name its texts give (no view built: the names it was placed by).
    by_size = json.loads(run(env, "stories", "--order", "size", "--json").output)
    assert [s["articles"] for s in by_size] == sorted((s["articles"] for s in stories), reverse=True)
    rows = [json.loads(x) for x in run(env, "export").output.splitlines()]
    placed = json.loads(run(env, "article", rows[0]["id"], "--json").output)["placement"]
    assert placed["story"] == rows[0]["story"] and placed["names"]
    named = json.loads(run(env, "stories", "--entity", placed["names"][0], "--json").output)
    assert rows[0]["story"] in {s["id"] for s in named}
    assert json.loads(run(env, "stories", "--entity", "Nobody Atall", "--json").output) == []
    assert {"id", "headline", "stories", "articles", "events"} <= set(exported[0])
    by_story = {
        s["id"]: s["topic"] for s in json.loads(run(env, "export", "--stories", "--format", "json").output)
    }
    assert by_story == {s["id"]: s["topic"] for s in stories}
    res = run(env, "export", "--topics", "--stories")
    assert res.exit_code == 2 and res.output == "error: --stories and --topics: choose one\n"
    res = run(env, "topic", "tzzzz")
    assert res.exit_code == 1 and res.output == "error: no topic with id 'tzzzz'\n"
    # `why` says where two articles are above duplicates: their stories and topics.
    rows = [json.loads(x) for x in run(env, "export").output.splitlines()]
    a, b = rows[0], next(r for r in rows if r["story"] != rows[0]["story"])
    why = json.loads(run(env, "why", "--lexical", a["id"], b["id"], "--json").output)["stories"]
    assert why["a"]["story"] == a["story"] and why["b"]["story"] == b["story"]
    assert why["a"]["topic"] == by_story[a["story"]]
    same_topic = by_story[a["story"]] == by_story[b["story"]]
    assert why["verdict"] == (
        "different stories of one topic" if same_topic else "different stories and different topics"
    )
    said = " ".join(run(env, "why", "--lexical", a["id"], b["id"]).output.split())
    assert "stories: " + why["verdict"] + ": A is in " + a["story"][:9] in said
    assert f"{b['story'][:9]}" in said and "where it " in said


def test_ingest_from_stdin(env: dict[str, str]) -> None:
    lines = "\n".join(json.dumps({"id": f"s{i}", "text": synthetic_text(i + 100)}) for i in range(3)).encode()
    res = run(env, "ingest", "-", input=lines)
    assert res.exit_code == 0, res.output
    assert "3 added" in res.output


def test_nothing_usable_exits_non_zero(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "e.txt").write_text("")
    res = run(env, "ingest", str(tmp_path / "e.txt"))
    assert res.exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["stories"], ["stories", "--json"], ["story", "s1234"], ["article", "1234"], ["why", "1234", "5678"],
        ["dupes"], ["rejects"], ["export", "-o", "x.jsonl"], ["reclean"], ["serve", "--read-only"],
        ["topics"], ["topic", "t1234"],
    ],
)  # fmt: skip
def test_read_commands_never_create_a_database(env: dict[str, str], args: list[str]) -> None:
    res = run(env, *args)
    assert res.exit_code == 2, res.output
    db = env["STORYLINE_DB"]
    assert res.output == (
        f"error: no database at {db}: create it with `storyline ingest FILES...` "
        "(or choose another with --db PATH or $STORYLINE_DB)\n"
    )
    assert not Path(db).exists()


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet"])
def test_export_format_follows_the_extension(tmp_path: Path, env: dict[str, str], fmt: str) -> None:
    run(env, "ingest", str(_folder(tmp_path)))
    out = tmp_path / f"articles.{fmt}"
    res = run(env, "export", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert res.output == f"wrote 5 articles to {out}\n"
    data = out.read_bytes()
    if fmt == "parquet":
        assert data[:4] == b"PAR1" and pq.read_table(out).num_rows == 5
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(data.decode())))) == 5
    elif fmt == "json":
        assert len(json.loads(data)) == 5
    else:
        assert len([json.loads(x) for x in data.decode().splitlines()]) == 5


def test_export_format_option_and_extension_must_agree(tmp_path: Path, env: dict[str, str]) -> None:
    run(env, "ingest", str(_folder(tmp_path)))
    out = tmp_path / "x.parquet"
    res = run(env, "export", "--format", "csv", "-o", str(out))
    assert res.exit_code == 2
    assert res.output == (
        f"error: --format csv does not match {str(out)!r}, whose extension .parquet means parquet: "
        "drop --format or rename the file\n"
    )
    assert not out.exists()
    res = run(env, "export", "-o", str(tmp_path / "x.txt"))
    assert res.exit_code == 2
    assert res.output.startswith("error: cannot tell the export format from ")
    # --format decides for names without a known extension, and for stdout.
    assert run(env, "export", "--format", "csv", "-o", str(tmp_path / "x.txt")).exit_code == 0
    assert run(env, "export", "--format", "json").output.startswith("[")
    assert run(env, "export").output.startswith("{")


def test_ids_by_unique_prefix(tmp_path: Path, env: dict[str, str]) -> None:
    run(env, "ingest", str(_folder(tmp_path)))
    rows = [json.loads(x) for x in run(env, "export").output.splitlines()]
    aid, sid = rows[0]["id"], rows[0]["story"]
    assert json.loads(run(env, "article", aid[:4], "--json").output)["id"] == aid
    assert json.loads(run(env, "story", sid[:5], "--json").output)["info"]["id"] == sid
    assert json.loads(run(env, "story", sid[1:5], "--json").output)["info"]["id"] == sid  # without the "s"
    res = run(env, "article", aid[:3])
    assert res.exit_code == 1
    assert res.output == f"error: no article with id {aid[:3]!r}: an id prefix needs at least 4 characters\n"
    res = run(env, "article", "%" + aid[-5:])
    assert res.exit_code == 1 and res.output == f"error: no article with id {'%' + aid[-5:]!r}\n"
    from storyline.store import Store

    with Store(env["STORYLINE_DB"]) as store, store.atomic():
        store.conn.executemany(
            "INSERT INTO stories (id, created_at, updated_at) VALUES (?, '', '')", [("sabcd1",), ("sabcd2",)]
        )
    res = run(env, "story", "abcd")
    assert res.exit_code == 1
    assert res.output == (
        "error: story id 'abcd' is ambiguous: it starts 2 stories (sabcd1, sabcd2); give more characters\n"
    )


def test_ingest_of_a_missing_path_is_a_usage_error(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    res = run(env, "ingest", str(d), str(tmp_path / "nope.jsonl"), str(tmp_path / "*.warc"))
    assert res.exit_code == 2
    assert res.output == (
        f"error: {tmp_path / 'nope.jsonl'}: no such file or folder; "
        f"{tmp_path / '*.warc'}: no file matches this pattern (nothing was read)\n"
    )
    assert not Path(env["STORYLINE_DB"]).exists()  # not even the database was made
    res = run(env, "ingest", str(d / "*.txt"))
    assert res.exit_code == 0 and "5 added" in res.output
    assert run(env, "rejects", "--json").output.count("no such file") == 0


def test_demo_keeps_its_database_and_ends_with_commands_that_work(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    import uvicorn

    from storyline.demo import best_first
    from storyline.terminal import short_story
    from storyline.types import StoryInfo

    monkeypatch.chdir(tmp_path)
    res = run(env, "demo")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("storyline demo: ingesting the bundled sample into demo.db\n")
    assert "160 added" in res.output
    assert (tmp_path / "demo.db").exists() and not Path(env["STORYLINE_DB"]).exists()
    lines = res.output.splitlines()
    assert lines[-5].endswith("; the database is demo.db")
    assert lines[-4] == "Explore it next:"
    commands = [line.strip() for line in lines[-3:]]
    assert commands[0].startswith("storyline --db demo.db story s")
    assert commands[1].startswith("storyline --db demo.db why ")
    assert commands[2] == "storyline --db demo.db serve --read-only"
    # The best stories (most sources, then languages) come first, the first of them is suggested.
    stories = json.loads(run(env, "--db", "demo.db", "stories", "--json", "--limit", "100").output)
    best = best_first([StoryInfo(**{**s, "languages": tuple(s["languages"])}) for s in stories])
    assert commands[0].endswith(f"story {short_story(best[0].id)}")
    positions = [res.output.index(short_story(s.id)) for s in best[:10]]
    assert positions == sorted(positions)
    # Each suggested command runs on the demo database as printed.
    for command in commands[:2]:
        done = run(env, *shlex.split(command)[1:])
        assert done.exit_code == 0, done.output
    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: None)
    done = run(env, *shlex.split(commands[2])[1:])
    assert done.exit_code == 0 and "serving demo.db at http://127.0.0.1:" in done.output
    # Stored under the sample's name, not its installed path: ids are the same on every machine.
    rows = [json.loads(x) for x in run(env, "--db", "demo.db", "export").output.splitlines()]
    assert {r["source"] for r in rows} == {"meantime_sample.jsonl"}
    # Running it again adds nothing.
    assert "0 added, 0 duplicates, 160 already present" in run(env, "demo").output


def _read_commands(env: dict[str, str]) -> list[list[str]]:
    rows = [json.loads(x) for x in run(env, "export").output.splitlines()]
    copy = next(r for r in rows if r["relation"])
    return [
        ["stories"], ["story", copy["story"][:9]], ["article", copy["id"][:8], "--removed"],
        ["why", "--lexical", copy["id"][:8], copy["original"][:8]], ["dupes"], ["rejects"],
        ["topics"], ["topic", "t" + copy["story"][1:9]],
    ]  # fmt: skip


def test_terminal_output_fits_80_columns(tmp_path: Path, env: dict[str, str]) -> None:
    d = _folder(tmp_path)
    (d / "long.txt").write_text(
        "Title: " + " ".join(["Extraordinarily"] * 12) + "\nDate: 2024-03-04\n\n" + synthetic_text(7) + "\n"
    )
    res = run(env, "ingest", str(d), COLUMNS="80")
    created, *lines = res.output.splitlines()
    assert created == f"created database {env['STORYLINE_DB']}"  # a path is printed whole, to be copied
    assert all(len(line) <= 80 for line in lines), res.output
    for args in _read_commands(env):
        res = run(env, *args, COLUMNS="80")
        assert res.exit_code == 0, res.output
        lines = res.output.splitlines()
        assert all(len(line.rstrip()) <= 80 for line in lines), "\n".join(x for x in lines if len(x) > 80)
        wide = run(env, *args, COLUMNS="200").output
        # Dates are never cut: every date of the wide output is whole in the narrow one.
        assert sorted(re.findall(r"\b\d{4}-\d{2}-\d{2}\b", wide)) == sorted(
            re.findall(r"\b\d{4}-\d{2}-\d{2}\b", res.output)
        ), args
    table = run(env, "stories", COLUMNS="80").output
    assert "Extraordinarily Extraordinarily" in table  # the headline wraps at words
    sid = json.loads(run(env, "stories", "--json").output)[0]["id"]
    assert re.search(rf"^{sid[:9]}\s", table, re.MULTILINE)  # the short id, which works as a prefix


def test_every_read_command_prints_json(tmp_path: Path, env: dict[str, str]) -> None:
    run(env, "ingest", str(_folder(tmp_path)))
    for args in _read_commands(env):
        res = run(env, *args, "--json")
        assert res.exit_code == 0, res.output
        json.loads(res.output)


def test_colours_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, env: dict[str, str]) -> None:
    run(env, "ingest", str(_folder(tmp_path)))
    for args in _read_commands(env):
        assert "\x1b[" not in run(env, *args).output  # not a terminal
        assert "\x1b[" in run(env, *args, FORCE_COLOR="1").output  # a terminal
        assert "\x1b[" not in run(env, *args, FORCE_COLOR="1", NO_COLOR="1").output
    res = run(env, "story", "nothere", FORCE_COLOR="1", NO_COLOR="1")
    assert res.output == "error: no story with id 'nothere'\n"


def test_serve_on_port_0_announces_the_port_it_got(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    run(env, "ingest", str(_folder(tmp_path)))
    bound: list[int] = []

    def serve(self: uvicorn.Server, sockets: list) -> None:  # type: ignore[type-arg]
        bound.append(sockets[0].getsockname()[1])

    monkeypatch.setattr(uvicorn.Server, "run", serve)
    res = run(env, "serve", "--port", "0", "--read-only")
    assert res.exit_code == 0, res.output
    assert bound and bound[0] != 0
    assert res.output == (
        f"serving {env['STORYLINE_DB']} at http://127.0.0.1:{bound[0]}/ (read-only); Ctrl-C stops\n"
    )


def test_stories_title_counts_the_filtered_list(tmp_path: Path, env: dict[str, str]) -> None:
    run(env, "ingest", str(_folder(tmp_path)))
    every = len(json.loads(run(env, "stories", "--json").output))
    res = run(env, "stories", "--limit", "1")
    assert res.output.splitlines()[0].strip() == f"1 of {every} stories"
    res = run(env, "stories", "--language", "xx")
    assert res.output.splitlines()[0].strip() == "0 of 0 stories"


def test_counts_and_rates_read_well() -> None:
    from storyline.terminal import count, rate

    assert count(1, "piece") == "1 piece" and count(0, "piece") == "0 pieces"
    assert count(2, "story", "stories") == "2 stories" and count(1234, "record") == "1,234 records"
    assert rate(5, 22.2) == "4.4s per record"  # was "0/s"
    assert rate(5, 1.0) == "5.0 records/s"
    assert rate(12_345, 2.0) == "6,172 records/s"
    assert rate(0, 1.0) == "nothing read"


def test_removed_pieces_are_counted_in_words() -> None:
    from rich.console import Console

    from storyline.render import render_article
    from storyline.types import Article, Removal

    for removed, words in (((), "0 pieces"), ((Removal("Share this", "share"),), "1 piece")):
        console = Console(file=io.StringIO(), width=80)
        render_article(
            console, Article("a1", "x.txt", None, "Text.", "h", removed=removed), [], None, removed=True
        )
        assert f"removed by cleaning ({words})" in console.file.getvalue()  # type: ignore[attr-defined]


def test_writable_serve_creates_a_missing_database_and_says_so(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: None)
    res = run(env, "serve", "--port", "0")
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"created database {env['STORYLINE_DB']}\nserving {env['STORYLINE_DB']} at ")
    assert Path(env["STORYLINE_DB"]).exists()


def test_a_closed_pipe_ends_quietly(env: dict[str, str]) -> None:
    import subprocess
    import sys

    lines = "\n".join(json.dumps({"id": f"p{i}", "text": synthetic_text(i + 300, 1200)}) for i in range(30))
    assert run(env, "ingest", "-", input=lines.encode()).exit_code == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyline", "--config", env["CFG"], "--db", env["STORYLINE_DB"], "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100)  # a reader that stops early, like `head`
    proc.stdout.close()
    assert proc.wait(timeout=120) == 141
    assert proc.stderr.read() == b""


def test_untitled_articles_and_unknown_publishers_are_never_named_by_their_path(
    tmp_path: Path, env: dict[str, str]
) -> None:
    folder = tmp_path / "deep" / "folder"
    folder.mkdir(parents=True)
    data = folder / "feed.jsonl"
    text = synthetic_text(7, 200)
    data.write_text(json.dumps({"text": text, "date": "2024-05-01"}) + "\n")
    assert run(env, "ingest", "--quiet", str(data)).exit_code == 0
    sid = json.loads(run(env, "stories", "--json").output)[0]["id"]
    res = run(env, "story", sid, COLUMNS="200")
    assert res.exit_code == 0, res.output
    assert str(folder) not in res.output
    lead = " ".join(text.split()[:6])
    assert res.output.splitlines()[0] == " ".join(text.split()[:14]) + "…", "a headline from the lead"
    assert "1 article · 1 source" in res.output
    cells = " ".join(res.output.split())  # table cells wrap inside their column
    assert "unknown" in cells and "(feed.jsonl)" in cells and "“" + lead in cells


def test_a_database_keeps_the_encoder_it_was_built_with(tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "a.jsonl"
    data.write_text(json.dumps({"title": "One", "text": synthetic_text(1), "date": "2024-05-01"}) + "\n")
    assert run(env, "ingest", "--quiet", str(data)).exit_code == 0
    other = tmp_path / "other.toml"
    other.write_text('[embed]\nmodel = "hashing-128"\n')
    more = tmp_path / "b.jsonl"
    more.write_text(json.dumps({"title": "Two", "text": synthetic_text(2), "date": "2024-05-02"}) + "\n")
    res = run({**env, "CFG": str(other)}, "ingest", "--quiet", str(more))
    assert res.exit_code == 1
    assert res.output.strip() == (
        f"error: {env['STORYLINE_DB']}: built with the encoder 'hashing-256', and this configuration uses "
        "'hashing-128'; set `[embed] model = \"hashing-256\"` to add to it, or ingest into a new database"
    )
    assert json.loads(run(env, "stories", "--json").output)[0]["articles"] == 1, "nothing was added"
    assert run(env, "ingest", "--quiet", str(more)).exit_code == 0, "the database's own encoder still works"


def test_a_database_keeps_the_fitted_models_it_was_built_with(tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "a.jsonl"
    data.write_text(json.dumps({"title": "One", "text": synthetic_text(1), "date": "2024-05-01"}) + "\n")
    assert run(env, "ingest", "--quiet", str(data)).exit_code == 0
    with sqlite3.connect(env["STORYLINE_DB"]) as conn:
        recorded = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'models'").fetchone()[0])
    assert set(recorded) == {"duplicate pair model", "story link model", "topic model", "name models"}
    # Another topic model (a refit written by eval/topics.py): its topics would not agree.
    refit = tmp_path / "topic_model.json"
    model = json.loads((Path(storyline.__file__).parent / "stories" / "topic_model.json").read_text())
    model["topic"]["bias"] += 1.0
    refit.write_text(json.dumps(model))
    other = tmp_path / "other.toml"
    other.write_text(Path(env["CFG"]).read_text() + f'\n[stories]\ntopic_model = "{refit}"\n')
    more = tmp_path / "b.jsonl"
    more.write_text(json.dumps({"title": "Two", "text": synthetic_text(2), "date": "2024-05-02"}) + "\n")
    res = run({**env, "CFG": str(other)}, "ingest", "--quiet", str(more))
    assert res.exit_code == 1
    line = res.output.strip()
    assert line.startswith(
        f"error: {env['STORYLINE_DB']}: built with other fitted models than this storyline uses"
    )
    assert f"topic model: {recorded['topic model']} -> " in line and "ingest into a new database" in line
    assert "\n" not in line
    assert json.loads(run(env, "stories", "--json").output)[0]["articles"] == 1, "nothing was added"
    assert run(env, "ingest", "--quiet", str(more)).exit_code == 0, "the database's own models still work"
