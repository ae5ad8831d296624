"""The same inputs give the same database on every executor (in process, a process pool, Ray)."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from pathlib import Path

import pytest

from storyline.api import Storyline
from storyline.config import Config

DATA = Path(__file__).parents[1] / "data"
INPUTS = [
    DATA / "stories" / "ecbplus.jsonl",
    DATA / "stories" / "meantime.jsonl",
    DATA / "lookalike" / "corpus",
]


def _digest(tmp_path: Path, executor: str, workers: int) -> str:
    base = Config()
    config = dataclasses.replace(
        base,
        ingest=dataclasses.replace(base.ingest, executor=executor, workers=workers, batch_size=60),
    )
    with Storyline(tmp_path / f"{executor}.db", config=config) as sl:
        report = sl.ingest([str(p) for p in INPUTS])
        # 16 fixture records have an empty text field: rejected as such, the rest are articles.
        assert report.added == 92 and all("empty text" in r.reason for r in report.rejected)
        return sl.store.digest()


@pytest.mark.slow
def test_process_pool_gives_the_same_database_as_one_process(tmp_path: Path) -> None:
    assert _digest(tmp_path, "processes", 2) == _digest(tmp_path, "local", 1)


@pytest.mark.slow
def test_ray_gives_the_same_database_as_one_process(tmp_path: Path) -> None:
    if importlib.util.find_spec("ray") is None:
        if os.environ.get("CI"):
            pytest.fail("Ray is not installed: the dev install should bring it")
        pytest.skip("Ray is not installed (pip install 'storyline[ray]')")
    assert _digest(tmp_path, "ray", 2) == _digest(tmp_path, "local", 1)


def test_the_executor_asked_for_is_the_one_made() -> None:
    from storyline.pipeline.executors import InProcess, ProcessPool, make_executor

    assert isinstance(make_executor("local", 4), InProcess)
    assert isinstance(make_executor("auto", 1), InProcess)
    assert isinstance(make_executor("auto", 4, expected=10), InProcess)  # a small run stays here
    pool = make_executor("processes", 1)  # by name: a pool of one worker beside the driver
    assert isinstance(pool, ProcessPool) and pool.workers == 1
    pool.close()
    pool = make_executor("auto", 2)
    assert isinstance(pool, ProcessPool) and pool.workers == 2
    pool.close()
