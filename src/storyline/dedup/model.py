"""The decision "same article in other words": a logistic regression over the semantic evidence.

The weights live in ``pair_model.json`` next to this module, with their provenance (``about``),
written by ``eval/dedup.py fit`` from a declared fitting split only: the WMT21 documents whose id
hashes to an even number (sources, references and machine translations of one document are
positives, other documents of the same file are negatives) and the ECB+ topics with an odd number
(articles of different events in one topic, and articles of the same event that share no wording,
are negatives). MEANTIME, Izium, the other half of WMT21 and of ECB+ were never seen by the fit;
the eval scripts report figures on them separately. Logistic regression, because interpretable,
monotone features need no more, and its weights can be read (see `explain`); the file says why the
six features with a weight of 0 stay.

Additive evidence can make up for what is missing, so the decision (`same_article`) also requires,
where the encoder knows both languages, that most of both articles has a counterpart (`MAJORITY`).
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

from storyline.dedup.semantic import FEATURES

MODEL_FILE = "pair_model.json"


def _load() -> dict[str, Any]:
    d: dict[str, Any] = json.loads(resources.files("storyline.dedup").joinpath(MODEL_FILE).read_text("utf-8"))
    if tuple(d["features"]) != FEATURES:
        raise ValueError(
            f"{MODEL_FILE} was fitted for the features {d['features']}, this code computes {list(FEATURES)}: "
            "refit with eval/dedup.py fit"
        )
    return d


_MODEL = _load()
# The encoder the weights were fitted with: similarities of another model have another scale, so
# the semantic decision is only made with this one (other encoders get lexical duplicates only).
ENCODER: str = _MODEL["encoder"]
# Fitted weights by feature, and the intercept.
WEIGHTS: dict[str, float] = {k: float(w) for k, w in zip(FEATURES, _MODEL["weights"], strict=True)}
INTERCEPT: float = float(_MODEL["intercept"])
# Decision threshold on the probability: pairs at or above it are one article. Not 0.5: groups are
# closed transitively, so a single false link merges two groups and costs many pairs; on the
# held-out folds of the fit, true pairs score 0.99 and above at the median (see eval/dedup.py fit).
THRESHOLD: float = float(_MODEL["threshold"])
# A translation or a rewrite is one article: nearly every sentence of each version has its
# counterpart, in order. Two articles on related events share a few sentences at best, yet their
# numbers, names and lengths can agree as much as a translation's (a shared paragraph of figures, a
# quoted statement), and the additive model lets that agreement stand in for the missing sentences.
# So, where the encoder knows both languages and its alignment can be trusted, most of both
# articles must have a counterpart: at least half of the shorter one's sentences beyond what chance
# aligns (`semantic.beyond_chance`), and at least half of the text of each (`semantic.text_cover`).
# A majority, from the definition, not a fitted value. Other languages keep the model's decision
# (their sentence similarities are too weak to require counterparts).
MAJORITY = 0.5


def probability(features: dict[str, float]) -> float:
    """Probability that the pair is one article (translation or rewrite)."""
    z = INTERCEPT + sum(WEIGHTS[k] * features.get(k, 0.0) for k in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


# Features that come from the sentence alignment (the encoder's work), each at most 1, and those
# of them that are also at most the sentence ratio (aligned pairs over the longer article).
_ALIGNED = ("doc_cos", "aligned_share", "aligned_cos", "aligned_margin", "length_corr")
_ALIGNED_BY_RATIO = ("aligned_cover", "confident_cover")


def could_be_same(unaligned: dict[str, float]) -> bool:
    """Whether a pair can reach the threshold at all, before any sentence is embedded.

    `unaligned` are the pair's features computed without vectors (`features` with profiles that
    have none): numbers, names and sentence counts. The alignment can add at most the weight of
    each alignment feature at its largest value (1, or the sentence ratio for the covers, which
    count aligned pairs over the longer article; every weight is non-negative), so when even
    that sum stays under the threshold the pair is not one article whatever the encoder says.
    The decision is the same as embedding and aligning it: no pair that could pass is skipped.
    """
    if any(w < 0 for w in WEIGHTS.values()):  # pragma: no cover - a refit with signed weights
        return True
    ratio = unaligned.get("sentence_ratio", 0.0)
    best = dict(unaligned)
    best.update(dict.fromkeys(_ALIGNED, 1.0))
    best.update(dict.fromkeys(_ALIGNED_BY_RATIO, ratio))
    return probability(best) >= THRESHOLD


def covers_both(features: dict[str, float]) -> bool:
    """Whether most of both articles is aligned beyond chance (always, outside the encoder's languages)."""
    if features.get("covered", 0.0) < 1.0:
        return True
    return features.get("beyond_chance", 0.0) >= MAJORITY and features.get("text_cover", 0.0) >= MAJORITY


def same_article(features: dict[str, float]) -> bool:
    """The decision: probable enough, and most of both articles has its counterpart."""
    return probability(features) >= THRESHOLD and covers_both(features)


def explain(features: dict[str, float]) -> list[tuple[str, float]]:
    """Each feature's contribution to the decision (weight x value), largest first."""
    parts = [(k, WEIGHTS[k] * features.get(k, 0.0)) for k in FEATURES]
    return sorted(parts, key=lambda kv: -abs(kv[1]))
