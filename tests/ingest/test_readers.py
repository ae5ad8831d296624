"""Every reader on real small files, good and broken."""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
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
    # The source names the stream by a hash of its bytes: stdin has no name that stays its own.
    assert all(d.source.startswith("-@") and d.source_key == "stdin" for d in docs(items))
    assert len({d.source for d in docs(items)}) == 1


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


# -- hostile inputs: each ends as records or rejects, never as an exception -------------------------


def _warc_record(uri: str | None = "http://example.org/a", body: bytes = b"<html><p>Hi</p></html>") -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
    if uri is not None:
        head += f"WARC-Target-URI: {uri}\r\n".encode()
    head += b"Content-Type: application/http; msgtype=response\r\n"
    return head + f"Content-Length: {len(http)}\r\n\r\n".encode() + http + b"\r\n\r\n"


def only_reject(items: list[RawDoc | Rejected]) -> Rejected:
    assert docs(items) == []
    (r,) = rejected(items)
    return r


@pytest.mark.parametrize("name", ["deep.json", "deep.jsonl"])
def test_deeply_nested_json_is_a_reject(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(b"[" * 100_000)
    assert "nested too deeply" in only_reject(read(p)).reason


def test_deeply_nested_line_costs_its_line_only() -> None:
    good = json.dumps({"text": "word " * 30}).encode()
    items = list(read_paths(["-"], CFG, stdin=io.BytesIO(good + b"\n" + b"[" * 100_000 + b"\n" + good)))
    assert [d.record for d in docs(items)] == [1, 3]
    (bad,) = rejected(items)
    assert bad.record == 2 and "nested too deeply" in bad.reason


def test_warc_response_without_target_uri_is_a_reject_and_the_next_is_read() -> None:
    data = _warc_record(None) + _warc_record("http://example.org/b")
    items = list(read_bytes(data, "x.warc", "x.warc", "x.warc", CFG))
    assert [d.url for d in docs(items)] == ["http://example.org/b"]
    (r,) = rejected(items)
    assert r.record == 1 and "WARC-Target-URI" in r.reason


@pytest.mark.parametrize("cut", [10, 30, 60])
def test_warc_cut_inside_the_next_header_rejects_the_cut_record(cut: int) -> None:
    data = _warc_record() + _warc_record("http://example.org/b")[:cut]
    items = list(read_bytes(data, "x.warc", "x.warc", "x.warc", CFG))
    assert [d.url for d in docs(items)] == ["http://example.org/a"]
    (r,) = rejected(items)
    assert r.record == 2


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("one.warc", b"W", "no complete WARC record"),
        ("typo.warc", _warc_record().replace(b"response", b"respon\x00se", 1), "unknown WARC-Type"),
        ("bom.jsonl", b"\xef\xbb\xbf", "byte-order mark"),
        ("empty.json", b"[]", "no records"),
        ("empty_list.json", b'{"articles": []}', "no records"),
        ("header.csv", b"title,text\n", "header row and no data rows"),
        ("blank.jsonl", b"\n \n\t\n", "empty file"),
        ("short_body.warc", _warc_record()[:-30], "truncated inside this record"),
    ],
)
def test_inputs_without_records_say_why(name: str, data: bytes, reason: str) -> None:
    r = only_reject(list(read_bytes(data, name, name, name, CFG)))
    assert r.source == name and reason in r.reason


def test_warc_without_html_responses_names_what_it_held() -> None:
    info = b"WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:0>\r\nContent-Length: 0\r\n\r\n\r\n\r\n"
    r = only_reject(list(read_bytes(info * 2, "x.warc", "x.warc", "x.warc", CFG)))
    assert r.reason == "no HTML response records (2 records: warcinfo x2)"


@pytest.mark.parametrize(
    "feed",
    [
        b'<?xml version="1.0" encoding="utf\xff8"?><rss><channel><item><title>x</title>'
        b"<description>hello world</description></item></channel></rss>",
        b'<?xml version="1.0"?><rss><channel><item><title>x&#xD800;</title>'
        b"<description>hello &#55296; world</description></item></channel></rss>",
    ],
)
def test_feeds_with_bad_encoding_or_surrogate_references(feed: bytes) -> None:
    items = list(read_bytes(feed, "x.rss", "x.rss", "x.rss", CFG))
    assert len(items) == 1
    for item in items:
        for value in vars(item).values() if hasattr(item, "__dict__") else ():
            assert not isinstance(value, str) or value.encode("utf-8")
    if isinstance(items[0], RawDoc):
        assert "\ufffd" in items[0].content
        assert items[0].title == "x\ufffd"


def test_lone_surrogates_in_json_are_replaced() -> None:
    line = b'{"text": "word \\ud800 ' + b"word " * 30 + b'", "title": "\\udfff"}'
    (doc,) = list(read_bytes(line, "x.jsonl", "x.jsonl", "x.jsonl", CFG))
    assert isinstance(doc, RawDoc) and doc.title == "\ufffd" and "\ufffd" in doc.content


def test_file_name_that_is_not_utf8_is_stored_escaped(tmp_path: Path, fast_config: Config) -> None:
    from storyline.api import Storyline

    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (folder / name).write_text("Word " * 40)
    (folder / os.fsdecode(b"bad\xff.txt")).write_bytes(b"")
    with Storyline(tmp_path / "db.sqlite", config=fast_config) as sl:
        report = sl.ingest([str(folder)])
        (article,) = list(sl.store.iter_articles())
        assert article.source.endswith("caf\\xe9.txt")
        assert report.added == 1
        (r,) = sl.rejects()
        assert r.source.endswith("bad\\xff.txt") and r.reason == "empty file"


def _loops(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "one.txt").write_text("one " * 30)
    (root / "a" / "b" / "two.txt").write_text("two " * 30)
    (root / "a" / "b" / "up").symlink_to("..")  # a -> b -> up = a -> ...
    (root / "a" / "self").symlink_to(".")
    (root / "a" / "loop.txt").symlink_to("loop.txt")  # a file symlink pointing at itself


def test_symlink_loops_in_a_folder_are_followed_once(tmp_path: Path) -> None:
    _loops(tmp_path)
    items = read(tmp_path / "a")
    assert sorted(Path(d.source).name for d in docs(items)) == ["one.txt", "two.txt"]
    assert all("/up/" not in d.source and "/self/" not in d.source for d in docs(items))
    (r,) = rejected(items)
    assert r.source.endswith("loop.txt") and "cannot read file" in r.reason


@pytest.mark.timeout(30)
def test_recursive_glob_with_two_symlink_loops_ends(tmp_path: Path) -> None:
    _loops(tmp_path)
    items = list(read_paths([str(tmp_path / "a" / "**" / "*.txt")], CFG))
    assert sorted(Path(d.source).name for d in docs(items)) == ["one.txt", "two.txt"]
    assert len(rejected(items)) == 1


def test_symlinked_folder_outside_is_followed(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.txt").write_text("x " * 30)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "link").symlink_to(tmp_path / "outside")
    assert [Path(d.source).name for d in docs(read(tmp_path / "in"))] == ["x.txt"]


@pytest.mark.timeout(30)
def test_special_files_are_refused_before_opening(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "feed.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    items = read(tmp_path)
    assert docs(items) == []
    reasons = {Path(r.source).name: r.reason for r in rejected(items)}
    assert "FIFO" in reasons["feed.txt"] and "not a regular file" in reasons["feed.txt"]
    assert "character device" in reasons["zero.txt"]


def test_size_limit_is_enforced_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.ingest import sources

    p = tmp_path / "big.txt"
    p.write_text("word " * 1000)
    cfg = Config(ingest=type(CFG.ingest)(max_file_bytes=100))
    real = os.fstat

    def lying_fstat(fd: int) -> os.stat_result:  # a file system that reports size 0, as /proc does
        st = real(fd)
        return os.stat_result((st.st_mode, *st[1:6], 0, *st[7:]))

    monkeypatch.setattr(sources.os, "fstat", lying_fstat)
    assert "over the 100-byte limit" in only_reject(list(read_paths([str(p)], cfg))).reason


def test_one_record_is_bounded() -> None:
    cfg = Config(ingest=type(CFG.ingest)(max_record_chars=1000))
    big = json.dumps({"text": "word " * 1000}).encode()
    small = json.dumps({"text": "word " * 30}).encode()
    items = list(read_bytes(big + b"\n" + small, "x.jsonl", "x.jsonl", "x.jsonl", cfg))
    assert [d.record for d in docs(items)] == [2]
    assert "line is 5,012 characters long, over the limit of 1,000" in rejected(items)[0].reason
    r = only_reject(list(read_bytes(b"word " * 1000, "x.txt", "x.txt", "x.txt", cfg)))
    assert "over the limit of 1,000 for one record" in r.reason


def test_stdin_rejects_are_keyed_by_content() -> None:
    one = list(read_paths(["-"], CFG, stdin=io.BytesIO(b'{"title": "no text"}\n')))
    two = list(read_paths(["-"], CFG, stdin=io.BytesIO(b'{"text": "' + b"word " * 30 + b'"}\n')))
    again = list(read_paths(["-"], CFG, stdin=io.BytesIO(b'{"title": "no text"}\n')))
    assert one == again
    (r,) = rejected(one)
    (d,) = docs(two)
    assert (r.source, r.record) != (d.source, d.record)
    assert r.source.startswith("-@") and r.record == 1


def test_api_records_are_keyed_by_content() -> None:
    from storyline.ingest import read_mappings

    (bad,) = read_mappings([{"title": "no text"}], "api", CFG)
    (good,) = read_mappings([{"text": "word " * 30}], "api", CFG)
    (bad_again,) = list(read_mappings([{"text": "word " * 30}, {"title": "no text"}], "api", CFG))[1:]
    assert isinstance(bad, Rejected) and isinstance(good, RawDoc)
    assert good.source == bad.source == "api" and good.record != bad.record
    assert bad_again == bad
    assert 0 <= bad.record < 2**53


def test_a_later_good_record_does_not_erase_stdin_or_api_rejects(tmp_path: Path, fast_config: Config) -> None:
    from conftest import synthetic_text
    from storyline.api import Storyline

    good = {"text": synthetic_text(7)}
    with Storyline(tmp_path / "db.sqlite", config=fast_config) as sl:
        sl.ingest(["-"], stdin=io.BytesIO(b'{"title": "no text"}\n'))
        sl.ingest(["-"], stdin=io.BytesIO(json.dumps(good).encode()))
        sl.ingest_records([{"title": "no text either"}])
        assert sl.ingest_records([good]).added == 1
        assert sorted(r.reason[:13] for r in sl.rejects()) == ["no text field", "no text field"]


def test_csv_delimiter_is_guessed_from_the_start_only() -> None:
    from storyline.ingest.sources import _delimiter

    assert _delimiter("title;text;date\nA;" + "word " * 30 + ";2024-01-01\n") == ";"
    assert _delimiter("title|text\nA|b\n") == "|"
    assert _delimiter('title,text\n"A, b","c"\n') == ","
    # csv.Sniffer is quadratic in its sample: 20,000 characters of ',"' took seconds.
    items = list(read_bytes(b',"' * 10_000, "q.csv", "q.csv", "q.csv", CFG))
    assert "no text column" in only_reject(items).reason


def test_json_lines_end_at_line_feeds_only() -> None:
    # U+2028 and U+0085 are valid raw inside JSON strings (json.dumps(ensure_ascii=False) writes them).
    line = json.dumps({"text": "one\u2028two\x85three " + "word " * 30}, ensure_ascii=False).encode()
    items = list(read_bytes(line + b"\r\n" + line, "x.jsonl", "x.jsonl", "x.jsonl", CFG))
    assert [d.record for d in docs(items)] == [1, 2] and rejected(items) == []
    assert "\u2028" in docs(items)[0].content


@pytest.mark.timeout(30)
def test_feed_whose_content_names_a_file_does_not_read_that_file(data: Path) -> None:
    # feedparser takes bytes that name a file for that file: /dev/zero hung the run.
    for content in (b"/dev/zero", str(data / "ingest/feeds/news.rss").encode()):
        r = only_reject(list(read_bytes(content, "x.rss", "x.rss", "x.rss", CFG)))
        assert "feed could not be parsed" in r.reason


def test_warc_gzip_bomb_is_refused_whole() -> None:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + bytes(20_000_000)
    head = b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x/\r\n"
    record = head + f"Content-Length: {len(http)}\r\n\r\n".encode() + http + b"\r\n\r\n"
    bomb = gzip.compress(record, mtime=0)
    cfg = Config(ingest=type(CFG.ingest)(max_file_bytes=1_000_000))
    r = only_reject(list(read_bytes(bomb, "b.warc.gz", "b.warc.gz", "b.warc.gz", cfg)))
    assert "compression bomb" in r.reason


def test_damaged_gzip_inside_a_warc_is_a_reject_and_prints_nothing(
    data: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # A checksum that does not match its member: warcio used to print "Error -3 while
    # decompressing data: incorrect data check" to stderr, naming no file.
    raw = bytearray((data / "ingest/warc/crawl.warc.gz").read_bytes())
    members, at = [], 0
    while at < len(raw):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        d.decompress(bytes(raw[at:]))
        members.append(at)
        at = len(raw) - len(d.unused_data)
    raw[members[4] - 7] ^= 0xFF  # the checksum of the 4th member (after the page's): its last 8 bytes
    items = list(read_bytes(bytes(raw), "bad.warc.gz", "bad.warc.gz", "bad.warc.gz", CFG))
    assert [p.url for p in docs(items)] == ["https://example.org/a"]
    assert [(r.record, r.reason) for r in rejected(items)] == [
        (4, "WARC file's compressed data is damaged after record 3: the rest is not read")
    ]
    assert capfd.readouterr().err == ""
    # Damage warcio reads past, printing its message (an input found by bench/fuzz.py, made from
    # the fixture above): the reject carries the message instead.
    items = read(data / "ingest/warc/damaged_member.warc")
    assert [p.url for p in docs(items)] == ["https://example.org/a"]
    last = rejected(items)[-1]
    assert last.reason.startswith("WARC file's compressed data is damaged after record 6 (Error -3")
    assert capfd.readouterr().err == ""
