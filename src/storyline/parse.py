"""Full analysis of a text for story views: sentences, names, groups, roles, quotations, reported speech.

One spaCy pass per language (the models of `storyline.nlp`); everything a spaCy ``Doc`` knows
that later stages need is copied into plain frozen dataclasses (`Parsed`), so no spaCy object
leaves this module. Quotations and their speakers are `storyline.quotations`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from storyline.nlp import (
    GROUP_LABELS,
    OTHER_NAME_LABELS,
    SPACY_KINDS,
    doc_mentions,
    fallback_mentions,
    model_name,
    ner_docs,
    pipeline_for,
    second_model_for,
)
from storyline.quotations import (
    MAX_PHRASE_TOKENS,
    MORE_REPORTING_VERBS,
    attribute,
    find_quotations,
    head_span,
    introduced,
    phrase_span,
)
from storyline.types import EntityKind, Mention


@dataclass(frozen=True, slots=True)
class Quotation:
    """A quotation at [start, end) (the quoted words, marks excluded), with its speaker when attributed.

    Attributes:
        start, end: character offsets of the quoted words.
        speaker_start, speaker_end: the speaker's head noun with its compounds (``Valeriy``,
            ``he``, ``spokesman``), or None when no speaker was found.
        phrase_start, phrase_end: the speaker's whole noun phrase (``A spokesman for the Bohun
            Brigade``), or None.
        cue: lemma of the reporting verb (``say``, ``write``), or None (no speaker, or the
            speaker of a neighbouring quotation that goes on).
        direct: a statement set off from the narrative; False for a fragment quoted inside the
            writer's own sentence (``called for more “flexibility”``).
    """

    start: int
    end: int
    speaker_start: int | None = None
    speaker_end: int | None = None
    phrase_start: int | None = None
    phrase_end: int | None = None
    cue: str | None = None
    direct: bool = True


@dataclass(frozen=True, slots=True)
class Attribution:
    """A sentence that reports what someone said: ``<speaker phrase> <cue verb> ...``.

    Attributes:
        sentence: index of the sentence in `Parsed.sentences`.
        speaker_start, speaker_end: the subject's head noun with compounds.
        phrase_start, phrase_end: the subject's whole noun phrase.
        cue: lemma of the reporting verb.
    """

    sentence: int
    speaker_start: int
    speaker_end: int
    phrase_start: int
    phrase_end: int
    cue: str


@dataclass(frozen=True, slots=True)
class Role:
    """Words that describe a name where it is mentioned (``Ukrainian President``, ``a town near Kyiv``).

    `kind` is what the description's head noun says the name is (``town`` -> place), when the
    model has word vectors to tell (see `_role_kind`); None otherwise.
    """

    start: int
    end: int
    role: str
    kind: EntityKind | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one text says, as plain data (character offsets into the text that was parsed).

    Attributes:
        sentences: [start, end) of each sentence.
        mentions: named people, places and organisations.
        typed: whether `mentions` come from a model (False: untyped capitalised runs).
        groups: nationalities and groups (``Ukrainian``, ``Russians``) at [start, end).
        roles: descriptions attached to names.
        quotations: direct quotations.
        attributions: sentences that report speech, with their speaker.
        model: the model used, or None for the rule fallback.
        votes: names and kinds found by a second model (`SECOND_OPINION`), as extra votes.
        other_names: other proper names (`OTHER_NAME_LABELS`) at [start, end), kind unknown.
        things: words that name the model of a weapon or vehicle ("Grad" rockets, "Mi-26"
            helicopters) at [start, end): a name used only so is no person, place or organisation.
        listed: pairs of proper nouns coordinated in one list ("Dvoritchna, Balakliïa and
            Kupyansk"), as (start, end, start, end) of each word: evidence they are of one kind.
    """

    sentences: tuple[tuple[int, int], ...]
    mentions: tuple[Mention, ...]
    typed: bool
    groups: tuple[tuple[int, int], ...] = ()
    roles: tuple[Role, ...] = ()
    quotations: tuple[Quotation, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    model: str | None = None
    votes: tuple[Mention, ...] = ()
    other_names: tuple[tuple[int, int], ...] = ()
    things: tuple[tuple[int, int], ...] = ()
    listed: tuple[tuple[int, int, int, int], ...] = ()


# Speaker noun phrases longer than this are cut at the head: a whole relative clause is not a speaker.


def split_sentences(text: str, language: str | None) -> list[tuple[int, int]]:
    """Sentence spans of a text without a spaCy model, paragraph by paragraph.

    sentencex (Wikimedia's splitter, with abbreviation lists for many languages and fallbacks
    between related ones) is several hundred times faster than pysbd for the same boundaries on
    news text, which matters because every article of a language without a model goes through it.
    """
    from sentencex import segment

    out: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        chunk = para.group()
        pos = 0
        for sentence in segment(language or "en", chunk):
            piece = sentence.strip()
            if not piece:
                continue
            found = chunk.find(piece, pos)
            if found < 0:  # the splitter normalised something: fall back to the running offset
                found = pos
            start = para.start() + found
            end = min(para.start() + found + len(piece), para.end())
            pos = found + len(piece)
            if end > start:
                out.append((start, end))
    return out


def _mark_quotations(text: str) -> list[Quotation]:
    """Quotations found by their marks alone, without speakers (languages without a parser)."""
    return [Quotation(q.start, q.end, direct=q.direct) for q in find_quotations(text)]


def _fallback_parse(text: str, language: str | None) -> Parsed:
    return Parsed(
        sentences=tuple(split_sentences(text, language)),
        mentions=tuple(fallback_mentions(text)),
        typed=False,
        quotations=tuple(_mark_quotations(text)),
    )


def _quotations(doc: Any, language: str) -> list[Quotation]:
    """Quotations by their marks (`storyline.quotations`), each with its speaker from the parse."""
    verbs = _reporting_verbs(language)
    spans = introduced(doc, find_quotations(doc.text), verbs)
    out: list[Quotation] = []
    for q, who in zip(spans, attribute(doc, spans, verbs), strict=True):
        if who is None:
            out.append(Quotation(q.start, q.end, direct=q.direct))
        else:
            out.append(
                Quotation(
                    q.start,
                    q.end,
                    who.head_start,
                    who.head_end,
                    who.phrase_start,
                    who.phrase_end,
                    who.cue,
                    q.direct,
                )
            )
    return out


_SUBJ_DEPS = frozenset({"nsubj", "nsubj:pass", "csubj"})


@lru_cache(maxsize=8)
def _reporting_verbs(language: str) -> frozenset[str]:
    """Lemmas of verbs that report speech: textacy's lists (en, es, fr) and the ones news adds."""
    try:
        from textacy import constants

        listed = frozenset(constants.REPORTING_VERBS.get(language, ()))
    except ImportError:
        listed = frozenset()
    return listed | MORE_REPORTING_VERBS.get(language, frozenset())


def _attributions(sents: Sequence[Any], verbs: frozenset[str]) -> list[Attribution]:
    out: list[Attribution] = []
    for i, sent in enumerate(sents):
        for tok in sent:
            if tok.pos_ != "VERB" or tok.lemma_ not in verbs:
                continue
            subj = next((c for c in tok.children if c.dep_ in _SUBJ_DEPS), None)
            if subj is None and tok.i > sent.start and tok.nbor(-1).pos_ in ("NOUN", "PROPN"):
                # "..., a Ukrainian military source told CNN": parsers often attach the speaker
                # as an apposition of the previous noun; the noun right before the verb speaks.
                subj = tok.nbor(-1)
                p0 = min(t.idx for t in [*subj.lefts, subj])
                p1 = subj.idx + len(subj.text)
            elif subj is None or (subj.pos_ == "PRON" and subj.lower_ in {"it", "this", "that", "which"}):
                continue
            else:
                p0, p1 = phrase_span(subj)
            s0, s1 = head_span(subj)
            out.append(Attribution(i, s0, s1, p0, p1, tok.lemma_))
            break
    return out


_ROLE_DEPS = frozenset({"compound", "amod", "nmod", "poss", "case"})


# Prototype nouns per kind: a description's head noun ("town", "minister", "manufacturer") is
# typed by its word-vector cosine with the mean of these. A handful of the most common heads of
# news appositions per kind is enough: the vectors generalise to the rest (port, capital,
# spokeswoman, carrier, regulator all land right).
_ROLE_PROTOTYPES: dict[EntityKind, tuple[str, ...]] = {
    "place": ("city", "town", "village", "region", "country", "province"),
    "person": ("man", "woman", "official", "minister", "president", "resident", "spokesman"),
    "organisation": ("company", "agency", "ministry", "group", "party", "army", "newspaper"),
}
# The best kind must be this similar, and this much ahead of the next (cosines of unrelated
# heads sit around 0.2-0.3; clear heads score 0.45-0.85 with a margin of 0.1 or more).
_ROLE_MIN = 0.35
_ROLE_MARGIN = 0.08


@lru_cache(maxsize=4)
def _prototypes(nlp_id: int, vocab: Any) -> dict[EntityKind, Any] | None:
    import numpy as np

    out: dict[EntityKind, Any] = {}
    for kind, words in _ROLE_PROTOTYPES.items():
        vectors = [vocab[w].vector for w in words if vocab.has_vector(w)]
        if not vectors:
            return None
        mean = np.mean(vectors, axis=0)
        out[kind] = mean / (np.linalg.norm(mean) or 1.0)
    return out


def _role_kind(token: Any) -> EntityKind | None:
    """The kind a description's head noun stands for, or None (no vectors, or unclear)."""
    import numpy as np

    if token.pos_ not in ("NOUN", "PROPN") or not token.has_vector:
        return None
    protos = _prototypes(id(token.vocab), token.vocab)
    if not protos:
        return None
    v = token.vector / (np.linalg.norm(token.vector) or 1.0)
    scores = sorted(((float(v @ p), k) for k, p in protos.items()), reverse=True)
    (best, kind), (second, _) = scores[0], scores[1]
    return kind if best >= _ROLE_MIN and best - second >= _ROLE_MARGIN else None


# Weapons and vehicles: a name that modifies such a noun ("Grad rockets") names its model.
_THING_PROTOTYPES = (
    "rocket",
    "missile",
    "helicopter",
    "tank",
    "weapon",
    "vehicle",
    "aircraft",
    "drone",
    "rifle",
    "launcher",
)
# Cosine with the prototypes' mean from which a noun is a weapon or vehicle. Measured with the
# English model's vectors: rockets 0.77, helicopters 0.78, missiles 0.81, planes 0.72, howitzers
# 0.62, jets 0.60; not: trucks 0.54, cars 0.49, forces 0.47, troops 0.46, brigade 0.41, computers
# 0.41, plant 0.34, stores 0.27, logo 0.16.
_THING_MIN = 0.55


@lru_cache(maxsize=4)
def _thing_prototype(nlp_id: int, vocab: Any) -> Any | None:
    import numpy as np

    vectors = [vocab[w].vector for w in _THING_PROTOTYPES if vocab.has_vector(w)]
    if not vectors:
        return None
    mean = np.mean(vectors, axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def _things(doc: Any) -> Iterator[tuple[int, int]]:
    """Capitalised words that modify a weapon or vehicle noun right after them ("Grad rockets")."""
    import numpy as np

    proto = None
    for tok in doc:
        head = tok.head
        if tok.dep_ != "compound" or head.pos_ != "NOUN" or head.i != tok.i + 1 or not tok.text[:1].isupper():
            continue
        if not head.has_vector:
            continue
        if proto is None:
            proto = _thing_prototype(id(doc.vocab), doc.vocab)
            if proto is None:
                return
        v = head.vector / (np.linalg.norm(head.vector) or 1.0)
        if float(v @ proto) >= _THING_MIN:
            yield tok.idx, tok.idx + len(tok.text)


def _apposition(child: Any) -> Any | None:
    """An apposition's words, cut before a relative clause or a comma when it runs long.

    "Boutcha, a town near Kyiv from which Russian forces withdrew in the spring, ..." gives "a
    town near Kyiv": the description is the noun and its own phrase, not the clause after it.
    """
    span = sorted(child.subtree, key=lambda t: t.i)
    if len(span) <= MAX_PHRASE_TOKENS:
        return child.doc[span[0].i : span[-1].i + 1]
    stops = {c.left_edge.i for c in child.children if c.dep_ in ("relcl", "acl", "acl:relcl")}
    end = child.i + 1
    while end <= span[-1].i and end - span[0].i < MAX_PHRASE_TOKENS:
        tok = child.doc[end]
        if tok.is_punct or tok.i in stops:
            break
        end += 1
    return child.doc[span[0].i : end] if end - span[0].i <= MAX_PHRASE_TOKENS else None


def _roles(doc: Any) -> list[Role]:
    """Descriptions of names: title words before the name, or an apposition after it."""
    out: list[Role] = []
    for ent in doc.ents:
        if ent.label_ not in SPACY_KINDS:
            continue
        root = ent.root
        before = [t for t in root.lefts if t.i < ent.start and t.dep_ in _ROLE_DEPS]
        words: list[Any] = []
        for t in before:
            words.extend(x for x in t.subtree if x.i < ent.start)
        if not words and root.dep_ == "appos" and root.head.pos_ == "NOUN" and root.head.i == ent.start - 1:
            # "Varenka resident Tomas" parsed as the resident with Tomas in apposition.
            words = [x for x in root.head.subtree if x.i < ent.start]
        if words:
            words.sort(key=lambda t: t.i)
            while words and words[0].pos_ == "DET":
                words.pop(0)
            if words:
                text = doc[words[0].i : words[-1].i + 1].text
                out.append(Role(ent.start_char, ent.end_char, text, _role_kind(words[-1])))
                continue
        for child in root.children:
            if child.dep_ == "appos" and child.i > ent.end - 1:
                words_of = _apposition(child)
                if words_of is not None:
                    text = words_of.text.strip(" ,")
                    out.append(Role(ent.start_char, ent.end_char, text, _role_kind(child)))
                break
    return out


_OPENING_MARKS = frozenset("“«„‘‹‚")


def _merged_sentences(doc: Any) -> list[Any]:
    """Sentences with stray quote marks put back: "... à Paris : «" + "Nous ... bout." + "»".

    Parsers (the French one above all) split at guillemets; a sentence that only holds marks
    joins the previous one, and one that ends on an opening mark joins the next.
    """
    out: list[Any] = []
    join_next = False
    for sent in doc.sents:
        text = sent.text.strip()
        if not text:
            continue
        if out and (join_next or not any(c.isalnum() for c in text)):
            out[-1] = doc[out[-1].start : sent.end]
        else:
            out.append(sent)
        join_next = text[-1] in _OPENING_MARKS
    return out


def _parse_doc(doc: Any, language: str, model: str | None) -> Parsed:
    sents = _merged_sentences(doc)
    sentences = tuple((s.start_char, s.end_char) for s in sents)
    quotations = _quotations(doc, language)
    attributions = _attributions(sents, _reporting_verbs(language))
    return Parsed(
        sentences=sentences,
        mentions=tuple(doc_mentions(doc)),
        typed=True,
        groups=tuple((e.start_char, e.end_char) for e in doc.ents if e.label_ in GROUP_LABELS),
        other_names=tuple((e.start_char, e.end_char) for e in doc.ents if e.label_ in OTHER_NAME_LABELS),
        things=tuple(_things(doc)),
        listed=tuple(
            (t.head.idx, t.head.idx + len(t.head.text), t.idx, t.idx + len(t.text))
            for t in doc
            if t.dep_ == "conj" and t.pos_ == "PROPN" and t.head.pos_ == "PROPN"
        ),
        roles=tuple(_roles(doc)),
        quotations=tuple(quotations),
        attributions=tuple(attributions),
        model=model,
    )


def parse_many(
    texts: Sequence[tuple[str, str | None]],
    batch_size: int = 16,
    max_chars: int = 100_000,
    second_opinion: bool = True,
) -> list[Parsed]:
    """Full analysis of many (text, language) pairs: sentences, names, roles, quotations, attributions.

    Texts in a language without a model get the rule fallback (sentencex sentences, untyped name
    candidates, quotations found by their marks without a speaker).

    Args:
        texts: (clean text, ISO 639-1 code) pairs.
        batch_size: texts per spaCy batch.
        max_chars: longer texts are cut (news bodies are far shorter).
        second_opinion: also run the language's `SECOND_OPINION` model (NER only) for votes.
    """
    results: list[Parsed | None] = [None] * len(texts)
    by_lang: dict[str, list[int]] = {}
    for i, (_, lang) in enumerate(texts):
        by_lang.setdefault(lang or "", []).append(i)
    for lang, idx in by_lang.items():
        nlp = pipeline_for(lang)
        if nlp is None:
            for i in idx:
                results[i] = _fallback_parse(texts[i][0][:max_chars], lang or None)
            continue
        name = model_name(lang)
        docs = nlp.pipe((texts[i][0][:max_chars] for i in idx), batch_size=batch_size)
        for i, doc in zip(idx, docs, strict=True):
            results[i] = _parse_doc(doc, lang, name)
        second = second_model_for(lang) if second_opinion else None
        if second is not None:
            extra = ner_docs(second, (texts[i][0][:max_chars] for i in idx), batch_size)
            for i, doc in zip(idx, extra, strict=True):
                parsed = results[i]
                assert parsed is not None
                results[i] = dataclasses.replace(parsed, votes=tuple(doc_mentions(doc)))
    return [r for r in results if r is not None]
