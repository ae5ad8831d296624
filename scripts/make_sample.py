"""Build the bundled demo sample from MEANTIME (CC BY 4.0).

Takes the first 10 English articles (by Wikinews id) of each of MEANTIME's four topics together with
their Spanish, Italian and Dutch translations: 40 articles, 160 documents.

    python scripts/make_sample.py ../shared/corpus/meantime/meantime_docs.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

PER_TOPIC = 10


def main(src: str, dst: str) -> None:
    """Write the sample from MEANTIME's documents file `src` to `dst`."""
    docs = [json.loads(line) for line in Path(src).read_text(encoding="utf-8").splitlines() if line.strip()]
    by_topic: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        if d["lang"] == "en":
            by_topic[d["topic"]].append(d["wikinews_id"])
    keep = {w for ids in by_topic.values() for w in sorted(ids, key=int)[:PER_TOPIC]}
    with Path(dst).open("w", encoding="utf-8") as out:
        for d in docs:
            if d["wikinews_id"] not in keep:
                continue
            # sentences[0] is the title and sentences[1] the date line: they are metadata here.
            text = " ".join(d["sentences"][2:])
            record = {
                "id": d["doc_id"] if d["lang"] == "en" else f"{d['doc_id']}/{d['lang']}",
                "title": d["title"],
                "text": text,
                "date": d["date"],
                "language": d["lang"],
                "source": "Wikinews"
                if d["lang"] == "en"
                else f"Wikinews ({d['lang']} translation, MEANTIME)",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/meantime/meantime_docs.jsonl",
        sys.argv[2] if len(sys.argv) > 2 else "src/storyline/data/sample/meantime_sample.jsonl",
    )
