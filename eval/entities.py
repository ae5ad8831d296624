"""Entity precision and recall on English MEANTIME (person, organisation, location).

Data: ``corpus/meantime/meantime_en.conll`` (120 English Wikinews articles, token per line with
the entity/event mention chains) and ``list_instances.csv`` (every annotated instance with its
class and, for real-world named things, a DBpedia link). MEANTIME is CC BY 4.0 (NewsReader,
Minard et al., LREC 2016).

How the system is run: each document's text is rebuilt from its tokens (tokens joined by a
space, sentences by a line break), analysed with `storyline.enrich.analyse_articles` and its
entities resolved with `storyline.enrich.entities.resolve_entities`, i.e. exactly what a story
view of that one article shows.

Matching:

- Gold instances of a document: the instances of class PER, ORG or LOC with at least one
  mention in it. "named" instances are those the annotators linked to DBpedia (real named
  people, organisations and places; unlinked ones are mostly descriptions such as "840 people",
  "the firm", "supplier partners", which are not named entities). Recall is reported on named
  instances (the target) and on all instances.
- A gold instance is found when one system entity of the document has a mention whose character
  span overlaps one of the instance's mention spans. Typed: the entity's kind must also agree
  (PER = person, ORG = organisation, LOC = place).
- A system entity is correct when one of its mentions overlaps a mention of any PER/ORG/LOC
  instance of the document (typed: of the matching class). MEANTIME annotates only the entities
  taking part in the events it annotates, so precision is a lower bound.

Usage: PYTHONPATH=src python eval/entities.py [--shared PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from storyline.enrich.analysis import ArticleAnalysis, analyse_articles
from storyline.enrich.entities import resolve_entities
from storyline.text import content_hash
from storyline.types import Article

CLASSES = {"PER": "person", "ORG": "organisation", "LOC": "place"}


def default_shared() -> Path:
    return Path(__file__).resolve().parents[1] / ".." / "shared"


def load_instances(path: Path) -> dict[str, tuple[str, bool]]:
    """Instance number -> (class, linked to DBpedia)."""
    out = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#") or len(row) < 6:
                continue
            out[re.sub(r"^[A-Z]+", "", row[0])] = (row[2], bool(row[5].strip()))
    return out


def load_documents(path: Path) -> dict[str, tuple[str, list[tuple[str, int, int]]]]:
    """Document -> (text, [(instance number, start, end)]) from the CoNLL mention chains."""
    rows: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            doc, sent, _tok, token, chain = line.rstrip("\n").split("\t")
            rows[doc].append((int(sent), token, chain))
    docs = {}
    for doc, toks in rows.items():
        text = ""
        spans = []
        prev_sent = None
        for sent, token, _ in toks:
            if prev_sent is not None:
                text += "\n" if sent != prev_sent else " "
            spans.append((len(text), len(text) + len(token)))
            text += token
            prev_sent = sent
        opened: dict[str, list[int]] = defaultdict(list)
        mentions = []
        for i, (_, _, chain) in enumerate(toks):
            if chain == "-":
                continue
            for part in chain.split("|"):
                m = re.match(r"^(\()?([A-Za-z_]+?)(\d+)(\))?$", part.strip())
                if not m:
                    continue
                op, prefix, num, cl = m.groups()
                cid = prefix + num
                if op:
                    opened[cid].append(i)
                if cl and opened[cid]:
                    start = opened[cid].pop()
                    mentions.append((num, spans[start][0], spans[i][1]))
        docs[doc] = (text, mentions)
    return docs


def prf(tp: int, n_sys: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_sys if n_sys else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(
    articles: list[Article],
    docs: dict[str, tuple[str, list[tuple[str, int, int]]]],
    instances: dict[str, tuple[str, bool]],
    analyses: dict[str, ArticleAnalysis],
) -> dict[str, int]:
    """Counts for precision and recall (see the module docstring for the matching)."""
    counts: dict[str, int] = defaultdict(int)
    for art in articles:
        gold: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for num, s, e in docs[art.id][1]:
            if instances.get(num, ("", False))[0] in CLASSES:
                gold[num].append((s, e))
        entities = resolve_entities([art], {art.id: analyses[art.id]})
        system = [(r.entity.kind, [(m.start, m.end) for m in r.mentions]) for r in entities]
        for num, spans in gold.items():
            cls, linked = instances[num]
            hits = [k for k, ms in system if any(a < f and c < b for a, b in spans for c, f in ms)]
            for scope in ("named", "all") if linked else ("all",):
                counts[f"gold_{scope}"] += 1
                counts[f"found_{scope}"] += bool(hits)
                counts[f"typed_{scope}"] += CLASSES[cls] in hits
        for kind, ms in system:
            counts["system"] += 1
            matched = [
                instances[num][0]
                for num, spans in gold.items()
                if any(a < f and c < b for a, b in spans for c, f in ms)
            ]
            counts["correct"] += bool(matched)
            counts["correct_typed"] += any(CLASSES[c] == kind for c in matched)
    return counts


def recall(counts: dict[str, int], scope: str = "named", typed: bool = False) -> float:
    """Share of gold instances found (typed: with the right kind)."""
    key = f"{'typed' if typed else 'found'}_{scope}"
    return counts[key] / counts[f"gold_{scope}"] if counts[f"gold_{scope}"] else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=default_shared())
    ap.add_argument("--limit", type=int, default=0, help="only the first N documents")
    ap.add_argument("--no-second-opinion", action="store_true", help="one NER model only")
    ap.add_argument("--conll", type=Path, help="mention chains (default: the corpus file)")
    ap.add_argument("--instances", type=Path, help="instances (default: the corpus file)")
    args = ap.parse_args()
    base = args.shared / "corpus" / "meantime"
    instances = load_instances(args.instances or base / "list_instances.csv")
    docs = load_documents(args.conll or base / "meantime_en.conll")
    names = sorted(docs)[: args.limit or None]
    articles = [
        Article(
            id=d, source=d, record=None, text=docs[d][0], content_hash=content_hash(docs[d][0]), language="en"
        )
        for d in names
    ]
    t0 = time.perf_counter()
    analyses = {a.article: a for a in analyse_articles(articles, second_opinion=not args.no_second_opinion)}
    seconds = time.perf_counter() - t0
    counts = score(articles, docs, instances, analyses)
    print(f"MEANTIME English: {len(articles)} documents, person/organisation/location entities")
    print(f"  analysis: {seconds:.1f} s ({len(articles) / seconds:.1f} docs/s)")
    for scope in ("named", "all"):
        for label, key, corr in (("untyped", "found", "correct"), ("typed", "typed", "correct_typed")):
            p, _, _ = prf(counts[corr], counts["system"], 1)
            r = counts[f"{key}_{scope}"] / counts[f"gold_{scope}"] if counts[f"gold_{scope}"] else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            print(
                f"  {scope:5s} instances ({counts[f'gold_{scope}']:4d}), {label:7s}: "
                f"precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
