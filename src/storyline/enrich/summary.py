"""Extractive multi-document summary: LexRank centrality with a lead prior, MMR selection.

LexRank (Erkan & Radev, 2004) and MMR (Carbonell & Goldstein, 1998) are the standard
unsupervised extractive methods on DUC/TAC and Multi-News; news leads carry the main facts, so a
sentence's centrality is weighted up near the start of its article (the Lead-3 baseline is hard
to beat on news). Only originals are candidates: a copy or translation of a member adds no
sentence of its own, so the summary never says a thing twice because an outlet copied it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from storyline.config import ViewConfig
from storyline.enrich.sentences import StorySentence, containment
from storyline.fingerprint.embed import Encoder
from storyline.types import SummarySentence

# How much more a lead sentence weighs than a late one: score = centrality * (1 + 1/(1+pos)),
# i.e. x2 for the first prose sentence, x1.5 for the second, tending to x1.
LEAD_WEIGHT = 1.0
# Only this many best-scored candidates per summary sentence are considered (and embedded when
# an encoder is given): MMR never reaches further down.
POOL_PER_SENTENCE = 4
# Summary sentences state facts: short ones ("Above ground, the Russians also left piles of
# ammunition.") carry little, and sentences that open with a quotation belong to the quotes.
MIN_SUMMARY_WORDS = 10
_OPENING_QUOTES = "\"“‘«„‚‹「『'"


def sentence_scores(sentences: Sequence[StorySentence], centrality: np.ndarray) -> np.ndarray:
    """Centrality weighted by the lead prior (0 for sentences that are not prose)."""
    top = float(centrality.max()) if len(centrality) else 0.0
    scores = np.zeros(len(sentences), dtype=np.float32)
    for i, s in enumerate(sentences):
        if s.prose and top > 0:
            scores[i] = centrality[i] / top * (1.0 + LEAD_WEIGHT / (1.0 + s.position))
    return scores


def summarise(
    sentences: Sequence[StorySentence],
    scores: np.ndarray,
    sim: np.ndarray,
    candidates: set[str],
    stops: frozenset[str],
    settings: ViewConfig,
    order: dict[str, tuple[str, int]],
    encoder: Encoder | None = None,
    languages: dict[str, str | None] | None = None,
) -> list[SummarySentence]:
    """Pick the summary sentences.

    Args:
        sentences: the story's sentences.
        scores: `sentence_scores`.
        sim: TF-IDF cosine between sentences.
        candidates: ids of the articles whose sentences may be picked (originals).
        stops: stop words, for the content-word overlap check.
        settings: sizes and thresholds.
        order: article id -> (report day, position) to print the summary in time order.
        encoder: optional sentence encoder, to catch the same statement in another language.
        languages: article id -> language (the encoder is only used between languages).

    Returns:
        Sentences in time order, then article order.
    """
    pool = [
        i
        for i, s in enumerate(sentences)
        if s.prose
        and s.article in candidates
        and scores[i] > 0
        and len(s.text.split()) >= MIN_SUMMARY_WORDS
        and s.text[:1] not in _OPENING_QUOTES
    ]
    pool.sort(key=lambda i: -scores[i])
    pool = pool[: settings.summary_sentences * POOL_PER_SENTENCE]
    if not pool:
        return []
    vectors = _LazyVectors(sentences, encoder, languages or {})
    if len({(languages or {}).get(sentences[i].article) for i in pool}) > 1:
        # One encoder call for the whole pool: per-sentence calls cost ~10x more in overhead.
        vectors.prefetch(pool)
    chosen: list[int] = []
    words = 0
    remaining = list(pool)
    while remaining and len(chosen) < settings.summary_sentences:
        best, best_value = -1, -np.inf
        for i in remaining:
            overlap = max((float(sim[i, j]) for j in chosen), default=0.0)
            value = settings.mmr_lambda * scores[i] - (1 - settings.mmr_lambda) * overlap
            if value > best_value:
                best, best_value = i, value
        remaining.remove(best)
        if _redundant(best, chosen, sentences, sim, stops, settings, vectors):
            continue
        n_words = len(sentences[best].text.split())
        if chosen and words + n_words > settings.summary_words:
            continue
        chosen.append(best)
        words += n_words
    chosen.sort(key=lambda i: (order.get(sentences[i].article, ("9999", 0)), sentences[i].index))
    return [SummarySentence(sentences[i].text, sentences[i].article) for i in chosen]


def _redundant(
    i: int,
    chosen: list[int],
    sentences: Sequence[StorySentence],
    sim: np.ndarray,
    stops: frozenset[str],
    settings: ViewConfig,
    vectors: _LazyVectors,
) -> bool:
    for j in chosen:
        if sim[i, j] >= settings.redundancy:
            return True
        if containment(sentences[i].text, sentences[j].text, stops) >= settings.redundancy:
            return True
        if vectors.differ(i, j) and vectors.cosine(i, j) >= settings.encoder_redundancy:
            return True
    return False


class _LazyVectors:
    """Sentence embeddings computed on demand, only for sentences in different languages.

    Within one language TF-IDF and word overlap already catch a repeat; the encoder (~24
    paragraphs/s) is only needed across languages, for the few sentences MMR compares.
    """

    def __init__(
        self, sentences: Sequence[StorySentence], encoder: Encoder | None, languages: dict[str, str | None]
    ) -> None:
        self.sentences = sentences
        self.encoder = encoder
        self.languages = languages
        self.cache: dict[int, np.ndarray] = {}

    def differ(self, i: int, j: int) -> bool:
        if self.encoder is None:
            return False
        a = self.languages.get(self.sentences[i].article)
        b = self.languages.get(self.sentences[j].article)
        return a != b

    def prefetch(self, indices: Sequence[int]) -> None:
        """Embed these sentences in one batch."""
        if self.encoder is None:
            return
        todo = [k for k in indices if k not in self.cache]
        if todo:
            for k, v in zip(todo, self.encoder.encode([self.sentences[k].text for k in todo]), strict=True):
                self.cache[k] = v

    def cosine(self, i: int, j: int) -> float:
        assert self.encoder is not None
        todo = [k for k in (i, j) if k not in self.cache]
        if todo:
            for k, v in zip(todo, self.encoder.encode([self.sentences[k].text for k in todo]), strict=True):
                self.cache[k] = v
        return float(self.cache[i] @ self.cache[j])
