"""The fitted models a database's decisions come from, recorded so that no database mixes two.

Duplicate relations, story joins and topics are decisions of fitted models (the pair model's
weights, the story link models, the topic model) over names found by spaCy models. A database
built by one set and extended by another would hold decisions that do not agree with each other
(a story joined under one threshold, its next article judged under another), and nothing would
show it. So the first ingest records what it used (`model_versions`), and a later one with other
models is refused with a message naming what differs (`differences`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
from importlib import resources
from pathlib import Path

from storyline.config import Config

# The key/value entry that records the models (the encoder has its own, `ENCODER_KEY` in api).
MODELS_KEY = "models"


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _package_text(name: str) -> str:
    return resources.files("storyline.stories").joinpath(name).read_text(encoding="utf-8")


def _name_models() -> str:
    """The installed spaCy packages that find names, with their versions (nothing is loaded)."""
    from storyline.nlp import MODELS

    found = []
    for package in sorted({p for names in MODELS.values() for p in names}):
        if importlib.util.find_spec(package) is None:
            continue
        try:
            found.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(package)
    return ", ".join(found) or "none"


def model_versions(config: Config) -> dict[str, str]:
    """What this storyline and configuration decide with: one fingerprint or version per model."""
    from storyline.dedup.model import INTERCEPT, WEIGHTS
    from storyline.stories.model import MODEL_FILE
    from storyline.stories.topics import TOPIC_MODEL_FILE

    topic = config.stories.topic_model
    return {
        "duplicate pair model": _fingerprint(
            json.dumps({"weights": WEIGHTS, "intercept": INTERCEPT}, sort_keys=True)
        ),
        "story link model": _fingerprint(_package_text(MODEL_FILE)),
        "topic model": _fingerprint(
            Path(topic).read_text(encoding="utf-8") if topic else _package_text(TOPIC_MODEL_FILE)
        ),
        "name models": _name_models(),
    }


def differences(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    """Each model whose recorded version is not the current one, as ``name: old -> new``."""
    return [
        f"{name}: {recorded[name]} -> {current[name]}"
        for name in current
        if name in recorded and recorded[name] != current[name]
    ]
