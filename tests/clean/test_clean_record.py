"""The cleaning stage's contract: stable ids, deterministic re-cleaning, reasons, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.clean import clean_record, reclean
from storyline.errors import InputError
from storyline.text import content_hash
from storyline.types import RawDoc

DATA = Path(__file__).parents[1] / "data" / "clean"
REASONS = {
    "navigation", "ad", "video", "share", "caption", "credit", "teaser", "subscription", "cookie",
    "footer", "header", "repeated", "template", "headline", "date", "byline",
}  # fmt: skip


@pytest.mark.parametrize("name", ["courier", "wire", "farm", "diario", "tabloid", "gazzetta", "wpblog"])
def test_reclean_is_deterministic_and_keeps_the_id(name):
    raw = RawDoc(
        source=f"{name}.txt", record=None, content=(DATA / f"{name}.txt").read_text(encoding="utf-8")
    )
    first, again = clean_record(raw), reclean(raw)
    assert first == again
    assert first.id == raw.article_id and first.raw_hash == raw.raw_hash
    assert first.content_hash == content_hash(first.text)
    assert {r.reason for r in first.removed} <= REASONS
    assert "\n\n\n" not in first.text


def test_language_is_detected_or_taken_from_the_container():
    raw = RawDoc(source="diario.txt", record=None, content=(DATA / "diario.txt").read_text(encoding="utf-8"))
    assert clean_record(raw).language == "es"
    given = RawDoc(
        source="x", record=None, content=(DATA / "wire.txt").read_text(encoding="utf-8"), language="en-GB"
    )
    assert clean_record(given).language == "en"


def test_container_metadata_wins_over_the_text():
    raw = RawDoc(
        source="wire.txt",
        record=None,
        content=(DATA / "wire.txt").read_text(encoding="utf-8"),
        title="A title from the feed",
        published="2010-10-20",
        publisher="Feed Publisher",
        author="Feed Author",
    )
    art = clean_record(raw)
    assert (art.title, art.published, art.date_source) == ("A title from the feed", "2010-10-20", "container")
    assert (art.publisher, art.author) == ("Feed Publisher", "Feed Author")


def test_too_little_text_is_an_input_error():
    with pytest.raises(InputError) as err:
        clean_record(RawDoc(source="short.txt", record=3, content="Home News Sport Weather Sign In"))
    assert err.value.record == 3
    assert "no article text" in err.value.reason
