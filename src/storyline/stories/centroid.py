"""A first story assigner: nearest stored article by embedding, above a threshold.

Kept deliberately simple; copies always join their original's story.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from storyline.types import Article


def embedding_text(article: Article, lead_chars: int = 600) -> str:
    """Title and lead: what the story embedding is computed from."""
    lead = article.text[:lead_chars]
    return f"{article.title}\n{lead}" if article.title else lead


class NearestArticleAssigner:
    """Each new article joins the story of its most similar earlier article, or starts a story.

    Args:
        threshold: minimum cosine similarity to join.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.ids: list[str] = []
        self.stories: list[str] = []
        self._buf = np.zeros((0, 0), dtype=np.float32)

    @property
    def matrix(self) -> np.ndarray:
        """Embeddings of the articles placed so far, one row each."""
        return self._buf[: len(self.ids)]

    def load(self, ids: Sequence[str], stories: Sequence[str], vectors: np.ndarray) -> None:
        """Start from stored articles (ids, their stories, their embeddings)."""
        self.ids, self.stories = list(ids), list(stories)
        if len(ids):
            self._buf = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1).copy()

    def _append(self, vector: np.ndarray) -> None:
        n = len(self.ids)
        if self._buf.shape[0] <= n or self._buf.shape[1] != vector.shape[0]:
            grown = np.zeros((max(64, 2 * n), vector.shape[0]), dtype=np.float32)
            if self._buf.size:
                grown[: self._buf.shape[0]] = self._buf
            self._buf = grown
        self._buf[n] = vector

    def assign(self, article_id: str, vector: np.ndarray, original_story: str | None) -> tuple[str, float]:
        """The story for a new article and the similarity that decided it."""
        if original_story is not None:
            story, score = original_story, 1.0
        elif len(self.ids):
            sims = self.matrix @ vector
            best = int(np.argmax(sims))
            if float(sims[best]) >= self.threshold:
                story, score = self.stories[best], float(sims[best])
            else:
                story, score = f"s{article_id}", 0.0
        else:
            story, score = f"s{article_id}", 0.0
        self._append(np.asarray(vector, dtype=np.float32).ravel())
        self.ids.append(article_id)
        self.stories.append(story)
        return story, score
