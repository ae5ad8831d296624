"""Latency of the web app with 100,000 articles: story page p95 <= 50 ms, stories page p95 <= 100 ms.

    PYTHONPATH=src python bench/serve.py                       # builds (or reuses) the database, then measures
    PYTHONPATH=src python bench/serve.py --db /tmp/x.db --articles 20000 --requests 200

The database is synthetic but shaped like a news archive: heavy-tailed story sizes (most stories
have one to three articles, a few have hundreds, the biggest 500), 300 publishers in 8 languages
over two years, a fifth of the articles copies or translations of their story's first article,
and a cached view per story (summary, timeline, entities, quotes, a dispute) as big as real ones.
It is written straight through the store (no embedding, no clustering), so building it takes a
minute or two, and it is kept (default under $XDG_CACHE_HOME/storyline/web) for the next run.

`storyline serve` runs as a child process on loopback; an asyncio client (httpx) keeps
`--concurrency` requests in flight and times each from send to last byte. Percentiles are printed
per page kind; the script exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from storyline.store import Store
from storyline.text import content_hash
from storyline.types import Article, DupRelation, RawDoc
from storyline.web.process import ServerProcess

TARGETS_MS = {"story page": 50.0, "stories page": 100.0}
LANGS = ["en"] * 12 + ["es", "es", "fr", "fr", "de", "it", "nl", "uk"]
KINDS = ["exact", "near_copy", "near_copy", "excerpt", "translation", "translation", "rewrite", "update"]
PLACES = [
    "Marrowby", "Kestrel Bay", "Ardmoor", "Velden", "Port Hallan", "Greystone", "Lindqvist", "Oban Reach",
    "Castelnuovo", "Rivenmark", "Sunderholm", "Tarrow", "Brisa", "Montaval", "Eastwick", "Holloway",
]  # fmt: skip
ACTORS = [
    "council", "minister", "police", "union", "court", "regulator", "mayor", "hospital", "port authority",
    "residents", "prosecutors", "airline", "rail operator", "university", "central bank", "coastguard",
]  # fmt: skip
VERBS = [
    "approves", "rejects", "delays", "announces", "investigates", "suspends", "expands", "defends",
    "questions", "cuts", "restores", "closes", "opens", "warns over", "signs", "blocks",
]  # fmt: skip
NOUNS = [
    "budget", "sea wall repairs", "strike", "merger", "bridge closure", "flood defences", "rate rise",
    "housing plan", "election result", "ferry service", "water contract", "school reform", "wind farm",
    "hospital wing", "tram line", "fishing quota",
]  # fmt: skip


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    syll = [
        "ka",
        "lo",
        "mi",
        "ter",
        "an",
        "sol",
        "ri",
        "ven",
        "da",
        "mor",
        "el",
        "fi",
        "gan",
        "tu",
        "res",
        "pa",
    ]
    words = {"".join(rng.choice(syll) for _ in range(rng.randint(1, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


class Corpus:
    """Synthetic articles: headline-like titles and Zipf-distributed words in sentences and paragraphs."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.vocab = _vocabulary(self.rng)
        ranks = np.arange(1, len(self.vocab) + 1)
        self.p = (1 / ranks) / (1 / ranks).sum()

    def title(self) -> str:
        """A headline from place, actor, verb and topic lists."""
        r = self.rng
        t = f"{r.choice(PLACES)} {r.choice(ACTORS)} {r.choice(VERBS)} {r.choice(NOUNS)}"
        if r.random() < 0.5:
            t += f" as {r.choice(ACTORS)} {r.choice(VERBS)} {r.choice(NOUNS)}"
        if r.random() < 0.02:  # a few very long headlines, as page dumps produce
            t += ": " + " ".join(self.words(40))
        return t[0].upper() + t[1:]

    def words(self, n: int) -> list[str]:
        """N words drawn with Zipf frequencies."""
        return [self.vocab[i] for i in self.np.choice(len(self.vocab), size=n, p=self.p)]

    def text(self, n_words: int) -> str:
        """A text of about `n_words` words in sentences of 14 and paragraphs of 4 sentences."""
        words = self.words(n_words)
        paras, sent = [], []
        for i in range(0, len(words), 14):
            sent.append(" ".join(words[i : i + 14]).capitalize() + ".")
            if len(sent) == 4:
                paras.append(" ".join(sent))
                sent = []
        if sent:
            paras.append(" ".join(sent))
        return "\n\n".join(paras)


def story_sizes(total: int, rng: random.Random, biggest: int = 500) -> list[int]:
    """Heavy-tailed sizes summing to `total`, with one story of `biggest` articles."""
    sizes = [biggest]
    left = total - biggest
    while left > 0:
        # Pareto with shape 1.3 gives mostly 1-3, a long tail into the hundreds (as news archives do).
        n = min(left, biggest, max(1, int(rng.paretovariate(1.3))))
        sizes.append(n)
        left -= n
    rng.shuffle(sizes)
    return sizes


def _view(headline: str, ids: list[str], pubs: list[str], days: list[str], corpus: Corpus) -> dict[str, Any]:
    r = corpus.rng
    k = min(len(ids), 8)
    people = [
        f"{w.capitalize()} {v.capitalize()}" for w, v in zip(corpus.words(6), corpus.words(6), strict=True)
    ]
    return {
        "headline": headline,
        "summary": [
            {"text": " ".join(corpus.words(22)).capitalize() + ".", "article": ids[i % len(ids)]}
            for i in range(3)
        ],
        "timeline": [
            {
                "date": days[i],
                "article": ids[i],
                "text": " ".join(corpus.words(18)).capitalize() + ".",
                "kind": "first_report" if i == 0 else "development",
                "publisher": pubs[i],
            }
            for i in range(k)
        ],
        "entities": [
            {
                "name": name,
                "kind": kind,
                "mentions": r.randint(1, 40),
                "articles": ids[: r.randint(1, min(5, len(ids)))],
            }
            for name, kind in [(p, "person") for p in people] + [(pl, "place") for pl in r.sample(PLACES, 5)]
        ],
        "quotes": [
            {
                "text": " ".join(corpus.words(16)).capitalize(),
                "speaker": people[i],
                "article": ids[i % len(ids)],
                "published": days[0],
            }
            for i in range(min(4, len(ids)))
        ],
        "disputes": [
            {
                "point": " ".join(corpus.words(8)).capitalize() + "?",
                "sides": [
                    {"side": "officials", "text": " ".join(corpus.words(14)), "article": ids[0]},
                    {"side": "critics", "text": " ".join(corpus.words(14)), "article": ids[-1]},
                ],
            }
        ]
        if len(ids) > 2
        else [],
    }


def build(db: Path, n_articles: int, seed: int = 7) -> None:
    """Write the synthetic archive to `db` through the store."""
    corpus = Corpus(seed)
    rng = corpus.rng
    publishers = [
        f"The {rng.choice(PLACES)} {rng.choice(['Courier', 'Herald', 'Post', 'Wire', 'Gazette', 'Times'])} {i}"
        for i in range(300)
    ]
    start = np.datetime64("2022-01-01")
    store = Store(db)
    t0 = time.perf_counter()
    done = 0
    batch: list[tuple[str, list[Article], list[RawDoc], list[DupRelation]]] = []

    def flush() -> None:
        with store.atomic():
            for sid, arts, raws, rels in batch:
                store.add_raw(raws)
                store.put_articles(arts)
                store.put_memberships([(a.id, sid, 1.0) for a in arts])
                store.put_relations(rels)
                store.refresh_story(sid)
                store.put_story_view(
                    sid, arts[0].title or "", _view(arts[0].title or "", [a.id for a in arts],
                    [a.publisher or "" for a in arts], [a.day or "" for a in arts], corpus),
                )  # fmt: skip
        batch.clear()

    for s, size in enumerate(story_sizes(n_articles, rng)):
        sid = f"s{zlib.crc32(f'story-{s}'.encode()):08x}{s:08x}"
        day0 = start + np.timedelta64(rng.randrange(0, 730), "D")
        arts, raws, rels = [], [], []
        base_text = corpus.text(rng.randint(200, 600))
        lang0 = rng.choice(LANGS)
        for i in range(size):
            copy = i > 0 and rng.random() < 0.2
            kind = rng.choice(KINDS) if copy else None
            text = base_text if kind == "exact" else (
                base_text[: len(base_text) // 2] if kind == "excerpt" else corpus.text(rng.randint(200, 600))
            )  # fmt: skip
            day = str(day0 + np.timedelta64(min(60, int(rng.expovariate(0.3))), "D"))
            raw = RawDoc(source=f"bench/feed-{s % 97}.jsonl", record=done + i, content=text, title=None)
            raws.append(raw)
            arts.append(
                Article(
                    id=raw.article_id, source=raw.source, record=raw.record, text=text, content_hash=content_hash(text),
                    title=corpus.title(), published=day,
                    publisher=rng.choice(publishers), language=lang0 if kind != "translation" else rng.choice(LANGS),
                    raw_hash=raw.raw_hash, date_source="meta",
                )
            )  # fmt: skip
            if kind:
                rels.append(
                    DupRelation(
                        raw.article_id,
                        arts[0].id,
                        kind,
                        round(rng.uniform(0.5, 1.0), 3),
                        {"jaccard_5gram": 0.7},
                    )
                )  # type: ignore[arg-type]
        done += size
        batch.append((sid, arts, raws, rels))
        if sum(len(b[1]) for b in batch) >= 2000:
            flush()
            print(f"  {done:,} articles written ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    if batch:
        flush()
    store.conn.execute("ANALYZE")
    store.close()
    print(f"built {db}: {n_articles:,} articles in {time.perf_counter() - t0:.0f}s", file=sys.stderr)


def percentile(xs: list[float], q: float) -> float:
    ys = sorted(xs)
    return ys[min(len(ys) - 1, round(q / 100 * (len(ys) - 1)))]


async def measure(base: str, urls: list[str], concurrency: int) -> list[float]:
    """Milliseconds per request, `concurrency` in flight."""
    times: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for u in urls:
        queue.put_nowait(u)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                u = queue.get_nowait()
                t = time.perf_counter()
                r = await client.get(u)
                await r.aread()
                times.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"GET {u} -> {r.status_code}: {r.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times


def workloads(db: Path, n: int, rng: random.Random) -> Iterator[tuple[str, list[str]]]:
    store = Store(db, readonly=True)
    rows = store.conn.execute("SELECT id, n_articles FROM stories").fetchall()
    biggest = max(rows, key=lambda r: r[1])[0]
    facets = store.facets(20)
    pages = max(1, min(len(rows) // 25, 200))
    store.close()
    ids = [r[0] for r in rows]
    yield "story page", [f"/stories/{rng.choice(ids)}" for _ in range(n)]
    yield "story page, 500 articles", [f"/stories/{biggest}" for _ in range(max(20, n // 4))]
    yield (
        "stories page",
        [f"/stories?page={rng.randint(1, pages)}" if i % 2 else "/stories" for i in range(n)],
    )
    langs = [code for code, _ in facets["languages"]]
    pubs = [name for name, _ in facets["publishers"]]
    yield (
        "stories page, filtered",
        [
            rng.choice(
                [
                    f"/stories?language={rng.choice(langs)}",
                    f"/stories?source={rng.choice(pubs)}",
                    "/stories?since=2023-01-01&until=2023-03-31",
                    "/stories?order=size",
                    f"/stories?entity={rng.choice(PLACES)}",
                ]
            )
            for _ in range(max(20, n // 2))
        ],
    )
    yield (
        "stories page, search",
        [f"/stories?q={rng.choice(PLACES).split()[0]}" for _ in range(max(20, n // 4))],
    )
    yield "story JSON", [f"/stories/{rng.choice(ids)}.json" for _ in range(max(20, n // 2))]


def default_db(n: int) -> Path:
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "storyline" / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"bench-serve-{n}.db"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="database to build or reuse")
    ap.add_argument("--rebuild", action="store_true", help="build the database even if it exists")
    ap.add_argument("--requests", type=int, default=400, help="requests per page kind")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    db = args.db or default_db(args.articles)
    if args.rebuild or not db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        build(db, args.articles, args.seed)
    with Store(db, readonly=True) as s:
        counts = s.counts()
    print(
        f"database {db}: {counts['articles']:,} articles, {counts['stories']:,} stories, "
        f"{counts['relations']:,} relations"
    )
    rng = random.Random(args.seed)
    failed = False
    with ServerProcess(db, log=db.with_suffix(".serve.log")) as server:
        asyncio.run(measure(server.url, ["/stories", "/stories?page=2"] * 10, 2))  # warm up
        print(f"{'page':<28}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'target':>9}")
        for name, urls in workloads(db, args.requests, rng):
            t = time.perf_counter()
            times = asyncio.run(measure(server.url, urls, args.concurrency))
            wall = time.perf_counter() - t
            p95 = percentile(times, 95)
            target = TARGETS_MS.get(name)
            mark = ""
            if target is not None:
                ok = p95 <= target
                failed |= not ok
                mark = f"{'<=' if ok else '>'}{target:.0f} {'ok' if ok else 'MISSED'}"
            print(
                f"{name:<28}{len(times):>9}{statistics.median(times):>9.1f}{p95:>9.1f}"
                f"{percentile(times, 99):>9.1f}  {mark}  ({len(times) / wall:.0f} req/s)"
            )
    print(f"concurrency {args.concurrency}, loopback, server and client on the same machine")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
