"""Export records as JSON Lines, JSON, CSV or Parquet.

The article and story record fields are a stable interface: later versions add fields, never
rename or drop these.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, Literal

from storyline.errors import StorylineError
from storyline.types import Article, DupRelation, StoryInfo, Topic

FORMATS = ("jsonl", "json", "csv", "parquet")

# Column types: "string" and "integer" (null when unknown), "strings" (a list of strings), "json"
# (a list or object: nested in JSON and JSON Lines, JSON text in CSV and Parquet).
ColumnKind = Literal["string", "integer", "strings", "json"]
ARTICLE_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("id", "string"), ("external_id", "string"), ("source", "string"), ("record", "integer"),
    ("url", "string"), ("title", "string"), ("published", "string"), ("publisher", "string"),
    ("author", "string"), ("language", "string"), ("text", "string"), ("story", "string"),
    ("original", "string"), ("relation", "string"),
)  # fmt: skip
STORY_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("id", "string"), ("headline", "string"), ("articles", "strings"), ("first_published", "string"),
    ("last_published", "string"), ("languages", "strings"), ("sources", "json"), ("summary", "json"),
    ("timeline", "json"), ("entities", "json"), ("quotes", "json"), ("disputes", "json"),
    ("coverage", "json"), ("topic", "string"),
)  # fmt: skip
TOPIC_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("id", "string"), ("headline", "string"), ("stories", "json"), ("articles", "integer"),
    ("first_published", "string"), ("last_published", "string"), ("languages", "strings"),
    ("events", "json"),
)  # fmt: skip
ARTICLE_FIELDS = tuple(name for name, _ in ARTICLE_COLUMNS)
STORY_FIELDS = tuple(name for name, _ in STORY_COLUMNS)


EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


def format_for(output: str, fmt: str | None) -> str:
    """The export format: `fmt` when given, else the one the output file's extension names.

    Args:
        output: the output path, or ``-`` for stdout (JSON Lines unless `fmt` says otherwise).
        fmt: the format asked for, or None.

    Raises:
        StorylineError: `fmt` and the extension disagree, or neither names a format.
    """
    if output == "-":
        return fmt or "jsonl"
    suffix = Path(output).suffix.lower()
    implied = EXTENSIONS.get(suffix)
    if fmt is None:
        if implied is None:
            raise StorylineError(
                f"cannot tell the export format from {output!r}: end the name with "
                f"{', '.join(EXTENSIONS)} or give --format"
            )
        return implied
    if implied is not None and implied != fmt:
        raise StorylineError(
            f"--format {fmt} does not match {output!r}, whose extension {suffix} means {implied}: "
            "drop --format or rename the file"
        )
    return fmt


def article_record(a: Article, story: str | None, relation: DupRelation | None) -> dict[str, Any]:
    """The export record of one article."""
    return {
        "id": a.id,
        "external_id": a.external_id,
        "source": a.source,
        "record": a.record,
        "url": a.url,
        "title": a.title,
        "published": a.published,
        "publisher": a.publisher,
        "author": a.author,
        "language": a.language,
        "text": a.text,
        "story": story,
        "original": relation.original if relation else None,
        "relation": relation.kind if relation else None,
    }


def story_record(info: StoryInfo, article_ids: list[str], view: dict[str, Any]) -> dict[str, Any]:
    """The export record of one story."""
    coverage = view.get("sources") or {}
    sources = coverage.get("publishers", []) if isinstance(coverage, dict) else []
    return {
        "id": info.id,
        "headline": info.headline,
        "articles": article_ids,
        "first_published": info.first_published,
        "last_published": info.last_published,
        "languages": list(info.languages),
        "sources": sources,
        "summary": view.get("summary", []),
        "timeline": view.get("timeline", []),
        "entities": view.get("entities", []),
        "quotes": view.get("quotes", []),
        "disputes": view.get("disputes", []),
        "coverage": coverage,
        "topic": info.topic,
    }


def topic_record(topic: Topic) -> dict[str, Any]:
    """The export record of one topic: its stories newest first, each with why it is there."""
    info = topic.info
    return {
        "id": info.id,
        "headline": info.headline,
        "stories": [
            {
                "id": s.info.id,
                "headline": s.info.headline,
                "articles": s.info.articles,
                "first_published": s.info.first_published,
                "last_published": s.info.last_published,
                "probability": s.probability,
                "new_names": list(s.new_names),
                "evidence": s.evidence,
            }
            for s in topic.stories
        ],
        "articles": info.articles,
        "first_published": info.first_published,
        "last_published": info.last_published,
        "languages": list(info.languages),
        "events": [
            {"kind": e.kind, "story": e.story, "before": e.before, "topic": e.topic, "at": e.at}
            for e in topic.events
        ],
    }


def _flat(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def arrow_schema(columns: tuple[tuple[str, ColumnKind], ...]) -> Any:
    """The pyarrow schema of an export: the same column types whatever the data holds."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "strings": pa.list_(pa.string()),
        "json": pa.string(),
    }
    return pa.schema([pa.field(name, types[kind]) for name, kind in columns])


def write_records(
    records: Iterable[dict[str, Any]],
    out: str | Path | BinaryIO | io.TextIOBase,
    fmt: str,
    columns: tuple[tuple[str, ColumnKind], ...] = ARTICLE_COLUMNS,
) -> int:
    """Write records in the format to a path (``-`` for stdout) or a stream; returns how many.

    Args:
        records: article or story records (see `article_record`, `story_record`).
        out: a path, ``-`` for stdout, or a stream.
        fmt: one of `FORMATS`.
        columns: the columns and their types, in order (`ARTICLE_COLUMNS` or `STORY_COLUMNS`):
            CSV and Parquet have exactly these, typed the same on every export, empty or not.

    Raises:
        StorylineError: unknown format, or parquet to a text stream.
    """
    if fmt not in FORMATS:
        raise StorylineError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    if fmt == "parquet":
        return _parquet(records, out, columns)
    names = [name for name, _ in columns]
    if isinstance(out, (str, Path)):
        if str(out) == "-":
            return _text(records, sys.stdout, fmt, names)
        try:
            with Path(out).open("w", encoding="utf-8", newline="") as fh:
                return _text(records, fh, fmt, names)
        except OSError as exc:
            raise StorylineError(f"{out}: cannot write ({exc.strerror or exc})") from None
    if isinstance(out, io.TextIOBase):
        return _text(records, out, fmt, names)
    wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        return _text(records, wrapper, fmt, names)
    finally:
        wrapper.detach()


def _text(records: Iterable[dict[str, Any]], fh: Any, fmt: str, names: list[str]) -> int:
    n = 0
    if fmt == "jsonl":
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "json":
        fh.write("[")
        for rec in records:
            fh.write(("," if n else "") + "\n" + json.dumps(rec, ensure_ascii=False))
            n += 1
        fh.write("\n]\n")
    else:
        writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        for rec in records:
            writer.writerow({k: _flat(v) for k, v in rec.items()})
            n += 1
    fh.flush()
    return n


def _parquet(
    records: Iterable[dict[str, Any]],
    out: str | Path | BinaryIO | io.TextIOBase,
    columns: tuple[tuple[str, ColumnKind], ...],
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(out, io.TextIOBase) or str(out) == "-":
        raise StorylineError("parquet is binary: give a file path with --output")
    schema = arrow_schema(columns)
    rows = [
        {name: _flat(r.get(name)) if kind == "json" else r.get(name) for name, kind in columns}
        for r in records
    ]
    table = pa.Table.from_pylist(rows, schema=schema)
    try:
        pq.write_table(table, out)
    except OSError as exc:
        raise StorylineError(f"{out}: cannot write parquet ({exc})") from None
    return len(rows)
