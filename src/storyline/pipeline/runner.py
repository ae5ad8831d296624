"""The stage contract and the one loop that chains stages over batches.

A stage is a callable `Batch -> Batch` that declares which batch fields it requires and which it
provides, so a plan is checked before it runs. The runner owns batching, the per-batch
transaction (an interrupted run loses at most the batch in flight, and a re-run redoes it
because its ids are not stored yet), counting, and rejects; stages own nothing of that.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from storyline.errors import StorylineError
from storyline.pipeline.features import DocFeatures
from storyline.store import Store
from storyline.text import batched
from storyline.types import Article, DupRelation, IngestReport, RawDoc, Rejected


@dataclass(frozen=True)
class Batch:
    """What flows between stages: each stage reads some fields and fills others."""

    raws: tuple[RawDoc, ...] = ()
    articles: tuple[Article, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    features: tuple[DocFeatures, ...] = ()
    relations: tuple[DupRelation, ...] = ()
    # Each cleaned record's block counts, written by `persist` (publisher key, block hashes).
    blocks: tuple[tuple[str | None, tuple[str, ...]], ...] = ()
    assignments: tuple[tuple[str, str, float | None], ...] = ()
    stories: frozenset[str] = frozenset()
    already_present: int = 0


BATCH_FIELDS = frozenset(f.name for f in dataclasses.fields(Batch))
T = TypeVar("T")


class Stage(Protocol):
    """One job of the pipeline.

    Optional attributes the runner looks for (see `run`): ``ahead`` (the stage depends on the
    batch alone and writes nothing, so it may run on the next batch before this one is
    finished), ``start`` (an ahead stage that can work in the background: it returns at once a
    function that waits for the batch), ``before_next`` (the next batch is prepared only after
    this stage has run on the current one).
    """

    name: str
    requires: frozenset[str]
    provides: frozenset[str]

    def __call__(self, batch: Batch) -> Batch:
        """Do the stage's job on one batch."""
        ...


def check_plan(stages: Sequence[Stage], given: frozenset[str] = frozenset({"raws", "rejected"})) -> None:
    """Refuse a plan in which a stage needs a field no earlier stage provides.

    Raises:
        StorylineError: naming the stage and the missing fields.
    """
    available = set(given)
    for stage in stages:
        unknown = (stage.requires | stage.provides) - BATCH_FIELDS
        if unknown:
            raise StorylineError(f"stage {stage.name!r} names unknown batch fields {sorted(unknown)}")
        missing = stage.requires - available
        if missing:
            raise StorylineError(
                f"stage {stage.name!r} needs {sorted(missing)}, which no earlier stage provides"
            )
        available |= stage.provides


Progress = Callable[[int, IngestReport], None]


def run(
    store: Store,
    records: Iterable[RawDoc | Rejected],
    stages: Sequence[Stage],
    batch_size: int = 200,
    progress: Progress | None = None,
) -> tuple[IngestReport, set[str]]:
    """Run the stages over the records, one transaction per batch.

    Returns:
        The run's report and the ids of the stories it touched.
    """
    check_plan(stages)
    start = time.perf_counter()
    read = added = present = dups = 0
    rejected: list[Rejected] = []
    touched: set[str] = set()
    timings: dict[str, float] = {"read": 0.0, **{s.name: 0.0 for s in stages}}
    # The plan's leading stages that depend on the batch alone run one batch ahead: while this
    # batch is deduplicated and placed on the driver, the next one's per-document work (vectors,
    # names) is already on the executor's workers. They write nothing, so the transaction of a
    # batch still holds all of that batch's writes and nothing of the next one's.
    ahead_n = 0
    while ahead_n < len(stages) and getattr(stages[ahead_n], "ahead", False):
        ahead_n += 1
    ahead, rest = stages[:ahead_n], stages[ahead_n:]
    # The next batch is prepared after the first stage marked ``before_next`` (the one that
    # writes the batch's articles: the next batch must see them as known), else after them all.
    barrier = next((i + 1 for i, st in enumerate(rest) if getattr(st, "before_next", False)), len(rest))
    source = iter(batched(records, batch_size))

    def timed(name: str, fn: Callable[..., T], *args: Any) -> T:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            timings[name] += time.perf_counter() - t0

    def prepare() -> tuple[int, Callable[[], Batch]] | None:
        """Read the next chunk and run the ahead stages on it (the last in the background)."""
        chunk = timed("read", next, source, None)
        if chunk is None:
            return None
        raws = tuple(r for r in chunk if isinstance(r, RawDoc))
        rejects = tuple(r for r in chunk if isinstance(r, Rejected))
        batch = Batch(raws=raws, rejected=rejects)
        for stage in ahead[:-1]:
            batch = timed(stage.name, stage, batch)
        last = ahead[-1] if ahead else None
        if last is None:
            return len(chunk), functools.partial(lambda b: b, batch)
        begin = getattr(last, "start", None)
        if begin is None:
            return len(chunk), functools.partial(lambda b: b, timed(last.name, last, batch))
        wait = timed(last.name, begin, batch)
        return len(chunk), functools.partial(timed, last.name, wait)

    pending = prepare()
    while pending is not None:
        n, finish = pending
        pending = None
        with store.atomic():
            batch = finish()
            for i, stage in enumerate(rest):
                if i == barrier:
                    pending = prepare()
                batch = timed(stage.name, stage, batch)
            if barrier >= len(rest):
                pending = prepare()
        read += n
        added += len(batch.articles)
        present += batch.already_present
        dups += len({r.article for r in batch.relations} & {a.id for a in batch.articles})
        rejected.extend(batch.rejected)
        touched |= batch.stories
        if progress is not None:
            progress(n, _report(read, added, present, dups, rejected, touched, start, timings))
    return _report(read, added, present, dups, rejected, touched, start, timings), touched


def _report(
    read: int,
    added: int,
    present: int,
    dups: int,
    rejected: list[Rejected],
    touched: set[str],
    start: float,
    timings: dict[str, float],
) -> IngestReport:
    return IngestReport(
        read=read,
        added=added,
        already_present=present,
        duplicates=dups,
        rejected=tuple(rejected),
        stories_touched=len(touched),
        seconds=time.perf_counter() - start,
        stage_seconds=dict(timings),
    )


@dataclass
class FnStage:
    """A stage made from a function, with its declared inputs and outputs."""

    name: str
    fn: Callable[[Batch], Batch]
    requires: frozenset[str] = field(default_factory=frozenset)
    provides: frozenset[str] = field(default_factory=frozenset)
    ahead: bool = False
    before_next: bool = False
    start: Callable[[Batch], Callable[[], Batch]] | None = None

    def __call__(self, batch: Batch) -> Batch:
        """Apply the function."""
        return self.fn(batch)
