"""The cleaning stage: one `RawDoc` in, one `Article` out (or an `InputError`).

Cleaning is a pure function of the raw record, the settings and the template statistics: the
same input always gives the same article (same id, same text), so `reclean` can re-run it on
stored raw records after the cleaner improves.
"""

from __future__ import annotations

from storyline.clean.boilerplate import TextResult, clean_extracted, clean_text
from storyline.clean.dates import date_from_url, parse_date
from storyline.clean.html import extract_html
from storyline.clean.language import detect_language
from storyline.clean.metadata import find_dateline, host_publisher, split_title_site
from storyline.clean.segment import segment_text
from storyline.clean.templates import MIN_BLOCK_WORDS, BlockStats, TemplateRule, block_hash
from storyline.config import CleanConfig
from storyline.errors import InputError
from storyline.text import content_hash, normalise, paragraphs, word_count
from storyline.types import Article, RawDoc


def publisher_key(raw: RawDoc) -> str | None:
    """Key under which a record's blocks are counted for template detection.

    The container's publisher when given, else the URL's host, else None (the record then only
    counts towards corpus-wide statistics). Known before cleaning, so that statistics can be
    gathered at ingest time.
    """
    if raw.publisher and raw.publisher.strip():
        return raw.publisher.strip().lower()
    return host_publisher(raw.url)


def block_hashes(raw: RawDoc) -> frozenset[str]:
    """Hashes of the blocks of a record, for `BlockStats` (see `storyline.clean.templates`).

    Blocks are the record's lines and sentences (for HTML, the lines of the extracted text),
    hashed after folding; blocks shorter than two words are left out.
    """
    if raw.kind == "html":
        text = extract_html(raw.content, raw.url).text
        return frozenset(block_hash(ln) for ln in text.split("\n") if word_count(ln) >= MIN_BLOCK_WORDS)
    out: set[str] = set()
    by_line: dict[int, list[str]] = {}
    for seg in segment_text(normalise(raw.content)):
        by_line.setdefault(seg.line, []).append(seg.text)
        if word_count(seg.text) >= MIN_BLOCK_WORDS:
            out.add(block_hash(seg.text))
    for parts in by_line.values():
        line = " ".join(parts)
        if word_count(line) >= MIN_BLOCK_WORDS:
            out.add(block_hash(line))
    return frozenset(out)


def _language(raw: RawDoc, text: str, meta_language: str | None) -> str | None:
    for given in (raw.language, meta_language):
        if given:
            code = given.strip().replace("_", "-").split("-")[0].lower()
            if len(code) == 2 and code.isalpha():
                return code
    return detect_language(text)


def _template_rule(config: CleanConfig) -> TemplateRule:
    return TemplateRule(
        min_documents=config.template_min_documents,
        min_share=config.template_min_share,
        corpus_min_documents=config.corpus_min_documents,
        corpus_min_share=config.corpus_min_share,
    )


def clean_record(
    raw: RawDoc,
    min_words: int = 20,
    *,
    config: CleanConfig | None = None,
    templates: BlockStats | None = None,
) -> Article:
    """Clean one record: boilerplate out, headline, date, publisher, author, language in.

    Args:
        raw: the record as read.
        min_words: fewest words of article text a record must keep.
        config: cleaning settings (defaults when None).
        templates: cross-document block statistics; without them only evidence inside the
            record is used.

    Raises:
        InputError: the record holds no usable article text.
    """
    config = config or CleanConfig()
    rule = _template_rule(config)
    key = publisher_key(raw)
    title = raw.title.strip() if raw.title and raw.title.strip() else None
    meta_language: str | None = None
    meta_publisher: str | None = None
    published = parse_date(raw.published)
    date_source = "container" if published else None

    if raw.kind == "html":
        page = extract_html(raw.content, raw.url)
        res: TextResult = clean_extracted(
            page.text, title_hint=title or page.title, stats=templates, publisher_key=key, rule=rule
        )
        title = title or page.title
        meta_language = page.language
        meta_publisher = page.sitename
        url = raw.url or page.url
        if published is None and page.date:
            published, date_source = parse_date(page.date), "meta"
        author = raw.author or page.author
        first = paragraphs(res.text)[:1]
        dl = find_dateline(first[0]) if first else None
        dateline = dl.place if dl else None
        meta_publisher = meta_publisher or (dl.agency if dl else None)
    else:
        res = clean_text(raw.content, title_hint=title, stats=templates, publisher_key=key, rule=rule)
        title = title or res.headline
        url = raw.url
        if published is None and res.published:
            published, date_source = res.published, res.date_source
        author = raw.author or res.author
        dateline = res.dateline
        meta_publisher = res.publisher

    text = res.text  # already normalised by both paths
    n = word_count(text)
    if n < min_words:
        what = "HTML page with no article text" if raw.kind == "html" else "no article text"
        raise InputError(
            raw.source, f"{what} ({n} words after removing boilerplate, need {min_words})", raw.record
        )

    site: str | None = None
    if title:
        title, site = split_title_site(normalise(title))
    if published is None:
        published = date_from_url(url)
        date_source = "url" if published else None
    publisher = raw.publisher or meta_publisher or site or host_publisher(url)
    return Article(
        id=raw.article_id,
        source=raw.source,
        record=raw.record,
        external_id=raw.external_id,
        url=url,
        title=title or None,
        published=published,
        publisher=publisher.strip() if publisher else None,
        author=normalise(author) if author else None,
        language=_language(raw, text, meta_language),
        dateline=dateline,
        date_source=date_source,
        text=text,
        content_hash=content_hash(text),
        removed=res.removed,
        raw_hash=raw.raw_hash,
    )


def reclean(
    raw: RawDoc,
    min_words: int = 20,
    *,
    config: CleanConfig | None = None,
    templates: BlockStats | None = None,
) -> Article:
    """Clean a stored raw record again (``storyline reclean``).

    The same as `clean_record`: cleaning reads no clock, no randomness and no network, so a
    record whose raw input and whose template statistics are unchanged gets the same article
    (same id, same text, same content hash); only records the new cleaner treats differently
    change.
    """
    return clean_record(raw, min_words, config=config, templates=templates)
