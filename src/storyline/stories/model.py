"""The two fitted decisions of story clustering: does an article join a story, are two stories one.

Both are logistic regressions over the features of `storyline.stories.features`. Their
coefficients live in ``link_model.json`` next to this module, written by
``eval/fit_stories.py`` together with how they were fitted and validated; nothing here is set
by hand except the decision rule (join when the model says "more likely the same event than not").
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from storyline.errors import ConfigError
from storyline.stories.features import JOIN_FEATURES, MERGE_FEATURES

MODEL_FILE = "link_model.json"


@dataclass(frozen=True)
class LinkModel:
    """A logistic regression: P(same event) = sigmoid(weights . features + bias).

    Attributes:
        features: names of the features, in order (must match the code that computes them).
        weights: one coefficient per feature.
        bias: the intercept.
        threshold: decide "same event" when the probability reaches it.
    """

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    def __post_init__(self) -> None:
        if len(self.features) != len(self.weights):
            raise ConfigError(f"link model: {len(self.features)} features but {len(self.weights)} weights")

    def row_logit(self, row: Sequence[float]) -> float:
        """The logit of one feature row: ``weights . row + bias``.

        Summed in plain floats, feature by feature in order: the same number on every machine
        (a BLAS product may sum in another order, differently on each processor), and for the
        few rows of an article cheaper than an array product.
        """
        z = 0.0
        for w, x in zip(self.weights, row, strict=True):
            z += w * x
        return z + self.bias

    def row_probability(self, row: Sequence[float]) -> float:
        """The probability of one feature row: ``1 / (1 + exp(-logit))``."""
        # exp(700) is finite; a logit below -700 is a probability of 0 either way.
        return 1.0 / (1.0 + math.exp(-max(self.row_logit(row), -700.0)))

    def _rows(self, x: np.ndarray) -> tuple[list[list[float]], tuple[int, ...]]:
        rows = np.asarray(x, dtype=np.float64)
        return rows.reshape(-1, len(self.weights)).tolist(), rows.shape[:-1]

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Logits for feature rows (shape ``(n, len(features))``), each as `row_logit` gives it."""
        rows, shape = self._rows(x)
        return np.array([self.row_logit(r) for r in rows]).reshape(shape)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for feature rows, each as `row_probability` gives it."""
        rows, shape = self._rows(x)
        return np.array([self.row_probability(r) for r in rows]).reshape(shape)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LinkModel:
        """Read the form written by `to_dict`."""
        return cls(
            tuple(d["features"]),
            tuple(float(w) for w in d["weights"]),
            float(d["bias"]),
            float(d["threshold"]),
        )


@dataclass(frozen=True)
class StoryModels:
    """The join and merge models, with a record of how they were fitted.

    Words can only be compared within a language, so each decision has a second model, fitted
    on the same pairs without the ``terms`` feature (its weight is 0), for an article and a story
    (or two stories) that share no language.

    Attributes:
        join: article -> candidate story with members in the article's language.
        join_xl: article -> candidate story in other languages only.
        merge: story -> story, checked when an article fits both; the stories share a language.
        merge_xl: the same for stories that share no language.
        candidate_floor: stories whose mean embedding has a lower cosine with the article are not
            scored: just below the lowest cosine between an article and its own story in the
            fitting data.
        about: provenance (data, validation figures), for people; not read by the code.
    """

    join: LinkModel
    join_xl: LinkModel
    merge: LinkModel
    merge_xl: LinkModel
    candidate_floor: float = -1.0
    about: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The JSON text of the models."""
        return json.dumps(
            {
                "join": self.join.to_dict(),
                "join_xl": self.join_xl.to_dict(),
                "merge": self.merge.to_dict(),
                "merge_xl": self.merge_xl.to_dict(),
                "candidate_floor": self.candidate_floor,
                "about": self.about,
            },
            indent=1,
        )


def load_models(path: str | Path | None = None) -> StoryModels:
    """Load the models: the fitted ones shipped with storyline, or the file at `path`.

    Raises:
        ConfigError: the file is missing, unreadable, or fitted for other features than this code
            computes.
    """
    try:
        if path is None:
            text = resources.files("storyline.stories").joinpath(MODEL_FILE).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        d = json.loads(text)
        models = StoryModels(
            LinkModel.from_dict(d["join"]),
            LinkModel.from_dict(d["join_xl"]),
            LinkModel.from_dict(d["merge"]),
            LinkModel.from_dict(d["merge_xl"]),
            float(d.get("candidate_floor", -1.0)),
            d.get("about", {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        where = path or f"storyline/stories/{MODEL_FILE}"
        raise ConfigError(f"{where}: not a story link model ({exc}); refit with eval/fit_stories.py") from exc
    joins = (models.join.features, models.join_xl.features)
    merges = (models.merge.features, models.merge_xl.features)
    if any(f != JOIN_FEATURES for f in joins) or any(f != MERGE_FEATURES for f in merges):
        raise ConfigError(
            f"{path or MODEL_FILE}: fitted for other features than this version computes; "
            "refit with eval/fit_stories.py"
        )
    return models
