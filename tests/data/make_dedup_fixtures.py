"""Make the MEANTIME fixtures of tests/data/dedup/ (MEANTIME: CC BY 4.0, NewsReader / Minard et
al., LREC 2016). Run from the repository root:

    python tests/data/make_dedup_fixtures.py ../shared/corpus/meantime/meantime_docs.jsonl

* meantime_translations.jsonl: four articles of one topic in their four languages (English
  original, Spanish, Italian and Dutch translations).
* meantime_related.jsonl: two pairs of different articles on related events, each article in
  English and one translation. The stock-market pair shares four sentences of index figures word
  for word (and so most of its numbers); the Apple pair is the Beatles' label's trademark dispute
  (a lost court case, then the settlement), with the same names, the same year and similar lengths.
  Each article is one with its translation; the two articles of a pair are not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Four articles of the Airbus/Boeing topic: same companies, same contract saga, different events,
# so the test also checks that same-topic articles are not taken for translations of each other.
WIKINEWS_IDS = ["102977", "108294", "1173", "100911"]
# (article, language) pairs of the related-articles fixture.
RELATED = [
    ("113219", "en"), ("113219", "it"), ("113227", "en"), ("113227", "it"),
    ("60083", "en"), ("60083", "nl"), ("40203", "en"), ("40203", "nl"),
]  # fmt: skip


def _write(rows: list[dict[str, str]], name: str) -> None:
    out = Path(__file__).parent / "dedup" / name
    with out.open("w", encoding="utf-8") as fh:
        for r in rows:
            rec = {"id": f"{r['wikinews_id']}-{r['lang']}", "wikinews_id": r["wikinews_id"], "lang": r["lang"],
                   "title": r["title"], "text": r["text"], "date": r["date"]}  # fmt: skip
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} records to {out}")


def main(src: str) -> None:
    with Path(src).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    _write([r for r in rows if r["wikinews_id"] in WIKINEWS_IDS], "meantime_translations.jsonl")
    by_key = {(r["wikinews_id"], r["lang"]): r for r in rows}
    _write([by_key[k] for k in RELATED], "meantime_related.jsonl")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/meantime/meantime_docs.jsonl")
