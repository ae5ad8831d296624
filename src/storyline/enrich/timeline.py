"""Timeline: the first report of the story, then each development with the article that first told it.

A development is a lead sentence of a later article that says something no earlier article
said: its TF-IDF cosine with every earlier sentence stays below `ViewConfig.novelty`, and it
states a fact no earlier article stated: a name of a person, place or organisation, a number
(`facts`), or an event, roughly (`_NEW_EVENT_WORDS` words no earlier article used). A later report
whose lead adds no fact restates an entry, however it is worded: it is counted on the entry its
lead is closest to (`TimelineEntry.restated`, with the reports). An entry's date is the day the sentence
itself names ("on Saturday"), resolved against the article's report day, or else that report
day; every entry says which, and gives the report's day when the two differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from storyline.config import ViewConfig
from storyline.enrich.analysis import ArticleAnalysis
from storyline.enrich.dating import ArticleDate, parse_day
from storyline.enrich.sentences import StorySentence
from storyline.enrich.timeexpr import TimeExpression, resolve
from storyline.stories.evidence import numbers_and_years
from storyline.text import words
from storyline.types import Article, TimelineEntry

# Developments are looked for in the first few prose sentences: news puts what is new on top.
LEAD_WINDOW = 5
# Name words this short say nothing on their own ("of", "de", "new", initials).
_MIN_NAME_WORD = 4
# Words of events: 5+ letters (most function words are shorter), compared by their first 5.
_EVENT_WORD = 5
_STEM = 5
# A sentence without a new name or number adds an event when this many of its words are new. Set
# by reading two stories, not measured (no labelled timelines are at hand): on ECB+'s Lindsay
# Lohan check-in (13 developments of one day without this rule) 3 new words keep 12, 5 keep 10,
# 7 keep 8 and fold rewordings of the check-in; the Izium texts' aftermath report ("burned-out
# tanks ...") stays a development with each.
_NEW_EVENT_WORDS = 7


def facts(sentence: StorySentence, analysis: ArticleAnalysis | None) -> list[frozenset[str]]:
    """What the sentence states that a development must add: its names and its numbers.

    Each fact is the set of keys it is known by. A name is known by each of its words (folded,
    4+ letters), so that "Lohan", "Mark Jay Heller" or "the Betty Ford Clinic" add nothing after
    "Lindsay Lohan's lawyer Mark Heller" and "Betty Ford Center"; a number or a year by its value,
    read as the story stage reads them (`storyline.stories.evidence.numbers_and_years`).
    """
    numbers, years = numbers_and_years(sentence.text)
    out = [frozenset({"#" + n}) for n in sorted(numbers | years)]
    if analysis is not None:
        for m in analysis.parsed.mentions:
            if sentence.start <= m.start and m.end <= sentence.end:
                keys = frozenset(w for w in words(m.text) if len(w) >= _MIN_NAME_WORD)
                if keys:
                    out.append(keys)
    return out


def event_words(sentence: StorySentence) -> set[str]:
    """The sentence's longer words, by their first letters (what happened, roughly inflection-free)."""
    return {w[:_STEM] for w in words(sentence.text) if len(w) >= _EVENT_WORD and w.isalpha()}


def _adds_a_fact(
    found: list[frozenset[str]], words: set[str], known: set[str], known_words: set[str]
) -> bool:
    return any(not (keys & known) for keys in found) or len(words - known_words) >= _NEW_EVENT_WORDS


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _sentence_date(
    s: StorySentence, times: Sequence[TimeExpression], reference: date | None, basis: ArticleDate
) -> tuple[str | None, str]:
    if reference is None:
        return None, basis.basis
    for t in times:
        if not (s.start <= t.start and t.end <= s.end):
            continue
        day = resolve(t, reference)
        if day is None or day > reference:
            continue  # a day after the report is a plan, not what happened
        if day == reference and t.kind != "date":
            continue  # "on Wednesday" in a Wednesday report: the report day says it already
        how = f"'{t.text}' in a report of {_WEEKDAYS[reference.weekday()]} {reference.isoformat()}"
        if basis.derived:
            how += f" ({basis.basis})"
        return day.isoformat(), how
    return reference.isoformat(), basis.basis


def build_timeline(
    articles: Sequence[Article],
    analyses: Mapping[str, ArticleAnalysis],
    sentences: Sequence[StorySentence],
    scores: np.ndarray,
    sim: np.ndarray,
    dates: Mapping[str, ArticleDate],
    candidates: set[str],
    settings: ViewConfig,
) -> list[TimelineEntry]:
    """Timeline entries, oldest first (undated last).

    Args:
        articles: the story's members.
        analyses: per-article analyses.
        sentences: the story's sentences (`story_sentences`).
        scores: sentence scores (centrality with lead prior).
        sim: TF-IDF cosine between sentences.
        dates: report day of each article.
        candidates: ids of the articles that may report developments (not copies/translations).
        settings: sizes and thresholds.
    """
    by_id = {a.id: a for a in articles}
    order = {a.id: n for n, a in enumerate(articles)}
    members = [a for a in articles if a.id in candidates]
    members.sort(key=lambda a: (dates[a.id].day or "9999-99-99", order[a.id]))
    index_of: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        index_of.setdefault(s.article, []).append(i)
    seen: list[int] = []
    entries: list[tuple[tuple[str, str, int, int], TimelineEntry]] = []
    sentence_of: list[int] = []  # each entry's sentence
    restated: dict[int, list[str]] = {}
    known: set[str] = set()  # the facts of every earlier article
    known_words: set[str] = set()
    for n, art in enumerate(members):
        own = index_of.get(art.id, [])
        an = analyses.get(art.id)
        lead = [i for i in own if sentences[i].prose and sentences[i].position < LEAD_WINDOW]
        lead.sort(key=lambda i: -scores[i])
        new = lead
        if n > 0 and seen:
            new = [
                i
                for i in lead
                if float(sim[i, seen].max()) < settings.novelty
                and _adds_a_fact(facts(sentences[i], an), event_words(sentences[i]), known, known_words)
            ]
        if not new and lead and sentence_of:
            # Nothing new: the report restates the entry its lead is closest to.
            top = lead[0]
            closest = max(range(len(sentence_of)), key=lambda k: float(sim[top, sentence_of[k]]))
            if float(sim[top, sentence_of[closest]]) > 0:
                restated.setdefault(closest, []).append(art.id)
        basis = dates[art.id]
        reference = parse_day(basis.day)
        for i in new[: settings.timeline_per_article]:
            s = sentences[i]
            day, how = _sentence_date(s, an.times if an else (), reference, basis)
            entry = TimelineEntry(
                date=day,
                article=art.id,
                text=s.text,
                kind="first_report" if n == 0 else "development",
                publisher=by_id[art.id].publisher,
                date_basis=how,
                reported=basis.day[:10] if basis.day and day and day != basis.day[:10] else None,
            )
            key = (day or "9999-99-99", basis.day or "9999-99-99", order[art.id], s.index)
            entries.append((key, entry))
            sentence_of.append(i)
        seen.extend(own)
        for i in own:
            for keys in facts(sentences[i], an):
                known |= keys
            known_words |= event_words(sentences[i])
    for k, by in restated.items():
        entries[k] = (entries[k][0], replace(entries[k][1], restated=len(by), restated_by=tuple(by)))
    entries.sort(key=lambda e: e[0])
    return [e for _, e in entries[: settings.timeline_entries]]
