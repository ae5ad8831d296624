"""Per-document features: what later stages need of each article that depends on it alone.

Three vectors (the duplicate stage's title+lead vector for candidate search, the story stage's
title+lead and body vectors), the names the article mentions and its anchors (numbers and names
that survive translation, for the duplicate stage). They depend on one article
only, so they are computed by an executor (`storyline.pipeline.executors`) on every core or on
a cluster, shard by shard. Shards are cut the same way whatever the executor, so a vector is
computed with the same batch of texts, and so bit for bit the same, on one core or on many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storyline.dedup.anchors import Anchors
from storyline.dedup.stage import doc_text
from storyline.fingerprint.embed import STATIC_NAME, USEEncoder, get_encoder
from storyline.nlp import mentions_many
from storyline.stories.item import embedding_texts, mention_text
from storyline.types import Article, Mention

# Articles per shard: large enough to batch the encoder and the tagger well, small enough that a
# 200-article batch keeps two workers busy.
SHARD_SIZE = 50


@dataclass(frozen=True, slots=True)
class DocFeatures:
    """The per-document features of one article.

    Attributes:
        id: the article's id.
        doc: title + lead vector for duplicate candidates (`storyline.dedup.stage.doc_text`).
        head, body: the story embeddings (see `storyline.stories.item.embedding_texts`).
        mentions: names found in the headline and text.
        anchors: the numbers and names of the text that survive translation (duplicate candidates).
    """

    id: str
    doc: np.ndarray
    head: np.ndarray
    body: np.ndarray
    mentions: tuple[Mention, ...]
    anchors: Anchors


@dataclass(frozen=True, slots=True)
class Shard:
    """One unit of work: articles and the names of the encoders to use."""

    articles: tuple[Article, ...]
    encoder: str


def compute(shard: Shard) -> list[DocFeatures]:
    """The features of a shard's articles (runs in a worker; models load once per process)."""
    articles = shard.articles
    if not articles:
        return []
    encoder = get_encoder(shard.encoder)
    pairs = [embedding_texts(a.title, a.text) for a in articles]
    n = len(articles)
    vecs = encoder.encode([doc_text(a) for a in articles] + [h for h, _ in pairs] + [b for _, b in pairs])
    names = mentions_many([(mention_text(a.title, a.text), a.language) for a in articles])
    return [
        DocFeatures(a.id, vecs[i], vecs[n + i], vecs[2 * n + i], tuple(names[i]), Anchors.of(a.text))
        for i, a in enumerate(articles)
    ]


def encoder_name(configured: str) -> str:
    """The encoder of the per-document vectors for the configured model.

    The bundled encoder's static vectors when the bundled encoder is configured (the story
    models are fitted on them); any other configured encoder as it is.
    """
    return STATIC_NAME if configured in ("", "default", USEEncoder.name) else configured


def shards(articles: Sequence[Article], encoder: str, size: int = SHARD_SIZE) -> list[Shard]:
    """The batch cut into shards of `size` articles, in order."""
    return [Shard(tuple(articles[i : i + size]), encoder) for i in range(0, len(articles), size)]


def stack(features: Sequence[DocFeatures], field: str, dim: int) -> np.ndarray:
    """One field of many articles' features as a matrix."""
    if not features:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([getattr(f, field) for f in features])
