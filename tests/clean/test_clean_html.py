"""HTML pages: main text with trafilatura, metadata, and pages without an article."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from storyline.clean import clean_record
from storyline.clean.html import combine_runs
from storyline.errors import InputError
from storyline.types import RawDoc

DATA = Path(__file__).parents[1] / "data" / "clean"


def grams(s: str) -> Counter[tuple[str, ...]]:
    t = re.findall(r"\w+", s)
    return Counter(tuple(t[i : i + 4]) for i in range(max(1, len(t) - 3)))


@pytest.mark.parametrize("name", ["news_page", "blog_page"])
def test_article_text_and_metadata(name):
    raw = RawDoc(
        source=f"{name}.html",
        record=None,
        content=(DATA / f"{name}.html").read_text(encoding="utf-8"),
        kind="html",
        url="https://www.example.com/story/123",
    )
    art = clean_record(raw)
    meta = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    gold, got = grams((DATA / f"{name}.body.txt").read_text(encoding="utf-8")), grams(art.text)
    tp = sum((gold & got).values())
    assert tp / sum(got.values()) >= 0.97 and tp / sum(gold.values()) >= 0.97
    assert art.title == meta["title"]
    assert art.day == meta["date"] and art.date_source == "meta"
    assert art.publisher == meta["publisher"]
    assert art.language == "en"
    for junk in ("newsletter", "Share on Facebook", "cookies", "Popular posts", "All rights reserved"):
        assert junk not in art.text


def test_page_without_article_text_is_refused_with_one_line():
    raw = RawDoc(
        source="login_page.html", record=None, content=(DATA / "login_page.html").read_text(), kind="html"
    )
    with pytest.raises(InputError) as err:
        clean_record(raw)
    assert err.value.source == "login_page.html"
    assert err.value.reason.startswith("HTML page with no article text")
    assert "\n" not in str(err.value)


def test_recall_run_adds_sentences_inside_the_article_only():
    precise = "First paragraph of the story, long enough.\nLast paragraph of the story, long enough."
    recall = (
        "Home | News | Sport\n"
        "First paragraph of the story, long enough.\n"
        "A paragraph the precision run dropped, although it is a full sentence.\n"
        "Read more\n"
        "Last paragraph of the story, long enough.\n"
        "A trailing sentence from the page footer that is long enough to pass."
    )
    assert combine_runs(precise, recall).split("\n") == [
        "First paragraph of the story, long enough.",
        "A paragraph the precision run dropped, although it is a full sentence.",
        "Last paragraph of the story, long enough.",
    ]
