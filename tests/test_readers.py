"""Every reader on real small files, good and broken."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from storyline.config import Config
from storyline.errors import InputError
from storyline.ingest import read_bytes, read_paths
from storyline.ingest.decode import decode
from storyline.ingest.text import split_header
from storyline.types import RawDoc, Rejected

CFG = Config()


def read(path: Path) -> list[RawDoc | Rejected]:
    return list(read_paths([str(path)], CFG))


def docs(items: list[RawDoc | Rejected]) -> list[RawDoc]:
    return [i for i in items if isinstance(i, RawDoc)]


def rejected(items: list[RawDoc | Rejected]) -> list[Rejected]:
    return [i for i in items if isinstance(i, Rejected)]


def test_text_with_date_token_header(data: Path) -> None:
    (doc,) = read(data / "ingest/text/dated.txt")
    assert doc.published == "2008-03-01"
    assert doc.kind == "text"
    assert not doc.content.lstrip().lower().startswith("date")
    assert doc.record is None


def test_text_with_field_header(data: Path) -> None:
    (doc,) = read(data / "ingest/text/header.txt")
    assert doc.title and doc.title.startswith("Airbus parent EADS")
    assert doc.published == "2008-03-27"
    assert doc.publisher == "Wikinews"
    assert "Title:" not in doc.content


def test_header_needs_more_than_a_sentence_starting_with_date() -> None:
    meta, body = split_header("Date: unknown, said the clerk, and walked away into the night.\nMore text.")
    assert meta == {}
    assert body.startswith("Date:")


def test_latin1_and_utf16_are_decoded(data: Path) -> None:
    (es,) = read(data / "ingest/text/latin1.txt")
    assert "ó" in es.content or "é" in es.content or "á" in es.content
    (en,) = read(data / "ingest/text/utf16.txt")
    assert "\x00" not in en.content and len(en.content.split()) > 50


def test_html_page_and_gzipped_page(data: Path) -> None:
    (page,) = read(data / "ingest/html/page.html")
    assert page.kind == "html"
    assert page.url == "https://example.org/2008/03/tanker-deal"
    (gz,) = read(data / "ingest/html/page.htm.gz")
    assert gz.kind == "html" and "<article>" in gz.content


def test_jsonl_fields_and_bad_lines(data: Path) -> None:
    items = read(data / "ingest/records/articles.jsonl")
    good, bad = docs(items), rejected(items)
    assert [d.external_id for d in good] == ["r1", "r2", "r5"]
    assert [d.record for d in good] == [1, 2, 5]
    r1 = good[0]
    assert r1.publisher == "wikinews.org" and r1.published and r1.language == "en" and r1.url
    assert good[1].published  # `published` field
    assert good[2].language == "en"  # `lang` field
    assert [(r.record, r.stage) for r in bad] == [(3, "read"), (4, "read")]
    assert "malformed JSON line" in bad[0].reason
    assert "no text field" in bad[1].reason


def test_gzipped_jsonl(data: Path) -> None:
    items = read(data / "ingest/records/articles.jsonl.gz")
    assert [d.external_id for d in docs(items)] == ["r1", "r2"]


def test_json_object_with_articles_array(data: Path) -> None:
    items = read(data / "ingest/records/articles.json")
    assert [d.external_id for d in docs(items)] == ["j1", "j2"]
    assert docs(items)[0].content.split()[0]  # `body` field was used


def test_csv(data: Path) -> None:
    items = read(data / "ingest/records/articles.csv")
    assert [d.external_id for d in docs(items)] == ["c1", "c2"]
    assert docs(items)[0].publisher == "Wikinews"
    (bad,) = rejected(items)
    assert bad.record == 3 and bad.reason == "empty text (text is empty)"


def test_configurable_field_names() -> None:
    from storyline.config import RecordFields

    cfg = Config(records=RecordFields(text=("story_body",), id=("key",)))
    line = json.dumps({"key": "k1", "story_body": "word " * 30, "title": "T"}).encode()
    (doc,) = list(read_bytes(line, "x.jsonl", "x.jsonl", "x.jsonl", cfg))
    assert isinstance(doc, RawDoc) and doc.external_id == "k1"


def test_warc_html_responses_only(data: Path) -> None:
    items = read(data / "ingest/warc/crawl.warc.gz")
    pages = docs(items)
    assert [p.url for p in pages] == ["https://example.org/a", "https://example.org/b"]
    assert all(p.kind == "html" for p in pages)
    reasons = [r.reason for r in rejected(items)]
    assert any("not HTML (image/png)" in r for r in reasons)
    assert any("HTTP status 404" in r for r in reasons)


def test_truncated_warc_keeps_complete_records(data: Path) -> None:
    raw = (data / "ingest/warc/crawl.warc.gz").read_bytes()
    items = list(read_bytes(raw[:-300], "cut.warc.gz", "cut.warc.gz", "cut.warc.gz", CFG))
    assert [p.url for p in docs(items)] == ["https://example.org/a"]
    assert any("truncated" in r.reason for r in rejected(items))


def test_rss_and_atom(data: Path) -> None:
    rss = docs(read(data / "ingest/feeds/news.rss"))
    assert len(rss) == 2
    assert rss[0].publisher == "Feed Example News"
    assert rss[0].url == "https://feed.example/0" and rss[0].external_id == "feed-0"
    assert rss[0].published == "2008-03-01T10:00"
    assert rss[0].kind == "html"  # full content:encoded, not the one-sentence description
    assert rss[0].content.count("<p>") >= 2
    atom = docs(read(data / "ingest/feeds/news.atom"))
    assert [a.url for a in atom] == ["https://atom.example/0", "https://atom.example/1"]
    assert atom[0].author == "Desk" and atom[0].publisher == "Atom Example"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty file"),
        ("image.txt", "binary file"),
        ("truncated.html.gz", "truncated gzip"),
        ("bad.json", "not valid JSON"),
        ("not_a_feed.rss", "feed could not be parsed"),
        ("truncated.warc.gz", "truncated WARC"),
        ("annotations.csv", "no text column in the CSV header (columns: doc_id, instance_id"),
    ],
)
def test_broken_files_are_rejected_with_reason(data: Path, name: str, reason: str) -> None:
    items = read(data / "ingest/broken" / name)
    assert docs(items) == []
    (r,) = rejected(items)
    assert r.source.endswith(name) and r.stage == "read"
    assert reason in r.reason


def test_undecodable_bytes_are_rejected() -> None:
    with pytest.raises(InputError, match=r"binary|undecodable"):
        decode(bytes([0x81, 0x00, 0xFE, 0xFF, 0x00] * 200), "junk.txt")


def test_missing_path_and_empty_glob_are_reported(tmp_path: Path) -> None:
    items = list(read_paths([str(tmp_path / "nope.txt"), str(tmp_path / "*.jsonl")], CFG))
    assert [r.reason for r in rejected(items)] == [
        "no such file or directory",
        "no file matches this pattern",
    ]


def test_directory_walk_is_recursive_sorted_and_skips_unsupported(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("two " * 30)
    (tmp_path / "one.txt").write_text("one " * 30)
    (tmp_path / ".hidden.txt").write_text("hidden " * 30)
    (tmp_path / "script.py").write_text("print('x')\n")
    items = read(tmp_path)
    assert [Path(d.source).name for d in docs(items)] == ["one.txt", "two.txt"]
    (r,) = rejected(items)
    assert "unsupported file type .py" in r.reason


def test_glob(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"a{i}.txt").write_text(f"text {i} " * 30)
    items = list(read_paths([str(tmp_path / "a*.txt")], CFG))
    assert len(docs(items)) == 3


def test_stdin_jsonl() -> None:
    lines = b"\n".join(json.dumps({"id": str(i), "text": f"story {i} " * 30}).encode() for i in range(3))
    items = list(read_paths(["-"], CFG, stdin=io.BytesIO(lines)))
    assert [d.external_id for d in docs(items)] == ["0", "1", "2"]
    assert all(d.source == "-" and d.source_key == "stdin" for d in docs(items))


def test_named_gz_that_is_not_gzip(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl.gz"
    p.write_text('{"text": "hello"}\n')
    (r,) = rejected(read(p))
    assert "not gzip" in r.reason


def test_gzip_bomb_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.txt.gz"
    p.write_bytes(gzip.compress(b"a" * 2_000_000))
    cfg = Config(ingest=type(CFG.ingest)(max_file_bytes=1_000_000))
    items = list(read_paths([str(p)], cfg))
    assert "beyond" in rejected(items)[0].reason or "over the" in rejected(items)[0].reason


def test_same_record_same_id_and_edit_changes_it() -> None:
    a = RawDoc("x.jsonl", 1, "text", source_key="/abs/x.jsonl")
    b = RawDoc("../x.jsonl", 1, "text", source_key="/abs/x.jsonl")
    c = RawDoc("x.jsonl", 1, "text, edited", source_key="/abs/x.jsonl")
    assert a.article_id == b.article_id
    assert a.article_id != c.article_id
