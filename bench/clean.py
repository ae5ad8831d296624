"""Cleaning speed on page dumps: documents per second, on one core and on two.

Builds 10,000 look-alike page dumps (``bench/pagedump.py``: seven made-up site layouts around
MEANTIME and ECB+ article bodies, one line or many; about 2,700 characters on average, since the
ECB+ bodies are short, while a full news page such as the Izium CNN dump runs to 15,000) and
times `storyline.clean.clean_record` on them, first in this process, then on a pool of two worker
processes. Workers are warmed up (language model loaded) before the clock starts. Prints the
throughput and checks it against the goal of 200 documents per second on two cores.

    python bench/clean.py [--shared DIR] [--docs 10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from pagedump import DEFAULT_SHARED, LAYOUTS, meantime_docs, render  # noqa: E402
from storyline.clean import clean_record, detect_language  # noqa: E402
from storyline.clean.segment import split_sentences  # noqa: E402
from storyline.types import RawDoc  # noqa: E402


def sources(shared: Path) -> list[tuple[str, str, list[str]]]:
    """(title, ISO date, body sentences) of every MEANTIME and ECB+ article."""
    out: list[tuple[str, str, list[str]]] = []
    for lang in ("en", "es", "it", "nl"):
        for d in meantime_docs(shared, lang):
            sentences = [str(s) for s in d["sentences"]]  # type: ignore[attr-defined]
            out.append((str(d["title"]), str(d["date"]), sentences))
    for line in (shared / "eval" / "ecbplus" / "ecbplus_docs.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        sentences = split_sentences(d["text"])
        if len(sentences) >= 2:
            out.append((d["title"], "2012-06-15", sentences))
    return out


def make_dumps(shared: Path, n: int) -> list[str]:
    """`n` page dumps, cycling through articles and layouts with varying seeds."""
    docs = sources(shared)
    layouts = list(LAYOUTS.values())
    dumps = []
    for i in range(n):
        title, date, sentences = docs[i % len(docs)]
        dump, _ = render(layouts[i % len(layouts)], title, date, sentences, seed=i)
        dumps.append(dump)
    return dumps


def _clean(item: tuple[int, str]) -> tuple[int, float]:
    """Clean one dump; (characters kept, CPU seconds spent)."""
    i, text = item
    start = time.process_time()
    try:
        kept = len(clean_record(RawDoc(source=f"dump-{i}", record=i, content=text), min_words=1).text)
    except Exception:  # a refused record still counts as processed
        kept = 0
    return kept, time.process_time() - start


def _warm() -> None:
    detect_language("A short sentence to load the language model before timing starts.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--goal", type=float, default=200.0, help="documents per second on the workers")
    args = parser.parse_args()

    dumps = make_dumps(args.shared, args.docs)
    sizes = [len(d) for d in dumps]
    one_line = sum(1 for d in dumps if "\n" not in d)
    print(
        f"{len(dumps)} page dumps: {statistics.mean(sizes):.0f} characters on average "
        f"(median {statistics.median(sizes):.0f}, max {max(sizes)}), {one_line} flattened to one line"
    )

    _warm()
    sample = dumps[: min(len(dumps), 1000)]
    start = time.perf_counter()
    for item in enumerate(sample):
        _clean(item)
    single = len(sample) / (time.perf_counter() - start)
    print(f"1 process:   {single:.0f} documents/s wall clock (on {len(sample)} dumps)")

    load = os.getloadavg()[0]
    ctx = mp.get_context("fork")
    with ctx.Pool(args.workers, initializer=_warm) as pool:
        pool.map(_clean, list(enumerate(dumps[: args.workers * 4])))  # make sure workers are up
        start = time.perf_counter()
        results = pool.map(_clean, list(enumerate(dumps)), chunksize=50)
        seconds = time.perf_counter() - start
    rate = len(dumps) / seconds
    cpu = sum(c for _, c in results)
    capacity = args.workers * len(dumps) / cpu
    print(
        f"{args.workers} processes: {rate:.0f} documents/s wall clock ({len(dumps)} dumps in {seconds:.1f} s)"
    )
    print(
        f"CPU time {1000 * cpu / len(dumps):.2f} ms per document: {capacity:.0f} documents/s on "
        f"{args.workers} otherwise idle cores (load average {load:.1f} on {os.cpu_count()} cores at start)"
    )
    print(f"kept {sum(k for k, _ in results) / sum(sizes):.1%} of the characters")
    ok = rate >= args.goal
    verdict = (
        "PASS" if ok else ("FAIL (wall clock; see CPU-time figure)" if capacity >= args.goal else "FAIL")
    )
    print(f"goal {args.goal:.0f} documents/s on {args.workers} cores: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
