"""What story clustering needs to know about one article: `StoryItem`, and how to build it.

An item holds two embeddings (the headline with the lead, and the body), the names, numbers
and years the article states, its language and date, and the id of the article it copies when
the duplicate stage found one. Building it costs two encoder calls (see `embedding_texts`) and
one pass of the named-entity tagger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from storyline.nlp import has_model
from storyline.stories.evidence import name_keys, numbers_and_years
from storyline.stories.terms import EMPTY_IDS, EMPTY_WEIGHTS, hash_counts
from storyline.text import words
from storyline.types import Article, Mention

# The encoder of the two story embeddings: the bundled encoder's static token vectors
# (`storyline.fingerprint.static`), a hundred times cheaper than the full encoder. The story
# models (`link_model.json`) are fitted on its vectors: another encoder needs a refit.
STORY_ENCODER = "use-static-v1"

# The lead is the first words of the body. 60 words is the usual length of a news lead (one or
# two sentences: who, what, where, when), so title + lead is about one encoder "paragraph".
LEAD_WORDS = 60
# The body embedding reads the first 250 words. The encoder's cost grows with length and a news
# article states its event early (inverted pyramid): 250 words is about four paragraphs, four
# times the cost of the title + lead, and covers most of a typical 400-word article.
BODY_WORDS = 250


def _first_words(text: str, n: int) -> str:
    parts = text.split()
    return " ".join(parts[:n])


def embedding_texts(title: str | None, text: str) -> tuple[str, str]:
    """The two texts to embed for an article: (title + lead, body).

    Args:
        title: the headline, if known.
        text: the clean body text.

    Returns:
        The headline followed by the first `LEAD_WORDS` words of the body, and the first
        `BODY_WORDS` words of the body. Encode both with the same encoder.
    """
    body = " ".join(text.split())
    head = f"{title.strip()}\n{_first_words(body, LEAD_WORDS)}" if title else _first_words(body, LEAD_WORDS)
    return head, _first_words(body, BODY_WORDS)


def _unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


# Terms of the lexical profile: the first `BODY_WORDS` words, like the body embedding, so that
# both describe the same part of the article.
_MIN_TERM_CHARS = 3


def term_counts(title: str | None, text: str) -> dict[str, int]:
    """Word counts of the headline and the first `BODY_WORDS` words (words of 3+ characters)."""
    body = embedding_texts(title, text)[1]
    tokens = words(f"{title or ''} {body}")
    return dict(Counter(t for t in tokens if len(t) >= _MIN_TERM_CHARS and not t.isdigit()))


@dataclass(frozen=True, eq=False)
class StoryItem:
    """One article as story clustering sees it.

    Attributes:
        id: the article id.
        published: ISO date (``YYYY-MM-DD``) or None when unknown. Never guessed.
        language: ISO 639-1 code, or None.
        title: the headline, for display and debugging.
        head: L2-normalised float32 embedding of title + lead (see `embedding_texts`).
        body: L2-normalised float32 embedding of the body.
        names: keys of the people, places and organisations named (see `evidence.name_keys`).
        places: the subset of `names` that name places.
        people: the subset of `names` that name people.
        title_names: the subset of `names` found in the headline.
        tagged: the names come from a named-entity tagger; otherwise they are capitalised word
            runs, among which common nouns (in German, all nouns) and sentence openings.
        numbers: numbers stated in the text (years excluded).
        years: years mentioned in the text.
        term_ids: sorted ids (`storyline.stories.terms.term_id`) of the words of the headline and
            body start, for same-language lexical overlap.
        term_tf: their sublinear frequencies, ``1 + ln(count)``.
        original: id of the article this one copies, when the duplicate stage found one: a copy
            always joins its original's story.
    """

    id: str
    published: str | None
    language: str | None
    title: str | None
    head: np.ndarray
    body: np.ndarray
    names: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    title_names: frozenset[str] = frozenset()
    tagged: bool = True
    numbers: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()
    term_ids: np.ndarray = field(default_factory=lambda: EMPTY_IDS)
    term_tf: np.ndarray = field(default_factory=lambda: EMPTY_WEIGHTS)
    original: str | None = None

    def __post_init__(self) -> None:
        # The word vectors' C helpers read these arrays as they are (see `terms`): uint32 ids
        # and float32 frequencies, contiguous. Arrays that already are stay the same objects.
        object.__setattr__(self, "term_ids", np.ascontiguousarray(self.term_ids, dtype=np.uint32))
        object.__setattr__(self, "term_tf", np.ascontiguousarray(self.term_tf, dtype=np.float32))


def make_item(
    id: str,
    *,
    title: str | None,
    text: str,
    head: np.ndarray,
    body: np.ndarray,
    mentions: Iterable[Mention],
    published: str | None = None,
    language: str | None = None,
    original: str | None = None,
) -> StoryItem:
    """Build an item from an article's parts (use `item_from_article` for an `Article`).

    Args:
        id: article id.
        title: headline.
        text: clean body text.
        head: embedding of ``embedding_texts(title, text)[0]``.
        body: embedding of ``embedding_texts(title, text)[1]``.
        mentions: names found in `mention_text` (title, newline, body), e.g. by
            `storyline.nlp.mentions`.
        published: ISO date or datetime; only the day is kept.
        language: ISO 639-1 code.
        original: id of the article it duplicates, if any.
    """
    names = name_keys(mentions, title_end=len(title) if title else 0)
    term_ids, term_tf = hash_counts(term_counts(title, text))
    typed = has_model(language)  # without a tagger, names have no reliable kind
    numbers, years = numbers_and_years(f"{title or ''}\n{text}")
    return StoryItem(
        id=id,
        published=published[:10] if published else None,
        language=language,
        title=title,
        head=_unit(head),
        body=_unit(body),
        names=names.all,
        places=names.places if typed else frozenset(),
        people=names.people if typed else frozenset(),
        title_names=names.title,
        tagged=typed,
        numbers=numbers,
        years=years,
        term_ids=term_ids,
        term_tf=term_tf,
        original=original,
    )


def mention_text(title: str | None, text: str) -> str:
    """The text to tag for names: headline, newline, body (the offsets `make_item` expects)."""
    return f"{title}\n{text}" if title else text


def item_from_article(
    article: Article,
    head: np.ndarray,
    body: np.ndarray,
    mentions: Iterable[Mention] | None = None,
    original: str | None = None,
) -> StoryItem:
    """Build the item of an article from its two embeddings.

    Args:
        article: the cleaned article.
        head: embedding of ``embedding_texts(article.title, article.text)[0]``.
        body: embedding of ``embedding_texts(article.title, article.text)[1]``.
        mentions: names found in ``mention_text(article.title, article.text)``; tagged here when
            not given.
        original: id of the article it duplicates (from the duplicate stage), if any.
    """
    if mentions is None:
        from storyline.nlp import mentions as find_mentions

        mentions = find_mentions(mention_text(article.title, article.text), article.language)
    return make_item(
        article.id,
        title=article.title,
        text=article.text,
        head=head,
        body=body,
        mentions=mentions,
        published=article.published,
        language=article.language,
        original=original,
    )
