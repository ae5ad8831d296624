"""Story clustering speed and memory, on a synthetic news stream with embeddings precomputed.

Prints:

* articles/s for clustering `--articles` articles (default 100,000) from scratch, in batch;
* p50/p95 time to place one new article into a state holding `--state` articles (default
  1,000,000), measured on `--probes` new articles placed one by one;
* peak resident memory of the process.

The stream imitates a year of news: stories of Zipf-distributed sizes (most have one or two
reports, a few hundreds), reports spread over a few days to weeks, 3% undated, four languages.
Every article has its own title + lead and body embeddings (its story's direction plus noise,
cosine ~0.75 within a story, ~0 across), names, numbers, years and ~150 words drawn from its
story's vocabulary and from a shared Zipf vocabulary, so the clusterer does its real work: the
embeddings and names are precomputed as they would be by the pipeline, nothing else is.

    PYTHONPATH=src python bench/stories.py [--articles 100000] [--state 1000000] [--probes 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from collections.abc import Iterator

import numpy as np

from storyline.stories.cluster import StoryClusterer, stream_order
from storyline.stories.item import StoryItem
from storyline.stories.terms import hash_counts

DIM = 512
LANGS = ("en", "en", "en", "es", "de", "fr")


def synthetic_stream(
    n: int, seed: int = 0, days: int = 365, start: str = "2024-01-01"
) -> Iterator[StoryItem]:
    """`n` synthetic articles in publication order (see the module docstring)."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    zipf_p = 1.0 / np.arange(1, vocab.size + 1)
    zipf_p /= zipf_p.sum()
    name_vocab = np.array([f"name{i}" for i in range(200_000)])
    day0 = dt.date.fromisoformat(start).toordinal()
    made = 0
    # Stories start uniformly over the period; each lasts a few days to weeks.
    while made < n:
        size = int(min(rng.zipf(2.0), 400))
        size = min(size, n - made)
        centre = rng.standard_normal(DIM).astype(np.float32)
        centre /= np.linalg.norm(centre)
        names = rng.choice(name_vocab, size=8, replace=False)
        words = rng.choice(vocab[1000:], size=60, replace=False)
        numbers = [str(x) for x in rng.integers(10, 100_000, size=4)]
        first = day0 + int(rng.integers(0, days))
        span = int(rng.integers(1, 21))
        lang = LANGS[int(rng.integers(0, len(LANGS)))]
        for _ in range(size):
            noise = rng.standard_normal((2, DIM)).astype(np.float32) / np.sqrt(DIM)
            head = centre + 0.85 * noise[0]
            body = centre + 0.75 * noise[1]
            k = int(rng.integers(2, 7))
            art_names = frozenset(rng.choice(names, size=k, replace=False).tolist()) | frozenset(
                rng.choice(name_vocab, size=3).tolist()
            )
            terms: dict[str, int] = {}
            for w in rng.choice(words, size=40).tolist() + rng.choice(vocab, size=110, p=zipf_p).tolist():
                terms[w] = terms.get(w, 0) + 1
            term_ids, term_tf = hash_counts(terms)
            day = first + int(rng.integers(0, span))
            undated = rng.random() < 0.03
            yield StoryItem(
                id=f"a{made}",
                published=None if undated else dt.date.fromordinal(day).isoformat(),
                language=lang,
                title=None,
                head=head / np.linalg.norm(head),
                body=body / np.linalg.norm(body),
                names=art_names,
                places=frozenset(list(art_names)[:2]),
                people=frozenset(list(art_names)[2:4]),
                title_names=frozenset(list(art_names)[:1]),
                numbers=frozenset(rng.choice(numbers, size=2).tolist()),
                years=frozenset({str(dt.date.fromordinal(day).year)}),
                term_ids=term_ids,
                term_tf=term_tf,
            )
            made += 1


def _ordered(n: int, seed: int) -> list[StoryItem]:
    items = list(synthetic_stream(n, seed))
    return [items[i] for i in stream_order(items)]


def peak_mb() -> float:
    """Peak resident memory of this process in MB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--state", type=int, default=1_000_000)
    ap.add_argument("--probes", type=int, default=1_000)
    args = ap.parse_args(argv)

    if args.articles:
        items = _ordered(args.articles, seed=1)
        c = StoryClusterer()
        t = time.perf_counter()
        c.assign_many(items)
        secs = time.perf_counter() - t
        print(
            f"clustering {len(items):,} articles: {len(items) / secs:,.0f} articles/s "
            f"({secs:.1f} s, {len(c.stories):,} stories)"
        )
        del c, items

    if args.state:
        items = _ordered(args.state + args.probes, seed=2)
        # The probes are the last articles of the stream: new reports arriving into the state.
        c = StoryClusterer()
        t = time.perf_counter()
        c.assign_many(items[: args.state])
        build = time.perf_counter() - t
        times = []
        for item in items[args.state :]:
            t = time.perf_counter()
            c.assign(item)
            times.append(time.perf_counter() - t)
        ms = np.array(times) * 1000
        print(
            f"placing one article into a state of {args.state:,} articles ({len(c.stories):,} stories): "
            f"p50 {np.percentile(ms, 50):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms, "
            f"max {ms.max():.1f} ms (state built in {build:.0f} s)"
        )
    print(f"peak memory: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
