"""Load the committed story-clustering fixtures (tests/data/stories) as items."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from storyline.stories import StoryItem, make_item
from storyline.types import Mention

DATA = Path(__file__).parent / "data" / "stories"


@lru_cache(maxsize=4)
def load(name: str) -> tuple[tuple[dict, ...], tuple[StoryItem, ...]]:
    """Records and items of a fixture (``ecbplus`` or ``meantime``), in file order."""
    records = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    vectors = np.load(DATA / f"{name}.npz")
    items = []
    for i, r in enumerate(records):
        items.append(
            make_item(
                r["id"],
                title=r["title"],
                text=r["text"],
                head=vectors["head"][i].astype(np.float32),
                body=vectors["body"][i].astype(np.float32),
                mentions=[Mention(t, k, s, e) for t, k, s, e in r["mentions"]],
                published=r["published"],
                language=r["language"],
            )
        )
    return tuple(records), tuple(items)


def bcubed(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    """BCubed precision, recall, F1."""
    pair = Counter(zip(pred, gold, strict=True))
    psize, gsize, n = Counter(pred), Counter(gold), len(pred)
    p = sum(c * c / psize[a] for (a, _), c in pair.items()) / n
    r = sum(c * c / gsize[b] for (_, b), c in pair.items()) / n
    return p, r, 2 * p * r / (p + r)
