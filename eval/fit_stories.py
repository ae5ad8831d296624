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

The join models' time weights (days between two known dates) are fitted first, on their own,
from ECB+'s real publication dates (`fit_time`), and then held fixed; the merge models have none.

Held-out check on MEANTIME: its translation pairs are added to the cross-language join model's
fit, one topic left out at a time; nothing else is fitted on it, so its BCubed precision checks
the time weights on similar company events months or years apart, which ECB+ cannot show.

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
from storyline.stories.cluster import DORMANT_THRESHOLD, Candidate, StoryClusterer
from storyline.stories.features import JOIN_FEATURES, MERGE_FEATURES, NON_POSITIVE, TIME_FEATURES
from storyline.stories.item import STORY_ENCODER, StoryItem
from storyline.stories.model import LinkModel, StoryModels
from storyline.stories.state import StoryState

OUT = Path(__file__).resolve().parents[1] / "src" / "storyline" / "stories" / "link_model.json"
# L2 strength of the regressions (sklearn's C, the inverse). The features are bounded (cosines
# and signed shares in [-1, 1], log sizes), so no scaling is needed. The join model's log-loss
# per pair on held-out topics (`c_losses`, printed by this script) is 0.0293, 0.0277, 0.0271,
# 0.0271, 0.0271 for C = 1, 3, 10, 30, 100: it falls until 10 and is flat beyond, and 10 is the
# strongest regularisation on the flat part (weights fitted on one collection should stay modest
# on the next). Held-out ECB+ BCubed F1 0.906 (P 0.913) at C = 1, 0.922 (P 0.936) at 10; held-out
# MEANTIME precision 0.924 and 0.929.
C = 10.0
C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
# Folds of topics for `c_losses`.
C_FOLDS = 5
# Rounds of refitting the join model on the pairs its own clustering meets (see `own_pairs`).
DAGGER_ROUNDS = 2
DORMANT = DORMANT_THRESHOLD


def _blank_models() -> StoryModels:
    """Models that never join nor merge: used to collect features while decisions are forced."""
    join = LinkModel(JOIN_FEATURES, (0.0,) * len(JOIN_FEATURES), -50.0)
    merge = LinkModel(MERGE_FEATURES, (0.0,) * len(MERGE_FEATURES), -50.0)
    return StoryModels(join, join, merge, merge)


@dataclass
class Pairs:
    """(article, story) pairs.

    Attributes:
        x: features; y: labels; who: the article of each pair; cos: the search cosine.
        xl: whether the story had no member in the article's language (a cross-language pair).
        dated: whether both the article and the story are dated.
    """

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


def join_pairs(items: Sequence[StoryItem], gold: dict[str, str], window: float | None) -> Pairs:
    """Teacher-forced (article, story) pairs."""
    c = StoryClusterer(models=_blank_models(), window=window, dormant_threshold=DORMANT)
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


def _fit(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    drop: tuple[str, ...] = (),
    groups: np.ndarray | None = None,
    fixed: dict[str, float] | None = None,
    c: float = C,
) -> LinkModel:
    """L2-regularised logistic regression (sklearn's objective) with sign bounds and group effects.

    Args:
        x: feature rows.
        y: labels.
        names: the feature names of the columns.
        drop: features left out (weight 0).
        groups: the dataset of each row, when pairs of several datasets are pooled: each dataset
            but the first (sorted) gets its own unpenalised intercept during the fit, so that a
            weight is learnt from contrasts *within* datasets, never from which dataset a pair
            came from; the model keeps the first dataset's intercept.
        fixed: features whose weight is given (kept as an offset, not fitted).
        c: inverse L2 strength (sklearn's C).

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
        g = (
            np.stack([(groups == lv).astype(np.float64) for lv in levels[1:]], axis=1)
            if len(levels) > 1
            else None
        )
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
        value = float(np.sum(np.logaddexp(0.0, z) - yf * z)) * c + 0.5 * float(w @ w)
        r = (expit(z) - yf) * c
        grad = np.empty_like(theta)
        grad[:k] = xs.T @ r + w
        grad[k] = r.sum()
        if g is not None:
            grad[k + 1 :] = g.T @ r
        return value, grad

    bounds = [(None, 0.0) if names[i] in NON_POSITIVE else (None, None) for i in cols] + [(None, None)] * (
        1 + ng
    )
    res = minimize(
        loss, np.zeros(k + 1 + ng), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000}
    )
    weights = [0.0] * len(names)
    for w, i in zip(res.x[:k], cols, strict=True):
        weights[i] = float(w)
    for n, w in fixed.items():
        weights[names.index(n)] = w
    return LinkModel(names, tuple(weights), float(res.x[k]))


TIME = [JOIN_FEATURES.index(n) for n in TIME_FEATURES]


def fit_time(
    base: np.ndarray, t: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float = C
) -> dict[str, float]:
    """The weight of the time gap on top of the other evidence, learnt from known dates only.

    Fits ``logit = base + w . t + b[group]`` with ``w <= 0`` (a longer gap can only lower the
    probability) and one free intercept per group, L2 on ``w`` as in `_fit`. A group says
    whether both sides of the pair are dated. In ECB+ only one event of each topic is dated
    (its ECB+ half; the original ECB articles carry no date), so "both dated" alone nearly says
    "same event": the intercepts absorb that and are dropped afterwards, and the unknown gap is
    0 like a gap of 0 days, so the weights only learn from the gaps *between known dates*: the
    real publication dates read from the article pages (`stories_data.free_date`, never derived
    from the event), between reports of one event (a median of 1 day apart, 18% more than two
    weeks: trials and sentencings are labelled the same event) and between reports of other
    topics' events met as candidates (usually months to years apart).

    Args:
        base: the logits of the model without the gap, one per pair.
        t: the `TIME_FEATURES` of each pair (0 when either date is unknown).
        y: labels.
        groups: the group of each pair.
        c: inverse L2 strength, as in `_fit`.

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
        value = c * float(np.sum(np.logaddexp(0.0, z) - yf * z)) + 0.5 * float(w @ w)
        r = c * (expit(z) - yf)
        return value, np.concatenate([t.T @ r + w, g.T @ r])

    bounds = [(None, 0.0)] * k + [(None, None)] * len(levels)
    res = minimize(loss, np.zeros(k + len(levels)), jac=True, method="L-BFGS-B", bounds=bounds)
    return {n: float(w) for n, w in zip(TIME_FEATURES, res.x[:k], strict=True)}


def c_losses(x: np.ndarray, y: np.ndarray, groups: list[str]) -> dict[float, float]:
    """The join model's log-loss per pair on held-out topics, for each L2 strength of `C_GRID`.

    The pairs' topics are split into `C_FOLDS` folds (sorted, every fifth); each fold is scored
    by the join model (time weights 0) fitted on the others.

    Args:
        x: join features of teacher-forced (article, story) pairs.
        y: labels.
        groups: the topic of each pair.
    """
    topics = sorted(set(groups))
    fold_of = {t: i % C_FOLDS for i, t in enumerate(topics)}
    fold = np.array([fold_of[g] for g in groups])
    no_time = dict.fromkeys(TIME_FEATURES, 0.0)
    out: dict[float, float] = {}
    for c in C_GRID:
        loss = 0.0
        for k in range(C_FOLDS):
            test = fold == k
            model = _fit(x[~test], y[~test], JOIN_FEATURES, fixed=no_time, c=c)
            z = model.logits(x[test])
            loss += float(np.sum(np.logaddexp(0.0, z) - y[test] * z))
        out[c] = loss / len(y)
    return out


def fit_models(
    items: Sequence[StoryItem],
    gold: dict[str, str],
    topic: dict[str, str],
    topics: set[str],
    window: float | None,
) -> tuple[StoryModels, np.ndarray, np.ndarray]:
    """Fit both models on the articles of `topics` (pairs of other topics are left out).

    Args:
        items: the ECB+ articles, in streaming order.
        gold: the event of each article.
        topic: the topic of each article.
        topics: the topics to fit on.
        window: dormancy window.

    Returns:
        the models, and the ECB+ join pairs they were fitted on (teacher-forced and own), from
        which `fit_cross_language` fits the cross-language join model with translations added.
    """
    ecb = join_pairs(items, gold, window)
    ecb = ecb.subset(np.array([topic[a] in topics for a in ecb.who]))
    floor = candidate_floor(ecb.x, ecb.y, ecb.cos)
    jx, jy = ecb.x, ecb.y

    # The time weights come from ECB+ alone (see `fit_time`): MEANTIME's cross-language
    # positives are translations, dated the day of their original by construction.
    join = _fit(jx, jy, JOIN_FEATURES, fixed=dict.fromkeys(TIME_FEATURES, 0.0))
    fixed = fit_time(join.logits(jx), jx[:, TIME], jy, np.array([f"dated:{d}" for d in ecb.dated]))
    join = _fit(jx, jy, JOIN_FEATURES, fixed=fixed)
    join_xl = _fit(jx, jy, JOIN_FEATURES, drop=XL_DROP, fixed=fixed)
    train_items = [it for it in items if topic[it.id] in topics]
    never = LinkModel(MERGE_FEATURES, (0.0,) * len(MERGE_FEATURES), -50.0)
    for _ in range(DAGGER_ROUNDS):
        current = StoryModels(join, join_xl, never, never, floor)
        ox, oy, _ = own_pairs(train_items, gold, current, window)
        jx, jy = np.vstack([jx, ox]), np.concatenate([jy, oy])
        join = _fit(jx, jy, JOIN_FEATURES, fixed=fixed)
        join_xl = _fit(jx, jy, JOIN_FEATURES, drop=XL_DROP, fixed=fixed)
    partial = StoryModels(join, join_xl, never, never, floor)
    mx, my, _ = merge_pairs(train_items, gold, partial, window)
    # The merge models take no time weight: two stories more than the dormancy window apart
    # need the dormant threshold to merge (`StoryClusterer`), and within it ECB+ cannot tell
    # (fitted on merge pairs, a time weight learns that dated stories merge, which only says
    # which half of ECB+ they come from; the join model's weights cost held-out recall: F1
    # 0.8964 against 0.9033 without).
    no_time = dict.fromkeys(TIME_FEATURES, 0.0)
    merge = _fit(mx, my, MERGE_FEATURES, fixed=no_time)
    merge_xl = _fit(mx, my, MERGE_FEATURES, drop=XL_DROP, fixed=no_time)
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
    # The time weight is the one fitted on ECB+ alone: MEANTIME's cross-language positives are
    # translations, dated the day of their original by construction, so a time weight learnt
    # from them would say "a report in another language is never later", which no news stream
    # supports.
    fixed = {n: models.join.weights[JOIN_FEATURES.index(n)] for n in TIME_FEATURES}
    groups = np.array(["ecbplus"] * len(jy) + ["meantime"] * len(ty))
    join_xl = _fit(
        np.vstack([jx, tx]), np.concatenate([jy, ty]), JOIN_FEATURES, drop=XL_DROP, groups=groups, fixed=fixed
    )
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

    mt_docs = sd.load_meantime(args.meantime)
    mt_items = sd.items_for(mt_docs, args.cache, "meantime")
    order = sd.stream_order(mt_docs)
    mt_docs = [mt_docs[i] for i in order]
    mt_items = [mt_items[i] for i in order]
    mt_gold = {d.id: d.gold for d in mt_docs}
    mt_topic = {d.id: d.group for d in mt_docs}

    tf = join_pairs(items, gold, args.window)
    losses = c_losses(tf.x, tf.y, [topic[a] for a in tf.who])
    print(
        "join log-loss per pair on held-out topics by L2 strength: "
        + ", ".join(f"C {k:g} {v:.4f}" for k, v in losses.items())
        + f" (fitted with C {C:g})"
    )

    rng = random.Random(0)
    shuffled = all_topics[:]
    rng.shuffle(shuffled)
    folds = [set(shuffled[k :: args.folds]) for k in range(args.folds)]
    pred: list[str] = []
    true: list[str] = []

    def mt_pairs(held: str | None = None) -> Pairs:
        pairs = join_pairs(mt_items, mt_gold, args.window)
        return pairs.subset(np.array([mt_topic[w] != held for w in pairs.who]))

    for k, held in enumerate(folds):
        train_topics = set(all_topics) - held
        models, _, _ = fit_models(items, gold, topic, train_topics, args.window)
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

    models, fx, fy = fit_models(items, gold, topic, set(all_topics), args.window)
    # Cross-language join model: ECB+ pairs plus MEANTIME translation pairs, validated by
    # leaving out one MEANTIME topic at a time. Nothing else is fitted on MEANTIME (the time
    # weights neither), so its BCubed precision below is a held-out check of them.
    whole = total = 0
    mt_pred: list[str] = []
    mt_true: list[str] = []
    for held_topic in sorted(set(mt_topic.values())):
        mt = mt_pairs(held_topic)
        fold_models = fit_cross_language(models, fx, fy, mt.x[mt.xl], mt.y[mt.xl])
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
    mt = mt_pairs()
    print(f"MEANTIME pairs: {len(mt.y)} ({mt.y.mean():.1%} translations), {mt.xl.sum()} across languages")
    models = fit_cross_language(models, fx, fy, mt.x[mt.xl], mt.y[mt.xl])

    about = {
        "fitted_on": "ECB+ (Cybulska & Vossen, LREC 2014, CC BY 3.0), 982 articles, 43 topics; "
        "cross-language join model also on MEANTIME (Minard et al., LREC 2016, CC BY 4.0) translations",
        "fitted": date.today().isoformat(),
        "script": "eval/fit_stories.py",
        "encoder": STORY_ENCODER,
        "window_days": args.window,
        "l2_c": C,
        "dormant_threshold": DORMANT,
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
        models.join,
        models.join_xl,
        models.merge,
        models.merge_xl,
        models.candidate_floor,
        about,
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
