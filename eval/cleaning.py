"""Every figure of the cleaning issue, on the named data.

1. Izium text 002 (a CNN page flattened to one line) and 000 (a content farm's copy) cleaned by
   `storyline.clean.clean_record`, scored against the hand-made gold bodies with the
   article-extraction benchmark's metric (word 4-gram shingle matching, see ``eval/extraction.py``).
2. After cleaning: the share of 000's word 5-grams found in 002, and their 5-gram Jaccard
   (before cleaning for comparison). Words and shingles are `storyline.text.words`/`shingles`,
   the definitions duplicate detection uses.
3. Dates, publishers and the headline of the Izium texts against ``gold/izium/truth.json``.
4. Text without boilerplate must not lose words: all MEANTIME articles (field ``text``, with the
   ``title`` given as the container's title) and all ECB+ articles (``full_text`` with ``title``,
   and ``text``). A word counts as lost when it is in neither the clean text nor the header text
   moved into the article's metadata (headline, date, byline); the share of words missing from the
   clean text alone is printed too.
5. Generality check: look-alike page dumps of four made-up sites (``tests/data/clean``), scored
   like 002.

    python eval/cleaning.py [--shared DIR] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "eval"))

from extraction import prf, shingle_matching  # noqa: E402
from storyline.clean import METADATA_REASONS, clean_record  # noqa: E402
from storyline.errors import InputError  # noqa: E402
from storyline.text import containment, fold, jaccard, shingles, words  # noqa: E402
from storyline.types import Article, RawDoc, Removal  # noqa: E402

_SHARED = ROOT / ".." / "shared"
DEFAULT_SHARED = _SHARED

RESULTS: list[tuple[str, bool]] = []


def check(label: str, ok: bool, detail: str) -> None:
    """Print one figure with its verdict and remember it for the summary."""
    RESULTS.append((label, ok))
    print(f"  [{'PASS' if ok else 'FAIL'}] {label}: {detail}")


def clean_file(path: Path) -> Article:
    """Clean a plain-text file as the text reader hands it over (content untouched)."""
    return clean_record(RawDoc(source=str(path), record=None, content=path.read_text(encoding="utf-8")))


def body_scores(gold: str, text: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of one text against its gold body (benchmark metric)."""
    return prf([shingle_matching(gold, text)])


def izium(shared: Path) -> None:
    corpus, gold_dir = shared / "corpus" / "izium", shared / "gold" / "izium"
    truth = json.loads((gold_dir / "truth.json").read_text(encoding="utf-8"))
    files = {p.name[:3]: p for p in sorted(corpus.glob("*.txt"))}
    arts = {k: clean_file(p) for k, p in files.items()}

    print("Izium bodies vs gold (word 4-gram shingle matching)")
    p, r, f = body_scores((gold_dir / "002.body.txt").read_text(encoding="utf-8"), arts["002"].text)
    check("002 F1 >= 0.95 with precision >= 0.97", f >= 0.95 and p >= 0.97, f"P={p:.4f} R={r:.4f} F1={f:.4f}")
    p, r, f = body_scores((gold_dir / "000.body.txt").read_text(encoding="utf-8"), arts["000"].text)
    check("000 F1 >= 0.97", f >= 0.97, f"P={p:.4f} R={r:.4f} F1={f:.4f}")

    print("000 inside 002 (word 5-grams)")
    raw = {k: set(shingles(words(files[k].read_text(encoding="utf-8")), 5)) for k in ("000", "002")}
    clean = {k: set(shingles(words(arts[k].text), 5)) for k in ("000", "002")}
    print(
        f"  before cleaning: share={containment(raw['000'], raw['002']):.4f} "
        f"Jaccard={jaccard(raw['000'], raw['002']):.4f}"
    )
    share, jac = containment(clean["000"], clean["002"]), jaccard(clean["000"], clean["002"])
    check("share of 000's 5-grams in 002 >= 0.95", share >= 0.95, f"{share:.4f}")
    check("5-gram Jaccard of 000 and 002 >= 0.85", jac >= 0.85, f"{jac:.4f}")

    print("Metadata")
    docs = truth["documents"]
    for k in ("001", "002", "003"):
        name = files[k].name
        want = docs[name]["published"]
        got = arts[k].day
        check(f"{k} date {want}", got == want, f"{arts[k].published} (from {arts[k].date_source})")
    for k, want in (("002", "CNN"), ("000", "Share Market Daily")):
        got = arts[k].publisher
        check(f"{k} publisher {want}", got == want, repr(got))
    want_title = docs[files["002"].name]["headline"]
    got_title = arts["002"].title or ""
    check("002 headline", fold(got_title) == fold(want_title), repr(got_title))
    for k in sorted(arts):
        a = arts[k]
        print(
            f"  {k}: title={a.title!r} published={a.published} publisher={a.publisher!r} "
            f"author={a.author!r} dateline={a.dateline!r} language={a.language} removed={len(a.removed)}"
        )


def _loss(raw: str, art: Article) -> tuple[int, int, int]:
    """(raw words, words in neither text nor metadata, words missing from the text)."""
    have = Counter(words(raw))
    kept = Counter(words(art.text))
    moved = Counter(w for r in art.removed if r.reason in METADATA_REASONS for w in words(r.text))
    return sum(have.values()), sum((have - (kept + moved)).values()), sum((have - kept).values())


def no_loss(shared: Path) -> None:
    print("Words lost from text without boilerplate")
    meantime = [json.loads(x) for x in (shared / "corpus" / "meantime" / "meantime_docs.jsonl").open()]
    ecb = [json.loads(x) for x in (shared / "eval" / "ecbplus" / "ecbplus_docs.jsonl").open()]
    sets = {
        "MEANTIME text (480 articles, 4 languages)": [(d["doc_id"], d["text"], d["title"]) for d in meantime],
        "ECB+ full_text (982 articles)": [(d["doc_id"], d["full_text"], d["title"]) for d in ecb],
        "ECB+ text (982 articles)": [(d["doc_id"], d["text"], None) for d in ecb],
    }
    total = [0, 0, 0]
    for label, docs in sets.items():
        n = [0, 0, 0]
        for doc_id, text, title in docs:
            try:
                art = clean_record(RawDoc(source=doc_id, record=None, content=text, title=title), min_words=1)
            except InputError:
                # Nothing but the headline (one ECB+ record is its title alone): the words went
                # to the title; count as lost whatever is not in it.
                art = Article(id="", source=doc_id, record=None, text="", content_hash="", title=title)
                art = replace(art, removed=(Removal(title or "", "headline"),))
            for i, v in enumerate(_loss(text, art)):
                n[i] += v
        total = [a + b for a, b in zip(total, n, strict=True)]
        print(f"  {label}: {n[0]} words, lost {n[1] / n[0]:.4%} (not in the text: {n[2] / n[0]:.4%})")
    share = total[1] / total[0]
    label = "all MEANTIME and ECB+ articles lose < 1% of their words"
    check(label, share < 0.01, f"{share:.4%} of {total[0]} words")


def lookalikes(fixtures: Path) -> None:
    print("Look-alike page dumps and HTML pages of other layouts (generality check, not a target)")
    for path in sorted(fixtures.glob("*.body.txt")):
        name = path.name.removesuffix(".body.txt")
        if (fixtures / f"{name}.txt").exists():
            art = clean_file(fixtures / f"{name}.txt")
        else:
            html = (fixtures / f"{name}.html").read_text(encoding="utf-8")
            art = clean_record(RawDoc(source=name, record=None, content=html, kind="html"))
        meta = json.loads((fixtures / f"{name}.json").read_text(encoding="utf-8"))
        p, r, f = body_scores(path.read_text(encoding="utf-8"), art.text)
        title_ok = fold(art.title or "") == fold(meta["title"])
        print(
            f"  {name:<8} P={p:.4f} R={r:.4f} F1={f:.4f}  title ok={title_ok} "
            f"date={art.day} (want {meta['date']}) publisher={art.publisher!r}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    parser.add_argument("--fixtures", type=Path, default=ROOT / "tests" / "data" / "clean")
    args = parser.parse_args()
    izium(args.shared)
    no_loss(args.shared)
    lookalikes(args.fixtures)
    failed = [label for label, ok in RESULTS if not ok]
    summary = f"{len(RESULTS) - len(failed)}/{len(RESULTS)} targets met"
    print(summary + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
