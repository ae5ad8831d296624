"""Split plain text (an article or a flattened page dump) into the segments that cleaning labels.

A segment is a sentence, a line without sentence punctuation (a heading, a menu, a teaser), or a
span that is furniture wherever it stands (a picture credit, "Ad Feedback"). Lines are the first
cut; long lines are cut into sentences; sentences glued together by flattening ("... for all to
see The distant sound ...") are cut where a lower-case word is followed by a capitalised function
word, which never happens inside a well-formed sentence.

The splitter is hand-written (a few regular expressions) because cleaning must run at hundreds
of documents per second on two cores; rule-based sentence splitters such as pysbd are about two
orders of magnitude slower and are tuned for well-formed prose, not page dumps.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from storyline.clean.lexicon import CREDIT_LABELS, CREDIT_RULES, INLINE_JUNK, wordset

# Abbreviations after which a period does not end a sentence (titles, months, common Latin).
_ABBREV = wordset(
    """mr mrs ms dr prof gov sen rep gen col lt capt sgt st mt jr sr co corp inc ltd no nos vs etc
    jan feb mar apr jun jul aug sep sept oct nov dec fig approx pres adm maj cmdr rev hon atty dept
    univ ave blvd rd sr sra dña dott sig mme mlle hr nr art op cit ca cf al"""
)  # fmt: skip
# Capitalised words that start a sentence but hardly ever stand inside one after a lower-case
# word; used to find sentence boundaries that flattening erased. English only: in other
# languages no boundary is guessed, which only means fewer splits.
_STARTERS = wordset(
    """The A An But And In On At As When While If It Its This That These Those He She They We His
    Her Their Our One Another Some Most Many After Before During Despite Although Though Since
    Because Meanwhile However Further Nearby Earlier Later Still Yet Then There Here What Who How
    Why Where Each Every Both Such Other Others Several Few All Two Three Four Five Six"""
)  # fmt: skip

# A copyright notice at the end of a line ("... laughing at her. (c) tPC").
_COPYRIGHT_TAIL_RE = re.compile(r"(?<=[.!?\"”’'])\s*(?:©|\([cC]\))\s*[\w .&,'-]{0,60}$")
_SENT_END_RE = re.compile(r"[.!?…]+[\"”’'»)\]]*(?=\s)")
_OPENERS = "\"“‘'«([¿¡`"
_WORD_RE = re.compile(r"\S+")


@dataclass(slots=True)
class Segment:
    """One piece of the text being cleaned (mutable: rules fill in `reason`).

    Attributes:
        text: the segment text, stripped.
        line: index of the input line it comes from.
        para: index of the paragraph (lines separated by a blank line) it comes from.
        inline: reason when the segment is furniture matched inside a line (credit, ad marker).
        glued: the segment starts at a boundary that flattening erased (no punctuation before it).
        reason: removal reason decided by the rules, None to keep.
    """

    text: str
    line: int
    para: int
    inline: str | None = None
    glued: bool = False
    reason: str | None = None
    # Features computed once on demand by the labelling rules.
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ends_sentence(self) -> bool:
        """The segment ends with sentence punctuation (optionally followed by a closing quote)."""
        return bool(re.search(r"[.!?…。！？](?:\s*[\"”’'»)\]」』])*$", self.text))

    @property
    def n_words(self) -> int:
        """Number of whitespace-separated words."""
        return len(self.text.split())


def _is_abbrev(before: str) -> bool:
    token = before.rsplit(None, 1)[-1] if before.strip() else ""
    token = token.lstrip(_OPENERS)
    if not token.endswith("."):
        return False
    core = token.rstrip(".")
    if not core:
        return False
    if len(core) == 1 and core.isalpha():
        return True  # an initial: "J. Smith"
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]?", core):
        return True  # "U.S", "N.V"
    return core.lower() in _ABBREV


def _next_starts(text: str, pos: int) -> bool:
    """The text at `pos` starts a new sentence: an optional opener, then upper case or a digit."""
    i = pos
    while i < len(text) and (text[i].isspace() or text[i] in _OPENERS or text[i] in "-–—"):
        i += 1
    return i < len(text) and (text[i].isupper() or text[i].isdigit())


def split_sentences(text: str) -> list[str]:
    """Sentences of a stretch of text, by final punctuation followed by a capitalised word."""
    out: list[str] = []
    start = 0
    for m in _SENT_END_RE.finditer(text):
        end = m.end()
        if not _next_starts(text, end):
            continue
        if (
            m.group(0).startswith(".")
            and len(m.group(0).rstrip("\"”’'»)]")) == 1
            and _is_abbrev(text[start:end])
        ):
            continue
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_STARTER_RE = re.compile(r"(?<=\S)\s+[\"“‘'«(]?(?:" + "|".join(sorted(_STARTERS)) + r")\s+(?=[^\W_])")


def split_glued(sentence: str) -> list[str]:
    """Cut a sentence where a lower-case word runs into a capitalised sentence starter."""
    cuts: list[int] = []
    for m in _STARTER_RE.finditer(sentence):
        prev = sentence[m.start() - 1]
        nxt = sentence[m.end()]
        # "from The Geysers", "in The Hague": a capitalised word after the starter makes a name.
        if (prev.islower() or prev.isdigit()) and (nxt.islower() or nxt.isdigit()):
            cuts.append(m.start() + len(m.group(0)) - len(m.group(0).lstrip()))
    if not cuts:
        return [sentence]
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(sentence[start:cut].strip())
        start = cut
    pieces.append(sentence[start:].strip())
    return [p for p in pieces if p]


_INLINE_RES = [(reason, needle, re.compile(pattern)) for reason, needle, pattern in INLINE_JUNK]
_CREDIT_BEFORE = ".!?…)]\"”’'"


# Cheap tests that must pass before the (slow) credit patterns are tried on a line.
def _hint_positions(text: str) -> dict[str, list[int]]:
    """Offsets of the hints each credit pattern needs (see `lexicon.CREDIT_RULES`), by kind.

    Found with `str.find` on the text (lower-cased once): one pass per hint in C, instead of
    a regular expression tried at every position of a 15,000-character page line.
    """
    low = text.lower()

    def find_all(hay: str, needle: str) -> list[int]:
        out, i = [], hay.find(needle)
        while i >= 0:
            out.append(i)
            i = hay.find(needle, i + 1)
        return out

    labels = tuple(CREDIT_LABELS)
    colon = [i for i in find_all(text, ":") if low[max(0, i - 14) : i].rstrip().rstrip("s").endswith(labels)]
    paren = [i for i in find_all(text, "(") if low.startswith(("(photo", "(picture", "(image", "(credit"), i)]
    handout = sorted(
        i for word in ("Handout", "Courtesy", "Pool", "File photo") for i in find_all(text, word)
    )
    return {"slash": find_all(text, "/"), "paren": paren, "label": colon, "handout": handout}


def _starts_sentence(line: str, pos: int) -> bool:
    while pos < len(line) and line[pos].isspace():
        pos += 1
    return pos >= len(line) or line[pos].isupper() or line[pos] in _OPENERS or line[pos].isdigit()


def _credit_end(line: str, start: int, end: int) -> int | None:
    """End of a credit match, shortened word by word until the text after it starts a sentence.

    "Rebecca Wright/CNN But at the same time" matches up to "But"; the credit is "Rebecca
    Wright/CNN", since "But at" cannot follow a credit while "But" can start a sentence.
    """
    slash = line.find("/", start, end)
    floor = slash + 1 if slash >= 0 else start + 1
    while end > floor:
        if _starts_sentence(line, end):
            return end
        space = line.rfind(" ", floor, end)
        if space < 0:
            return None
        end = space
    return None


def _windows(hints: list[int], size: int) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for h in hints:
        lo, hi = max(0, h - 80), min(size, h + 110)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


def _inline_spans(
    line: str, patterns: list[tuple[str, str, re.Pattern[str]]], hints: dict[str, list[int]]
) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for reason, needle, rx in patterns:
        # A substring test first: most lines hold none of these, and `in` is far cheaper.
        if needle in line:
            spans.extend((m.start(), m.end(), reason) for m in rx.finditer(line))
    # Credits are only looked for near their hints (a slash, "(Photo", "Credit:"): running the
    # name patterns over a whole 15,000-character page line costs milliseconds.
    windows = {kind: _windows(positions, len(line)) for kind, positions in hints.items() if positions}
    matches = {
        (m.start(), m.end())
        for kind, cre in CREDIT_RULES
        for lo, hi in windows.get(kind, ())
        for m in cre.finditer(line, lo, hi)
    }
    for start, end in sorted(matches, key=lambda se: (se[0], -se[1])):
        # A credit stands between sentences or pictures, never inside a sentence: the text
        # before it ends a sentence (or a bracket), the text after it starts one.
        b = start - 1
        while b >= 0 and line[b].isspace():
            b -= 1
        # "(Image: Getty)" ends its caption; its brackets make it a credit wherever it stands.
        bracketed = line[start] == "(" and line[end - 1] == ")"
        if b >= 0 and line[b] not in _CREDIT_BEFORE and not bracketed:
            continue
        cut = _credit_end(line, start, end)
        if cut is not None:
            spans.append((start, cut, "credit"))
    m_copy = _COPYRIGHT_TAIL_RE.search(line)
    if m_copy and m_copy.start() > 0:
        spans.append((m_copy.start(), m_copy.end(), "footer"))
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for s, e, r in spans:
        if merged and s <= merged[-1][1]:
            ps, pe, pr = merged[-1]
            merged[-1] = (ps, max(pe, e), pr)
        else:
            merged.append((s, e, r))
    return merged


def segment_text(text: str) -> list[Segment]:
    r"""Segments of a normalised text, in order.

    Args:
        text: text with lines separated by ``\\n`` and paragraphs by blank lines.
    """
    segments: list[Segment] = []
    para = 0
    blank = False
    # Patterns whose hint occurs nowhere in the text are not tried line by line.
    patterns = [(r, needle, rx) for r, needle, rx in _INLINE_RES if needle in text]
    # Lines that hold a credit hint, found in one pass over the whole text.
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    hints_by_line: dict[int, dict[str, list[int]]] = {}
    for kind, positions in _hint_positions(text).items():
        for pos in positions:
            line_no = bisect_right(starts, pos) - 1
            hints_by_line.setdefault(line_no, {}).setdefault(kind, []).append(pos - starts[line_no])
    for line_no, line in enumerate(text.split("\n")):
        if not line.strip():
            blank = True
            continue
        if blank and segments:
            para += 1
        blank = False
        pos = 0
        spans = _inline_spans(line, patterns, hints_by_line.get(line_no, {}))
        for s, e, reason in [*spans, (len(line), len(line), "")]:
            chunk = line[pos:s]
            if chunk.strip():
                for sentence in split_sentences(chunk):
                    for i, piece in enumerate(split_glued(sentence)):
                        segments.append(Segment(piece, line_no, para, glued=i > 0))
            if reason:
                segments.append(Segment(line[s:e].strip(), line_no, para, inline=reason))
            pos = e
    return segments
