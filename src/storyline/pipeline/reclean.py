"""Re-clean a database after the cleaner improved, and redo what depends on the clean text.

Each article is cleaned again from its stored raw record (ids stay: they come from the raw
input). Articles whose clean text changed lose their fingerprints and duplicate relations and go
through the duplicate stage again; if anything changed, stories are clustered again over all
articles in arrival order (embeddings of unchanged articles come from the cache), because a
story decision depends on every earlier one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from storyline.clean import clean_record
from storyline.config import Config
from storyline.errors import InputError
from storyline.fingerprint.embed import Encoder
from storyline.pipeline.runner import Batch
from storyline.pipeline.stages import StoredBlockStats, assign_stories, dedup
from storyline.store import Store
from storyline.text import batched
from storyline.types import Article, Rejected


@dataclass(frozen=True)
class RecleanReport:
    """What `reclean` did."""

    checked: int = 0
    unchanged: int = 0
    metadata_changed: int = 0
    text_changed: int = 0
    rejected: tuple[Rejected, ...] = ()
    stories: int = 0


Progress = Callable[[int, int], None]


def _differs(a: Article, b: Article) -> bool:
    return dataclasses.replace(a, removed=()) != dataclasses.replace(b, removed=()) or a.removed != b.removed


def recluster(store: Store, config: Config, encoder: Encoder, progress: Progress | None = None) -> set[str]:
    """Cluster every article into stories again, in arrival order; returns the story ids."""
    with store.atomic():
        store.clear_stories()
    stage = assign_stories(store, config, encoder)
    ids = store.article_ids()
    stories: set[str] = set()
    done = 0
    for chunk in batched(ids, config.ingest.batch_size):
        articles = tuple(store.get_articles(chunk))
        relations = tuple(r for r in store.relations(chunk) if r.article in set(chunk))
        with store.atomic():
            out = stage(Batch(articles=articles, relations=relations))
        stories |= set(out.stories)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return {s for s in stories if store.story_members(s)}


def reclean(
    store: Store,
    config: Config,
    encoder: Encoder,
    ids: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> tuple[RecleanReport, set[str]]:
    """Re-clean articles (all by default) and redo duplicates and stories for what changed.

    Returns:
        The report and the ids of the stories whose views must be refreshed.
    """
    stats = StoredBlockStats(store)
    todo = list(ids) if ids is not None else store.article_ids()
    unchanged = meta = 0
    changed_text: list[Article] = []
    rejected: list[Rejected] = []
    for n, chunk in enumerate(batched(todo, config.ingest.batch_size)):
        old = {a.id: a for a in store.get_articles(chunk)}
        updates: list[Article] = []
        refused: list[Rejected] = []
        for aid in chunk:
            raw = store.get_raw(aid)
            try:
                new = clean_record(
                    raw, min_words=config.ingest.min_words, config=config.clean, templates=stats
                )
            except InputError as exc:
                refused.append(
                    Rejected(
                        raw.source, raw.record, "reclean", f"{exc.reason}; the earlier clean text is kept"
                    )
                )
                continue
            before = old[aid]
            if not _differs(new, before):
                unchanged += 1
                continue
            updates.append(new)
            if new.content_hash != before.content_hash:
                changed_text.append(new)
            else:
                meta += 1
        with store.atomic():
            store.put_articles(updates)
            store.add_rejects(refused)
        rejected += refused
        if progress is not None:
            progress(min((n + 1) * config.ingest.batch_size, len(todo)), len(todo))
    touched: set[str] = set()
    if changed_text:
        ids_changed = [a.id for a in changed_text]
        with store.atomic():
            store.forget_fingerprints(ids_changed)
            store.delete_relations_touching(ids_changed)
        stage = dedup(store, config, encoder)
        for group in batched(changed_text, config.ingest.batch_size):
            with store.atomic():
                stage(Batch(articles=tuple(group)))
    if changed_text or meta:
        touched = recluster(store, config, encoder)
    report = RecleanReport(
        checked=len(todo),
        unchanged=unchanged,
        metadata_changed=meta,
        text_changed=len(changed_text),
        rejected=tuple(rejected),
        stories=len(touched),
    )
    return report, touched
