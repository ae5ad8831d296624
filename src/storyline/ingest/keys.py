"""Keys for inputs that have no file name: stdin, uploaded bytes and records sent over HTTP.

Rejects are keyed by (source, record), and a record read successfully clears earlier rejects with
its key (a fixed file no longer shows its old rejects). For a file that is right: the same path
and position is the same input read again. Stdin and HTTP have no such identity (``-`` record 1 of
today's stream is not yesterday's), so their keys come from a hash of what was sent: the same
input gets the same keys, another input never shares them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from storyline.types import digest

# Record keys stay below 2**53 so JavaScript clients of the HTTP API read them exactly.
_KEY_BITS = 53


def stream_source(name: str, data: bytes) -> str:
    """The source name of a stream's records: its name and a hash of its bytes (``-@3f9a...``)."""
    return f"{name}@{hashlib.blake2b(data, digest_size=8).hexdigest()}"


def record_key(record: Any, position: int) -> int:
    """The record number of a record sent as a mapping: a hash of its content, stable and unique.

    Its position in the request is no key: the next request's first record is another input.
    A record that cannot be serialised (nested too deeply, a foreign type) is keyed by its
    position and its text form as far as it can be had.
    """
    try:
        text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    except (RecursionError, TypeError, ValueError):
        text = f"unserialisable record {position} of {type(record).__name__}"
        if isinstance(record, Mapping):
            text += " with " + ",".join(sorted(str(k) for k in record))
    return int(digest(text, size=16), 16) >> (64 - _KEY_BITS)
