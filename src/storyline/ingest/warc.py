"""WARC and WARC.gz crawls: each HTML response record is one page, read with warcio."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storyline.errors import InputError
from storyline.ingest.decode import decode, looks_binary
from storyline.types import RawDoc, Rejected


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def _gzip_truncated(data: bytes) -> bool:
    """Whether gzip data ends before its last member does (warcio reads such files without a word)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while fh.read(1 << 20):
                pass
    except EOFError:
        return True
    except (OSError, zlib.error):
        return True
    return False


def read_warc(data: bytes, source: str, source_key: str) -> Iterator[RawDoc | Rejected]:
    """Records of a WARC file; a truncated file keeps its complete records and rejects the cut one."""
    truncated = data[:2] == b"\x1f\x8b" and _gzip_truncated(data)
    pending: RawDoc | Rejected | None = None
    n = 0
    for item in _records(data, source, source_key):
        n += 1
        if pending is not None:
            yield pending
        pending = item
    if truncated:
        if pending is not None and pending.record is not None:
            yield Rejected(
                source, pending.record, "read", "WARC file is truncated: this last record is incomplete"
            )
        else:
            yield Rejected(source, None, "read", "truncated WARC file: no complete record in it")
    elif pending is not None:
        yield pending
    elif n == 0 and not data.strip():
        yield Rejected(source, None, "read", "empty WARC file")


def _records(data: bytes, source: str, source_key: str) -> Iterator[RawDoc | Rejected]:
    """One `RawDoc` per HTML response record; other response records are rejected with the reason.

    `record` is the 1-based position of the record in the file (all record types counted).
    Request, metadata, warcinfo and revisit records are skipped silently: they are not pages.
    """
    position = 0
    try:
        for rec in ArchiveIterator(io.BytesIO(data)):
            position += 1
            if rec.rec_type != "response":
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI")
            ctype = ""
            if rec.http_headers is not None:
                status = rec.http_headers.get_statuscode()
                if status and not status.startswith("2"):
                    yield Rejected(source, position, "read", f"HTTP status {status} for {url}")
                    continue
                ctype = rec.http_headers.get_header("Content-Type") or ""
            body = rec.content_stream().read()
            if "html" not in ctype.lower() and not body.lstrip()[:200].lower().startswith(
                (b"<!doctype", b"<html")
            ):
                yield Rejected(
                    source, position, "read", f"record is not HTML ({ctype or 'no content type'}): {url}"
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
        raise InputError(source, f"not a valid WARC file ({exc})") from None
    except (EOFError, OSError) as exc:
        if position == 0:
            raise InputError(source, f"truncated or corrupt WARC file ({exc})") from None
        yield Rejected(source, position + 1, "read", f"WARC file truncated after record {position} ({exc})")
