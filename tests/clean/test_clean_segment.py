"""Segmentation of plain text and page dumps."""

from __future__ import annotations

from storyline.clean.segment import segment_text, split_glued, split_sentences


def test_sentences_do_not_split_at_abbreviations_or_initials():
    text = "Mr. Smith met U.S. Army officers on Jan. 5 in St. Louis. J. R. Doe was there. It rained."
    assert split_sentences(text) == [
        "Mr. Smith met U.S. Army officers on Jan. 5 in St. Louis.",
        "J. R. Doe was there.",
        "It rained.",
    ]


def test_glued_sentences_are_cut_only_before_a_real_sentence_start():
    assert split_glued("Ukraine is exposing it for all to see The distant sound of shelling") == [
        "Ukraine is exposing it for all to see",
        "The distant sound of shelling",
    ]
    # "from The Geysers": a capitalised word after "The" makes a name, not a new sentence.
    assert split_glued("centered two miles from The Geysers.") == ["centered two miles from The Geysers."]


def test_credits_are_cut_out_of_a_flattened_line():
    line = (
        "A man cycles past a wrecked truck. Rebecca Wright/CNN But at the same time, fear grips the city. "
        "Piles of bricks lie in the yard. Karen Hill/Valley Courier When the crews left, it rained."
    )
    credits = [s.text for s in segment_text(line) if s.inline == "credit"]
    assert credits == ["Rebecca Wright/CNN", "Karen Hill/Valley Courier"]


def test_a_slash_inside_a_sentence_is_not_a_credit():
    line = "The Kharkiv/Izium axis and the Joe Biden/Kamala Harris ticket were discussed at length."
    assert [s.inline for s in segment_text(line)] == [None]


def test_lines_and_paragraphs_are_tracked():
    segs = segment_text("First line. Second sentence.\nNext line\n\nNew paragraph.")
    assert [(s.text, s.line, s.para) for s in segs] == [
        ("First line.", 0, 0),
        ("Second sentence.", 0, 0),
        ("Next line", 1, 0),
        ("New paragraph.", 3, 1),
    ]
