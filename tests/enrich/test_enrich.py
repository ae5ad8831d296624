"""Story views on a small made-up story (tests/data/enrich/story.json) and their building blocks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from storyline.enrich import ArticleAnalysis, StoryView, analyse_articles, build_view, render_text
from storyline.enrich.entities import clean_surface, name_key
from storyline.enrich.headline import clean_title
from storyline.enrich.sentences import is_prose
from storyline.enrich.timeexpr import find_times, infer_reference, resolve
from storyline.text import content_hash, fold, words
from storyline.types import Article, DupRelation

DATA = Path(__file__).parents[1] / "data" / "enrich" / "story.json"


def _story() -> tuple[dict[str, Article], list[DupRelation]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    arts = {
        a["key"]: Article(
            id=f"art-{a['key']}",
            source=f"{a['key']}.txt",
            record=None,
            text=a["text"],
            content_hash=content_hash(a["text"]),
            title=a["title"],
            published=a["published"],
            publisher=a["publisher"],
            language=a.get("language", "en"),
        )
        for a in data["articles"]
    }
    rels = [
        DupRelation(arts[r["article"]].id, arts[r["original"]].id, r["kind"], 0.9) for r in data["relations"]
    ]
    return arts, rels


@pytest.fixture(scope="module")
def story() -> tuple[dict[str, Article], list[DupRelation], list[ArticleAnalysis]]:
    arts, rels = _story()
    return arts, rels, analyse_articles(list(arts.values()))


@pytest.fixture(scope="module")
def view(story) -> StoryView:
    arts, rels, analyses = story
    return build_view(list(arts.values()), rels, analyses=analyses)


# ---- building blocks ------------------------------------------------------------------------


def test_weekday_resolves_to_last_such_day_on_or_before_the_report():
    text = "The city was retaken on Saturday. He spoke on Tuesday. It began on March 4."
    found = {t.text: t for t in find_times(text, "en")}
    tuesday_13_sept = date(2022, 9, 13)
    assert resolve(found["Saturday"], tuesday_13_sept) == date(2022, 9, 10)
    assert resolve(found["Tuesday"], tuesday_13_sept) == tuesday_13_sept
    assert resolve(found["March 4"], tuesday_13_sept) == date(2022, 3, 4)


def test_weekday_names_come_from_language_data():
    found = find_times("Le président a promis mercredi la victoire, hier.", "fr")
    assert [(t.kind, t.value) for t in found] == [("weekday", 2), ("relative", -1)]


def test_month_name_needs_a_day_number():
    assert find_times("Prices may rise in May.", "en") == []


def test_undated_report_placed_from_its_weekdays_and_the_story_dates():
    wed, tue, mon = 2, 1, 0
    day = infer_reference([wed, wed, tue, mon], [date(2022, 9, 10), date(2022, 9, 13)])
    assert day == date(2022, 9, 14)
    assert infer_reference([], [date(2022, 9, 10)]) is None
    assert infer_reference([wed], []) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Izium", "Izyum"),
        ("Izium", "Izioum"),
        ("Kupyansk", "Kupiansk"),
        ("Bucha", "Boutcha"),
        ("Putin", "Poutine"),
    ],
)
def test_transliteration_variants_share_a_key(a, b):
    assert name_key(a) == name_key(b)


def test_cyrillic_and_latin_spellings_share_a_key():
    assert name_key("Київ") == name_key("Kyiv")


def test_distinct_names_keep_distinct_keys():
    assert name_key("Iran") != name_key("Iraq")
    assert name_key("Zelensky") != name_key("Zelenska")


def test_clean_surface_drops_articles_and_possessives():
    assert clean_surface("the Bohun Brigade") == "Bohun Brigade"
    assert clean_surface("Ukraine’s") == "Ukraine"


def test_clean_title_drops_site_name():
    assert (
        clean_title("Inside the city after the retreat – Share Market Daily")
        == "Inside the city after the retreat"
    )
    assert clean_title("Talks fail - again") == "Talks fail - again"


def test_menus_are_not_prose():
    assert not is_prose("World Africa Americas Asia Australia China Europe India Middle East United Kingdom.")
    assert is_prose("The city is a huge strategic loss for the army, which used it as a base.")


def test_analysis_round_trips_through_json(story):
    _, _, analyses = story
    a = analyses[0]
    assert ArticleAnalysis.from_json(a.to_json()) == a


# ---- the story view -------------------------------------------------------------------------


def test_spelling_variants_are_one_entity(view):
    cities = [e for e in view.entities if "Mykolaiv" in e.variants or "Mykolayiv" in e.variants]
    assert len(cities) == 1
    assert {"Mykolaiv", "Mykolayiv"} <= set(cities[0].variants)
    assert cities[0].kind == "place"
    assert len(cities[0].articles) == 6


def test_surname_joins_the_full_name(view):
    people = [e for e in view.entities if e.name == "Dmytro Kuleba"]
    assert len(people) == 1
    assert people[0].kind == "person"
    assert "Kuleba" in people[0].variants


def test_entities_carry_over_to_a_language_without_a_model(view):
    arts, _ = _story()
    german = arts["f"].id
    city = next(e for e in view.entities if "Mykolaiv" in e.variants)
    assert german in city.articles and "Mykolajiw" in city.variants
    person = next(e for e in view.entities if e.name == "Dmytro Kuleba")
    assert german in person.articles
    # Capitalised German nouns without a typed counterpart are not entities.
    assert not any(e.name in {"Sieg", "Hafenstadt", "Offizier"} for e in view.entities)


def test_quote_across_copy_and_translation_is_one_quote(view):
    arts, _ = _story()
    prayed = [q for q in view.quotes if "without a fight and without blood" in q.text]
    assert len(prayed) == 1
    q = prayed[0]
    assert q.speaker == "Oksana"
    assert q.article == arts["b"].id  # the original, not the copy or the translation
    assert set(q.sources) == {arts["b"].id, arts["c"].id, arts["d"].id}


def test_quote_speakers_and_roles(view):
    victory = next(q for q in view.quotes if "towards victory" in q.text)
    assert victory.speaker == "Dmytro Kuleba"
    assert victory.role and "Minister" in victory.role
    harbour = next(q for q in view.quotes if "The harbour is free" in q.text)
    assert harbour.speaker and "59th Brigade" in harbour.speaker and "spokesman" in harbour.speaker


def test_timeline_orders_reports_and_explains_derived_dates(view):
    arts, _ = _story()
    first = {}
    for n, t in enumerate(view.timeline):
        first.setdefault(t.article, (n, t))
    assert first[arts["a"].id][0] < first[arts["b"].id][0] < first[arts["e"].id][0]
    assert first[arts["a"].id][1].kind == "first_report"
    assert first[arts["a"].id][1].date == "2031-05-03"
    entry_e = first[arts["e"].id][1]
    # Undated: "on Wednesday" after reports of Sat 3 and Tue 6 May 2031 is Wed 7 May 2031.
    assert entry_e.date == "2031-05-07"
    assert entry_e.date_basis and "no publication date" in entry_e.date_basis
    assert arts["c"].id not in first and arts["d"].id not in first  # copies add no development


def test_summary_never_repeats_and_never_quotes_a_copy(view):
    arts, _ = _story()
    assert 1 <= len(view.summary) <= 5
    assert sum(len(s.text.split()) for s in view.summary[1:]) <= 120
    assert not {s.article for s in view.summary} & {arts["c"].id, arts["d"].id}
    texts = [set(words(s.text)) for s in view.summary]
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            assert len(texts[i] & texts[j]) / min(len(texts[i]), len(texts[j])) < 0.6


def test_dispute_sets_the_two_sides_side_by_side(view):
    assert view.disputes
    sides = {s.side: fold(s.text) for s in view.disputes[0].sides}
    assert "tactical" in sides.get("Russia", "")
    coast = [v for k, v in sides.items() if k != "Russia"]
    assert coast and "liberated" in coast[0]


def test_sources_breakdown(view):
    s = view.sources
    assert (s.articles, s.originals, s.copies, s.translations) == (6, 4, 1, 1)
    assert s.first_report == "2031-05-03" and s.last_report == "2031-05-07"
    assert {x.language for x in s.languages} == {"en", "de"}
    assert {p.publisher for p in s.publishers} >= {"North Wire", "Daily Harbour"}


def test_headline_prefers_an_original(view):
    arts, _ = _story()
    assert view.headline_article not in {arts["c"].id, arts["d"].id}
    assert "Daily Harbour" not in view.headline or view.headline_article == arts["e"].id


def test_view_round_trips_through_json(view):
    again = StoryView.from_json(view.to_json())
    assert again == view
    data = json.loads(view.to_json())
    assert {"summary", "timeline", "entities", "quotes", "disputes", "sources", "headline"} <= set(data)


def test_render_text_mentions_every_section(view):
    text = render_text(view)
    for section in ("Summary", "Timeline", "Entities", "Quotes", "Disputed"):
        assert section in text


def test_cached_analyses_are_reused(story):
    arts, _, analyses = story
    fake = ArticleAnalysis(
        article=analyses[0].article,
        content_hash="stale",
        language="en",
        parsed=analyses[0].parsed,
        times=analyses[0].times,
    )
    assert not fake.fresh_for(arts["a"])
    assert analyses[0].fresh_for(arts["a"])


def test_french_quote_with_guillemets_keeps_its_speaker():
    text = (
        "Le président Emmanuel Macron a déclaré mercredi à Paris : « Nous allons continuer à soutenir "
        "l'Ukraine jusqu'au bout. » Il a rencontré Olaf Scholz à Berlin."
    )
    art = Article(
        id="fr", source="fr", record=None, text=text, content_hash=content_hash(text), language="fr"
    )
    v = build_view([art], [])
    assert [q.speaker for q in v.quotes] == ["Emmanuel Macron"]
    assert v.quotes[0].role == "président"
    assert {e.name for e in v.entities} >= {"Emmanuel Macron", "Olaf Scholz", "Paris", "Berlin"}
    assert v.summary and v.summary[0].text.endswith("»")


def test_dispute_cites_the_original_not_the_copy_that_repeats_it(view):
    arts, _ = _story()
    copies = {arts["c"].id, arts["d"].id}
    assert view.disputes
    assert all(s.article not in copies for s in view.disputes[0].sides)


def test_timeline_gives_the_report_day_beside_the_event_day_and_counts_restatements() -> None:
    def article(key: str, published: str, text: str) -> Article:
        return Article(
            id=f"tl-{key}", source=f"{key}.txt", record=None, text=text, content_hash=content_hash(text),
            title=None, published=published, publisher=f"Paper {key}", language="en",
        )  # fmt: skip

    first = article(
        "a", "2031-05-03",
        "Rebels seized the port of Mirrow on Saturday after a night of shelling, officials said. "
        "The governor fled north with his staff. Ships in the harbour were abandoned.",
    )  # fmt: skip
    later = article(
        "b", "2031-05-06",
        "The army of Tessaly retook the port of Mirrow on Monday, two days after the rebels seized it. "
        "Soldiers raised the flag over the customs house.",
    )  # fmt: skip
    again = article(
        "c", "2031-05-06",
        "Officials said rebels seized the port of Mirrow on Saturday after a night of heavy shelling. "
        "The governor fled north with his staff.",
    )  # fmt: skip
    arts = [first, later, again]
    view = build_view(arts, [], analyses=analyse_articles(arts))
    by_article = {t.article: t for t in view.timeline}
    # Reported on Tuesday the 6th about Monday the 5th: both days, and why.
    retaken = by_article[later.id]
    assert retaken.date == "2031-05-05" and retaken.reported == "2031-05-06"
    assert retaken.date_basis == "'Monday' in a report of Tuesday 2031-05-06"
    # Reported the day it happened: one day, nothing more to say.
    assert by_article[first.id].reported is None
    # A report that only repeats the first one is no entry: it is counted on it.
    assert again.id not in by_article
    assert by_article[first.id].restated == 1 and by_article[first.id].restated_by == (again.id,)


def test_a_reworded_report_folds_and_a_new_fact_is_a_development() -> None:
    from storyline.enrich.sentences import StorySentence
    from storyline.enrich.timeline import _adds_a_fact, event_words, facts

    def sent(text: str) -> StorySentence:
        return StorySentence("a", 0, 0, 0, len(text), text, True)

    first = sent("Mara Quill checked into the Halvern Clinic on Thursday for a 90-day stay.")
    known = {k for keys in facts(first, None) for k in keys}
    words = event_words(first)
    # Same facts told again: no new number, name or event.
    again = sent("Quill has checked into a clinic on Thursday to begin her 90-day stay.")
    assert not _adds_a_fact(facts(again, None), event_words(again), known, words)
    # A new number is a new fact.
    more = sent("Quill will stay 120 days, her lawyer said.")
    assert _adds_a_fact(facts(more, None), event_words(more), known, words)
    # So is an event told in new words.
    event = sent(
        "Flames gutted the clinic's eastern wing overnight, forcing firefighters to evacuate patients."
    )
    assert _adds_a_fact(facts(event, None), event_words(event), known, words)
