"""Features of segments shared by the cleaning rules.

Word counts, letter case, sentence ends, comparison keys and interface-phrase matching; values
are cached on the segment, since the rules ask for them many times.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from storyline.clean import lexicon as lx
from storyline.clean.segment import Segment
from storyline.text import word_count

# Whether the document uses letter case normally. Texts in all capitals (old wire copy) or in
# scripts without case make case-based signals meaningless; they are then switched off.
CASED: ContextVar[bool] = ContextVar("CASED", default=True)


PUNCT = "\"“”‘’'«»()[]{}.,;:!?¿¡…-–—|/*#•·"


# First letter of each word (after any opening punctuation): enough to measure letter case.
_INITIAL_RE = re.compile(r"(?<![\w'’-])[^\W\d_]")


def alpha_words(text: str) -> list[str]:
    """Words that start with a letter, stripped of surrounding punctuation."""
    return [w for w in (t.strip(PUNCT) for t in text.split()) if w and w[0].isalpha()]


def lower_share(text: str) -> float:
    """Share of words that do not start with a capital letter (scripts without case count as lower)."""
    initials = "".join(_INITIAL_RE.findall(text))
    if not initials:
        return 0.0
    return 1.0 - sum(map(str.isupper, initials)) / len(initials)


_CONNECTOR_RE = re.compile(r"(?<![\w'’-])(?:of|for|to|and|the|a|an|in|on|at|by|with)(?![\w'’-])")


def cap_share(text: str) -> float:
    """Share of capitalised words among the words that are not connectors ("of", "and", ...)."""
    if not CASED.get():
        return 0.0
    initials = "".join(_INITIAL_RE.findall(text))
    total = len(initials) - len(_CONNECTOR_RE.findall(text))
    if total <= 0:
        return 0.0
    return min(1.0, sum(map(str.isupper, initials)) / total)


def n_words(seg: Segment) -> int:
    """Number of words of the segment (`storyline.text.word_count`), cached."""
    n = seg.cache.get("n")
    if n is None:
        n = seg.cache["n"] = word_count(seg.text)
    return n  # type: ignore[return-value]


def seg_lower(seg: Segment) -> float:
    """`lower_share` of the segment, cached."""
    low = seg.cache.get("low")
    if low is None:
        low = seg.cache["low"] = lower_share(seg.text)
    return low  # type: ignore[return-value]


def seg_key(seg: Segment) -> str:
    """`key_of` the segment, cached."""
    key = seg.cache.get("key")
    if key is None:
        key = seg.cache["key"] = key_of(seg.text)
    return key  # type: ignore[return-value]


def ends_sentence(text: str) -> bool:
    """The text ends with sentence punctuation, possibly followed by closing quotes or brackets."""
    return bool(re.search(r"[.!?…。！？](?:\s*[\"”’'»)\]」』])*$", text))


def seg_ends(seg: Segment) -> bool:
    """`ends_sentence` for the segment, cached."""
    end = seg.cache.get("end")
    if end is None:
        end = seg.cache["end"] = ends_sentence(seg.text)
    return end  # type: ignore[return-value]


def is_prose(seg: Segment) -> bool:
    """A sentence of running text (or a long lower-case run that lost its final period)."""
    if seg.reason is not None:
        return False
    shape = seg.cache.get("prose")
    if shape is None:
        n = n_words(seg)
        low = seg_lower(seg) if CASED.get() else 1.0
        shape = (n >= 5 and low >= 0.3) if seg_ends(seg) else (n >= 15 and low >= 0.6)
        seg.cache["prose"] = shape
    return shape  # type: ignore[return-value]


def key_of(text: str) -> str:
    """Comparison key: lower-cased word characters (cheap; `fold` is kept for block hashes)."""
    return " ".join(_WORD_CHARS_RE.findall(text.lower()))


_WORD_CHARS_RE = re.compile(r"\w+")


PHRASE_KEYS = {key_of(k): v for k, v in lx.PHRASES.items()}


PHRASE_MAX = max(len(k.split()) for k in PHRASE_KEYS)


PHRASE_WORDS = frozenset(w for k in PHRASE_KEYS for w in k.split())


PHRASE_FIRST = frozenset(k.split()[0] for k in PHRASE_KEYS)


def phrase_cover(key: str) -> str | None:
    """Reason when a segment is nothing but interface phrases, else None.

    "Compartir en Facebook Compartir en Twitter" or "Search Log In My Account" get the reason
    of their longest phrase.
    """
    tokens = key.split()
    if len(tokens) < 2 or len(tokens) > 40 or tokens[0] not in PHRASE_FIRST:
        return None
    i, best, best_len = 0, None, 0
    while i < len(tokens):
        for n in range(min(PHRASE_MAX, len(tokens) - i), 0, -1):
            reason = PHRASE_KEYS.get(" ".join(tokens[i : i + n]))
            if reason:
                if n > best_len:
                    best, best_len = reason, n
                i += n
                break
        else:
            return None
    return best


def phrase_prefix(text: str) -> tuple[int, str] | None:
    """Length (in characters) and reason of a run of two or more interface phrases opening `text`.

    Flattening glues share buttons to the first sentence ("Compartir en Facebook Compartir en
    Twitter MADRID (DDS) — ..."); one phrase alone is not enough ("Share prices rose ...").
    """
    if key_of(text.split(None, 1)[0] if text.strip() else "") not in PHRASE_FIRST:
        return None  # cheap test first: most segments do not start with an interface word
    tokens = list(re.finditer(r"\S+", text))
    i, phrases, reason = 0, 0, None
    while i < len(tokens):
        for n in range(min(PHRASE_MAX, len(tokens) - i), 0, -1):
            key = key_of(" ".join(t.group(0) for t in tokens[i : i + n]))
            if key and key in PHRASE_KEYS:
                reason = reason or PHRASE_KEYS[key]
                phrases += 1
                i += n
                break
        else:
            break
    if phrases < 2 or i >= len(tokens) or reason is None:
        return None
    rest = tokens[i].group(0)
    if not (rest[:1].isupper() or rest[:1] in '"“‘(«'):
        return None
    return tokens[i].start(), reason


def nav_share(text: str) -> float:
    """Share of words that are common menu items (`lexicon.NAV_WORDS`)."""
    tokens = [w.lower() for w in alpha_words(text)]
    return sum(1 for w in tokens if w in lx.NAV_WORDS) / max(1, len(tokens))


CONNECTORS = lx.wordset("of for to and the a an in on at & - – | : by with")
