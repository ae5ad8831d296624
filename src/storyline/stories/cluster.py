"""Online story clustering: each article, in publication order, joins the best story or starts one.

For each article:

1. A copy (the duplicate stage named its original) joins its original's story: no decision.
2. Otherwise the live stories whose mean embedding is closest (`storyline.stories.index`), and
   dormant ones that share a distinctive name with it, are scored by the join model
   (`storyline.stories.model`) on the evidence of `storyline.stories.features`. The article
   joins the most probable one when the model says it is more likely the same event than not
   (a dormant story needs `DORMANT_THRESHOLD`), and starts a story otherwise.
3. Earlier decisions are revisited through merges: an article that the join model would have
   put in two stories is a bridge between them, and the merge model then judges the two stories
   as wholes; when it says they are one event they merge, and the older story keeps its id.

Nothing else ever changes a story, so the same articles in the same order give the same stories
whether they arrive one by one (`StoryClusterer.assign`) or all at once (`assign_many`,
`cluster_batch`), and whether the state was saved and restored in between
(`storyline.stories.persist`).
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np

from storyline.config import DORMANT_THRESHOLD, STORY_WINDOW_DAYS
from storyline.stories.features import ArticleEvidence, join_rows, merge_features
from storyline.stories.index import NO_DAY, StoryIndex, day_number, one_thread
from storyline.stories.item import StoryItem
from storyline.stories.model import StoryModels, load_models
from storyline.stories.state import PRIOR_DOCS, CorpusStats, StoryState, days_between
from storyline.stories.terms import TermVector

# How many candidate stories an article is scored against, at most. Ranked by the cosine of
# their mean embedding, the right story (when one exists) was among the first 10 for all but
# 0.5% of ECB+ articles, and scoring more costs time without changing decisions.
CANDIDATES: Final = 10
# A name in more stories than this no longer singles one out, and is not used to find dormant
# stories ("Obama", "Paris"); names of a single event ("Yvonne Hiller", "Izium") stay far below.
NAME_STORIES: Final = 50
# The article's names (rarest first) through which dormant stories are looked up. A report's
# own event is carried by its rarest names; five keeps the lookup cheap for articles naming dozens.
NAME_KEYS: Final = 5
# Dormant stories found through shared names that are scored per article, most shared first.
NAME_CANDIDATES: Final = 5
# Stands for the last date of a story without dates: it is live now, but may get a dated report
# of any date later, so its names are never skipped.
UNDATED_LAST: Final = -(1 << 30)
# Articles whose stories are searched in one matrix product by `assign_many`.
BLOCK: Final = 64
# Articles whose undated ones are compared with every story in one matrix product by
# `assign_many`. An undated article is compared with all stories (up to the index's exact limit,
# 20,000 stories: 40 MB of float32 read per article); at 3% undated, 1024 articles hold about 30,
# so the matrix is read once for 30 of them, and each recomputes only the stories changed since
# (under a thousand rows).
WIDE_BLOCK = 1024

PlacementKind = Literal["duplicate", "joined", "new"]


@dataclass(slots=True, init=False)
class Candidate:
    """A story scored for an article.

    Attributes:
        story: story id.
        cosine: cosine of the article's embedding with the story's mean (the search score).
        features: the join features (`storyline.stories.features.JOIN_FEATURES`).
        probability: the join model's probability that the article reports the story's event.
        dormant: the story had no report within the window around the article's date; it was
            found through a name they share, and needs `DORMANT_THRESHOLD` to be joined.
    """

    story: str
    cosine: float
    features: list[float]
    probability: float
    dormant: bool

    # Written out rather than generated: compiled (see setup.py), it is a C function, where the
    # generated one stays Python. One is made for every candidate of every article.
    def __init__(
        self, story: str, cosine: float, features: list[float], probability: float, dormant: bool = False
    ) -> None:
        self.story = story
        self.cosine = cosine
        self.features = features
        self.probability = probability
        self.dormant = dormant


class NameUse:
    """The stories that use a name, and the earliest last date they had when they took it.

    `stories` is the very set kept in `StoryClusterer.names`. No story of a name can be dormant
    for an article whose window starts at or before `last` (reports only move a story's last
    date forward). A small class rather than a second dict by name: one lookup finds both, in
    a dict of every distinct name the stream has seen, where each lookup costs memory traffic.
    """

    __slots__ = ("last", "stories")

    def __init__(self, stories: set[str], last: int) -> None:
        self.stories = stories
        self.last = last


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an article went.

    Attributes:
        article: the article id.
        story: the id of its story after this step (after any merge).
        kind: ``duplicate`` (joined through a duplicate relation: a copy joins its original's
            story, and an original that arrives after its copy joins the copy's), ``joined``
            (the join model chose the story) or ``new``.
        probability: the join probability (1 for a duplicate, the best candidate's for a new story).
        merged: ids of stories merged into `story` at this step: their members now belong to it.
    """

    article: str
    story: str
    kind: PlacementKind
    probability: float
    merged: tuple[str, ...] = ()


def story_id_for(article_id: str) -> str:
    """The id of a story started by an article."""
    return f"s{article_id}"


def doc_vector(item: StoryItem) -> np.ndarray:
    """The vector stories are searched with: the normalised sum of the head and body embeddings."""
    v = np.asarray(item.head, dtype=np.float32) + item.body
    n = math.sqrt(v @ v)  # divides float32 numbers: the same as numpy's float32 square root
    return v / n if n > 0 else v


def doc_vectors(items: Sequence[StoryItem]) -> np.ndarray:
    """The `doc_vector` of each article, as the rows of a matrix (the same numbers)."""
    sums = np.array([it.head for it in items], dtype=np.float32) + np.array([it.body for it in items])
    # Each norm as `doc_vector` takes it, so that an article searches with the same vector
    # whether it comes alone or in a batch.
    norms = [math.sqrt(v @ v) for v in sums]
    sums /= np.array([n if n > 0 else 1.0 for n in norms], dtype=sums.dtype)[:, None]
    return sums


def spans_within(a: StoryState, b: StoryState, window: float | None) -> bool:
    """Whether two stories' date spans are at most `window` days apart (True if either is undated)."""
    if window is None or a.first is None or a.last is None or b.first is None or b.last is None:
        return True
    if a.last < b.first:
        return days_between(a.last, b.first) <= window
    if b.last < a.first:
        return days_between(b.last, a.first) <= window
    return True


MergeObserver = Callable[[StoryState, StoryState, np.ndarray], None]
ScoreObserver = Callable[[StoryItem, "list[Candidate]"], None]


@dataclass
class StoryClusterer:
    """The online clusterer and its whole state.

    Args:
        models: the join and merge models (default: the fitted ones shipped with storyline).
        window: days after which a story without new reports goes dormant (None: never).
        candidates: stories scored per article, at most.
        dim: embedding dimension.
        dormant_threshold: join probability needed for a dormant story.

    The state is plain data: `stories` holds everything about each story; `stats`, `placed` and
    `names` (which stories use each distinctive name) follow from the stories; `aliases` (ids
    of merged stories), `common_names` (names too widespread to look stories up by),
    `awaited` (originals whose copy came first), `seq` and the word frequencies in `stats` are
    the rest. `storyline.stories.persist` writes it to rows and reads it back.
    """

    models: StoryModels = field(default_factory=load_models)
    window: float | None = STORY_WINDOW_DAYS
    candidates: int = CANDIDATES
    dim: int = 512
    dormant_threshold: float = DORMANT_THRESHOLD
    stats: CorpusStats = field(default_factory=CorpusStats)
    stories: dict[str, StoryState] = field(default_factory=dict)
    placed: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    common_names: set[str] = field(default_factory=set)
    awaited: dict[str, str] = field(default_factory=dict)
    seq: int = 0
    saved_members: dict[str, int] = field(default_factory=dict, repr=False)
    on_merge_check: MergeObserver | None = None
    on_scored: ScoreObserver | None = None
    # Called with each placement as it is made, while the stories are as it left them (topics).
    on_placed: Callable[[Placement], None] | None = None

    def __post_init__(self) -> None:
        self._evidence: ArticleEvidence | None = None  # the last article's, reused by `place`
        # Each name of `names` with its stories and the earliest last date they had when they took it.
        self.name_uses: dict[str, NameUse] = {}
        for name, posting in self.names.items():
            lasts = [
                day_number(self.stories[s].last) if self.stories[s].last else UNDATED_LAST for s in posting
            ]
            self.name_uses[name] = NameUse(posting, min(lasts))
        self.index = StoryIndex(self.dim, self.window)
        # What changed since `storyline.stories.persist` last saved (see `take_changes`).
        self.changed: set[str] = set(self.stories)
        self.gone: set[str] = set()
        self.new_aliases: dict[str, str] = dict(self.aliases)
        for story in sorted(self.stories.values(), key=lambda s: s.seq):
            self._index(story)

    # -- lookups -------------------------------------------------------------------------------

    def resolve(self, story: str) -> str:
        """The current id of a story that may have been merged into another."""
        path = []
        while story in self.aliases:
            path.append(story)
            story = self.aliases[story]
        for s in path[:-1]:  # shorten chains so lookups stay O(1)
            self.aliases[s] = story
        return story

    def story_of(self, article: str) -> str | None:
        """The story an article is in now, or None if it was never placed."""
        story = self.placed.get(article)
        return self.resolve(story) if story is not None else None

    def clusters(self) -> dict[str, list[str]]:
        """Every story's members, by story id."""
        return {sid: list(s.members) for sid, s in self.stories.items()}

    # -- the steps of `assign` -----------------------------------------------------------------

    def score(
        self, item: StoryItem, row: int | None = None, vector: np.ndarray | None = None
    ) -> list[Candidate]:
        """The candidate stories for an article, scored by the join model, best search score first.

        Args:
            item: the article.
            row: its row in the block given to the index's `prepare`, if any.
            vector: its `doc_vector`, if already computed.
        """
        if vector is None:
            vector = doc_vector(item)
        floor = self.models.candidate_floor
        found = [
            (sid, cos, False)
            for sid, cos in self.index.search(vector, item.published, self.candidates, floor, row)
        ]
        found += self._by_name(item, vector, found)
        if not found:
            return []
        ev = self._evidence = ArticleEvidence(item, self.stats)
        return self._scored(ev, found)

    def _scored(self, ev: ArticleEvidence, found: list[tuple[str, float, bool]]) -> list[Candidate]:
        if not found:
            return []
        lang = ev.item.language or ""
        stories = [self.stories[sid] for sid, _, _ in found]
        rows = join_rows(ev, stories, self.stats)
        # A story with members in the article's language is judged with its words, one without
        # by the cross-language model.
        join, join_xl = self.models.join, self.models.join_xl
        return [
            Candidate(
                sid,
                cos,
                rows[i],
                (join if lang in story.terms else join_xl).row_probability(rows[i]),
                dormant,
            )
            for i, ((sid, cos, dormant), story) in enumerate(zip(found, stories, strict=True))
        ]

    def _by_name(
        self, item: StoryItem, vector: np.ndarray, found: list[tuple[str, float, bool]]
    ) -> list[tuple[str, float, bool]]:
        """Dormant stories that share one of the article's most distinctive names.

        Live stories are found by the search (`found`: its results); a story that went quiet is
        found again through the rarest names of the new report (the accused, the town, the
        company), which a follow-up months later still carries.
        """
        # A name whose stories all had a report within the window when they took it cannot lead
        # to a dormant story (reports only move a story's last date forward): skip its stories.
        # `name_uses` has exactly the names of `names` (whose stories are never an empty set).
        recent = self.index.recent_day(item.published)
        uses = self.name_uses
        # The article's names that some story uses, and the earliest of their last days.
        known: list[tuple[str, NameUse]] = []
        earliest = recent
        for k in item.names:
            use = uses.get(k)
            if use is not None:
                known.append((k, use))
                if use.last < earliest:
                    earliest = use.last
        if earliest >= recent:
            return []  # the usual case in a stream: nothing to look up, whichever keys are chosen
        df = self.stats.names
        # Rarest first, ties by name: the order does not depend on how Python hashes strings
        # (names are unique, so the uses are never compared).
        keys = sorted([(df.get(k, 0), k, use) for k, use in known])[:NAME_KEYS]
        seen = {sid for sid, _, _ in found}
        shared: dict[str, float] = {}
        slots: dict[str, int] = {}
        lo, hi = self.index.live_span(item.published)
        slot_of, first_day, last_day = self.index.slot_days()
        total = self.stats.docs + PRIOR_DOCS + 1.0  # `CorpusStats.idf`, written out
        log = math.log
        for count, _, use in keys:
            if use.last >= recent:
                continue
            w = log(total / (1.0 + count))
            for sid in use.stories:
                if sid in seen:
                    continue
                if sid in shared:
                    shared[sid] += w
                    continue
                slot = slot_of[sid]
                last = last_day[slot]
                # Dormant for the article: dated, and no report within the window around its date.
                if last != NO_DAY and (last < lo or first_day[slot] > hi):
                    shared[sid] = w
                    slots[sid] = slot
                else:
                    seen.add(sid)  # live: the search already had its chance
        if not shared:
            return []
        # The most shared first, the older on a tie. Index slots follow the stories' arrival, as
        # `seq` does, and are unique: the order is total. (A few dozen stories at most: sorting
        # them all costs less than a partial sort through the Python heapq module.)
        ranked = sorted([(-w, slots[sid], sid) for sid, w in shared.items()])[: 2 * NAME_CANDIDATES]
        cosines = self.index.slot_cosines([slot for _, slot, _ in ranked], vector)
        floor = self.models.candidate_floor
        # An undated article cannot say a story went quiet before it: no dormancy for it.
        dormant_story = bool(item.published)
        out = [
            (sid, cos, dormant_story)
            for (_, _, sid), cos in zip(ranked, cosines, strict=True)
            if cos >= floor
        ]
        return out[:NAME_CANDIDATES]

    def _post_names(self, names: Iterable[str], story: str) -> None:
        last = self.stories[story].last
        day = day_number(last) if last else UNDATED_LAST
        for name in names:
            if name in self.common_names:
                continue
            use = self.name_uses.get(name)
            if use is None:
                posting = self.names[name] = {story}
                self.name_uses[name] = NameUse(posting, day)
            elif story not in use.stories:
                use.stories.add(story)
                if day < use.last:
                    use.last = day
                if len(use.stories) > NAME_STORIES:
                    del self.names[name]
                    del self.name_uses[name]
                    self.common_names.add(name)

    def _needed(self, cand: Candidate) -> float:
        return self.dormant_threshold if cand.dormant else self.models.join.threshold

    def place(self, item: StoryItem, story: str | None) -> str:
        """Put an article into a story (None: start a new one); returns the story id."""
        if story is None:
            story = story_id_for(item.id)
            if story in self.stories or story in self.aliases:
                raise ValueError(f"article {item.id} was already placed")
            self.stories[story] = StoryState(story, seq=self.seq)
        state = self.stories[story]
        ev = self._evidence
        stats = self.stats
        if ev is not None and ev.item is item:
            words, buckets = ev.words, ev.buckets
        else:
            buckets = stats.buckets(item.term_ids)
            words = TermVector.of(item.term_ids, item.term_tf * stats.bucket_idf(buckets))
        state.add(item, words)
        stats.add(item, buckets)
        self._post_names(item.names, story)
        self.placed[item.id] = story
        self.seq += 1
        self._index(state)
        return story

    def _index(self, state: StoryState) -> None:
        self.changed.add(state.id)
        self.index.put(state.id, state.vector(), state.first, state.last)

    def merge(self, a: str, b: str) -> str:
        """Merge two stories; the older keeps its id, which is returned."""
        sa, sb = self.stories[a], self.stories[b]
        keep, gone = (sa, sb) if sa.seq <= sb.seq else (sb, sa)
        keep.absorb(gone)
        del self.stories[gone.id]
        for name in gone.names:
            posting = self.names.get(name)
            if posting is not None:
                posting.discard(gone.id)
                posting.add(keep.id)
        self.aliases[gone.id] = keep.id
        self.new_aliases[gone.id] = keep.id
        self.gone.add(gone.id)
        self.changed.discard(gone.id)
        self.changed.add(keep.id)
        self.index.remove(gone.id)
        self._index(keep)
        return keep.id

    def _bridged(self, story: str, scored: Sequence[Candidate]) -> tuple[str, list[str]]:
        """Merge the stories the article would also have joined, when the merge model agrees."""
        merged: list[str] = []
        for cand in scored:
            if cand.probability < self._needed(cand):
                continue
            other = self.resolve(cand.story)
            if other == story or other not in self.stories:
                continue
            a, b = self.stories[story], self.stories[other]
            f = merge_features(a, b, self.stats)
            if self.on_merge_check is not None:
                self.on_merge_check(a, b, f)
            model = self.models.merge if a.terms.keys() & b.terms.keys() else self.models.merge_xl
            needed = model.threshold
            if not spans_within(a, b, self.window):
                needed = max(needed, self.dormant_threshold)
            if model.row_probability(f.tolist()) >= needed:
                keep = self.merge(story, other)
                merged.append(other if keep == story else story)
                story = keep
        return story, merged

    # -- the public entry points ---------------------------------------------------------------

    def assign(self, item: StoryItem, row: int | None = None) -> Placement:
        """Place one article (in publication order) and return where it went.

        Args:
            item: the article.
            row: for `assign_many` only: the article's row in the current search block.
        """
        if row is None:
            with one_thread():
                return self._assign(item, None)
        return self._assign(item, row)

    def _assign(self, item: StoryItem, row: int | None, vector: np.ndarray | None = None) -> Placement:
        placement = self._placement(item, row, vector)
        if self.on_placed is not None:
            self.on_placed(placement)
        return placement

    def _placement(self, item: StoryItem, row: int | None, vector: np.ndarray | None) -> Placement:
        if item.id in self.placed:
            raise ValueError(f"article {item.id} was already placed")
        if item.original is not None:
            original = self.story_of(item.original)
            if original is not None:
                state = self.stories[original]
                state.add_copy(item)
                self.placed[item.id] = original
                self.seq += 1
                self._index(state)
                return Placement(item.id, original, "duplicate", 1.0)
        copy_story = self.awaited.pop(item.id, None)
        if copy_story is not None:
            # Its copy came first and started (or joined) a story: the original belongs there.
            story = self.place(item, self.resolve(copy_story))
            return Placement(item.id, story, "duplicate", 1.0)
        placement = self._decide(item, row, vector)
        if item.original is not None:
            self.awaited[item.original] = placement.story
        return placement

    def _decide(self, item: StoryItem, row: int | None, vector: np.ndarray | None) -> Placement:
        scored = self.score(item, row, vector)
        if self.on_scored is not None:
            self.on_scored(item, scored)
        live, dormant = self.models.join.threshold, self.dormant_threshold
        joinable = [c for c in scored if c.probability >= (dormant if c.dormant else live)]
        if not joinable:
            story = self.place(item, None)
            return Placement(item.id, story, "new", max((c.probability for c in scored), default=0.0))
        best = max(joinable, key=lambda c: c.probability)
        story = self.place(item, best.story)
        story, merged = self._bridged(story, scored)
        return Placement(item.id, story, "joined", best.probability, tuple(merged))

    def assign_many(self, items: Iterable[StoryItem], block: int = BLOCK) -> list[Placement]:
        """Place articles in the given order: the same result as `assign` on each, faster.

        Articles are taken in stretches of `WIDE_BLOCK`, one stretch ahead: the search products
        of what comes next are computed on a second thread while the current articles are placed
        (see `StoryIndex.prepare`).
        """
        out: list[Placement] = []
        index = self.index

        def stretches() -> Iterator[tuple[list[StoryItem], np.ndarray, list[int]]]:
            batch: list[StoryItem] = []
            for item in items:
                batch.append(item)
                if len(batch) >= WIDE_BLOCK:
                    yield batch, doc_vectors(batch), undated_rows(batch)
                    batch = []
            if batch:
                yield batch, doc_vectors(batch), undated_rows(batch)

        def place_stretch(
            batch: list[StoryItem],
            vectors: np.ndarray,
            undated: list[int],
            after: np.ndarray,
            later: np.ndarray,
        ) -> None:
            wide_row = {i: r for r, i in enumerate(undated)}
            index.prepare_wide(vectors[undated], later)
            try:
                for start in range(0, len(batch), block):
                    upcoming = vectors[start + block : start + 2 * block]
                    index.prepare(vectors[start : start + block], upcoming if len(upcoming) else after)
                    try:
                        for i in range(start, min(start + block, len(batch))):
                            index.wide_row = wide_row.get(i)
                            out.append(self._assign(batch[i], i - start, vectors[i]))
                    finally:
                        index.finish()
            finally:
                index.finish_wide()

        # The collector stays off for the whole call: re-enabled between blocks, it soon runs a
        # full pass over the grown state (every story's counters) for nothing.
        with one_thread(), no_cycle_collection():
            it = stretches()
            current = next(it, None)
            while current is not None:
                following = next(it, None)
                if following is None:
                    after = later = current[1][:0]
                else:
                    after = following[1][:block]
                    later = following[1][following[2]]
                place_stretch(*current, after, later)
                current = following
        return out


def undated_rows(items: Sequence[StoryItem]) -> list[int]:
    """Positions of the articles without a publication date."""
    return [i for i, it in enumerate(items) if not it.published]


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector inside the block (if it runs).

    Clustering makes no reference cycles, so the collector finds nothing to free; but as the
    state grows it keeps walking all of it (each full pass visits every story's counters and
    every name), about 5% of `assign_many`'s time at 100,000 articles.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def stream_order(items: Sequence[StoryItem]) -> list[int]:
    """Publication order: dated articles by date, undated ones keep their input positions.

    The dated articles are sorted among the positions that dated articles hold in the input
    (ties in input order); no date is guessed for an undated article.
    """
    dated = sorted(
        (i for i, it in enumerate(items) if it.published), key=lambda i: (items[i].published or "", i)
    )
    it = iter(dated)
    return [next(it) if item.published else i for i, item in enumerate(items)]


def cluster_batch(
    items: Sequence[StoryItem],
    models: StoryModels | None = None,
    window: float | None = STORY_WINDOW_DAYS,
    order: bool = True,
) -> StoryClusterer:
    """Cluster a whole corpus; returns the clusterer, whose state can continue incrementally.

    Args:
        items: the articles.
        models: the link models (default: the shipped ones).
        window: dormancy window in days.
        order: put the articles in publication order first (`stream_order`); False keeps the
            given order.
    """
    clusterer = StoryClusterer(models=models or load_models(), window=window)
    seq = stream_order(items) if order else list(range(len(items)))
    clusterer.assign_many(items[i] for i in seq)
    return clusterer
