"""Exports have a fixed schema: the same columns, typed the same, whatever the data holds."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq

from conftest import synthetic_text
from storyline.api import Storyline
from storyline.export import ARTICLE_COLUMNS, ARTICLE_FIELDS, STORY_COLUMNS, STORY_FIELDS, arrow_schema


def _ingest(api: Storyline, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    for i in range(3):
        (d / f"{i}.txt").write_text(f"Title: Report {i}\nDate: 2024-03-0{i + 1}\n\n{synthetic_text(i)}\n")
    api.ingest([str(d)])


def test_parquet_columns_are_typed_by_the_schema_not_the_data(api: Storyline, tmp_path: Path) -> None:
    empty = tmp_path / "empty.parquet"
    assert api.export(empty, "parquet") == 0
    assert pq.read_schema(empty).equals(arrow_schema(ARTICLE_COLUMNS))
    assert api.export(tmp_path / "empty-stories.parquet", "parquet", stories=True) == 0
    assert pq.read_schema(tmp_path / "empty-stories.parquet").equals(arrow_schema(STORY_COLUMNS))
    _ingest(api, tmp_path)
    full = tmp_path / "full.parquet"
    assert api.export(full, "parquet") == 3
    table = pq.read_table(full)
    assert table.schema.equals(arrow_schema(ARTICLE_COLUMNS))
    # No article has an author, relation or URL: the columns are still strings, not nulls.
    assert str(table.schema.field("author").type) == "string"
    assert table.column("author").null_count == 3
    assert str(table.schema.field("record").type) == "int64"
    stories = tmp_path / "stories.parquet"
    assert api.export(stories, "parquet", stories=True) == len(api.stories())
    table = pq.read_table(stories)
    assert table.schema.equals(arrow_schema(STORY_COLUMNS))
    row = table.to_pylist()[0]
    assert isinstance(row["articles"], list) and isinstance(json.loads(row["summary"]), list)


def test_csv_has_every_column_even_when_empty(api: Storyline, tmp_path: Path) -> None:
    out = io.StringIO()
    assert api.export(out, "csv") == 0
    assert out.getvalue().strip() == ",".join(ARTICLE_FIELDS)
    out = io.StringIO()
    assert api.export(out, "csv", stories=True) == 0
    assert out.getvalue().strip() == ",".join(STORY_FIELDS)
    _ingest(api, tmp_path)
    out = io.StringIO()
    api.export(out, "csv", stories=True)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(api.stories()) and list(rows[0]) == list(STORY_FIELDS)
    assert json.loads(rows[0]["articles"]) and json.loads(rows[0]["languages"]) is not None


def test_json_records_have_the_schema_fields_in_order(api: Storyline, tmp_path: Path) -> None:
    _ingest(api, tmp_path)
    out = io.StringIO()
    api.export(out, "jsonl")
    assert [list(json.loads(x)) for x in out.getvalue().splitlines()] == [list(ARTICLE_FIELDS)] * 3
    out = io.StringIO()
    api.export(out, "json", stories=True)
    assert [list(r) for r in json.loads(out.getvalue())] == [list(STORY_FIELDS)] * len(api.stories())
