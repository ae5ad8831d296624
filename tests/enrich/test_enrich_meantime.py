"""Entity recall on a committed MEANTIME sample (tests/data/enrich/meantime, CC BY 4.0).

The full-corpus figure comes from `eval/entities.py`; this test keeps the same scorer honest on
eight articles so that a change that loses names fails here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from storyline.enrich.analysis import analyse_articles
from storyline.text import content_hash
from storyline.types import Article

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parents[1] / "data" / "enrich" / "meantime"


def _scorer():
    spec = importlib.util.spec_from_file_location("meantime_entities_eval", ROOT / "eval" / "entities.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def counts():
    ev = _scorer()
    docs = ev.load_documents(SAMPLE / "meantime_en_sample.conll")
    instances = ev.load_instances(SAMPLE / "list_instances_sample.csv")
    articles = [
        Article(id=d, source=d, record=None, text=t, content_hash=content_hash(t), language="en")
        for d, (t, _) in sorted(docs.items())
    ]
    analyses = {a.article: a for a in analyse_articles(articles)}
    return ev, ev.score(articles, docs, instances, analyses)


def test_sample_has_the_expected_size(counts):
    _, c = counts
    assert c["gold_named"] == 32


def test_named_entity_recall_meets_the_target(counts):
    ev, c = counts
    assert ev.recall(c, "named") >= 0.80
    assert ev.recall(c, "named", typed=True) >= 0.80


def test_precision_is_not_degenerate(counts):
    _, c = counts
    # MEANTIME annotates only event participants, so precision is a lower bound; it must not
    # collapse (a change that tags every capitalised word would).
    assert c["correct"] / c["system"] >= 0.25
