"""The labelling rules for the segments of a plain text (see `storyline.clean.boilerplate`).

Furniture, captions, video playlists, repeats, template blocks, teasers, and the body span.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from storyline.clean import lexicon as lx
from storyline.clean.features import (
    PHRASE_KEYS,
    PUNCT,
    cap_share,
    ends_sentence,
    is_prose,
    n_words,
    nav_share,
    phrase_cover,
    phrase_prefix,
    seg_ends,
    seg_key,
)
from storyline.clean.segment import Segment
from storyline.clean.templates import BlockStats, TemplateRule, block_hash
from storyline.text import word_count
from storyline.types import Removal

# Reasons under which header material is moved into metadata rather than dropped.
METADATA_REASONS = frozenset({"headline", "date", "byline"})

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


_REPEAT_MIN_WORDS = 10


_VIDEO_MARKER_RE = re.compile(r"^Now [Pp]laying\b")


@dataclass
class Doc:
    """The segments of one text being cleaned, and what its header said (mutable working state)."""

    segs: list[Segment]
    multiline: bool
    removed_head: list[Removal] = field(default_factory=list)
    headline: str | None = None
    author: str | None = None
    published: str | None = None
    date_source: str | None = None
    publisher: str | None = None
    dateline: str | None = None


def replace_segment(segs: list[Segment], i: int, pieces: list[tuple[str, str | None]]) -> None:
    """Replace segment `i` by pieces of its text, each with its reason (None to keep)."""
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


def _furniture(seg: Segment, repeated: bool) -> str | None:
    """Reason when the segment alone is page furniture."""
    if seg.inline:
        return seg.inline
    text = seg.text
    key = seg_key(seg)
    if not key:
        return "navigation" if len(text) <= 3 else None
    phrase = PHRASE_KEYS.get(key) or phrase_cover(key)
    if phrase:
        return phrase
    # Substring tests first: the patterns are only tried where they can match.
    if ("©" in text or "copyright" in key or "rights reserved" in key or "(c)" in text.lower()) and (
        lx.COPYRIGHT_RE.search(text) and n_words(seg) <= 40
    ):
        return "footer"
    if lx.PROMPT_RE.match(text) or ("inbox" in key and lx.INBOX_RE.search(text) and n_words(seg) <= 25):
        return "subscription"
    if ("[" in text or "{{" in text) and lx.MARKUP_RE.search(text):
        return "caption" if "caption" in text.lower() else "navigation"
    if text[-1:].isdigit() and lx.DURATION_RE.search(text) and not ends_sentence(text[:-6].rstrip()):
        return "video"
    n = n_words(seg)
    # Menus: runs of capitalised items. Long runs are menus whatever ends them (a flattened
    # footer runs into its copyright sentence); shorter ones need menu words or a repeat, since a
    # Title Case heading looks the same.
    ends = seg_ends(seg)
    cap = cap_share(text) if n >= 4 else 0.0
    if cap >= 0.75:
        # A list of names in an article ("* St. Thomas Assembly of St. Thomas, Ontario * ...")
        # is capitalised too, but punctuated; menu items stand side by side without commas.
        listy = sum(text.count(c) for c in ",;*•") > 0.05 * n
        if n >= 12 and not listy and (not ends or (n >= 20 and cap >= 0.9)):
            seg.cache["menu"] = True
            return "navigation"
        if not ends and (nav_share(text) >= 0.3 or repeated):
            seg.cache["menu"] = True
            return "navigation"
    return None


def alone(segs: list[Segment], i: int) -> bool:
    """The segment is its line's only segment."""
    line = segs[i].line
    return (i == 0 or segs[i - 1].line != line) and (i + 1 >= len(segs) or segs[i + 1].line != line)


def label_furniture(doc: Doc, counts: Counter[str]) -> None:
    """Label the furniture rules' segments; segments already checked are skipped (it runs twice)."""
    i = 0
    while i < len(doc.segs):
        seg = doc.segs[i]
        if seg.reason is None and not seg.cache.get("checked"):
            seg.cache["checked"] = True
            prefix = phrase_prefix(seg.text)
            if prefix is not None:
                cut, reason = prefix
                replace_segment(doc.segs, i, [(seg.text[:cut], reason), (seg.text[cut:], None)])
                continue
            seg.reason = _furniture(seg, counts[seg_key(seg)] > 1)
        i += 1


def label_video_lists(doc: Doc) -> None:
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
            if is_prose(nxt) and n_words(nxt) >= 25:
                break


def _caption_like(seg: Segment) -> bool:
    return bool(lx.CAPTION_START_RE.match(seg.text) or lx.CAPTION_CUE_RE.search(seg.text))


def label_captions_by_credit(doc: Doc, counts: Counter[str]) -> None:
    """The sentence before a picture credit is its caption, with caption sentences before it."""
    segs = doc.segs
    for i, seg in enumerate(segs):
        if seg.reason != "credit":
            continue
        j = i - 1
        while j >= 0 and segs[j].reason in ("credit",):
            j -= 1
        if j < 0 or segs[j].reason is not None or n_words(segs[j]) > 60:
            continue
        if doc.multiline and segs[j].para < seg.para - 1:
            continue
        segs[j].reason = "caption"
        k = j
        while k - 1 >= 0 and segs[k - 1].reason is None:
            prev, cur = segs[k - 1], segs[k]
            if prev.para != cur.para and doc.multiline:
                break
            continued = cur.text[:1] in "-–—" or counts[seg_key(prev)] > 1 or _caption_like(prev)
            if not continued:
                break
            prev.reason = "caption"
            k -= 1


def _standalone_caption(seg: Segment) -> bool:
    """A one-sentence paragraph that describes a picture (multi-line texts only)."""
    text = seg.text
    n = n_words(seg)
    if not 4 <= n <= 40:
        return False
    if lx.CAPTION_START_RE.match(text) or lx.CAPTION_CUE_RE.search(text):
        return True
    if any(c in text for c in _QUOTE_CHARS) or _ATTRIBUTION_RE.search(text):
        return False
    first = text.split()[0].lower().strip(PUNCT)
    if first in _PRONOUN_START and first not in ("a", "an"):
        return False
    if _CAPTION_PARTICIPLE_RE.match(text):
        return True
    if _MODAL_RE.search(text):
        return False
    words = [w.lower().strip(PUNCT) for w in text.split()]
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


def label_standalone_captions(doc: Doc) -> None:
    """Label one-sentence lines between paragraphs that describe a picture (multi-line texts)."""
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


def label_repeats(doc: Doc, counts: Counter[str]) -> None:
    """A sentence printed twice in one page is furniture the second time (caption, pull quote).

    Only sentences of ten words or more: short lines recur legitimately in lists and recipes
    ("Eat every 2-3 hours"), while a long sentence printed twice is a pull quote or a caption.
    """
    seen: set[str] = set()
    for seg in doc.segs:
        key = seg_key(seg)
        if counts[key] < 2 or n_words(seg) < _REPEAT_MIN_WORDS:
            continue
        if key in seen and seg.reason is None:
            seg.reason = "repeated"
        seen.add(key)


def label_templates(doc: Doc, stats: BlockStats, publisher: str | None, rule: TemplateRule) -> None:
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
            or (n_words(s) >= 2 and rule.is_template(stats, publisher, block_hash(s.text)))
        )
    ]
    prose_words = sum(n_words(s) for s in doc.segs if is_prose(s))
    hit_words = sum(n_words(s) for s in hits if is_prose(s))
    # Copies and updates of one story share most of their text: never let template evidence
    # remove the larger part of an article.
    if prose_words and hit_words > 0.5 * prose_words:
        return
    for s in hits:
        s.reason = "template"


def _score(seg: Segment) -> float:
    cached = seg.cache.get("score")
    if cached is not None and cached[0] == seg.reason:  # type: ignore[index]
        return cached[1]  # type: ignore[index]
    n = max(1, n_words(seg))
    if seg.reason is not None:
        score = -float(max(2, n))
    elif is_prose(seg):
        score = float(n)
    else:
        # Headings, list items and other lines without a sentence: mildly against, so that
        # they join the body only between paragraphs of prose.
        score = -0.25 * n
    seg.cache["score"] = (seg.reason, score)
    return score


def body_span(segs: list[Segment]) -> tuple[int, int]:
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
    return Counter(w.strip(PUNCT) for seg in segs for w in _MID_CAPS_RE.findall(seg.text))


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
        word = cur.group(0).strip(PUNCT)
        if prev.group(0)[-1:].islower() and word[:1].isupper() and caps[word] <= 1:
            return cur.start()
    return None


def label_teasers(doc: Doc, lo: int, hi: int) -> tuple[int, int]:
    """Label teasers for other articles inside the body span; returns the span, which may grow."""
    segs = doc.segs
    caps: Counter[str] | None = None
    i = lo
    while i <= hi:
        seg = segs[i]
        if seg.reason is None and lx.TEASER_START_RE.match(seg.text):
            if n_words(seg) <= 20 or not seg_ends(seg):
                seg.reason = "teaser"
            else:
                caps = caps if caps is not None else _mid_sentence_caps(segs)
                cut = _teaser_cut(seg.text, caps)
                if cut is not None:
                    replace_segment(segs, i, [(seg.text[:cut], "teaser"), (seg.text[cut:], None)])
                    hi += 1
        i += 1
    # Flattened pages: a short unit after a picture that ends in a fragment running into the next
    # sentence is a link to another article ("The rot runs deep ... machine. Ukraine is exposing
    # it for all to see The distant sound ..."). A lone fragment there is a heading and stays.
    for i in range(lo, hi):
        seg = segs[i]
        if seg.reason is not None or seg_ends(seg) or not segs[i + 1].glued:
            continue
        total, members, j = n_words(seg), [i], i - 1
        while (
            j >= lo and segs[j].reason is None and segs[j].line == seg.line and total + n_words(segs[j]) <= 25
        ):
            total += n_words(segs[j])
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
            total = sum(n_words(s) for s in line_segs)
            if (
                total <= 25
                and not ends_sentence(line_segs[-1].text)
                and all(n_words(s) >= 3 for s in line_segs)
            ):
                for s in line_segs:
                    s.reason = "teaser"
    return lo, hi
