"""Turn the user's inputs (files, directories, globs, ``-``) into raw records.

Every problem becomes a `Rejected` that names the file (and record) and says what is wrong; the
walk never stops at a bad file, and a reader that fails costs its input, not the run
(`storyline.ingest.guard`). Only regular files are opened: a FIFO would block the run and a
device never ends. Sizes are enforced while reading, whatever the file system says.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from storyline.config import Config
from storyline.errors import InputError
from storyline.ingest.decode import decode, gunzip, is_gzip
from storyline.ingest.feed import read_feed
from storyline.ingest.guard import failure, guarded, safe_name
from storyline.ingest.html import looks_like_html, read_html
from storyline.ingest.keys import record_key, stream_source
from storyline.ingest.records import read_csv, read_json, record_to_raw
from storyline.ingest.text import read_text
from storyline.ingest.walk import expand_glob, files
from storyline.ingest.warc import read_warc
from storyline.types import RawDoc, Rejected

TEXT_EXT = {".txt", ".text", ".md"}
HTML_EXT = {".html", ".htm", ".xhtml", ".shtml"}
JSONL_EXT = {".jsonl", ".ndjson", ".jl"}
JSON_EXT = {".json"}
CSV_EXT = {".csv", ".tsv"}
WARC_EXT = {".warc", ".arc"}
FEED_EXT = {".rss", ".atom", ".xml", ".rdf", ".feed"}
STDIN = "-"


def _format_of(name: str) -> tuple[str, bool]:
    """(format, gzipped) from a file name; format is '' when the extension says nothing."""
    lower = name.lower()
    gz = lower.endswith((".gz", ".gzip"))
    if gz:
        lower = lower.rsplit(".", 1)[0]
    ext = Path(lower).suffix
    for fmt, exts in (
        ("text", TEXT_EXT),
        ("html", HTML_EXT),
        ("jsonl", JSONL_EXT),
        ("json", JSON_EXT),
        ("csv", CSV_EXT),
        ("warc", WARC_EXT),
        ("feed", FEED_EXT),
    ):
        if ext in exts:
            return fmt, gz
    return "", gz


def _sniff(data: bytes) -> str:
    """Guess the format of bytes whose name did not say it."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"warc/"):
        return "warc"
    if head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed", b"<rdf")):
        return "feed" if (b"<rss" in head or b"<feed" in head or b"<rdf" in head) else "html"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"["):
        return "json"
    return "text"


# What an input that yields nothing lacks, by format (a header-only CSV, ``[]``, a BOM alone).
_EMPTY = {
    "jsonl": "no records: the file has no JSON line in it",
    "json": "no records: the JSON holds no article records (an empty list?)",
    "csv": "no records: the CSV has a header row and no data rows",
    "warc": "no records: no WARC records in it",
    "feed": "no records: the feed has no entries",
}


def read_bytes(
    data: bytes, source: str, source_key: str, name: str, config: Config
) -> Iterator[RawDoc | Rejected]:
    """Records from the bytes of one input, dispatched by file name then by content.

    Never raises for bad bytes: an unusable input (empty, binary, truncated, malformed, or one
    that makes a parser fail) is one `Rejected` naming it, and an input with no records is one
    `Rejected` saying so.
    """
    fmt = _format_of(name)[0] or ("" if is_gzip(data) else _sniff(data))
    empty = _EMPTY.get(fmt, "no records")
    yield from guarded(
        _read_bytes(data, source, source_key, name, config), source, config.ingest.max_record_chars, empty
    )


def _read_bytes(
    data: bytes, source: str, source_key: str, name: str, config: Config
) -> Iterator[RawDoc | Rejected]:
    fmt, gz = _format_of(name)
    limit = config.ingest.max_file_bytes
    if is_gzip(data):
        if fmt == "warc":  # warcio reads per-record gzip members itself
            yield from read_warc(data, source, source_key, config.ingest.max_record_chars, limit)
            return
        data = gunzip(data, source, limit)
    elif gz:
        raise InputError(source, "named .gz but not gzip-compressed")
    if not fmt:
        fmt = _sniff(data)
    if fmt == "warc":
        yield from read_warc(data, source, source_key, config.ingest.max_record_chars, limit)
        return
    if fmt == "feed":
        yield from read_feed(data, source, source_key)
        return
    text = decode(data, source)
    if fmt == "html":
        yield from read_html(text, source, source_key)
    elif fmt == "jsonl":
        yield from _read_lines(text, source, source_key, config)
    elif fmt == "json":
        yield from read_json(text, source, source_key, config.records)
    elif fmt == "csv":
        delimiter = "\t" if name.lower().removesuffix(".gz").endswith(".tsv") else _delimiter(text)
        yield from read_csv(text, source, source_key, config.records, delimiter)
    elif looks_like_html(text) and text.lstrip()[:1] == "<":
        yield from read_html(text, source, source_key)
    else:
        yield from read_text(text, source, source_key)


# csv.Sniffer's quote pattern is quadratic in its sample: on 20,000 characters of ',"' it takes
# seconds, on 2,000 milliseconds; a header and the start of the first rows tell the delimiter.
SNIFF_CHARS = 2000


def _delimiter(text: str) -> str:
    """The delimiter of a CSV file (``,`` ``;`` tab or ``|``), guessed from its start."""
    try:
        return csv.Sniffer().sniff(text[:SNIFF_CHARS], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_lines(text: str, source: str, source_key: str, config: Config) -> Iterator[RawDoc | Rejected]:
    """JSON Lines, each line read on its own; `record` is the 1-based line number.

    Lines end at line feeds only (CR LF too): JSON strings may hold U+2028, U+2029 or U+0085 raw,
    which `str.splitlines` takes for line ends, cutting a valid record in two. A line too
    long, or one that breaks the parser (nesting thousands deep), is a reject of that line, and
    the lines after it are still read.
    """
    limit = config.ingest.max_record_chars
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(line) > limit:
            yield Rejected(
                source,
                lineno,
                "read",
                f"line is {len(line):,} characters long, over the limit of {limit:,} for one record "
                "(ingest.max_record_chars)",
            )
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejected(source, lineno, "read", f"malformed JSON line ({exc.msg} at column {exc.colno})")
            continue
        except Exception as exc:  # RecursionError on deep nesting, above all: this line fails, not the file
            yield Rejected(source, lineno, "read", failure(exc))
            continue
        try:
            yield record_to_raw(record, source, source_key, lineno, config.records)
        except Exception as exc:  # a field nested deeper than the field lookup can follow
            yield Rejected(source, lineno, "read", failure(exc))


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, what in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return what
    return "of an unknown kind"


def _read_regular(path: str, source: str, limit: int) -> bytes:
    """The bytes of a regular file, at most `limit` of them.

    The file's kind is checked before it is opened (opening a FIFO blocks; a device may act on
    being opened), and again on the open file in case it was swapped in between. The size is
    counted while reading: ``st_size`` says 0 for /proc files and nothing useful for devices.

    Raises:
        InputError: not a regular file, or over the limit.
        OSError: the file cannot be opened or read.
    """
    st = Path(path).stat()
    if stat.S_ISDIR(st.st_mode):
        raise InputError(source, "is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(source, f"not a regular file: it is {_kind(st.st_mode)}, which is never read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(source, f"not a regular file: it is {_kind(mode)}, which is never read")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(source, f"file is over the {limit:,}-byte limit (ingest.max_file_bytes)")
    return data


def read_file(path: Path, source: str, config: Config) -> Iterator[RawDoc | Rejected]:
    r"""Records of one file; a file-level problem is one `Rejected` naming the file.

    A name that is not valid UTF-8 is given as ``\xNN`` escapes (`safe_name`), in `source` and in
    the records' `source_key`, so it can be stored and still names the file.
    """
    source = safe_name(source)
    try:
        data = _read_regular(str(path), source, config.ingest.max_file_bytes)
    except InputError as exc:
        yield Rejected(source, exc.record, "read", exc.reason)
        return
    except PermissionError:
        yield Rejected(source, None, "read", "permission denied")
        return
    except OSError as exc:
        yield Rejected(source, None, "read", f"cannot read file ({exc.strerror or exc})")
        return
    key = safe_name(os.path.realpath(path))
    yield from read_bytes(data, source, key, path.name, config)


def read_stream(
    stream: BinaryIO, source: str, config: Config, name: str = "stdin.jsonl"
) -> Iterator[RawDoc | Rejected]:
    """JSON Lines (or the format `name` says) from a binary stream such as stdin.

    The records' source is `source` with a hash of the bytes (``-@3f9a...``, see
    `storyline.ingest.keys`), so a reject of this stream is never cleared by another stream's
    record at the same position.
    """
    limit = config.ingest.max_file_bytes
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        yield Rejected(safe_name(source), None, "read", f"cannot read stream ({exc.strerror or exc})")
        return
    keyed = safe_name(stream_source(source, data))
    if len(data) > limit:
        yield Rejected(keyed, None, "read", f"input is over the {limit:,}-byte limit (ingest.max_file_bytes)")
        return
    yield from read_bytes(data, keyed, "stdin", name, config)


def read_mappings(
    records: Iterable[Mapping[str, Any]], source: str, config: Config
) -> Iterator[RawDoc | Rejected]:
    """One `RawDoc` or `Rejected` per record given as a mapping (over HTTP or the Python API).

    The record number is a hash of the record's content (`storyline.ingest.keys.record_key`), not
    its position in the request: the next request's first record is another input, and must not
    clear this one's reject.
    """
    source = safe_name(source)
    limit = config.ingest.max_record_chars
    for position, rec in enumerate(records, start=1):
        yield from guarded(_one(rec, source, record_key(rec, position), config), source, limit)


def _one(record: Mapping[str, Any], source: str, key: int, config: Config) -> Iterator[RawDoc | Rejected]:
    """The record read lazily, so that `guarded` sees its failure."""
    yield record_to_raw(record, source, source, key, config.records)


def _walk(root: Path, errors: list[tuple[str, str]] | None = None) -> Iterator[Path]:
    """Files under a directory, recursively, in a stable order, each folder once (`walk.files`)."""
    for f in files(str(root), errors):
        yield Path(f)


def _walk_entry(f: Path) -> tuple[str, Path | None, Rejected | None]:
    """A file met while walking a folder: supported formats are read, others reported.

    A file named on the command line is read whatever its name (its content decides), but in a
    folder only news formats are taken, so a stray script or image is reported, not ingested.
    """
    fmt, _ = _format_of(f.name)
    if fmt or "." not in f.name:
        return str(f), f, None
    ext = f.name.rsplit(".", 1)[1]
    return (
        str(f),
        None,
        Rejected(safe_name(str(f)), None, "read", f"unsupported file type .{safe_name(ext)} (skipped)"),
    )


def _folder(root: Path) -> Iterator[tuple[str, Path | None, Rejected | None]]:
    errors: list[tuple[str, str]] = []
    for f in _walk(root, errors):
        while errors:
            where, why = errors.pop(0)
            yield where, None, Rejected(safe_name(where), None, "read", why)
        yield _walk_entry(f)
    for where, why in errors:
        yield where, None, Rejected(safe_name(where), None, "read", why)


def expand(paths: Iterable[str]) -> Iterator[tuple[str, Path | None, Rejected | None]]:
    """(source as given, path or None for stdin, rejection) for every input file the arguments name."""
    for arg in paths:
        if arg == STDIN:
            yield STDIN, None, None
            continue
        p = Path(arg)
        if p.is_dir():
            yield from _folder(p)
        elif p.exists() or p.is_symlink():
            yield arg, p, None
        elif glob.has_magic(arg):
            matches = expand_glob(arg)
            if not matches:
                yield arg, None, Rejected(safe_name(arg), None, "read", "no file matches this pattern")
            for m in matches:
                mp = Path(m)
                if mp.is_dir():
                    yield from _folder(mp)
                else:
                    yield m, mp, None
        else:
            yield arg, None, Rejected(safe_name(arg), None, "read", "no such file or directory")


def read_paths(
    paths: Iterable[str], config: Config, stdin: BinaryIO | None = None, exclude: Iterable[Path] = ()
) -> Iterator[RawDoc | Rejected]:
    """Every record of every input the arguments name, in order.

    Args:
        paths: files, folders, globs, or ``-`` for stdin.
        config: settings.
        stdin: the stream ``-`` reads (the process's stdin by default).
        exclude: files never to read, such as the database being written and its WAL files.
    """
    skip = {os.path.realpath(p) for p in exclude}
    for source, path, rejected in expand(paths):
        if skip and os.path.realpath(source if path is None else path) in skip:
            continue
        if rejected is not None:
            yield rejected
        elif path is None:
            yield from read_stream(stdin or sys.stdin.buffer, source, config)
        else:
            yield from read_file(path, source, config)


def count_files(paths: Iterable[str]) -> int:
    """How many input files the arguments name (for a progress bar)."""
    return sum(1 for _, p, r in expand(paths) if p is not None and r is None)
