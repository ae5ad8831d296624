"""Explanations for people: why two articles are (or are not) duplicates, and the duplicate groups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from storyline.config import DedupConfig
from storyline.dedup import model
from storyline.dedup.lexical import Fingerprints
from storyline.dedup.overlap import longest_shared_run, overlap
from storyline.dedup.verify import lexical_match, name_relation
from storyline.fingerprint.embed import Encoder
from storyline.store import Store
from storyline.text import words
from storyline.types import Article, DupRelation, relation_phrase


@dataclass(frozen=True)
class Why:
    """The relation between two articles and the evidence for it.

    Attributes:
        a: the first article.
        b: the second article.
        verdict: one line: the stored relation, the group they share, or why they are not duplicates.
        relations: stored relations of the two (to each other or to their group's original).
        scores: lexical overlap of the pair, and the semantic evidence when an encoder was given.
        shared_passage: the longest passage of `a` whose every word 5-gram is in `b` (folded text).
    """

    a: Article
    b: Article
    verdict: str
    relations: tuple[DupRelation, ...]
    scores: dict[str, Any] = field(default_factory=dict)
    shared_passage: str = ""


@dataclass(frozen=True)
class DupGroup:
    """A duplicate group: its original and every other member's relation to it."""

    original: Article
    members: tuple[tuple[Article, DupRelation], ...]


def why(store: Store, config: DedupConfig, a_id: str, b_id: str, encoder: Encoder | None = None) -> Why:
    """Explain the pair: stored relation and evidence, plus the scores computed now.

    Args:
        store: the database.
        config: duplicate settings (thresholds).
        a_id: an article id (or unique prefix).
        b_id: another.
        encoder: when given (the model's encoder), the semantic evidence is computed too.
    """
    a, b = store.get_article(a_id), store.get_article(b_id)
    rels = store.relations([a.id, b.id])
    of = {r.article: r for r in rels}
    group_a = of[a.id].original if a.id in of else a.id
    group_b = of[b.id].original if b.id in of else b.id
    mine = tuple(r for r in rels if r.article in (a.id, b.id))
    if a.id in of and of[a.id].original == b.id:
        r = of[a.id]
        verdict = (
            f"{a.id[:12]} is {relation_phrase(r.kind)} of {b.id[:12]} (the original; score {r.score:.3f})"
        )
    elif b.id in of and of[b.id].original == a.id:
        r = of[b.id]
        verdict = (
            f"{b.id[:12]} is {relation_phrase(r.kind)} of {a.id[:12]} (the original; score {r.score:.3f})"
        )
    elif group_a == group_b and a.id != b.id:
        verdict = (
            f"same duplicate group: {a.id[:12]} is {relation_phrase(of[a.id].kind)} and {b.id[:12]} is "
            f"{relation_phrase(of[b.id].kind)} of {group_a[:12]}"
        )
    else:
        verdict = "not duplicates"
    fp = Fingerprints([a.text, b.text], config.shingle_size)
    s = overlap(fp.shingle_set(0), fp.shingle_set(1))
    scores: dict[str, Any] = {
        "jaccard_5gram": round(s.jaccard, 4),
        "containment_a_in_b": round(s.a_in_b, 4),
        "containment_b_in_a": round(s.b_in_a, 4),
        "lexical_copy": lexical_match(s, config),
    }
    start, length = longest_shared_run(fp.sequence(0), fp.shingle_set(1), config.shingle_size)
    passage = " ".join(words(a.text)[start : start + length]) if length else ""
    if encoder is not None and encoder.name == model.ENCODER:
        from storyline.dedup.semantic import features
        from storyline.dedup.stage import Deduplicator

        det = Deduplicator(store, config, encoder)
        # Vectors the ingest did not keep are computed for this answer only: reading never writes.
        docs = det.doc_vectors([a, b], keep=False)
        profs = det.profiles([a, b], keep=False)
        f, al = features(profs[a.id], profs[b.id], float(docs[a.id] @ docs[b.id]))
        p = model.probability(f)
        scores.update({k: round(v, 4) for k, v in f.items()})
        scores["same_article_probability"] = round(p, 4)
        scores["aligned_sentence_pairs"] = len(al.pairs)
        scores["strongest_evidence"] = [k for k, _ in model.explain(f)[:3]]
        if verdict == "not duplicates":
            if lexical_match(s, config) or model.same_article(f):
                named = name_relation(a, b, s, config, p)
                verdict += f" (not linked yet; the evidence now says {relation_phrase(named.kind)})"
            elif p >= model.THRESHOLD:
                verdict += (
                    f" (probability of one article {p:.3f}, but most of the text has no counterpart: "
                    f"sentences aligned beyond chance {f['beyond_chance']:.2f}, text aligned "
                    f"{f['text_cover']:.2f}, each needs {model.MAJORITY})"
                )
            else:
                verdict += f" (probability of one article {p:.3f} < {model.THRESHOLD})"
    return Why(a, b, verdict, mine, scores, passage)


def groups(store: Store) -> list[DupGroup]:
    """Every duplicate group with its original, largest first."""
    rels = store.relations()
    by_orig: dict[str, list[DupRelation]] = defaultdict(list)
    for r in rels:
        by_orig[r.original].append(r)
    ids = sorted({r.article for r in rels} | set(by_orig))
    arts = {a.id: a for a in store.get_articles(ids)}
    out = []
    for orig, members in by_orig.items():
        if orig not in arts:
            continue
        ms = tuple(
            (arts[r.article], r) for r in sorted(members, key=lambda r: r.article) if r.article in arts
        )
        out.append(DupGroup(arts[orig], ms))
    out.sort(key=lambda g: (-len(g.members), g.original.published or "", g.original.id))
    return out


def _pct(x: Any) -> str:
    return f"{round(100 * float(x))}%"


def relation_in_words(r: DupRelation, copy: Article | None = None, original: Article | None = None) -> str:
    """One sentence a reader can check: what the relation is and the evidence that decided it.

    Built from the relation's stored evidence (see `storyline.dedup.verify.name_relation`), so it
    says what the ingest saw, not a recomputation: ``near copy: 89% of the copy's text appears in
    the original (87% the other way), a shared passage of 324 words; the copy says "Source link"``.
    """
    ev = r.evidence
    kind = relation_phrase(r.kind).split(" ", 1)[1]
    if r.kind == "exact":
        body = "the same text, word for word"
    elif r.kind in ("near_copy", "excerpt", "update"):
        parts = [
            f"{_pct(ev.get('containment_copy_in_original', 0))} of the {'excerpt' if r.kind == 'excerpt' else 'copy'}'s "
            f"text appears in the original ({_pct(ev.get('containment_original_in_copy', 0))} the other way)"
        ]
        passage = ev.get("shared_passage") or {}
        if passage.get("words"):
            parts.append(f"a shared passage of {passage['words']} words")
        if ev.get("update"):
            parts.append(str(ev["update"]))
        body = ", ".join(parts)
    else:  # translation, rewrite: sentence by sentence
        link = ev.get("link") or {}
        f = link.get("features") or {}
        langs = ""
        if copy is not None and original is not None and copy.language and original.language:
            langs = f" ({copy.language} of {original.language})" if copy.language != original.language else ""
        parts = [f"{_pct(f.get('aligned_cover', 0))} of its sentences match the original's one to one"]
        if f.get("text_cover") is not None:
            parts.append(f"covering {_pct(f['text_cover'])} of the text")
        if f.get("number_jaccard") is not None:
            parts.append(f"{_pct(f['number_jaccard'])} of the numbers shared")
        if f.get("name_jaccard") is not None:
            parts.append(f"{_pct(f['name_jaccard'])} of the names")
        if r.kind == "rewrite":
            parts.append(f"only {_pct(ev.get('jaccard_5gram', 0))} of the wording shared")
        if link.get("probability") is not None:
            parts.append(f"probability of one article {float(link['probability']):.2f}")
        kind += langs
        body = ", ".join(parts)
    markers = ev.get("copy_markers") or []
    if markers:
        body += "; the copy says " + ", ".join(f'"{m}"' for m in markers[:3])
    reason = ev.get("original_reason")
    if reason:
        body += f"; the original is the one {_original_because(str(reason))}"
    return f"{kind}: {body}"


def _original_because(reason: str) -> str:
    """The stored reason for the choice of the original (`storyline.dedup.originals`), as the end of a sentence."""
    if reason == "earlier publication":
        return "published earlier"
    if "copy markers" in reason:
        return "without copy markers"
    if "reproduce word for word" in reason:
        return "whose text the other copies reproduce word for word"
    if "more complete text" in reason:
        return "with the more complete text"
    if reason.endswith("arrived first"):
        return "that arrived first" + (" (dates equal or unknown)" if "date" in reason else "")
    return f"chosen because: {reason}"
