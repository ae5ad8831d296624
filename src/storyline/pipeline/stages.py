"""The ingest plan: skip known records, clean, store, find duplicates, embed, place in stories."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from storyline.clean import clean_record
from storyline.clean.record import block_hashes, publisher_key
from storyline.config import Config
from storyline.dedup import Deduplicator
from storyline.errors import InputError
from storyline.fingerprint.embed import Encoder, get_encoder
from storyline.nlp import has_model
from storyline.pipeline.executors import Executor, InProcess
from storyline.pipeline.features import DocFeatures, encoder_name, stack
from storyline.pipeline.features import compute as compute_features
from storyline.pipeline.features import shards as feature_shards
from storyline.pipeline.runner import Batch, FnStage, Stage
from storyline.store import Store
from storyline.store.articles import block_keys
from storyline.stories import StoryClusterer, item_from_article
from storyline.stories import persist as story_state
from storyline.stories.topics import TopicGrouper, load_topic_model, topic_decisions, topic_rows
from storyline.text import clean_title
from storyline.types import Article, DupRelation, Rejected


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

    return FnStage("skip-known", fn, frozenset({"raws"}), frozenset({"raws", "already_present"}), ahead=True)


class StoredBlockStats:
    """Template evidence (`storyline.clean.templates.BlockStats`): stored and pending counts.

    The pending counts are those of records cleaned but not written yet. Cleaning only counts
    (`add`); `persist` writes a batch's counts in the batch's transaction (`written`). So the next
    batch can be cleaned while this one is still being placed, and its records see exactly the
    counts they would see one batch after the other.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._docs: Counter[str] = Counter()
        self._blocks: Counter[tuple[str, str]] = Counter()

    def add(self, publisher: str | None, hashes: Iterable[str]) -> tuple[str | None, tuple[str, ...]]:
        """Count one record's blocks (pending until written); returns what to write."""
        unique = tuple(sorted(set(hashes)))
        for key in block_keys(publisher):
            self._docs[key] += 1
            for h in unique:
                self._blocks[key, h] += 1
        return publisher, unique

    def written(self, blocks: Iterable[tuple[str | None, tuple[str, ...]]]) -> None:
        """These records' counts are stored now: no longer pending."""
        for publisher, unique in blocks:
            for key in block_keys(publisher):
                self._docs[key] -= 1
                for h in unique:
                    self._blocks[key, h] -= 1

    def documents(self, publisher: str) -> int:
        """Documents counted for the publisher key."""
        return self.store.block_documents(publisher) + self._docs[publisher]

    def count(self, publisher: str, block_hash: str) -> int:
        """Documents of the publisher key containing the block."""
        return self.store.block_count(publisher, block_hash) + self._blocks[publisher, block_hash]


def clean(config: Config, stats: StoredBlockStats) -> Stage:
    """Clean each raw record into an article; unusable records become rejects.

    Block statistics grow with every record first, so a page's navigation and footer are
    recognised as template once enough pages of its site have been seen. Nothing is written
    here: the batch carries its block counts to `persist`.
    """

    def fn(batch: Batch) -> Batch:
        articles: list[Article] = []
        rejected = list(batch.rejected)
        kept = []
        blocks = []
        for raw in batch.raws:
            try:
                blocks.append(stats.add(publisher_key(raw), block_hashes(raw)))
                articles.append(
                    clean_record(raw, min_words=config.ingest.min_words, config=config.clean, templates=stats)
                )
                kept.append(raw)
            except InputError as exc:
                rejected.append(Rejected(raw.source, raw.record, "clean", exc.reason))
            except Exception as exc:  # a bug or a library failure on one record must not stop the run
                rejected.append(Rejected(raw.source, raw.record, "clean", f"cleaning failed: {exc!r}"))
        return dataclasses.replace(
            batch, raws=tuple(kept), articles=tuple(articles), rejected=tuple(rejected), blocks=tuple(blocks)
        )

    return FnStage(
        "clean", fn, frozenset({"raws"}), frozenset({"articles", "rejected", "blocks"}), ahead=True
    )


def persist(store: Store, stats: StoredBlockStats) -> Stage:
    """Write raw records, articles, rejects and the batch's block counts."""

    def fn(batch: Batch) -> Batch:
        for publisher, unique in batch.blocks:
            store.add_blocks(publisher, unique)
        stats.written(batch.blocks)
        store.add_raw(batch.raws)
        store.put_articles(batch.articles)
        store.add_rejects(batch.rejected)
        for r in batch.raws:
            store.clear_rejects(r.source, r.record)
        return batch

    # The next batch is cleaned after this one is written (it must see these records as known).
    return FnStage(
        "persist", fn, frozenset({"raws", "articles", "rejected", "blocks"}), frozenset(), before_next=True
    )


def dedup(
    store: Store, config: Config, encoder: Encoder | None = None, executor: Executor | None = None
) -> Stage:
    """Find duplicates of the new articles and store the relations of the groups they touch.

    With an encoder (and ``dedup.semantic`` on), translations and rewrites are found too:
    candidates by the per-document vectors (`storyline.pipeline.features`), verified with the
    full encoder.
    """
    candidates = get_encoder(encoder_name(encoder.name)) if encoder is not None else None
    # Sentence vectors go to the executor only when it adds machines: on this one, the encoder's
    # matrix products already use every core through BLAS threads, and a local pool of one-thread
    # workers was slower (dedup 98 s on two workers vs 78 s here, 2,000 records of bench/ingest.py).
    mapper = executor.map if executor is not None and executor.remote else None
    deduplicator = Deduplicator(store, config.dedup, encoder, candidates, mapper)

    def fn(batch: Batch) -> Batch:
        if not batch.articles:
            return batch
        vectors = {f.id: f.doc for f in batch.features} if batch.features else None
        anchors = {f.id: f.anchors for f in batch.features} if batch.features else None
        relations = deduplicator.process(batch.articles, vectors, anchors)
        if relations:
            members = {r.article for r in relations} | {r.original for r in relations}
            store.delete_relations(members)
            store.put_relations(relations)
        return dataclasses.replace(batch, relations=tuple(relations))

    return FnStage("dedup", fn, frozenset({"articles"}), frozenset({"relations"}))


def document_features(config: Config, executor: Executor | None = None) -> Stage:
    """Compute each new article's vectors and names, shard by shard, on the executor's workers."""
    name = encoder_name(config.embed.model)
    run_on = executor or InProcess()

    def start(batch: Batch) -> Callable[[], Batch]:
        if not batch.articles:
            return lambda: batch
        found = run_on.submit(compute_features, feature_shards(batch.articles, name))
        return lambda: dataclasses.replace(batch, features=tuple(f for shard in found() for f in shard))

    return FnStage(
        "features",
        lambda batch: start(batch)(),
        frozenset({"articles"}),
        frozenset({"features"}),
        ahead=True,
        start=start,
    )


def features_of(batch: Batch, name: str) -> list[DocFeatures]:
    """The features of the batch's articles, in article order (computed here when missing)."""
    have = {f.id: f for f in batch.features}
    todo = [a for a in batch.articles if a.id not in have]
    for shard in feature_shards(todo, name):
        have.update((f.id, f) for f in compute_features(shard))
    return [have[a.id] for a in batch.articles]


def placed_anchors(
    relations: Sequence[DupRelation], new: Sequence[str], story_of: Callable[[str], str | None]
) -> dict[str, str]:
    """For new articles whose duplicate group already has a placed member: that member.

    A group can span batches the wrong way round: a translation arrives first, is placed as news,
    and its original (same day, or dated earlier) comes in a later batch. The relations then name
    the newcomer as the original, but the group's story is where the earlier member went: the
    newcomer must join it, not be placed on its own features. The group's original is preferred
    when placed; else the first placed member (by id, for a stable choice).

    Args:
        relations: the duplicate relations of every group the batch touched (old members too).
        new: ids of the batch's articles, not yet placed.
        story_of: the story of an already placed article, or None.
    """
    members: dict[str, set[str]] = {}
    root: dict[str, str] = {}
    for r in relations:
        root[r.article] = r.original
        members.setdefault(r.original, {r.original}).add(r.article)
    anchors: dict[str, str] = {}
    for a in new:
        top = root.get(a, a)
        group = members.get(top)
        if not group or (top != a and story_of(top) is not None):
            continue  # no group, or the original is placed: the clusterer follows it already
        placed = sorted(m for m in group if m != a and story_of(m) is not None)
        if placed:
            anchors[a] = placed[0]
    return anchors


def assign_stories(store: Store, config: Config, encoder: Encoder) -> Stage:
    """Place the new articles in stories with the fitted online clusterer, in publication order.

    Copies join their original's story. The clusterer's state is read from the store once and
    written back with every batch, in the batch's transaction, so an interrupted run resumes
    with exactly the state of the last finished batch.
    """
    clusterer: StoryClusterer | None = None
    grouper: TopicGrouper | None = None
    name = encoder_name(encoder.name)
    dim = get_encoder(name).dim

    def fn(batch: Batch) -> Batch:
        nonlocal clusterer, grouper
        if not batch.articles:
            return batch
        if clusterer is None or grouper is None:
            clusterer = story_state.from_rows(
                store.story_state(),
                window=config.stories.dormant_days,
                dormant_threshold=config.stories.dormant_threshold,
                dim=dim,
            )
            # Topics follow every placement as it is made (see `storyline.stories.topics`).
            grouper = TopicGrouper(
                model=load_topic_model(config.stories.topic_model or None),
                decisions=topic_decisions(store.topic_decisions()),
            )
            grouper.attach(clusterer)
        articles = list(batch.articles)
        found = features_of(batch, name)
        heads, bodies = stack(found, "head", dim), stack(found, "body", dim)
        names = [list(f.mentions) for f in found]
        original = {r.article: r.original for r in batch.relations}
        original.update(placed_anchors(batch.relations, [a.id for a in articles], clusterer.story_of))
        items = [
            item_from_article(a, h, b, m, original.get(a.id))
            for a, h, b, m in zip(articles, heads, bodies, names, strict=True)
        ]
        # Dated articles first, in publication order, then the undated ones in arrival order: a
        # story must not be seeded by articles that cannot be placed in time, or it would accept
        # any later article as if no time had passed (an undated seed is never dormant). On the
        # same day, articles whose names a model can type go first: they give the join model its
        # full evidence, and their translations then follow them as duplicates (a copy placed
        # before its original is joined by it). Then originals before their copies.
        typed = {lang: has_model(lang) for lang in {a.language for a in articles}}
        ordered = [
            items[i]
            for i in sorted(
                range(len(items)),
                key=lambda i: (
                    items[i].published is None,
                    (items[i].published or "")[:10],
                    not typed[articles[i].language],
                    items[i].original is not None,
                    i,
                ),
            )
        ]
        placements = clusterer.assign_many(ordered)
        previous = store.story_of([a.id for a in articles])
        touched: set[str] = set(previous.values())
        for p in placements:
            for old in p.merged:
                store.move_story(old, p.story)
                touched.add(old)
        final = {p.article: clusterer.story_of(p.article) or p.story for p in placements}
        assignments = tuple((p.article, final[p.article], p.probability) for p in placements)
        store.put_memberships(list(assignments))
        store.put_story_state(story_state.take_changes(clusterer))
        store.put_topics(*topic_rows(*grouper.take_changes()))
        touched |= set(final.values())
        for s in sorted(touched):
            store.refresh_story(s)
        store.fill_headlines(provisional_headlines(articles, final))
        return dataclasses.replace(batch, assignments=assignments, stories=frozenset(touched))

    return FnStage("stories", fn, frozenset({"articles", "relations"}), frozenset({"assignments", "stories"}))


def provisional_headlines(articles: Sequence[Article], story_of: dict[str, str]) -> dict[str, str]:
    """A headline for each story from its first titled article of the batch (originals first).

    The view's headline (the most representative title) replaces it when the view is built.
    """
    out: dict[str, str] = {}
    for a in sorted(articles, key=lambda a: (a.title is None, a.published or "9999")):
        sid = story_of.get(a.id)
        if sid and sid not in out and a.title and a.title.strip():
            out[sid] = clean_title(a.title, a.publisher)
    return out


def ingest_plan(
    store: Store, config: Config, encoder: Encoder, executor: Executor | None = None
) -> list[Stage]:
    """The stages of an ingest, in order."""
    stats = StoredBlockStats(store)
    # The first three depend on the batch alone (and what earlier batches wrote): the runner
    # prepares the next batch with them while this one is written, deduplicated and placed.
    return [
        skip_known(store),
        clean(config, stats),
        document_features(config, executor),
        persist(store, stats),
        dedup(store, config, encoder, executor),
        assign_stories(store, config, encoder),
    ]
