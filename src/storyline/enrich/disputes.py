"""Disputed claims: what different sides say on the same point, side by side with sources.

Candidates are attributed statements ("Russia said ...", "a Ukrainian military source told
CNN ...") from the parse. A statement's side is the country or group its speaker belongs to:
a place named in the speaker's phrase, a nationality word in it ("Ukrainian", "Russian"), or a
role stated for the speaker elsewhere ("Ukrainian President"), each tied to a place of the
story by their common stem (Ukrainian -> Ukraine). Two statements by different sides are on the
same point when enough of these signals add up:

- topic: TF-IDF cosine of the two sentences;
- juxtaposition: the same article puts them within a few sentences of each other, which is how
  reporters set one side's version against the other's;
- characterisation: both put a side's own word in scare quotes ("liberated", "tactical"), the
  mark of a contested framing;
- denial: one speaker denies, rejects or disputes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from storyline.enrich.analysis import ArticleAnalysis
from storyline.enrich.entities import ResolvedEntity
from storyline.enrich.sentences import StorySentence
from storyline.text import fold
from storyline.types import Article, Dispute, DisputeSide

# Score at which two statements are a dispute: two of the three cue signals (0.25 each), or one
# cue with a topic cosine of 0.2, or a topic cosine of 0.45 alone.
DISPUTE_MIN = 0.45
CUE_WEIGHT = 0.25
# Sentences at most this far apart in one article are set against each other.
JUXTAPOSED = 3
# Reporting verbs that contradict (lemmas; textacy's reporting-verb lists hold these words).
DENIAL_CUES = frozenset({"deny", "disagree", "dispute", "reject", "refute", "dismiss", "contest"})
MAX_DISPUTES = 5
# rapidfuzz token-set ratio at which a statement is a copy's version of another.
REPEAT_MATCH = 85.0
# A nationality word and a place name share a stem when their common prefix is this long and
# covers this share of the shorter word (Ukrainian/Ukraine 6 of 7, Russian/Russia 6 of 6).
STEM_MIN = 4
STEM_SHARE = 0.6
_SCARE_RE = re.compile(r"[“\"«‘]([^”\"»’“«]{2,40}?)[,.]?[”\"»’]")


@dataclass(frozen=True, slots=True)
class _Statement:
    sentence: int  # index into the story's sentences
    article: str
    side: str
    text: str
    cue: str
    scare: tuple[str, ...]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _stem_match(word: str, places: Sequence[str]) -> str | None:
    w = fold(word)
    best: tuple[int, str] | None = None
    for place in places:
        p = fold(place)
        n = _common_prefix(w, p)
        if n >= STEM_MIN and n >= STEM_SHARE * min(len(w), len(p)) and (best is None or n > best[0]):
            best = (n, place)
    return best[1] if best else None


def _side_in(text: str, places: Sequence[str]) -> str | None:
    for word in re.findall(r"\w+", text):
        if word[:1].isupper():
            side = _stem_match(word, places)
            if side:
                return side
    return None


def find_disputes(
    articles: Sequence[Article],
    analyses: Mapping[str, ArticleAnalysis],
    sentences: Sequence[StorySentence],
    sim: np.ndarray,
    entities: Sequence[ResolvedEntity],
    roles: Mapping[str, str],
    candidates: set[str],
) -> list[Dispute]:
    """Disputed points of the story, strongest first.

    Args:
        articles: the story's members.
        analyses: per-article analyses.
        sentences: the story's sentences.
        sim: TF-IDF cosine between sentences.
        entities: the story's resolved entities.
        roles: the role stated for each entity name ("Ukrainian President").
        candidates: originals (their statements are preferred over a copy's).
    """
    places = [r.entity.name for r in entities if r.entity.kind == "place"]
    if not places:
        return []
    spans: dict[str, list[tuple[int, int, ResolvedEntity]]] = {}
    for r in entities:
        for m in r.mentions:
            spans.setdefault(m.article, []).append((m.start, m.end, r))
    index = {(s.article, s.index): i for i, s in enumerate(sentences)}
    statements: list[_Statement] = []
    # Originals first; copies still count, since an original's text may be unusable (a page
    # dump), and the disputes they repeat are dropped below.
    for art in sorted(articles, key=lambda a: a.id not in candidates):
        an = analyses.get(art.id)
        if an is None:
            continue
        for att in an.parsed.attributions:
            i = index.get((art.id, att.sentence))
            if i is None or not sentences[i].prose:
                continue
            phrase = art.text[att.phrase_start : att.phrase_end]
            side = _side_of_speaker(
                art, att.phrase_start, att.phrase_end, phrase, spans.get(art.id, []), roles, places
            )
            if side is None:
                continue
            text = sentences[i].text
            scare = tuple(m.group(1) for m in _SCARE_RE.finditer(text) if len(m.group(1).split()) <= 3)
            statements.append(_Statement(i, art.id, side, text, att.cue, scare))
    pairs: list[tuple[float, int, int]] = []
    for x in range(len(statements)):
        for y in range(x + 1, len(statements)):
            a, b = statements[x], statements[y]
            if a.side == b.side or a.sentence == b.sentence:
                continue
            score = float(sim[a.sentence, b.sentence])
            if (
                a.article == b.article
                and abs(sentences[a.sentence].index - sentences[b.sentence].index) <= JUXTAPOSED
            ):
                score += CUE_WEIGHT
            if a.scare and b.scare:
                score += CUE_WEIGHT
            if a.cue in DENIAL_CUES or b.cue in DENIAL_CUES:
                score += CUE_WEIGHT
            if score >= DISPUTE_MIN:
                pairs.append((score, x, y))
    # Strongest first; among equal scores the earlier statements, i.e. originals' before the
    # copies' that repeat them word for word.
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    # Each statement belongs to its strongest dispute only.
    used: set[int] = set()
    disputes: list[Dispute] = []
    for _score, x, y in pairs:
        if x in used or y in used:
            continue
        a, b = statements[x], statements[y]
        if any(_repeats(a, b, d) for d in disputes):
            continue
        used.update((x, y))
        sides = tuple(
            DisputeSide(s.side, s.text, s.article) for s in sorted((a, b), key=lambda s: s.sentence)
        )
        disputes.append(Dispute(point=_point(a, b), sides=sides))
        if len(disputes) >= MAX_DISPUTES:
            break
    return disputes


def _side_of_speaker(
    art: Article,
    start: int,
    end: int,
    phrase: str,
    spans: list[tuple[int, int, ResolvedEntity]],
    roles: Mapping[str, str],
    places: Sequence[str],
) -> str | None:
    inside = [r for s, e, r in spans if start <= s and e <= end]
    for r in inside:
        if r.entity.kind == "place":
            return _stem_match(r.entity.name, places) or r.entity.name
    side = _side_in(phrase, places)
    if side:
        return side
    for r in inside:
        side = _side_in(r.entity.name, places) or _side_in(roles.get(r.entity.name, ""), places)
        if side:
            return side
    if len(phrase.split()) == 1 and phrase.islower():
        # A pronoun: the side of the person named last before it.
        before = [r for s, e, r in spans if e <= start and start - e <= 600 and r.entity.kind == "person"]
        if before:
            return _side_in(roles.get(before[-1].entity.name, ""), places)
    return None


def _repeats(a: _Statement, b: _Statement, dispute: Dispute) -> bool:
    """Whether a pair of statements says what an already found dispute says (a copy's version)."""
    texts = [fold(s.text) for s in dispute.sides]
    return all(any(fuzz.token_set_ratio(fold(x.text), t) >= REPEAT_MATCH for t in texts) for x in (a, b))


def _point(a: _Statement, b: _Statement) -> str:
    if a.scare and b.scare:
        return f"{a.side}: “{a.scare[0]}” / {b.side}: “{b.scare[0]}”"
    return f"{a.side} and {b.side} on the same point"
