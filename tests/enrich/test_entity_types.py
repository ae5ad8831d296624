"""Entity kinds checked against the story's evidence: descriptions, lists, and model names of weapons."""

from __future__ import annotations

from storyline.enrich import analyse_articles
from storyline.enrich.entities import resolve_entities
from storyline.text import content_hash
from storyline.types import Article

TEXT = (
    "Troops shelled Varenka with Grad rockets on Tuesday, and two Mi-26 helicopters landed near the "
    "river, the army said.\n\n"
    "The governor compared the damage to that of Boutcha, a town near Kyiv from which the invading "
    "forces withdrew in the spring, leaving the bodies of civilians behind.\n\n"
    "Strikes were carried out in the regions of the localities of Dvoritchna, Balakliia and Kupyansk, "
    "the ministry said. Balakliia and Kupyansk had been retaken in September."
)


def _kinds() -> dict[str, str]:
    art = Article(
        id="a", source="a.txt", record=None, text=TEXT, content_hash=content_hash(TEXT), language="en"
    )
    an = analyse_articles([art])[0]
    return {r.entity.name: r.entity.kind for r in resolve_entities([art], {"a": an})}


def test_kinds_follow_the_stories_evidence() -> None:
    kinds = _kinds()
    # "Boutcha, a town near Kyiv from which ...": the description, cut before its clause, says place.
    assert kinds.get("Boutcha") == "place"
    # Listed with two places, a name is a place.
    assert kinds.get("Dvoritchna") == "place"
    # The model of a weapon or vehicle is no person, place or organisation.
    assert "Grad" not in kinds and "Mi-26" not in kinds


def test_a_name_after_the_is_no_person() -> None:
    text = (
        "Apple Corps, the company founded by the Beatles, lost its case on Monday. "
        "John Lennon and Paul McCartney founded it in 1968, and the Beatles still own it."
    )
    art = Article(
        id="b", source="b.txt", record=None, text=text, content_hash=content_hash(text), language="en"
    )
    an = analyse_articles([art])[0]
    kinds = {r.entity.name: r.entity.kind for r in resolve_entities([art], {"b": an})}
    assert kinds.get("Beatles") == "organisation"
    assert kinds.get("John Lennon") == "person" and kinds.get("Paul McCartney") == "person"


def test_a_copys_misspelling_is_a_variant_of_the_originals_name() -> None:
    original = "Troops entered Kovalsk on Saturday. Kovalsk resident Tomas said the town was quiet."
    copy = original.replace("Kovalsk resident", "Kovalek resident") + " Source link"
    arts = [
        Article(id=k, source=f"{k}.txt", record=None, text=t, content_hash=content_hash(t), language="en")
        for k, t in (("o", original), ("c", copy))
    ]
    analyses = {a.article: a for a in analyse_articles(arts)}
    by_name = {r.entity.name: r.entity for r in resolve_entities(arts, analyses, copies={"c"})}
    assert "Kovalek" not in by_name
    assert "Kovalek" in by_name["Kovalsk"].variants
    # Without knowing which member is a copy, two names stay two names.
    assert "Kovalek" in {r.entity.name for r in resolve_entities(arts, analyses)}
