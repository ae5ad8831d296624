"""Bytes to text: gzip, byte-order marks, UTF-8 or a detected encoding, and binary refusal."""

from __future__ import annotations

import gzip
import io
import zlib

from storyline.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(data: bytes) -> bool:
    """Whether the bytes start with the gzip magic number."""
    return data[:2] == GZIP_MAGIC


def gunzip(data: bytes, source: str, limit: int) -> bytes:
    """Decompress gzip data.

    Raises:
        InputError: the data is truncated or corrupt, or expands beyond `limit` bytes.
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(limit + 1)
    except EOFError:
        raise InputError(source, "truncated gzip file (it ends before the compressed stream does)") from None
    except (OSError, zlib.error) as exc:
        raise InputError(source, f"corrupt gzip file ({exc})") from None
    if len(out) > limit:
        raise InputError(source, f"file expands beyond {limit:,} bytes when decompressed")
    return out


def looks_binary(data: bytes) -> bool:
    """Whether the bytes are not text: NUL bytes, or many control characters, in the first 8 KB.

    Text in any encoding, UTF-16 aside (which has a BOM and is handled first), has no NUL bytes
    and almost no C0 controls besides tab and line ends; images, PDFs and archives have many.
    """
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def decode(data: bytes, source: str) -> str:
    """Decode bytes to text: a BOM decides; else UTF-8; else the encoding charset-normalizer finds.

    Raises:
        InputError: the data is empty, binary, or in no recognisable text encoding.
    """
    if not data.strip():
        raise InputError(source, "empty file")
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                raise InputError(source, f"undecodable bytes after a {enc} byte-order mark") from None
            if not text.strip():
                raise InputError(source, "empty file (a byte-order mark and nothing else)")
            return text
    if looks_binary(data):
        raise InputError(source, "binary file, not text (is it an image, PDF or archive?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise InputError(source, "undecodable bytes: not UTF-8 and no other text encoding fits")
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise InputError(
            source, f"undecodable bytes (guessed encoding {best.encoding} does not fit)"
        ) from None
