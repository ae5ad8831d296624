"""Where per-document work runs: in this process, in a local process pool, or on a Ray cluster.

An executor maps one module-level function over shards of a batch and returns the results in
shard order. It decides where a shard runs, nothing else: the function, the shards and so the
results are the same on every executor (a contract test compares the databases). Models load
once per worker process (the functions keep them in module-level caches), not once per shard.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor as _FuturesExecutor
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from storyline.errors import StorylineError

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Maps a function over shards, results in order."""

    name: str
    workers: int
    # Whether the workers are other machines' cores (Ray), not this machine's.
    remote: bool

    def map(self, fn: Callable[[T], R], shards: Sequence[T]) -> list[R]:
        """`[fn(s) for s in shards]`, wherever the executor runs them."""
        ...

    def submit(self, fn: Callable[[T], R], shards: Sequence[T]) -> Callable[[], list[R]]:
        """Start `map` and return at once; calling the result waits for the list.

        Workers compute while the caller goes on (the runner places one batch while the next
        one's vectors are computed). In this process, the work is done when the result is asked.
        """
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class InProcess:
    """Runs every shard here, one after the other."""

    name = "local"
    workers = 1
    remote = False

    def map(self, fn: Callable[[T], R], shards: Sequence[T]) -> list[R]:
        """Apply `fn` to each shard in turn."""
        return [fn(s) for s in shards]

    def submit(self, fn: Callable[[T], R], shards: Sequence[T]) -> Callable[[], list[R]]:
        """`map`, done when its result is asked."""
        return lambda: self.map(fn, shards)

    def close(self) -> None:
        """Nothing to release."""


# How often a worker checks that the process that started it is still there (seconds).
_DRIVER_CHECK = 2.0


def _exit_with_driver(driver: int) -> None:
    """End this worker when the driver is gone.

    A driver killed outright (SIGKILL, out of memory) cannot tell its workers; they would wait on
    the task queue forever, every worker holding the queue open for the others, and the
    forkserver would live on for them. Each worker looks for its driver every `_DRIVER_CHECK`
    seconds and exits once it has gone.
    """
    import time

    while True:
        time.sleep(_DRIVER_CHECK)
        try:
            os.kill(driver, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid was reused by another user's process: the driver is gone
            os._exit(0)


def _quiet_worker(driver: int) -> None:
    import threading

    threading.Thread(
        target=_exit_with_driver, args=(driver,), name="storyline-driver-watch", daemon=True
    ).start()
    # One BLAS thread per worker: the workers already use every core between them. The variables
    # come too late for a BLAS that importing this module has loaded already, so its pool is
    # limited too (OpenBLAS's threads spin while they wait: two workers with a thread per core each
    # made the sentence encoder 3.5 times slower than in one process).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


class ProcessPool:
    """A pool of local worker processes (started on first use, reused for every batch).

    Args:
        workers: number of processes.
    """

    name = "processes"
    remote = False

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: _FuturesExecutor | None = None

    def map(self, fn: Callable[[T], R], shards: Sequence[T]) -> list[R]:
        """Run the shards on the pool's processes."""
        return self.submit(fn, shards)()

    def submit(self, fn: Callable[[T], R], shards: Sequence[T]) -> Callable[[], list[R]]:
        """Send the shards to the pool's processes now; the result waits for them."""
        if len(shards) <= 1:
            return lambda: [fn(s) for s in shards]
        if self._pool is None:
            import multiprocessing

            # forkserver: workers start from a clean interpreter, not a copy of a driver that may
            # hold threads and open database connections.
            ctx = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_quiet_worker, initargs=(os.getpid(),)
            )
        try:
            futures = [self._pool.submit(fn, s) for s in shards]
        except BrokenProcessPool as exc:
            raise self._broken(exc) from exc

        def result() -> list[R]:
            try:
                return [f.result() for f in futures]
            except BrokenProcessPool as exc:
                raise self._broken(exc) from exc

        return result

    def _broken(self, exc: BrokenProcessPool) -> StorylineError:
        self._pool = None
        return StorylineError(
            "the worker processes stopped before finishing their work. In a Python script, run the "
            "ingest under `if __name__ == '__main__':` (workers import the script that started them), "
            'or use the in-process executor (`[ingest] executor = "local"`, `--workers 1`)'
        )

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class RayExecutor:
    """Shards as Ray tasks on an existing cluster (``address``) or a local one.

    Args:
        address: a Ray cluster address (``ray://host:10001`` or ``auto``); None starts a local one
            (or attaches to ``$RAY_ADDRESS`` when set).
        workers: CPUs of a local cluster.
    """

    name = "ray"
    remote = True

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise StorylineError("--executor ray needs Ray: pip install 'storyline[ray]'") from exc
        self._ray = ray
        if not ray.is_initialized():
            address = address or os.environ.get("RAY_ADDRESS")
            if address:
                ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=workers or os.cpu_count() or 1,
                    include_dashboard=False,
                    ignore_reinit_error=True,
                    log_to_driver=False,
                )
        self.workers = int(ray.cluster_resources().get("CPU", 1))
        self._remote: dict[Callable[..., Any], Any] = {}

    def map(self, fn: Callable[[T], R], shards: Sequence[T]) -> list[R]:
        """Run each shard as a Ray task; results in shard order."""
        return self.submit(fn, shards)()

    def submit(self, fn: Callable[[T], R], shards: Sequence[T]) -> Callable[[], list[R]]:
        """Start a Ray task per shard now; the result waits for them, in shard order."""
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self._ray.remote(fn)
        refs = [remote.remote(s) for s in shards]
        return lambda: list(self._ray.get(refs))

    def close(self) -> None:
        """Leave the cluster as it is (a local one ends with the process)."""


# Below this many records, ``auto`` runs in this process: each worker process loads the models
# (about 5 s), more than it saves on a few hundred articles (the 160-article sample takes 20 s in
# one process and 25 s on a pool of two).
SMALL_RUN = 1000


def make_executor(
    kind: str = "auto",
    workers: int | None = None,
    address: str | None = None,
    expected: int | None = None,
) -> Executor:
    """The executor a run asked for.

    Args:
        kind: ``local`` (this process), ``processes`` (a local pool), ``ray``, or ``auto``
            (a pool when more than one worker is asked for or the machine has several cores).
        workers: processes of a pool (default: the machine's cores).
        address: a Ray cluster to attach to.
        expected: the number of records the run will read, when known (``auto`` keeps a run of
            fewer than `SMALL_RUN` in this process).
    """
    cores = os.cpu_count() or 1
    if kind == "auto" and expected is not None and expected < SMALL_RUN:
        return InProcess()
    if kind == "ray":
        return RayExecutor(address, workers)
    if kind == "local":
        return InProcess()
    n = workers if workers is not None else cores
    if kind not in ("auto", "processes"):
        raise StorylineError(f"unknown executor {kind!r} (local, processes, ray)")
    if kind == "processes":  # asked for by name: a pool even of one worker (beside the driver)
        return ProcessPool(max(1, n))
    return ProcessPool(n) if n > 1 else InProcess()
