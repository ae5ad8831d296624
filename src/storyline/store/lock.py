"""One writer at a time on a database file: an advisory lock on ``<db>.lock``.

SQLite serialises single transactions, but an ingest is many transactions (one per batch) around
in-memory state of its own (the duplicate index, the story clusterer) that it loads from the
database when it starts. Two ingests interleaving their batches would each decide against a state
that misses the other's articles, and neither could tell. So a whole write job (ingest, enrich,
reclean, an HTTP ingest) holds this lock from before it loads its state until its last commit; a
second writer waits for it, says so, and then starts from everything the first one stored:
concurrent runs give what the same runs give one after the other.

Why by hand: the lock must be released by the kernel when its holder dies (``kill -9`` leaves no
stale lock to clean up) and must name its holder for the waiting message; ``fcntl.flock`` on a
side file does both, with no dependency. Where ``fcntl`` is missing (Windows) ``msvcrt.locking``
gives the same exclusion.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_SUFFIX = ".lock"
Notify = Callable[[str], None]


def lock_path(db: str) -> str:
    """The lock file of a database file."""
    return db + LOCK_SUFFIX


class WriterLock:
    """The writer lock of one database file, re-entrant within a thread.

    Args:
        db: the database file (``:memory:`` needs no lock: nothing else can open it).
    """

    def __init__(self, db: str) -> None:
        self.db = db
        self._path = None if db == ":memory:" else lock_path(db)
        self._thread = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self, what: str, on_wait: Notify | None = None) -> Iterator[None]:
        """Hold the lock for a write job named `what`; wait for another holder, telling `on_wait`."""
        self.acquire(what, on_wait)
        try:
            yield
        finally:
            self.release()

    def acquire(self, what: str, on_wait: Notify | None = None) -> None:
        """Take the lock (waiting while another process or thread holds it)."""
        if not self._thread.acquire(blocking=False):
            if on_wait is not None:
                on_wait(f"{self.db}: waiting for another write in this process to finish")
            self._thread.acquire()
        try:
            if self._depth == 0 and self._path is not None:
                self._fd = self._lock_file(what, on_wait)
        except BaseException:
            self._thread.release()
            raise
        self._depth += 1

    def release(self) -> None:
        """Give the lock back (the file stays: removing it would race with a waiting writer)."""
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
                _unlock(fd)
            finally:
                os.close(fd)
        self._thread.release()

    def _lock_file(self, what: str, on_wait: Notify | None) -> int:
        assert self._path is not None
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                if on_wait is not None:
                    holder = _read(fd) or "another writer"
                    on_wait(f"{self.db}: waiting for {holder} to finish (one writer at a time)")
                _lock(fd)
            _describe(fd, what)
        except BaseException:
            os.close(fd)
            raise
        return fd


def _describe(fd: int, what: str) -> None:
    """Name the holder in the lock file, for the message of a writer that waits."""
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{what} (pid {os.getpid()}, since {now})".encode())


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 300).decode("utf-8", "replace").strip()
    except OSError:
        return ""


if fcntl is not None:

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

else:  # pragma: no cover - Windows
    import msvcrt
    import time

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock(fd: int) -> None:
        while not _try_lock(fd):
            time.sleep(0.2)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
