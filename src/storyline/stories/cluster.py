"""Online story clustering: each article, in publication order, joins the best story or starts one.

For each article:

1. A copy (the duplicate stage named its original) joins its original's story: no decision.
2. Otherwise the `candidates` live stories with the closest mean embedding are scored by the join
   model (`storyline.stories.model`) on the evidence of `storyline.stories.features`; the
   article joins the most probable one when the model says it is more likely the same event
   than not, and starts a story otherwise.
3. Earlier decisions are revisited through merges: an article that the join model would have
   put in two stories is a bridge between them, and the merge model then judges the two stories
   as wholes; when it says they are one event they merge, and the older story keeps its id.
   Merges only ever happen at this step, so running the same articles in the same order gives
   the same stories whether they arrive one by one or all at once (`cluster_batch`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from storyline.stories.features import join_features, merge_features
from storyline.stories.index import StoryIndex
from storyline.stories.item import StoryItem
from storyline.stories.model import StoryModels, load_models
from storyline.stories.state import CorpusStats, StoryState, days_between

# How many candidate stories an article is scored against. With stories ranked by the cosine of
# their mean embedding, the right story (when one exists) was among the first 10 for all but
# 0.5% of ECB+ articles, and scoring more costs time without changing decisions.
CANDIDATES = 10
# A name in more stories than this no longer singles one out, and is not used to find dormant
# stories ("Obama", "Paris"); names of a single event ("Yvonne Hiller", "Izium") stay far below.
NAME_STORIES = 50
# Dormant stories found through shared names that are scored per article, best-sharing first.
DORMANT_CANDIDATES = 5
# A dormant story is joined only on strong evidence: probability 0.9, i.e. odds 9 times those
# needed for a live story. The labelled collections cannot teach how much a long silence lowers
# the odds (ECB+ gives dates to one event of each pair only), so this is a stated prior, not a fit.
DORMANT_THRESHOLD = 0.9

PlacementKind = Literal["copy", "joined", "new"]


@dataclass(frozen=True)
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
    features: np.ndarray
    probability: float
    dormant: bool = False


@dataclass(frozen=True)
class Placement:
    """Where an article went.

    Attributes:
        article: the article id.
        story: the id of its story after this step (after any merge).
        kind: ``copy`` (joined its original's story), ``joined`` or ``new``.
        probability: the join probability (1 for a copy, the best candidate's for a new story).
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
    v = item.head + item.body
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


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


@dataclass
class StoryClusterer:
    """The online clusterer and its whole state.

    Args:
        models: the join and merge models (default: the fitted ones shipped with storyline).
        window: days after which a story without new reports goes dormant (None: never).
        candidates: stories scored per article.
        dim: embedding dimension.

    The state (`stories`, `stats`, article -> story) is plain data; `storyline.stories.persist`
    writes it to rows and reads it back.
    """

    models: StoryModels = field(default_factory=load_models)
    window: float | None = 14.0
    candidates: int = CANDIDATES
    dim: int = 512
    stats: CorpusStats = field(default_factory=CorpusStats)
    stories: dict[str, StoryState] = field(default_factory=dict)
    placed: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    seq: int = 0
    names: dict[str, set[str] | None] = field(default_factory=dict)
    dormant_threshold: float = DORMANT_THRESHOLD
    on_merge_check: MergeObserver | None = None
    on_scored: Callable[[StoryItem, list[Candidate]], None] | None = None

    def __post_init__(self) -> None:
        self.index = StoryIndex(self.dim, self.window)
        for story in self.stories.values():
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

    def score(self, item: StoryItem) -> list[Candidate]:
        """The candidate stories for an article, scored by the join model, best search score first."""
        vector = doc_vector(item)
        found = [(sid, cos, False) for sid, cos in self.index.search(vector, item.published, self.candidates)]
        found += self._by_name(item, vector, {sid for sid, _, _ in found})
        lang = item.language or ""
        out = []
        for sid, cos, dormant in found:
            story = self.stories[sid]
            f = join_features(item, story, self.stats)
            model = self.models.join if lang in story.terms else self.models.join_xl
            out.append(Candidate(sid, cos, f, float(model.probability(f[None, :])[0]), dormant))
        return out

    def _by_name(self, item: StoryItem, vector: np.ndarray, seen: set[str]) -> list[tuple[str, float, bool]]:
        """Stories outside the search results that share a distinctive name with the article."""
        shared: dict[str, float] = {}
        for name in item.names:
            posting = self.names.get(name)
            if not posting:
                continue
            w = self.stats.idf(self.stats.names, name)
            for sid in posting:
                sid = self.resolve(sid)
                if sid not in seen:
                    shared[sid] = shared.get(sid, 0.0) + w
        best = sorted(shared, key=lambda s: (-shared[s], self.stories[s].seq))[:DORMANT_CANDIDATES]
        return [
            (sid, self.index.cosine(sid, vector), not self.index.live(sid, item.published)) for sid in best
        ]

    def _post_names(self, item: StoryItem, story: str) -> None:
        for name in item.names:
            posting = self.names.get(name, set())
            if posting is None:
                continue
            posting.add(story)
            self.names[name] = posting if len(posting) <= NAME_STORIES else None

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
        state.add(item, self.stats)
        self.stats.add(item)
        self._post_names(item, story)
        self.placed[item.id] = story
        self.seq += 1
        self._index(state)
        return story

    def _index(self, state: StoryState) -> None:
        self.index.put(state.id, state.head + state.body, state.first, state.last)

    def merge(self, a: str, b: str) -> str:
        """Merge two stories; the older keeps its id, which is returned."""
        sa, sb = self.stories[a], self.stories[b]
        keep, gone = (sa, sb) if sa.seq <= sb.seq else (sb, sa)
        keep.absorb(gone, self.stats)
        del self.stories[gone.id]
        self.aliases[gone.id] = keep.id
        self.index.remove(gone.id)
        self._index(keep)
        return keep.id

    def _bridged(self, story: str, item: StoryItem, scored: Sequence[Candidate]) -> tuple[str, list[str]]:
        """Merge the stories the article would also have joined, when the merge model agrees."""
        merged: list[str] = []
        for cand in scored:
            other = self.resolve(cand.story)
            if cand.probability < self._needed(cand) or other == story or other not in self.stories:
                continue
            a, b = self.stories[story], self.stories[other]
            f = merge_features(a, b, self.stats)
            if self.on_merge_check is not None:
                self.on_merge_check(a, b, f)
            model = self.models.merge if a.terms.keys() & b.terms.keys() else self.models.merge_xl
            needed = model.threshold if spans_within(a, b, self.window) else max(model.threshold, self.dormant_threshold)
            if float(model.probability(f[None, :])[0]) >= needed:
                keep = self.merge(story, other)
                merged.append(other if keep == story else story)
                story = keep
        return story, merged

    # -- the public entry points ---------------------------------------------------------------

    def assign(self, item: StoryItem) -> Placement:
        """Place one article (in publication order) and return where it went."""
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
                return Placement(item.id, original, "copy", 1.0)
        scored = self.score(item)
        if self.on_scored is not None:
            self.on_scored(item, scored)
        joinable = [c for c in scored if c.probability >= self._needed(c)]
        best = max(joinable or scored, key=lambda c: c.probability, default=None)
        if best is None or not joinable:
            story = self.place(item, None)
            return Placement(item.id, story, "new", best.probability if best else 0.0)
        story = self.place(item, best.story)
        story, merged = self._bridged(story, item, scored)
        return Placement(item.id, story, "joined", best.probability, tuple(merged))

    def assign_many(self, items: Iterable[StoryItem]) -> list[Placement]:
        """Place articles in the given order (the same as calling `assign` on each)."""
        return [self.assign(item) for item in items]


def stream_order(items: Sequence[StoryItem]) -> list[int]:
    """Publication order: dated articles by date, undated ones keep their input positions.

    The dated articles are sorted among the positions that dated articles hold in the input
    (ties in input order); no date is guessed for an undated article.
    """
    dated = sorted((i for i, it in enumerate(items) if it.published), key=lambda i: (items[i].published or "", i))
    it = iter(dated)
    return [next(it) if item.published else i for i, item in enumerate(items)]


def cluster_batch(
    items: Sequence[StoryItem],
    models: StoryModels | None = None,
    window: float | None = 14.0,
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
