"""Sentence splitting for alignment: language-agnostic, fast, good enough to pair sentences.

Alignment only needs units that a translation keeps in the same order with a similar share of
the text; it does not need linguistically perfect sentences. A rule splitter works for every
script (pysbd knows ~20 languages, not Icelandic or Croatian, and is ~50x slower): paragraphs
(line breaks) always split; inside a paragraph, a full stop, question or exclamation mark (Latin
or CJK) followed by space and an upper-case letter, a digit, an opening quote or a CJK character
splits, unless the word before the stop is a one-letter initial or a short abbreviation.
"""

from __future__ import annotations

import re

# End of sentence: terminal punctuation, optional closing quotes/brackets, then space + a likely
# sentence start; or CJK terminal punctuation, which needs no space.
_LATIN_SPLIT = re.compile(r"""([.!?…]["'”’»)\]]*)\s+(?=["'“‘«(\[]?([^\s\W]))""")
_CJK_SPLIT = re.compile(r"([。！？]+[」』”’)]*)")
# Words after which a full stop rarely ends a sentence (titles, months, common abbreviations).
_ABBREV = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "no",
        "nr",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
        "approx",
        "dept",
        "est",
        "fig",
        "ca",
        "cf",
        "al",
        "sra",
        "sr",
        "dña",
        "dr",
        "dra",
        "av",
        "núm",
        "pág",
        "art",
        "ss",
        "hr",
        "fr",
        "nl",
        "dhr",
        "mevr",
        "blz",
    ]
)
MAX_CHARS = 600  # longer pieces are cut at a space near this length (long run-on segments)


def _split_if_start(m: re.Match[str]) -> str:
    # A sentence starts with an upper-case letter, a digit or a character of a caseless script.
    first = m.group(2)
    return m.group(1) + ("\n" if not first.islower() else " ")


def _ends_with_abbreviation(piece: str) -> bool:
    head = piece.rstrip("\"'”’»)]").rstrip(".!?…").split()
    last = head[-1] if head else ""
    if len(last) == 1 and last.isalpha():
        return True  # an initial: "J. Smith"
    if last.isdigit() and len(last) <= 2 and piece.rstrip().endswith("."):
        return True  # an ordinal day or number in German, Icelandic...: "am 5. August"
    return last.casefold() in _ABBREV


def split_sentences(text: str) -> list[str]:
    """Sentences of a clean text, in order (empty pieces dropped)."""
    out: list[str] = []
    for para in re.split(r"\n+", text):
        para = para.strip()
        if not para:
            continue
        for chunk in _CJK_SPLIT.sub(r"\1\n", para).split("\n"):
            pieces = _LATIN_SPLIT.sub(_split_if_start, chunk).split("\n")
            buf = ""
            for piece in pieces:
                buf = f"{buf} {piece}" if buf else piece
                if not _ends_with_abbreviation(buf):
                    out.extend(_cut(buf.strip()))
                    buf = ""
            if buf.strip():
                out.extend(_cut(buf.strip()))
    return [s for s in out if s]


def _cut(sentence: str) -> list[str]:
    if len(sentence) <= MAX_CHARS:
        return [sentence]
    parts = []
    while len(sentence) > MAX_CHARS:
        cut = sentence.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
        cut = cut if cut > 0 else MAX_CHARS
        parts.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        parts.append(sentence)
    return parts
