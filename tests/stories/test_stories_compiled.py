"""The story modules compiled at install time (setup.py) decide exactly as their Python source."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import storyline
from stories_fixtures import load
from storyline.stories import StoryClusterer

COMPILED = ("cluster", "evidence", "features", "index", "model", "state", "terms")
TESTS = Path(__file__).parents[1]  # where stories_fixtures is

_CLUSTER = """
import json, sys
from stories_fixtures import load
from storyline.stories import StoryClusterer
import storyline.stories.cluster as module
assert module.__file__.endswith(".py"), module.__file__
c = StoryClusterer()
c.assign_many(load(sys.argv[1])[1])
print(json.dumps(c.clusters(), sort_keys=True))
"""


def _compiled() -> list[str]:
    names = []
    for name in COMPILED:
        module = importlib.import_module(f"storyline.stories.{name}")
        if not str(module.__file__).endswith((".py", ".pyc")):
            names.append(name)
    return names


def test_continuous_integration_builds_the_c_helper() -> None:
    if not os.environ.get("CI"):
        pytest.skip("only continuous integration promises a C compiler")
    if os.environ.get("STORYLINE_COMPILE"):
        assert _compiled() == list(COMPILED), "the install fell back to pure Python"
    from storyline.stories import terms

    assert terms.native is not None, "the word vectors' C helpers were not built"


@pytest.mark.parametrize("fixture", ["ecbplus", "meantime"])
def test_compiled_and_pure_python_give_the_same_stories(tmp_path: Path, fixture: str) -> None:
    if not _compiled():
        pytest.skip("the story modules are not compiled in this install")
    source = Path(storyline.__file__).parent
    shutil.copytree(
        source, tmp_path / "storyline", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__")
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(TESTS)])}
    run = subprocess.run(
        [sys.executable, "-c", _CLUSTER, fixture], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    compiled = StoryClusterer()
    compiled.assign_many(load(fixture)[1])
    assert json.loads(run.stdout) == compiled.clusters()
