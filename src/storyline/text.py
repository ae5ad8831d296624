"""Text primitives shared by every stage: normalisation, folding, tokens, shingles, hashes.

One place for these so that cleaning, duplicate detection and clustering agree on what a word
is. Tokenisation must work for Latin, Cyrillic, Greek, Arabic and CJK text alike: scripts written
without spaces (Chinese, Japanese, Thai) are split into single characters, which is what MinHash
shingling and TF-IDF need there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TypeVar

from storyline.types import digest

T = TypeVar("T")

# Characters that are never content: zero-width spaces/joiners, BOM, soft hyphen, bidi marks.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
# Control characters except tab and newline.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n\s*")

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2039": "'", "\u203a": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip

# Scripts written without spaces between words: each character is a token.
_NOSPACE = (
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
)
_TOKEN_RE = re.compile(rf"[{_NOSPACE}]|[^\W{_NOSPACE}]+")


def normalise(text: str) -> str:
    """Normalise text for storage and display, keeping its typography.

    NFC composition, invisible and control characters dropped, runs of spaces collapsed, line
    ends unified, at most one blank line between paragraphs, no trailing spaces.
    """
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub(" ", text)
    text = _SPACES_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def fold(text: str) -> str:
    """Fold text for comparison: compatibility forms, case, quotes and dashes unified, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_QUOTES).casefold()
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens; characters of CJK and other space-less scripts are single tokens."""
    return _TOKEN_RE.findall(fold(text))


def word_count(text: str) -> int:
    """Number of `words` in the text."""
    return len(_TOKEN_RE.findall(text))


def shingles(tokens: list[str], n: int) -> set[str]:
    """Distinct word n-grams of the tokens (the whole token list when shorter than n)."""
    if len(tokens) < n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def content_hash(text: str) -> str:
    """Hash of the folded text: two texts that differ only in case, spacing or quote style match."""
    return digest(fold(text), size=32)


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs of a clean text (split on blank lines)."""
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (0 when both are empty)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(a: set[str], b: set[str]) -> float:
    """Share of `a` found in `b` (0 when `a` is empty)."""
    return len(a & b) / len(a) if a else 0.0


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# " – Share Market Daily", " | Reuters": a site name after a separator, at most this many words.
SITE_SUFFIX_WORDS = 4
_SUFFIX_RE = re.compile(r"\s+[|–—-]\s+([^|–—]+)$")


def clean_title(title: str, publisher: str | None = None) -> str:
    """The title without a trailing site name ("... – Share Market Daily")."""
    title = " ".join(title.split())
    m = _SUFFIX_RE.search(title)
    if m:
        suffix = m.group(1).strip()
        words = suffix.split()
        is_site = (publisher is not None and fold(publisher) in fold(suffix)) or (
            len(words) <= SITE_SUFFIX_WORDS and all(w[:1].isupper() or not w[:1].isalpha() for w in words)
        )
        if is_site and len(title[: m.start()].split()) >= 3:
            return title[: m.start()].strip()
    return title


def lead_title(text: str, words: int = 14) -> str:
    """A stand-in title from the opening of a text: its first line, cut to `words` words."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    parts = first.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def source_label(publisher: str | None, url: str | None, source: str) -> str:
    """What to call an article's source: its publisher, else "unknown" with a detail to tell it by.

    The detail is the host of its URL, else the name of the file it came from; never a path
    passed off as a publisher's name.
    """
    if publisher and publisher.strip():
        return publisher.strip()
    detail = ""
    if url:
        from urllib.parse import urlsplit

        detail = urlsplit(url).hostname or ""
    if not detail:
        detail = source.rstrip("/").rsplit("/", 1)[-1]
    return f"unknown ({detail})" if detail else "unknown"
