"""Labelled corpora for story clustering, turned into `StoryItem`s with cached embeddings.

Used by `eval/stories.py`, `eval/fit_stories.py` and `eval/topics.py`, which also ingest records
through the whole pipeline with `ingest_records`. Embeddings and name mentions are the slow
parts (the encoder reads ~24 paragraphs/s on two cores), so both are cached on disk under a key
made of the encoder name and every text embedded: changing the texts recomputes them.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from storyline.clean.dates import parse_date  # noqa: E402
from storyline.clean.record import clean_record  # noqa: E402
from storyline.config import Config  # noqa: E402
from storyline.fingerprint.embed import CachedEncoder, get_encoder  # noqa: E402
from storyline.ingest.records import record_to_raw  # noqa: E402
from storyline.pipeline.runner import run  # noqa: E402
from storyline.pipeline.stages import ingest_plan  # noqa: E402
from storyline.store.sqlite import Store  # noqa: E402
from storyline.stories.item import StoryItem, embedding_texts, make_item, mention_text  # noqa: E402
from storyline.types import Mention, RawDoc, digest  # noqa: E402


def shared_dir() -> Path:
    """The shared data folder: ``../shared`` next to the repository."""
    return Path(__file__).resolve().parents[1] / ".." / "shared"


# Embeddings of the eval corpora, kept between runs ($XDG_CACHE_HOME/storyline/stories).
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "storyline" / "stories"


@dataclass(frozen=True)
class Doc:
    """One labelled document of an evaluation corpus."""

    id: str
    title: str | None
    text: str
    published: str | None
    language: str | None
    gold: str
    group: str  # the topic (ECB+) or broad topic (MEANTIME): the unit of held-out validation


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_PATTERNS = (
    (re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I), ("m", "d", "y")),
    (re.compile(r"(\d{1,2})\s+" + _MONTH + r",?\s+(\d{4})", re.I), ("d", "m", "y")),
    (re.compile(r"(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})"), ("y", "n", "d")),
    (re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4}|\d{2})\b"), ("n", "d", "y")),
)


def free_date(value: str | None) -> str | None:
    """A publication date from ECB+'s free-form ``date_publish`` (``Posted 11 / 27 / 2005 7 : 21 AM``).

    The cleaning stage's parser is tried first; these page date lines, tokenised with spaces
    around every ``:`` and ``/``, mostly defeat it, so the usual news date layouts are read here
    (month names, ISO, US month/day/year). None when no full date is found: never a guess.
    """
    parsed = parse_date(value)
    if parsed or not value:
        return parsed
    for pattern, layout in _DATE_PATTERNS:
        m = pattern.search(value)
        if not m:
            continue
        parts: dict[str, int] = {}
        for key, group in zip(layout, m.groups(), strict=True):
            if key == "m":
                parts["n"] = _MONTHS.index(group.lower()[:3]) + 1
            else:
                parts[key] = int(group)
        year = parts["y"] + (2000 if parts["y"] < 100 else 0)
        try:
            import datetime

            return datetime.date(year, parts["n"], parts["d"]).isoformat()
        except ValueError:
            continue
    return None


def load_ecbplus(path: Path) -> list[Doc]:
    """ECB+ documents; the text is the `title` (the first sentence) and the `text` fields."""
    docs = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            docs.append(
                Doc(
                    id=d["doc_id"],
                    title=d["title"] or None,
                    text=d["text"],
                    published=free_date(d.get("date_publish")),
                    language=d.get("language") or "en",
                    gold=d["event_cluster"],
                    group=str(d["topic"]),
                )
            )
    return docs


def load_meantime(path: Path) -> list[Doc]:
    """MEANTIME documents; gold = the Wikinews article (translations share it)."""
    docs = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            sentences = d.get("sentences") or []
            title = d.get("title") or (sentences[0] if sentences else None)
            # The first sentences are the headline and the date line; the rest is the body.
            body = " ".join(sentences[2:]) if len(sentences) > 2 else d["text"]
            docs.append(
                Doc(
                    id=d["doc_id"] + ":" + d["lang"],
                    title=title,
                    text=body,
                    published=parse_date(d.get("date")),
                    language=d["lang"],
                    gold=str(d["wikinews_id"]),
                    group=d["topic"],
                )
            )
    return docs


_DATE_HEADER_RE = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s+")


def load_izium(folder: Path, gold: Path | None = None) -> list[Doc]:
    """The Izium texts, cleaned by the cleaning stage; all one story.

    Some files start with a `` date YYYY-MM-DD`` header line, read here as the publication date
    (what the text reader does for such headers).

    Args:
        folder: the corpus folder.
        gold: the gold folder (``truth.json``, ``NNN.body.txt``): when given, the headline, date
            and clean body the cleaning stage *should* produce replace its current output, to
            measure story clustering on its own.
    """
    truth = json.loads((gold / "truth.json").read_text(encoding="utf-8"))["documents"] if gold else {}
    docs = []
    for i, path in enumerate(sorted(folder.glob("*.txt"))):
        content = path.read_text(encoding="utf-8")
        m = _DATE_HEADER_RE.match(content)
        published = m.group(1) if m else None
        if m:
            content = content[m.end() :]
        raw = RawDoc(
            source=str(path), record=None, content=content, published=published, source_key=path.name
        )
        article = clean_record(raw)
        lines = article.text.split("\n", 1)
        title = article.title
        text = article.text
        if title is None and len(lines) == 2 and len(lines[0]) < 200:
            title, text = lines[0], lines[1]
        published = article.published
        if gold is not None:
            info = truth.get(path.name, {})
            body = gold / f"{path.name[:3]}.body.txt"
            title = info.get("headline") or title
            published = info.get("published") or published
            if body.exists():
                text = body.read_text(encoding="utf-8")
        docs.append(
            Doc(
                id=path.stem,
                title=title,
                text=text,
                published=published,
                language=article.language,
                gold="izium",
                group=str(i),
            )
        )
    return docs


def _embed(texts: list[str], cache: Path, tag: str) -> np.ndarray:
    from storyline.fingerprint.embed import get_encoder
    from storyline.stories.item import STORY_ENCODER

    encoder = get_encoder(STORY_ENCODER)
    key = digest(encoder.name, *texts)
    path = cache / f"{tag}-{key}.npy"
    if path.exists():
        return np.load(path)
    print(f"embedding {len(texts)} texts for {tag} (cached in {path})", file=sys.stderr)
    vectors = encoder.encode(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _mentions(docs: list[Doc], cache: Path, tag: str) -> list[list[Mention]]:
    from storyline import nlp

    texts = [(mention_text(d.title, d.text), d.language) for d in docs]
    key = digest("mentions-v1", *(f"{lang}|{t}" for t, lang in texts))
    path = cache / f"{tag}-mentions-{key}.json"
    if path.exists():
        rows = json.loads(path.read_text(encoding="utf-8"))
    else:
        found = nlp.mentions_many(texts)
        rows = [[[m.text, m.kind, m.start, m.end] for m in ms] for ms in found]
        cache.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rows), encoding="utf-8")
    return [[Mention(t, k, s, e) for t, k, s, e in ms] for ms in rows]


def items_for(docs: list[Doc], cache: Path, tag: str) -> list[StoryItem]:
    """The items of the documents, with embeddings and mentions from the cache when present."""
    pairs = [embedding_texts(d.title, d.text) for d in docs]
    head = _embed([h for h, _ in pairs], cache, f"{tag}-head")
    body = _embed([b for _, b in pairs], cache, f"{tag}-body")
    mentions = _mentions(docs, cache, tag)
    return [
        make_item(
            d.id,
            title=d.title,
            text=d.text,
            head=head[i],
            body=body[i],
            mentions=mentions[i],
            published=d.published,
            language=d.language,
        )
        for i, d in enumerate(docs)
    ]


@dataclass(frozen=True)
class Ingested:
    """What an ingest of labelled records decided: article ids, stories and topics."""

    articles: dict[str, str]  # the record's id -> article id (records the ingest rejected are absent)
    story: dict[str, str]  # article id -> story id
    topic: dict[str, str]  # story id -> topic id


def ingest_records(records: list[dict], source: str, config: Config, cache: Path) -> Ingested:
    """Records (``id`` and the fields `Config.records` reads) through the whole ingest plan, as users run it.

    Into a temporary database, with the full encoder's vectors cached on disk across runs.
    """
    raws = [record_to_raw(r, source, source, i, config.records) for i, r in enumerate(records, 1)]
    cache.mkdir(parents=True, exist_ok=True)
    encoder = CachedEncoder(get_encoder(), cache / "pipeline-vectors.sqlite")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "eval.db")
        run(store, raws, ingest_plan(store, config, encoder), config.ingest.batch_size)
        ids = {a.external_id or "": a.id for a in store.iter_articles()}
        story = store.story_of(ids.values())
        topic = {s: t for s, (t, _, _) in store.story_topics(set(story.values())).items()}
        store.close()
    return Ingested(ids, story, topic)


def stream_order(docs: list[Doc]) -> list[int]:
    """Streaming order: by date where known, else input order.

    Undated documents keep their input positions; the dated ones fill the remaining positions
    in date order (ties in input order). No date is invented for an undated document.
    """
    dated = sorted((i for i, d in enumerate(docs) if d.published), key=lambda i: (docs[i].published, i))
    it = iter(dated)
    return [next(it) if d.published else i for i, d in enumerate(docs)]


def bcubed(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of a clustering against gold labels (same order)."""
    from collections import Counter

    pair = Counter(zip(pred, gold, strict=True))
    psize = Counter(pred)
    gsize = Counter(gold)
    n = len(pred)
    p = sum(c * c / psize[pc] for (pc, _), c in pair.items()) / n
    r = sum(c * c / gsize[gc] for (_, gc), c in pair.items()) / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def ari(pred: list[str], gold: list[str]) -> float:
    """Adjusted Rand index."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(gold, pred))
