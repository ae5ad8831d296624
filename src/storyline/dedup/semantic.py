"""Evidence that two articles are one article in other words: a translation or a rewrite.

Two different articles on the same event are close in topic, names and even wording, so a single
document-level cosine cannot tell them from a translation. A translation or a rewrite keeps the
*sentence sequence*: nearly every sentence has a counterpart, counterparts come in the same order
and have proportionate lengths. This module measures that (sentence alignment by mutual best
matches of sentence embeddings, the longest in-order chain of them, the correlation of aligned
sentence lengths) together with anchors that survive translation (numbers and names, their
overlap and their order) and word overlap. For languages the encoder does not cover, sentence
similarities are low but the best match still tends to be the right one, and anchors, order and
lengths carry the decision.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from storyline.dedup.anchors import Anchors, counts_jaccard, sequence_agreement
from storyline.dedup.sentences import split_sentences
from storyline.text import words

# Sentences embedded per article: enough to show that two articles run in parallel, and it bounds
# the cost of an encoder that does ~24 paragraphs per second on 2 cores (40 sentences cover a
# typical 800-word article; longer ones are judged on their first 40 sentences).
MAX_SENTENCES = 40


@dataclass(frozen=True)
class Profile:
    """What semantic verification needs of one article, computed once per article.

    Attributes:
        id: the article id.
        language: ISO 639-1 code or None.
        sentences: the first `MAX_SENTENCES` sentences.
        lengths: characters per sentence (of `sentences`).
        vectors: one L2-normalised embedding per sentence, or None when not computed.
        anchors: numbers and names of the whole text.
        vocabulary: distinct word tokens of the whole text.
        number_counts, name_counts: the anchors as multisets (each pair compares them).
    """

    id: str
    language: str | None
    sentences: tuple[str, ...]
    lengths: np.ndarray
    vectors: np.ndarray | None
    anchors: Anchors
    vocabulary: frozenset[str]
    number_counts: Counter[str] = field(default_factory=Counter)
    name_counts: Counter[str] = field(default_factory=Counter)


def sentences_of(text: str) -> list[str]:
    """The sentences of a text that are embedded and aligned."""
    return split_sentences(text)[:MAX_SENTENCES]


def profile(
    article_id: str,
    language: str | None,
    text: str,
    vectors: np.ndarray | None,
    anchors: Anchors | None = None,
) -> Profile:
    """The profile of an article (``vectors``: embeddings of `sentences_of(text)`, or None).

    ``anchors``: the text's `Anchors` when already found (the duplicate stage indexes them).
    """
    sents = tuple(sentences_of(text))
    anchors = anchors or Anchors.of(text)
    return Profile(
        id=article_id,
        language=language,
        sentences=sents,
        lengths=np.array([len(s) for s in sents], dtype=np.float64),
        vectors=vectors,
        anchors=anchors,
        vocabulary=frozenset(words(text)),
        number_counts=Counter(anchors.numbers),
        name_counts=Counter(anchors.names),
    )


@dataclass(frozen=True)
class Alignment:
    """Sentence pairs that are each other's best match and run in the same order."""

    pairs: tuple[tuple[int, int], ...]
    similarities: tuple[float, ...]
    margins: tuple[float, ...]


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of pairs increasing in both coordinates (pairs sorted by the first)."""
    tails: list[int] = []
    tails_idx: list[int] = []
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tails_idx.append(k)
        else:
            tails[pos] = j
            tails_idx[pos] = k
        back[k] = tails_idx[pos - 1] if pos else -1
    chain = []
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


def align(va: np.ndarray, vb: np.ndarray) -> Alignment:
    """Mutual best matches of two sentence sequences, kept in order (longest increasing chain)."""
    if not len(va) or not len(vb):
        return Alignment((), (), ())
    sim = va @ vb.T
    best_j = sim.argmax(axis=1)
    best_i = sim.argmax(axis=0)
    mutual = [(i, int(j)) for i, j in enumerate(best_j) if best_i[j] == i]
    chain = _longest_increasing(mutual)
    # Margin: how far the match stands above the next best candidates of its row and column, which
    # stays informative when absolute similarities are low (languages the encoder barely knows).
    row2 = np.sort(sim, axis=1)[:, -2] if sim.shape[1] > 1 else np.zeros(sim.shape[0])
    col2 = np.sort(sim, axis=0)[-2, :] if sim.shape[0] > 1 else np.zeros(sim.shape[1])
    sims = tuple(float(sim[i, j]) for i, j in chain)
    margins = tuple(float(sim[i, j] - max(row2[i], col2[j])) for i, j in chain)
    return Alignment(tuple(chain), sims, margins)


# Languages the bundled encoder was trained on (Universal Sentence Encoder multilingual v3). For
# other languages its similarities are weak (Icelandic-English translations score ~0.2), so the
# embedding evidence only counts when both articles are in these languages; anchors, order and
# lengths carry the decision otherwise.
COVERED = frozenset(
    ["ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"]
)

CONFIDENT_MARGIN = 0.05


def chance_chain(n: int, m: int) -> float:
    """Aligned sentence pairs that two unrelated lists of n and m sentences get by chance.

    With no relation between the lists, each cell of the similarity matrix is the largest of its
    row and column (n + m - 1 cells) with probability 1 / (n + m - 1), so about
    mu = n m / (n + m - 1) mutual best matches exist, in random order; `align` keeps their longest
    in-order chain. For 2 to 40 sentences a side, a Monte Carlo estimate (400 random matrices per
    size) gives a mean chain of mu ** 0.64 to within 0.2 sentences (the asymptotic 2 sqrt(mu) of
    random permutations overestimates it at these sizes). Eight and nine sentences get ~2.6 aligned
    pairs by chance, a third of the longer list: short articles align far above zero whatever
    they say.
    """
    if n <= 0 or m <= 0:
        return 0.0
    return float((n * m / (n + m - 1)) ** 0.64)


def beyond_chance(k: int, n: int, m: int) -> float:
    """The share of the shorter sentence list aligned beyond chance, in [0, 1].

    ``k`` in-order aligned pairs of lists of n and m sentences, measured above the chance level
    `chance_chain` (as Cohen's kappa measures agreement above chance): 0 at chance, 1 when every
    sentence of the shorter list has its counterpart. The shorter list, because a translator may
    join or split sentences: one-to-one pairs cannot cover the longer list then, its text is
    (see `text_cover`).
    """
    shorter = min(n, m)
    base = chance_chain(n, m)
    if shorter <= base:
        return 0.0
    return max(0.0, (k - base) / (shorter - base))


def text_cover(pairs: Sequence[tuple[int, int]], la: np.ndarray, lb: np.ndarray) -> float:
    """The share of the text of *each* article in aligned sentences (the smaller of the two).

    In characters, not sentences, so that sentences joined or split in translation, which stay
    out of a one-to-one alignment, weigh what their text weighs.
    """
    total_a, total_b = float(la.sum()), float(lb.sum())
    if not pairs or total_a <= 0 or total_b <= 0:
        return 0.0
    return min(sum(float(la[i]) for i, _ in pairs) / total_a, sum(float(lb[j]) for _, j in pairs) / total_b)


FEATURES = (
    "covered",
    "doc_cos",
    "aligned_share",
    "aligned_cover",
    "confident_cover",
    "aligned_cos",
    "aligned_margin",
    "length_corr",
    "sentence_ratio",
    "number_jaccard",
    "number_order",
    "name_jaccard",
    "name_order",
    "word_jaccard",
)


def features(a: Profile, b: Profile, doc_cos: float) -> tuple[dict[str, float], Alignment]:
    """The evidence of a pair, as named numbers in [0, 1], and the alignment.

    The pair model weighs the `FEATURES`; ``beyond_chance`` (sentences of the shorter article
    aligned beyond chance) and ``text_cover`` (text of each article aligned) are the necessary
    conditions `storyline.dedup.model` checks besides. Embedding similarities (``doc_cos``, ``aligned_cos``, ``aligned_margin``) are 0 unless
    both languages are `COVERED`; ``covered`` says which case applies.
    """
    n, m = len(a.sentences), len(b.sentences)
    if a.vectors is not None and b.vectors is not None and n and m:
        al = align(a.vectors, b.vectors)
    else:
        al = Alignment((), (), ())
    k = len(al.pairs)
    share = k / min(n, m) if n and m else 0.0
    if k >= 3:
        la = np.log1p([a.lengths[i] for i, _ in al.pairs])
        lb = np.log1p([b.lengths[j] for _, j in al.pairs])
        corr = float(np.corrcoef(la, lb)[0, 1]) if la.std() > 0 and lb.std() > 0 else 0.0
    else:
        corr = 0.0
    union = len(a.vocabulary | b.vocabulary)
    covered = float(a.language in COVERED and b.language in COVERED)
    f = {
        "covered": covered,
        "doc_cos": float(doc_cos) * covered,
        "aligned_share": share,
        "aligned_cover": k / max(n, m) if n and m else 0.0,
        # Aligned pairs that stand out of their row and column (a margin of 0.05 is ~2 standard
        # deviations of the similarities of unrelated sentences), over the longer article.
        "confident_cover": sum(1 for x in al.margins if x >= CONFIDENT_MARGIN) / max(n, m)
        if n and m
        else 0.0,
        "aligned_cos": float(np.mean(al.similarities)) * covered if k else 0.0,
        "aligned_margin": float(np.mean(al.margins)) * covered if k else 0.0,
        "length_corr": max(0.0, corr),
        "sentence_ratio": min(n, m) / max(n, m) if n and m else 0.0,
        "number_jaccard": counts_jaccard(
            a.number_counts, len(a.anchors.numbers), b.number_counts, len(b.anchors.numbers)
        ),
        "number_order": sequence_agreement(a.anchors.numbers, b.anchors.numbers),
        "name_jaccard": counts_jaccard(
            a.name_counts, len(a.anchors.names), b.name_counts, len(b.anchors.names)
        ),
        "name_order": sequence_agreement(a.anchors.names, b.anchors.names),
        "word_jaccard": len(a.vocabulary & b.vocabulary) / union if union else 0.0,
        "beyond_chance": beyond_chance(k, n, m),
        "text_cover": text_cover(al.pairs, a.lengths, b.lengths),
    }
    return f, al
