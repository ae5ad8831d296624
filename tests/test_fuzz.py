"""A short run of bench/fuzz.py: a few hundred hypothesis inputs per reader, none may crash or vanish."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parents[1] / "bench" / "fuzz.py"
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
