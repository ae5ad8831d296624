"""ROUGE of story summaries (eval/summaries.py) on a made-up cluster (tests/data/summaries).

The figures on public sets come from `eval/summaries.py`; this test keeps its reading, budget
and scoring honest on one invented event, so that a change that empties the summary, breaks the
budget or summarises the wrong text fails here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parents[1] / "data" / "summaries" / "cluster.jsonl"
WORDS = 100
# ROUGE-1 F1 (stemmed, stop words kept) between two unrelated English news texts of ~100 words is
# ~0.2-0.25 from function words alone ("the", "of", "on", "said"); a summary of the right story
# shares its names and facts with the reference on top of that. 0.35 separates the two with room
# on both sides (the unrelated reference below scores ~0.25 against the fixture's summaries).
MIN_ROUGE1 = 0.35
# An invented report on another event, of the same length as the fixture's reference.
UNRELATED_REFERENCE = (
    "The city council of Brannock voted on Monday to close the old tram depot on Weller Street and "
    "turn it into a covered market. The plan, which will cost about four million crowns, was approved "
    "by nineteen votes to six after a long debate. Traders who now sell fruit and vegetables in the "
    "square said they welcomed a roof over their stalls. Work is due to start in the spring and the "
    "market should open the following year, the mayor said."
)


def _module():
    spec = importlib.util.spec_from_file_location("summaries_eval", ROOT / "eval" / "summaries.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ev():
    return _module()


@pytest.fixture(scope="module")
def report(ev):
    return ev.evaluate(ev.read_clusters(FIXTURE), WORDS)


def test_fixture_reads_as_one_cluster_with_one_reference(ev):
    clusters = list(ev.read_clusters(FIXTURE))
    assert len(clusters) == 1
    assert len(clusters[0].documents) == 4
    assert len(clusters[0].references) == 1
    assert not clusters[0].multi_news


def test_every_document_becomes_an_article(report):
    (result,) = report.results
    assert (result.articles, result.rejected) == (4, 0)
    assert not report.skipped


def test_summaries_keep_the_word_budget(report):
    (result,) = report.results
    for system, sentences in result.summaries.items():
        assert sentences, system
        assert sum(len(s.split()) for s in sentences) <= WORDS, system


def test_summary_sentences_come_from_the_documents(ev, report):
    (cluster,) = ev.read_clusters(FIXTURE)
    source = " ".join(" ".join(d.split()) for d in cluster.documents)
    (result,) = report.results
    for sentence in result.summaries["storyline"]:
        assert sentence in source


def test_reference_against_itself_scores_one(ev):
    (cluster,) = ev.read_clusters(FIXTURE)
    scores = ev.rouge(ev.make_scorer(), cluster.references[0], cluster.references)
    for t in ev.ROUGE_TYPES:
        assert scores[t].fmeasure == pytest.approx(1.0)
        assert scores[t].recall == pytest.approx(1.0)


def test_storyline_summary_is_about_the_story(ev, report):
    (result,) = report.results
    assert result.scores["storyline"]["rouge1"].fmeasure > MIN_ROUGE1
    # The bound is not met by a summary of the right length about something else.
    off = ev.rouge(ev.make_scorer(), "\n".join(result.summaries["storyline"]), [UNRELATED_REFERENCE])
    assert off["rouge1"].fmeasure < MIN_ROUGE1
    assert report.aggregates["storyline"]["rouge1"].mid.fmeasure > MIN_ROUGE1


def test_empty_summary_scores_zero(ev):
    (cluster,) = ev.read_clusters(FIXTURE)
    scores = ev.rouge(ev.make_scorer(), "", cluster.references)
    assert scores["rouge1"].fmeasure == 0.0


def test_multi_news_shapes_read_alike(ev, tmp_path):
    (cluster,) = ev.read_clusters(FIXTURE)
    joined = " ||||| ".join(d.replace("\n", " NEWLINE_CHAR ") for d in cluster.documents) + " |||||"
    rows = tmp_path / "multi.jsonl"
    rows.write_text(
        json.dumps({"document": joined, "summary": cluster.references[0]}) + "\n", encoding="utf-8"
    )
    (tmp_path / "test.src.cleaned").write_text(joined + "\n", encoding="utf-8")
    (tmp_path / "test.tgt").write_text(cluster.references[0] + "\n", encoding="utf-8")
    for path in (rows, tmp_path / "test.src.cleaned"):
        (read,) = ev.read_clusters(path)
        assert read.multi_news
        assert len(read.documents) == 4
        assert [" ".join(d.split()) for d in read.documents] == [
            " ".join(d.split()) for d in cluster.documents
        ]
        assert read.references == cluster.references


def test_missing_path_is_a_clear_error(ev, tmp_path):
    with pytest.raises(FileNotFoundError):
        list(ev.read_clusters(tmp_path / "nothing.jsonl"))
    (tmp_path / "test.src.cleaned").write_text("a ||||| b\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"test\.tgt"):
        list(ev.read_clusters(tmp_path / "test.src.cleaned"))


def test_cli_names_the_missing_file(ev, tmp_path, monkeypatch, capsys):
    missing = tmp_path / "multi_news_test.jsonl"
    monkeypatch.setattr(sys, "argv", ["summaries.py", str(missing)])
    assert ev.main() == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "no such file" in err and "No summarisation data is shipped" in err


@pytest.mark.slow
def test_with_the_encoder_the_centroid_baseline_joins(ev):
    from storyline.fingerprint.embed import get_encoder

    report = ev.evaluate(ev.read_clusters(FIXTURE), WORDS, encoder=get_encoder())
    (result,) = report.results
    assert set(result.summaries) == {"storyline", "lead", "lexrank", "centroid"}
    centroid = result.summaries["centroid"]
    assert centroid
    assert sum(len(s.split()) for s in centroid) <= WORDS
    assert result.scores["centroid"]["rouge1"].fmeasure > MIN_ROUGE1
    assert result.scores["storyline"]["rouge1"].fmeasure > MIN_ROUGE1
