"""Turn the user's inputs (files, directories, globs, ``-``) into raw records.

Every problem becomes a `Rejected` that names the file (and record) and says what is wrong; the
walk never stops at a bad file.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from storyline.config import Config
from storyline.errors import InputError
from storyline.ingest.decode import decode, gunzip, is_gzip
from storyline.ingest.feed import read_feed
from storyline.ingest.html import looks_like_html, read_html
from storyline.ingest.records import read_csv, read_json, read_jsonl
from storyline.ingest.text import read_text
from storyline.ingest.warc import read_warc
from storyline.types import RawDoc, Rejected

TEXT_EXT = {".txt", ".text", ".md"}
HTML_EXT = {".html", ".htm", ".xhtml", ".shtml"}
JSONL_EXT = {".jsonl", ".ndjson", ".jl"}
JSON_EXT = {".json"}
CSV_EXT = {".csv", ".tsv"}
WARC_EXT = {".warc", ".arc"}
FEED_EXT = {".rss", ".atom", ".xml", ".rdf", ".feed"}
KNOWN_EXT = TEXT_EXT | HTML_EXT | JSONL_EXT | JSON_EXT | CSV_EXT | WARC_EXT | FEED_EXT
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


def read_bytes(
    data: bytes, source: str, source_key: str, name: str, config: Config
) -> Iterator[RawDoc | Rejected]:
    """Records from the bytes of one input, dispatched by file name then by content.

    Raises:
        InputError: the whole input is unusable (empty, binary, truncated, malformed).
    """
    fmt, gz = _format_of(name)
    limit = config.ingest.max_file_bytes
    if is_gzip(data):
        if fmt == "warc":  # warcio reads per-record gzip members itself
            yield from read_warc(data, source, source_key)
            return
        data = gunzip(data, source, limit)
    elif gz:
        raise InputError(source, "named .gz but not gzip-compressed")
    if not fmt:
        fmt = _sniff(data)
    if fmt == "warc":
        yield from read_warc(data, source, source_key)
        return
    if fmt == "feed":
        yield from read_feed(data, source, source_key)
        return
    text = decode(data, source)
    if fmt == "html":
        yield from read_html(text, source, source_key)
    elif fmt == "jsonl":
        yield from read_jsonl(text, source, source_key, config.records)
    elif fmt == "json":
        yield from read_json(text, source, source_key, config.records)
    elif fmt == "csv":
        delimiter = "\t" if name.lower().rstrip(".gz").endswith(".tsv") else None
        yield from read_csv(text, source, source_key, config.records, delimiter)
    elif looks_like_html(text) and text.lstrip()[:1] == "<":
        yield from read_html(text, source, source_key)
    else:
        yield from read_text(text, source, source_key)


def read_file(path: Path, source: str, config: Config) -> Iterator[RawDoc | Rejected]:
    """Records of one file; a file-level problem is one `Rejected` naming the file."""
    try:
        size = path.stat().st_size
        if size > config.ingest.max_file_bytes:
            raise InputError(
                source, f"file is {size:,} bytes, over the {config.ingest.max_file_bytes:,} limit"
            )
        data = path.read_bytes()
        yield from read_bytes(data, source, str(path.resolve()), path.name, config)
    except InputError as exc:
        yield Rejected(source, exc.record, "read", exc.reason)
    except PermissionError:
        yield Rejected(source, None, "read", "permission denied")
    except IsADirectoryError:
        yield Rejected(source, None, "read", "is a directory")
    except OSError as exc:
        yield Rejected(source, None, "read", f"cannot read file ({exc.strerror or exc})")


def read_stream(stream: BinaryIO, source: str, config: Config) -> Iterator[RawDoc | Rejected]:
    """JSON Lines (or any supported format, sniffed) from a binary stream such as stdin."""
    try:
        data = stream.read()
        yield from read_bytes(data, source, "stdin", "stdin.jsonl", config)
    except InputError as exc:
        yield Rejected(source, exc.record, "read", exc.reason)


def _walk(root: Path) -> Iterator[Path]:
    """Files under a directory, recursively, in a stable order, skipping hidden entries."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fname in sorted(filenames):
            if not fname.startswith("."):
                yield Path(dirpath) / fname


def _walk_entry(f: Path) -> tuple[str, Path | None, Rejected | None]:
    """A file met while walking a folder: supported formats are read, others reported.

    A file named on the command line is read whatever its name (its content decides), but in a
    folder only news formats are taken, so a stray script or image is reported, not ingested.
    """
    fmt, _ = _format_of(f.name)
    if fmt or "." not in f.name:
        return str(f), f, None
    ext = f.name.rsplit(".", 1)[1]
    return str(f), None, Rejected(str(f), None, "read", f"unsupported file type .{ext} (skipped)")


def expand(paths: Iterable[str]) -> Iterator[tuple[str, Path | None, Rejected | None]]:
    """(source as given, path or None for stdin, rejection) for every input file the arguments name."""
    for arg in paths:
        if arg == STDIN:
            yield STDIN, None, None
            continue
        p = Path(arg)
        if p.is_dir():
            for f in _walk(p):
                yield _walk_entry(f)
        elif p.exists():
            yield arg, p, None
        elif glob.has_magic(arg):
            matches = sorted(glob.glob(arg, recursive=True))  # noqa: PTH207 - absolute patterns too
            if not matches:
                yield arg, None, Rejected(arg, None, "read", "no file matches this pattern")
            for m in matches:
                mp = Path(m)
                if mp.is_dir():
                    for f in _walk(mp):
                        yield _walk_entry(f)
                else:
                    yield m, mp, None
        else:
            yield arg, None, Rejected(arg, None, "read", "no such file or directory")


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
    skip = {p.resolve() for p in exclude}
    for source, path, rejected in expand(paths):
        if path is not None and skip and path.resolve() in skip:
            continue
        if rejected is not None and Path(source).resolve() in skip:
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
