"""End to end with the real encoder and tagger: articles -> items -> stories (MEANTIME excerpt)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from stories_fixtures import load
from storyline.fingerprint.embed import get_encoder
from storyline.stories import cluster_batch, embedding_texts, item_from_article
from storyline.text import content_hash
from storyline.types import Article


@pytest.mark.slow
def test_articles_to_stories_with_the_bundled_models() -> None:
    records, _ = load("meantime")
    articles = [
        Article(
            id=r["id"],
            source="meantime",
            record=i,
            text=r["text"],
            content_hash=content_hash(r["text"]),
            title=r["title"],
            published=r["published"],
            language=r["language"],
        )
        for i, r in enumerate(records)
    ]
    encoder = get_encoder()
    texts = [embedding_texts(a.title, a.text) for a in articles]
    vectors = encoder.encode([t for pair in texts for t in pair])  # one call, two texts per article
    items = [item_from_article(a, vectors[2 * i], vectors[2 * i + 1]) for i, a in enumerate(articles)]
    assert items[0].names  # the tagger ran on the English article
    c = cluster_batch(items)
    stories: dict[str, set[str]] = defaultdict(set)
    for r in records:
        stories[r["gold"]].add(c.story_of(r["id"]) or "")
    assert all(len(s) == 1 for s in stories.values()), stories
