"""The plain state of story clustering: stories and the corpus statistics they are judged with.

Everything here is numbers, strings, counters and numpy arrays, so it can be written to SQLite
row by row (`storyline.stories.persist`) and read back to continue exactly where a run stopped.
"""

from __future__ import annotations

import math
from collections import Counter, _count_elements  # type: ignore[attr-defined]
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import numpy as np

from storyline.stories.item import StoryItem
from storyline.stories.terms import DF_BITS, DF_MASK, TermVector, count_once

# A story remembers at most this many distinct words per language for lexical comparison: those
# with the highest summed TF-IDF. 300 covers the vocabulary its reports share (names, the event's
# nouns and verbs) and bounds memory for long-running stories of thousands of articles.
MAX_STORY_TERMS: Final = 300
# Weight of the IDF prior, in articles (see `CorpusStats.idf`). With 100, a key found in every one
# of the first 10 articles still weighs ln(111/11) = 2.3 against 4.7 for a key seen once, and the
# prior fades as the corpus grows (at 10,000 articles it changes weights by under 1%).
PRIOR_DOCS: Final = 100


def days_between(a: str, b: str) -> float:
    """Days from ISO date `a` to ISO date `b` (negative when `b` is earlier)."""
    return float((date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days)


@dataclass
class CorpusStats:
    """How many articles mention each name, number, year and word: the rarity of evidence.

    A name shared by two articles says more the fewer articles mention it ("Izium" vs "Ukraine");
    inverse document frequencies are computed from these counts as articles arrive, so the
    weights follow the corpus the user has rather than a fixed list. Words are counted in hash
    buckets (`storyline.stories.terms`).
    """

    docs: int = 0
    names: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    years: Counter[str] = field(default_factory=Counter)
    terms: np.ndarray = field(default_factory=lambda: np.zeros(1 << DF_BITS, dtype=np.int32), repr=False)
    # Buckets of `terms` changed since the state was last saved (None: not recorded).
    touched: list[np.ndarray] | None = field(default=None, repr=False, compare=False)

    def add(self, item: StoryItem, buckets: np.ndarray | None = None) -> None:
        """Count one article.

        Args:
            item: the article.
            buckets: ``buckets(item.term_ids)``, if already computed.
        """
        self.docs += 1
        # `Counter.update` without its argument checks: the same counts, called for every article.
        _count_elements(self.names, item.names)
        _count_elements(self.numbers, item.numbers)
        _count_elements(self.years, item.years)
        if item.term_ids.size:
            if buckets is None:
                buckets = self.buckets(item.term_ids)
            # Two words of one article rarely share a bucket; when they do it is counted once.
            count_once(self.terms, buckets)
            if self.touched is not None:
                self.touched.append(buckets)

    @staticmethod
    def buckets(ids: np.ndarray) -> np.ndarray:
        """The document-frequency buckets of word ids (`terms` indices, int64)."""
        return np.bitwise_and(ids, DF_MASK, dtype=np.int64)

    def idf(self, counts: Counter[str], key: str) -> float:
        """Inverse document frequency with a prior: ``ln((N + PRIOR_DOCS + 1) / (df + 1))``.

        The prior counts `PRIOR_DOCS` unseen articles that do not mention the key. Without it, the
        first articles of a stream get absurd weights: two reports of the same event are the whole
        corpus, so every name they share is "in every article" and weighs nothing.
        """
        return math.log((self.docs + PRIOR_DOCS + 1.0) / (1.0 + counts.get(key, 0)))

    def term_idf(self, ids: np.ndarray) -> np.ndarray:
        """`idf` of word ids, as float32."""
        return self.bucket_idf(self.buckets(ids))

    def bucket_idf(self, buckets: np.ndarray) -> np.ndarray:
        """`idf` of words by their `buckets`, as float32."""
        idf = np.log1p(self.terms[buckets], dtype=np.float32)
        return np.subtract(math.log(self.docs + PRIOR_DOCS + 1.0), idf, out=idf)


@dataclass(slots=True)
class StoryState:
    """One story as clustering keeps it: sums and counts over its members, nothing derived.

    Attributes:
        id: stable id, made from its first article's id (kept by the older story on a merge).
        seq: arrival number of its first article: the lower, the older the story.
        members: article ids, in arrival order (merged stories' members appended).
        copies: how many members are copies of another member (they count for dates only).
        head: sum of the members' title + lead embeddings (float32).
        body: sum of the members' body embeddings (float32).
        names, places, people, numbers, years: in how many members each key occurs.
        terms: per language, the sum of the members' TF-IDF word vectors (each weighted with the
            IDF of when it arrived), trimmed to `MAX_STORY_TERMS` words.
        languages: members per language.
        first, last: earliest and latest known publication dates, None when no member is dated.
    """

    id: str
    seq: int = 0
    members: list[str] = field(default_factory=list)
    copies: int = 0
    head: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    body: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    names: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    people: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    years: Counter[str] = field(default_factory=Counter)
    terms: dict[str, TermVector] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    first: str | None = None
    last: str | None = None
    # (head, body, |head|, |body|) as last computed: valid while those very arrays are the sums
    # (`add` and `absorb` replace them, never change them in place).
    _norms: tuple[np.ndarray, np.ndarray, float, float] | None = field(
        default=None, repr=False, compare=False
    )
    # The shortlist `core_names` finds the core names in: (number of members when made, floor,
    # the names counted in `floor` members or more in `names` order, number of members when last
    # filtered, the core names then).
    _core_shortlist: tuple[int, float, list[str], int, list[str]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def size(self) -> int:
        """Number of members that are not copies: the articles its evidence was counted from."""
        return len(self.members) - self.copies

    def vector(self) -> np.ndarray:
        """The direction stories are searched by: head + body sums."""
        return self.head + self.body

    def norms(self) -> tuple[float, float]:
        """Euclidean norms of the `head` and `body` sums (cached until the story changes)."""
        cached = self._norms
        if cached is None or cached[0] is not self.head or cached[1] is not self.body:
            head, body = self.head, self.body
            cached = self._norms = (head, body, float(np.sqrt(head @ head)), float(np.sqrt(body @ body)))
        return cached[2], cached[3]

    def core_names(self) -> list[str]:
        """Names used by at least half the members, in `names` order.

        A long story has thousands of names (each report adds its own), few of them core, and its
        core changes with every report, while it is scored again at the next one: scanning all
        names each time made the cost grow with the square of the story's size. Instead the names
        counted in a quarter of the members or more are kept as a shortlist. A count grows by at
        most one per member added (an article counts each name once, a merge adds the other
        story's counts and members), so a name now in half the members, ``count >= size / 2``,
        was counted ``size / 2 - added`` times or more when the shortlist was made: while that
        bound stays at or above the shortlist's floor, the shortlist holds every core name.
        Filtering it keeps the order of `names`. The result is kept until a member is added
        (every change to a story adds members).
        """
        members = len(self.members)
        short = self._core_shortlist
        if short is not None and short[3] == members:
            return short[4]
        size = self.size
        need = size / 2.0
        if short is None or need - (members - short[0]) < short[1]:
            floor = size / 4.0
            made, shortlist = members, [k for k, c in self.names.items() if c >= floor]
        else:
            made, floor, shortlist = short[0], short[1], short[2]
        names = self.names
        core = [k for k in shortlist if names[k] >= need]
        self._core_shortlist = (made, floor, shortlist, members, core)
        return core

    def _date(self, day: str) -> None:
        self.first = day if self.first is None or day < self.first else self.first
        self.last = day if self.last is None or day > self.last else self.last

    def add_copy(self, item: StoryItem) -> None:
        """Add a copy of a member: it extends the story's dates but adds no evidence."""
        self.members.append(item.id)
        self.copies += 1
        if item.published:
            self._date(item.published[:10])

    def add(self, item: StoryItem, words: TermVector | None = None) -> None:
        """Add an article.

        Args:
            item: the article.
            words: its TF-IDF word vector (the clusterer weighs it with the current IDF).
        """
        self.members.append(item.id)
        self.head = self.head + item.head if self.head.size else np.array(item.head, dtype=np.float32)
        self.body = self.body + item.body if self.body.size else np.array(item.body, dtype=np.float32)
        _count_elements(self.names, item.names)
        _count_elements(self.places, item.places)
        _count_elements(self.people, item.people)
        _count_elements(self.numbers, item.numbers)
        _count_elements(self.years, item.years)
        lang = item.language or ""
        self.languages[lang] += 1
        if words is not None and len(words):
            mine = self.terms.get(lang)
            self.terms[lang] = words if mine is None else mine.plus(words, MAX_STORY_TERMS)
        if item.published:
            self._date(item.published[:10])

    def absorb(self, other: StoryState) -> None:
        """Take in every member of another story (a merge)."""
        self.members.extend(other.members)
        self.copies += other.copies
        self.seq = min(self.seq, other.seq)
        self.head = _add(self.head, other.head)
        self.body = _add(self.body, other.body)
        _add_counts(self.names, other.names)
        _add_counts(self.places, other.places)
        _add_counts(self.people, other.people)
        _add_counts(self.numbers, other.numbers)
        _add_counts(self.years, other.years)
        _add_counts(self.languages, other.languages)
        for lang, vec in other.terms.items():
            mine = self.terms.get(lang)
            self.terms[lang] = vec if mine is None else mine.plus(vec, MAX_STORY_TERMS)
        for day in (other.first, other.last):
            if day:
                self._date(day)


def _add_counts(total: Counter[str], counts: Counter[str]) -> None:
    """`Counter.update` with another counter: the same counts in the same key order.

    Written out because `Counter.update` loops in interpreted Python, while this loop is compiled
    (see setup.py); a merge adds up every counter of a story, some with thousands of keys.
    """
    get = total.get
    for key, c in counts.items():
        total[key] = get(key, 0) + c


def _add(total: np.ndarray, vector: np.ndarray) -> np.ndarray:
    if total.size == 0:
        return np.array(vector, dtype=np.float32)
    return total + vector
