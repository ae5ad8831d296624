"""Cross-document evidence: blocks that recur across many documents of one publisher are template.

A menu, a newsletter prompt or a footer is printed around every article of a site; a paragraph of
reporting is not. Counting, for each publisher (and for the whole corpus), in how many documents
each block occurs separates the two without any lexicon. The counts live behind the small
`BlockStats` protocol: `InMemoryBlockStats` here, an SQLite table in the store.

Blocks are hashed after folding (case, quotes, spacing), so the same menu printed with other
quote styles still matches. Only blocks of at least `MIN_BLOCK_WORDS` words are hashed: shorter
ones ("Share", "Close") are handled by the lexicon and would only bloat the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from storyline.text import fold
from storyline.types import digest

MIN_BLOCK_WORDS = 2
CORPUS = "*"
"""Publisher key under which corpus-wide counts are kept."""


@runtime_checkable
class BlockStats(Protocol):
    """Document frequencies of blocks, per publisher.

    The publisher key is whatever `storyline.clean.publisher_key` returns for a record (a site
    name or host); `CORPUS` (``"*"``) holds the counts over all documents.
    """

    def documents(self, publisher: str) -> int:
        """Number of documents counted for the publisher."""
        ...

    def count(self, publisher: str, block_hash: str) -> int:
        """Number of the publisher's documents that contain the block."""
        ...


def block_hash(text: str) -> str:
    """Hash of one block, insensitive to case, quote style and spacing."""
    return digest(fold(text), size=16)


@dataclass
class InMemoryBlockStats:
    """`BlockStats` kept in dictionaries: for tests, one-off runs and building an SQLite table."""

    _docs: Counter[str] = field(default_factory=Counter)
    _blocks: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, publisher: str | None, hashes: Iterable[str]) -> None:
        """Count one document's blocks under its publisher and under `CORPUS`.

        Args:
            publisher: publisher key, or None when unknown (then only the corpus count grows).
            hashes: the document's block hashes (duplicates inside one document count once).
        """
        unique = set(hashes)
        keys = [CORPUS] if not publisher or publisher == CORPUS else [publisher, CORPUS]
        for key in keys:
            self._docs[key] += 1
            self._blocks.setdefault(key, Counter()).update(unique)

    def documents(self, publisher: str) -> int:
        """Number of documents counted for the publisher."""
        return self._docs.get(publisher, 0)

    def count(self, publisher: str, block_hash: str) -> int:
        """Number of the publisher's documents that contain the block."""
        return self._blocks.get(publisher, Counter()).get(block_hash, 0)


@dataclass(frozen=True)
class TemplateRule:
    """When a recurring block counts as template.

    A block is template for a publisher when it occurs in at least `min_documents` of the
    publisher's documents and in at least `min_share` of them. The defaults come from two
    failure cases: updated versions of one story share most paragraphs, but rarely more than a
    handful of versions exist (hence at least 5 documents); a site's menu is on nearly every page
    while a recurring boilerplate sentence of reporting ("The Associated Press contributed to this
    report") is on many but far from all (hence 30%: template either way). Corpus-wide, a block
    needs `corpus_min_documents` documents and `corpus_min_share` of the corpus, since different
    sites share only scraper furniture.
    """

    min_documents: int = 5
    min_share: float = 0.3
    corpus_min_documents: int = 20
    corpus_min_share: float = 0.05

    def is_template(self, stats: BlockStats, publisher: str | None, h: str) -> bool:
        """Whether block `h` is template for `publisher` (or corpus-wide)."""
        if publisher and publisher != CORPUS:
            n = stats.documents(publisher)
            c = stats.count(publisher, h)
            if n and c >= self.min_documents and c >= self.min_share * n:
                return True
        n = stats.documents(CORPUS)
        c = stats.count(CORPUS, h)
        return bool(n) and c >= self.corpus_min_documents and c >= self.corpus_min_share * n
