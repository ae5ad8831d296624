"""The pair model ships as data with its provenance, for the features the code computes."""

from __future__ import annotations

import json
from importlib import resources

from storyline.dedup import model
from storyline.dedup.semantic import FEATURES


def test_the_shipped_pair_model_is_data_with_its_provenance() -> None:
    d = json.loads(resources.files("storyline.dedup").joinpath(model.MODEL_FILE).read_text("utf-8"))
    assert tuple(d["features"]) == FEATURES
    assert len(d["weights"]) == len(FEATURES) and all(w >= 0 for w in d["weights"])
    assert dict(zip(FEATURES, d["weights"], strict=True)) == model.WEIGHTS
    assert d["threshold"] == model.THRESHOLD and d["encoder"] == model.ENCODER
    assert d["about"]["fitted_by"].startswith("eval/dedup.py fit")
    # Every feature the fit gave no weight is named where the file says why it stays.
    for name, w in zip(FEATURES, d["weights"], strict=True):
        if w == 0:
            assert name in d["about"]["zero_weights"]


def test_probability_reads_the_weights() -> None:
    nothing = dict.fromkeys(FEATURES, 0.0)
    assert abs(model.probability(nothing) - 1 / (1 + 2.718281828459045 ** (-model.INTERCEPT))) < 1e-9
    strong = {**nothing, "aligned_cover": 1.0, "confident_cover": 1.0, "length_corr": 1.0, "sentence_ratio": 1.0,
              "number_jaccard": 1.0, "number_order": 1.0, "name_order": 1.0, "aligned_share": 1.0}  # fmt: skip
    assert model.probability(strong) >= model.THRESHOLD
