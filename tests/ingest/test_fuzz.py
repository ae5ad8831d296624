"""Short runs of bench/fuzz.py and bench/fuzz_api.py: a few hundred hypothesis inputs per reader and requests to the HTTP API; none may crash or vanish."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parents[2] / "bench" / "fuzz.py"
EXAMPLES = 300


def _fuzz():
    if "storyline_fuzz" not in sys.modules:
        spec = importlib.util.spec_from_file_location("storyline_fuzz", FUZZ)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["storyline_fuzz"] = module
        spec.loader.exec_module(module)
    return sys.modules["storyline_fuzz"]


@pytest.mark.parametrize("reader", _fuzz().ALL)
def test_reader_survives_fuzzing(reader: str) -> None:
    result = _fuzz().fuzz(reader, EXAMPLES, seed=0)
    assert result.inputs >= EXAMPLES // 2
    assert (result.crashes, result.unaccounted) == (0, 0), result.examples
    assert result.slowest < 10, f"one input took {result.slowest:.1f}s"


API_REQUESTS = 300


def test_http_api_survives_fuzzing(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("storyline_fuzz_api", FUZZ.parent / "fuzz_api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["storyline_fuzz_api"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    result = module.fuzz(API_REQUESTS, seed=0, workdir=tmp_path)
    assert result.requests >= API_REQUESTS // 2
    assert (result.crashes, result.unaccounted) == (0, 0), result.examples
    # The answers cover the API's ways of saying no, not only 200 and 404.
    assert {200, 400, 401, 404, 405} <= set(result.statuses)
