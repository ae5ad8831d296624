"""Boilerplate removal for plain text: articles, and web pages flattened to text.

The text is cut into segments (`storyline.clean.segment`) and each segment is labelled by a
sequence of general rules; what is left is the article.

1. Furniture recognised by form: picture credits, "Ad Feedback" markers, video durations, lone
   interface words and prompts (a modest lexicon), copyright lines, menus (long runs of
   capitalised words without a sentence), and blocks that recur across many documents of the
   same publisher (`storyline.clean.templates`).
2. Context: the sentences just before a picture credit are its caption; the titles after a
   "Now playing 03:13" marker are a video playlist; a sentence repeated in the page is a caption
   or a pull quote printed twice; standalone one-sentence paragraphs in the present tense that
   describe a scene ("A man cycles past ...", "... is seen near Izium.") are captions.
3. The page header (headline, byline, date) is read and set aside as metadata.
4. The body is the span of segments with the most article text: the maximum-sum contiguous run
   where prose counts for its words and furniture against (the Body Text Extraction idea of Finn,
   Kushmerick and Smyth, 2001, applied to segments instead of HTML tags). Whatever lies outside
   is page header or footer.
5. Inside the body, headings are kept; lines that read as teasers for other articles are not.
"""

from __future__ import annotations

import re
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import pairwise

from storyline.clean import lexicon as lx
from storyline.clean.dates import find_dates, parse_date
from storyline.clean.metadata import find_byline_start, find_dateline, parse_byline, split_title_site
from storyline.clean.segment import Segment, segment_text, split_glued, split_sentences
from storyline.clean.templates import BlockStats, TemplateRule, block_hash
from storyline.text import normalise, word_count
from storyline.types import Removal

# Reasons under which header material is moved into metadata rather than dropped.
METADATA_REASONS = frozenset({"headline", "date", "byline"})

_CONNECTORS = lx.wordset("of for to and the a an in on at & - – | : by with")
_PRONOUN_START = lx.wordset(
    """he she they it we i you his her their its our this that these those but and so then when while
    although though because after before as if from above below during despite however meanwhile
    nearby one another some most many all both each"""
)  # fmt: skip
_ATTRIBUTION_RE = re.compile(
    r"\b(?:said|says|told|tells|according|added|asked|stated|wrote|explained|announced|reported)\b", re.I
)
_QUOTE_CHARS = '"“”«»„'
# Present-tense verbs that captions use to describe what a picture shows. Captions are written
# in the present tense ("A man cycles past ..."), reporting in the past; these are the verbs of
# scene description of agency caption style (AP, Reuters, AFP). Third-person singular forms count
# anywhere; plural forms only right after a plural noun ("Residents walk past ..."), since "walk",
# "run" or "hold" are just as often nouns or infinitives.
_CAPTION_VERBS_SG = lx.wordset(
    """cycles walks stands sits lies holds rides waits gathers looks passes drives carries speaks arrives
    attends plays burns rises hangs sleeps smiles waves marches kneels cries mourns prays greets"""
)  # fmt: skip
_CAPTION_VERBS_PL = lx.wordset(
    """walk stand sit lie hold ride wait gather look pass drive carry arrive attend burn rise hang sleep
    smile wave march kneel cry mourn pray greet"""
)  # fmt: skip
_NOT_PLURAL = lx.wordset("is was has his its this us as does yes news")
_MODAL_RE = re.compile(r"\b(?:will|would|could|should|might|must|can|cannot|had|did)\b", re.I)
# A caption without a finite verb: a noun phrase directly followed by a past participle
# ("Piles of ammunition found near a bunker ...").
_CAPTION_PARTICIPLE_RE = re.compile(
    r"^(?:[A-Z][\w'’-]*|An?|The)(?:\s+[\w'’-]+){0,4}?\s+(?:found|seen|left|shown|taken|pictured|displayed"
    r"|abandoned|destroyed|damaged|lined up|piled|scattered|gathered)\s+(?:near|in|at|on|inside|outside"
    r"|along|after|during|under|beside|next)\b"
)
_DATE_PREPOSITIONS = lx.wordset(
    "on since until till from by of in at before after between to through during el le il am"
)
_REPEAT_MIN_WORDS = 10
_MENU_REASONS = frozenset({"navigation", "footer", "header", "cookie", "share"})
_VIDEO_MARKER_RE = re.compile(r"^Now [Pp]laying\b")
_BYLINE_START_RE = re.compile(r"^(?:[A-Z][a-z]+\s+)?(?:[Bb]y|[Pp]or|[Pp]ar|[Vv]on|[Dd]oor)\s+\S")
_PITCH_START_RE = re.compile(r"^(?:get|sign|subscribe|receive|delivered|join)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TextResult:
    """What cleaning found in one plain text.

    Attributes:
        text: the article text, paragraphs separated by blank lines.
        removed: what was taken out and why, in order.
        headline: the headline found in the page header, if any.
        author: the byline's authors, if any.
        published: ISO 8601 publication date found in the text, if any.
        date_source: ``header`` (a metadata line) or ``text`` (a date printed in the page header).
        publisher: the outlet named by the dateline, byline or title suffix, if any.
        dateline: the place of the dateline, if any.
    """

    text: str
    removed: tuple[Removal, ...] = ()
    headline: str | None = None
    author: str | None = None
    published: str | None = None
    date_source: str | None = None
    publisher: str | None = None
    dateline: str | None = None


@dataclass
class _Doc:
    segs: list[Segment]
    multiline: bool
    removed_head: list[Removal] = field(default_factory=list)
    headline: str | None = None
    author: str | None = None
    published: str | None = None
    date_source: str | None = None
    publisher: str | None = None
    dateline: str | None = None


# ---------------------------------------------------------------- features

# Whether the document uses letter case normally. Texts in all capitals (old wire copy) or in
# scripts without case make case-based signals meaningless; they are then switched off.
_CASED: ContextVar[bool] = ContextVar("_CASED", default=True)


lx_punct = "\"“”‘’'«»()[]{}.,;:!?¿¡…-–—|/*#•·"
# First letter of each word (after any opening punctuation): enough to measure letter case.
_INITIAL_RE = re.compile(r"(?<![\w'’-])[^\W\d_]")


def _alpha_words(text: str) -> list[str]:
    return [w for w in (t.strip(lx_punct) for t in text.split()) if w and w[0].isalpha()]


def _lower_share(text: str) -> float:
    initials = "".join(_INITIAL_RE.findall(text))
    if not initials:
        return 0.0
    return 1.0 - sum(map(str.isupper, initials)) / len(initials)


_CONNECTOR_RE = re.compile(r"(?<![\w'’-])(?:of|for|to|and|the|a|an|in|on|at|by|with)(?![\w'’-])")


def _cap_share(text: str) -> float:
    """Share of capitalised words among the words that are not connectors ("of", "and", ...)."""
    if not _CASED.get():
        return 0.0
    initials = "".join(_INITIAL_RE.findall(text))
    total = len(initials) - len(_CONNECTOR_RE.findall(text))
    if total <= 0:
        return 0.0
    return min(1.0, sum(map(str.isupper, initials)) / total)


def _words(seg: Segment) -> int:
    n = seg.cache.get("n")
    if n is None:
        n = seg.cache["n"] = word_count(seg.text)
    return n  # type: ignore[return-value]


def _seg_lower(seg: Segment) -> float:
    low = seg.cache.get("low")
    if low is None:
        low = seg.cache["low"] = _lower_share(seg.text)
    return low  # type: ignore[return-value]


def _seg_key(seg: Segment) -> str:
    key = seg.cache.get("key")
    if key is None:
        key = seg.cache["key"] = _key(seg.text)
    return key  # type: ignore[return-value]


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?…。！？](?:\s*[\"”’'»)\]」』])*$", text))


def _seg_ends(seg: Segment) -> bool:
    end = seg.cache.get("end")
    if end is None:
        end = seg.cache["end"] = _ends_sentence(seg.text)
    return end  # type: ignore[return-value]


def _is_prose(seg: Segment) -> bool:
    """A sentence of running text (or a long lower-case run that lost its final period)."""
    if seg.reason is not None:
        return False
    shape = seg.cache.get("prose")
    if shape is None:
        n = _words(seg)
        low = _seg_lower(seg) if _CASED.get() else 1.0
        shape = (n >= 5 and low >= 0.3) if _seg_ends(seg) else (n >= 15 and low >= 0.6)
        seg.cache["prose"] = shape
    return shape  # type: ignore[return-value]


def _key(text: str) -> str:
    """Comparison key: lower-cased word characters (cheap; `fold` is kept for block hashes)."""
    return " ".join(_WORD_CHARS_RE.findall(text.lower()))


_WORD_CHARS_RE = re.compile(r"\w+")
_PHRASE_KEYS = {_key(k): v for k, v in lx.PHRASES.items()}
_PHRASE_MAX = max(len(k.split()) for k in _PHRASE_KEYS)
_PHRASE_WORDS = frozenset(w for k in _PHRASE_KEYS for w in k.split())
_PHRASE_FIRST = frozenset(k.split()[0] for k in _PHRASE_KEYS)


def _phrase_cover(key: str) -> str | None:
    """Reason when a segment is nothing but interface phrases, else None.

    "Compartir en Facebook Compartir en Twitter" or "Search Log In My Account" get the reason
    of their longest phrase.
    """
    tokens = key.split()
    if len(tokens) < 2 or len(tokens) > 40 or tokens[0] not in _PHRASE_FIRST:
        return None
    i, best, best_len = 0, None, 0
    while i < len(tokens):
        for n in range(min(_PHRASE_MAX, len(tokens) - i), 0, -1):
            reason = _PHRASE_KEYS.get(" ".join(tokens[i : i + n]))
            if reason:
                if n > best_len:
                    best, best_len = reason, n
                i += n
                break
        else:
            return None
    return best


# ---------------------------------------------------------------- rules


def _furniture(seg: Segment, repeated: bool) -> str | None:
    """Reason when the segment alone is page furniture."""
    if seg.inline:
        return seg.inline
    text = seg.text
    key = _seg_key(seg)
    if not key:
        return "navigation" if len(text) <= 3 else None
    phrase = _PHRASE_KEYS.get(key) or _phrase_cover(key)
    if phrase:
        return phrase
    # Substring tests first: the patterns are only tried where they can match.
    if ("©" in text or "copyright" in key or "rights reserved" in key or "(c)" in text.lower()) and (
        lx.COPYRIGHT_RE.search(text) and _words(seg) <= 40
    ):
        return "footer"
    if lx.PROMPT_RE.match(text) or (lx.INBOX_RE.search(text) and _words(seg) <= 25):
        return "subscription"
    if lx.MARKUP_RE.search(text):
        return "caption" if "caption" in text.lower() else "navigation"
    if text[-1:].isdigit() and lx.DURATION_RE.search(text) and not _ends_sentence(text[:-6].rstrip()):
        return "video"
    n = _words(seg)
    # Menus: runs of capitalised items. Long runs are menus whatever ends them (a flattened
    # footer runs into its copyright sentence); shorter ones need menu words or a repeat, since a
    # Title Case heading looks the same.
    ends = _seg_ends(seg)
    cap = _cap_share(text) if n >= 4 else 0.0
    if cap >= 0.75:
        # A list of names in an article ("* St. Thomas Assembly of St. Thomas, Ontario * ...")
        # is capitalised too, but punctuated; menu items stand side by side without commas.
        listy = sum(text.count(c) for c in ",;*•") > 0.05 * n
        if n >= 12 and not listy and (not ends or (n >= 20 and cap >= 0.9)):
            seg.cache["menu"] = True
            return "navigation"
        if not ends and (_nav_share(text) >= 0.3 or repeated):
            seg.cache["menu"] = True
            return "navigation"
    return None


def _nav_share(text: str) -> float:
    tokens = [w.lower() for w in _alpha_words(text)]
    return sum(1 for w in tokens if w in lx.NAV_WORDS) / max(1, len(tokens))


def _alone(segs: list[Segment], i: int) -> bool:
    """The segment is its line's only segment."""
    line = segs[i].line
    return (i == 0 or segs[i - 1].line != line) and (i + 1 >= len(segs) or segs[i + 1].line != line)


def _phrase_prefix(text: str) -> tuple[int, str] | None:
    """Length (in characters) and reason of a run of two or more interface phrases opening `text`.

    Flattening glues share buttons to the first sentence ("Compartir en Facebook Compartir en
    Twitter MADRID (DDS) — ..."); one phrase alone is not enough ("Share prices rose ...").
    """
    if _key(text.split(None, 1)[0] if text.strip() else "") not in _PHRASE_FIRST:
        return None  # cheap test first: most segments do not start with an interface word
    tokens = list(re.finditer(r"\S+", text))
    i, phrases, reason = 0, 0, None
    while i < len(tokens):
        for n in range(min(_PHRASE_MAX, len(tokens) - i), 0, -1):
            key = _key(" ".join(t.group(0) for t in tokens[i : i + n]))
            if key and key in _PHRASE_KEYS:
                reason = reason or _PHRASE_KEYS[key]
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


def _label_furniture(doc: _Doc, counts: Counter[str]) -> None:
    """Label the furniture rules' segments; segments already checked are skipped (it runs twice)."""
    i = 0
    while i < len(doc.segs):
        seg = doc.segs[i]
        if seg.reason is None and not seg.cache.get("checked"):
            seg.cache["checked"] = True
            prefix = _phrase_prefix(seg.text)
            if prefix is not None:
                cut, reason = prefix
                _replace(doc.segs, i, [(seg.text[:cut], reason), (seg.text[cut:], None)])
                continue
            seg.reason = _furniture(seg, counts[_seg_key(seg)] > 1)
        i += 1


def _label_video_lists(doc: _Doc) -> None:
    """Titles after a "Now playing 03:13" marker, up to the next marker, are a playlist."""
    segs = doc.segs
    for i, seg in enumerate(segs):
        if seg.inline != "video" or not _VIDEO_MARKER_RE.match(seg.text):
            continue
        for nxt in segs[i + 1 :]:
            if nxt.inline is not None:
                break
            if nxt.reason is None:
                nxt.reason = "video"
            if _is_prose(nxt) and _words(nxt) >= 25:
                break


def _caption_like(seg: Segment) -> bool:
    return bool(lx.CAPTION_START_RE.match(seg.text) or lx.CAPTION_CUE_RE.search(seg.text))


def _label_captions_by_credit(doc: _Doc, counts: Counter[str]) -> None:
    """The sentence before a picture credit is its caption, with caption sentences before it."""
    segs = doc.segs
    for i, seg in enumerate(segs):
        if seg.reason != "credit":
            continue
        j = i - 1
        while j >= 0 and segs[j].reason in ("credit",):
            j -= 1
        if j < 0 or segs[j].reason is not None or _words(segs[j]) > 60:
            continue
        if doc.multiline and segs[j].para < seg.para - 1:
            continue
        segs[j].reason = "caption"
        k = j
        while k - 1 >= 0 and segs[k - 1].reason is None:
            prev, cur = segs[k - 1], segs[k]
            if prev.para != cur.para and doc.multiline:
                break
            continued = cur.text[:1] in "-–—" or counts[_seg_key(prev)] > 1 or _caption_like(prev)
            if not continued:
                break
            prev.reason = "caption"
            k -= 1


def _standalone_caption(seg: Segment) -> bool:
    """A one-sentence paragraph that describes a picture (multi-line texts only)."""
    text = seg.text
    n = _words(seg)
    if not 4 <= n <= 40:
        return False
    if lx.CAPTION_START_RE.match(text) or lx.CAPTION_CUE_RE.search(text):
        return True
    if any(c in text for c in _QUOTE_CHARS) or _ATTRIBUTION_RE.search(text):
        return False
    first = text.split()[0].lower().strip(lx_punct)
    if first in _PRONOUN_START and first not in ("a", "an"):
        return False
    if _CAPTION_PARTICIPLE_RE.match(text):
        return True
    if _MODAL_RE.search(text):
        return False
    words = [w.lower().strip(lx_punct) for w in text.split()]
    # Scene descriptions open with an indefinite subject ("A man ...", "Residents ..."); a
    # present-tense sentence about a named subject ("The Congress stands one seat past ...")
    # is reporting.
    if not (words[0] in ("a", "an") or (words[0].endswith("s") and words[0] not in _NOT_PLURAL)):
        return False
    for prev, w in pairwise(words):
        if w in _CAPTION_VERBS_SG:
            return True
        if w in _CAPTION_VERBS_PL and prev.endswith("s") and prev not in _NOT_PLURAL:
            return True
    return False


def _label_standalone_captions(doc: _Doc) -> None:
    if not doc.multiline:
        return
    by_line: dict[int, list[Segment]] = {}
    for seg in doc.segs:
        by_line.setdefault(seg.line, []).append(seg)
    lines = sorted(by_line)
    # A picture sits between paragraphs: the first and last lines are never captions here, and
    # a text needs a few paragraphs before a one-sentence line stands out as one.
    if len(lines) < 4:
        return
    for ln in lines[1:-1]:
        segs = by_line[ln]
        if len(segs) == 1 and segs[0].reason is None and _standalone_caption(segs[0]):
            segs[0].reason = "caption"


def _label_repeats(doc: _Doc, counts: Counter[str]) -> None:
    """A sentence printed twice in one page is furniture the second time (caption, pull quote).

    Only sentences of ten words or more: short lines recur legitimately in lists and recipes
    ("Eat every 2-3 hours"), while a long sentence printed twice is a pull quote or a caption.
    """
    seen: set[str] = set()
    for seg in doc.segs:
        key = _seg_key(seg)
        if counts[key] < 2 or _words(seg) < _REPEAT_MIN_WORDS:
            continue
        if key in seen and seg.reason is None:
            seg.reason = "repeated"
        seen.add(key)


def _label_templates(doc: _Doc, stats: BlockStats, publisher: str | None, rule: TemplateRule) -> None:
    """Blocks that recur across the publisher's documents, unless that would empty the article."""
    lines: dict[int, str] = {}
    for seg in doc.segs:
        lines[seg.line] = f"{lines.get(seg.line, '')} {seg.text}".strip()
    line_template = {
        ln: word_count(text) >= 2 and rule.is_template(stats, publisher, block_hash(text))
        for ln, text in lines.items()
    }
    hits = [
        s
        for s in doc.segs
        if s.reason is None
        and (
            line_template[s.line]
            or (_words(s) >= 2 and rule.is_template(stats, publisher, block_hash(s.text)))
        )
    ]
    prose_words = sum(_words(s) for s in doc.segs if _is_prose(s))
    hit_words = sum(_words(s) for s in hits if _is_prose(s))
    # Copies and updates of one story share most of their text: never let template evidence
    # remove the larger part of an article.
    if prose_words and hit_words > 0.5 * prose_words:
        return
    for s in hits:
        s.reason = "template"


# ---------------------------------------------------------------- header (headline, byline, date)


def _replace(segs: list[Segment], i: int, pieces: list[tuple[str, str | None]]) -> None:
    seg = segs[i]
    new = [
        Segment(t.strip(), seg.line, seg.para, glued=seg.glued if k == 0 else True, reason=r)
        for k, (t, r) in enumerate(pieces)
        if t.strip()
    ]
    for s in new:
        if s.reason is None:
            s.inline = None
    segs[i : i + 1] = new


def _trim_menu_prefix(text: str, counts3: Counter[tuple[str, ...]]) -> str:
    """Drop a menu run that precedes a headline in a flattened header."""
    tokens = text.split()
    cut = 0
    for i in range(len(tokens) - 2):
        tri = tuple(tokens[i : i + 3])
        if counts3[tri] > 0 and all(t[:1].isupper() or t.lower() in _CONNECTORS for t in tri):
            cut = i + 3
    if cut < 4:
        cut = 0  # a short capitalised start repeated in the body is the headline's own subject
    # The last interface word of a run of capitalised items ("... Iniciar sesión Publicidad
    # Boeing da a conocer ...") ends the menu, provided the run before it is a real menu.
    for i in range(len(tokens) - 3, cut, -1):
        word = _key(tokens[i])
        if word in _PHRASE_KEYS or word in lx.NAV_WORDS:
            window = tokens[max(0, i - 3) : i + 1]
            if i >= 3 and all(t[:1].isupper() or _key(t) in _PHRASE_WORDS for t in window):
                cut = i + 1
            break
    for i in range(cut, len(tokens)):
        # An opening quote starts a new item: a headline that begins with a quotation.
        if tokens[i][:1] in "‘“\"'«" and i > cut:
            nav_before = [t for t in tokens[cut:i] if t[:1].isupper() or t.lower() in _CONNECTORS]
            if len(nav_before) == i - cut:
                cut = i
            break
    return " ".join(tokens[cut:])


def _read_header(doc: _Doc, title_hint: str | None, text: str) -> None:
    segs = doc.segs
    start = _body_span(segs)[0]
    limit_chars = max(600, int(0.4 * len(text)))
    seen_chars = 0
    # 1. A date printed in the header (possibly glued to the headline and the first sentence).
    if doc.published is None:
        for i, seg in enumerate(segs[: start + 1]):
            seen_chars += len(seg.text) + 1
            if seen_chars > limit_chars + len(seg.text) or seg.reason not in (None, "navigation"):
                continue
            found = find_dates(seg.text, limit=1)
            if not found:
                continue
            fd = found[0]
            before, date_text, after = seg.text[: fd.start], seg.text[fd.start : fd.end], seg.text[fd.end :]
            # A date deep inside a sentence of reporting ("... on March 4, 2022, ...") is not
            # the page header's date.
            if i >= start and not fd.lead and _lower_share(before) > 0.5 and word_count(before) > 30:
                continue
            # "... in the Rose Garden Monday, July 13, 2009." / "... on March 4, 2022, when ...":
            # a date that a preposition introduces or that punctuation closes is part of a sentence.
            last = before.split()[-1].lower().strip(",") if before.split() else ""
            if not fd.lead and (
                last in _DATE_PREPOSITIONS or (word_count(before) >= 8 and after[:1] in ".,;:!?)")
            ):
                continue
            pieces: list[tuple[str, str | None]] = []
            byline_at = find_byline_start(before)
            if byline_at is not None:
                pieces.append((before[:byline_at], None))
                pieces.append((before[byline_at:], "byline"))
            else:
                pieces.append((before, None))
            pieces.append((date_text, "date"))
            pieces.append((after, None))
            doc.published, doc.date_source = fd.iso, "text"
            _replace(segs, i, pieces)
            start = _body_span(segs)[0]
            break
    # 2. A byline without a date.
    if not any(s.reason == "byline" for s in segs[: start + 1]):
        for seg in segs[:start]:
            if (
                seg.reason is None
                and _BYLINE_START_RE.match(seg.text)
                and _words(seg) <= 25
                and parse_byline(seg.text)
            ):
                seg.reason = "byline"
                break
    for seg in segs:
        if seg.reason == "byline" and doc.author is None:
            bl = parse_byline(seg.text)
            if bl:
                doc.author = bl.authors
                doc.publisher = doc.publisher or bl.org
    # 3. The headline: given by the container, or the header segment before the byline/date, or
    #    the first title-like segment of the header.
    hint_key = _key(title_hint) if title_hint else ""
    if hint_key:
        for seg in segs[: start + 1]:
            key = _seg_key(seg)
            if seg.reason is None and key and (key == hint_key or _near(key, hint_key)):
                seg.reason = "headline"
                if doc.headline is None:
                    doc.headline = title_hint
        if doc.headline is None:
            doc.headline = title_hint
    if doc.headline is None:
        meta_idx = next((i for i, s in enumerate(segs[: start + 1]) if s.reason in ("byline", "date")), None)
        cand: int | None = None
        if meta_idx is not None:
            j = meta_idx - 1
            while j >= 0 and (
                (segs[j].reason is not None and segs[j].reason != "navigation")
                or _BYLINE_START_RE.match(segs[j].text)
            ):
                if segs[j].reason is None:
                    segs[j].reason = "byline"  # "Posted by admin": a byline without a name
                j -= 1
            cand = j if j >= 0 else None
        else:
            # The first title-like segment of the header. A Title Case headline ("Firefighters
            # Respond To Fire In Valley") may have been taken for a menu; it is still a candidate
            # when it holds no menu words and stands alone on its line.
            cand = next(
                (
                    i
                    for i, s in enumerate(segs[:start])
                    if (
                        s.reason is None
                        or (s.cache.get("menu") and _nav_share(s.text) < 0.3 and _alone(segs, i))
                    )
                    and 2 <= _words(s) <= 30
                    and not _ends_sentence(s.text.rstrip("?!"))
                ),
                None,
            )
        if cand is not None and segs[cand].reason in (None, "navigation"):
            # Menu items recur in the page's other menus (the footer repeats the header); a
            # trigram shared with the article's prose is the headline's own subject instead.
            counts3: Counter[tuple[str, ...]] = Counter()
            for k, other in enumerate(segs):
                if k != cand and other.reason in _MENU_REASONS:
                    tokens = other.text.split()
                    counts3.update(zip(tokens, tokens[1:], tokens[2:], strict=False))
            seg = segs[cand]
            head = _trim_menu_prefix(seg.text, counts3)
            if 2 <= word_count(head) <= 30:
                prefix = seg.text[: len(seg.text) - len(head)]
                title, site = split_title_site(head)
                pieces = [(prefix, "navigation"), (head, "headline")]
                _replace(segs, cand, pieces)
                doc.headline = title
                if site and doc.publisher is None:
                    doc.publisher = site
    # Near-duplicates of the headline in the header (a subtitle repeating it) go with it.
    if doc.headline:
        hkey = _key(doc.headline)
        for seg in segs[: _body_span(segs)[0]]:
            if seg.reason is None and _near(_seg_key(seg), hkey):
                seg.reason = "headline"


def _near(a: str, b: str) -> bool:
    """Two folded strings say the same headline: most words of the shorter are in the longer."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return False
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) < 3 or len(long_) > 1.5 * len(short):
        return False
    longs = set(long_)
    return sum(1 for w in short if w in longs) / len(short) >= 0.8


def _read_dateline(doc: _Doc, start: int) -> None:
    for seg in doc.segs[start : start + 3]:
        if seg.reason is not None:
            continue
        dl = find_dateline(seg.text)
        if dl:
            doc.dateline = dl.place
            if dl.agency and doc.publisher is None:
                doc.publisher = dl.agency
        return


# ---------------------------------------------------------------- body span


def _score(seg: Segment) -> float:
    n = max(1, _words(seg))
    if seg.reason is not None:
        return -float(max(2, n))
    if _is_prose(seg):
        return float(n)
    # Headings, list items and other lines without a sentence: mildly against, so that they
    # join the body only between paragraphs of prose.
    return -0.25 * n


def _body_span(segs: list[Segment]) -> tuple[int, int]:
    """Maximum-sum contiguous run of segment scores (Kadane); (start, end) inclusive."""
    best, best_span = float("-inf"), (0, -1)
    run, run_start = 0.0, 0
    for i, seg in enumerate(segs):
        s = _score(seg)
        if run <= 0:
            run, run_start = s, i
        else:
            run += s
        if run > best:
            best, best_span = run, (run_start, i)
    return best_span


_MID_CAPS_RE = re.compile(r"(?<=[a-zß-öø-ÿа-я] )[A-ZÀ-ÖØ-ÞА-Я][\w'’-]*")


def _mid_sentence_caps(segs: list[Segment]) -> Counter[str]:
    """How often each capitalised word stands after a lower-case word (names, not sentence starts)."""
    return Counter(w.strip(lx_punct) for seg in segs for w in _MID_CAPS_RE.findall(seg.text))


def _teaser_cut(text: str, caps: Counter[str]) -> int | None:
    """Where a labelled teaser ("Opinion: Where Putin goes from here") runs into the next sentence.

    The cut is the first capitalised word after a lower-case word that is not a name of the
    document (a name recurs mid-sentence elsewhere; a sentence start glued to a teaser does not).
    """
    tokens = list(re.finditer(r"\S+", text))
    label = lx.TEASER_START_RE.match(text)
    start = label.end() if label else 0
    for k in range(1, min(len(tokens), 25)):
        prev, cur = tokens[k - 1], tokens[k]
        if cur.start() < start + 1 or k < 3:
            continue
        word = cur.group(0).strip(lx_punct)
        if prev.group(0)[-1:].islower() and word[:1].isupper() and caps[word] <= 1:
            return cur.start()
    return None


def _label_teasers(doc: _Doc, lo: int, hi: int) -> tuple[int, int]:
    segs = doc.segs
    caps: Counter[str] | None = None
    i = lo
    while i <= hi:
        seg = segs[i]
        if seg.reason is None and lx.TEASER_START_RE.match(seg.text):
            if _words(seg) <= 20 or not _seg_ends(seg):
                seg.reason = "teaser"
            else:
                caps = caps if caps is not None else _mid_sentence_caps(segs)
                cut = _teaser_cut(seg.text, caps)
                if cut is not None:
                    _replace(segs, i, [(seg.text[:cut], "teaser"), (seg.text[cut:], None)])
                    hi += 1
        i += 1
    # Flattened pages: a short unit after a picture that ends in a fragment running into the next
    # sentence is a link to another article ("The rot runs deep ... machine. Ukraine is exposing
    # it for all to see The distant sound ..."). A lone fragment there is a heading and stays.
    for i in range(lo, hi):
        seg = segs[i]
        if seg.reason is not None or _seg_ends(seg) or not segs[i + 1].glued:
            continue
        total, members, j = _words(seg), [i], i - 1
        while (
            j >= lo and segs[j].reason is None and segs[j].line == seg.line and total + _words(segs[j]) <= 25
        ):
            total += _words(segs[j])
            members.append(j)
            j -= 1
        if (
            len(members) >= 2
            and j >= lo
            and segs[j].reason is not None
            and segs[j].reason not in METADATA_REASONS
        ):
            for m in members:
                segs[m].reason = "teaser"
    if doc.multiline:
        # A line of two short sentences without final punctuation, between paragraphs, is the
        # headline of another article ("The rot runs deep ... machine. Ukraine is exposing it ...").
        by_line: dict[int, list[int]] = {}
        for i in range(lo, hi + 1):
            by_line.setdefault(segs[i].line, []).append(i)
        for idx in by_line.values():
            line_segs = [segs[i] for i in idx]
            if any(s.reason is not None for s in line_segs) or len(line_segs) < 2:
                continue
            total = sum(_words(s) for s in line_segs)
            if (
                total <= 25
                and not _ends_sentence(line_segs[-1].text)
                and all(_words(s) >= 3 for s in line_segs)
            ):
                for s in line_segs:
                    s.reason = "teaser"
    return lo, hi


# ---------------------------------------------------------------- entry point


def _strip_header_field(text: str, doc_removed: list[Removal]) -> tuple[str, str | None]:
    """Remove a leading ``date 2022-09-13`` metadata line; return the text and the ISO date."""
    lines = text.split("\n")
    first_idx = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first_idx is None:
        return text, None
    m = lx.HEADER_FIELD_RE.match(lines[first_idx])
    if not m:
        return text, None
    iso = parse_date(m.group(1))
    doc_removed.append(Removal(m.group(0).strip(), "date"))
    rest = lines[first_idx][m.end() :].strip()
    if rest and lx.DURATION_RE.search(rest):
        # "date 2022-09-13 <video title> 2:39": the rest of the line is a video teaser.
        doc_removed.append(Removal(rest, "video"))
        rest = ""
    lines[first_idx] = rest
    return "\n".join(lines), iso


def clean_text(
    text: str,
    *,
    title_hint: str | None = None,
    stats: BlockStats | None = None,
    publisher_key: str | None = None,
    rule: TemplateRule | None = None,
) -> TextResult:
    """Remove boilerplate from a plain text and read its header.

    Args:
        text: the raw text (an article, or a page flattened to one or more lines).
        title_hint: the headline when the container gave one; a leading copy of it is removed.
        stats: cross-document block counts; without them only in-document evidence is used.
        publisher_key: the key under which `stats` counts this document's publisher.
        rule: when a recurring block counts as template.
    """
    removed_head: list[Removal] = []
    text = normalise(text)
    text, header_date = _strip_header_field(text, removed_head)
    if header_date is not None or removed_head:
        text = normalise(text)
    segs = segment_text(text)
    multiline = sum(1 for ln in text.split("\n") if ln.strip()) > 1
    doc = _Doc(segs, multiline, removed_head)
    if header_date:
        doc.published, doc.date_source = header_date, "header"
    counts: Counter[str] = Counter(_seg_key(s) for s in segs)
    token = _CASED.set(_lower_share(text) >= 0.3)
    try:
        return _clean(doc, counts, text, title_hint, stats, publisher_key, rule)
    finally:
        _CASED.reset(token)


def _clean(
    doc: _Doc,
    counts: Counter[str],
    text: str,
    title_hint: str | None,
    stats: BlockStats | None,
    publisher_key: str | None,
    rule: TemplateRule | None,
) -> TextResult:

    _label_furniture(doc, counts)
    _label_video_lists(doc)
    _label_captions_by_credit(doc, counts)
    _label_standalone_captions(doc)
    _label_repeats(doc, counts)
    if stats is not None:
        _label_templates(doc, stats, publisher_key, rule or TemplateRule())
    _read_header(doc, title_hint, text)
    _label_furniture(doc, counts)  # the pieces the header split off (new segments) get checked too

    segs = doc.segs
    lo, hi = _body_span(segs)
    _read_dateline(doc, lo)
    for i, seg in enumerate(segs):
        if seg.reason is None and i < lo:
            seg.reason = "header"
        elif seg.reason is None and i > hi:
            seg.reason = "footer"
    lo, hi = _label_teasers(doc, lo, hi)
    if doc.publisher is None:
        doc.publisher = _copyright_holder(segs[hi + 1 :])
    return TextResult(
        text=_assemble(segs),
        removed=tuple(doc.removed_head) + _removals(segs),
        headline=doc.headline,
        author=doc.author,
        published=doc.published,
        date_source=doc.date_source,
        publisher=doc.publisher,
        dateline=doc.dateline,
    )


def _line_furniture(line: str) -> str | None:
    """Reason when a whole line of extracted article text is furniture (conservative rules)."""
    key = _key(line)
    if not key:
        return "navigation" if len(line.strip()) >= 3 else None  # separators: "___", "* * *"
    phrase = _PHRASE_KEYS.get(key)
    if phrase:
        return phrase
    if lx.TEASER_START_RE.match(line):
        return "teaser"
    if lx.PROMPT_RE.match(line):
        return "subscription"
    if lx.MARKUP_RE.search(line):
        return "navigation"
    n = word_count(line)
    if lx.COPYRIGHT_RE.search(line) and n <= 15:
        return "footer"
    if lx.FOOTER_START_RE.match(line) and n <= 15:
        return "footer"
    if lx.NEWSLETTER_RE.search(line) and n <= 6 and not _ends_sentence(line):
        return "subscription"
    return None


def _line_context(lines: list[str], reasons: list[str | None]) -> None:
    """Furniture that follows furniture: the list under "Related:", the pitch under a newsletter box."""
    for i in range(1, len(lines)):
        prev, line = reasons[i - 1], lines[i]
        if reasons[i] is not None or prev is None:
            continue
        if prev == "teaser" and re.match(r"^[-–•*·]\s", line) and not _ends_sentence(line):
            reasons[i] = "teaser"
        elif prev == "subscription" and word_count(line) <= 30 and _PITCH_START_RE.match(line):
            reasons[i] = "subscription"


def clean_extracted(
    text: str,
    *,
    title_hint: str | None = None,
    stats: BlockStats | None = None,
    publisher_key: str | None = None,
    rule: TemplateRule | None = None,
) -> TextResult:
    """Post-pass for text an HTML extractor already reduced to the article.

    Only whole lines are removed, and only on evidence that holds without page context: a copy
    of the headline at the top, interface phrases and prompts, "Related:" teasers, copyright
    lines, and blocks recurring across the publisher's documents. The page-dump rules (body
    span, menus, captions) would cut lists and tables the extractor rightly kept.
    """
    lines = [ln for ln in normalise(text).split("\n") if ln.strip()]
    reasons: list[str | None] = [_line_furniture(ln) for ln in lines]
    _line_context(lines, reasons)
    if title_hint:
        hkey = _key(title_hint)
        for i, ln in enumerate(lines[:3]):
            if reasons[i] is None and (_key(ln) == hkey or _near(_key(ln), hkey)):
                reasons[i] = "headline"
                break
    if stats is not None:
        rule = rule or TemplateRule()
        hits = [
            i
            for i, ln in enumerate(lines)
            if reasons[i] is None
            and word_count(ln) >= 2
            and rule.is_template(stats, publisher_key, block_hash(ln))
        ]
        total = sum(word_count(ln) for ln in lines)
        if total and sum(word_count(lines[i]) for i in hits) <= 0.5 * total:
            for i in hits:
                reasons[i] = "template"
    kept = [ln for ln, r in zip(lines, reasons, strict=True) if r is None]
    removed = tuple(Removal(ln, r) for ln, r in zip(lines, reasons, strict=True) if r is not None)
    return TextResult(text="\n\n".join(kept), removed=removed, headline=title_hint)


def _copyright_holder(footer: list[Segment]) -> str | None:
    """The holder named in the page footer's copyright notice ("© 2024 Gazzetta del Nord S.p.A.")."""
    for seg in reversed(footer):
        m = lx.COPYRIGHT_HOLDER_RE.search(seg.text)
        if m:
            name = m.group("name").strip(" .,-")
            if 1 <= len(name.split()) <= 6:
                return name
    return None


def _assemble(segs: list[Segment]) -> str:
    """Kept segments as paragraphs: a new paragraph at each input line and after each removal."""
    paras: list[list[str]] = []
    prev: Segment | None = None
    gap = True
    for seg in segs:
        if seg.reason is not None:
            gap = True
            continue
        if gap or prev is None or seg.line != prev.line or (seg.glued and not _seg_ends(prev)):
            paras.append([])
        paras[-1].append(seg.text)
        prev, gap = seg, False
    return "\n\n".join(" ".join(p) for p in paras if p)


def _removals(segs: list[Segment]) -> tuple[Removal, ...]:
    """Consecutive removed segments with the same reason, merged."""
    out: list[Removal] = []
    prev_reason: str | None = None
    buf: list[str] = []
    for seg in [*segs, Segment("", -1, -1)]:
        reason = seg.reason if seg.text else None
        if reason != prev_reason and buf and prev_reason:
            out.append(Removal(" ".join(buf), prev_reason))
            buf = []
        if reason:
            buf.append(seg.text)
        prev_reason = reason
    return tuple(out)


__all__ = [
    "METADATA_REASONS",
    "TextResult",
    "clean_extracted",
    "clean_text",
    "split_glued",
    "split_sentences",
]
