"""Fit the story link models on ECB+ and validate them on held-out topics.

ECB+ holds 43 topics, each with two similar but different events, so it has the hard negatives
a story model must learn from (two earthquakes, two rehab check-ins). Two logistic regressions
are fitted:

* join: (article, candidate story) pairs. Articles arrive in publication order and are placed
  in their *gold* story (teacher forcing), so every candidate story is pure; label = the
  article reports the story's event.
* merge: (story, story) pairs met by the clusterer itself, with the fitted join model, when an
  article would join two stories; label = the two stories' majority events are the same.

Each also has a cross-language twin without the ``terms`` feature (see `StoryModels`).

Validation: the topics are split into folds; for each fold both models are fitted on the other
folds' topics only, the whole corpus is clustered in streaming order, and BCubed is computed on
the held-out topics' articles. The figures printed under "held-out" are the honest estimate;
the models written to the package are then fitted on all topics.

    python eval/fit_stories.py [--ecbplus PATH] [--out src/storyline/stories/link_model.json]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

import stories_data as sd
from storyline.stories.cluster import DORMANT_THRESHOLD, Candidate, StoryClusterer
from storyline.stories.features import JOIN_FEATURES, MERGE_FEATURES
from storyline.stories.item import StoryItem
from storyline.stories.model import LinkModel, StoryModels
from storyline.stories.state import StoryState

OUT = Path(__file__).resolve().parents[1] / "src" / "storyline" / "stories" / "link_model.json"
# L2 strength of the regressions (sklearn's C, the inverse): the default. The features are
# bounded (cosines and signed shares in [-1, 1], log sizes), so no scaling is needed.
C = 1.0
# Rounds of refitting the join model on the pairs its own clustering meets (see `own_pairs`).
DAGGER_ROUNDS = 2
DORMANT = DORMANT_THRESHOLD


def _blank_models() -> StoryModels:
    """Models that never join nor merge: used to collect features while decisions are forced."""
    join = LinkModel(JOIN_FEATURES, (0.0,) * len(JOIN_FEATURES), -50.0)
    merge = LinkModel(MERGE_FEATURES, (0.0,) * len(MERGE_FEATURES), -50.0)
    return StoryModels(join, join, merge, merge)


def join_pairs(
    items: Sequence[StoryItem], gold: dict[str, str], window: float | None
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Teacher-forced (article, story) pairs.

    Returns:
        features, labels, the article of each pair, the search cosine, and whether the story
        had no member in the article's language (a cross-language pair).
    """
    c = StoryClusterer(models=_blank_models(), window=window, dormant_threshold=DORMANT)
    story_of_event: dict[str, str] = {}
    x, y, who, cos, xl = [], [], [], [], []
    for item in items:
        for cand in c.score(item):
            story = c.stories[cand.story]
            x.append(cand.features)
            y.append(int(gold[story.members[0]] == gold[item.id]))
            who.append(item.id)
            cos.append(cand.cosine)
            xl.append((item.language or "") not in story.terms)
        sid = c.place(item, story_of_event.get(gold[item.id]))
        story_of_event[gold[item.id]] = sid
    return np.array(x), np.array(y), who, np.array(cos), np.array(xl, dtype=bool)


def _majority(story: StoryState, gold: dict[str, str]) -> str:
    return Counter(gold[m] for m in story.members).most_common(1)[0][0]


def merge_pairs(
    items: Sequence[StoryItem], gold: dict[str, str], models: StoryModels, window: float | None
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """(story, story) pairs the clusterer checks with these join models (no merge happens)."""
    x, y, who = [], [], []

    def seen(a: StoryState, b: StoryState, f: np.ndarray) -> None:
        x.append(f)
        y.append(int(_majority(a, gold) == _majority(b, gold)))
        who.append((_majority(a, gold), _majority(b, gold)))

    never = LinkModel(MERGE_FEATURES, (0.0,) * len(MERGE_FEATURES), -50.0)
    no_merge = StoryModels(models.join, models.join_xl, never, never, models.candidate_floor)
    c = StoryClusterer(models=no_merge, window=window, on_merge_check=seen, dormant_threshold=DORMANT)
    c.assign_many(items)
    return np.array(x), np.array(y), who


def own_pairs(
    items: Sequence[StoryItem], gold: dict[str, str], models: StoryModels, window: float | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(article, story) pairs met by the clusterer running with these models.

    Teacher forcing only shows pure stories; the clusterer's own stories are sometimes
    fragments or mixtures, and the model must also decide well there (the DAgger idea: learn
    on the states your own decisions lead to). Label: the story's majority event is the
    article's event.
    """
    x, y, who = [], [], []
    c = StoryClusterer(models=models, window=window, dormant_threshold=DORMANT)

    def seen(item: StoryItem, scored: list[Candidate]) -> None:
        for cand in scored:
            x.append(cand.features)
            y.append(int(_majority(c.stories[cand.story], gold) == gold[item.id]))
            who.append(item.id)

    c.on_scored = seen
    c.assign_many(items)
    return np.array(x), np.array(y), who


# Features that compare words, meaningless between languages: left out of the cross-language models.
XL_DROP = ("terms",)


def _fit(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], drop: tuple[str, ...] = ()) -> LinkModel:
    cols = [i for i, n in enumerate(names) if n not in drop]
    lr = LogisticRegression(C=C, max_iter=5000)
    lr.fit(x[:, cols], y)
    weights = [0.0] * len(names)
    for w, i in zip(lr.coef_[0], cols, strict=True):
        weights[i] = float(w)
    return LinkModel(names, tuple(weights), float(lr.intercept_[0]))


def fit_models(
    items: Sequence[StoryItem],
    gold: dict[str, str],
    topic: dict[str, str],
    topics: set[str],
    window: float | None,
    jx: np.ndarray,
    jy: np.ndarray,
    jwho: list[str],
    jcos: np.ndarray,
) -> tuple[StoryModels, np.ndarray, np.ndarray]:
    """Fit both models on the articles of `topics` (pairs of other topics are left out).

    Returns:
        the models, and the join pairs they were fitted on (teacher-forced and own), from which
        `fit_cross_language` fits the cross-language join model with translations added.
    """
    keep = np.array([topic[a] in topics for a in jwho])
    floor = candidate_floor(jx[keep], jy[keep], jcos[keep])
    jx, jy = jx[keep], jy[keep]
    join = _fit(jx, jy, JOIN_FEATURES)
    join_xl = _fit(jx, jy, JOIN_FEATURES, drop=XL_DROP)
    train_items = [it for it in items if topic[it.id] in topics]
    never = LinkModel(MERGE_FEATURES, (0.0,) * len(MERGE_FEATURES), -50.0)
    for _ in range(DAGGER_ROUNDS):
        ox, oy, _ = own_pairs(train_items, gold, StoryModels(join, join_xl, never, never, floor), window)
        jx, jy = np.vstack([jx, ox]), np.concatenate([jy, oy])
        join = _fit(jx, jy, JOIN_FEATURES)
        join_xl = _fit(jx, jy, JOIN_FEATURES, drop=XL_DROP)
    partial = StoryModels(join, join_xl, never, never, floor)
    mx, my, _ = merge_pairs(train_items, gold, partial, window)
    merge = _fit(mx, my, MERGE_FEATURES)
    merge_xl = _fit(mx, my, MERGE_FEATURES, drop=XL_DROP)
    return StoryModels(join, join_xl, merge, merge_xl, floor), jx, jy


def fit_cross_language(
    models: StoryModels, jx: np.ndarray, jy: np.ndarray, tx: np.ndarray, ty: np.ndarray
) -> StoryModels:
    """The models with the cross-language join model refitted on ECB+ pairs plus translation pairs.

    ECB+ is English only: without pairs across languages, the model learns that a report whose
    names and words differ from a story's is another event, which for a translation is only the
    language. MEANTIME's translations (and the other articles of its topics, as negatives)
    supply those pairs.
    """
    join_xl = _fit(np.vstack([jx, tx]), np.concatenate([jy, ty]), JOIN_FEATURES, drop=XL_DROP)
    return StoryModels(models.join, join_xl, models.merge, models.merge_xl, models.candidate_floor)


def candidate_floor(x: np.ndarray, y: np.ndarray, cos: np.ndarray) -> float:
    """Just below the lowest search cosine of an article with its own story: 0.05 under, rounded down."""
    return float(np.floor((cos[y == 1].min() - 0.05) * 20) / 20)


def cluster_labels(items: Sequence[StoryItem], models: StoryModels, window: float | None) -> dict[str, str]:
    """Article id -> story id after streaming clustering of the items in the given order."""
    c = StoryClusterer(models=models, window=window, dormant_threshold=DORMANT)
    c.assign_many(items)
    return {it.id: c.story_of(it.id) or "" for it in items}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--ecbplus", type=Path, default=sd.shared_dir() / "eval" / "ecbplus" / "ecbplus_docs.jsonl"
    )
    ap.add_argument(
        "--meantime", type=Path, default=sd.shared_dir() / "corpus" / "meantime" / "meantime_docs.jsonl"
    )
    ap.add_argument("--cache", type=Path, default=sd.DEFAULT_CACHE)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--window", type=float, default=14.0, help="dormancy window in days")
    ap.add_argument("--dormant", type=float, default=None, help="join threshold for dormant stories")
    ap.add_argument("--no-write", action="store_true", help="validate only")
    args = ap.parse_args(argv)
    if args.dormant is not None:
        global DORMANT
        DORMANT = args.dormant

    docs = sd.load_ecbplus(args.ecbplus)
    items = sd.items_for(docs, args.cache, "ecbplus")
    order = sd.stream_order(docs)
    docs = [docs[i] for i in order]
    items = [items[i] for i in order]
    gold = {d.id: d.gold for d in docs}
    topic = {d.id: d.group for d in docs}
    all_topics = sorted(set(topic.values()), key=int)

    jx, jy, jwho, jcos, _ = join_pairs(items, gold, args.window)
    print(f"join pairs: {len(jy)} ({jy.mean():.1%} same event)")

    rng = random.Random(0)
    shuffled = all_topics[:]
    rng.shuffle(shuffled)
    folds = [set(shuffled[k :: args.folds]) for k in range(args.folds)]
    pred: list[str] = []
    true: list[str] = []
    for k, held in enumerate(folds):
        models, _, _ = fit_models(items, gold, topic, set(all_topics) - held, args.window, jx, jy, jwho, jcos)
        labels = cluster_labels(items, models, args.window)
        ids = [d.id for d in docs if d.group in held]
        p, r, f = sd.bcubed([labels[i] for i in ids], [gold[i] for i in ids])
        print(
            f"fold {k + 1}: {len(held)} held-out topics, {len(ids)} articles: P {p:.4f} R {r:.4f} F1 {f:.4f}"
        )
        pred += [f"{k}:{labels[i]}" for i in ids]
        true += [gold[i] for i in ids]
    p, r, f = sd.bcubed(pred, true)
    print(f"held-out ECB+ topics ({args.folds} folds, pooled): BCubed P {p:.4f} R {r:.4f} F1 {f:.4f}")

    models, fx, fy = fit_models(items, gold, topic, set(all_topics), args.window, jx, jy, jwho, jcos)

    # Cross-language join model: ECB+ pairs plus MEANTIME translation pairs, validated by
    # leaving out one MEANTIME topic at a time.
    mt_docs = sd.load_meantime(args.meantime)
    mt_items = sd.items_for(mt_docs, args.cache, "meantime")
    order = sd.stream_order(mt_docs)
    mt_docs = [mt_docs[i] for i in order]
    mt_items = [mt_items[i] for i in order]
    mt_gold = {d.id: d.gold for d in mt_docs}
    mt_topic = {d.id: d.group for d in mt_docs}
    tx, ty, twho, _, txl = join_pairs(mt_items, mt_gold, args.window)
    tx, ty, twho = tx[txl], ty[txl], [w for w, x in zip(twho, txl, strict=True) if x]
    print(f"MEANTIME cross-language pairs: {len(ty)} ({ty.mean():.1%} translations)")
    whole = total = 0
    for held_topic in sorted(set(mt_topic.values())):
        keep = np.array([mt_topic[w] != held_topic for w in twho])
        fold_models = fit_cross_language(models, fx, fy, tx[keep], ty[keep])
        held_items = [it for it in mt_items if mt_topic[it.id] == held_topic]
        labels = cluster_labels(held_items, fold_models, args.window)
        groups: dict[str, set[str]] = {}
        for it in held_items:
            groups.setdefault(mt_gold[it.id], set()).add(labels[it.id])
        ok = sum(1 for g in groups.values() if len(g) == 1)
        whole, total = whole + ok, total + len(groups)
        print(f"MEANTIME {held_topic} held out: {ok}/{len(groups)} translation groups in one story")
    print(f"held-out MEANTIME topics: {whole}/{total} translation groups in one story")
    models = fit_cross_language(models, fx, fy, tx, ty)

    about = {
        "fitted_on": "ECB+ (Cybulska & Vossen, LREC 2014, CC BY 3.0), 982 articles, 43 topics; "
        "cross-language join model also on MEANTIME (Minard et al., LREC 2016, CC BY 4.0) translations",
        "fitted": date.today().isoformat(),
        "script": "eval/fit_stories.py",
        "window_days": args.window,
        "held_out": {
            "folds": args.folds,
            "bcubed_p": round(p, 4),
            "bcubed_r": round(r, 4),
            "bcubed_f1": round(f, 4),
        },
        "held_out_meantime_groups_whole": f"{whole}/{total}",
    }
    models = StoryModels(
        models.join, models.join_xl, models.merge, models.merge_xl, models.candidate_floor, about
    )
    for name in ("join", "join_xl", "merge", "merge_xl"):
        m: LinkModel = getattr(models, name)
        coefs = ", ".join(f"{n} {w:+.2f}" for n, w in zip(m.features, m.weights, strict=True))
        print(f"{name}: {coefs}, bias {m.bias:+.2f}")
    print(f"candidate floor: cosine {models.candidate_floor:.2f}")
    if not args.no_write:
        args.out.write_text(models.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
