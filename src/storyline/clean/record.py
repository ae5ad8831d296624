"""The cleaning stage: one `RawDoc` in, one `Article` out (or an `InputError`)."""

from __future__ import annotations

import trafilatura

from storyline.clean.dates import parse_date
from storyline.clean.language import detect_language
from storyline.errors import InputError
from storyline.text import content_hash, normalise, word_count
from storyline.types import Article, RawDoc


def _html(raw: RawDoc) -> tuple[str, dict[str, str | None]]:
    doc = trafilatura.bare_extraction(
        raw.content, url=raw.url, with_metadata=True, include_comments=False, favor_precision=False
    )
    if doc is None:
        return "", {}
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    meta = {
        "title": d.get("title"),
        "date": d.get("date"),
        "publisher": d.get("sitename") or d.get("hostname"),
        "author": d.get("author"),
        "url": d.get("url"),
        "language": d.get("language"),
    }
    return str(d.get("text") or ""), meta


def clean_record(raw: RawDoc, min_words: int = 20) -> Article:
    """Clean one record.

    Raises:
        InputError: the record holds no usable article text.
    """
    meta: dict[str, str | None] = {}
    if raw.kind == "html":
        text, meta = _html(raw)
    else:
        text = raw.content
    text = normalise(text)
    if word_count(text) < min_words:
        what = "HTML page with no article text" if raw.kind == "html" else "too little text"
        raise InputError(raw.source, f"{what} ({word_count(text)} words, need {min_words})", raw.record)
    title = raw.title or meta.get("title")
    published = parse_date(raw.published) or parse_date(meta.get("date"))
    language = (raw.language or "").lower()[:2] or detect_language(text)
    return Article(
        id=raw.article_id,
        source=raw.source,
        record=raw.record,
        external_id=raw.external_id,
        url=raw.url or meta.get("url"),
        title=normalise(title) if title else None,
        published=published,
        publisher=raw.publisher or meta.get("publisher"),
        author=raw.author or meta.get("author"),
        language=language,
        text=text,
        content_hash=content_hash(text),
        raw_hash=raw.raw_hash,
    )
