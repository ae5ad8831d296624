"""The story's headline: the most representative title, from an original in the main language."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from storyline.enrich.sentences import content_words
from storyline.text import clean_title
from storyline.types import Article

# A headline made from a lead sentence is cut to this many words.
LEAD_HEADLINE_WORDS = 20


def choose_headline(
    articles: Sequence[Article],
    originals: set[str],
    main_language: str | None,
    stops: frozenset[str],
    lead: dict[str, str],
) -> tuple[str, str | None]:
    """Headline and the id of the article it comes from.

    Candidates are the titles of originals in the main language, else any title in it, else any
    title; the one closest to the TF-IDF centroid of the story's texts wins (earliest on ties).
    A story without titles gets the lead sentence of its most central original.

    Args:
        articles: the story's members (in time order).
        originals: ids of members that are not copies or translations.
        main_language: the story's main language.
        stops: stop words for the TF-IDF vectors.
        lead: first prose sentence of each article, for stories without titles.
    """
    titled = [a for a in articles if a.title and a.title.strip()]
    for pool in (
        [a for a in titled if a.id in originals and a.language == main_language],
        [a for a in titled if a.language == main_language],
        titled,
    ):
        if pool:
            break
    else:
        pool = []
    texts = [a.text for a in articles]
    if pool:
        options = [(clean_title(a.title or "", a.publisher), a.id) for a in pool]
    else:
        options = [(_cut(lead[a.id]), a.id) for a in articles if a.id in originals and lead.get(a.id)] or [
            (_cut(lead[a.id]), a.id) for a in articles if lead.get(a.id)
        ]
    if not options:
        return "", None
    if len(options) == 1:
        return options[0]
    vectorizer = TfidfVectorizer(analyzer=lambda t: content_words(t, stops), sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts + [t for t, _ in options])
    except ValueError:  # no content words at all
        return options[0]
    centroid = np.asarray(matrix[: len(texts)].mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centroid)) or 1.0
    scores = (matrix[len(texts) :] @ centroid) / norm
    best = int(np.argmax(np.asarray(scores).ravel()))
    return options[best]


def _cut(sentence: str) -> str:
    words = sentence.split()
    if len(words) <= LEAD_HEADLINE_WORDS:
        return sentence
    return " ".join(words[:LEAD_HEADLINE_WORDS]) + " …"
