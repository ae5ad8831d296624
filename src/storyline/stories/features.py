"""The evidence that an article belongs to a story, or that two stories are one, as numbers.

Each feature compares aggregates (sums and counts over a story's members), so the cost does not
grow with a story's size. The link models (`storyline.stories.model`) weigh them; the weights
are fitted on labelled data by ``eval/fit_stories.py``.

Evidence that needs something on both sides (names, numbers, words in the same language) is
signed: +1 when it all agrees, -1 when none of it does, and 0 when either side has none. No
feature says *whether* something is known: whether an article carries a date or a number says
how it was collected, not which event it reports, and a model that learns from it fails on the
next collection. Publication dates are not a feature at all: they gate candidates instead (a
story goes dormant, see `storyline.stories.index`), because no public labelled collection pairs
dates with similar events in a way a model could learn the effect from without also learning
how that collection was put together.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from storyline.stories.item import StoryItem
from storyline.stories.state import CorpusStats, StoryState

JOIN_FEATURES: tuple[str, ...] = (
    "head",  # cosine of the title + lead embedding with the story's mean
    "body",  # cosine of the body embedding with the story's mean
    "names",  # share of the article's names (IDF-weighted) that the story's members use
    "core_names",  # share of the story's core names (in half its members or more) the article uses
    "places",  # share of the article's places that the story's members name
    "people",  # share of the article's people that the story's members name
    "title_names",  # share of the names in the article's headline that the story's members use
    "numbers",  # share of the article's numbers that the story's members state
    "years",  # share of the article's years that the story's members mention
    "terms",  # TF-IDF cosine with the story's words in the article's language (0 if none)
    "size",  # log of the story's size
)

MERGE_FEATURES: tuple[str, ...] = (
    "head",  # cosine of the two stories' mean title + lead embeddings
    "body",  # cosine of the two stories' mean body embeddings
    "names",  # IDF-weighted cosine of how often each name occurs in each story
    "places",
    "people",
    "numbers",
    "years",
    "terms",  # TF-IDF cosine of the words, averaged over the languages both stories have
    "min_size",  # log of the smaller story's size
    "max_size",  # log of the larger story's size
)


def unit_dot(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two vectors (0 when either is zero)."""
    na = float(np.linalg.norm(a))
    nb = float(np.linalg.norm(b))
    return float(a @ b) / (na * nb) if na > 0 and nb > 0 else 0.0


def coverage(keys: Iterable[str], counts: Mapping[str, int], size: int, stats: CorpusStats, df: Counter[str]) -> float:
    """IDF-weighted share of `keys` found in the story, each weighted by how many members use it.

    Signed: -1 when none of the keys occurs in the story, +1 when every key occurs in every
    member, 0 when there are no keys or the story has none.
    """
    if not counts:
        return 0.0
    num = den = 0.0
    for key in keys:
        w = stats.idf(df, key)
        den += w
        c = counts.get(key)
        if c:
            num += w * c / size
    return 2.0 * num / den - 1.0 if den > 0 else 0.0


def core_coverage(keys: frozenset[str], counts: Mapping[str, int], size: int, stats: CorpusStats) -> float:
    """IDF-weighted share of the story's core names (used by half its members or more) in `keys`.

    Signed like `coverage`: 0 when the article or the story names nobody.
    """
    if not keys:
        return 0.0
    need = size / 2.0
    num = den = 0.0
    for key, c in counts.items():
        if c >= need:
            w = stats.idf(stats.names, key)
            den += w
            if key in keys:
                num += w
    return 2.0 * num / den - 1.0 if den > 0 else 0.0


def _tf(count: float) -> float:
    # Sublinear term frequency: the tenth mention of a word adds less than the second.
    return 1.0 + math.log(count) if count > 0 else 0.0


def weighted_cosine(
    a: Mapping[str, float], b: Mapping[str, float], stats: CorpusStats, df: Counter[str], sublinear: bool = False
) -> float:
    """Cosine of two count vectors with every key weighted by its IDF (0 when either is empty)."""
    if not a or not b:
        return 0.0
    idf = stats.idf
    f = _tf if sublinear else float
    dot = 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    for key, c in small.items():
        d = large.get(key)
        if d:
            w = idf(df, key)
            dot += w * w * f(c) * f(d)
    if dot <= 0:
        return 0.0
    na = math.sqrt(sum((idf(df, k) * f(c)) ** 2 for k, c in a.items()))
    nb = math.sqrt(sum((idf(df, k) * f(c)) ** 2 for k, c in b.items()))
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def term_cosine(item: StoryItem, story: StoryState, stats: CorpusStats) -> float:
    """TF-IDF cosine of the article's words with the story's words in the same language."""
    terms = story.terms.get(item.language or "")
    if not terms:
        return 0.0
    return weighted_cosine(item.terms, terms, stats, stats.terms, sublinear=True)


def join_features(item: StoryItem, story: StoryState, stats: CorpusStats) -> np.ndarray:
    """The `JOIN_FEATURES` of an article against a candidate story."""
    size = story.size
    return np.array(
        [
            unit_dot(item.head, story.head),
            unit_dot(item.body, story.body),
            coverage(item.names, story.names, size, stats, stats.names),
            core_coverage(item.names, story.names, size, stats),
            coverage(item.places, story.places, size, stats, stats.names),
            coverage(item.people, story.people, size, stats, stats.names),
            coverage(item.title_names, story.names, size, stats, stats.names),
            coverage(item.numbers, story.numbers, size, stats, stats.numbers),
            coverage(item.years, story.years, size, stats, stats.years),
            term_cosine(item, story, stats),
            math.log(size),
        ],
        dtype=np.float64,
    )


def _shared_terms(a: StoryState, b: StoryState, stats: CorpusStats) -> float:
    langs = [lang for lang in a.terms if lang in b.terms]
    if not langs:
        return 0.0
    return sum(weighted_cosine(a.terms[x], b.terms[x], stats, stats.terms, sublinear=True) for x in langs) / len(
        langs
    )


def merge_features(a: StoryState, b: StoryState, stats: CorpusStats) -> np.ndarray:
    """The `MERGE_FEATURES` of two stories."""
    return np.array(
        [
            unit_dot(a.head, b.head),
            unit_dot(a.body, b.body),
            weighted_cosine(a.names, b.names, stats, stats.names),
            weighted_cosine(a.places, b.places, stats, stats.names),
            weighted_cosine(a.people, b.people, stats, stats.names),
            weighted_cosine(a.numbers, b.numbers, stats, stats.numbers),
            weighted_cosine(a.years, b.years, stats, stats.years),
            _shared_terms(a, b, stats),
            math.log(min(a.size, b.size)),
            math.log(max(a.size, b.size)),
        ],
        dtype=np.float64,
    )
