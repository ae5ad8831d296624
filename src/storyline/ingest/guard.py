r"""What every reader's output goes through: each input ends as records or as rejects, never as a crash.

A reader that fails on hostile bytes (a parser bug, nesting deeper than the parser's stack, a
library error) costs that input, not the run: the failure becomes a `Rejected` naming the input
and the position it had reached. An input that yields nothing becomes a reject saying so, strings
that cannot be stored (lone surrogates from ``\ud800`` escapes or ``&#xD800;``) are repaired, and
one record may not cost more than `IngestConfig.max_record_chars`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from storyline.errors import InputError
from storyline.types import RawDoc, Rejected

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_RAW_TEXT_FIELDS = (
    "source",
    "content",
    "source_key",
    "external_id",
    "url",
    "title",
    "published",
    "publisher",
    "author",
    "language",
)
MAX_REASON = 300


def safe_text(text: str) -> str:
    """The text with lone surrogates (which UTF-8 and SQLite cannot hold) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE_RE.sub("\ufffd", text)
    return text


def safe_name(name: str) -> str:
    r"""A file name as text that can be stored: undecodable bytes shown as ``\xNN``.

    Python decodes a name that is not UTF-8 with surrogate escapes (``caf\udce9.txt``); those
    cannot be stored, so they are written as backslash escapes (``caf\xe9.txt``), which still
    tell the user which file it was.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def safe_raw(doc: RawDoc) -> RawDoc:
    """The record with every text field storable (see `safe_text`)."""
    changes: dict[str, str] = {}
    for name in _RAW_TEXT_FIELDS:
        value = getattr(doc, name)
        if value is not None:
            fixed = safe_text(value)
            if fixed is not value:
                changes[name] = fixed
    return dataclasses.replace(doc, **changes) if changes else doc  # type: ignore[arg-type]


def safe_reject(rejected: Rejected) -> Rejected:
    """The reject with storable text and a reason of at most `MAX_REASON` characters."""
    reason = safe_text(rejected.reason)
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 3] + "..."
    source = safe_text(rejected.source)
    if reason is rejected.reason and source is rejected.source:
        return rejected
    return dataclasses.replace(rejected, source=source, reason=reason)


def bounded(doc: RawDoc, max_chars: int) -> RawDoc | Rejected:
    """The record, or a reject when its content is longer than `max_chars`.

    A longer record is refused rather than cut: a cut article would look whole, and its id would
    change with the limit. The reject names the limit, so a user with such inputs can raise it.
    """
    if len(doc.content) <= max_chars:
        return doc
    return Rejected(
        doc.source,
        doc.record,
        "read",
        f"record is {len(doc.content):,} characters long, over the limit of {max_chars:,} for one "
        "record (ingest.max_record_chars)",
    )


def failure(exc: BaseException) -> str:
    """One line saying why a reader failed."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read (thousands of levels of brackets or tags)"
    if isinstance(exc, MemoryError):
        return "too large to read in the memory available"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"reader failed: {type(exc).__name__}{f': {text}' if text else ''}"


def guarded(
    items: Iterator[RawDoc | Rejected], source: str, max_chars: int, empty: str = "no records"
) -> Iterator[RawDoc | Rejected]:
    """The reader's records, made safe; a reader failure or an empty input becomes one reject.

    Args:
        items: a reader's output for one input.
        source: the input's name, for the rejects made here.
        max_chars: the longest record content kept (see `bounded`).
        empty: the reason given when the input yields nothing.
    """
    n = 0
    last: int | None = None
    try:
        for item in items:
            n += 1
            if isinstance(item, RawDoc):
                last = item.record
                kept = bounded(item, max_chars)  # before repairing: a refused record is not copied
                yield safe_raw(kept) if isinstance(kept, RawDoc) else safe_reject(kept)
            else:
                last = item.record if item.record is not None else last
                yield safe_reject(item)
    except InputError as exc:
        n += 1
        yield safe_reject(Rejected(source, exc.record, "read", exc.reason))
    except Exception as exc:  # RecursionError and MemoryError included: the input fails, not the run
        n += 1
        where = None if last is None else last + 1
        rest = "" if last is None else f" (records up to {last} were read; the rest is not)"
        yield safe_reject(Rejected(source, where, "read", failure(exc) + rest))
    if n == 0:
        yield safe_reject(Rejected(source, None, "read", empty))
