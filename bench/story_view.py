"""Time to build the view of a 50-article story (the issue's goal: within 2 s on 2 cores).

The story is 50 MEANTIME articles (../shared/corpus/meantime, CC BY 4.0): 40 English and 10
Spanish/Italian/Dutch translations of some of them, linked by translation relations, so the
multilingual paths run too. Printed:

- cold: per-article analysis of all 50 (spaCy, two English models) plus the view;
- warm: the view when the story changes by one article, with the other 49 analyses cached
  (what happens in use: analyses are cached per article, views rebuilt when a story changes);
- view only: the view from 50 cached analyses;
- the same with the sentence encoder, when --encoder is given.

Usage: PYTHONPATH=src python bench/story_view.py [--shared PATH] [--encoder] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from storyline.enrich import analyse_articles, build_view
from storyline.text import content_hash
from storyline.types import Article, DupRelation


def default_shared() -> Path:
    return Path(__file__).resolve().parents[1] / ".." / "shared"


def story(shared: Path) -> tuple[list[Article], list[DupRelation]]:
    rows = [json.loads(line) for line in (shared / "corpus" / "meantime" / "meantime_docs.jsonl").open()]
    english = [r for r in rows if r["lang"] == "en"][:40]
    by_wiki = {r["wikinews_id"]: r for r in english}
    others = [r for r in rows if r["lang"] != "en" and r["wikinews_id"] in by_wiki][:10]
    arts, rels = [], []
    for r in english + others:
        text = r["text"]
        arts.append(
            Article(
                id=r["doc_id"] + ":" + r["lang"],
                source=r["doc_id"],
                record=None,
                text=text,
                content_hash=content_hash(text),
                title=r["title"],
                published=r.get("date") or None,
                publisher="Wikinews",
                language=r["lang"],
            )
        )
        if r["lang"] != "en":
            original = by_wiki[r["wikinews_id"]]
            rels.append(DupRelation(arts[-1].id, original["doc_id"] + ":en", "translation", 0.9))
    return arts, rels


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=default_shared())
    ap.add_argument("--encoder", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    arts, rels = story(args.shared)
    words = sum(len(a.text.split()) for a in arts)
    analyse_articles(arts[:2])  # load the models outside the timings
    t0 = time.perf_counter()
    analyses = analyse_articles(arts)
    analyse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_view(arts, rels, analyses=analyses)
    view_s = time.perf_counter() - t0
    print(f"story of {len(arts)} articles ({words} words, {len(rels)} translations)")
    print(f"  cold (analyse all + view):      {analyse_s + view_s:6.2f} s  (analysis {analyse_s:.2f} s)")
    cached = analyses[1:]  # the first (English) article is the new one
    warm = timed(lambda: build_view(arts, rels, analyses=cached), args.repeat)
    print(f"  warm (1 new article + view):    {warm:6.2f} s")
    only = timed(lambda: build_view(arts, rels, analyses=analyses), args.repeat)
    print(f"  view from cached analyses:      {only:6.2f} s")
    if args.encoder:
        from storyline.fingerprint.embed import get_encoder

        enc = get_encoder()
        enc.encode(["warm up"])
        with_enc = timed(lambda: build_view(arts, rels, analyses=analyses, encoder=enc), args.repeat)
        print(f"  view from cache, with encoder:  {with_enc:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
