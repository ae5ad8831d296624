"""WARC and WARC.gz crawls: each HTML response record is one page, read with warcio.

warcio is lenient: it stops without a word at a record cut inside its header, reads a record cut
inside its body as if it were whole, and fails with an AttributeError on a response record
without ``WARC-Target-URI``. The reader here checks what warcio does not, so each of these is a
reject that says what is wrong, and a file in which no page was found says why.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import zlib
from collections.abc import Iterator
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader

from storyline.errors import InputError
from storyline.ingest.decode import decode, looks_binary
from storyline.types import RawDoc, Rejected


class _NoSpacedUriWarning(logging.Filter):
    """Drops warcio's warning for a target URI with spaces.

    The spaces become %20 and the record is read as usual; on a corrupt crawl the warning prints
    kilobytes of binary to stderr.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether to keep the log record."""
        return not str(record.msg).startswith("Replacing spaces in invalid WARC-Target-URI")


logging.getLogger("warcio.recordloader").addFilter(_NoSpacedUriWarning())


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


class _Loader(ArcWarcRecordLoader):
    """warcio's record loader, taking a record without ``WARC-Target-URI`` instead of crashing."""

    def load_http_headers(self, rec_type: Any, uri: Any, stream: Any, length: Any) -> Any:
        """HTTP headers of a record; a record without a target URI is parsed as an HTTP one."""
        return super().load_http_headers(rec_type, uri if uri is not None else "http:", stream, length)


# A crawl's text compresses 5 to 10 times; a file that expands more than this (and beyond the file
# size limit) is taken for a compression bomb, whose records would cost minutes to decompress.
EXPANSION = 100


# How a reject says that damaged gzip data ended the reading of a WARC file early.
DAMAGED_AFTER = "WARC file's compressed data is damaged after record"


def _gzip_state(data: bytes, limit: int) -> str:
    """What gzip data is: ``whole``, ``truncated``, ``damaged`` or ``bomb``.

    ``truncated``: it ends before its last member does, which warcio reads without a word.
    ``damaged``: a member's data or checksum is wrong; warcio stops reading there.
    ``bomb``: it expands beyond `limit` bytes; decompression stops there.
    """
    seen = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while chunk := fh.read(1 << 20):
                seen += len(chunk)
                if seen > limit:
                    return "bomb"
    except EOFError:
        return "truncated"
    except (OSError, zlib.error):
        return "damaged"
    return "whole"


def read_warc(
    data: bytes, source: str, source_key: str, max_record: int = 4_000_000, max_bytes: int = 200_000_000
) -> Iterator[RawDoc | Rejected]:
    """Records of a WARC file; a truncated file keeps its complete records and rejects the cut one.

    Args:
        data: the file's bytes.
        source: the name given, for records and rejects.
        source_key: the file's identity.
        max_record: the longest record body read; a longer one is rejected unread.
        max_bytes: a compressed file may expand to this, or to `EXPANSION` times its size if
            more; beyond, it is refused whole.

    Raises:
        InputError: a compressed file that expands beyond its limit.
    """
    state = (
        _gzip_state(data, limit := max(max_bytes, EXPANSION * len(data))) if data[:2] == b"\x1f\x8b" else ""
    )
    if state == "bomb":
        raise InputError(
            source,
            f"decompresses to more than {limit:,} bytes, over {EXPANSION} times its size: not read "
            "(a compression bomb?)",
        )
    truncated = state in ("truncated", "damaged")
    damaged = state == "damaged"
    pending: RawDoc | Rejected | None = None
    seen = _Seen()
    for item in _records(data, source, source_key, max_record, seen, damaged):
        if pending is not None:
            yield pending
        pending = item
    if truncated:
        if isinstance(pending, Rejected) and pending.reason.startswith(DAMAGED_AFTER):
            yield pending  # already says where the damage stopped the reading
        elif pending is not None and pending.record is not None:
            yield Rejected(
                source,
                pending.record,
                "read",
                "WARC file's compressed data is damaged from here: this record is incomplete"
                if damaged
                else "WARC file is truncated: this last record is incomplete",
            )
        else:
            what = "WARC file with damaged compressed data" if damaged else "truncated WARC file"
            yield Rejected(source, None, "read", f"{what}: no complete record in it")
    elif pending is not None:
        yield pending
    elif not data.strip():
        yield Rejected(source, None, "read", "empty WARC file")
    elif seen.records == 0:
        yield Rejected(source, None, "read", "not a WARC file: no complete WARC record in it")
    else:
        kinds = ", ".join(f"{k} x{v}" if v > 1 else k for k, v in sorted(seen.types.items()))
        yield Rejected(source, None, "read", f"no HTML response records ({seen.records} records: {kinds})")


# WARC 1.1 record types, and what warcio calls the header of an ARC file.
_TYPES = frozenset(
    {
        "warcinfo",
        "response",
        "resource",
        "request",
        "metadata",
        "revisit",
        "conversion",
        "continuation",
        "arc_header",
    }
)


def _printable(text: str) -> str:
    """The text with control characters escaped, at most 40 characters."""
    return (text if text.isprintable() else repr(text)[1:-1])[:40]


class _Seen:
    """What a WARC file held: how many records, of which WARC types."""

    def __init__(self) -> None:
        self.records = 0
        self.types: dict[str, int] = {}

    def add(self, rec_type: str) -> None:
        """Count one record."""
        self.records += 1
        name = _printable(rec_type)
        self.types[name] = self.types.get(name, 0) + 1


def _quiet_decompression(reader: Any) -> list[str]:
    """Keep warcio's message about damaged gzip data off stderr; the list it returns collects it.

    warcio writes "Error -3 while decompressing data: ..." to stderr when a gzip member breaks
    in the middle, and reads on as if the record had ended there; the record in progress is
    then rejected with that reason instead (see `_records`).
    """
    found: list[str] = []
    original = reader._decompress

    def decompress(data: bytes) -> bytes:
        with contextlib.redirect_stderr(io.StringIO()) as said:
            out: bytes = original(data)
        message = said.getvalue().strip()
        if message:
            found.append(message.splitlines()[-1])
        return out

    reader._decompress = decompress
    return found


def _records(
    data: bytes, source: str, source_key: str, max_record: int, seen: _Seen, gzip_damaged: bool = False
) -> Iterator[RawDoc | Rejected]:
    """One `RawDoc` per HTML response record; other response records are rejected with the reason.

    `record` is the 1-based position of the record in the file (all record types counted).
    Request, metadata, warcinfo and revisit records are skipped silently: they are not pages.
    """
    position = 0
    records = ArchiveIterator(io.BytesIO(data))
    records.loader = _Loader()
    records.INC_RECORD = ""  # warcio's stderr warning for a wrong Content-Length: a reject says it here
    damaged = _quiet_decompression(records.reader)
    try:
        for rec in records:
            position += 1
            seen.add(str(rec.rec_type))
            if rec.rec_type not in _TYPES:
                yield Rejected(
                    source,
                    position,
                    "read",
                    "record without a WARC-Type (cut inside its header?)"
                    if not rec.rec_type
                    else f"record of unknown WARC-Type {_printable(str(rec.rec_type))} (a corrupt header?)",
                )
                continue
            if rec.rec_type != "response":
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI")
            if not url:
                yield Rejected(source, position, "read", "response record without WARC-Target-URI")
                continue
            ctype = ""
            if rec.http_headers is not None:
                status = rec.http_headers.get_statuscode()
                if status and not status.startswith("2"):
                    yield Rejected(source, position, "read", f"HTTP status {status} for {url}")
                    continue
                ctype = rec.http_headers.get_header("Content-Type") or ""
            # The start says whether it is a page at all: a video or an image is not read further.
            stream = rec.content_stream()
            body = stream.read(512)
            if "html" not in ctype.lower() and not body.lstrip()[:200].lower().startswith(
                (b"<!doctype", b"<html")
            ):
                yield Rejected(
                    source, position, "read", f"record is not HTML ({ctype or 'no content type'}): {url}"
                )
                continue
            body += stream.read(max_record + 1 - len(body))
            if len(body) > max_record:
                yield Rejected(
                    source,
                    position,
                    "read",
                    f"record body is over the limit of {max_record:,} bytes for one record "
                    f"(ingest.max_record_chars): {url}",
                )
                continue
            errors = records.err_count
            records.read_to_end()
            if damaged:
                yield Rejected(
                    source,
                    position,
                    "read",
                    f"compressed data damaged inside this record ({damaged[0]}): {url}",
                )
                damaged.clear()
                continue
            if getattr(rec.raw_stream, "limit", 0):
                yield Rejected(
                    source,
                    position,
                    "read",
                    f"WARC file is truncated inside this record (it ends before its Content-Length): {url}",
                )
                continue
            if records.err_count > errors:
                yield Rejected(
                    source,
                    position,
                    "read",
                    f"record is not followed by the blank lines that end a WARC record: its "
                    f"Content-Length is wrong, so its content may be cut: {url}",
                )
                continue
            if not body.strip() or looks_binary(body):
                yield Rejected(source, position, "read", f"empty or binary HTML response: {url}")
                continue
            charset = _charset(ctype)
            try:
                html = body.decode(charset) if charset else decode(body, source)
            except (LookupError, UnicodeDecodeError, InputError):
                try:
                    html = decode(body, source)
                except InputError as exc:
                    yield Rejected(source, position, "read", exc.reason)
                    continue
            yield RawDoc(
                source=source, record=position, content=html, kind="html", source_key=source_key, url=url
            )
    except ArchiveLoadFailed as exc:
        if gzip_damaged:
            if position == 0:
                raise InputError(
                    source, "WARC file with damaged compressed data: no record can be read"
                ) from None
            yield Rejected(source, position + 1, "read", f"{DAMAGED_AFTER} {position}: the rest is not read")
            return
        said = str(exc) if str(exc).isprintable() else repr(str(exc))[1:-1]
        raise InputError(source, f"not a valid WARC file ({said[:160]})") from None
    except (EOFError, OSError, ValueError) as exc:
        if position == 0:
            raise InputError(source, f"truncated or corrupt WARC file ({exc})") from None
        yield Rejected(source, position + 1, "read", f"WARC file truncated after record {position} ({exc})")
        return
    if damaged:  # warcio stopped at damaged gzip data as if the file had ended there
        yield Rejected(
            source, position + 1, "read", f"{DAMAGED_AFTER} {position} ({damaged[0]}): the rest is not read"
        )
        return
    if data[:2] != b"\x1f\x8b" and data[records.offset :].strip():
        # warcio ends quietly at a record cut inside its header, or at bytes that are no record.
        if position == 0:
            yield Rejected(source, None, "read", "not a WARC file: no complete WARC record in it")
            return
        yield Rejected(
            source,
            position + 1,
            "read",
            f"WARC file is cut or has unreadable bytes after record {position} "
            f"(offset {records.offset:,} of {len(data):,})",
        )
