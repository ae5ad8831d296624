"""Cross-document evidence: blocks recurring across a publisher's documents are template."""

from __future__ import annotations

from storyline.clean import CORPUS, InMemoryBlockStats, TemplateRule, block_hash, block_hashes, clean_record
from storyline.types import RawDoc

STORIES = [
    "The harbour authority approved a new cargo terminal on Monday after two years of hearings.",
    "A fire at a bakery on Elm Street was put out by crews before it reached the flats above.",
    "The school board voted to extend the term by one week to make up for days lost to snow.",
    "Fishermen say the catch has doubled since the new rules on net sizes came into force.",
    "The library will stay open until nine in the evening during the exam season, it said.",
    "Road works on the coast road will close one lane until the end of the month, police said.",
    "The town's oldest resident celebrated her 105th birthday with a party at the care home.",
]
PROMO = "Tell us what is happening in your street and send your photos to the newsroom"


def page(i: int, body: str) -> RawDoc:
    text = (
        f"{body} Residents were told to expect more news soon.\n\n"
        f"{body.replace('.', ' and more details were given later.')}\n\n"
        f"{PROMO}\n\nBay Herald is published by Coastline Media"
    )
    return RawDoc(source=f"page-{i}.txt", record=None, content=text, publisher="Bay Herald")


def test_in_memory_stats_count_documents_per_publisher_and_corpus():
    stats = InMemoryBlockStats()
    stats.add("a", ["x", "y", "x"])
    stats.add("a", ["x"])
    stats.add(None, ["x"])
    assert stats.documents("a") == 2 and stats.count("a", "x") == 2 and stats.count("a", "y") == 1
    assert stats.documents(CORPUS) == 3 and stats.count(CORPUS, "x") == 3


def test_template_rule_needs_enough_documents_and_share():
    stats = InMemoryBlockStats()
    for i in range(10):
        stats.add("site", ["menu"] + (["tagline"] if i < 4 else []) + [f"story-{i}"])
    rule = TemplateRule()
    assert rule.is_template(stats, "site", "menu")
    assert not rule.is_template(stats, "site", "tagline")  # 4 documents: below 5
    assert not rule.is_template(stats, "site", "story-3")


def test_recurring_promo_is_removed_with_statistics_and_kept_without():
    pages = [page(i, body) for i, body in enumerate(STORIES)]
    stats = InMemoryBlockStats()
    for raw in pages:
        stats.add("bay herald", block_hashes(raw))
    assert stats.count("bay herald", block_hash(PROMO)) == len(STORIES)
    with_stats = clean_record(pages[0], min_words=5, templates=stats)
    without = clean_record(pages[0], min_words=5)
    assert PROMO not in with_stats.text and "Coastline Media" not in with_stats.text
    assert "template" in {r.reason for r in with_stats.removed}
    assert PROMO in without.text
    assert STORIES[0] in with_stats.text


def test_copies_of_one_story_are_not_emptied_by_their_shared_text():
    copies = [page(i, STORIES[0]) for i in range(8)]
    stats = InMemoryBlockStats()
    for raw in copies:
        stats.add("bay herald", block_hashes(raw))
    art = clean_record(copies[0], min_words=5, templates=stats)
    assert STORIES[0] in art.text
