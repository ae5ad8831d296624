"""ROUGE of story summaries on multi-document news summarisation sets (Multi-News, DUC/TAC).

Each cluster of source documents is treated as one story: every document becomes a `RawDoc`,
goes through the real cleaning (`storyline.clean.clean_record`, as at ingest; documents the
cleaner rejects are counted and left out, exact repeats collapse into one article as at ingest),
and the story view's summary (`storyline.enrich.build_view`: LexRank centrality with a lead
prior, MMR selection) is scored against the reference summaries with Google's `rouge-score`
(ROUGE-1, ROUGE-2, ROUGE-L; Porter stemming; F1 and recall). No duplicate relations are stated:
the documents of a benchmark cluster are all treated as originals.

Baselines, on the same cleaned articles, the same sentences and the same word budget:

- `lead`: round-robin over the documents in the order given, first sentence of each document,
  then the second of each, and so on (the "First-k" baseline of Multi-News, which takes the
  first k sentences of every source; DUC's Lead takes the latest document only).
- `lexrank`: plain LexRank (Erkan & Radev, 2004; the same TF-IDF graph as storyline) without the
  lead prior and without MMR: most central sentences first, skipping one whose TF-IDF cosine to
  a chosen sentence reaches `ViewConfig.redundancy` (plain LexRank would otherwise repeat the
  one fact every source states).
- `centroid` (only with `--encoder`): the centroid method over sentence embeddings (Radev et al.,
  2004, with embeddings as in Rossiello et al., 2017 and Ghalandari, 2017): sentences closest in
  cosine to the mean of all prose sentence vectors first, skipping one whose cosine to a chosen
  sentence reaches `ViewConfig.encoder_redundancy`. Embedding every sentence costs ~4 s per
  Multi-News cluster on 2 cores (~24 sentences/s), so it is left out by default.

Budget: every summary is whole sentences whose words (whitespace-separated) add up to at most
`--words`; a sentence that would overflow is skipped and shorter later ones may still fit (as
storyline's summariser does; a single first sentence longer than the budget is kept). Published
figures usually cut summaries at the budget instead (DUC 2004: ROUGE-1.5.5 `-l 100`), which
gives every system a few more words: figures here are slightly lower than such ones. `rouge-score`
is also not ROUGE-1.5.5 (its own tokenizer, no stop word option), so compare systems run by this
script, not with other papers' tables. With several references, a cluster's score is the mean over
references; the printed figures are means over clusters with a 95% bootstrap interval.

Default budgets, by dataset convention:
- DUC 2004 task 2: 100 words (the task's limit, and ROUGE `-l 100` in every paper since).
- Multi-News: 260 words (references average 263.7 words; Fabbri et al., ACL 2019, Table 3).
The default is 260 for Multi-News-shaped input (`document` + `summary`) and 100 otherwise.

Getting the data (none is shipped; nothing is downloaded by this script):

- Multi-News (Fabbri et al., 2019; for non-commercial research and educational use). The
  test split as the dataset's authors publish it on the Hugging Face hub (alexfabbri/multi_news):

      curl -LO https://huggingface.co/datasets/alexfabbri/multi_news/resolve/main/data/test.src.cleaned
      curl -LO https://huggingface.co/datasets/alexfabbri/multi_news/resolve/main/data/test.tgt
      PYTHONPATH=src python eval/summaries.py test.src.cleaned --limit 200

  (`X.src.cleaned` is read with the `X.tgt` beside it: one cluster per line, documents separated
  by `|||||`, newlines written as `NEWLINE_CHAR`.) Exports of the same rows as JSONL, CSV or
  parquet with the columns `document` and `summary` (e.g. `datasets`' `to_json`/`to_parquet`,
  TFDS `multi_news`) are read as they are.
- DUC 2004 task 2 (50 clusters of ~10 news articles, 4 references of 100 words each): request
  the data from NIST (https://duc.nist.gov/data.html, a signed agreement), then convert it with
  SacreROUGE (`pip install sacrerouge`;
  `sacrerouge setup-dataset duc2004 <raw-data> <out-dir>`), which writes `<out-dir>/task2.jsonl`:

      PYTHONPATH=src python eval/summaries.py <out-dir>/task2.jsonl --words 100

  TAC 2008/2009 and DUC 2001-2007 converted by SacreROUGE read the same way.
- NeuS (Lee et al., NAACL 2022; `../shared/eval/neus/neus_val.jsonl`): rows of three articles
  from differently leaning outlets (`articles`: `title`, `text`, a lead excerpt each) and the
  AllSides neutral roundup (`summary`); each article is its title and text, the budget 66 words
  (the roundups' mean length on the validation split):

      PYTHONPATH=src python eval/summaries.py ../shared/eval/neus/neus_val.jsonl

- Any other set: JSONL rows `{"id": ..., "documents": [str, ...], "summaries": [str, ...]}`
  (documents or summaries may also be SacreROUGE's `{"text": str | [sentences]}`).

Runs are light by default (spaCy parses each cluster once, with no second NER model; no
encoder): about 1-3 s per Multi-News cluster (5,622 in the test split: use `--limit`).
`--encoder` loads the bundled multilingual sentence encoder, which storyline uses to find the
same statement in two languages (it changes nothing in storyline's summary on single-language
sets), and adds the `centroid` baseline.

Usage: PYTHONPATH=src python eval/summaries.py PATH [--words N] [--limit N] [--encoder] [--show N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rouge_score import rouge_scorer, scoring

from storyline.clean import clean_record
from storyline.config import ViewConfig
from storyline.enrich import build_view
from storyline.enrich.analysis import ensure_analyses
from storyline.enrich.sentences import SentenceSpace, StorySentence, lexrank, story_sentences
from storyline.errors import InputError
from storyline.fingerprint.embed import Encoder
from storyline.types import Article, RawDoc

MULTI_NEWS_SEPARATOR = "|||||"
MULTI_NEWS_NEWLINE = "NEWLINE_CHAR"
DUC_WORDS = 100
MULTI_NEWS_WORDS = 260
# NeuS roundups average 65.8 words on the validation split (307 stories).
NEUS_WORDS = 66
# The view's default is 5 sentences for 120 words (24 words a sentence); allowing one sentence
# per 20 words leaves the word budget, not the sentence count, as the limit that binds.
WORDS_PER_SENTENCE = 20
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True, slots=True)
class Cluster:
    """One multi-document summarisation instance.

    Attributes:
        id: the instance id (the row number when the file gives none).
        documents: the source documents' texts.
        references: the reference summaries.
        multi_news: whether it came in the Multi-News shape (for the default budget).
        neus: whether it came in the NeuS shape (for the default budget).
    """

    id: str
    documents: tuple[str, ...]
    references: tuple[str, ...]
    multi_news: bool = False
    neus: bool = False


@dataclass(frozen=True, slots=True)
class ClusterResult:
    """Summaries of one cluster and their scores.

    Attributes:
        id: the cluster id.
        articles: documents that became articles (after cleaning and exact repeats).
        rejected: documents the cleaner rejected (no usable article text).
        summaries: system name -> summary sentences.
        scores: system name -> rouge type -> score (mean over references).
    """

    id: str
    articles: int
    rejected: int
    summaries: Mapping[str, tuple[str, ...]]
    scores: Mapping[str, Mapping[str, scoring.Score]]


@dataclass
class Report:
    """Per-system aggregates over clusters.

    Attributes:
        words: the word budget.
        results: per-cluster results, in input order.
        skipped: ids of clusters left out (no document survived cleaning, or no reference).
        aggregates: system name -> rouge type -> (low, mid, high) bootstrap scores.
    """

    words: int
    results: list[ClusterResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    aggregates: dict[str, dict[str, scoring.AggregateScore]] = field(default_factory=dict)


# ---- reading --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A document or summary as text: a string, a list of sentences, or SacreROUGE's {"text": ...}."""
    if isinstance(value, Mapping):
        value = value.get("text", "")
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def split_multi_news(document: str) -> tuple[str, ...]:
    """Multi-News `document`: sources joined by `|||||`, newlines possibly written as NEWLINE_CHAR."""
    text = document.replace(MULTI_NEWS_NEWLINE, "\n")
    return tuple(d.strip() for d in text.split(MULTI_NEWS_SEPARATOR) if d.strip())


def cluster_of(row: Mapping[str, Any], n: int) -> Cluster:
    """One cluster from a row in any of the accepted shapes.

    Raises:
        ValueError: the row has neither `document` nor `documents`.
    """
    cid = str(row.get("id") or row.get("instance_id") or n)
    if "articles" in row:  # NeuS: three outlets' title and lead, and the neutral roundup
        docs = tuple(
            t
            for t in (
                f"{_text(a.get('title')).strip()}\n\n{_text(a.get('text')).strip()}".strip()
                for a in row["articles"]
            )
            if t
        )
        summary = _text(row.get("summary")).strip()
        return Cluster(cid, docs, (summary,) if summary else (), neus=True)
    if "documents" in row:
        docs = tuple(t for t in (_text(d).strip() for d in row["documents"]) if t)
        refs = row.get("summaries", row.get("summary", ()))
        if isinstance(refs, str | Mapping):
            refs = [refs]
        references = tuple(t for t in (_text(r).strip() for r in refs) if t)
        return Cluster(cid, docs, references)
    if "document" in row:
        summary = _text(row.get("summary")).replace(MULTI_NEWS_NEWLINE, "\n").strip()
        return Cluster(cid, split_multi_news(_text(row["document"])), (summary,) if summary else (), True)
    raise ValueError(f"row {n}: expected a `document` (Multi-News) or `documents` field, got {sorted(row)}")


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8")


def _rows(path: Path) -> Iterator[Mapping[str, Any]]:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=256):
            yield from batch.to_pylist()
    elif name.endswith((".csv", ".tsv")):
        csv.field_size_limit(sys.maxsize)
        with _open_text(path) as f:
            yield from csv.DictReader(f, delimiter="\t" if name.endswith(".tsv") else ",")
    elif name.endswith(".json"):
        with _open_text(path) as f:
            data = json.load(f)
        yield from data if isinstance(data, list) else data.get("data", [])
    else:
        with _open_text(path) as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def _target_of(source: Path) -> Path:
    """`test.src.cleaned` / `test.src` -> `test.tgt` beside it."""
    stem = source.name.split(".src")[0]
    return source.with_name(f"{stem}.tgt")


def read_clusters(path: Path) -> Iterator[Cluster]:
    """Clusters from a file in one of the accepted formats (see the module docstring).

    Raises:
        FileNotFoundError: the path (or the `.tgt` beside a Multi-News `.src`) does not exist.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    if ".src" in path.name:
        target = _target_of(path)
        if not target.exists():
            raise FileNotFoundError(target)
        with _open_text(path) as src, _open_text(target) as tgt:
            for n, (s, t) in enumerate(zip(src, tgt, strict=True)):
                yield cluster_of({"document": s, "summary": t}, n)
        return
    for n, row in enumerate(_rows(path)):
        yield cluster_of(row, n)


# ---- summaries ------------------------------------------------------------------------------


def articles_of(cluster: Cluster) -> tuple[list[Article], int]:
    """The cluster's documents cleaned as at ingest; (articles, documents rejected).

    Exact repeats (the same article id, a hash of the normalised text) are kept once, as a
    re-ingest would.
    """
    out: dict[str, Article] = {}
    rejected = 0
    for k, doc in enumerate(cluster.documents):
        raw = RawDoc(source=f"{cluster.id}/{k}", record=None, content=doc, source_key=f"{cluster.id}/{k}")
        try:
            art = clean_record(raw)
        except InputError:
            rejected += 1
            continue
        out.setdefault(art.id, art)
    return list(out.values()), rejected


def view_settings(words: int) -> ViewConfig:
    """View settings for a word budget (no second NER model: it only votes on entity kinds)."""
    return ViewConfig(
        summary_words=words, summary_sentences=max(1, words // WORDS_PER_SENTENCE), second_opinion=False
    )


def within_budget(candidates: Iterable[str], words: int) -> tuple[str, ...]:
    """Sentences in the given order while they fit the budget (the same rule as storyline's)."""
    chosen: list[str] = []
    total = 0
    for s in candidates:
        n = len(s.split())
        if chosen and total + n > words:
            continue
        chosen.append(s)
        total += n
        if total >= words:
            break
    return tuple(chosen)


def lead_summary(
    sentences: Sequence[StorySentence], articles: Sequence[Article], words: int
) -> tuple[str, ...]:
    """Round-robin lead: first prose sentence of each article in order, then the second, ..."""
    rank = {a.id: n for n, a in enumerate(articles)}
    prose = sorted((s for s in sentences if s.prose), key=lambda s: (s.position, rank[s.article]))
    return within_budget((s.text for s in prose), words)


def lexrank_summary(
    sentences: Sequence[StorySentence], sim: np.ndarray, words: int, redundancy: float
) -> tuple[str, ...]:
    """Plain LexRank: most central prose sentences first, near repeats skipped."""
    prose = [i for i, s in enumerate(sentences) if s.prose]
    if not prose:
        return ()
    centrality = lexrank(sim[prose][:, prose])
    chosen: list[int] = []
    total = 0
    for n in np.argsort(-centrality, kind="stable"):
        i = prose[int(n)]
        if any(sim[i, j] >= redundancy for j in chosen):
            continue
        count = len(sentences[i].text.split())
        if chosen and total + count > words:
            continue
        chosen.append(i)
        total += count
        if total >= words:
            break
    return tuple(sentences[i].text for i in chosen)


def centroid_summary(
    sentences: Sequence[StorySentence], encoder: Encoder, words: int, redundancy: float
) -> tuple[str, ...]:
    """Centroid over sentence embeddings: sentences closest to the mean vector first, repeats skipped."""
    prose = [s.text for s in sentences if s.prose]
    if not prose:
        return ()
    vectors = encoder.encode(prose)
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    chosen: list[int] = []
    total = 0
    for n in np.argsort(-(vectors @ centroid), kind="stable"):
        i = int(n)
        if any(float(vectors[i] @ vectors[j]) >= redundancy for j in chosen):
            continue
        count = len(prose[i].split())
        if chosen and total + count > words:
            continue
        chosen.append(i)
        total += count
        if total >= words:
            break
    return tuple(prose[i] for i in chosen)


def summarise_cluster(
    articles: Sequence[Article], words: int, encoder: Encoder | None = None
) -> dict[str, tuple[str, ...]]:
    """Summaries of one story by storyline and the baselines; system name -> sentences.

    The `centroid` baseline is only computed when an encoder is given.
    """
    settings = view_settings(words)
    analyses = ensure_analyses(articles, second_opinion=False)
    view = build_view(articles, (), encoder=encoder, settings=settings, analyses=analyses.values())
    sentences = story_sentences(articles, analyses)
    space = SentenceSpace([s.text for s in sentences], [a.language for a in articles])
    out = {
        "storyline": tuple(s.text for s in view.summary),
        "lead": lead_summary(sentences, articles, words),
        "lexrank": lexrank_summary(sentences, space.similarity(), words, settings.redundancy),
    }
    if encoder is not None:
        out["centroid"] = centroid_summary(sentences, encoder, words, settings.encoder_redundancy)
    return out


# ---- scoring --------------------------------------------------------------------------------


def make_scorer() -> rouge_scorer.RougeScorer:
    """ROUGE-1/2/L with Porter stemming (the usual setting for news summarisation)."""
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def rouge(
    scorer: rouge_scorer.RougeScorer, summary: str, references: Sequence[str]
) -> dict[str, scoring.Score]:
    """ROUGE of a summary, averaged over the references."""
    per_ref = [scorer.score(ref, summary) for ref in references]
    return {
        t: scoring.Score(
            precision=float(np.mean([s[t].precision for s in per_ref])),
            recall=float(np.mean([s[t].recall for s in per_ref])),
            fmeasure=float(np.mean([s[t].fmeasure for s in per_ref])),
        )
        for t in ROUGE_TYPES
    }


def evaluate(
    clusters: Iterable[Cluster],
    words: int,
    *,
    encoder: Encoder | None = None,
    limit: int | None = None,
    progress: bool = False,
) -> Report:
    """Summarise and score clusters.

    Args:
        clusters: the instances.
        words: the word budget.
        encoder: optional sentence encoder for storyline's cross-language checks.
        limit: stop after this many clusters.
        progress: print a line every 25 clusters (to stderr).
    """
    scorer = make_scorer()
    report = Report(words)
    aggregators: dict[str, scoring.BootstrapAggregator] = {}
    t0 = time.perf_counter()
    for n, cluster in enumerate(clusters):
        if limit is not None and n >= limit:
            break
        articles, rejected = articles_of(cluster)
        if not articles or not cluster.references:
            report.skipped.append(cluster.id)
            continue
        summaries = summarise_cluster(articles, words, encoder)
        scores = {
            name: rouge(scorer, "\n".join(sents), cluster.references) for name, sents in summaries.items()
        }
        for name, s in scores.items():
            aggregators.setdefault(name, scoring.BootstrapAggregator()).add_scores(s)
        report.results.append(ClusterResult(cluster.id, len(articles), rejected, summaries, scores))
        if progress and (n + 1) % 25 == 0:
            print(f"  {n + 1} clusters, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if report.results:
        report.aggregates = {name: agg.aggregate() for name, agg in aggregators.items()}
    return report


def format_report(report: Report, name: str) -> str:
    """The printed table."""
    n = len(report.results)
    lines = [
        f"{name}: {n} clusters scored ({len(report.skipped)} skipped), budget {report.words} words,"
        f" rouge-score with Porter stemming, mean over clusters [95% bootstrap interval]"
    ]
    if not n:
        return "\n".join(lines)
    docs = sum(r.articles for r in report.results)
    rejected = sum(r.rejected for r in report.results)
    lines.append(f"  {docs} articles ({rejected} documents rejected by cleaning)")
    header = f"  {'system':<10} {'words':>6}  " + "  ".join(
        f"{t.replace('rouge', 'R-') + ' F1':<19} {'R':>5}" for t in ROUGE_TYPES
    )
    lines.append(header)
    for system, agg in report.aggregates.items():
        length = np.mean([sum(len(s.split()) for s in r.summaries[system]) for r in report.results])
        cells = []
        for t in ROUGE_TYPES:
            a = agg[t]
            cells.append(
                f"{a.mid.fmeasure:.4f} [{a.low.fmeasure:.3f},{a.high.fmeasure:.3f}] {a.mid.recall:>5.3f}"
            )
        lines.append(f"  {system:<10} {length:>6.1f}  " + "  ".join(cells))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path, help="the dataset file (see the module docstring for formats)")
    ap.add_argument(
        "--words",
        type=int,
        help=f"word budget (default {MULTI_NEWS_WORDS} Multi-News, {NEUS_WORDS} NeuS, else {DUC_WORDS})",
    )
    ap.add_argument("--limit", type=int, help="score only the first N clusters")
    ap.add_argument("--encoder", action="store_true", help="use the bundled multilingual sentence encoder")
    ap.add_argument(
        "--show", type=int, default=0, metavar="N", help="print the summaries of the first N clusters"
    )
    args = ap.parse_args()
    if not args.path.exists():
        print(
            f"{args.path}: no such file. No summarisation data is shipped: see `python eval/summaries.py"
            " --help` and the module docstring for how to get Multi-News or DUC 2004.",
            file=sys.stderr,
        )
        return 2
    clusters = read_clusters(args.path)
    first = next(clusters, None)
    if first is None:
        print(f"{args.path}: no clusters", file=sys.stderr)
        return 2
    words = args.words or (MULTI_NEWS_WORDS if first.multi_news else NEUS_WORDS if first.neus else DUC_WORDS)
    encoder = None
    if args.encoder:
        from storyline.fingerprint.embed import get_encoder

        encoder = get_encoder()

    def every() -> Iterator[Cluster]:
        yield first
        yield from clusters

    report = evaluate(every(), words, encoder=encoder, limit=args.limit, progress=True)
    for r in report.results[: args.show]:
        print(f"== {r.id}")
        for system, sents in r.summaries.items():
            print(f"  [{system}] " + " ".join(sents))
    print(format_report(report, args.path.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
