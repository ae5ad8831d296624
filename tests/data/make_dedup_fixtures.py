"""Make tests/data/dedup/meantime_translations.jsonl: four MEANTIME articles of one topic in their
four languages (English original, Spanish, Italian and Dutch translations).

MEANTIME: CC BY 4.0, NewsReader / Minard et al., LREC 2016. Run from the repository root:

    python tests/data/make_dedup_fixtures.py ../shared/corpus/meantime/meantime_docs.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Four articles of the Airbus/Boeing topic: same companies, same contract saga, different events,
# so the test also checks that same-topic articles are not taken for translations of each other.
WIKINEWS_IDS = ["102977", "108294", "1173", "100911"]


def main(src: str) -> None:
    out = Path(__file__).parent / "dedup" / "meantime_translations.jsonl"
    with Path(src).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    keep = [r for r in rows if r["wikinews_id"] in WIKINEWS_IDS]
    with out.open("w", encoding="utf-8") as fh:
        for r in keep:
            rec = {"id": f"{r['wikinews_id']}-{r['lang']}", "wikinews_id": r["wikinews_id"], "lang": r["lang"],
                   "title": r["title"], "text": r["text"], "date": r["date"]}  # fmt: skip
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(keep)} records to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/meantime/meantime_docs.jsonl")
