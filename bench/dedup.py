"""Throughput, peak memory and planted-copy recall of the duplicate stage, against datasketch.

Builds a corpus of N documents (default 100,000) from the real texts in ../shared: distinct
originals are tiled from sentences of MEANTIME, ECB+, WMT21 and the extraction benchmark's gold
bodies (~400 words each), and a share of them get planted copies, perturbed by deletions,
insertions, boilerplate, truncation and reordering. Then, each in its own fresh process (so peak
memory is its own):

* storyline: the ingest plan's duplicate stage (`storyline.pipeline.stages.dedup`, lexical:
  exact hash + MinHash LSH + exact verification + groups + originals + relations written to
  SQLite), fed batch by batch as ingest feeds it, articles stored beforehand (the persist stage
  is timed apart);
* datasketch: a plain MinHashLSH pipeline with the same shingles (word 5-grams of
  `storyline.text.words`), the same threshold and 128 permutations: query, then insert, per doc.

Prints documents per second, peak RSS, and the recall (and precision) of the planted copies:
for storyline a copy is found when it ends up in its source's duplicate group; for datasketch when
the pair is among the LSH candidates (which it does not verify: its precision is the share of
candidate pairs that are planted copies).

    python bench/dedup.py [--docs 100000] [--data ../shared]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import pickle
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

BOILERPLATE = [
    "Share this article on Facebook Twitter WhatsApp Email",
    "Source link",
    "Related Posts",
    "Sign up for our newsletter to get the latest news delivered to your inbox every morning.",
    "Advertisement. Scroll to continue reading.",
    "Copyright 2024 All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
    "Home News World Politics Business Tech Sports Entertainment Opinion",
    "Follow us on Google News for the latest updates.",
]


def default_shared() -> Path:
    return ROOT / ".." / "shared"


def sentences_from(shared: Path) -> list[str]:
    """Sentences of every real text in the shared folder."""
    from storyline.dedup.sentences import split_sentences

    texts: list[str] = []
    for line in (shared / "corpus/meantime/meantime_docs.jsonl").open(encoding="utf-8"):
        texts.append(json.loads(line)["text"])
    for line in (shared / "eval/ecbplus/ecbplus_docs.jsonl").open(encoding="utf-8"):
        texts.append(json.loads(line)["full_text"])
    for f in sorted((shared / "eval/wmt21").glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            d = json.loads(line)
            texts.append(" ".join(d["src"]))
            texts += [" ".join(v) for v in d["refs"].values()]
    gt = shared / "eval/article-extraction/ground-truth.json"
    if gt.exists():
        for v in json.loads(gt.read_text(encoding="utf-8")).values():
            texts.append(v.get("articleBody", "") if isinstance(v, dict) else "")
    out = []
    for t in texts:
        out += [s for s in split_sentences(t) if len(s.split()) >= 4]
    return out


def perturb(words: list[str], rng: random.Random, pool: list[str]) -> list[str]:
    """A copy with one or two perturbations: deletions, insertions, boilerplate, truncation, reordering."""
    kinds = rng.sample(["delete", "insert", "boilerplate", "truncate", "reorder"], k=rng.choice([1, 2]))
    w = list(words)
    for kind in kinds:
        if kind == "delete":  # a few spans of 1-8 words, ~8% in all
            for _ in range(max(1, len(w) // 60)):
                i = rng.randrange(max(1, len(w) - 8))
                del w[i : i + rng.randint(1, 8)]
        elif kind == "insert":  # a few foreign sentences, ~8% in all
            for _ in range(max(1, len(w) // 80)):
                i = rng.randrange(len(w))
                w[i:i] = rng.choice(pool).split()
        elif kind == "boilerplate":
            w = rng.choice(BOILERPLATE).split() + w + " ".join(rng.sample(BOILERPLATE, 2)).split()
        elif kind == "truncate":  # keep the first 70-95%
            w = w[: int(len(w) * rng.uniform(0.7, 0.95))]
        elif kind == "reorder":  # swap two halves at a sentence-ish boundary
            cut = len(w) // 2
            w = w[cut:] + w[:cut]
    return w


def build_corpus(shared: Path, n_docs: int, copy_share: float, seed: int) -> tuple[list[str], dict[int, int]]:
    """N texts and the planted copies (copy index -> source index)."""
    rng = random.Random(seed)
    pool = sentences_from(shared)
    n_orig = int(n_docs * (1 - copy_share))
    texts: list[str] = []
    for _ in range(n_orig):
        sent: list[str] = []
        n = 0
        while n < 400:
            s = rng.choice(pool)
            sent.append(s)
            n += len(s.split())
        texts.append(" ".join(sent))
    planted: dict[int, int] = {}
    while len(texts) < n_docs:
        src = rng.randrange(n_orig)
        planted[len(texts)] = src
        texts.append(" ".join(perturb(texts[src].split(), rng, pool)))
    # Copies arrive mixed with everything else, not after all originals.
    order = list(range(n_docs))
    rng.shuffle(order)
    pos = {old: new for new, old in enumerate(order)}
    texts = [texts[i] for i in order]
    planted = {pos[c]: pos[s] for c, s in planted.items()}
    return texts, planted


def components(n: int, pairs: Iterator[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    return [find(i) for i in range(n)]


def score(group: list[int], planted: dict[int, int]) -> tuple[float, float]:
    """Recall of planted copies (copy in its source's group) and pairwise precision of the groups."""
    found = sum(group[c] == group[s] for c, s in planted.items())
    truth = components(len(group), iter(planted.items()))
    from collections import Counter

    sizes = Counter(group)
    pred_pairs = sum(k * (k - 1) // 2 for k in sizes.values())
    both = Counter(zip(group, truth, strict=True))
    tp = sum(k * (k - 1) // 2 for k in both.values())
    return found / max(len(planted), 1), (tp / pred_pairs if pred_pairs else 1.0)


def score_pairs(pairs: list[tuple[int, int]], planted: dict[int, int], n: int) -> tuple[float, float]:
    """Recall of planted copies among candidate pairs, and the share of pairs that are true copies."""
    found = {(min(a, b), max(a, b)) for a, b in pairs}
    recall = sum((min(c, s), max(c, s)) in found for c, s in planted.items()) / max(len(planted), 1)
    truth = components(n, iter(planted.items()))
    precision = sum(truth[a] == truth[b] for a, b in found) / max(len(found), 1)
    return recall, precision


# -- the two runs, each in its own process -------------------------------------------------------


def run_storyline(corpus: Path, batch: int, threshold: float, out: Any) -> None:
    import dataclasses

    from storyline.config import Config, DedupConfig
    from storyline.pipeline.runner import Batch
    from storyline.pipeline.stages import dedup
    from storyline.store import Store
    from storyline.text import content_hash
    from storyline.types import Article, RawDoc

    texts, _ = pickle.loads(corpus.read_bytes())
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    config = Config(dedup=DedupConfig(candidate_threshold=threshold, semantic=False))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        stage = dedup(store, config, None)
        t_stage = t_persist = 0.0
        ids: list[str] = []
        relations = []
        for start in range(0, len(texts), batch):
            chunk = texts[start : start + batch]
            t0 = time.perf_counter()
            raws = [RawDoc(source=f"doc{start + i}", record=None, content=t) for i, t in enumerate(chunk)]
            arts = tuple(
                Article(
                    id=r.article_id,
                    source=r.source,
                    record=None,
                    text=r.content,
                    content_hash=content_hash(r.content),
                    raw_hash=r.raw_hash,
                    language="en",
                )
                for r in raws
            )
            with store.atomic():
                store.add_raw(raws)
                store.put_articles(arts)
            t1 = time.perf_counter()
            with store.atomic():
                res = stage(dataclasses.replace(Batch(), articles=arts))
            t2 = time.perf_counter()
            t_persist += t1 - t0
            t_stage += t2 - t1
            ids += [a.id for a in arts]
            relations = res.relations
        del relations
        final = {r.article: r.original for r in store.relations()}
        store.close()
    index = {i: k for k, i in enumerate(ids)}
    group = [index.get(final.get(i, i), k) for k, i in enumerate(ids)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put(
        {"seconds": t_stage, "persist_seconds": t_persist, "group": group, "peak_kb": peak, "base_kb": base}
    )


def run_datasketch(corpus: Path, threshold: float, out: Any) -> None:
    from datasketch import MinHash, MinHashLSH

    from storyline.text import shingles, words

    texts, _ = pickle.loads(corpus.read_bytes())
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    pairs: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in shingles(words(text), 5)])
        pairs += [(i, j) for j in lsh.query(m)]
        lsh.insert(i, m)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put({"seconds": seconds, "pairs": pairs, "peak_kb": peak, "base_kb": base})


def in_process(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    res = q.get()
    p.join()
    return dict(res)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_shared())
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument(
        "--copies", type=float, default=0.3, help="share of the documents that are planted copies"
    )
    ap.add_argument("--batch", type=int, default=2000, help="documents per stage call (ingest's batch size)")
    ap.add_argument(
        "--threshold", type=float, default=None,
        help="LSH Jaccard threshold of both [default: storyline's candidate_threshold]",
    )  # fmt: skip
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-reference", action="store_true", help="run storyline only")
    args = ap.parse_args()
    if args.threshold is None:
        from storyline.config import DedupConfig

        args.threshold = DedupConfig().candidate_threshold

    t = time.perf_counter()
    texts, planted = build_corpus(args.data, args.docs, args.copies, args.seed)
    words_per_doc = sum(len(x.split()) for x in texts) / len(texts)
    print(
        f"corpus: {len(texts):,} documents ({words_per_doc:.0f} words on average), {len(planted):,} planted copies, "
        f"built in {time.perf_counter() - t:.0f}s; LSH threshold {args.threshold} for both, 128 permutations, "
        f"word 5-grams"
    )
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.pkl"
        corpus.write_bytes(pickle.dumps((texts, planted)))
        results = {"storyline": in_process(run_storyline, corpus, args.batch, args.threshold)}
        if not args.skip_reference:
            results["datasketch"] = in_process(run_datasketch, corpus, args.threshold)
    for name, r in results.items():
        if "pairs" in r:  # LSH candidates, as datasketch reports them
            recall, precision = score_pairs(r["pairs"], planted, len(texts))
        else:
            recall, precision = score(r["group"], planted)
        extra = (
            f", storing the articles took {r['persist_seconds']:.1f}s more" if "persist_seconds" in r else ""
        )
        print(
            f"{name:10s}: {len(texts) / r['seconds']:8,.0f} docs/s ({r['seconds']:.1f}s{extra}); "
            f"peak RSS {r['peak_kb'] / 1024:,.0f} MB ({(r['peak_kb'] - r['base_kb']) / 1024:,.0f} MB above the loaded corpus); "
            f"planted-copy recall {recall:.4f}, pairwise precision {precision:.4f}"
        )
    if "datasketch" in results:
        speedup = results["datasketch"]["seconds"] / results["storyline"]["seconds"]
        print(f"storyline / datasketch throughput: {speedup:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
