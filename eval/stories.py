"""Story clustering quality: BCubed precision/recall/F1 and ARI against gold, streaming.

Articles arrive in publication order (by date where known; undated ones keep their input
positions) and are clustered online with the shipped link models; the number of stories is
never given. Datasets:

* ECB+ (982 articles, 86 events in 43 topics, each topic two similar events): event level, and
  topic level (gold = topic, i.e. each topic's two events merged).
* MEANTIME (480 Wikinews articles: 120 English ones and their es/it/nl translations): every
  translation group must lie in one story; BCubed against the Wikinews article id is printed too.
  Printed twice: by the clusterer alone, and through the whole ingest pipeline (cleaning,
  duplicates, stories: a recognised translation joins its original's story), as users get it.
* The Izium texts (five reports of one event, some machine-translated): one story. Printed twice:
  as the cleaning stage cleans them today, and with the headline, date and body its gold says
  it should produce (one text is a whole web page flattened to one line: until cleaning strips
  its navigation, its embeddings describe a menu).

The shipped models were fitted on ECB+ (all topics), so the ECB+ figures here are in-sample;
``eval/fit_stories.py`` prints the held-out-topic figures.

    PYTHONPATH=src python eval/stories.py [--ecbplus PATH] [--meantime PATH] [--izium DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import stories_data as sd
from storyline.config import Config
from storyline.stories.cluster import StoryClusterer
from storyline.stories.model import load_models


def _cluster(
    docs: list[sd.Doc], items: list, window: float | None, model: Path | None = None
) -> dict[str, str]:
    order = sd.stream_order(docs)
    c = StoryClusterer(models=load_models(model), window=window)
    c.assign_many(items[i] for i in order)
    return {d.id: c.story_of(d.id) or "" for d in docs}


def _meantime_pipeline(path: Path, cache: Path) -> None:
    """MEANTIME through the whole ingest plan: cleaning, duplicates, then stories.

    The clusterer alone (above) sees every article as news; in the pipeline a translation that the
    duplicate stage recognises joins its original's story, which is what users get.
    """
    config = Config()
    records = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            records.append(
                {
                    "id": f"{d['doc_id']}/{d['lang']}",
                    "title": d["title"],
                    "text": d["text"],
                    "date": d["date"],
                    "lang": d["lang"],
                    "gold": str(d["wikinews_id"]),
                }
            )
    done = sd.ingest_records(records, "meantime", config, cache)
    ids, story = done.articles, done.story
    gold = {ids[r["id"]]: r["gold"] for r in records if r["id"] in ids}
    pred = [story.get(a, a) for a in gold]
    print(_line("MEANTIME, whole pipeline, vs Wikinews article", pred, list(gold.values())))
    groups: dict[str, set[str]] = defaultdict(set)
    for a, g in gold.items():
        groups[g].add(story.get(a, a))
    whole = sum(1 for g in groups.values() if len(g) == 1)
    print(f"MEANTIME, whole pipeline: translation groups in a single story: {whole}/{len(groups)}")


def _line(name: str, pred: list[str], gold: list[str]) -> str:
    p, r, f = sd.bcubed(pred, gold)
    return (
        f"{name}: BCubed P {p:.4f} R {r:.4f} F1 {f:.4f}  ARI {sd.ari(pred, gold):.4f}  "
        f"({len(set(pred))} stories, {len(set(gold))} gold)"
    )


def main(argv: list[str] | None = None) -> None:
    shared = sd.shared_dir()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ecbplus", type=Path, default=shared / "eval" / "ecbplus" / "ecbplus_docs.jsonl")
    ap.add_argument("--meantime", type=Path, default=shared / "corpus" / "meantime" / "meantime_docs.jsonl")
    ap.add_argument("--izium", type=Path, default=shared / "corpus" / "izium")
    ap.add_argument("--izium-gold", type=Path, default=shared / "gold" / "izium")
    ap.add_argument("--cache", type=Path, default=sd.DEFAULT_CACHE, help="embedding cache folder")
    ap.add_argument("--window", type=float, default=14.0, help="dormancy window in days")
    ap.add_argument("--model", type=Path, default=None, help="link model file (default: the shipped one)")
    ap.add_argument(
        "--no-pipeline", action="store_true", help="skip MEANTIME through the whole ingest pipeline"
    )
    args = ap.parse_args(argv)

    missing = [p for p in (args.ecbplus, args.meantime, args.izium) if not p.exists()]
    for path in missing:
        print(f"skipped: {path} not found", file=sys.stderr)
    if len(missing) == 3:
        print("no dataset found: pass --ecbplus, --meantime or --izium", file=sys.stderr)
        raise SystemExit(2)

    if args.ecbplus.exists():
        docs = sd.load_ecbplus(args.ecbplus)
        labels = _cluster(docs, sd.items_for(docs, args.cache, "ecbplus"), args.window, args.model)
        pred = [labels[d.id] for d in docs]
        print(_line("ECB+ event level", pred, [d.gold for d in docs]))
        print(_line("ECB+ topic level", pred, [d.group for d in docs]))

    if args.meantime.exists():
        docs = sd.load_meantime(args.meantime)
        labels = _cluster(docs, sd.items_for(docs, args.cache, "meantime"), args.window, args.model)
        pred = [labels[d.id] for d in docs]
        groups: dict[str, set[str]] = defaultdict(set)
        for d in docs:
            groups[d.gold].add(labels[d.id])
        whole = sum(1 for g in groups.values() if len(g) == 1)
        print(_line("MEANTIME vs Wikinews article", pred, [d.gold for d in docs]))
        print(f"MEANTIME translation groups in a single story: {whole}/{len(groups)}")
        if not args.no_pipeline and args.model is None:
            _meantime_pipeline(args.meantime, args.cache)

    if args.izium.exists():
        for gold, how in ((None, "as cleaned today"), (args.izium_gold, "with the cleaning gold")):
            if gold is not None and not gold.exists():
                continue
            docs = sd.load_izium(args.izium, gold)
            tag = "izium" if gold is None else "izium-gold"
            labels = _cluster(docs, sd.items_for(docs, args.cache, tag), args.window, args.model)
            stories = {labels[d.id] for d in docs}
            print(f"Izium ({how}): {len(docs)} texts in {len(stories)} story(ies)")


if __name__ == "__main__":
    main()
