"""How common a word, name or number is in general language: the prior of corpus statistics.

Story evidence weighs a shared key by its rarity (inverse document frequency). Counted in the
user's corpus alone, rarity means nothing while the corpus is small: among four articles every
word but "the" and every name is "rare", so two unrelated reports that both say "Apple",
"company" and "announced" look as if they shared distinctive evidence. A Bayesian estimate
fixes that: the rate at which documents mention a key gets a Beta prior whose mean is the key's
*background* rate, how often a news text of usual length mentions it in general language, and
whose strength is a number of documents fitted on data (``eval/stories_prior.py``). The
estimate after ``n`` documents of which ``df`` mention the key is
``(df + strength * background) / (n + strength)``: the background while the corpus is small,
the corpus's own counts once it is large.

Background frequencies come from `wordfreq` (word frequencies in about 40 languages, from
Wikipedia, subtitles, news, books and the web): a per-token frequency ``f`` becomes the chance
that a text of ``length`` tokens mentions the word, ``1 - exp(-length * f)`` (tokens drawn
independently); the fitted strength absorbs how far real news departs from that (words come in
bursts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from storyline.stories.evidence import name_key

# wordfreq's "small" lists hold every word with a frequency of at least one per million tokens;
# below that they only tell that a word is rarer. A word missing from them gets this cutoff: an
# upper bound of its frequency, so its evidence is never overstated.
FLOOR = 1e-6
# Numbers are looked up with wordfreq's model of digit strings (Benford's law for numbers, a
# fitted curve for years), which is the same in every language; English is the list it is read
# from.
_NUMBER_LANG = "en"


@lru_cache(maxsize=64)
def word_table(lang: str | None) -> dict[str, float] | None:
    """wordfreq's frequency list for a language (casefolded words), or None when it has none."""
    if not lang:
        return None
    try:
        import wordfreq

        table: dict[str, float] = wordfreq.get_frequency_dict(lang, wordlist="small")
    except (LookupError, ValueError, OSError):
        return None
    return table or None


def word_freqs(words: Sequence[str], lang: str | None) -> np.ndarray:
    """Background frequencies (per token, at least `FLOOR`) of words of one language."""
    table = word_table(lang)
    if table is None:
        return np.full(len(words), FLOOR, dtype=np.float32)
    get = table.get
    return np.fromiter((max(get(w, 0.0), FLOOR) for w in words), dtype=np.float32, count=len(words))


@lru_cache(maxsize=4096)
def number_freq(key: str) -> float:
    """Background frequency of a number or year as written in news (at least `FLOOR`)."""
    import wordfreq

    return max(float(wordfreq.word_frequency(key, _NUMBER_LANG, wordlist="small")), FLOOR)


@lru_cache(maxsize=64)
def _name_words(lang: str) -> dict[str, float]:
    """A language's word list in the form of name keys (folded, accents removed)."""
    table = word_table(lang) or {}
    out: dict[str, float] = {}
    for word, f in table.items():
        key = word if word.isascii() else name_key(word)
        if f > out.get(key, 0.0):
            out[key] = f
    return out


class NameFreqs:
    """Background frequencies of name keys, from the word lists of the languages in the corpus.

    A name key carries no language (names are compared across languages), so its frequency is
    the highest it has in any language of the corpus: "Apple" is common in English even in a
    Spanish report. A name of several words is as rare as wordfreq makes a phrase: the
    frequencies combine as ``1/f = sum(1/f_i)``, dominated by the rarest word.
    """

    def __init__(self, languages: Iterable[str] = ()) -> None:
        self.languages: set[str] = set()
        self._table: dict[str, float] = {}
        for lang in sorted(languages):
            self.add_language(lang)

    def add_language(self, lang: str | None) -> None:
        """Take in a language's word list (once)."""
        if not lang or lang in self.languages:
            return
        self.languages.add(lang)
        table = self._table
        for word, f in _name_words(lang).items():
            if f > table.get(word, 0.0):
                table[word] = f

    def freq(self, key: str) -> float:
        """Background frequency of a name key (at least `FLOOR`)."""
        get = self._table.get
        if " " not in key:
            return max(get(key, 0.0), FLOOR)
        return 1.0 / sum(1.0 / max(get(w, 0.0), FLOOR) for w in key.split())


@dataclass(frozen=True)
class KeyPrior:
    """The Beta prior of the document rate of one kind of key.

    Attributes:
        length: tokens of a document in which the key could occur (the ``length`` of the
            module docstring), fitted.
        strength: weight of the background rate, in documents, fitted.
    """

    length: float
    strength: float

    def rate(self, freq: float) -> float:
        """Background rate of documents mentioning a key of that per-token frequency."""
        return -math.expm1(-self.length * freq)

    def rates(self, freqs: np.ndarray) -> np.ndarray:
        """`rate` of an array of frequencies."""
        return -np.expm1(-self.length * np.asarray(freqs, dtype=np.float64))

    def idf(self, df: float, docs: int, freq: float) -> float:
        """``-ln`` of the posterior mean rate, given `df` of `docs` documents mention the key."""
        m = self.strength
        return math.log((docs + m) / (df + m * self.rate(freq)))

    def idfs(self, df: np.ndarray, docs: int, freqs: np.ndarray) -> np.ndarray:
        """`idf` of arrays (float64)."""
        m = self.strength
        return np.log(docs + m) - np.log(np.asarray(df, dtype=np.float64) + m * self.rates(freqs))

    def to_dict(self) -> dict[str, float]:
        """JSON form."""
        return {"length": round(self.length, 3), "strength": round(self.strength, 3)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> KeyPrior:
        """Read the form of `to_dict`."""
        return cls(float(d["length"]), float(d["strength"]))


@dataclass(frozen=True)
class Priors:
    """The priors of the four kinds of evidence counted in a corpus.

    Attributes:
        terms: words of the headline and body start.
        names: names of people, places, organisations.
        numbers: numbers and years.
    """

    terms: KeyPrior
    names: KeyPrior
    numbers: KeyPrior

    def to_dict(self) -> dict[str, dict[str, float]]:
        """JSON form."""
        return {"terms": self.terms.to_dict(), "names": self.names.to_dict(), "numbers": self.numbers.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Priors:
        """Read the form of `to_dict`."""
        return cls(
            KeyPrior.from_dict(d["terms"]), KeyPrior.from_dict(d["names"]), KeyPrior.from_dict(d["numbers"])
        )


# Used until fitted priors are given (e.g. by a test building a bare `CorpusStats`): a text of
# 300 tokens, and a prior worth 100 documents.
DEFAULT_PRIORS = Priors(KeyPrior(300.0, 100.0), KeyPrior(300.0, 100.0), KeyPrior(300.0, 100.0))
