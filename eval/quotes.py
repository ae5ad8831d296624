"""Direct quotes and their speakers on PolNeAR, beside textacy's `direct_quotations` in the same run.

Data: ``eval/polnear/quotes.jsonl`` under the shared folder: PolNeAR (Newell, Margolin and Ruths,
LREC 2018), 2015-16 US election news from 7 outlets, paragraph by paragraph with their gold
quotes (`kind` direct or mixed = a quoted fragment inside a paraphrase; gold spans exclude the
marks) and speakers. Publishers' text: research and evaluation use only, nothing is copied into
the project. Development was done on `train` and `dev`; `test` is the reported split.

How the system is run: the paragraphs of each article are joined into its text (a blank line
between paragraphs), analysed with `storyline.enrich.analyse_articles` (the parse story views
use), its entities resolved with `resolve_entities`, and its quotes read with
`storyline.enrich.quotes.article_quotes`: what a story of that one article shows. Two sets of
predictions are scored:

- `view`: the quotes a story view shows (direct, at least `MIN_QUOTE_WORDS` words, with a
  speaker);
- `all direct`: every quotation the parse calls direct, attributed or not (`Parsed.quotations`).

The baseline is textacy's `direct_quotations` on the same spaCy parse, paragraph by paragraph
(textacy refuses a text with one unbalanced mark anywhere; paragraph by paragraph loses only
that paragraph), each triple's content as the quote and its speaker tokens as the speaker.

Scores (gold: the `direct` quotes of the split):

- span precision, recall, F1: a predicted quote matches a gold direct quote when their texts are
  equal once whitespace, quote marks and edge punctuation (, . ; :) are stripped. A prediction
  matching no gold direct quote (a mixed one included) is a false positive.
- named-speaker accuracy, on matched quotes whose gold speaker span holds a named person or
  organisation (a name the parse finds there; the last person, else the last organisation; pronoun and description speakers such as "he" or
  "the governor" are not scored, and their count is printed): correct when the name's last word
  is a word of the predicted speaker ("Clinton" in "Hillary Clinton").

Usage: PYTHONPATH=src python eval/quotes.py [--shared PATH] [--split test|dev|train] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyline.config import ViewConfig
from storyline.enrich.analysis import ArticleAnalysis, analyse_articles
from storyline.enrich.entities import resolve_entities
from storyline.enrich.quotes import MIN_QUOTE_WORDS, article_quotes
from storyline.quotations import ALL_MARKS
from storyline.text import content_hash, fold
from storyline.types import Article

_EDGE = ALL_MARKS + " \u00a0,.;:"


def default_shared() -> Path:
    return Path(__file__).resolve().parents[1] / ".." / "shared"


def norm(text: str) -> str:
    """A quote's text for matching: whitespace collapsed, marks and edge punctuation stripped."""
    return re.sub(r"\s+", " ", text.strip(_EDGE)).strip()


@dataclass
class GoldQuote:
    """A gold direct quote: its text, its speaker as written, and where the speaker stands."""

    text: str
    speaker: str
    speaker_span: tuple[int, int] | None  # in the article's text


@dataclass
class Doc:
    """One article rebuilt from its paragraphs, with its gold direct quotes."""

    article: Article
    gold: list[GoldQuote]


def load(path: Path, split: str, limit: int | None) -> list[Doc]:
    """The split's articles rebuilt from their paragraphs, with gold direct quotes."""
    paragraphs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["split"] == split:
                paragraphs[row["article_id"]].append(row)
    docs: list[Doc] = []
    for article_id in sorted(paragraphs)[:limit]:
        rows = sorted(paragraphs[article_id], key=lambda r: r["paragraph"])
        parts: list[str] = []
        gold: list[GoldQuote] = []
        offset = 0
        for row in rows:
            for q in row["quotes"]:
                if q["kind"] != "direct":
                    continue
                span = None
                if q.get("speaker_start") is not None:
                    span = (offset + q["speaker_start"], offset + q["speaker_end"])
                gold.append(GoldQuote(q["text"], q.get("speaker") or "", span))
            parts.append(row["text"])
            offset += len(row["text"]) + 2
        text = "\n\n".join(parts)
        art = Article(
            id=article_id,
            source=str(path),
            record=None,
            text=text,
            content_hash=content_hash(text),
            language="en",
            published=rows[0].get("date"),
        )
        docs.append(Doc(art, gold))
    return docs


@dataclass
class Prediction:
    """A predicted quote and its speaker."""

    text: str
    speaker: str | None


@dataclass
class Score:
    """Counts for span P/R/F1 and named-speaker accuracy."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    named: int = 0
    named_right: int = 0
    unnamed: int = 0

    def line(self, name: str) -> str:
        """The scores as one printed line."""
        p = self.tp / max(self.tp + self.fp, 1)
        r = self.tp / max(self.tp + self.fn, 1)
        f = 2 * p * r / max(p + r, 1e-9)
        acc = self.named_right / max(self.named, 1)
        return (
            f"{name:<22} span P {p:.3f}  R {r:.3f}  F1 {f:.3f}   named-speaker accuracy "
            f"{acc:.3f} ({self.named_right}/{self.named}; {self.unnamed} pronoun/description speakers not scored)"
        )


def _named_words(gold: GoldQuote, analysis: ArticleAnalysis) -> str | None:
    """The last word of the name the gold speaker span stands for, folded.

    The last person named in the span (a speaker phrase's head comes last: "Trump senior adviser
    Paul Manafort"), else the last organisation.
    """
    if gold.speaker_span is None:
        return None
    a, b = gold.speaker_span
    inside = [m for m in analysis.parsed.mentions if m.start < b and a < m.end]
    for kind in ("person", "organisation"):
        named = [m for m in inside if m.kind == kind and re.search(r"\w", m.text)]
        if named:
            return fold(re.findall(r"\w+", named[-1].text)[-1])
    return None


def score(
    docs: Iterable[Doc],
    predictions: dict[str, list[Prediction]],
    analyses: dict[str, ArticleAnalysis],
    s: Score,
) -> None:
    for doc in docs:
        gold = {norm(g.text): g for g in doc.gold}
        matched: set[str] = set()
        for pred in predictions.get(doc.article.id, []):
            key = norm(pred.text)
            if key in gold and key not in matched:
                s.tp += 1
                matched.add(key)
                who = _named_words(gold[key], analyses[doc.article.id])
                if who is None:
                    s.unnamed += 1
                    continue
                s.named += 1
                if who in {fold(w) for w in re.findall(r"\w+", pred.speaker or "")}:
                    s.named_right += 1
            else:
                s.fp += 1
        s.fn += len(gold) - len(matched)


def textacy_predictions(docs: list[Doc]) -> dict[str, list[Prediction]]:
    """The baseline: textacy's `direct_quotations` on the same spaCy pipeline, paragraph by paragraph."""
    from textacy.extract.triples import direct_quotations

    from storyline.nlp import pipeline_for

    nlp = pipeline_for("en")
    out: dict[str, list[Prediction]] = {}
    for doc, parsed in zip(docs, nlp.pipe(d.article.text for d in docs), strict=True):
        preds: list[Prediction] = []
        for m in re.finditer(r"[^\n]+", parsed.text):
            span = parsed.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None:
                continue
            try:
                triples = list(direct_quotations(span.as_doc()))
            except ValueError:  # unbalanced marks in the paragraph
                continue
            for t in triples:
                preds.append(Prediction(t.content.text, " ".join(tok.text for tok in t.speaker)))
        out[doc.article.id] = preds
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=default_shared())
    ap.add_argument("--split", default="test", choices=("test", "dev", "train"))
    ap.add_argument("--limit", type=int, default=None, help="first N articles of the split")
    ap.add_argument("--no-baseline", action="store_true", help="skip the textacy baseline")
    args = ap.parse_args()
    path = args.shared / "eval" / "polnear" / "quotes.jsonl"
    if not path.is_file():
        print(f"{path}: not found (PolNeAR quotes; see ../shared/README.md)", file=sys.stderr)
        return 2
    docs = load(path, args.split, args.limit)
    t0 = time.perf_counter()
    analyses = {
        a.article: a
        for a in analyse_articles([d.article for d in docs], second_opinion=ViewConfig().second_opinion)
    }
    view: dict[str, list[Prediction]] = {}
    direct: dict[str, list[Prediction]] = {}
    for doc in docs:
        an = analyses[doc.article.id]
        found = article_quotes(doc.article, an, resolve_entities([doc.article], {doc.article.id: an}))
        view[doc.article.id] = [
            Prediction(q.text, q.speaker)
            for q in found
            if q.speaker is not None and len(q.text.split()) >= MIN_QUOTE_WORDS
        ]
        by_start = {q.start: q for q in found}
        direct[doc.article.id] = [
            Prediction(
                doc.article.text[q.start : q.end],
                by_start[q.start].speaker if q.start in by_start else None,
            )
            for q in an.parsed.quotations
            if q.direct
        ]
    took = time.perf_counter() - t0
    n_gold = sum(len(d.gold) for d in docs)
    print(
        f"PolNeAR {args.split}: {len(docs)} articles, {n_gold} gold direct quotes ({took:.0f} s to analyse)"
    )
    for name, preds in (("storyline (view)", view), ("storyline (all direct)", direct)):
        s = Score()
        score(docs, preds, analyses, s)
        print("  " + s.line(name))
    if not args.no_baseline:
        s = Score()
        score(docs, textacy_predictions(docs), analyses, s)
        print("  " + s.line("textacy baseline"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
