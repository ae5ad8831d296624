"""The hostile set (tests/data/hostile/make.py) through the real ingest: no abort, no hang, nothing lost.

Every regular file must end as an article, as a record already present (the same file reached by
a symlink, or the same content under the same key), or as a reject naming it; special files must
be refused as such. Reading each input is timed, and the whole run has a timeout.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

import storyline.api
from storyline.api import Storyline
from storyline.config import Config, ViewConfig
from storyline.ingest import read_paths
from storyline.ingest.guard import safe_name
from storyline.types import RawDoc, Rejected

MAKE = Path(__file__).parents[1] / "data" / "hostile" / "make.py"
PER_FILE_SECONDS = 10.0


def _generator():
    spec = importlib.util.spec_from_file_location("hostile_make", MAKE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_make"] = module
    spec.loader.exec_module(module)
    return module


def timed(items: Iterator[RawDoc | Rejected], spent: dict[str, float]) -> Iterator[RawDoc | Rejected]:
    """The items, with the time the reader spent producing each added to its source."""
    while True:
        start = time.perf_counter()
        try:
            item = next(items)
        except StopIteration:
            return
        spent[item.source] += time.perf_counter() - start
        yield item


def real(path: str) -> str:
    return safe_name(os.path.realpath(path))


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_hostile_set_is_accounted_for(
    tmp_path: Path, fast_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    make = _generator()
    out = tmp_path / "hostile"
    manifest = make.make(out, seed=7)
    files = make.regular_files(out)
    assert len(files) == manifest["regular_files"] >= 1000

    spent: dict[str, float] = defaultdict(float)
    monkeypatch.setattr(storyline.api, "read_paths", lambda *a, **k: timed(read_paths(*a, **k), spent))
    start = time.perf_counter()
    # The lexical encoder and one NER model: the run is about readers, not about story quality.
    config = dataclasses.replace(fast_config, view=ViewConfig(second_opinion=False))
    with Storyline(tmp_path / "db.sqlite", config=config) as sl:
        report = sl.ingest([str(out)])
        elapsed = time.perf_counter() - start
        article_sources = {real(a.source) for a in sl.store.iter_articles()}
        raw_keys = {row[0] for row in sl.store.conn.execute("SELECT source_key FROM raw")}
        rejects = sl.rejects()
    reject_sources = {real(r.source) for r in rejects}

    unaccounted = [
        f
        for f in files
        if f.name != "manifest.json" and real(str(f)) not in article_sources | reject_sources | raw_keys
    ]
    assert unaccounted == [], f"{len(unaccounted)} files neither article nor reject: {unaccounted[:10]}"

    # Special files and broken links are rejects too; FIFOs, sockets and devices are never opened.
    by_name = {Path(r.source).name: r.reason for r in rejects}
    for entry in (out / "special").iterdir():
        assert entry.name in by_name, entry
        if entry.name in ("feed.txt", "pipe.jsonl", "zero.txt", "urandom.jsonl", "null.warc", "socket.txt"):
            assert "not a regular file" in by_name[entry.name], entry
    # A few of the inputs that once aborted a run, and what they are now.
    assert "nested too deeply" in by_name["deep.json"]
    assert "WARC-Target-URI" in by_name["no_target_uri.warc"]
    assert "unknown WARC-Type" in by_name["respon_nul_se.warc"]
    assert "feed could not be parsed" in by_name["bad_encoding_decl.rss"]
    assert "over the limit" in by_name["long_line.txt"]
    assert "header row and no data rows" in by_name["header_only.csv"]
    assert any(s.endswith("reported/caf\\xe9.txt") for s in article_sources | reject_sources)
    slowest = max(spent.items(), key=lambda kv: kv[1])
    assert slowest[1] < PER_FILE_SECONDS, f"reading {slowest[0]} took {slowest[1]:.1f}s"
    print(
        f"\n{len(files)} regular files: {report.added} articles, {report.already_present} already present, "
        f"{len(report.rejected)} rejects; {elapsed:.1f}s; slowest read {slowest[1]:.2f}s ({Path(slowest[0]).name})"
    )
