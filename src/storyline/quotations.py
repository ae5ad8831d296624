"""Direct quotations found by their marks, in the conventions of every bundled language, and their speakers.

Written here rather than taken from textacy (`textacy.extract.triples.direct_quotations`, the
field's usual tool, used by earlier versions) because of what it does on news text, measured on
PolNeAR by `eval/quotes.py`: it refuses a whole text when the number of quote marks is odd,
pairs quote tokens two by two whatever their kind (so one stray mark shifts every pair after it
and the narrative between two quotations becomes a "quotation"), returns quoted fragments inside
a paraphrase ("called for more “flexibility”") as quotations, and keeps only quotations it finds
a reporting verb for nearby (a second quoted sentence after an attributed one is often lost).

Two steps, one job each:

- `find_quotations(text)`: pairs of marks within a paragraph (“…” „…“ „…” «…» »…« ‹…› ‘…’ ‚…‘
  「…」 and straight "…"), never across narrative: a quotation left open at the end of its
  paragraph only counts when the next paragraph opens with the same mark (the convention for a
  quotation that runs over paragraphs), and a second opening mark before the closing one drops the
  first. Each quotation is `direct` (a statement set off from the narrative: it starts a sentence
  or follows the attribution's comma or colon) or a fragment inside the writer's own sentence.
- `attribute(doc, spans, verbs)`: the speaker of each direct quotation from a spaCy parse: the
  subject of a reporting verb in the rest of its sentence (`“…,” Clinton said`, `said the mayor`,
  `Clinton said: “…”`, `according to aides`), else the speaker of the nearest attributed quotation
  of the same paragraph, else, for a paragraph that opens with a quotation, the last speaker of
  the paragraph before (a statement that goes on). Pronouns and titles ("he", "the spokesman")
  are resolved to names at story level (`storyline.enrich.quotes`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

# Opening mark -> the marks that close it.
_PAIRS: dict[str, str] = {
    # Straight and curly double marks are mixed in pasted and edited copy ("…” and “…").
    "“": '”"',
    "„": "“”",
    "«": "»",
    "»": "«",
    "‹": "›",
    "‘": "’",
    "‚": "‘’",
    "「": "」",
    "『": "』",
    '"': '"”',
}
OPENING = frozenset(_PAIRS)
CLOSING = frozenset('”“»«›’‘」』"')
ALL_MARKS = "\"'“”‘’«»„‚‹›「」『』"
# Characters after which a quotation starts a statement rather than continuing the writer's
# sentence: a sentence end, the attribution's colon or comma, a bracket or a dash.
_BOUNDARY = frozenset(".!?:;,)]—–-…")
# Dependency labels of a verb's subject (English, French and Universal Dependencies schemes).
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "nsubj:pass", "csubj"})
_SENTENCES = re.compile(r"\w[.!?]\s+[A-Z\u00C0-\u00DE\u0400-\u042F]")
# A quotation goes on from the one before only across at most one sentence (its attribution).
_SENTENCE_END = re.compile(r"\w[.!?][”\"’»]?(?=\s)")
_MAX_GAP = 300
_RELATIVE = frozenset({"who", "which", "that", "qui", "que"})
# Reporting verbs of news that textacy's lists (`textacy.constants.REPORTING_VERBS`) leave out.
MORE_REPORTING_VERBS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {
            "add",
            "ask",
            "continue",
            "tell",
            "tweet",
            "write",
            "explain",
            "declare",
            "respond",
            "recall",
            "joke",
            "quip",
            "reply",
            "shout",
            "yell",
            "exclaim",
            "retort",
            "remark",
            "insist",
            "concede",
            "boast",
            "vow",
            "pledge",
            "caution",
            "scoff",
            "muse",
        }
    ),
    "fr": frozenset(
        {
            "ajouter",
            "expliquer",
            "déclarer",
            "affirmer",
            "estimer",
            "souligner",
            "préciser",
            "lancer",
            "raconter",
        }
    ),
}
# A speaker's phrase longer than this is cut at its head: a relative clause is not a speaker.
MAX_PHRASE_TOKENS = 12


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """A quotation between marks.

    Attributes:
        start, end: the quoted words, marks and surrounding spaces excluded.
        open_at: offset of the opening mark.
        close_at: offset just past the closing mark (the paragraph's end for a quotation that
            goes on in the next paragraph).
        direct: a statement set off from the narrative, not a fragment inside it.
        paragraph: index of the paragraph (line) it is in.
    """

    start: int
    end: int
    open_at: int
    close_at: int
    direct: bool
    paragraph: int


def _can_open(para: str, i: int) -> bool:
    """Whether the mark at `i` can open a quotation (» only: see `_Marks`)."""
    mark = para[i]
    before = para[i - 1] if i else " "
    after = para[i + 1] if i + 1 < len(para) else " "
    if mark in "‘‚":  # also an apostrophe: only before a word, never after one
        return not before.isalnum() and (after.isalnum() or after in "…")
    if mark == '"':
        return not before.isalnum() and not after.isspace()
    if mark == "»":
        return not before.isalnum()
    return True


def _can_close(para: str, k: int) -> bool:
    """Whether the mark at `k` can close a quotation: a single mark not inside a word ("don’t")."""
    if para[k] in "’‘":
        after = para[k + 1] if k + 1 < len(para) else " "
        return not after.isalnum()
    return True


class _Marks:
    """Where each mark of one paragraph can open or close a quotation, found in one pass.

    Pairing then looks up the next closing mark with a binary search, so a paragraph full of
    unpaired marks (a hostile or broken text) costs n log n, not n².
    """

    def __init__(self, para: str) -> None:
        self.para = para
        self.opens: dict[str, list[int]] = {}
        self.closes: dict[str, list[int]] = {}
        left = para.find("«")
        right = para.rfind("«")
        for k, c in enumerate(para):
            # » opens (German, Danish) only where no « came before and one comes after.
            guillemet = c != "»" or ((left < 0 or left > k) and right > k)
            if c in OPENING and guillemet and _can_open(para, k):
                self.opens.setdefault(c, []).append(k)
            if c in CLOSING and _can_close(para, k):
                self.closes.setdefault(c, []).append(k)

    def can_open(self, i: int) -> bool:
        ks = self.opens.get(self.para[i], [])
        n = bisect.bisect_left(ks, i)
        return n < len(ks) and ks[n] == i

    def _next(self, ks: list[int], i: int) -> int | None:
        n = bisect.bisect_right(ks, i)
        return ks[n] if n < len(ks) else None

    def closer(self, i: int) -> int | None:
        """Offset of the mark that closes the one at `i`.

        A negative offset -k when a new opening mark at k comes first (the one at `i` was never
        closed); None when the paragraph ends first.
        """
        mark = self.para[i]
        found = [k for c in _PAIRS[mark] if (k := self._next(self.closes.get(c, []), i)) is not None]
        close = min(found) if found else None
        again = None if mark in _PAIRS[mark] else self._next(self.opens.get(mark, []), i)
        if close is not None and (again is None or close < again):
            return close
        return -again if again is not None else None


def _before(text: str, i: int) -> int:
    """Offset of the last character before `i` that is not a space (-1 at the start)."""
    j = i - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    return j


def _first_letter(text: str) -> str:
    for c in text:
        if c.isalnum():
            return c
    return ""


def _is_title(body: str) -> bool:
    """A name in marks, not a statement: one word, or a few words all capitalised ("Gifted Hands,")."""
    if " " not in body and any(ord(c) >= 0x2E80 for c in body):
        return len(body) < 4  # Chinese and Japanese write no spaces between words
    words = [w for w in body.split() if w[:1].isalpha()]
    if len(body.split()) < 2:
        return True
    if len(words) > 8 or not words:
        return False
    return sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def find_quotations(text: str) -> list[QuoteSpan]:
    """Every quotation between marks in `text`, in order (see the module's docstring)."""
    out: list[QuoteSpan] = []
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    for n, (base, para) in enumerate(lines):
        nxt = lines[n + 1][1].lstrip() if n + 1 < len(lines) else ""
        marks = _Marks(para)
        i = 0
        last_close = -1
        while i < len(para):
            mark = para[i]
            if mark not in OPENING or not marks.can_open(i):
                i += 1
                continue
            k = marks.closer(i)
            if k is not None and k < 0:
                i = -k
                continue
            if k is None:
                # Open at the paragraph's end: a quotation that goes on, when the next paragraph
                # opens with the same mark; otherwise a stray mark, and nothing is quoted.
                if not nxt.startswith(mark):
                    i += 1
                    continue
                close, end_of_words = len(para), len(para)
            else:
                close, end_of_words = k + 1, k
            words = para[i + 1 : end_of_words]
            lead = len(words) - len(words.lstrip())
            body = words.strip()
            if body and any(c.isalnum() for c in body):
                j = _before(para, i)
                before = para[j] if j >= 0 else ""
                first = _first_letter(body)
                # Corner brackets mark speech wherever they stand (Japanese, Chinese).
                opens = before == "" or before in _BOUNDARY or before in ALL_MARKS or mark in "「『"
                # "…,” he said, “and then we left.”: the rest of a statement broken by its attribution.
                resumed = before == "," and last_close >= 0 and i - last_close <= 80
                direct = (
                    # Not lowercase: a capital, a digit, or a script without case.
                    (opens and (not first.islower() or resumed or k is None))
                    # '... said that “the Russians escaped. The city center is free.”': a
                    # quotation of more than one sentence is a statement wherever it stands.
                    or _SENTENCES.search(body) is not None
                ) and not _is_title(body)
                start = base + i + 1 + lead
                out.append(QuoteSpan(start, start + len(body), base + i, base + close, direct, n))
            last_close = close
            i = close
    return out


def phrase_span(tok: Any) -> tuple[int, int]:
    """Character span of a token's noun phrase (its subtree), cut to the head if too long."""
    sub = list(tok.subtree)
    if len(sub) > MAX_PHRASE_TOKENS:
        left = list(tok.lefts)
        sub = [*left, tok] if left else [tok]
    return min(t.idx for t in sub), max(t.idx + len(t.text) for t in sub)


def head_span(tok: Any) -> tuple[int, int]:
    """The head noun with its compounds ("Oleh Syniehubov", "spokesman")."""
    tokens = [tok, *[c for c in tok.children if c.dep_ in ("compound", "flat", "flat:name")]]
    return min(t.idx for t in tokens), max(t.idx + len(t.text) for t in tokens)


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who a quotation is attributed to, as offsets into the text.

    Attributes:
        head_start, head_end: the speaker's head noun with its compounds (``Clinton``, ``he``).
        phrase_start, phrase_end: the speaker's whole noun phrase (``A spokesman for the Bohun Brigade``).
        cue: lemma of the reporting verb, or None when inherited from another quotation.
    """

    head_start: int
    head_end: int
    phrase_start: int
    phrase_end: int
    cue: str | None


class _Frame:
    """Token lookup by character offset over one parsed text, outside quotations."""

    def __init__(self, doc: Any, spans: Sequence[QuoteSpan]) -> None:
        self.doc = doc
        self.starts = [t.idx for t in doc]
        self.quoted = sorted((s.open_at, s.close_at) for s in spans)
        self.sentences = [(s.start_char, s.end_char) for s in doc.sents]
        self.sentence_starts = [s for s, _ in self.sentences]

    def inside_quote(self, offset: int) -> bool:
        i = bisect.bisect_right(self.quoted, (offset, 1 << 62)) - 1
        return i >= 0 and self.quoted[i][0] <= offset < self.quoted[i][1]

    def tokens(self, a: int, b: int) -> list[Any]:
        lo = bisect.bisect_left(self.starts, a)
        hi = bisect.bisect_left(self.starts, b)
        return [t for t in self.doc[lo:hi] if not self.inside_quote(t.idx)]

    def sentence(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.sentence_starts, offset) - 1
        return self.sentences[max(i, 0)]


def _subject_of(verb: Any, a: int, b: int, frame: _Frame) -> Any | None:
    subj = next((c for c in verb.children if c.dep_ in _SUBJECT_DEPS), None)
    if subj is None and verb.dep_ == "conj":
        # "forces came to him and asked, “…”": the coordinated verb's subject.
        subj = next((c for c in verb.head.children if c.dep_ in _SUBJECT_DEPS), None)
    if subj is not None and a <= subj.idx < b and not frame.inside_quote(subj.idx):
        if subj.lower_ in _RELATIVE and subj.head.head is not subj.head:
            subj = subj.head.head  # "Clinton, who said ...": the relative clause's noun
        return subj if subj.pos_ in ("PROPN", "NOUN", "PRON") else None
    if subj is not None:
        return None
    # "…,” said the mayor: an inverted subject the parser left as an object.
    for tok in verb.doc[verb.i + 1 : verb.i + 6]:
        if not a <= tok.idx < b or frame.inside_quote(tok.idx):
            break
        if tok.pos_ in ("PROPN", "NOUN", "PRON") and tok.dep_ not in ("npadvmod", "obl:tmod", "pobj"):
            head = tok
            while head.dep_ in ("compound", "flat", "flat:name") and head.head.i > head.i:
                head = head.head
            return head
        if tok.pos_ not in ("DET", "ADJ", "PROPN", "PUNCT", "NUM"):
            break
    return None


def _according_to(tokens: Sequence[Any]) -> Any | None:
    for tok in tokens:
        if tok.lower_ in ("according", "selon", "según"):
            for t in tok.doc[tok.i + 1 : tok.i + 4]:
                if t.pos_ in ("PROPN", "NOUN"):
                    head = t
                    while head.dep_ in ("compound", "flat", "flat:name") and head.head.i > head.i:
                        head = head.head
                    return head
    return None


def _signed(tokens: Sequence[Any], text: str) -> Any | None:
    """A quotation signed with a dash and a name: "…” ― Steve Quinlan."""
    if text.lstrip(" ,\u00a0")[:1] not in ("―", "—", "–", "-"):
        return None
    for tok in tokens[:6]:
        if tok.ent_type_ in ("PERSON", "PER", "ORG"):
            ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
            return ent.root if ent is not None else tok
    return None


def _speaker_in(
    a: int,
    b: int,
    near: int,
    frame: _Frame,
    verbs: frozenset[str],
    any_verb: bool = False,
    ended: bool = False,
) -> Speaker | None:
    """The speaker stated in the text [a, b) around a quotation (nearest reporting verb first).

    With `any_verb`, the first verb right after the quotation speaks whatever it is ("…,” Trump
    barked): a quotation that ends on a comma is the object of the verb that follows; so is the
    last verb before a colon that opens one ("Rubio fired back: “…”"). With
    `ended` (the quotation ended its sentence), a verb after it that reports a clause of its own
    is not its cue.
    """
    tokens = frame.tokens(a, b)
    cues = [t for t in tokens if t.lemma_.lower() in verbs and t.pos_ in ("VERB", "AUX")]
    if any_verb and not cues:
        # Right after the quotation, or right before the colon that opens it.
        cues = (
            [t for t in tokens[:4] if t.pos_ == "VERB"][:1]
            if near == a
            else [t for t in tokens[-6:] if t.pos_ == "VERB"][-1:]
        )
    cues.sort(key=lambda t: abs(t.idx - near))
    for verb in cues:
        if ended and verb.idx > near and any(c.dep_ == "ccomp" and c.idx > verb.idx for c in verb.children):
            # '‘Who?’ Valeriy said the locals were angry': the verb after the quotation reports
            # a statement of its own, not the quotation.
            continue
        subj = _subject_of(verb, a, b, frame)
        if subj is not None:
            h0, h1 = head_span(subj)
            p0, p1 = phrase_span(subj)
            return Speaker(h0, h1, max(p0, a), min(p1, b), verb.lemma_.lower())
    subj = _according_to(tokens)
    if subj is None and near == a:
        subj = _signed(tokens, frame.doc.text[a:b])
    if subj is not None:
        h0, h1 = head_span(subj)
        p0, p1 = phrase_span(subj)
        return Speaker(h0, h1, max(p0, a), min(p1, b), "according")
    return None


def introduced(doc: Any, spans: Sequence[QuoteSpan], verbs: frozenset[str]) -> list[QuoteSpan]:
    """The spans with a quotation that a reporting verb introduces made direct.

    'Neil Aspinall said, “with great respect to the trial judge, we consider ...”': a quotation
    right after "<reporting verb>," or "<reporting verb>:" is the statement itself, even when it
    starts in lowercase (which `find_quotations` alone takes for a fragment).
    """
    out = list(spans)
    starts = [t.idx for t in doc]
    for n, q in enumerate(spans):
        if q.direct:
            continue
        j = _before(doc.text, q.open_at)
        if j < 0 or doc.text[j] not in ",:":
            continue
        i = bisect.bisect_left(starts, j) - 1
        if i >= 0 and doc[i].lemma_.lower() in verbs and doc[i].pos_ in ("VERB", "AUX"):
            out[n] = replace(q, direct=True)
    return out


def attribute(doc: Any, spans: Sequence[QuoteSpan], verbs: frozenset[str]) -> list[Speaker | None]:
    """The speaker of each quotation in `spans` (None for fragments and unattributed ones).

    Args:
        doc: the spaCy parse of the text the spans index.
        spans: `find_quotations` of the same text.
        verbs: lemmas of the language's reporting verbs.
    """
    frame = _Frame(doc, spans)
    text = doc.text
    out: list[Speaker | None] = [None] * len(spans)
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    for n, q in enumerate(spans):
        if not q.direct:
            continue
        p0, p1 = lines[q.paragraph] if q.paragraph < len(lines) else (0, len(text))
        nxt = spans[n + 1].open_at if n + 1 < len(spans) and spans[n + 1].paragraph == q.paragraph else p1
        prv = spans[n - 1].close_at if n > 0 and spans[n - 1].paragraph == q.paragraph else p0
        # After the quotation: to the end of the sentence the next word is in, or the next quotation.
        after_end = min(nxt, max(frame.sentence(min(q.close_at + 1, len(text) - 1))[1], q.close_at))
        # Before it: from the start of the sentence the previous word is in, or the previous quotation.
        before_start = max(prv, p0, frame.sentence(max(q.open_at - 1, 0))[0])
        before = text[before_start : q.open_at].rstrip()
        ends_open = text[q.start : q.end].rstrip()[-1:] in (",", "?", "!", "—", "-")
        ended = text[q.start : q.end].rstrip()[-1:] in (".", "?", "!", "…")
        colon = before.endswith(":")
        frames = [(q.close_at, after_end, q.close_at, ends_open), (before_start, q.open_at, q.open_at, colon)]
        if colon:
            frames.reverse()
        for a, b, near, any_verb in frames:
            if b > a:
                found = _speaker_in(a, b, near, frame, verbs, any_verb, ended)
                if found is not None:
                    out[n] = found
                    break
    # A direct quotation without its own attribution goes on from the attributed one before it
    # when nothing but that one's attribution stands between them ("“…,” Clinton said. “…”"),
    # also over a paragraph break when it opens its paragraph; or it opens a statement whose
    # attribution follows the next quotation right after it ("“…” “…,” he said").
    for n, q in enumerate(spans):
        if not q.direct or out[n] is not None:
            continue
        inherited: Speaker | None = None
        prev = next((m for m in range(n - 1, -1, -1) if spans[m].direct), None)
        if prev is not None and out[prev] is not None:
            gap = text[spans[prev].close_at : q.open_at]
            opens_paragraph = "\n" not in gap or not gap[gap.rindex("\n") :].strip()
            if opens_paragraph and len(gap) <= _MAX_GAP and len(_SENTENCE_END.findall(gap)) <= 1:
                inherited = out[prev]
        nxt = n + 1
        if (
            inherited is None
            and nxt < len(spans)
            and out[nxt] is not None
            and spans[nxt].direct
            and spans[nxt].paragraph == q.paragraph
            and not text[q.close_at : spans[nxt].open_at].strip()
        ):
            inherited = out[nxt]
        if inherited is not None:
            s = inherited
            out[n] = Speaker(s.head_start, s.head_end, s.phrase_start, s.phrase_end, None)
    return out
