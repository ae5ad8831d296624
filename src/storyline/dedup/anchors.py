"""Anchors: what survives translation whatever the languages: numbers and names.

A translation keeps the figures (6,000 / 6.000 / 6 000 are one number) and the names (Zelensky,
Зеленський, Selenskyj share their transliterated start), in the same order. Two different articles
on one event share some of them, rarely most of them. Anchors are the evidence that works for
languages the sentence encoder does not know (Icelandic, Croatian...).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz.distance import LCSseq

# Digit groups: thousands separators (, . space, thin space, apostrophe) followed by exactly three digits.
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f' ]\d{3})+(?![\d])(?:[.,]\d+)?|\d+(?:[.,]\d+)?")
_THOUSANDS = re.compile(r"(?<=\d)[.,\u00a0\u202f' ](?=\d{3}(?!\d))")
# A capitalised word in a cased script, or a run of katakana (foreign names in Japanese).
_CAPITALISED = re.compile(r"\b[^\W\d_a-z][^\W\d_]{2,}")
_KATAKANA = re.compile(r"[\u30a0-\u30ff]{3,}")
NAME_PREFIX = (
    4  # letters of a transliterated name compared: survives inflection (Indlands/India no, Modi/Modis yes)
)


def _number(token: str) -> str:
    """A number in one spelling: thousands separators dropped, decimal comma as a point."""
    token = _THOUSANDS.sub("", token)
    return token.replace(",", ".")


def numbers(text: str) -> list[str]:
    """Numbers in order of appearance, normalised (years, counts, amounts, dates' digits)."""
    text = unicodedata.normalize("NFKC", text)
    return [_number(m.group(0)) for m in _NUMBER.finditer(text)]


def names(text: str) -> list[str]:
    """Name keys in order of appearance: capitalised words not opening a sentence, transliterated.

    Each key is the first `NAME_PREFIX` letters of the ASCII transliteration, lower-cased, so
    Zelensky / Зеленский / Selenskyj... meet at least in part; katakana runs count as names.
    """
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for m in _CAPITALISED.finditer(text):
        before = text[max(0, m.start() - 2) : m.start()]
        if m.start() == 0 or re.search(r"[.!?:\n\"“«]\s*$", before):
            continue  # sentence-initial capitals are not evidence of a name
        word = m.group(0)
        if word.isupper() and len(word) > 6:
            continue  # shouted headline words
        key = re.sub(r"[^a-z]", "", anyascii(word).lower())[:NAME_PREFIX]
        if len(key) >= 3:
            out.append(key)
    for m in _KATAKANA.finditer(text):
        key = re.sub(r"[^a-z]", "", anyascii(m.group(0)).lower())[:NAME_PREFIX]
        if len(key) >= 3:
            out.append(key)
    return out


@dataclass(frozen=True, slots=True)
class Anchors:
    """The numbers and names of a text, in order."""

    numbers: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Anchors:
        """Anchors of a text."""
        return cls(tuple(numbers(text)), tuple(names(text)))


def multiset_jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Jaccard similarity of two multisets (0 when both are empty)."""
    return counts_jaccard(Counter(a), len(a), Counter(b), len(b))


def counts_jaccard(ca: Mapping[str, int], na: int, cb: Mapping[str, int], nb: int) -> float:
    """`multiset_jaccard` of two multisets given as counts and sizes (counted once per article).

    The union of two multisets holds |a| + |b| - |a & b| items, so only the intersection is
    summed, over the smaller one's keys.
    """
    if not na and not nb:
        return 0.0
    if len(ca) > len(cb):
        ca, cb = cb, ca
    shared = sum(min(v, cb[k]) for k, v in ca.items() if k in cb)
    return shared / (na + nb - shared)


def sequence_agreement(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Share of the shorter sequence matched in order by the other (longest common subsequence).

    Translations keep the order of figures and names; articles that merely share some keep it
    only by chance.
    """
    if not a or not b:
        return 0.0
    return LCSseq.similarity(list(a), list(b)) / min(len(a), len(b))
