"""Write the story-clustering test fixtures from ../shared (run once; the output is committed).

    PYTHONPATH=src python tests/data/stories/make_fixtures.py [--shared ../shared]

Writes, next to this file:

* ``ecbplus.jsonl`` + ``ecbplus.npz``: four ECB+ topics (two similar events each: two bank
  explosions, two earthquakes on one Iranian island, two Paris jewellery robberies, two Sonoma
  County earthquakes), with the names found by `storyline.nlp` and the two embeddings of each
  article (float16) from the default encoder.
* ``meantime.jsonl`` + ``meantime.npz``: six MEANTIME Wikinews articles in their four languages.

Embeddings are computed by the same code as ``eval/stories.py`` (and read from its cache when
present), so the tests run without the encoder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "eval"))

import stories_data as sd  # noqa: E402

ECB_TOPICS = ("8", "20", "24", "38")
MEANTIME_ARTICLES = 6  # the first Wikinews ids of two topics, three each


def _write(name: str, docs: list[sd.Doc], cache: Path, tag: str, extra: list[dict[str, object]]) -> None:
    pairs = [sd.embedding_texts(d.title, d.text) for d in docs]
    head = sd._embed([h for h, _ in pairs], cache, f"fixture-{tag}-head")
    body = sd._embed([b for _, b in pairs], cache, f"fixture-{tag}-body")
    mentions = sd._mentions(docs, cache, f"fixture-{tag}")
    with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
        for d, ms, more in zip(docs, mentions, extra, strict=True):
            rec = {
                "id": d.id,
                "title": d.title,
                "text": d.text,
                "published": d.published,
                "language": d.language,
                "gold": d.gold,
                "group": d.group,
                "mentions": [[m.text, m.kind, m.start, m.end] for m in ms],
                **more,
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    np.savez_compressed(HERE / f"{name}.npz", head=head.astype(np.float16), body=body.astype(np.float16))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=sd.shared_dir())
    ap.add_argument("--cache", type=Path, default=sd.DEFAULT_CACHE)
    args = ap.parse_args()

    raw = {}
    with (args.shared / "eval" / "ecbplus" / "ecbplus_docs.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            raw[d["doc_id"]] = d
    docs = [
        d
        for d in sd.load_ecbplus(args.shared / "eval" / "ecbplus" / "ecbplus_docs.jsonl")
        if d.group in ECB_TOPICS
    ]
    _write(
        "ecbplus", docs, args.cache, "ecbplus", [{"date_publish": raw[d.id]["date_publish"]} for d in docs]
    )

    mt = sd.load_meantime(args.shared / "corpus" / "meantime" / "meantime_docs.jsonl")
    chosen: list[str] = []
    for topic in ("corpus_airbus", "corpus_gm"):
        ids = sorted({d.gold for d in mt if d.group == topic})
        chosen += ids[: MEANTIME_ARTICLES // 2]
    docs = [d for d in mt if d.gold in chosen]
    _write("meantime", docs, args.cache, "meantime", [{} for _ in docs])
    print(f"wrote fixtures to {HERE}")


if __name__ == "__main__":
    main()
