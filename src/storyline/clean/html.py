"""Main text and metadata of an HTML page, with trafilatura.

Settings were chosen by measurement on the article-extraction benchmark pages (see
``eval/extraction.py``): trafilatura's precision mode is the better single run, its recall mode
keeps paragraphs the precision mode drops inside the article. The two runs are combined line by
line: the article is the span of the recall run between the first and last line the precision
run kept; inside that span, lines only the recall run kept are accepted when they are full
sentences (a paragraph the precision heuristics distrusted), never when they are short
(link lists, labels).

Date extraction is made independent of the clock (htmldate bounds dates by "today" by default,
which would let a re-run months later accept a different date) and of free-text guessing: the
page's metadata is used, and the cleaning stage falls back to the URL and the page header.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from typing import Any

import trafilatura

from storyline.clean.metadata import split_title_site

# Dates after this are not accepted from page metadata; fixed so that results do not depend on
# when the cleaner runs.
_MAX_DATE = "2100-01-01"
_DATE_PARAMS = {"original_date": True, "extensive_search": False, "max_date": _MAX_DATE}
# A recall-only line is accepted inside the article span when it is a sentence of at least this
# many words (short lines there are labels and link lists; see module docstring).
_MIN_RECALL_WORDS = 8
_WORD_RE = re.compile(r"\w+")
_SENTENCE_END_RE = re.compile(r"[.!?…。！？][\"”’'»)\]]*$")


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What trafilatura found in a page.

    Attributes:
        text: main text, one block per line.
        title, date, sitename, hostname, author, url, language, description: page metadata
            (date as ISO 8601 day), None when absent.
    """

    text: str
    title: str | None = None
    date: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None
    description: str | None = None


def _key(line: str) -> str:
    return " ".join(_WORD_RE.findall(line.lower()))


def combine_runs(precise: str, recall: str) -> str:
    """Merge a precision-mode and a recall-mode extraction of one page (see module docstring)."""
    p_lines = [ln for ln in precise.split("\n") if ln.strip()]
    r_lines = [ln for ln in recall.split("\n") if ln.strip()]
    p_keys = {_key(ln) for ln in p_lines} - {""}
    hits = [i for i, ln in enumerate(r_lines) if _key(ln) in p_keys]
    if not hits:
        return precise
    lo, hi = hits[0], hits[-1]
    span_keys = {_key(ln) for ln in r_lines[lo : hi + 1]}
    if any(_key(ln) not in span_keys for ln in p_lines if _key(ln)):
        return precise  # the runs disagree on order or content: trust the precise one
    kept = [
        ln
        for ln in r_lines[lo : hi + 1]
        if _key(ln) in p_keys
        or (len(ln.split()) >= _MIN_RECALL_WORDS and _SENTENCE_END_RE.search(ln.strip()))
    ]
    return "\n".join(kept)


_TITLE_TAG_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _title_site(html: str) -> str | None:
    """The site name after the separator of the page's <title> ("Headline - The Gadget Desk")."""
    m = _TITLE_TAG_RE.search(html[:20000])
    if not m:
        return None
    return split_title_site(unescape(" ".join(m.group(1).split())))[1]


def _str(doc: Any, name: str) -> str | None:
    value = getattr(doc, name, None)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


@lru_cache(maxsize=32)
def extract_html(html: str, url: str | None = None) -> HtmlText:
    """Main text and metadata of a page (cached: block hashing and cleaning share the work).

    Returns an `HtmlText` whose `text` is empty when the page holds no article text.
    """
    try:
        return _extract(html, url)
    except (ValueError, TypeError, LookupError) as exc:  # malformed markup or encoding
        logging.getLogger(__name__).debug("HTML extraction failed: %s", exc)
        return HtmlText(text="")


def _extract(html: str, url: str | None) -> HtmlText:
    precise = trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        date_extraction_params=dict(_DATE_PARAMS),
    )
    # The recall run only proposes lines inside the span the precise run found, so its own
    # fallback extractors (readability, jusText) are skipped: same score, less time.
    recall = trafilatura.extract(
        html, url=url, favor_recall=True, include_comments=False, include_tables=True, fast=True
    )
    if precise is None and not recall:
        return HtmlText(text="")
    p_text = _str(precise, "text") or ""
    text = combine_runs(p_text, recall or "") if p_text else (recall or "")
    sitename = _str(precise, "sitename")
    if sitename is None or sitename.lower() == (_str(precise, "hostname") or "").lower():
        # trafilatura falls back to the host name; a site name in the <title> is better.
        sitename = _title_site(html) or sitename
    return HtmlText(
        text=text,
        title=_str(precise, "title"),
        date=_str(precise, "date"),
        sitename=sitename,
        hostname=_str(precise, "hostname"),
        author=_str(precise, "author"),
        url=_str(precise, "url"),
        language=_str(precise, "language"),
        description=_str(precise, "description"),
    )
