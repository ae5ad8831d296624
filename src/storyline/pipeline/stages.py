"""The ingest plan: skip known records, clean, store, find duplicates, embed, place in stories."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from storyline.clean import clean_record
from storyline.clean.record import block_hashes, publisher_key
from storyline.config import Config
from storyline.dedup import Deduplicator
from storyline.errors import InputError
from storyline.fingerprint.embed import Encoder
from storyline.pipeline.runner import Batch, FnStage, Stage
from storyline.store import Store
from storyline.stories.centroid import NearestArticleAssigner, embedding_text
from storyline.types import Article, Rejected

STORY_FIELD = "title_lead"


def skip_known(store: Store) -> Stage:
    """Drop records already stored (or seen earlier in the same run): re-ingest adds nothing."""
    seen: set[str] = set()

    def fn(batch: Batch) -> Batch:
        ids = [r.article_id for r in batch.raws]
        known = store.existing(ids)
        fresh = []
        for r, i in zip(batch.raws, ids, strict=True):
            if i in known or i in seen:
                continue
            seen.add(i)
            fresh.append(r)
        return dataclasses.replace(batch, raws=tuple(fresh), already_present=len(batch.raws) - len(fresh))

    return FnStage("skip-known", fn, frozenset({"raws"}), frozenset({"raws", "already_present"}))


class StoredBlockStats:
    """Template evidence (`storyline.clean.templates.BlockStats`) read from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def documents(self, publisher: str) -> int:
        """Documents counted for the publisher key."""
        return self.store.block_documents(publisher)

    def count(self, publisher: str, block_hash: str) -> int:
        """Documents of the publisher key containing the block."""
        return self.store.block_count(publisher, block_hash)


def clean(store: Store, config: Config) -> Stage:
    """Clean each raw record into an article; unusable records become rejects.

    Block statistics grow with every record first, so a page's navigation and footer are
    recognised as template once enough pages of its site have been seen.
    """
    stats = StoredBlockStats(store)

    def fn(batch: Batch) -> Batch:
        articles: list[Article] = []
        rejected = list(batch.rejected)
        kept = []
        for raw in batch.raws:
            try:
                store.add_blocks(publisher_key(raw), block_hashes(raw))
                articles.append(
                    clean_record(raw, min_words=config.ingest.min_words, config=config.clean, templates=stats)
                )
                kept.append(raw)
            except InputError as exc:
                rejected.append(Rejected(raw.source, raw.record, "clean", exc.reason))
            except Exception as exc:  # a bug or a library failure on one record must not stop the run
                rejected.append(Rejected(raw.source, raw.record, "clean", f"cleaning failed: {exc!r}"))
        return dataclasses.replace(
            batch, raws=tuple(kept), articles=tuple(articles), rejected=tuple(rejected)
        )

    return FnStage("clean", fn, frozenset({"raws"}), frozenset({"articles", "rejected"}))


def persist(store: Store) -> Stage:
    """Write raw records, articles and rejects."""

    def fn(batch: Batch) -> Batch:
        store.add_raw(batch.raws)
        store.put_articles(batch.articles)
        store.add_rejects(batch.rejected)
        for r in batch.raws:
            store.clear_rejects(r.source, r.record)
        return batch

    return FnStage("persist", fn, frozenset({"raws", "articles", "rejected"}), frozenset())


def dedup(store: Store, config: Config, encoder: Encoder | None = None) -> Stage:
    """Find duplicates of the new articles and store the relations of the groups they touch.

    With an encoder (and ``dedup.semantic`` on), translations and rewrites are found too; the
    title+lead embeddings it computes are the ones the story stage reuses.
    """
    deduplicator = Deduplicator(store, config.dedup, encoder)

    def fn(batch: Batch) -> Batch:
        if not batch.articles:
            return batch
        relations = deduplicator.process(batch.articles)
        if relations:
            members = {r.article for r in relations} | {r.original for r in relations}
            store.delete_relations(members)
            store.put_relations(relations)
        return dataclasses.replace(batch, relations=tuple(relations))

    return FnStage("dedup", fn, frozenset({"articles"}), frozenset({"relations"}))


def embed_articles(store: Store, encoder: Encoder, articles: Sequence[Article]) -> np.ndarray:
    """Story embeddings of the articles, from the cache or computed and cached."""
    cached = store.get_embeddings(encoder.name, STORY_FIELD, [a.id for a in articles])
    todo = [a for a in articles if a.id not in cached]
    if todo:
        vecs = encoder.encode([embedding_text(a) for a in todo])
        store.put_embeddings(encoder.name, STORY_FIELD, [a.id for a in todo], vecs)
        cached.update({a.id: v for a, v in zip(todo, vecs, strict=True)})
    if not articles:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.vstack([cached[a.id] for a in articles])


def assign_stories(store: Store, config: Config, encoder: Encoder) -> Stage:
    """Place each new article in a story: its original's story for copies, else the nearest story."""
    assigner = NearestArticleAssigner(config.stories.join_threshold)
    loaded = False

    def fn(batch: Batch) -> Batch:
        nonlocal loaded
        if not batch.articles:
            return batch
        if not loaded:
            ids = [i for i in store.article_ids() if i not in {a.id for a in batch.articles}]
            stories = store.story_of(ids)
            ids = [i for i in ids if i in stories]
            vecs = store.get_embeddings(encoder.name, STORY_FIELD, ids)
            ids = [i for i in ids if i in vecs]
            assigner.load(
                ids, [stories[i] for i in ids], np.vstack([vecs[i] for i in ids]) if ids else np.zeros(0)
            )
            loaded = True
        vectors = embed_articles(store, encoder, batch.articles)
        # Duplicate groups: every member shares one story (the first one any member is in).
        group_of = {r.article: r.original for r in batch.relations}
        group_of.update({r.original: r.original for r in batch.relations})
        members: dict[str, list[str]] = {}
        for x, grp in group_of.items():
            members.setdefault(grp, []).append(x)
        stored = store.story_of(list(group_of))
        assignments: list[tuple[str, str, float | None]] = []
        new_story: dict[str, str] = {}
        for a, vec in zip(batch.articles, vectors, strict=True):
            group_story: str | None = None
            g = group_of.get(a.id)
            if g is not None:
                for x in members[g]:
                    if x != a.id and (new_story.get(x) or stored.get(x)):
                        group_story = new_story.get(x) or stored.get(x)
                        break
            story, score = assigner.assign(a.id, vec, group_story)
            new_story[a.id] = story
            assignments.append((a.id, story, score))
        # Stored members of a touched group follow the group's story.
        for x, g in group_of.items():
            if x not in new_story and stored.get(x) is not None:
                target = next((new_story[y] for y in members[g] if y in new_story), None)
                if target is not None and stored[x] != target:
                    assignments.append((x, target, 1.0))
        previous = store.story_of([a for a, _, _ in assignments])
        store.put_memberships(assignments)
        touched = {s for _, s, _ in assignments} | set(previous.values())
        for s in touched:
            store.refresh_story(s)
        return dataclasses.replace(batch, assignments=tuple(assignments), stories=frozenset(touched))

    return FnStage("stories", fn, frozenset({"articles", "relations"}), frozenset({"assignments", "stories"}))


def ingest_plan(store: Store, config: Config, encoder: Encoder) -> list[Stage]:
    """The stages of an ingest, in order."""
    return [
        skip_known(store),
        clean(store, config),
        persist(store),
        dedup(store, config, encoder),
        assign_stories(store, config, encoder),
    ]
