"""The stage contract and the one loop that chains stages over batches.

A stage is a callable `Batch -> Batch` that declares which batch fields it requires and which it
provides, so a plan is checked before it runs. The runner owns batching, the per-batch
transaction (an interrupted run loses at most the batch in flight, and a re-run redoes it
because its ids are not stored yet), counting, and rejects; stages own nothing of that.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

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
    assignments: tuple[tuple[str, str, float | None], ...] = ()
    stories: frozenset[str] = frozenset()
    already_present: int = 0


BATCH_FIELDS = frozenset(f.name for f in dataclasses.fields(Batch))


class Stage(Protocol):
    """One job of the pipeline."""

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
    source = iter(batched(records, batch_size))
    while True:
        t0 = time.perf_counter()
        chunk = next(source, None)
        timings["read"] += time.perf_counter() - t0
        if chunk is None:
            break
        raws = tuple(r for r in chunk if isinstance(r, RawDoc))
        rejects = tuple(r for r in chunk if isinstance(r, Rejected))
        batch = Batch(raws=raws, rejected=rejects)
        with store.atomic():
            for stage in stages:
                t0 = time.perf_counter()
                batch = stage(batch)
                timings[stage.name] += time.perf_counter() - t0
        read += len(chunk)
        added += len(batch.articles)
        present += batch.already_present
        dups += len({r.article for r in batch.relations} & {a.id for a in batch.articles})
        rejected.extend(batch.rejected)
        touched |= batch.stories
        if progress is not None:
            progress(len(chunk), _report(read, added, present, dups, rejected, touched, start, timings))
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

    def __call__(self, batch: Batch) -> Batch:
        """Apply the function."""
        return self.fn(batch)
