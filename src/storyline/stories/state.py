"""The plain state of story clustering: stories and the corpus statistics they are judged with.

Everything here is numbers, strings and counters, so it can be written to SQLite row by row
(`storyline.stories.persist`) and read back to continue exactly where a run stopped.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from storyline.stories.item import StoryItem

# A story remembers at most this many distinct words for lexical comparison: the most frequent
# words of its members. 300 covers the vocabulary shared by its reports (names, the event's
# nouns and verbs) and bounds memory for long-running stories of thousands of articles.
MAX_STORY_TERMS = 300
# Weight of the IDF prior, in articles (see `CorpusStats.idf`). With 100, a key found in every one
# of the first 10 articles still weighs ln(111/11) = 2.3 against 4.7 for a key seen once, and the
# prior fades as the corpus grows (at 10,000 articles it changes weights by under 1%).
PRIOR_DOCS = 100


def days_between(a: str, b: str) -> float:
    """Days from ISO date `a` to ISO date `b` (negative when `b` is earlier)."""
    return float((date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days)


@dataclass
class CorpusStats:
    """How many articles mention each name, number, year and word: the rarity of evidence.

    A name shared by two articles says more the fewer articles mention it ("Izium" vs "Ukraine");
    inverse document frequencies are computed from these counts as articles arrive, so the
    weights follow the corpus the user has rather than a fixed list.
    """

    docs: int = 0
    names: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    years: Counter[str] = field(default_factory=Counter)
    terms: Counter[str] = field(default_factory=Counter)

    def add(self, item: StoryItem) -> None:
        """Count one article."""
        self.docs += 1
        self.names.update(item.names)
        self.numbers.update(item.numbers)
        self.years.update(item.years)
        self.terms.update(item.terms.keys())

    def idf(self, counts: Counter[str], key: str) -> float:
        """Inverse document frequency with a prior: ``ln((N + PRIOR_DOCS + 1) / (df + 1))``.

        The prior counts `PRIOR_DOCS` unseen articles that do not mention the key. Without it, the
        first articles of a stream get absurd weights: two reports of the same event are the whole
        corpus, so every name they share is "in every article" and weighs nothing.
        """
        return math.log((self.docs + PRIOR_DOCS + 1.0) / (1.0 + counts.get(key, 0)))


def _trimmed(terms: Counter[str], stats: CorpusStats | None) -> Counter[str]:
    """The `MAX_STORY_TERMS` words with the highest count x IDF: what TF-IDF comparisons use most.

    Keeping the most frequent words instead would keep "said" and "the" and drop the rare
    words that tell two similar events apart.
    """
    if stats is None:
        return Counter(dict(terms.most_common(MAX_STORY_TERMS)))
    ranked = sorted(terms.items(), key=lambda kv: (-kv[1] * stats.idf(stats.terms, kv[0]), kv[0]))
    return Counter(dict(ranked[:MAX_STORY_TERMS]))


@dataclass
class StoryState:
    """One story as clustering keeps it: sums and counts over its members, nothing derived.

    Attributes:
        id: stable id, made from its first article's id (kept by the older story on a merge).
        seq: arrival number of its first article: the lower, the older the story.
        members: article ids, in arrival order (merged stories' members appended).
        copies: how many members are copies of another member (they count for dates only).
        head: sum of the members' title + lead embeddings.
        body: sum of the members' body embeddings.
        names, places, people, numbers, years: in how many members each key occurs.
        terms: per language, word counts over the members (at most `MAX_STORY_TERMS` words).
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
    terms: dict[str, Counter[str]] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    first: str | None = None
    last: str | None = None

    @property
    def size(self) -> int:
        """Number of members that are not copies: the articles its evidence was counted from."""
        return len(self.members) - self.copies

    def _date(self, day: str) -> None:
        self.first = day if self.first is None or day < self.first else self.first
        self.last = day if self.last is None or day > self.last else self.last

    def add_copy(self, item: StoryItem) -> None:
        """Add a copy of a member: it extends the story's dates but adds no evidence."""
        self.members.append(item.id)
        self.copies += 1
        if item.published:
            self._date(item.published[:10])

    def add(self, item: StoryItem, stats: CorpusStats | None = None) -> None:
        """Add an article (`stats` weighs words when the word list is trimmed)."""
        self.members.append(item.id)
        self.head = item.head.copy() if self.head.size == 0 else self.head + item.head
        self.body = item.body.copy() if self.body.size == 0 else self.body + item.body
        self.names.update(item.names)
        self.places.update(item.places)
        self.people.update(item.people)
        self.numbers.update(item.numbers)
        self.years.update(item.years)
        lang = item.language or ""
        self.languages[lang] += 1
        terms = self.terms.setdefault(lang, Counter())
        terms.update(item.terms)
        if len(terms) > 2 * MAX_STORY_TERMS:
            self.terms[lang] = _trimmed(terms, stats)
        if item.published:
            self._date(item.published[:10])

    def absorb(self, other: StoryState, stats: CorpusStats | None = None) -> None:
        """Take in every member of another story (a merge)."""
        self.members.extend(other.members)
        self.copies += other.copies
        self.seq = min(self.seq, other.seq)
        self.head = self.head + other.head
        self.body = self.body + other.body
        self.names.update(other.names)
        self.places.update(other.places)
        self.people.update(other.people)
        self.numbers.update(other.numbers)
        self.years.update(other.years)
        self.languages.update(other.languages)
        for lang, terms in other.terms.items():
            mine = self.terms.setdefault(lang, Counter())
            mine.update(terms)
            if len(mine) > 2 * MAX_STORY_TERMS:
                self.terms[lang] = _trimmed(mine, stats)
        for day in (other.first, other.last):
            if day:
                self._date(day)
