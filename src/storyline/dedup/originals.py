"""Pick the original of a duplicate group."""

from __future__ import annotations

from collections.abc import Sequence

from storyline.text import word_count
from storyline.types import Article


def original_of(group: Sequence[Article], order: dict[str, int]) -> Article:
    """The original: the earliest publication; with unknown or equal dates, the most complete text.

    Articles with a known date come before undated ones (an undated copy cannot prove it came
    first). Remaining ties go to the longest text, then to the one that arrived first.
    """

    def key(a: Article) -> tuple[int, str, int, int]:
        return (a.published is None, a.day or "", -word_count(a.text), order.get(a.id, 1 << 62))

    return min(group, key=key)
