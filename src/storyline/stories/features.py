"""The evidence that an article belongs to a story, or that two stories are one, as numbers.

Each feature compares aggregates (sums and counts over a story's members), so the cost does not
grow with a story's size. The link models (`storyline.stories.model`) weigh them; the weights
are fitted on labelled data by ``eval/fit_stories.py``.

Evidence that needs something on both sides (names, numbers, words in the same language) is
signed: +1 when it all agrees, -1 when none of it does, and 0 when either side has none. No
feature says *whether* something is known: whether an article carries a date or a number says
how it was collected, not which event it reports, and a model that learns from it fails on the
next collection. Publication dates enter twice: they decide which stories are live (see
`storyline.stories.index`), and the number of days between two *known* dates is a feature
(`time_evidence`); an unknown date gives the values of a same-day report, so the feature can
only say "this much time passed", never "this one was dated".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

import numpy as np

from storyline.stories.index import day_number
from storyline.stories.item import StoryItem
from storyline.stories.state import PRIOR_DOCS, CorpusStats, StoryState
from storyline.stories.terms import TermVector

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
    "names_any",  # share of the article's names (IDF-weighted) that any of the story's members uses
    "people_any",  # the same for people
    "size",  # log of the story's size
    "gap",  # log(1 + days) between the article's date and the story's reports, up to `RECENT_DAYS`
    "late",  # log(1 + days) beyond `RECENT_DAYS`; both 0 unless both sides are dated
)

# Features whose fitted weight may not be positive: more time between two reports can only make
# them less likely to be one event (`eval/fit_stories.py` fits them with that bound). Together
# they make the time evidence a monotone, piecewise-linear function of log(1 + days).
TIME_FEATURES: tuple[str, ...] = ("gap", "late")
NON_POSITIVE: frozenset[str] = frozenset(TIME_FEATURES)
# Where the time evidence may change slope: two weeks, the usual life of a breaking story (the
# default dormancy window, `StoryConfig.dormant_days`). Fitted on ECB+ (see `fit_time` in
# eval/fit_stories.py), both slopes come out negative in every held-out fold.
RECENT_DAYS = 14

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
    "gap",  # log(1 + days) between the two stories' date spans, up to `RECENT_DAYS`
    "late",  # log(1 + days) beyond `RECENT_DAYS`; both 0 unless both stories are dated
)


def unit_dot(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of two float32 vectors (0 when either is zero)."""
    na = float(np.sqrt(a @ a))
    nb = float(np.sqrt(b @ b))
    return float(a @ b) / (na * nb) if na > 0 and nb > 0 else 0.0


class ArticleEvidence:
    """An article's keys with their IDF weights, computed once and compared with every candidate.

    Args:
        item: the article.
        stats: the corpus statistics at its arrival.
    """

    __slots__ = (
        "buckets",
        "embeddings",
        "item",
        "names",
        "numbers",
        "people",
        "places",
        "title_names",
        "words",
        "years",
    )

    def __init__(self, item: StoryItem, stats: CorpusStats) -> None:
        self.item = item
        top = math.log(stats.docs + PRIOR_DOCS + 1.0)
        log = math.log
        df = stats.names.get
        if item.tagged:
            self.names = {k: top - log(1.0 + df(k, 0)) for k in item.names}
        else:
            # Capitalised runs found without a tagger count once another article used them too:
            # a real name recurs across reports and languages, a capitalised common noun rarely
            # does, and an unseen one would weigh most of all.
            seen = stats.names
            self.names = {k: top - log(1.0 + seen[k]) for k in item.names if seen.get(k, 0) > 0}
        self.places = {k: self.names[k] for k in item.places if k in self.names}
        self.people = {k: self.names[k] for k in item.people if k in self.names}
        self.title_names = {k: self.names[k] for k in item.title_names if k in self.names}
        df = stats.numbers.get
        self.numbers = {k: top - log(1.0 + df(k, 0)) for k in item.numbers}
        df = stats.years.get
        self.years = {k: top - log(1.0 + df(k, 0)) for k in item.years}
        self.buckets = stats.buckets(item.term_ids)
        # TF x IDF, written into the fresh IDF array.
        words = stats.bucket_idf(self.buckets)
        np.multiply(words, item.term_tf, out=words, dtype=np.float32)
        self.words = TermVector(item.term_ids, words, float(words @ words))
        # Both embeddings as the rows of one matrix: compared with every candidate in one product.
        self.embeddings = np.array((item.head, item.body), dtype=np.float32)


def coverage(weights: Mapping[str, float] | Mapping[int, float], counts: Mapping, size: int) -> float:
    """IDF-weighted share of the article's keys found in the story, each weighted by how many members use it.

    Signed: -1 when none of the keys occurs in the story, +1 when every key occurs in every
    member, 0 when the article or the story has no key.

    Args:
        weights: the article's keys and their IDF weights.
        counts: in how many of the story's members each key occurs.
        size: the story's size.
    """
    if not counts or not weights:
        return 0.0
    num = den = 0.0
    for key, w in weights.items():
        den += w
        c = counts.get(key)
        if c:
            num += w * c
    return 2.0 * num / (den * size) - 1.0 if den > 0 else 0.0


def presence(weights: Mapping[str, float], counts: Mapping[str, int]) -> float:
    """IDF-weighted share of the article's keys that occur in the story at all, signed like `coverage`.

    `coverage` weighs a key by the share of members using it, so in a long story a name that one
    report in ten gave (the second suspect, the venue) counts little; here any use counts in
    full. The two answer different questions: is the story about what the article names, and has
    the story ever named it. A report naming someone the story never mentioned (another
    defendant, another opponent) is a sign of a similar but other event.

    Args:
        weights: the article's keys and their IDF weights.
        counts: in how many of the story's members each key occurs.
    """
    if not counts or not weights:
        return 0.0
    num = den = 0.0
    for key, w in weights.items():
        den += w
        if key in counts:
            num += w
    return 2.0 * num / den - 1.0 if den > 0 else 0.0


def core_coverage(ev: ArticleEvidence, story: StoryState, stats: CorpusStats) -> float:
    """IDF-weighted share of the story's core names (used by half its members or more) in the article.

    Signed like `coverage`: 0 when the article or the story names nobody.
    """
    return core_coverages(ev, [story], stats)[0]


def core_coverages(ev: ArticleEvidence, stories: list[StoryState], stats: CorpusStats) -> list[float]:
    """`core_coverage` of the article against several stories at once (the same numbers)."""
    if not ev.names:
        return [0.0] * len(stories)
    article = ev.names
    # `CorpusStats.idf`, written out: it is evaluated for every core name of every candidate.
    total = stats.docs + PRIOR_DOCS + 1.0
    get = stats.names.get
    log = math.log
    out: list[float] = []
    for story in stories:
        num = den = 0.0
        for key in story.core_names():
            w = log(total / (1.0 + get(key, 0)))
            den += w
            if key in article:
                num += w
        out.append(2.0 * num / den - 1.0 if den > 0 else 0.0)
    return out


def embedding_cosines(ev: ArticleEvidence, stories: list[StoryState]) -> tuple[list[float], list[float]]:
    """Cosines of the article's head and body embeddings with each story's head and body sums.

    The article's embeddings are unit vectors (`StoryItem`); a story's norms are cached until it
    changes (`StoryState.norms`). All dot products are one matrix product.
    """
    k = len(stories)
    sums = np.array([s.head for s in stories] + [s.body for s in stories], dtype=np.float32)
    dots = (sums @ ev.embeddings.T).tolist()
    heads: list[float] = []
    bodies: list[float] = []
    for i, story in enumerate(stories):
        nh, nb = story.norms()
        heads.append(dots[i][0] / nh if nh > 0 else 0.0)
        bodies.append(dots[k + i][1] / nb if nb > 0 else 0.0)
    return heads, bodies


def time_evidence(days: int | None) -> tuple[float, float]:
    """The `TIME_FEATURES` of a number of days between two reports (None: a date is unknown).

    Only a gap between two known dates is evidence: an unknown date says nothing about time, and
    gives the same values as reports of the same day (whether a date is known says how a text
    was collected, not which event it reports).
    """
    if not days:
        return 0.0, 0.0
    return math.log1p(min(days, RECENT_DAYS)), math.log1p(max(days - RECENT_DAYS, 0))


def day_gap(day: str | None, first: str | None, last: str | None) -> int | None:
    """Days from a date to a span of dates (0 inside it); None when the date or the span is unknown."""
    if not day or first is None or last is None:
        return None
    d = day_number(day)
    return max(0, day_number(first) - d, d - day_number(last))


def term_cosines(words: TermVector, others: list[TermVector | None]) -> list[float]:
    """TF-IDF cosine of the article's words with each story's words in its language (0 if none)."""
    # `TermVector.cosine` for each story, its tests on the article's side made once. One search
    # per story: a story keeps up to 3 x `MAX_STORY_TERMS` words between trims, so searching all
    # candidates' words at once in the article's costs more than the array calls it saves.
    if words.norm2 <= 0:
        return [0.0] * len(others)
    norm2 = words.norm2
    dot = words.dot
    sqrt = math.sqrt
    return [dot(o) / sqrt(norm2 * o.norm2) if o is not None and o.norm2 > 0 else 0.0 for o in others]


def _article_side(weights: Mapping[str, float]) -> tuple[list[tuple[str, float]], float] | None:
    """An article's keys and weights with their sum: its side of `coverage` and `presence`.

    None when they give 0 for every story (no key, or no positive weight).
    """
    if not weights:
        return None
    den = 0.0
    for w in weights.values():
        den += w
    return (list(weights.items()), den) if den > 0 else None


def _cover(side: tuple[list[tuple[str, float]], float] | None, counts: Mapping[str, int], size: int) -> float:
    """`coverage` of an article's keys (`_article_side`) against one story: the same sums."""
    if side is None or not counts:
        return 0.0
    get = counts.get
    num = 0.0
    for key, w in side[0]:
        c = get(key)
        if c:
            num += w * c
    return 2.0 * num / (side[1] * size) - 1.0


def _cover_and_presence(
    side: tuple[list[tuple[str, float]], float] | None, counts: Mapping[str, int], size: int
) -> tuple[float, float]:
    """`coverage` and `presence` of the same keys against one story, in one pass over the keys.

    Each of the two sums takes the same terms in the same order as on its own; a key in the
    story's counter always has a positive count (counters here are only ever added to).
    """
    if side is None or not counts:
        return 0.0, 0.0
    get = counts.get
    num = anywhere = 0.0
    for key, w in side[0]:
        c = get(key)
        if c is not None:
            anywhere += w
            if c:
                num += w * c
    den = side[1]
    return 2.0 * num / (den * size) - 1.0, 2.0 * anywhere / den - 1.0


def join_rows(ev: ArticleEvidence, stories: list[StoryState], stats: CorpusStats) -> list[list[float]]:
    """The `JOIN_FEATURES` of an article (its `ArticleEvidence`) against candidate stories, one row each.

    The article's side of every comparison is prepared once per article; then each candidate's
    row is made in one pass. Every value is the same number as the per-feature functions
    (`coverage`, `presence`, `core_coverage`, `TermVector.cosine`, `time_evidence`) give: the
    same sums in the same order.
    """
    item = ev.item
    lang = item.language or ""
    heads, bodies = embedding_cosines(ev, stories)
    cores = core_coverages(ev, stories, stats)
    terms = term_cosines(ev.words, [s.terms.get(lang) for s in stories])
    names = _article_side(ev.names)
    places = _article_side(ev.places)
    people = _article_side(ev.people)
    title_names = _article_side(ev.title_names)
    numbers = _article_side(ev.numbers)
    years = _article_side(ev.years)
    day = day_number(item.published) if item.published else None
    log, log1p = math.log, math.log1p
    out: list[list[float]] = []
    for i, s in enumerate(stories):
        size = s.size
        story_names = s.names
        names_cover, names_any = _cover_and_presence(names, story_names, size)
        people_cover, people_any = _cover_and_presence(people, s.people, size)
        # `time_evidence(day_gap(...))`, with the article's day parsed once.
        gap = late = 0.0
        if day is not None and s.first is not None and s.last is not None:
            days = max(0, day_number(s.first) - day, day - day_number(s.last))
            if days:
                gap, late = log1p(min(days, RECENT_DAYS)), log1p(max(days - RECENT_DAYS, 0))
        out.append(
            [
                heads[i],
                bodies[i],
                names_cover,
                cores[i],
                _cover(places, s.places, size),
                people_cover,
                _cover(title_names, story_names, size),
                _cover(numbers, s.numbers, size),
                _cover(years, s.years, size),
                terms[i],
                names_any,
                people_any,
                log(size),
                gap,
                late,
            ]
        )
    return out


def weighted_cosine(
    a: Mapping[str, int],
    b: Mapping[str, int],
    stats: CorpusStats,
    df: Counter[str],
    idf: dict[str, float] | None = None,
) -> float:
    """Cosine of two count vectors with every key weighted by its IDF (0 when either is empty).

    Args:
        a: one count vector.
        b: the other.
        stats: the corpus statistics (number of articles).
        df: document frequencies of the keys.
        idf: the IDF of keys already computed from `df` with these `stats`, filled in here:
            the places and people of two stories are among their names, so the three share it.
    """
    if not a or not b:
        return 0.0
    total = stats.docs + PRIOR_DOCS + 1.0
    known = {} if idf is None else idf
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = 0.0
    for key, c in small.items():
        d = large.get(key)
        if d:
            w = _idf(known, key, total, df)
            dot += w * w * c * d
    if dot <= 0:
        return 0.0
    norms: list[float] = []
    for counts in (a, b):
        n2 = 0.0  # squares summed in key order
        for key, c in counts.items():
            x = _idf(known, key, total, df) * c
            n2 += x * x
        norms.append(math.sqrt(n2))
    na, nb = norms
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def _idf(known: dict[str, float], key: str, total: float, df: Mapping[str, int]) -> float:
    """`CorpusStats.idf` of a key with ``total = docs + PRIOR_DOCS + 1``, kept in `known`.

    A module function rather than one nested in `weighted_cosine`: compiled (see setup.py), a
    nested function is a Python object called through the interpreter, for every key.
    """
    w = known.get(key)
    if w is None:
        w = known[key] = math.log(total / (1.0 + df.get(key, 0)))
    return w


def _shared_terms(a: StoryState, b: StoryState) -> float:
    langs = [lang for lang in a.terms if lang in b.terms]
    if not langs:
        return 0.0
    return sum(a.terms[x].cosine(b.terms[x]) for x in langs) / len(langs)


def _span_gap(a: StoryState, b: StoryState) -> int | None:
    if a.first is None or a.last is None or b.first is None or b.last is None:
        return None
    return max(0, day_number(b.first) - day_number(a.last), day_number(a.first) - day_number(b.last))


def merge_features(a: StoryState, b: StoryState, stats: CorpusStats) -> np.ndarray:
    """The `MERGE_FEATURES` of two stories."""
    names: dict[str, float] = {}
    return np.array(
        [
            unit_dot(a.head, b.head),
            unit_dot(a.body, b.body),
            weighted_cosine(a.names, b.names, stats, stats.names, names),
            weighted_cosine(a.places, b.places, stats, stats.names, names),
            weighted_cosine(a.people, b.people, stats, stats.names, names),
            weighted_cosine(a.numbers, b.numbers, stats, stats.numbers),
            weighted_cosine(a.years, b.years, stats, stats.years),
            _shared_terms(a, b),
            math.log(min(a.size, b.size)),
            math.log(max(a.size, b.size)),
            *time_evidence(_span_gap(a, b)),
        ],
        dtype=np.float64,
    )
