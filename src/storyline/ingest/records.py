"""JSON Lines, JSON arrays and CSV exports: one article per record, fields found by name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from storyline.config import RecordFields
from storyline.errors import InputError
from storyline.ingest.html import looks_like_html
from storyline.types import RawDoc, Rejected


def _first(record: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    """The first of these fields that holds some text (blank strings, lists and objects are skipped)."""
    for name in names:
        text = _as_text(record.get(name))
        if text is not None:
            return text
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        parts = [_as_text(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        for key in ("name", "title", "value", "text"):
            if key in value:
                return _as_text(value[key])
        return None
    return str(value).strip() or None


def record_to_raw(
    record: Any, source: str, source_key: str, position: int, fields: RecordFields
) -> RawDoc | Rejected:
    """A `RawDoc` from one record, or a `Rejected` saying what is missing."""
    if not isinstance(record, Mapping):
        return Rejected(source, position, "read", f"expected a JSON object, got {type(record).__name__}")
    text = _first(record, fields.text)
    kind = "text"
    if text is None:
        html = _first(record, fields.html)
        if html:
            text, kind = html, "html"
    if text is None:
        present = [name for name in fields.text + fields.html if name in record]
        if present:
            verb = "is" if len(present) == 1 else "are"
            return Rejected(source, position, "read", f"empty text ({'/'.join(present)} {verb} empty)")
        names = "/".join(fields.text + fields.html)
        return Rejected(source, position, "read", f"no text field (looked for {names})")
    if kind == "text" and looks_like_html(text):
        kind = "html"
    return RawDoc(
        source=source,
        record=position,
        content=text,
        kind=kind,  # type: ignore[arg-type]
        source_key=source_key,
        external_id=_first(record, fields.id),
        url=_first(record, fields.url),
        title=_first(record, fields.title),
        published=_first(record, fields.date),
        publisher=_first(record, fields.source),
        author=_first(record, fields.author),
        language=_first(record, fields.language),
    )


def read_jsonl(text: str, source: str, source_key: str, fields: RecordFields) -> Iterator[RawDoc | Rejected]:
    """One record per non-blank line; `record` is the 1-based line number."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejected(source, lineno, "read", f"malformed JSON line ({exc.msg} at column {exc.colno})")
            continue
        yield record_to_raw(record, source, source_key, lineno, fields)


def read_json(text: str, source: str, source_key: str, fields: RecordFields) -> Iterator[RawDoc | Rejected]:
    """A JSON array of records, an object holding one (``articles``/``data``/``items``...), or one record.

    `record` is the 1-based position in the array.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # Many ".json" exports are really JSON Lines.
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines[:5]):
            yield from read_jsonl(text, source, source_key, fields)
            return
        raise InputError(
            source, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if isinstance(data, Mapping):
        for key in ("articles", "data", "items", "results", "docs", "documents", "records"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        raise InputError(source, f"expected a JSON array or object, got {type(data).__name__}")
    for position, record in enumerate(data, start=1):
        yield record_to_raw(record, source, source_key, position, fields)


def read_csv(
    text: str, source: str, source_key: str, fields: RecordFields, delimiter: str | None = None
) -> Iterator[RawDoc | Rejected]:
    """CSV or TSV with a header row; `record` is the 1-based data row number."""
    csv.field_size_limit(1 << 30)
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise InputError(source, "CSV file has no header row")
    # A table without a text column (an annotation list, a spreadsheet of links) holds no
    # articles: one clear error for the file, rather than one "no text field" per row.
    wanted = fields.text + fields.html
    if not set(wanted) & set(reader.fieldnames):
        columns = ", ".join(reader.fieldnames[:12]) + (", ..." if len(reader.fieldnames) > 12 else "")
        raise InputError(
            source, f"no text column in the CSV header (columns: {columns}; looked for {'/'.join(wanted)})"
        )
    try:
        for position, row in enumerate(reader, start=1):
            if None in row:
                yield Rejected(source, position, "read", "row has more cells than the header")
                continue
            yield record_to_raw(row, source, source_key, position, fields)
    except csv.Error as exc:
        raise InputError(source, f"malformed CSV ({exc})") from None
