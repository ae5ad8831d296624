"""Decide whether a candidate pair is a duplicate, and name the relation of a copy to its original.

Shared by streaming and batch: candidate generation differs, this does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storyline.config import DedupConfig
from storyline.dedup.overlap import LexicalScores
from storyline.types import Article, RelationKind

# An update adds to the original: at least this share of new n-grams in the later version
# (a copy with a different footer adds less than a tenth).
UPDATE_ADDITIONS = 0.1


def lexical_match(s: LexicalScores, config: DedupConfig) -> bool:
    """Whether the overlap alone makes two texts copies (near copy or excerpt, either way)."""
    return s.jaccard >= config.near_threshold or max(s.a_in_b, s.b_in_a) >= config.excerpt_containment


def _same_source(a: Article, b: Article) -> bool:
    if a.url and b.url and a.url.split("?")[0].rstrip("/") == b.url.split("?")[0].rstrip("/"):
        return True
    return bool(a.publisher and b.publisher and a.publisher.casefold() == b.publisher.casefold())


def _later(a: Article, b: Article) -> bool:
    return bool(a.published and b.published and a.published > b.published)


@dataclass(frozen=True, slots=True)
class Naming:
    """The named relation of a copy to its original, its main score and evidence."""

    kind: RelationKind
    score: float
    evidence: dict[str, Any]


def name_relation(
    copy: Article,
    original: Article,
    lexical: LexicalScores,
    config: DedupConfig,
    semantic_probability: float | None = None,
) -> Naming:
    """The relation of `copy` to `original` (both already known to be one article).

    Exact after normalisation; an update when the copy is a later version of the same source, or
    later and adds to the original's text; an excerpt when the copy is mostly inside the original;
    a near copy when the wording is mostly shared; otherwise a translation (other language) or a
    rewrite (same language, other wording).
    """
    ev: dict[str, Any] = {
        "jaccard_5gram": round(lexical.jaccard, 4),
        "containment_copy_in_original": round(lexical.a_in_b, 4),
        "containment_original_in_copy": round(lexical.b_in_a, 4),
        "shingles_copy": lexical.size_a,
        "shingles_original": lexical.size_b,
    }
    if copy.content_hash == original.content_hash:
        return Naming("exact", 1.0, ev)
    lexical_copy = lexical_match(lexical, config)
    additions = 1.0 - lexical.a_in_b  # share of the copy's n-grams not in the original
    if lexical_copy and _later(copy, original):
        if _same_source(copy, original):
            return Naming("update", lexical.jaccard, {**ev, "update": "later version from the same source"})
        if lexical.b_in_a >= config.excerpt_containment and additions >= UPDATE_ADDITIONS:
            return Naming(
                "update", lexical.b_in_a, {**ev, "update": "later, contains the original and adds to it"}
            )
    if lexical_copy:
        if lexical.a_in_b >= config.excerpt_containment and lexical.b_in_a < config.excerpt_containment:
            return Naming("excerpt", lexical.a_in_b, ev)  # mostly inside, and much of the original missing
        if lexical.jaccard >= config.near_threshold:
            return Naming("near_copy", lexical.jaccard, ev)
        # The copy contains the original (original trimmed, copy padded with other material).
        return Naming("near_copy", lexical.b_in_a, ev)
    score = semantic_probability if semantic_probability is not None else 0.0
    if copy.language and original.language and copy.language != original.language:
        return Naming("translation", score, ev)
    return Naming("rewrite", score, ev)
