"""The story's sentences, which of them are article prose, and their lexical similarity (TF-IDF).

Sentence similarity uses TF-IDF vectors rather than the sentence encoder: a 50-article story
has ~1,500 sentences, which the encoder (~24 paragraphs/s on 2 cores) would need a minute to
embed, while TF-IDF takes milliseconds. Cross-language checks are left to the encoder on the
few sentences that get selected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from storyline.enrich.analysis import ArticleAnalysis
from storyline.text import words
from storyline.types import Article

# A summary or timeline sentence is a sentence a person would write: not a menu, caption credit
# or a page dump run together. News sentences are 5-60 words (longer "sentences" are leftover
# page text without punctuation).
MIN_WORDS = 6
MAX_WORDS = 60
# Share of words starting with a capital above which a "sentence" is a menu or a list of names
# (title-case headlines and navigation bars score 0.6-1.0, news prose 0.1-0.3).
MAX_CAPITALISED = 0.5
# Below this many words the share is noisy: a short sentence may be mostly names.
SHORT_WORDS = 10
MAX_CAPITALISED_SHORT = 0.75
# Prose sentences come in runs: a lone one between boilerplate is a caption or a teaser.
MIN_RUN = 2
# The body starts at the first run of this many prose sentences; prose-like lines before it are
# page furniture (teasers, video titles), so the lead is counted from there.
BODY_RUN = 3
_END_RE = re.compile(r"[.!?…。！？][\"'”’»)]*$|[\"”’»]$")


@dataclass(frozen=True, slots=True)
class StorySentence:
    """One sentence of one member article.

    Attributes:
        article: article id.
        index: position among the article's sentences.
        position: position among the article's prose sentences (0 = lead), -1 if not prose.
        start, end: character offsets in the article text.
        text: the sentence.
        prose: whether it reads as article prose (see `is_prose`).
    """

    article: str
    index: int
    position: int
    start: int
    end: int
    text: str
    prose: bool


def is_prose(text: str) -> bool:
    """Whether a sentence reads as article prose (not navigation, credits, captions run together)."""
    tokens = text.split()
    if not MIN_WORDS <= len(tokens) <= MAX_WORDS:
        return False
    if not _END_RE.search(text.strip()):
        return False
    cased = [t for t in tokens if t[:1].isalpha() and (t[:1].isupper() or t[:1].islower())]
    if cased:
        capitalised = sum(1 for t in cased if t[:1].isupper())
        # A short sentence may be half names ("Il a rencontré Olaf Scholz à Berlin.").
        limit = MAX_CAPITALISED if len(tokens) >= SHORT_WORDS else MAX_CAPITALISED_SHORT
        if capitalised / len(cased) > limit:
            return False
    return True


# A line of at least this many words that is mostly capitalised is a menu or a list of links
# (titles are shorter; MEANTIME and Izium titles have 8-16 words).
FURNITURE_MIN_WORDS = 18


def is_furniture(text: str) -> bool:
    """Whether a "sentence" is page furniture: a run-on page dump or a long capitalised menu.

    Looser than `is_prose` (titles, datelines and headings are not furniture): names found
    there still count as mentions.
    """
    tokens = text.split()
    if len(tokens) > MAX_WORDS:
        return True
    cased = [t for t in tokens if t[:1].isalpha() and (t[:1].isupper() or t[:1].islower())]
    if len(tokens) >= FURNITURE_MIN_WORDS and cased:
        return sum(1 for t in cased if t[:1].isupper()) / len(cased) > MAX_CAPITALISED
    return False


def story_sentences(
    articles: Sequence[Article], analyses: Mapping[str, ArticleAnalysis]
) -> list[StorySentence]:
    """All sentences of the articles that have an analysis, in article order."""
    out: list[StorySentence] = []
    for art in articles:
        an = analyses.get(art.id)
        if an is None:
            continue
        texts = [" ".join(art.text[s0:s1].split()) for s0, s1 in an.parsed.sentences]
        flags = prose_flags(texts)
        position = 0
        for i, (s0, s1) in enumerate(an.parsed.sentences):
            out.append(StorySentence(art.id, i, position if flags[i] else -1, s0, s1, texts[i], flags[i]))
            if flags[i]:
                position += 1
    return out


def prose_flags(texts: Sequence[str]) -> list[bool]:
    """`is_prose` for each sentence, kept in runs of `MIN_RUN` from the body start (`BODY_RUN`) on.

    An article body is a run of prose; a caption, a video title or a teaser that happens to read
    like a sentence stands alone between menus and credits (leftover page boilerplate).
    """
    flags = [is_prose(t) for t in texts]
    out = [False] * len(flags)
    body_start: int | None = None
    i = 0
    while i < len(flags):
        if not flags[i]:
            i += 1
            continue
        j = i
        while j < len(flags) and flags[j]:
            j += 1
        if j - i >= MIN_RUN:
            out[i:j] = [True] * (j - i)
        if body_start is None and j - i >= BODY_RUN:
            body_start = i
        i = j
    if body_start is not None:
        out[:body_start] = [False] * body_start
    return out


@lru_cache(maxsize=32)
def stop_words(language: str | None) -> frozenset[str]:
    """Stop words of the language from spaCy's language data (empty when spaCy has none)."""
    if not language:
        return frozenset()
    try:
        import spacy

        return frozenset(spacy.util.get_lang_class(language).Defaults.stop_words)
    except (ImportError, KeyError, AttributeError, Exception):  # spaCy raises its own error types
        return frozenset()


def content_words(text: str, stops: frozenset[str]) -> list[str]:
    """Lower-cased words of the text without stop words and one-letter tokens."""
    return [w for w in words(text) if w not in stops and (len(w) > 1 or not w.isascii())]


class SentenceSpace:
    """TF-IDF vectors (L2-normalised, sublinear tf) of a story's sentences.

    Args:
        texts: the sentences.
        languages: the languages present (their stop words are dropped).
    """

    def __init__(self, texts: Sequence[str], languages: Sequence[str | None]) -> None:
        stops: frozenset[str] = frozenset().union(*(stop_words(lang) for lang in set(languages)))
        self.stops = stops
        self._vectorizer = TfidfVectorizer(
            analyzer=lambda t: content_words(t, stops), sublinear_tf=True, norm="l2", dtype=np.float32
        )
        if any(content_words(t, stops) for t in texts):
            self.matrix = self._vectorizer.fit_transform(texts).tocsr()
        else:
            self.matrix = sparse.csr_matrix((len(texts), 1), dtype=np.float32)

    def similarity(self) -> np.ndarray:
        """Dense cosine similarity of every pair of sentences."""
        return np.asarray((self.matrix @ self.matrix.T).toarray(), dtype=np.float32)


def lexrank(
    sim: np.ndarray, threshold: float = 0.1, damping: float = 0.85, iterations: int = 50
) -> np.ndarray:
    """LexRank centrality (Erkan & Radev, 2004) over a cosine similarity matrix.

    Continuous LexRank: edges are the cosines above `threshold` (0.1 as in the paper), rows
    normalised, PageRank by power iteration with the usual damping 0.85.
    """
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    graph = np.where(sim >= threshold, sim, 0.0)
    np.fill_diagonal(graph, 0.0)
    rows = graph.sum(axis=1, keepdims=True)
    rows[rows == 0] = 1.0
    graph = graph / rows
    score = np.full(n, 1.0 / n)
    for _ in range(iterations):
        new = (1 - damping) / n + damping * (graph.T @ score)
        if np.abs(new - score).sum() < 1e-6:
            score = new
            break
        score = new
    return score.astype(np.float32)


def containment(a: str, b: str, stops: frozenset[str]) -> float:
    """Share of the shorter sentence's content words found in the other one."""
    wa, wb = set(content_words(a, stops)), set(content_words(b, stops))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))
