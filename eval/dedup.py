"""Duplicate detection, measured: Izium, MEANTIME, WMT21 and ECB+, and the fit of the pair model.

Every figure comes from the real ingest plan (read, clean, store, duplicate stage) on a fresh
database, scored pairwise over all document pairs (two documents are related when they are in one
duplicate group). Embeddings are cached by text hash (``--cache``), so re-runs cost seconds.

    python eval/dedup.py izium      # the five Izium texts, raw and with the gold bodies
    python eval/dedup.py meantime   # 120 articles x 4 languages: one translation group each
    python eval/dedup.py wmt21      # source, references, machine translations per document
    python eval/dedup.py ecbplus    # different events never related; same-event relations shown
    python eval/dedup.py fit        # refit the pair model (writes src/storyline/dedup/pair_model.json)

The pair model was fitted on the WMT21 documents whose id hashes even and the ECB+ topics with odd
numbers (see `storyline.dedup.model`); figures on the other halves are printed separately as
held-out figures. MEANTIME and Izium are entirely held out.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Embeddings of the eval corpora, kept between runs ($XDG_CACHE_HOME/storyline).
CACHE_ROOT = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "storyline"
sys.path.insert(0, str(ROOT / "src"))

from storyline.clean import clean_record  # noqa: E402
from storyline.config import Config  # noqa: E402
from storyline.dedup.lexical import Fingerprints  # noqa: E402
from storyline.dedup.overlap import overlap  # noqa: E402
from storyline.dedup.semantic import FEATURES, features  # noqa: E402
from storyline.dedup.stage import Deduplicator  # noqa: E402
from storyline.fingerprint.embed import CachedEncoder, Encoder, get_encoder  # noqa: E402
from storyline.ingest import read_paths, record_to_raw  # noqa: E402
from storyline.pipeline.runner import run  # noqa: E402
from storyline.pipeline.stages import StoredBlockStats, clean, dedup, persist, skip_known  # noqa: E402
from storyline.store import Store  # noqa: E402
from storyline.text import words  # noqa: E402
from storyline.types import Article, DupRelation, RawDoc, Rejected  # noqa: E402

PAIR_MODEL = ROOT / "src" / "storyline" / "dedup" / "pair_model.json"


def default_shared() -> Path:
    return ROOT / ".." / "shared"


def encoder(cache: Path) -> Encoder:
    cache.parent.mkdir(parents=True, exist_ok=True)
    return CachedEncoder(get_encoder(), cache)


# -- running the pipeline -----------------------------------------------------------------------


def ingest(raws: Iterable[RawDoc | Rejected], enc: Encoder | None, config: Config | None = None) -> Pool:
    """Run read -> clean -> store -> duplicate stage on a fresh database; return what it found."""
    config = config or Config()
    tmp = tempfile.TemporaryDirectory()
    store = Store(Path(tmp.name) / "eval.db")
    stats = StoredBlockStats(store)
    plan = [skip_known(store), clean(config, stats), persist(store, stats), dedup(store, config, enc)]
    report, _ = run(store, raws, plan, batch_size=config.ingest.batch_size)
    articles = list(store.iter_articles())
    relations = store.relations()
    pool = Pool(articles, relations, report.rejected)
    store.close()
    tmp.cleanup()
    return pool


class Pool:
    """The articles of one run, their relations, and the predicted group of each."""

    def __init__(
        self, articles: list[Article], relations: list[DupRelation], rejected: Sequence[Rejected]
    ) -> None:
        self.articles = {a.id: a for a in articles}
        self.relations = relations
        self.rejected = rejected
        self.group = {a.id: a.id for a in articles}
        for r in relations:
            self.group[r.article] = r.original
        self.by_external = {a.external_id or a.source: a.id for a in articles}

    def related(self, x: str, y: str) -> bool:
        """Whether two articles are in one group."""
        return self.group[x] == self.group[y]

    def relation(self, x: str) -> DupRelation | None:
        """The relation of an article to its original, if any."""
        return next((r for r in self.relations if r.article == x), None)


def pairwise(pool: Pool, gold: dict[str, str], subset: set[str] | None = None) -> dict[str, float]:
    """Pairwise precision/recall/F1 over all pairs of articles (ids) with a gold label."""
    ids = [i for i in pool.articles if i in gold and (subset is None or i in subset)]
    tp = fp = fn = 0
    by_group: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        by_group[pool.group[i]].append(i)
    by_gold: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        by_gold[gold[i]].append(i)
    pred_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_group.values())
    gold_pairs = sum(len(v) * (len(v) - 1) // 2 for v in by_gold.values())
    for members in by_group.values():
        c = Counter(gold[i] for i in members)
        tp += sum(n * (n - 1) // 2 for n in c.values())
    fp = pred_pairs - tp
    fn = gold_pairs - tp
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn, "docs": len(ids)}


def show(name: str, m: dict[str, float]) -> None:
    print(
        f"{name}: pairwise precision {m['precision']:.4f} recall {m['recall']:.4f} F1 {m['f1']:.4f} "
        f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']}, {m['docs']} docs)"
    )


def kinds(pool: Pool) -> str:
    return ", ".join(f"{k} {n}" for k, n in Counter(r.kind for r in pool.relations).most_common())


# -- Izium ------------------------------------------------------------------------------------


def cmd_izium(args: argparse.Namespace) -> int:
    corpus = args.data / "corpus" / "izium"
    gold = args.data / "gold" / "izium"
    config = Config()
    ok = True
    for label, paths in (
        ("raw texts", sorted(corpus.glob("*.txt"))),
        (
            "gold bodies for 002 and 000",
            [gold / "002.body.txt", gold / "000.body.txt", *sorted(corpus.glob("00[134]_*.txt"))],
        ),
    ):
        pool = ingest(read_paths([str(p) for p in paths], config), args.enc, config)
        name = {i: Path(a.source).name[:3] for i, a in pool.articles.items()}
        by = {v: k for k, v in name.items()}
        print(f"\n== Izium, {label}: {len(pool.articles)} articles, relations: {kinds(pool) or 'none'}")
        for r in pool.relations:
            ev = r.evidence
            print(
                f"  {name[r.article]} -> {name[r.original]}: {r.kind} score {r.score:.3f} "
                f"(jaccard {ev.get('jaccard_5gram')}, containment {ev.get('containment_copy_in_original')}; "
                f"found by {ev.get('link', {}).get('found_by')}; original: {ev.get('original_reason')})"
            )
        checks = {
            "000 is a near copy or excerpt of 002": (r := pool.relation(by["000"])) is not None
            and r.original == by["002"]
            and r.kind in ("near_copy", "excerpt"),
            "001 is a translation or rewrite of 002": (r := pool.relation(by["001"])) is not None
            and r.original == by["002"]
            and r.kind in ("translation", "rewrite"),
            "003 in no relation": all(by["003"] not in (x.article, x.original) for x in pool.relations),
            "004 in no relation": all(by["004"] not in (x.article, x.original) for x in pool.relations),
        }
        for what, good in checks.items():
            print(f"  {'PASS' if good else 'FAIL'} {what}")
            ok &= good
    return 0 if ok else 1


# -- MEANTIME ---------------------------------------------------------------------------------


def meantime_records(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.open(encoding="utf-8"):
        d = json.loads(line)
        out.append(
            {
                "id": d["doc_id"] + "/" + d["lang"],
                "title": d["title"],
                "text": d["text"],
                "date": d["date"],
                "lang": d["lang"],
                "gold": d["wikinews_id"],
            }
        )
    return out


def _raws(records: Sequence[dict[str, Any]], source: str, config: Config) -> list[RawDoc | Rejected]:
    return [record_to_raw(r, source, source, i, config.records) for i, r in enumerate(records, start=1)]


def cmd_meantime(args: argparse.Namespace) -> int:
    config = Config()
    records = meantime_records(args.data / "corpus" / "meantime" / "meantime_docs.jsonl")
    pool = ingest(_raws(records, "meantime", config), args.enc, config)
    gold = {pool.by_external[r["id"]]: r["gold"] for r in records if r["id"] in pool.by_external}
    print(
        f"MEANTIME: {len(pool.articles)} articles ({len(pool.rejected)} rejected); relations: {kinds(pool)}"
    )
    m = pairwise(pool, gold)
    show("MEANTIME (held out: never used for fitting)", m)
    groups = Counter(pool.group[i] for i in gold)
    print(
        f"groups of 4: {sum(1 for n in groups.values() if n == 4)} of 120; sizes {sorted(Counter(groups.values()).items())}"
    )
    return 0 if m["precision"] >= 0.99 and m["recall"] >= 0.98 else 1


# -- WMT21 ------------------------------------------------------------------------------------


def fit_split(key: str) -> bool:
    """The fitting half: documents (or topics) whose id hashes even."""
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0


def wmt_records(path: Path, max_hyps: int | None = None) -> list[dict[str, Any]]:
    out = []
    for line in path.open(encoding="utf-8"):
        d = json.loads(line)
        versions = [("src", d["src_lang"], d["src"])]
        versions += [(f"ref:{k}", d["tgt_lang"], v) for k, v in d["refs"].items()]
        versions += [(f"hyp:{k}", d["tgt_lang"], v) for k, v in list(d["hyps"].items())[:max_hyps]]
        for name, lang, segs in versions:
            out.append(
                {"id": f"{d['doc_id']}|{name}", "text": " ".join(segs), "lang": lang, "gold": d["doc_id"]}
            )
    return out


def cmd_wmt21(args: argparse.Namespace) -> int:
    config = Config()
    files = sorted((args.data / "eval" / "wmt21").glob("*.jsonl"))
    if args.only:
        files = [f for f in files if args.only in f.name]
    totals: dict[str, Counter[str]] = {"all": Counter(), "held-out": Counter()}
    cross = 0
    for f in files:
        records = wmt_records(f)
        pool = ingest(_raws(records, f.name, config), args.enc, config)
        gold = {pool.by_external[r["id"]]: r["gold"] for r in records if r["id"] in pool.by_external}
        held = {i for i, g in gold.items() if not fit_split(g)}
        m_all, m_held = pairwise(pool, gold), pairwise(pool, gold, held)
        show(f"{f.stem} all", m_all)
        show(f"{f.stem} held-out", m_held)
        print(f"  {len(records)} texts, {len(pool.rejected)} rejected (too short); relations: {kinds(pool)}")
        for k, m in (("all", m_all), ("held-out", m_held)):
            totals[k].update({x: int(m[x]) for x in ("tp", "fp", "fn", "docs")})
        # Different documents must never be related.
        for members in _groups(pool, gold).values():
            cross += len({gold[i] for i in members}) > 1
    ok = True
    for k, c in totals.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"WMT21 {k} documents, pooled per file: pairwise precision {p:.4f} recall {r:.4f} F1 {f1:.4f} "
              f"(tp {c['tp']}, fp {c['fp']}, fn {c['fn']}, {c['docs']} texts)")  # fmt: skip
        if k == "all":
            ok = p >= 0.98 and r >= 0.95
    print(f"groups mixing different documents: {cross}")
    return 0 if ok and cross == 0 else 1


def _groups(pool: Pool, gold: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for i in gold:
        out[pool.group[i]].append(i)
    return out


# -- ECB+ -------------------------------------------------------------------------------------


def ecb_records(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.open(encoding="utf-8"):
        d = json.loads(line)
        out.append(
            {
                "id": d["doc_id"],
                "title": d["title"],
                "text": d["text"],
                "date": d.get("date_publish"),
                "lang": d.get("language") or "en",
                "gold": d["event_cluster"],
                "topic": str(d["topic"]),
            }
        )
    return out


def cmd_ecbplus(args: argparse.Namespace) -> int:
    config = Config()
    records = ecb_records(args.data / "eval" / "ecbplus" / "ecbplus_docs.jsonl")
    pool = ingest(_raws(records, "ecbplus", config), args.enc, config)
    gold = {pool.by_external[r["id"]]: r["gold"] for r in records if r["id"] in pool.by_external}
    topic = {pool.by_external[r["id"]]: r["topic"] for r in records if r["id"] in pool.by_external}
    print(
        f"ECB+: {len(pool.articles)} articles ({len(pool.rejected)} rejected); relations: {kinds(pool) or 'none'}"
    )
    different = same = 0
    shown = []
    for members in _groups(pool, gold).values():
        for x, y in itertools.combinations(sorted(members), 2):
            if gold[x] != gold[y]:
                different += 1
            else:
                same += 1
                shown.append((x, y))
    same_total = sum(n * (n - 1) // 2 for n in Counter(gold.values()).values())
    held_diff = sum(
        1 for members in _groups(pool, gold).values() for x, y in itertools.combinations(members, 2)
        if gold[x] != gold[y] and not fit_split(topic[x])
    )  # fmt: skip
    print(f"related pairs of different events: {different} (held-out topics: {held_diff})")
    print(f"related pairs of the same event: {same} of {same_total} same-event pairs")
    for x, y in shown[: args.show]:
        a, b = pool.articles[x], pool.articles[y]
        fp = Fingerprints([a.text, b.text], 5, 1, 1, 1)
        s = overlap(fp.shingle_set(0), fp.shingle_set(1))
        wa = words(a.text)
        hit = np.isin(fp.sequence(0), fp.shingle_set(1))
        start = int(np.argmax(hit)) if hit.any() else 0
        passage = " ".join(wa[start : start + 30])
        rel = pool.relation(x) or pool.relation(y)
        print(
            f"  {a.external_id} ~ {b.external_id}: {rel.kind if rel else '?'}; jaccard {s.jaccard:.2f}, "
            f'containment {max(s.a_in_b, s.b_in_a):.2f}; shared text: "{passage}..."'
        )
    return 0 if different == 0 else 1


# -- fitting the pair model -------------------------------------------------------------------


def _pairs_for_fit(
    articles: list[Article],
    labels: list[str],
    det: Deduplicator,
    positives_only_labels: set[str] | None = None,
) -> tuple[list[list[float]], list[int]]:
    docs = det.doc_vectors(articles)
    profs = det.profiles(articles)
    mat = np.vstack([docs[a.id] for a in articles])
    sims = mat @ mat.T
    anchor_sets = [set(profs[a.id].anchors.numbers) | set(profs[a.id].anchors.names) for a in articles]
    pairs: set[tuple[int, int]] = set()
    n = len(articles)
    for i in range(n):
        order = np.argsort(-sims[i])[1:11]
        pairs.update((min(i, int(j)), max(i, int(j))) for j in order if sims[i, j] >= 0.5)
        # Hard negatives: the closest texts of other documents, whatever their similarity.
        others = [int(j) for j in np.argsort(-sims[i]) if labels[int(j)] != labels[i]][:5]
        pairs.update((min(i, j), max(i, j)) for j in others)
        for j in range(i + 1, n):
            if labels[i] == labels[j]:
                pairs.add((i, j))
            elif anchor_sets[i] and anchor_sets[j]:
                inter = len(anchor_sets[i] & anchor_sets[j])
                if inter / len(anchor_sets[i] | anchor_sets[j]) >= 0.25:
                    pairs.add((i, j))
    X, y = [], []
    for i, j in sorted(pairs):
        f, _ = features(profs[articles[i].id], profs[articles[j].id], float(sims[i, j]))
        X.append([f[k] for k in FEATURES])
        y.append(int(labels[i] == labels[j]))
    return X, y


class MonotoneLogistic:
    """Logistic regression with non-negative weights (L2-regularised, fitted by L-BFGS-B).

    Every feature is evidence *for* "one article", so a negative weight could only come from how
    the fitting pairs were sampled (hard negatives are picked by high document similarity, which
    would teach "similar documents are not translations"): the constraint keeps the model honest.
    """

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: np.ndarray, y: np.ndarray) -> MonotoneLogistic:
        """Fit the weights."""
        from scipy.optimize import minimize

        _n, d = X.shape

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = X @ w[:d] + w[d]
            p = 1.0 / (1.0 + np.exp(-z))
            ll = np.sum(np.logaddexp(0, z) - y * z)
            reg = 0.5 / self.C * np.sum(w[:d] ** 2)
            g = np.concatenate([X.T @ (p - y) + w[:d] / self.C, [np.sum(p - y)]])
            return ll + reg, g

        res = minimize(
            loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=[(0, None)] * d + [(None, None)]
        )
        self.coef_, self.intercept_ = res.x[:d], res.x[d]
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of the two classes, as scikit-learn gives them."""
        p = 1.0 / (1.0 + np.exp(-(X @ self.coef_ + self.intercept_)))
        return np.stack([1 - p, p], axis=1)


def cmd_fit(args: argparse.Namespace) -> int:
    from sklearn.model_selection import GroupKFold

    config = Config()
    det = Deduplicator(Store(":memory:"), config.dedup, args.enc)
    X: list[list[float]] = []
    y: list[int] = []
    source: list[str] = []
    for f in sorted((args.data / "eval" / "wmt21").glob("*.jsonl")):
        if args.only and not any(x in f.name for x in args.only.split(",")):
            continue
        # Source, references and the first four machine translations of each fitting document.
        records = [r for r in wmt_records(f, max_hyps=4) if fit_split(r["gold"])]
        arts, labels = _clean(records, config)
        xs, ys = _pairs_for_fit(arts, labels, det)
        X += xs
        y += ys
        source += [f.stem] * len(ys)
        print(f"{f.stem}: {len(arts)} texts, {sum(ys)} positive and {len(ys) - sum(ys)} negative pairs")
    ecb = [
        r
        for r in ecb_records(args.data / "eval" / "ecbplus" / "ecbplus_docs.jsonl")
        if not fit_split(r["topic"])
    ]
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in ecb:
        by_topic[r["topic"]].append(r)
    n_ecb = 0
    for recs in by_topic.values():
        arts, labels = _clean(recs, config)
        docs = det.doc_vectors(arts)
        profs = det.profiles(arts)
        fps = Fingerprints([a.text for a in arts], 5, 1, 1, 1)
        for i, j in itertools.combinations(range(len(arts)), 2):
            s = overlap(fps.shingle_set(i), fps.shingle_set(j))
            if labels[i] == labels[j] and (s.jaccard >= 0.1 or max(s.a_in_b, s.b_in_a) >= 0.3):
                continue  # same event and shared wording: possibly a real copy, left out of the fit
            f, _ = features(profs[arts[i].id], profs[arts[j].id], float(docs[arts[i].id] @ docs[arts[j].id]))
            X.append([f[k] for k in FEATURES])
            y.append(0)
            source.append("ecbplus")
            n_ecb += 1
    print(f"ecbplus (odd topics): {n_ecb} negative pairs")
    Xa, ya = np.array(X), np.array(y)
    groups = np.array(source)
    # Cross-validation by source (a language pair or ECB+ left out at a time).
    oof = np.zeros(len(ya))
    for train, test in GroupKFold(n_splits=len(set(source))).split(Xa, ya, groups):
        if len(set(ya[train].tolist())) < 2:
            continue
        clf = MonotoneLogistic(C=args.c).fit(Xa[train], ya[train])
        oof[test] = clf.predict_proba(Xa[test])[:, 1]
        pred = oof[test] >= 0.5
        t = ya[test].astype(bool)
        tp, fp, fn = int((pred & t).sum()), int((pred & ~t).sum()), int((~pred & t).sum())
        print(f"  left out {groups[test][0]}: precision {tp / max(tp + fp, 1):.4f} recall {tp / max(tp + fn, 1):.4f} "
              f"false positives {fp} of {int((~t).sum())} negatives ({int(t.sum())} positives)")  # fmt: skip
    # Held-out-fold precision and recall at candidate thresholds. Groups are closed transitively,
    # so one false link merges two groups: the model uses 0.9 (precision first), see model.py.
    for t in (0.5, 0.8, 0.9, 0.95):
        wmt = groups != "ecbplus"
        pr, tr = oof[wmt] >= t, ya[wmt] == 1
        print(f"  WMT21 held-out folds at {t}: precision {(pr & tr).sum() / max(pr.sum(), 1):.4f} "
              f"recall {(pr & tr).sum() / max(tr.sum(), 1):.4f}")  # fmt: skip
    clf = MonotoneLogistic(C=args.c).fit(Xa, ya)
    for k, w in zip(FEATURES, clf.coef_, strict=True):
        print(f"  weight {k}: {w:.4f}")
    print(f"  intercept {clf.intercept_:.4f}")
    # The file keeps the threshold and the provenance notes of the shipped one; weights are rounded
    # to 4 places as printed.
    shipped = json.loads(PAIR_MODEL.read_text(encoding="utf-8"))
    shipped["weights"] = [round(float(w), 4) for w in clf.coef_]
    shipped["intercept"] = round(float(clf.intercept_), 4)
    shipped["features"] = list(FEATURES)
    shipped["about"]["fit_settings"] = {"C": args.c, "only": args.only}
    if args.no_write:
        print("not written (--no-write)")
    else:
        args.out.write_text(json.dumps(shipped, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written to {args.out}")
    return 0


def _clean(records: Sequence[dict[str, Any]], config: Config) -> tuple[list[Article], list[str]]:
    arts, labels = [], []
    for i, rec in enumerate(records):
        raw = record_to_raw(rec, "fit", "fit", i, config.records)
        if isinstance(raw, Rejected):
            continue
        try:
            arts.append(clean_record(raw, min_words=config.ingest.min_words))
        except Exception:
            continue
        labels.append(rec["gold"])
    return arts, labels


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_shared(), help="the shared data folder")
    ap.add_argument(
        "--cache", type=Path, default=CACHE_ROOT / "dedup" / "vectors.sqlite", help="embedding cache"
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("izium")
    sub.add_parser("meantime")
    w = sub.add_parser("wmt21")
    w.add_argument("--only", default=None, help="only files whose name contains this")
    e = sub.add_parser("ecbplus")
    e.add_argument("--show", type=int, default=10, help="same-event relations to print")
    fit = sub.add_parser("fit")
    fit.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    fit.add_argument(
        "--only", default=None, help="only WMT21 files whose names contain one of these (comma-separated)"
    )
    fit.add_argument("--out", type=Path, default=PAIR_MODEL, help="where to write the fitted model")
    fit.add_argument("--no-write", action="store_true", help="print the weights, write nothing")
    args = ap.parse_args(argv)
    args.enc = encoder(args.cache)
    return {
        "izium": cmd_izium,
        "meantime": cmd_meantime,
        "wmt21": cmd_wmt21,
        "ecbplus": cmd_ecbplus,
        "fit": cmd_fit,
    }[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
