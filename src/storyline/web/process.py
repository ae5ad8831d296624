"""Run ``storyline serve`` as a child process on loopback (for browser tests, benchmarks, screenshots)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from storyline.errors import StorylineError

# Debian's Chromium (or $CHROMIUM) drives the pages headless in tests and screenshots: no browser
# is downloaded, and nothing it does on its own reaches the network.
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``storyline serve`` in a child process, started on enter and stopped on exit.

    Args:
        db: the database file.
        config: settings file passed as ``--config``.
        token: passed as $STORYLINE_TOKEN.
        extra: more ``serve`` options.
        log: file that receives the server's output (discarded when None).
        timeout: seconds to wait for the server to answer.
    """

    def __init__(
        self,
        db: str | Path,
        config: str | Path | None = None,
        token: str | None = None,
        extra: tuple[str, ...] = (),
        log: Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.db = str(db)
        self.config = str(config) if config else None
        self.token = token
        self.extra = extra
        self.log = log
        self.timeout = timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        cmd = [sys.executable, "-m", "storyline", "--db", self.db]
        if self.config:
            cmd += ["--config", self.config]
        cmd += ["serve", "--host", "127.0.0.1", "--port", str(self.port), *self.extra]
        env = dict(os.environ)
        # The child must import this very storyline, installed or not.
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(x for x in (src, env.get("PYTHONPATH")) if x)
        env.pop("STORYLINE_TOKEN", None)
        if self.token:
            env["STORYLINE_TOKEN"] = self.token
        out = self.log.open("wb") if self.log else subprocess.DEVNULL  # closed in __exit__
        self._out = out
        self._proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._close_log()
                tail = self.log.read_text(errors="replace")[-2000:] if self.log else ""
                raise StorylineError(f"storyline serve exited with code {self._proc.returncode}: {tail}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise StorylineError(f"storyline serve did not answer on {self.url} within {self.timeout:.0f}s")

    def _close_log(self) -> None:
        if self._out is not subprocess.DEVNULL:
            self._out.close()  # type: ignore[union-attr]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._close_log()
