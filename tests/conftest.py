"""Shared fixtures. Tests never touch the network: connections beyond loopback fail loudly."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest

import storyline
from storyline.api import Storyline
from storyline.config import Config, EmbedConfig

DATA = Path(__file__).parent / "data"
SRC = Path(__file__).resolve().parents[1] / "src"

_real_connect = socket.socket.connect


def _absl_on_the_real_stderr() -> None:
    """Import absl's logging (rouge-score's, for the summary tests) with the process's stderr.

    absl's handler keeps the ``sys.stderr`` of its import and closes it when logging is set up
    again while another stream is ``sys.stderr`` (uvicorn's ``dictConfig`` in `storyline serve`,
    run under click's test runner): imported during a test, that is pytest's capture stream, and
    every later test then fails on a closed file. It never closes the process's own stderr.
    """
    import contextlib
    import importlib.util
    import sys

    if importlib.util.find_spec("absl") is None:
        return
    with contextlib.redirect_stderr(sys.__stderr__):
        import absl.logging  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to test a stale build: modules compiled in place (editable install, see setup.py)
    whose source (Python or C) changed since the build would hide the changes."""
    _absl_on_the_real_stderr()
    package = Path(storyline.__file__).parent
    if not (package.parent.parent / "setup.py").is_file():
        return  # an installed package: built and unpacked at once, nothing in it is newer
    # A compiled module is a small .so that loads the code of all of them from one library next
    # to the package: the newest of these files is when the code was last compiled.
    built = list(package.parent.rglob("*.so"))
    if not built:
        return
    when = max(so.stat().st_mtime for so in built)
    stale = [
        source.relative_to(package.parent)
        for so in built
        for suffix in (".py", ".c")
        if (source := so.with_name(so.name.split(".")[0] + suffix)).is_file()
        and source.stat().st_mtime > when
    ]
    if stale:
        names = ", ".join(str(s) for s in stale)
        raise pytest.UsageError(
            f"changed since they were compiled: {names}. Rebuild with "
            "`.venv/bin/pip install -e '.[dev]'` (or delete the .so files to test the pure-Python source)."
        )


def _loopback_only(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and host not in ("127.0.0.1", "::1", "localhost")
        and self.family != socket.AF_UNIX
    ):
        raise RuntimeError(f"tests must not use the network (tried to connect to {address!r})")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ter",
    "an",
    "sol",
    "ri",
    "ven",
    "da",
    "mor",
    "el",
    "fi",
    "gan",
    "tu",
    "res",
    "pa",
]


def synthetic_text(i: int, words: int = 120) -> str:
    """A deterministic, distinct text per `i`: made-up words, so no two share long n-grams by chance."""
    import random

    rng = random.Random(i)
    vocab = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(400)]
    sentences = []
    for _ in range(words // 12):
        sentences.append(" ".join(rng.choice(vocab) for _ in range(12)).capitalize() + ".")
    return " ".join(sentences)


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def fast_config() -> Config:
    """Default settings with the lexical hashing encoder: for tests about plumbing, not quality."""
    return Config(embed=EmbedConfig(model="hashing"))


@pytest.fixture
def api(tmp_path: Path, fast_config: Config) -> Storyline:
    sl = Storyline(tmp_path / "test.db", config=fast_config)
    yield sl
    sl.close()


def count_rows(db: Path, where: str = "articles") -> int:
    """Rows of `SELECT count(*) FROM <where>` in a database another process may be writing, read-only.

    0 while the database does not exist yet or is locked for the moment (a polling loop asks again).
    """
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute(f"SELECT count(*) FROM {where}").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def subprocess_env() -> dict[str, str]:
    """The environment for a child `python -m storyline`: this checkout's source first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env
