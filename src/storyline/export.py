"""Export records as JSON Lines, JSON, CSV or Parquet.

The article and story record fields are a stable interface: later versions add fields, never
rename or drop these.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from storyline.errors import StorylineError
from storyline.types import Article, DupRelation, StoryInfo

FORMATS = ("jsonl", "json", "csv", "parquet")
ARTICLE_FIELDS = (
    "id", "external_id", "source", "record", "url", "title", "published", "publisher", "author",
    "language", "text", "story", "original", "relation",
)  # fmt: skip
STORY_FIELDS = (
    "id", "headline", "articles", "first_published", "last_published", "languages", "sources",
    "summary", "timeline", "entities", "quotes", "disputes",
)  # fmt: skip


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
    }


def _flat(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_records(
    records: Iterable[dict[str, Any]], out: str | Path | BinaryIO | io.TextIOBase, fmt: str
) -> int:
    """Write records in the format to a path (``-`` for stdout) or a stream; returns how many.

    Raises:
        StorylineError: unknown format, or parquet to a text stream.
    """
    if fmt not in FORMATS:
        raise StorylineError(f"unknown export format {fmt!r} (use one of {', '.join(FORMATS)})")
    if fmt == "parquet":
        return _parquet(records, out)
    if isinstance(out, (str, Path)):
        if str(out) == "-":
            return _text(records, sys.stdout, fmt)
        try:
            with Path(out).open("w", encoding="utf-8", newline="") as fh:
                return _text(records, fh, fmt)
        except OSError as exc:
            raise StorylineError(f"{out}: cannot write ({exc.strerror or exc})") from None
    if isinstance(out, io.TextIOBase):
        return _text(records, out, fmt)
    wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        return _text(records, wrapper, fmt)
    finally:
        wrapper.detach()


def _text(records: Iterable[dict[str, Any]], fh: Any, fmt: str) -> int:
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
        writer: csv.DictWriter[str] | None = None
        for rec in records:
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(rec))
                writer.writeheader()
            writer.writerow({k: _flat(v) for k, v in rec.items()})
            n += 1
    fh.flush()
    return n


def _parquet(records: Iterable[dict[str, Any]], out: str | Path | BinaryIO | io.TextIOBase) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{k: _flat(v) if k not in ("articles", "languages") else v for k, v in r.items()} for r in records]
    if isinstance(out, io.TextIOBase) or str(out) == "-":
        raise StorylineError("parquet is binary: give a file path with --output")
    table = pa.Table.from_pylist(rows) if rows else pa.table({})
    try:
        pq.write_table(table, out)
    except OSError as exc:
        raise StorylineError(f"{out}: cannot write parquet ({exc})") from None
    return len(rows)


def iter_jsonl(fh: io.TextIOBase) -> Iterator[dict[str, Any]]:
    """Records of a JSON Lines stream (for tests and round trips)."""
    for line in fh:
        if line.strip():
            yield json.loads(line)
