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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

import stories_data as sd
from stories_prior import fit_priors
from storyline.stories.cluster import DORMANT_THRESHOLD, Candidate, StoryClusterer
from storyline.stories.background import Priors
from storyline.stories.features import JOIN_FEATURES, MERGE_FEATURES, NON_POSITIVE, TIME_FEATURES
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
# Which pairs the time weights are fitted on (--time-data).
TIME_DATA = "both"


def _blank_models(priors: Priors) -> StoryModels:
    """Models that never join nor merge: used to collect features while decisions are forced."""
    join = LinkModel(JOIN_FEATURES, (0.0,) * len(JOIN_FEATURES), -50.0)
    merge = LinkModel(MERGE_FEATURES, (0.0,) * len(MERGE_FEATURES), -50.0)
    return StoryModels(join, join, merge, merge, priors=priors)


@dataclass
class Pairs:
    """(article, story) pairs: features, labels, the article of each pair, the search cosine,
    whether the story had no member in the article's language (a cross-language pair), and
    whether both the article and the story are dated."""

    x: np.ndarray
    y: np.ndarray
    who: list[str]
    cos: np.ndarray
    xl: np.ndarray
    dated: np.ndarray

    def subset(self, keep: np.ndarray) -> Pairs:
        """The pairs where `keep` is true."""
        who = [w for w, k in zip(self.who, keep, strict=True) if k]
        return Pairs(self.x[keep], self.y[keep], who, self.cos[keep], self.xl[keep], self.dated[keep])


def join_pairs(items: Sequence[StoryItem], gold: dict[str, str], window: float | None, priors: Priors) -> Pairs:
    """Teacher-forced (article, story) pairs."""
    c = StoryClusterer(models=_blank_models(priors), window=window, dormant_threshold=DORMANT)
    story_of_event: dict[str, str] = {}
    x, y, who, cos, xl, dated = [], [], [], [], [], []
    for item in items:
        for cand in c.score(item):
            story = c.stories[cand.story]
            x.append(cand.features)
            y.append(int(gold[story.members[0]] == gold[item.id]))
            who.append(item.id)
            cos.append(cand.cosine)
            xl.append((item.language or "") not in story.terms)
            dated.append(bool(item.published) and story.first is not None)
        sid = c.place(item, story_of_event.get(gold[item.id]))
        story_of_event[gold[item.id]] = sid
    return Pairs(
        np.array(x), np.array(y), who, np.array(cos), np.array(xl, dtype=bool), np.array(dated, dtype=bool)
    )


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
    no_merge = StoryModels(models.join, models.join_xl, never, never, models.candidate_floor, models.priors)
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


def _fit(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    drop: tuple[str, ...] = (),
    groups: np.ndarray | None = None,
    fixed: dict[str, float] | None = None,
) -> LinkModel:
    """L2-regularised logistic regression (sklearn's objective) with sign bounds and group effects.

    Args:
        x: feature rows; y: labels.
        names: the feature names of the columns.
        drop: features left out (weight 0).
        groups: the dataset of each row, when pairs of several datasets are pooled: each dataset
            but the first (sorted) gets its own unpenalised intercept during the fit, so that a
            weight is learnt from contrasts *within* datasets, never from which dataset a pair
            came from; the model keeps the first dataset's intercept.
        fixed: features whose weight is given (kept as an offset, not fitted).

    Features in `NON_POSITIVE` are bounded to weights <= 0 (a monotone prior).
    """
    fixed = fixed or {}
    cols = [i for i, n in enumerate(names) if n not in drop and n not in fixed]
    xs = x[:, cols]
    offset = np.zeros(len(y))
    for n, w in fixed.items():
        offset += w * x[:, names.index(n)]
    if groups is not None:
        levels = sorted(set(groups.tolist()))
        g = np.stack([(groups == lv).astype(np.float64) for lv in levels[1:]], axis=1) if len(levels) > 1 else None
    else:
        g = None
    k = len(cols)
    ng = 0 if g is None else g.shape[1]
    yf = y.astype(np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:k], theta[k]
        z = xs @ w + b + offset
        if g is not None:
            z = z + g @ theta[k + 1 :]
        # log(1 + e^z) - y z, computed stably
        value = float(np.sum(np.logaddexp(0.0, z) - yf * z)) * C + 0.5 * float(w @ w)
        r = (expit(z) - yf) * C
        grad = np.empty_like(theta)
        grad[:k] = xs.T @ r + w
        grad[k] = r.sum()
        if g is not None:
            grad[k + 1 :] = g.T @ r
        return value, grad

    bounds = [(None, 0.0) if names[i] in NON_POSITIVE else (None, None) for i in cols] + [(None, None)] * (1 + ng)
    res = minimize(loss, np.zeros(k + 1 + ng), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000})
    weights = [0.0] * len(names)
    for w, i in zip(res.x[:k], cols, strict=True):
        weights[i] = float(w)
    for n, w in fixed.items():
        weights[names.index(n)] = w
    return LinkModel(names, tuple(weights), float(res.x[k]))


TIME = [JOIN_FEATURES.index(n) for n in TIME_FEATURES]


def fit_time(base: np.ndarray, t: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """The weight of the time gap on top of the other evidence, learnt within each dataset.

    Fits ``logit = base + w . t + b[group]`` with ``w <= 0`` (a longer gap can only lower the
    probability) and one free intercept per group, L2 on ``w`` as in `_fit`. A group is a
    dataset and whether both sides of the pair are dated. The intercepts absorb everything that
    differs between datasets (how they were collected, how often their pairs are positives) and
    whether dates are known (in ECB+ only one event of each topic is dated, so "both dated"
    alone nearly says "same event"), and are dropped afterwards: `w` comes only from the gaps
    between known dates inside each dataset: ECB+ (events reported over days to years, and
    other topics' events) and MEANTIME (each Wikinews article with its translations, and the
    other articles of its topic, days to years apart).

    Args:
        base: the logits of the model without the gap, one per pair.
        t: the `TIME_FEATURES` of each pair (0 when either date is unknown).
        y: labels.
        groups: dataset of each pair.

    Returns:
        time feature -> weight.
    """
    levels = sorted(set(groups.tolist()))
    g = np.stack([(groups == lv).astype(np.float64) for lv in levels], axis=1)
    yf = y.astype(np.float64)
    k = t.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[:k]
        z = base + t @ w + g @ theta[k:]
        value = C * float(np.sum(np.logaddexp(0.0, z) - yf * z)) + 0.5 * float(w @ w)
        r = C * (expit(z) - yf)
        return value, np.concatenate([t.T @ r + w, g.T @ r])

    bounds = [(None, 0.0)] * k + [(None, None)] * len(levels)
    res = minimize(loss, np.zeros(k + len(levels)), jac=True, method="L-BFGS-B", bounds=bounds)
    return {n: float(w) for n, w in zip(TIME_FEATURES, res.x[:k], strict=True)}


def fit_models(
    items: Sequence[StoryItem],
    gold: dict[str, str],
    topic: dict[str, str],
    topics: set[str],
    window: float | None,
    priors: Priors,
    mt: Pairs,
) -> tuple[StoryModels, np.ndarray, np.ndarray]:
    """Fit both models on the articles of `topics` (pairs of other topics are left out).

    Args:
        items, gold, topic: the ECB+ articles (in streaming order), their events and topics.
        topics: the topics to fit on.
        window: dormancy window.
        priors: corpus-statistics priors.
        mt: MEANTIME teacher-forced join pairs, for the time weights (`fit_time`) and the
            cross-language model.

    Returns:
        the models, and the ECB+ join pairs they were fitted on (teacher-forced and own), from
        which `fit_cross_language` fits the cross-language join model with translations added.
    """
    ecb = join_pairs(items, gold, window, priors)
    ecb = ecb.subset(np.array([topic[a] in topics for a in ecb.who]))
    floor = candidate_floor(ecb.x, ecb.y, ecb.cos)
    jx, jy = ecb.x, ecb.y
    tx, ty, txl = mt.x, mt.y, mt.xl

    join = _fit(jx, jy, JOIN_FEATURES, fixed=dict.fromkeys(TIME_FEATURES, 0.0))
    base = fit_cross_language(StoryModels(join, join, join, join), jx, jy, tx[txl], ty[txl])
    base_t = np.where(txl, base.join_xl.logits(tx), join.logits(tx))
    if TIME_DATA == "ecbplus":
        fixed = fit_time(join.logits(jx), jx[:, TIME], jy, np.array([f"ecbplus:{d}" for d in ecb.dated]))
    else:
        fixed = fit_time(
            np.concatenate([join.logits(jx), base_t]),
            np.vstack([jx[:, TIME], tx[:, TIME]]),
            np.concatenate([jy, ty]),
            np.array([f"ecbplus:{d}" for d in ecb.dated] + [f"meantime:{d}" for d in mt.dated]),
        )
    join = _fit(jx, jy, JOIN_FEATURES, fixed=fixed)
    join_xl = _fit(jx, jy, JOIN_FEATURES, drop=XL_DROP, fixed=fixed)
    train_items = [it for it in items if topic[it.id] in topics]
    never = LinkModel(MERGE_FEATURES, (0.0,) * len(MERGE_FEATURES), -50.0)
    for _ in range(DAGGER_ROUNDS):
        current = StoryModels(join, join_xl, never, never, floor, priors)
        ox, oy, _ = own_pairs(train_items, gold, current, window)
        jx, jy = np.vstack([jx, ox]), np.concatenate([jy, oy])
        join = _fit(jx, jy, JOIN_FEATURES, fixed=fixed)
        join_xl = _fit(jx, jy, JOIN_FEATURES, drop=XL_DROP, fixed=fixed)
    partial = StoryModels(join, join_xl, never, never, floor, priors)
    mx, my, _ = merge_pairs(train_items, gold, partial, window)
    merge = _fit(mx, my, MERGE_FEATURES)
    merge_xl = _fit(mx, my, MERGE_FEATURES, drop=XL_DROP)
    return StoryModels(join, join_xl, merge, merge_xl, floor, priors), jx, jy


def fit_cross_language(
    models: StoryModels, jx: np.ndarray, jy: np.ndarray, tx: np.ndarray, ty: np.ndarray
) -> StoryModels:
    """The models with the cross-language join model refitted on ECB+ pairs plus translation pairs.

    ECB+ is English only: without pairs across languages, the model learns that a report whose
    names and words differ from a story's is another event, which for a translation is only the
    language. MEANTIME's translations (and the other articles of its topics, as negatives)
    supply those pairs.
    """
    # The time weight is the one fitted on ECB+ alone: MEANTIME's cross-language positives are
    # translations, dated the day of their original by construction, so a time weight learnt
    # from them would say "a report in another language is never later", which no news stream
    # supports.
    fixed = {n: models.join.weights[JOIN_FEATURES.index(n)] for n in TIME_FEATURES}
    groups = np.array(["ecbplus"] * len(jy) + ["meantime"] * len(ty))
    join_xl = _fit(
        np.vstack([jx, tx]), np.concatenate([jy, ty]), JOIN_FEATURES, drop=XL_DROP, groups=groups, fixed=fixed
    )
    return StoryModels(
        models.join, join_xl, models.merge, models.merge_xl, models.candidate_floor, models.priors
    )


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
    ap.add_argument(
        "--time-data", choices=("both", "ecbplus"), default="both", help="pairs the time weights are fitted on"
    )
    args = ap.parse_args(argv)
    global TIME_DATA
    TIME_DATA = args.time_data
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

    mt_docs = sd.load_meantime(args.meantime)
    mt_items = sd.items_for(mt_docs, args.cache, "meantime")
    order = sd.stream_order(mt_docs)
    mt_docs = [mt_docs[i] for i in order]
    mt_items = [mt_items[i] for i in order]
    mt_gold = {d.id: d.gold for d in mt_docs}
    mt_topic = {d.id: d.group for d in mt_docs}

    def priors_for(topics: set[str]) -> Priors:
        # Texts only (no labels): the training topics' articles and MEANTIME's.
        train = [i for i, d in enumerate(docs) if d.group in topics]
        return fit_priors([([docs[i] for i in train], [items[i] for i in train]), (mt_docs, mt_items)])

    rng = random.Random(0)
    shuffled = all_topics[:]
    rng.shuffle(shuffled)
    folds = [set(shuffled[k :: args.folds]) for k in range(args.folds)]
    pred: list[str] = []
    true: list[str] = []
    def mt_pairs(priors: Priors, held: str | None = None) -> Pairs:
        pairs = join_pairs(mt_items, mt_gold, args.window, priors)
        return pairs.subset(np.array([mt_topic[w] != held for w in pairs.who]))

    for k, held in enumerate(folds):
        train_topics = set(all_topics) - held
        priors = priors_for(train_topics)
        models, _, _ = fit_models(items, gold, topic, train_topics, args.window, priors, mt_pairs(priors))
        labels = cluster_labels(items, models, args.window)
        ids = [d.id for d in docs if d.group in held]
        p, r, f = sd.bcubed([labels[i] for i in ids], [gold[i] for i in ids])
        times = ", ".join(f"{n} {models.join.weights[JOIN_FEATURES.index(n)]:+.3f}" for n in TIME_FEATURES)
        print(
            f"fold {k + 1}: {len(held)} held-out topics, {len(ids)} articles: P {p:.4f} R {r:.4f} F1 {f:.4f}"
            f"  (time weights: {times})"
        )
        pred += [f"{k}:{labels[i]}" for i in ids]
        true += [gold[i] for i in ids]
    p, r, f = sd.bcubed(pred, true)
    print(f"held-out ECB+ topics ({args.folds} folds, pooled): BCubed P {p:.4f} R {r:.4f} F1 {f:.4f}")

    priors = priors_for(set(all_topics))
    print(
        "priors: "
        + ", ".join(f"{kind} length {v.length:.0f} strength {v.strength:.1f}" for kind, v in vars(priors).items())
    )
    # Cross-language join model: ECB+ pairs plus MEANTIME translation pairs, validated by
    # leaving out one MEANTIME topic at a time (the time weight too).
    whole = total = 0
    mt_pred: list[str] = []
    mt_true: list[str] = []
    for held_topic in sorted(set(mt_topic.values())):
        mt = mt_pairs(priors, held_topic)
        fold_models, fx, fy = fit_models(items, gold, topic, set(all_topics), args.window, priors, mt)
        fold_models = fit_cross_language(fold_models, fx, fy, mt.x[mt.xl], mt.y[mt.xl])
        held_items = [it for it in mt_items if mt_topic[it.id] == held_topic]
        labels = cluster_labels(held_items, fold_models, args.window)
        groups: dict[str, set[str]] = {}
        for it in held_items:
            groups.setdefault(mt_gold[it.id], set()).add(labels[it.id])
            mt_pred.append(f"{held_topic}:{labels[it.id]}")
            mt_true.append(mt_gold[it.id])
        ok = sum(1 for g in groups.values() if len(g) == 1)
        whole, total = whole + ok, total + len(groups)
        print(f"MEANTIME {held_topic} held out: {ok}/{len(groups)} translation groups in one story")
    print(f"held-out MEANTIME topics: {whole}/{total} translation groups in one story")
    mp, mr, mf = sd.bcubed(mt_pred, mt_true)
    print(f"held-out MEANTIME topics vs Wikinews article: BCubed P {mp:.4f} R {mr:.4f} F1 {mf:.4f}")
    mt = mt_pairs(priors)
    print(f"MEANTIME pairs: {len(mt.y)} ({mt.y.mean():.1%} translations), {mt.xl.sum()} across languages")
    models, fx, fy = fit_models(items, gold, topic, set(all_topics), args.window, priors, mt)
    models = fit_cross_language(models, fx, fy, mt.x[mt.xl], mt.y[mt.xl])

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
        "held_out_meantime_bcubed": {"p": round(mp, 4), "r": round(mr, 4), "f1": round(mf, 4)},
    }
    models = StoryModels(
        models.join, models.join_xl, models.merge, models.merge_xl, models.candidate_floor, models.priors, about
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
