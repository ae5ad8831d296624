"""Property-based fuzzing of every reader: bytes in, records or rejects out, never an exception.

Each reader gets inputs from hypothesis: the committed fixtures of its format (tests/data/ingest)
mutated by truncations, bit flips, deletions, repeats and insertions of hostile tokens (deep
brackets, surrogate references, NUL bytes, byte-order marks, WARC headers with absurd lengths,
gzip magic...), and plain random bytes. Records sent as mappings (the HTTP and Python API) get
random JSON values. For every input the reader must return at least one item, each a `RawDoc`
with storable text within the record limit or a `Rejected` naming the input; anything else is
counted as a crash (an exception) or as unaccounted (nothing returned, a wrong name, text that
cannot be stored). Failures are counted, not raised, so a run explores as many inputs as asked.

    python bench/fuzz.py [--examples 200] [--seed 0] [--reader warc ...]

Prints inputs run, crashes, unaccounted and the slowest input per reader; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from storyline.config import Config  # noqa: E402
from storyline.ingest import read_bytes, read_mappings  # noqa: E402
from storyline.types import RawDoc, Rejected  # noqa: E402

FIXTURES = ROOT / "tests" / "data" / "ingest"
CONFIG = Config()

# Reader -> (the file name that routes bytes to it, the fixtures its inputs grow from).
READERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "text": ("x.txt", ("text/*", "broken/short.txt", "broken/image.txt")),
    "html": ("x.html", ("html/page.html", "broken/nav_only.html")),
    "jsonl": ("x.jsonl", ("records/articles.jsonl",)),
    "json": ("x.json", ("records/articles.json", "broken/bad.json")),
    "csv": ("x.csv", ("records/articles.csv", "broken/annotations.csv")),
    "warc": ("x.warc", ("warc/crawl.warc.gz", "broken/truncated.warc.gz")),
    "feed": ("x.rss", ("feeds/*", "broken/not_a_feed.rss")),
    "gzip": ("x.jsonl.gz", ("records/articles.jsonl.gz", "html/page.htm.gz", "broken/truncated.html.gz")),
    "sniffed": ("stdin", ("*/*",)),
}

TOKENS = [
    b"[" * 5000,
    b'{"a":' * 2000,
    b"<div>" * 3000,
    b"&#xD800;",
    b"&#55296;",
    b"\\ud800",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
    b"\r\n\r\n",
    b"WARC/1.0\r\n",
    b"WARC-Type: response\r\n",
    b"WARC-Target-URI: \r\n",
    b"Content-Length: 99999999999\r\n",
    b"Content-Length: -5\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=klingon\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Encoding: gzip\r\n",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b'<?xml version="1.0" encoding="utf\xff8"?>',
    b"\x1f\x8b\x08\x00",
    b'"',
    b",",
    b"\t",
    b"\n",
    b"<link" * 200,
    b"<html>",
    b"</item>",
    b"9" * 5000,
]


def seeds(patterns: Iterable[str]) -> list[bytes]:
    """The fixtures matching the patterns, plus the decompressed form of each gzip one."""
    out: list[bytes] = []
    for pattern in patterns:
        for path in sorted(FIXTURES.glob(pattern)):
            if path.is_file():
                data = path.read_bytes()
                out.append(data)
                if data[:2] == b"\x1f\x8b":
                    with contextlib.suppress(EOFError, OSError):  # a truncated fixture stays as it is
                        out.append(gzip.decompress(data))
    return out


# Strategies are built once: building one per draw (validation included) took half the time.
_OPS = st.sampled_from(["cut", "flip", "insert", "delete", "repeat"])
_N_MUTATIONS = st.integers(0, 6)
_POSITION = st.integers(0, 2**32)  # taken modulo the length where it is used
_BIT = st.integers(0, 7)
_INSERT = st.sampled_from(TOKENS) | st.binary(max_size=64)
_DELETE = st.integers(1, 200)
_PIECE = st.integers(1, 100)
_TIMES = st.integers(2, 50)


@st.composite
def mutated(draw: st.DrawFn, pool: st.SearchStrategy[bytes]) -> bytes:
    """A fixture with up to six mutations."""
    data = bytearray(draw(pool))
    for _ in range(draw(_N_MUTATIONS)):
        op = draw(_OPS)
        at = draw(_POSITION) % (len(data) + 1)
        if op == "cut":
            del data[at:]
        elif op == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << draw(_BIT)
        elif op == "insert":
            data[at:at] = draw(_INSERT)
        elif op == "delete":
            del data[at : at + draw(_DELETE)]
        elif op == "repeat":
            piece = bytes(data[at : at + draw(_PIECE)])
            data[at:at] = piece * draw(_TIMES)
    return bytes(data)


def inputs(pool: list[bytes]) -> st.SearchStrategy[bytes]:
    """Mutated fixtures most of the time, random bytes otherwise."""
    fixtures = st.sampled_from(pool)
    return st.one_of(mutated(fixtures), mutated(fixtures), mutated(fixtures), st.binary(max_size=4000))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=200),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
RECORDS = st.dictionaries(
    st.sampled_from(["text", "html", "title", "id", "url", "date", "source", "author", "language", "x"]),
    JSON_VALUES,
    max_size=8,
)


def storable(value: Any) -> bool:
    """Whether a value is None or text that UTF-8 (and so SQLite) can hold."""
    if value is None or not isinstance(value, str):
        return value is None or isinstance(value, int)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def problem(items: list[Any], source: str) -> str | None:
    """What is wrong with a reader's output for one input, or None."""
    if not items:
        return "nothing returned"
    for item in items:
        if isinstance(item, RawDoc):
            fields = (item.source, item.content, item.title, item.url, item.publisher, item.author)
            if not all(storable(v) for v in fields):
                return "text that cannot be stored"
            if len(item.content) > CONFIG.ingest.max_record_chars:
                return "record over the limit"
        elif isinstance(item, Rejected):
            if not item.reason or not storable(item.reason) or not storable(item.source):
                return "reject without a storable reason"
        else:
            return f"unexpected item {type(item).__name__}"
        if item.source != source:
            return f"source {item.source!r} is not the input's name"
    return None


@dataclass
class Result:
    """What fuzzing one reader found."""

    reader: str
    inputs: int = 0
    crashes: int = 0
    unaccounted: int = 0
    slowest: float = 0.0
    examples: list[str] = field(default_factory=list)


def _record(result: Result, run: Callable[[], list[Any]], source: str, shown: bytes | str) -> None:
    result.inputs += 1
    start = time.perf_counter()
    try:
        items = run()
    except Exception:
        result.crashes += 1
        if len(result.examples) < 3:
            lines = traceback.format_exc().strip().splitlines()
            result.examples.append(f"crash on {shown[:120]!r}: {lines[-1]}")
        return
    finally:
        result.slowest = max(result.slowest, time.perf_counter() - start)
    why = problem(items, source)
    if why is not None:
        result.unaccounted += 1
        if len(result.examples) < 3:
            result.examples.append(f"{why} for {shown[:120]!r}")


def fuzz(reader: str, examples: int = 200, seed: int = 0) -> Result:
    """Run `examples` hypothesis inputs through one reader (``records`` for mappings)."""
    result = Result(reader)
    common = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    if reader == "records":

        @hypothesis_seed(seed)
        @common
        @given(st.lists(RECORDS, min_size=1, max_size=4))
        def run_records(records: list[dict[str, Any]]) -> None:
            _record(result, lambda: list(read_mappings(records, "api", CONFIG)), "api", repr(records))

        run_records()
        return result
    name, patterns = READERS[reader]
    pool = seeds(patterns)

    @hypothesis_seed(seed)
    @common
    @given(inputs(pool))
    def run_bytes(data: bytes) -> None:
        _record(result, lambda: list(read_bytes(data, name, name, name, CONFIG)), name, data)

    run_bytes()
    return result


ALL = [*READERS, "records"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="inputs per reader (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reader", action="append", choices=ALL, help="fuzz only these readers")
    args = parser.parse_args()
    print(f"{'reader':10} {'inputs':>7} {'crashes':>8} {'unaccounted':>12} {'slowest':>9}")
    failed = False
    for reader in args.reader or ALL:
        r = fuzz(reader, args.examples, args.seed)
        print(f"{r.reader:10} {r.inputs:7} {r.crashes:8} {r.unaccounted:12} {r.slowest:8.2f}s", flush=True)
        for line in r.examples:
            print(f"    {line}")
        failed |= bool(r.crashes or r.unaccounted)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
