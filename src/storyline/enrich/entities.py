"""People, places and organisations of a story, merged across spellings, scripts and languages.

Per-article NER is noisy ("Olaf Scholz" as ORG, "Izium" missed) and names are spelled many
ways across outlets and languages (Izium/Izyum/Izioum, Putin/Poutine, Kupyansk/Kupiansk). The
story is the unit that fixes both:

1. Variants are merged by general methods, never by lists of names: a transliteration key
   (any script to ASCII with ``anyascii``, then the spelling differences that romanisation
   systems disagree on folded away), edit similarity of keys (``rapidfuzz``), a lone surname
   joined to the one full person name that ends with it, and acronyms joined to the name whose
   initials they spell.
2. Each merged entity's kind is the vote of all its mentions, from every model that saw it.
3. Every variant of every entity is then searched in every member's text, which carries the
   entities over to copies and to languages without an NER model, and counts the mentions a
   model missed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal

from anyascii import anyascii
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from scipy.cluster.hierarchy import DisjointSet

from storyline.enrich.analysis import ArticleAnalysis
from storyline.types import Article, Entity, EntityKind, Mention

KINDS: tuple[EntityKind, ...] = ("person", "organisation", "place")
# An exact tie goes to the kind news mentions most often: places, then organisations (OntoNotes
# counts more GPE/LOC than ORG, and more ORG than PERSON mentions in newswire).
TIE_ORDER: tuple[EntityKind, ...] = ("place", "organisation", "person")
# Vote weights: the primary model decides a tie with the second opinion, and a name that only
# the second model found (one vote of 0.75) is not kept on its own.
PRIMARY_VOTE = 1.0
SECOND_VOTE = 0.75
MIN_VOTES = PRIMARY_VOTE
# A description's vote outweighs both models' votes on one mention (1 + 0.75).
ROLE_VOTE = 2.0
# A name listed with another votes for the other's kind: two listed neighbours of one kind
# outweigh both models' votes on one mention, one breaks a tie between them.
LIST_VOTE = 1.0
# Typing a name no model typed from the words around it: it needs this many context words
# shared with typed entities of the story, and this share of them for one kind.
CONTEXT_MIN_HITS = 2
CONTEXT_MIN_SHARE = 0.75
# Keys at least this similar (rapidfuzz ratio, 0-100) are one name. 90 joins one-letter
# spelling differences in names of 10+ letters ("zaporizhia"/"zaporizhzhia" after folding), but
# not "zelenski"/"zelenska" (87.5) nor short names ("iran"/"iraq" need equal keys, see below).
FUZZY_MIN = 90.0
# Names with keys shorter than this must match exactly: one letter is too much of a short name.
FUZZY_MIN_LEN = 6

# Romanisation systems disagree on these; folding them makes Izium/Izyum/Izioum,
# Kupyansk/Kupiansk, Bucha/Boutcha (French "ou", "tch") and Putin/Poutine one key.
_FOLDS = (
    ("tsch", "ch"),
    ("tch", "ch"),
    ("kh", "h"),
    ("ou", "u"),
    ("y", "i"),
    ("j", "i"),
    ("w", "v"),
    ("ph", "f"),
    ("ck", "k"),
)
_DOUBLE_RE = re.compile(r"(.)\1+")
_NON_LETTER_RE = re.compile(r"[^a-z ]+")
_POSSESSIVE_RE = re.compile(r"['’]s?$")


def name_key(name: str) -> str:
    """Transliteration key of a name: same key, same name, whatever the script or romanisation."""
    text = anyascii(unicodedata.normalize("NFKC", name)).lower()
    text = _NON_LETTER_RE.sub(" ", text)
    words = []
    for word in text.split():
        for a, b in _FOLDS:
            word = word.replace(a, b)
        word = _DOUBLE_RE.sub(r"\1", word)
        # French and German add a final mute "e" to Slavic names (Poutine, Izioum -> no).
        if len(word) > 4 and word.endswith("e"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def clean_surface(text: str) -> str:
    """A mention's name without leading lowercase words ("the", "a"), possessive or edge punctuation."""
    text = " ".join(text.split()).strip(" \t\n,.;:!?\"'“”‘’«»()[]-–—")
    words = text.split(" ")
    while len(words) > 1 and words[0][:1].islower():
        words.pop(0)
    text = " ".join(words)
    text = _POSSESSIVE_RE.sub("", text).strip(" ,.")
    return text


def _is_name(text: str) -> bool:
    """A plausible name: has a letter, and in cased scripts starts with a capital or a digit."""
    if len(text) < 2 or not any(c.isalpha() for c in text):
        return False
    letters = [c for c in text if c.isalpha()]
    if any(c.isupper() or c.islower() for c in letters):  # a cased script
        return any(c.isupper() for c in letters) and not text[0].islower()
    return True


@dataclass(frozen=True, slots=True)
class EntityMention:
    """Where a story entity is mentioned: article id, [start, end), text, and how it was found."""

    article: str
    start: int
    end: int
    text: str
    source: Literal["ner", "scan"]


@dataclass(frozen=True, slots=True)
class ResolvedEntity:
    """A story entity with its mentions (`entity` is what views show)."""

    entity: Entity
    mentions: tuple[EntityMention, ...]
    key: str
    votes: tuple[tuple[EntityKind, float], ...] = ()


@dataclass
class _Cluster:
    surfaces: Counter[str] = field(default_factory=Counter)
    votes: defaultdict[EntityKind, float] = field(default_factory=lambda: defaultdict(float))
    primary: defaultdict[EntityKind, int] = field(default_factory=lambda: defaultdict(int))
    mentions: list[EntityMention] = field(default_factory=list)
    typed: bool = False
    # Whether one mention is more than the model name of a weapon or vehicle ("Grad" rockets).
    not_only_a_thing: bool = False


def _split_lists(m: Mention) -> list[Mention]:
    """Split "Dvoritchna, Balakliïa": a comma inside one predicted name is a list of names."""
    if ", " not in m.text:
        return [m]
    out = []
    pos = 0
    for part in m.text.split(", "):
        start = m.start + pos
        out.append(Mention(part, m.kind, start, start + len(part)))
        pos += len(part) + 2
    return out


# Capitalised runs of a language without a model mix names with capitalised nouns ("Hafenstadt
# Mykolajiw" in German); every shorter run is a candidate too, so the name inside can join the
# entity it names. Runs longer than this are not split (sub-runs grow quadratically).
MAX_RUN_WORDS = 6


def _sub_runs(m: Mention) -> list[Mention]:
    """The mention and every contiguous shorter run of its words (untyped candidates)."""
    spans = [(w.start(), w.end()) for w in re.finditer(r"\S+", m.text)]
    if len(spans) < 2 or len(spans) > MAX_RUN_WORDS:
        return [m]
    out = []
    for i in range(len(spans)):
        for j in range(i, len(spans)):
            s0, s1 = spans[i][0], spans[j][1]
            out.append(Mention(m.text[s0:s1], m.kind, m.start + s0, m.start + s1))
    return out


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words if w[:1].isupper())


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < FUZZY_MIN_LEN or a[0] != b[0]:
        return False
    return fuzz.ratio(a, b) >= FUZZY_MIN


def resolve_entities(
    articles: Sequence[Article],
    analyses: Mapping[str, ArticleAnalysis],
    *,
    scan: bool = True,
    copies: AbstractSet[str] = frozenset(),
) -> list[ResolvedEntity]:
    """Merge the names found in the story's articles into entities.

    Args:
        articles: the story's members.
        analyses: per-article analyses by article id (articles without one are only scanned).
        scan: search every variant in every member's text (carries entities over to copies and
            to languages without a model, and counts mentions a model missed).
        copies: ids of members that copy or translate another member: a name found only in
            them, one letter away from a name of an original, is their misspelling of it.

    Returns:
        Entities, most mentioned first.
    """
    # 1. Mentions by cleaned surface form, with kind votes.
    surfaces: dict[str, int] = {}
    group_counts: Counter[str] = Counter()
    role_votes: list[tuple[str, int, int, EntityKind]] = []
    records: list[tuple[int, EntityMention, EntityKind | None, float]] = []
    untyped_surfaces: set[int] = set()
    prose = _prose_spans(articles, analyses)
    thing_ends: set[tuple[str, int]] = set()
    for art in articles:
        an = analyses.get(art.id)
        if an is None:
            continue
        inside = prose.get(art.id, [])
        found = [m for m in an.parsed.mentions if _within(m, inside)]
        if not an.parsed.typed:
            found = [sub for m in found for sub in _sub_runs(m)]
        primary = [(m, PRIMARY_VOTE if an.parsed.typed else 0.0) for m in found]
        second = [(m, SECOND_VOTE) for m in an.parsed.votes if _within(m, inside)]
        seen_spans: dict[tuple[int, int], int] = {}
        thing_ends.update((art.id, t1) for _, t1 in an.parsed.things)
        for role in an.parsed.roles:
            if role.kind is not None:
                role_votes.append((art.id, role.start, role.end, role.kind))
        for g0, g1 in an.parsed.groups:
            group_counts[clean_surface(art.text[g0:g1])] += 1
        for m0, weight in primary + second:
            for m in _split_lists(m0):
                surface = clean_surface(m.text)
                if not _is_name(surface):
                    continue
                offset = m.text.find(surface) if surface in m.text else 0
                start = m.start + max(offset, 0)
                idx = surfaces.setdefault(surface, len(surfaces))
                span = (start, start + len(surface))
                kind: EntityKind | None = m.kind if weight > 0 else None
                if kind == "person" and art.language == "en" and _after_the(art.text, start):
                    # "the Beatles": English puts no article before a person's name; a name
                    # after "the" is a group or an institution.
                    kind = "organisation"
                if weight == 0:
                    untyped_surfaces.add(idx)
                if span in seen_spans:  # the second model saw the same name: a vote, not a mention
                    records.append((idx, EntityMention(art.id, *span, surface, "ner"), kind, -weight))
                    continue
                seen_spans[span] = idx
                records.append((idx, EntityMention(art.id, *span, surface, "ner"), kind, weight))
    if not surfaces:
        return []
    names = list(surfaces)
    keys = [name_key(n) for n in names]
    uf = DisjointSet(range(len(names)))

    # 2a. Same or similar transliteration key.
    by_key: dict[str, int] = {}
    for i, k in enumerate(keys):
        if not k:
            continue
        if k in by_key:
            uf.merge(i, by_key[k])
        else:
            by_key[k] = i
    distinct = list(by_key.items())
    for x in range(len(distinct)):
        for y in range(x + 1, len(distinct)):
            if _similar(distinct[x][0], distinct[y][0]):
                uf.merge(distinct[x][1], distinct[y][1])

    # Votes per surface so far, to know which multi-word names are people.
    surface_votes: dict[int, defaultdict[EntityKind, float]] = defaultdict(lambda: defaultdict(float))
    for idx, _, rec_kind, weight in records:
        if rec_kind is not None:
            surface_votes[idx][rec_kind] += abs(weight)

    # 2b. A lone word joins the one multi-word person name whose last word it is (a surname),
    # and an acronym joins the one name whose capitalised initials spell it.
    def _top_kind(root: int) -> EntityKind | None:
        total: defaultdict[EntityKind, float] = defaultdict(float)
        for i in range(len(names)):
            if uf[i] == root:
                for vk, v in surface_votes[i].items():
                    total[vk] += v
        return max(total.items(), key=lambda kv: kv[1])[0] if total else None

    multi = [i for i, n in enumerate(names) if len(keys[i].split()) > 1]
    surname_of_person: set[int] = set()
    for i, name in enumerate(names):
        words = keys[i].split()
        if len(words) != 1:
            continue
        surname_roots = {
            uf[j] for j in multi if _similar(keys[j].split()[-1], words[0]) and keys[j] != keys[i]
        }
        person_roots = {r for r in surname_roots if _top_kind(r) == "person"}
        if len(person_roots) == 1:
            uf.merge(i, person_roots.pop())
            # A bare surname lacks the given-name cue models rely on; the full name it joined
            # says it is a person, so its own votes count as person votes.
            surname_of_person.add(i)
            continue
        if name.isupper() and 2 <= len(name) <= 6:
            acro_roots = {uf[j] for j in multi if _acronym(names[j].split()) == name}
            if len(acro_roots) == 1:
                uf.merge(i, acro_roots.pop())

    # 3. Clusters: surfaces, votes, mentions.
    clusters: dict[int, _Cluster] = defaultdict(_Cluster)
    for idx, mention, rec_kind, weight in records:
        c = clusters[uf[idx]]
        vote: EntityKind | None = "person" if rec_kind is not None and idx in surname_of_person else rec_kind
        if vote is not None:
            c.votes[vote] += abs(weight)
            if abs(weight) == PRIMARY_VOTE:
                c.primary[vote] += 1
            c.typed = True
        if weight >= 0:
            c.surfaces[mention.text] += 1
            c.mentions.append(mention)
        if rec_kind is not None and (mention.article, mention.end) not in thing_ends:
            c.not_only_a_thing = True  # (an untyped mention, in a language without a parser, cannot tell)
    # A description next to a name ("Boutcha, a town near Kyiv") says what it is more surely
    # than a model's guess from the name in context: each one counts as `ROLE_VOTE` votes.
    spans_of = {(m.article, m.start, m.end): root for root, c in clusters.items() for m in c.mentions}
    for article, r0, r1, role_kind in role_votes:
        root = _cluster_at(spans_of, article, r0, r1)
        if root is not None:
            clusters[root].votes[role_kind] += ROLE_VOTE

    # Names listed together ("Dvoritchna, Balakliïa and Kupyansk") are of one kind: each name of
    # the list votes `LIST_VOTE` for the kind the story's evidence gives the other.
    listed_votes: list[tuple[int, EntityKind]] = []
    for art in articles:
        an = analyses.get(art.id)
        if an is None:
            continue
        for a0, a1, b0, b1 in an.parsed.listed:
            ra = _cluster_at(spans_of, art.id, a0, a1)
            rb = _cluster_at(spans_of, art.id, b0, b1)
            if ra is None or rb is None or ra == rb:
                continue
            for mine, other in ((ra, rb), (rb, ra)):
                if clusters[other].votes:
                    listed_votes.append((mine, _best_kind(clusters[other])))
    for root, kind in listed_votes:
        clusters[root].votes[kind] += LIST_VOTE

    # Untyped names (languages without a model) only count when they joined a typed entity; a
    # name the model more often calls a nationality or group ("Russian") is not an entity, nor
    # one that only ever names the model of a weapon or vehicle ("Grad rockets", "Mi-26
    # helicopters") when it is a designation with a digit or the primary model never typed it
    # ("Airbus jets", "Qantas flight" are companies the model knows).
    if copies:
        _fold_copy_typos(clusters, copies)
    clusters = {
        r: c
        for r, c in clusters.items()
        if c.typed
        and (c.not_only_a_thing or not _a_model_designation(c))
        and sum(c.votes.values()) >= MIN_VOTES
        and sum(group_counts[s] for s in c.surfaces) < sum(c.votes.values())
    }
    _type_by_context(articles, analyses, clusters, surfaces)

    # Overlapping mentions of one entity (a run and the name inside it) are one mention.
    for c in clusters.values():
        c.mentions = _non_overlapping(c.mentions)

    # 4. Scan every member for every variant not already found there.
    if scan:
        _scan(articles, clusters, prose)

    out: list[ResolvedEntity] = []
    for c in clusters.values():
        best = _best_kind(c)
        name = _display_name(c, best)
        arts = tuple(dict.fromkeys(m.article for m in sorted(c.mentions, key=lambda m: m.article)))
        order = {a.id: n for n, a in enumerate(articles)}
        arts = tuple(sorted(arts, key=lambda a: order.get(a, 0)))
        variants = tuple(sorted(c.surfaces, key=lambda s: (-c.surfaces[s], s)))
        entity = Entity(name=name, kind=best, mentions=len(c.mentions), articles=arts, variants=variants)
        votes = tuple((k, round(c.votes[k], 2)) for k in KINDS if c.votes[k])
        out.append(ResolvedEntity(entity, tuple(c.mentions), name_key(name), votes))
    out.sort(key=lambda r: (-r.entity.mentions, -len(r.entity.articles), r.entity.name))
    return out


# A copy's misspelling is one letter in a name of at least this many letters (shorter names
# one letter apart are often two names: Iran and Iraq).
TYPO_MIN_LEN = 5


def _fold_copy_typos(clusters: dict[int, _Cluster], copies: AbstractSet[str]) -> None:
    """Join a name found only in copies to the original's name one letter away.

    A content farm's repost writes "Ilium resident" where the original says "Izium resident": the
    copy has no name of its own there, only a misspelling. The misspelling becomes a variant of the
    original's name; its kind votes are dropped (a model's guess on a misspelt word).
    """
    keys = {r: {name_key(x) for x in c.surfaces} for r, c in clusters.items()}
    originals = [r for r, c in clusters.items() if any(m.article not in copies for m in c.mentions)]
    for r, c in list(clusters.items()):
        if not c.mentions or any(m.article not in copies for m in c.mentions):
            continue
        target = next(
            (
                o
                for o in originals
                if o != r
                and any(
                    len(a) >= TYPO_MIN_LEN
                    and len(a) == len(b)
                    and a[0] == b[0]
                    and Levenshtein.distance(a, b) == 1
                    for a in keys[r]
                    for b in keys[o]
                )
            ),
            None,
        )
        if target is None:
            continue
        clusters[target].surfaces.update(c.surfaces)
        clusters[target].mentions.extend(c.mentions)
        del clusters[r]


def _a_model_designation(c: _Cluster) -> bool:
    """A name with a digit ("Mi-26"), or one only the second model typed ("Grad")."""
    return any(ch.isdigit() for surface in c.surfaces for ch in surface) or not any(c.primary.values())


def _after_the(text: str, start: int) -> bool:
    """Whether the word right before `start` is "the" (any case)."""
    return text[max(0, start - 4) : start].lower() == "the "


def _best_kind(c: _Cluster) -> EntityKind:
    """The kind with most votes; then most primary-model mentions; then `TIE_ORDER`."""
    return max(KINDS, key=lambda k: (round(c.votes[k], 6), c.primary[k], -TIE_ORDER.index(k)))


def _cluster_at(spans_of: dict[tuple[str, int, int], int], article: str, start: int, end: int) -> int | None:
    """The cluster with a mention overlapping [start, end) in the article, if any."""
    return next((x for (a, s0, s1), x in spans_of.items() if a == article and s0 < end and start < s1), None)


def _non_overlapping(mentions: list[EntityMention]) -> list[EntityMention]:
    """Longest first, drop mentions that overlap a kept one in the same article."""
    kept: list[EntityMention] = []
    taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for m in sorted(mentions, key=lambda m: (m.article, -(m.end - m.start), m.start)):
        if any(s < m.end and m.start < e for s, e in taken[m.article]):
            continue
        taken[m.article].append((m.start, m.end))
        kept.append(m)
    kept.sort(key=lambda m: (m.article, m.start))
    return kept


def _display_name(c: _Cluster, kind: EntityKind) -> str:
    """The most used spelling; for people the most used full name (several words)."""
    ranked = sorted(c.surfaces, key=lambda s: (-c.surfaces[s], -len(s), s))
    if kind == "person":
        full = [s for s in ranked if len(s.split()) > 1]
        if full:
            return full[0]
    return ranked[0]


_WORD_RE = re.compile(r"\w+")


def _contexts(text: str, start: int, end: int) -> list[str]:
    """The lowercase words right before and after a name (``<in``, ``region>``)."""
    before = _WORD_RE.findall(text[max(0, start - 30) : start])
    after = _WORD_RE.findall(text[end : end + 30])
    out = []
    if before and before[-1].islower():
        out.append("<" + before[-1])
    if after and after[0].islower():
        out.append(after[0] + ">")
    return out


def _type_by_context(
    articles: Sequence[Article],
    analyses: Mapping[str, ArticleAnalysis],
    clusters: dict[int, _Cluster],
    surfaces: Mapping[str, int],
) -> None:
    """Give a kind to proper names that no model typed, from the words around them in the story.

    The words right around a name say much of its kind ("the ___ region", "in ___", "___ said");
    names of the story whose kind is known vote, per context word, for that kind (the
    bootstrapping of Collins & Singer, 1999, "Unsupervised models for named entity
    classification", in one round). A name becomes an entity only when several of its context
    words agree.
    """
    by_id = {a.id: a for a in articles}
    kind_of_surface = {}
    for c in clusters.values():
        kind = max(KINDS, key=lambda k: c.votes[k])
        for s in c.surfaces:
            kind_of_surface[s] = kind
    context_votes: dict[str, Counter[EntityKind]] = defaultdict(Counter)
    for c in clusters.values():
        for m in c.mentions:
            art = by_id.get(m.article)
            if art is not None and m.text in kind_of_surface:
                for ctx in _contexts(art.text, m.start, m.end):
                    context_votes[ctx][kind_of_surface[m.text]] += 1
    candidates: dict[str, list[EntityMention]] = defaultdict(list)
    for art in articles:
        an = analyses.get(art.id)
        if an is None:
            continue
        for s0, s1 in an.parsed.other_names:
            surface = clean_surface(art.text[s0:s1])
            if _is_name(surface) and surface not in kind_of_surface:
                start = s0 + max(art.text[s0:s1].find(surface), 0)
                candidates[surface].append(EntityMention(art.id, start, start + len(surface), surface, "ner"))
    next_root = max(clusters, default=0) + len(surfaces) + 1
    for surface, mentions in candidates.items():
        tally: Counter[EntityKind] = Counter()
        hits = 0
        for m in mentions:
            for ctx in _contexts(by_id[m.article].text, m.start, m.end):
                votes = context_votes.get(ctx)
                if votes:
                    best, n = votes.most_common(1)[0]
                    if n / sum(votes.values()) >= CONTEXT_MIN_SHARE:
                        tally[best] += 1
                        hits += 1
        if hits < CONTEXT_MIN_HITS:
            continue
        kind, n = tally.most_common(1)[0]
        if n / hits < CONTEXT_MIN_SHARE:
            continue
        c = _Cluster()
        c.surfaces[surface] = len(mentions)
        c.votes[kind] = MIN_VOTES
        c.mentions.extend(mentions)
        c.typed = True
        clusters[next_root] = c
        next_root += 1


def _prose_spans(
    articles: Sequence[Article], analyses: Mapping[str, ArticleAnalysis]
) -> dict[str, list[tuple[int, int]]]:
    """Spans of each article's sentences that are not page furniture (menus, page dumps)."""
    from storyline.enrich.sentences import is_furniture

    out: dict[str, list[tuple[int, int]]] = {}
    for art in articles:
        an = analyses.get(art.id)
        if an is None:
            out[art.id] = [(0, len(art.text))]
            continue
        out[art.id] = [(s0, s1) for s0, s1 in an.parsed.sentences if not is_furniture(art.text[s0:s1])]
    return out


def _within(m: Mention | EntityMention, spans: list[tuple[int, int]]) -> bool:
    return any(s <= m.start and m.end <= e for s, e in spans)


def _scan(
    articles: Sequence[Article], clusters: dict[int, _Cluster], prose: Mapping[str, list[tuple[int, int]]]
) -> None:
    variants: dict[str, int] = {}
    for root, c in clusters.items():
        for s in c.surfaces:
            # A variant shared by two entities is ambiguous: it names neither for sure.
            variants[s] = -1 if s in variants and variants[s] != root else root
    variants = {s: r for s, r in variants.items() if r >= 0 and len(s) >= 3}
    if not variants:
        return
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(s) for s in sorted(variants, key=len, reverse=True)) + r")(?!\w)"
    )
    for art in articles:
        taken = sorted((m.start, m.end) for c in clusters.values() for m in c.mentions if m.article == art.id)
        inside = prose.get(art.id, [])
        for m in pattern.finditer(art.text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            if not any(s <= m.start() and m.end() <= e for s, e in inside):
                continue
            c = clusters[variants[m.group(1)]]
            c.mentions.append(EntityMention(art.id, m.start(), m.end(), m.group(1), "scan"))
