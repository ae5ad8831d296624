"""Cleaning: raw records to articles with clean text, headline, date, publisher and language.

`clean_record` is the stage. Plain text (articles, and web pages flattened to text) goes
through `storyline.clean.boilerplate`; HTML through trafilatura (`storyline.clean.html`) and a
light post-pass. Blocks that recur across a publisher's documents are template
(`storyline.clean.templates`): the store keeps `block_hashes` of each record in a table that
implements `BlockStats`.

Removal reasons (`Article.removed`): navigation, ad, video, share, caption, credit, teaser,
subscription, cookie, footer, header, repeated, template; and headline, date, byline for header
text moved into the article's metadata.
"""

from __future__ import annotations

from storyline.clean.boilerplate import METADATA_REASONS, TextResult, clean_extracted, clean_text
from storyline.clean.dates import date_from_url, find_dates, parse_date
from storyline.clean.html import HtmlText, extract_html
from storyline.clean.language import detect_language
from storyline.clean.record import block_hashes, clean_record, publisher_key, reclean
from storyline.clean.templates import CORPUS, BlockStats, InMemoryBlockStats, TemplateRule, block_hash

__all__ = [
    "CORPUS",
    "METADATA_REASONS",
    "BlockStats",
    "HtmlText",
    "InMemoryBlockStats",
    "TemplateRule",
    "TextResult",
    "block_hash",
    "block_hashes",
    "clean_extracted",
    "clean_record",
    "clean_text",
    "date_from_url",
    "detect_language",
    "extract_html",
    "find_dates",
    "parse_date",
    "publisher_key",
    "reclean",
]
