"""Quotations: marks of every convention, direct statements versus quoted fragments, and speakers.

The story test is a look-alike of what went wrong on real reports of a recaptured town: a
question printed as a caption right before a resident is quoted (the question was asked by the
soldiers, further down), an official quoted as "the head" after being named in the sentence
before, a statement that goes on in a paragraph of its own, and a content-farm copy that
misspells the resident's town in his role.
"""

from __future__ import annotations

import pytest

from storyline.enrich import analyse_articles, build_view
from storyline.quotations import find_quotations
from storyline.text import content_hash
from storyline.types import Article, DupRelation


def _article(name: str, text: str, **meta: str | None) -> Article:
    return Article(
        id=name, source=f"{name}.txt", record=None, text=text, content_hash=content_hash(text), **meta
    )


def _quoted(text: str) -> list[tuple[str, bool]]:
    return [(text[q.start : q.end], q.direct) for q in find_quotations(text)]


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("“We will rebuild every home,” the mayor said.", "We will rebuild every home,"),
        ("Le maire a dit : « Nous reconstruirons chaque maison. »", "Nous reconstruirons chaque maison."),
        ("Der Bürgermeister sagte: „Wir bauen jedes Haus wieder auf.“", "Wir bauen jedes Haus wieder auf."),
        ("Burmistrz powiedział: „Odbudujemy każdy dom.”", "Odbudujemy każdy dom."),
        ("Borgmesteren sagde: »Vi genopbygger hvert hus.«", "Vi genopbygger hvert hus."),
        ('"We will rebuild every home," the mayor said.', "We will rebuild every home,"),
        ("‘We will rebuild every home,’ the mayor said.", "We will rebuild every home,"),
        ("市長は「すべての家を再建する」と述べた。", "すべての家を再建する"),
    ],
)
def test_marks_of_each_convention(text: str, quote: str) -> None:
    assert _quoted(text) == [(quote, True)]


def test_fragment_inside_the_writers_sentence_is_not_direct() -> None:
    text = "She called for more “flexibility” for advisers and said the plan was “a disaster for the region.”"
    assert _quoted(text) == [("flexibility", False), ("a disaster for the region.", False)]


def test_a_statement_of_two_sentences_is_direct_even_after_that() -> None:
    text = "A spokesman said on Saturday that “the Russians escaped and left weapons. The centre is free.”"
    assert _quoted(text) == [("the Russians escaped and left weapons. The centre is free.", True)]


def test_quotes_never_span_narrative() -> None:
    # An opening mark left open, then a real quotation: the narrative between is never quoted.
    text = "The court said “. The first claim was settled in May. “We accept the ruling,” the firm said."
    assert _quoted(text) == [("We accept the ruling,", True)]
    # Open at the end of a paragraph the next one does not continue: a stray mark, nothing quoted.
    assert _quoted("He wrote “the end of an era\n\nThe vote is on Monday.") == []
    # Apostrophes are not single quotes.
    assert _quoted("The occupiers’ flags came down; we don’t know when they’ll return.") == []


def test_a_statement_over_two_paragraphs_is_two_direct_quotations() -> None:
    text = "She said: “We have pieces in place.\n\n“But we must do more.”"
    assert _quoted(text) == [("We have pieces in place.", True), ("But we must do more.", True)]


def test_titles_and_single_words_are_not_statements() -> None:
    text = "He read “Gifted Hands,” then shouted “Out!” at the crowd."
    assert [d for _, d in _quoted(text)] == [False, False]


ORIGINAL = """Soldiers waved from captured tanks as they drove into Varenka on Saturday.

‘Who have we come to free here?’

Varenka resident Tomas said the locals were angry with the occupiers for their behaviour. “Where there were no people, they took everything,” Tomas said. “They lived like animals.”

He said at one point, enemy scouts came to his house and asked, “Who have we come to free here?”

Viktor Palenko, the head of the Dolvan regional administration, toured the town on Sunday. “People welcomed our soldiers with tears in their eyes,” the head said.

“The residents need help. Most villages have no electricity or gas.”

Brigade officers said the town centre was clear."""

COPY = ORIGINAL.replace("Varenka resident Tomas", "Varenko resident Tomas") + "\n\nSource link"


@pytest.fixture(scope="module")
def quotes() -> list:
    arts = [
        _article(
            name,
            text,
            title="Inside a town retaken from the occupiers",
            published="2031-09-11",
            publisher=publisher,
            language="en",
        )
        for name, text, publisher in (("original", ORIGINAL, "Ledger"), ("copy", COPY, None))
    ]
    rels = [DupRelation("copy", "original", "near_copy", 0.97)]
    view = build_view(arts, rels, analyses=analyse_articles(arts))
    return list(view.quotes)


def _by_text(quotes: list, part: str):
    found = [q for q in quotes if part in q.text]
    assert len(found) == 1, [q.text for q in quotes]
    return found[0]


def test_every_quote_of_the_story_has_its_right_speaker(quotes) -> None:
    assert _by_text(quotes, "they took everything").speaker == "Tomas"
    assert _by_text(quotes, "lived like animals").speaker == "Tomas"  # goes on from the one before
    # The caption and the scouts' question are one quote, asked by the scouts, not by Tomas.
    asked = _by_text(quotes, "Who have we come to free here?")
    assert asked.speaker is not None and "scouts" in asked.speaker
    # "the head" is the official named in the sentence before, also in the next paragraph.
    assert _by_text(quotes, "tears in their eyes").speaker == "Viktor Palenko"
    assert _by_text(quotes, "The residents need help").speaker == "Viktor Palenko"
    assert {q.speaker for q in quotes} == {"Tomas", "Viktor Palenko", asked.speaker}


def test_role_as_the_original_writes_it_and_each_quote_once(quotes) -> None:
    tomas = _by_text(quotes, "they took everything")
    assert tomas.role == "Varenka resident"
    assert tomas.article == "original"
    assert set(tomas.sources) == {"original", "copy"}
    assert len({q.text for q in quotes}) == len(quotes)


def test_a_quote_and_its_translation_are_one_quote_with_both_languages() -> None:
    from storyline.fingerprint.embed import get_encoder

    english = (
        "The court ruled against the label on Monday.\n\n"
        'Speaking for the label, manager Nils Asberg said, "with great respect to the trial judge, '
        'we consider he has reached the wrong conclusion."\n\n'
        '"We will appeal," Asberg added.'
    )
    spanish = (
        "El tribunal falló el lunes en contra de la discográfica.\n\n"
        'En nombre de la discográfica, el director Nils Asberg ha dicho que "con gran respeto por el '
        'juez del caso, consideramos que ha llegado a la conclusión equivocada".'
    )
    arts = [
        _article(name, text, published="2031-03-03", language=lang)
        for name, text, lang in (("en", english, "en"), ("es", spanish, "es"))
    ]
    view = build_view(arts, [DupRelation("es", "en", "translation", 0.9)], encoder=get_encoder())
    judge = _by_text(list(view.quotes), "trial judge")
    assert judge.speaker == "Nils Asberg"
    assert judge.languages == ("en", "es")
    assert set(judge.sources) == {"en", "es"}
    assert _by_text(list(view.quotes), "We will appeal").languages == ("en",)


def test_a_paragraph_of_unpaired_marks_quotes_nothing() -> None:
    # Twenty thousand opening marks that nothing closes (the apostrophes are inside words), in one
    # paragraph: pairing looks each closing mark up, it does not rescan the paragraph per mark.
    assert find_quotations("‘a don’t " * 20000) == []
    assert find_quotations("« a " * 20000) == []
