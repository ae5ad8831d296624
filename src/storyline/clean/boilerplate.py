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
from dataclasses import dataclass

from storyline.clean import lexicon as lx
from storyline.clean.features import CASED, PHRASE_KEYS, ends_sentence, key_of, lower_share, seg_ends, seg_key
from storyline.clean.header import (
    copyright_holder,
    near_headline,
    read_dateline,
    read_header,
    strip_header_field,
)
from storyline.clean.rules import (
    METADATA_REASONS,
    Doc,
    body_span,
    label_captions_by_credit,
    label_furniture,
    label_repeats,
    label_standalone_captions,
    label_teasers,
    label_templates,
    label_video_lists,
)
from storyline.clean.segment import Segment, segment_text
from storyline.clean.templates import BlockStats, TemplateRule, block_hash
from storyline.text import normalise, word_count
from storyline.types import Removal

_LETTER_OR_DIGIT_RE = re.compile(r"[^\W_]")
_INLINE = [
    (reason, needle, re.compile(pattern)) for reason, needle, pattern in lx.INLINE_JUNK if reason == "header"
]
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
    text, header_date = strip_header_field(text, removed_head)
    if header_date is not None or removed_head:
        text = normalise(text)
    segs = segment_text(text)
    multiline = sum(1 for ln in text.split("\n") if ln.strip()) > 1
    doc = Doc(segs, multiline, removed_head)
    if header_date:
        doc.published, doc.date_source = header_date, "header"
    counts: Counter[str] = Counter(seg_key(s) for s in segs)
    # Judged on a sample: a page's letter case does not change halfway through.
    token = CASED.set(lower_share(text[:4000]) >= 0.3)
    try:
        return _clean(doc, counts, text, title_hint, stats, publisher_key, rule)
    finally:
        CASED.reset(token)


def _clean(
    doc: Doc,
    counts: Counter[str],
    text: str,
    title_hint: str | None,
    stats: BlockStats | None,
    publisher_key: str | None,
    rule: TemplateRule | None,
) -> TextResult:

    label_furniture(doc, counts)
    label_video_lists(doc)
    label_captions_by_credit(doc, counts)
    label_standalone_captions(doc)
    label_repeats(doc, counts)
    if stats is not None:
        label_templates(doc, stats, publisher_key, rule or TemplateRule())
    read_header(doc, title_hint, text)
    label_furniture(doc, counts)  # the pieces the header split off (new segments) get checked too

    segs = doc.segs
    lo, hi = body_span(segs)
    read_dateline(doc, lo)
    for i, seg in enumerate(segs):
        if seg.reason is None and i < lo:
            seg.reason = "header"
        elif seg.reason is None and i > hi:
            seg.reason = "footer"
    lo, hi = label_teasers(doc, lo, hi)
    if doc.publisher is None:
        doc.publisher = copyright_holder(segs[hi + 1 :])
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
    if not _LETTER_OR_DIGIT_RE.search(line):
        return None  # section separators ("___", "* * *") belong to the article's layout
    key = key_of(line)
    phrase = PHRASE_KEYS.get(key)
    if phrase:
        return phrase
    if lx.TEASER_START_RE.match(line) or lx.TAGGED_TEASER_RE.search(line):
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
    if lx.NEWSLETTER_RE.search(line) and n <= 6 and not ends_sentence(line):
        return "subscription"
    if n <= 8 and lx.STAMP_RE.match(line):
        return "date"
    if n <= 12 and lx.DATED_BYLINE_RE.search(line):
        return "byline"
    if n <= 8 and any(rx.search(line) for _, needle, rx in _INLINE if needle in line):
        return "header"  # reading-time labels and the like, alone on their line
    return None


def _line_context(lines: list[str], reasons: list[str | None]) -> None:
    """Furniture that follows furniture: the list under "Related:", the pitch under a newsletter box."""
    for i in range(1, len(lines)):
        prev, line = reasons[i - 1], lines[i]
        if reasons[i] is not None or prev is None:
            continue
        if prev == "teaser" and re.match(r"^[-–•*·]\s", line) and not ends_sentence(line):
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
        hkey = key_of(title_hint)
        for i, ln in enumerate(lines[:3]):
            if reasons[i] is None and (key_of(ln) == hkey or near_headline(key_of(ln), hkey)):
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


def _assemble(segs: list[Segment]) -> str:
    """Kept segments as paragraphs: a new paragraph at each input line and after each removal."""
    paras: list[list[str]] = []
    prev: Segment | None = None
    gap = True
    for seg in segs:
        if seg.reason is not None:
            gap = True
            continue
        if gap or prev is None or seg.line != prev.line or (seg.glued and not seg_ends(prev)):
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
]
