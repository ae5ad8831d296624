"""The page header of a plain text: headline, byline, date, dateline, copyright holder.

Header text is split off its segments and labelled with the metadata reasons (headline, byline,
date) so that it leaves the article text but not the record.
"""

from __future__ import annotations

import re
from collections import Counter

from storyline.clean import lexicon as lx
from storyline.clean.dates import find_dates, parse_date
from storyline.clean.features import (
    CONNECTORS,
    PHRASE_KEYS,
    PHRASE_WORDS,
    ends_sentence,
    key_of,
    lower_share,
    n_words,
    nav_share,
    seg_key,
)
from storyline.clean.metadata import find_byline_start, find_dateline, parse_byline, split_title_site
from storyline.clean.rules import Doc, alone, body_span, replace_segment
from storyline.clean.segment import Segment
from storyline.text import word_count
from storyline.types import Removal

_DATE_PREPOSITIONS = lx.wordset(
    "on since until till from by of in at before after between to through during el le il am"
)


MENU_REASONS = frozenset({"navigation", "footer", "header", "cookie", "share"})


BYLINE_START_RE = re.compile(r"^(?:[A-Z][a-z]+\s+)?(?:[Bb]y|[Pp]or|[Pp]ar|[Vv]on|[Dd]oor)\s+\S")


def _trim_menu_prefix(text: str, counts3: Counter[tuple[str, ...]]) -> str:
    """Drop a menu run that precedes a headline in a flattened header."""
    tokens = text.split()
    cut = 0
    for i in range(len(tokens) - 2):
        tri = tuple(tokens[i : i + 3])
        if counts3[tri] > 0 and all(t[:1].isupper() or t.lower() in CONNECTORS for t in tri):
            cut = i + 3
    if cut < 4:
        cut = 0  # a short capitalised start repeated in the body is the headline's own subject
    # The last interface word of a run of capitalised items ("... Iniciar sesión Publicidad
    # Boeing da a conocer ...") ends the menu, provided the run before it is a real menu.
    for i in range(len(tokens) - 3, cut, -1):
        word = key_of(tokens[i])
        if word in PHRASE_KEYS or word in lx.NAV_WORDS:
            window = tokens[max(0, i - 3) : i + 1]
            if i >= 3 and all(t[:1].isupper() or key_of(t) in PHRASE_WORDS for t in window):
                cut = i + 1
            break
    for i in range(cut, len(tokens)):
        # An opening quote starts a new item: a headline that begins with a quotation.
        if tokens[i][:1] in "‘“\"'«" and i > cut:
            nav_before = [t for t in tokens[cut:i] if t[:1].isupper() or t.lower() in CONNECTORS]
            if len(nav_before) == i - cut:
                cut = i
            break
    return " ".join(tokens[cut:])


def read_header(doc: Doc, title_hint: str | None, text: str) -> None:
    """Find the header's date, byline and headline, split them off their segments, label them."""
    segs = doc.segs
    start = body_span(segs)[0]
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
            if i >= start and not fd.lead and lower_share(before) > 0.5 and word_count(before) > 30:
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
            replace_segment(segs, i, pieces)
            start = body_span(segs)[0]
            break
    # 2. A byline without a date.
    if not any(s.reason == "byline" for s in segs[: start + 1]):
        for seg in segs[:start]:
            if (
                seg.reason is None
                and BYLINE_START_RE.match(seg.text)
                and n_words(seg) <= 25
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
    hint_key = key_of(title_hint) if title_hint else ""
    if hint_key:
        for seg in segs[: start + 1]:
            key = seg_key(seg)
            if seg.reason is None and key and (key == hint_key or near_headline(key, hint_key)):
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
                or BYLINE_START_RE.match(segs[j].text)
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
                        or (s.cache.get("menu") and nav_share(s.text) < 0.3 and alone(segs, i))
                    )
                    and 2 <= n_words(s) <= 30
                    and not ends_sentence(s.text.rstrip("?!"))
                ),
                None,
            )
        if cand is not None and segs[cand].reason in (None, "navigation"):
            # Menu items recur in the page's other menus (the footer repeats the header); a
            # trigram shared with the article's prose is the headline's own subject instead.
            counts3: Counter[tuple[str, ...]] = Counter()
            for k, other in enumerate(segs):
                if k != cand and other.reason in MENU_REASONS:
                    tokens = other.text.split()
                    counts3.update(zip(tokens, tokens[1:], tokens[2:], strict=False))
            seg = segs[cand]
            head = _trim_menu_prefix(seg.text, counts3)
            if 2 <= word_count(head) <= 30:
                prefix = seg.text[: len(seg.text) - len(head)]
                title, site = split_title_site(head)
                pieces = [(prefix, "navigation"), (head, "headline")]
                replace_segment(segs, cand, pieces)
                doc.headline = title
                if site and doc.publisher is None:
                    doc.publisher = site
    # Near-duplicates of the headline in the header (a subtitle repeating it) go with it.
    if doc.headline:
        hkey = key_of(doc.headline)
        for seg in segs[: body_span(segs)[0]]:
            if seg.reason is None and near_headline(seg_key(seg), hkey):
                seg.reason = "headline"


def near_headline(a: str, b: str) -> bool:
    """Two folded strings say the same headline: most words of the shorter are in the longer."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return False
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) < 3 or len(long_) > 1.5 * len(short):
        return False
    longs = set(long_)
    return sum(1 for w in short if w in longs) / len(short) >= 0.8


def read_dateline(doc: Doc, start: int) -> None:
    """Read the dateline that opens the body: its place, and its agency as publisher if none yet."""
    for seg in doc.segs[start : start + 3]:
        if seg.reason is not None:
            continue
        dl = find_dateline(seg.text)
        if dl:
            doc.dateline = dl.place
            if dl.agency and doc.publisher is None:
                doc.publisher = dl.agency
        return


def strip_header_field(text: str, doc_removed: list[Removal]) -> tuple[str, str | None]:
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


def copyright_holder(footer: list[Segment]) -> str | None:
    """The holder named in the page footer's copyright notice ("© 2024 Gazzetta del Nord S.p.A.")."""
    for seg in reversed(footer):
        m = lx.COPYRIGHT_HOLDER_RE.search(seg.text)
        if m:
            name = m.group("name").strip(" .,-")
            if 1 <= len(name.split()) <= 6:
                return name
    return None
