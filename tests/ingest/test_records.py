"""Record fields: the first field that holds text wins; an empty text is named as such."""

from __future__ import annotations

from storyline.config import RecordFields
from storyline.ingest.records import record_to_raw
from storyline.types import RawDoc, Rejected

FIELDS = RecordFields()


def test_first_non_empty_field_wins() -> None:
    for empty in ("", "   \n", None, [], [""], {}):
        raw = record_to_raw(
            {"text": empty, "full_text": "The whole story.", "title": " "}, "s", "s", 1, FIELDS
        )
        assert isinstance(raw, RawDoc), empty
        assert raw.content == "The whole story."
    raw = record_to_raw(
        {"text": "Body.", "title": "", "headline": "A headline", "date": " ", "published": "2024-03-04"},
        "s", "s", 1, FIELDS,
    )  # fmt: skip
    assert isinstance(raw, RawDoc)
    assert raw.title == "A headline" and raw.published == "2024-03-04"


def test_empty_text_without_alternative_is_rejected_as_empty() -> None:
    rej = record_to_raw({"title": "t", "text": "  "}, "feed.jsonl", "feed.jsonl", 3, FIELDS)
    assert rej == Rejected("feed.jsonl", 3, "read", "empty text (text is empty)")
    rej = record_to_raw({"text": "", "html": None}, "f", "f", 1, FIELDS)
    assert isinstance(rej, Rejected) and rej.reason == "empty text (text/html are empty)"
    rej = record_to_raw({"title": "t"}, "f", "f", 1, FIELDS)
    assert isinstance(rej, Rejected) and rej.reason.startswith("no text field (looked for text/")
