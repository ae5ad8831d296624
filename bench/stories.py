"""Story clustering speed and memory, on a synthetic news stream with embeddings precomputed.

Prints:

* articles/s for clustering `--articles` articles (default 100,000) from scratch, in batch;
* p50/p95 time to place one new article into a state holding `--state` articles (default
  1,000,000), measured on `--probes` new articles placed one by one;
* peak resident memory of the process;
* a digest of the stories of the first part, to check that a speed-up left decisions alone;
* whether the story modules ran compiled (see setup.py) or as pure Python.

The stream imitates a news feed of 275 articles a day (100,000 a year): stories of
Zipf-distributed sizes (most have one or two reports, a few hundreds), reports spread over up to
three weeks, 3% undated, four languages.
Every article has its own title + lead and body embeddings (its story's direction plus noise,
cosine ~0.75 within a story, ~0 across), names, numbers, years and ~150 words drawn from its
story's vocabulary and from a shared Zipf vocabulary, so the clusterer does its real work: the
embeddings and names are precomputed as they would be by the pipeline, nothing else is.

    PYTHONPATH=src python bench/stories.py [--articles 100000] [--state 1000000] [--probes 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from storyline.stories import cluster as cluster_module
from storyline.stories.cluster import StoryClusterer
from storyline.stories.item import StoryItem
from storyline.stories.terms import term_id

DIM = 512
LANGS = ("en", "en", "en", "es", "de", "fr")


@dataclass
class _Story:
    centre: np.ndarray
    names: np.ndarray
    words: np.ndarray
    numbers: list[str]
    lang: str
    days: list[int]  # publication days of its reports still to come, in order


class SyntheticStream:
    """Synthetic articles in publication order, generated day by day (see the module docstring).

    Args:
        seed: random seed.
        per_day: articles per day on average.
        start: the first day.
    """

    def __init__(self, seed: int = 0, per_day: int = 275, start: str = "2024-01-01") -> None:
        self.rng = np.random.default_rng(seed)
        # Word ids as `storyline.stories.terms.hash_counts` would give them, hashed once.
        self.vocab = np.array([term_id(f"w{i}") for i in range(50_000)], dtype=np.uint32)
        p = 1.0 / np.arange(1, self.vocab.size + 1)
        self.zipf_cdf = np.cumsum(p / p.sum())
        self.name_vocab = np.array([f"name{i}" for i in range(200_000)])
        self.per_day = per_day
        self.day = dt.date.fromisoformat(start).toordinal()
        self.made = 0
        self.active: list[_Story] = []

    def _new_story(self) -> _Story:
        rng = self.rng
        size = int(min(rng.zipf(2.0), 400))
        centre = rng.standard_normal(DIM).astype(np.float32)
        centre /= np.linalg.norm(centre)
        span = int(rng.integers(1, 21))
        days = sorted(self.day + int(d) for d in rng.integers(0, span, size=size))
        return _Story(
            centre=centre,
            names=rng.choice(self.name_vocab, size=8, replace=False),
            words=rng.choice(self.vocab[1000:], size=60, replace=False),
            numbers=[str(x) for x in rng.integers(10, 100_000, size=4)],
            lang=LANGS[int(rng.integers(0, len(LANGS)))],
            days=days,
        )

    def _article(self, story: _Story) -> StoryItem:
        rng = self.rng
        noise = rng.standard_normal((2, DIM)).astype(np.float32) / np.sqrt(DIM)
        head = story.centre + 0.85 * noise[0]
        body = story.centre + 0.75 * noise[1]
        k = int(rng.integers(2, 7))
        names = frozenset(rng.choice(story.names, size=k, replace=False).tolist()) | frozenset(
            rng.choice(self.name_vocab, size=3).tolist()
        )
        common = self.vocab[np.minimum(np.searchsorted(self.zipf_cdf, rng.random(110)), self.vocab.size - 1)]
        drawn = np.concatenate([rng.choice(story.words, size=40), common])
        term_ids, counts = np.unique(drawn, return_counts=True)
        term_tf = (1.0 + np.log(counts)).astype(np.float32)
        day = dt.date.fromordinal(self.day)
        listed = sorted(names)
        item = StoryItem(
            id=f"a{self.made}",
            published=None if rng.random() < 0.03 else day.isoformat(),
            language=story.lang,
            title=None,
            # float32, as `make_item` gives them (the noise above is float64: a float32 array
            # divided by a NumPy float64 scalar is float64).
            head=(head / np.linalg.norm(head)).astype(np.float32),
            body=(body / np.linalg.norm(body)).astype(np.float32),
            names=names,
            places=frozenset(listed[:2]),
            people=frozenset(listed[2:4]),
            title_names=frozenset(listed[:1]),
            numbers=frozenset(rng.choice(story.numbers, size=2).tolist()),
            years=frozenset({str(day.year)}),
            term_ids=term_ids,
            term_tf=term_tf,
        )
        self.made += 1
        return item

    def take(self, n: int) -> Iterator[StoryItem]:
        """The next `n` articles."""
        left = n
        while left > 0:
            # New stories start until today's expected volume is reached.
            due = sum(1 for s in self.active for d in s.days if d == self.day)
            while due < self.per_day:
                story = self._new_story()
                self.active.append(story)
                due += sum(1 for d in story.days if d == self.day)
            today = [s for s in self.active for d in s.days if d == self.day]
            self.rng.shuffle(today)  # type: ignore[arg-type]
            for story in today:
                if left == 0:
                    return
                story.days.pop(0)
                yield self._article(story)
                left -= 1
            self.active = [s for s in self.active if s.days]
            self.day += 1


def stories_digest(c: StoryClusterer) -> str:
    """A fingerprint of the stories (ids and members in order): equal digests, equal decisions.

    Compare it before and after a change meant to make clustering faster only.
    """
    h = hashlib.sha256()
    for sid in sorted(c.stories):
        h.update(f"{sid}:{','.join(c.stories[sid].members)}\n".encode())
    return h.hexdigest()[:16]


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
    # Installed from source, the story modules are compiled (setup.py); say which ones ran.
    compiled = not str(cluster_module.__file__).endswith((".py", ".pyc"))
    print(f"story modules: {'compiled' if compiled else 'pure Python'} ({cluster_module.__file__})")

    if args.articles:
        items = list(SyntheticStream(seed=1).take(args.articles))  # embeddings etc. precomputed
        c = StoryClusterer()
        t = time.perf_counter()
        c.assign_many(items)
        secs = time.perf_counter() - t
        print(
            f"clustering {len(items):,} articles: {len(items) / secs:,.0f} articles/s "
            f"({secs:.1f} s, {len(c.stories):,} stories)"
        )
        print(f"stories digest: {stories_digest(c)} (changes only when decisions change)")
        del c, items

    if args.state:
        # A state of `state` articles (about ten years of a 275-a-day stream), then new reports.
        stream = SyntheticStream(seed=2)
        c = StoryClusterer()
        t = time.perf_counter()
        c.assign_many(stream.take(args.state))
        build = time.perf_counter() - t
        probes = list(stream.take(args.probes))
        times = []
        for item in probes:
            t = time.perf_counter()
            c.assign(item)
            times.append(time.perf_counter() - t)
        ms = np.array(times) * 1000
        print(
            f"placing one article into a state of {args.state:,} articles ({len(c.stories):,} stories): "
            f"p50 {np.percentile(ms, 50):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms, "
            f"max {ms.max():.1f} ms (state built in {build:.0f} s, {args.state / build:,.0f} articles/s)"
        )
    print(f"peak memory: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
