"""The whole ingest as a user runs it: `storyline ingest` on files, into a new database.

This is the README's headline speed. Every other benchmark measures one stage with its inputs
precomputed; this one measures a user's wait, from the first byte read to the last story written,
model loading included.

Two corpora are built from the real texts in ../shared (nothing is downloaded):

* JSON Lines news records (``--records``, default 10,000): distinct articles tiled from runs of
  consecutive sentences of MEANTIME, ECB+ and WMT21 documents of one language (en, es, it, nl, de,
  fr, ru, ja, is), with a title, a date spread over 60 days and a publisher; a share of them gets
  planted near copies (a few words changed, a "Source link" footer, another publisher) and planted
  translations (the professional translations of MEANTIME and WMT21 documents, published on the
  same day as their source).
* HTML pages (``--pages``, default 5,000): the 91 pages of the article-extraction benchmark as they
  are, and tiled articles rendered into a few page templates (navigation, teasers, footer).

Each corpus is ingested by the installed ``storyline`` command in a fresh process with a new
database; the script prints articles per second, the seconds of each stage (from the CLI's
``--report`` file), and the peak RSS of the process tree (sampled every 0.2 s). In the same run it
times the cheapest comparable tool on the same input as a ceiling: datasketch's MinHashLSH alone on
the records (word 5-grams, 128 permutations, query then insert), trafilatura alone on the pages.

    python bench/ingest.py [--records 10000] [--pages 5000] [--workers 2] [--data ../shared]
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PUBLISHERS = [
    f"{name} {kind}"
    for name in ("Northern", "Daily", "Metro", "Coast", "Valley")
    for kind in ("Post", "Herald", "Times")
]


def default_shared() -> Path:
    return ROOT / ".." / "shared"


def documents(shared: Path) -> list[dict[str, Any]]:
    """Real documents: language, title, sentences, and a group id shared by translations."""
    docs: list[dict[str, Any]] = []
    for line in (shared / "corpus/meantime/meantime_docs.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        docs.append(
            {
                "lang": d["lang"],
                "title": d["title"],
                "sents": d["sentences"][1:],
                "group": f"m{d['wikinews_id']}",
            }
        )
    for line in (shared / "eval/ecbplus/ecbplus_docs.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        text = d.get("full_text") or d.get("text") or ""
        docs.append(
            {"lang": "en", "title": d.get("title") or "", "sents": split(text), "group": f"e{d['doc_id']}"}
        )
    for f in sorted((shared / "eval/wmt21").glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            d = json.loads(line)
            group = f"w{f.stem}{d['doc_id']}"
            docs.append({"lang": d["src_lang"], "title": d["src"][0], "sents": d["src"][1:], "group": group})
            for ref in d["refs"].values():
                docs.append({"lang": d["tgt_lang"], "title": ref[0], "sents": ref[1:], "group": group})
    return [d for d in docs if len(d["sents"]) >= 3]


def split(text: str) -> list[str]:
    from storyline.dedup.sentences import split_sentences

    return [s for s in split_sentences(text) if s.strip()]


def tiled_records(docs: list[dict[str, Any]], n: int, seed: int = 7) -> list[dict[str, Any]]:
    """N records: tiled originals with planted near copies (~8%) and translations (~6%)."""
    rng = random.Random(seed)
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        by_lang.setdefault(d["lang"], []).append(d)
    langs = sorted(by_lang)
    weights = [len(by_lang[lang]) for lang in langs]
    groups: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        groups.setdefault(d["group"], []).append(d)
    translated = [g for g in groups.values() if len({d["lang"] for d in g}) > 1]
    name_pool = sorted({w for d in docs for s in d["sents"][:5] for w in NAME.findall(s)})
    out: list[dict[str, Any]] = []
    day0 = 19000  # days since the epoch: 2022-01-08
    while len(out) < n:
        k = len(out)
        day = day0 + rng.randrange(60)
        date = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
        roll = rng.random()
        if roll < 0.08 and out:
            src = out[rng.randrange(len(out))]
            words = src["text"].split()
            for _ in range(3):
                words[rng.randrange(len(words))] = rng.choice(["reportedly", "officials", "Tuesday", "local"])
            text = " ".join(words) + "\n\nSource link"
            out.append({**src, "id": f"r{k}", "text": text, "source": rng.choice(PUBLISHERS), "date": date})
            continue
        if roll < 0.14 and translated:
            group = rng.choice(translated)
            for d in group:
                out.append(record(k, d["title"], d["sents"], d["lang"], date, rng))
                k += 1
            continue
        lang = rng.choices(langs, weights)[0]
        base = rng.choice(by_lang[lang])
        sents: list[str] = []
        while len(" ".join(sents).split()) < 250:
            d = rng.choice(by_lang[lang])
            start = rng.randrange(len(d["sents"]))
            sents += d["sents"][start : start + rng.randint(2, 5)]
        names = Names(rng, name_pool)
        out.append(record(k, names(base["title"]), [names(x) for x in sents], lang, date, rng))
    return out[:n]


NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}")
NUMBER = re.compile(r"\d+")


class Names:
    """Gives a tiled article its own names and numbers.

    Tiled articles reuse real sentences, so without this two distinct articles would share the
    names and figures of the documents they were tiled from, which different news articles do
    not: each article maps every mid-sentence capitalised word to another from a pool, and every
    number to another, consistently within the article.
    """

    def __init__(self, rng: random.Random, pool: list[str]) -> None:
        self.rng, self.pool, self.map = rng, pool, {}

    def __call__(self, text: str) -> str:
        """The text with this article's names and numbers."""
        text = NAME.sub(lambda m: self._swap(m.group(0), lambda: self.rng.choice(self.pool)), text)
        return NUMBER.sub(lambda m: self._swap(m.group(0), lambda: str(self.rng.randrange(2, 5000))), text)

    def _swap(self, key: str, make: Any) -> str:
        if key not in self.map:
            self.map[key] = make()
        return str(self.map[key])


def record(k: int, title: str, sents: list[str], lang: str, date: str, rng: random.Random) -> dict[str, Any]:
    text = "\n\n".join(" ".join(sents[i : i + 3]) for i in range(0, len(sents), 3))
    return {
        "id": f"r{k}",
        "title": title,
        "text": text,
        "date": date,
        "source": rng.choice(PUBLISHERS),
        "language": lang,
    }


TEMPLATES = [
    (
        "<html><head><title>{title} | {site}</title><meta property='article:published_time' content='{date}'>"
        "</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/politics'>Politics</a> "
        "<a href='/sport'>Sport</a></nav><main><article><h1>{title}</h1><p class='byline'>By Staff Reporter</p>"
        "{body}</article></main><aside><h3>Most read</h3><ul>{teasers}</ul></aside>"
        "<footer>Copyright {site}. All rights reserved. <a href='/privacy'>Privacy</a></footer></body></html>"
    ),
    (
        "<!doctype html><html><head><title>{title}</title><meta name='date' content='{date}'>"
        "<meta property='og:site_name' content='{site}'></head><body><div id='menu'>News | Business | Culture | "
        "Opinion | Subscribe</div><div class='content'><h2>{title}</h2><div class='text'>{body}</div>"
        "<div class='share'>Share on Facebook Share on Twitter Email</div></div><div class='related'>"
        "<h4>Related</h4><ul>{teasers}</ul></div><div class='foot'>{site} 2022. Cookie settings.</div></body></html>"
    ),
]


def pages(shared: Path, docs: list[dict[str, Any]], n: int, folder: Path) -> int:
    """Write N pages into folder: the benchmark's real pages, then tiled articles in templates."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    real = sorted((shared / "eval/article-extraction").glob("**/*.html.gz"))
    for p in real[:n]:
        shutil.copy(p, folder / p.name)
        written += 1
    rng = random.Random(11)
    records = tiled_records(docs, max(n - written, 0), seed=13)
    for rec in records:
        body = "".join(f"<p>{html.escape(par)}</p>" for par in rec["text"].split("\n\n"))
        teasers = "".join(
            f"<li><a href='/a/{rng.randrange(10**6)}'>{html.escape(rng.choice(docs)['title'])}</a></li>"
            for _ in range(5)
        )
        site = rec["source"]
        page = rng.choice(TEMPLATES).format(
            title=html.escape(rec["title"]),
            site=html.escape(site),
            date=rec["date"],
            body=body,
            teasers=teasers,
        )
        (folder / f"{rec['id']}.html").write_text(page, encoding="utf-8")
        written += 1
    return written


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except OSError:
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            statm = Path(f"/proc/{p}/statm").read_text(encoding="utf-8")
            total += int(statm.split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total


def run_ingest(inputs: list[Path], workdir: Path, workers: int | None, extra: list[str]) -> dict[str, Any]:
    """Run `storyline ingest` on the inputs into a new database; wall time, peak RSS, report."""
    db = workdir / "bench.db"
    report = workdir / "report.json"
    for p in (db, report):
        p.unlink(missing_ok=True)
    exe = shutil.which("storyline") or str(Path(sys.executable).parent / "storyline")
    cmd = [exe, "--db", str(db), "ingest", "--quiet", "--report", str(report), *map(str, inputs), *extra]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(
            f"storyline ingest failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}"
        )
    rep = json.loads(report.read_text(encoding="utf-8"))
    return {"seconds": seconds, "peak_mb": peak / 2**20, "report": rep}


def datasketch_rate(records: list[dict[str, Any]]) -> float:
    """Records per second of a plain datasketch MinHashLSH over word 5-grams (query, then insert)."""
    from datasketch import MinHash, MinHashLSH

    from storyline.text import words

    lsh = MinHashLSH(threshold=0.3, num_perm=128)
    start = time.perf_counter()
    for k, rec in enumerate(records):
        toks = words(rec["text"])
        grams = {" ".join(toks[i : i + 5]).encode("utf-8") for i in range(max(len(toks) - 4, 1))}
        m = MinHash(num_perm=128)
        m.update_batch(list(grams))
        lsh.query(m)
        lsh.insert(str(k), m)
    return len(records) / (time.perf_counter() - start)


def trafilatura_rate(folder: Path) -> float:
    """Pages per second of trafilatura alone (its default extraction) on the same pages."""
    import trafilatura

    files = sorted(folder.iterdir())
    start = time.perf_counter()
    for f in files:
        data = f.read_bytes()
        if f.suffix == ".gz":
            data = gzip.decompress(data)
        trafilatura.extract(data.decode("utf-8", "replace"), with_metadata=True)
    return len(files) / (time.perf_counter() - start)


def show(label: str, n: int, res: dict[str, Any], ceiling_name: str, ceiling: float | None) -> None:
    rep = res["report"]
    rate = n / res["seconds"]
    print(
        f"{label}: {n:,} inputs in {res['seconds']:.1f} s = {rate:,.1f} articles/s end to end; peak RSS {res['peak_mb']:,.0f} MB"
    )
    print(
        f"  added {rep['added']:,}, duplicates {rep['duplicates']:,}, rejected {len(rep['rejected']):,}, "
        f"stories touched {rep['stories_touched']:,}, workers {rep.get('workers')}"
    )
    stages = rep.get("stage_seconds") or {}
    if stages:
        print("  stage seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    if ceiling:
        print(f"  ceiling: {ceiling_name} alone {ceiling:,.1f}/s; storyline is {rate / ceiling:.2f}x of it")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10_000, help="JSON Lines records (0: skip)")
    ap.add_argument("--pages", type=int, default=5_000, help="HTML pages (0: skip)")
    ap.add_argument("--workers", type=int, default=None, help="passed to `storyline ingest --workers`")
    ap.add_argument("--data", type=Path, default=default_shared())
    ap.add_argument("--keep", type=Path, default=None, help="build the corpora here and keep them")
    ap.add_argument("--no-ceiling", action="store_true", help="skip the one-tool ceilings")
    ap.add_argument("extra", nargs="*", help="more arguments for `storyline ingest` (after --)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="storyline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    docs = documents(args.data)
    print(
        f"{len(docs):,} real documents in {len({d['lang'] for d in docs})} languages; {os.cpu_count()} cores"
    )
    if args.records:
        path = work / f"records-{args.records}.jsonl"
        records = tiled_records(docs, args.records)
        if not path.exists():
            with path.open("w", encoding="utf-8") as fh:
                for rec in records:
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        res = run_ingest([path], work, args.workers, args.extra)
        ceiling = None if args.no_ceiling else datasketch_rate(records)
        show("JSON Lines", args.records, res, "datasketch MinHashLSH", ceiling)
    if args.pages:
        folder = work / f"pages-{args.pages}"
        if not folder.exists():
            pages(args.data, docs, args.pages, folder)
        res = run_ingest([folder], work, args.workers, args.extra)
        ceiling = None if args.no_ceiling else trafilatura_rate(folder)
        show("HTML pages", args.pages, res, "trafilatura", ceiling)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
