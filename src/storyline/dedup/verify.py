"""Verify a candidate pair of articles and name their relation, with the evidence.

Shared by streaming and batch: candidate generation differs, this does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from storyline.text import containment, jaccard, shingles, words
from storyline.types import Article, RelationKind


@dataclass(frozen=True, slots=True)
class PairScores:
    """Lexical overlap of two texts: word n-gram Jaccard and containment each way."""

    jaccard: float
    contained_a_in_b: float
    contained_b_in_a: float
    words_a: int
    words_b: int


def text_shingles(text: str, n: int) -> set[str]:
    """Word n-gram shingles of a clean text."""
    return shingles(words(text), n)


def score_pair(a: str, b: str, n: int = 5) -> PairScores:
    """Overlap scores of two clean texts."""
    sa, sb = text_shingles(a, n), text_shingles(b, n)
    return PairScores(jaccard(sa, sb), containment(sa, sb), containment(sb, sa), len(words(a)), len(words(b)))


def classify(
    a: Article, b: Article, s: PairScores, near_threshold: float, excerpt_containment: float
) -> tuple[RelationKind, float] | None:
    """The lexical relation of `a` to `b` (exact, near copy, excerpt), or None when they are not copies."""
    if a.content_hash == b.content_hash:
        return "exact", 1.0
    if s.jaccard >= near_threshold:
        return "near_copy", s.jaccard
    if max(s.contained_a_in_b, s.contained_b_in_a) >= excerpt_containment:
        return "excerpt", max(s.contained_a_in_b, s.contained_b_in_a)
    return None


def evidence(s: PairScores) -> dict[str, float | int]:
    """The scores as stored evidence."""
    return {
        "jaccard_5gram": round(s.jaccard, 4),
        "containment_copy_in_original": round(s.contained_a_in_b, 4),
        "containment_original_in_copy": round(s.contained_b_in_a, 4),
        "words_copy": s.words_a,
        "words_original": s.words_b,
    }
