r"""HTML main-text extraction on the article-extraction benchmark pages.

Scores `storyline.clean.clean_record` on the HTML pages of ``../shared/eval/article-extraction``
with the benchmark's own metric (its ``evaluate.py``): multiset matching of word 4-gram shingles
of ``\w+`` tokens between the extracted text and the gold ``articleBody``, per-document
precision and recall averaged over documents, F1 of the two averages. trafilatura alone (default
and favor_precision settings) is scored the same way for comparison, and every figure is also
given on two fixed halves of the pages (split by a hash of the page id), so that a change can be
checked on a half it was not looked at on.

    python eval/extraction.py [--data DIR] [--floor 0.98]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.clean import clean_record
from storyline.errors import InputError
from storyline.types import RawDoc

_SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
DEFAULT_DATA = _SHARED / "eval" / "article-extraction"
_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)

TpFpFn = tuple[float, float, float]


def _ngrams(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_matching(true: str, pred: str) -> TpFpFn:
    """The benchmark's per-document TP/FP/FN over word 4-gram shingles, normalised to sum 1."""
    t, p = _ngrams(true), _ngrams(pred)
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tc, pc = t.get(key, 0), p.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def prf(rows: list[TpFpFn]) -> tuple[float, float, float]:
    """Mean precision, mean recall and their F1, as the benchmark computes them."""
    p = statistics.mean(_precision(*r) for r in rows if r[0] + r[1] > 0)
    r = statistics.mean(_recall(*r) for r in rows if r[0] + r[2] > 0)
    return p, r, 2 * p * r / (p + r)


def _half(key: str) -> int:
    return int(hashlib.md5(key.encode()).hexdigest(), 16) % 2


def load(data: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, html, gold body) for every page."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        with gzip.open(data / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            html = f.read()
        pages.append((key, truth[key].get("url") or "", html, truth[key].get("articleBody") or ""))
    return pages


Page = tuple[str, str, str, str]


def score(name: str, pages: list[Page], extract: Callable[[str, str, str], str]) -> float:
    """Print and return F1 of one extractor over all pages and the two halves."""
    start = time.perf_counter()
    rows: list[TpFpFn] = []
    halves: list[list[TpFpFn]] = [[], []]
    for key, url, html, gold in pages:
        row = shingle_matching(gold, extract(key, url, html))
        rows.append(row)
        halves[_half(key)].append(row)
    seconds = time.perf_counter() - start
    p, r, f1 = prf(rows)
    fa, fb = prf(halves[0])[2], prf(halves[1])[2]
    print(
        f"{name:<34} P={p:.4f} R={r:.4f} F1={f1:.4f}  half A F1={fa:.4f} half B F1={fb:.4f} ({seconds:.1f}s)"
    )
    return f1


def storyline_text(key: str, url: str, html: str) -> str:
    """The article text `clean_record` keeps ("" when it refuses the page)."""
    try:
        return clean_record(RawDoc(source=key, record=None, content=html, kind="html", url=url or None)).text
    except InputError:
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="article-extraction folder")
    parser.add_argument("--floor", type=float, default=0.98, help="F1 the storyline cleaner must reach")
    args = parser.parse_args()
    pages = load(args.data)
    print(
        f"{len(pages)} pages from {args.data} (halves: {sum(_half(k) == 0 for k, *_ in pages)} A, "
        f"{sum(_half(k) == 1 for k, *_ in pages)} B)"
    )
    score(
        "trafilatura 2.3 default",
        pages,
        lambda k, u, h: trafilatura.extract(h, include_comments=False) or "",
    )
    score(
        "trafilatura 2.3 favor_precision",
        pages,
        lambda k, u, h: trafilatura.extract(h, include_comments=False, favor_precision=True) or "",
    )
    f1 = score("storyline clean_record", pages, storyline_text)
    ok = f1 >= args.floor
    print(f"storyline F1 {f1:.4f} {'>=' if ok else '<'} floor {args.floor}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
