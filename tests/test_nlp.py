"""Names found in text: what the NER wrapper keeps and drops."""

from __future__ import annotations

from storyline import nlp


def test_a_compass_direction_alone_is_not_a_place() -> None:
    text = "Fighting went on in the East, while troops in the South advanced toward Kherson."
    names = {m.text for m in nlp.mentions(text, "en")}
    assert "Kherson" in names
    assert not names & {"East", "South"}
