"""Ingest end to end: idempotency, exact copies from other sources, rejects, resumability."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

from conftest import synthetic_text
from storyline.api import Storyline
from storyline.config import Config


def _article_text(i: int) -> str:
    return synthetic_text(i)


def test_reingest_adds_nothing(api: Storyline, data: Path) -> None:
    first = api.ingest([str(data / "ingest")])
    assert first.added > 10
    counts = api.store.counts()
    second = api.ingest([str(data / "ingest")])
    assert second.added == 0
    assert second.already_present == first.added
    assert api.store.counts() == counts


def test_relative_and_absolute_paths_are_the_same_source(api: Storyline, data: Path, monkeypatch) -> None:
    monkeypatch.chdir(data / "ingest")
    api.ingest(["text/dated.txt"])
    rep = api.ingest([str((data / "ingest/text/dated.txt").resolve())])
    assert rep.added == 0 and rep.already_present == 1


def test_same_text_from_another_source_is_an_exact_copy(api: Storyline, tmp_path: Path) -> None:
    text = _article_text(1)
    (tmp_path / "a.txt").write_text(text)
    (tmp_path / "b.txt").write_text(text)
    api.ingest([str(tmp_path / "a.txt")])
    rep = api.ingest([str(tmp_path / "b.txt")])
    assert rep.added == 1 and rep.duplicates == 1
    (rel,) = api.relations()
    a, b = api.store.article_ids()
    assert (rel.article, rel.original, rel.kind) == (b, a, "exact")
    assert api.story_of(a) == api.story_of(b)


def test_near_copy_with_evidence(api: Storyline, tmp_path: Path) -> None:
    text = _article_text(2)
    (tmp_path / "orig.txt").write_text("date 2020-01-01\n" + text)
    words = text.split()
    words[40] = "changed"
    (tmp_path / "copy.txt").write_text("Reposted from elsewhere.\n\n" + " ".join(words) + "\nSource link")
    api.ingest([str(tmp_path)])
    (rel,) = api.relations()
    assert rel.kind in ("near_copy", "excerpt")
    assert api.article(rel.original).source.endswith("orig.txt")
    assert rel.evidence["jaccard_5gram"] > 0.5


def test_broken_files_are_reported_and_the_rest_kept(api: Storyline, tmp_path: Path, data: Path) -> None:
    tmp_path = tmp_path / "in"
    tmp_path.mkdir()
    broken = sorted((data / "ingest/broken").iterdir())
    for i in range(970):
        (tmp_path / f"{i:04d}.txt").write_text(_article_text(i))
    for i in range(30):
        src = broken[i % len(broken)]
        shutil.copy(src, tmp_path / f"broken{i:02d}{''.join(src.suffixes)}")
    rep = api.ingest([str(tmp_path)])
    assert rep.added == 970
    assert len(rep.rejected) == 30
    assert {Path(r.source).name for r in rep.rejected} == {f.name for f in tmp_path.glob("broken*")}
    assert len(api.rejects()) == 30


def test_records_api_and_export_fields(api: Storyline) -> None:
    recs = [
        {"id": f"x{i}", "title": f"Title {i}", "text": _article_text(i), "date": f"2021-05-0{i + 1}"}
        for i in range(3)
    ]
    rep = api.ingest_records(recs, source="crawler")
    assert rep.added == 3
    rows = list(api.article_records())
    assert {r["external_id"] for r in rows} == {"x0", "x1", "x2"}
    for r in rows:
        assert set(r) >= {
            "id",
            "external_id",
            "source",
            "record",
            "url",
            "title",
            "published",
            "publisher",
            "language",
            "text",
            "story",
            "original",
            "relation",
        }
        assert r["story"] and r["source"] == "crawler"
    stories = list(api.story_records())
    assert sum(len(s["articles"]) for s in stories) == 3
    for s in stories:
        assert set(s) >= {
            "id",
            "headline",
            "articles",
            "first_published",
            "last_published",
            "languages",
            "sources",
        }
    json.dumps(stories)


def test_interrupted_batches_leave_no_partial_state(tmp_path: Path, fast_config: Config) -> None:
    """A failure inside a batch rolls the whole batch back; the re-run completes it."""
    from storyline.pipeline import stages

    for i in range(30):
        (tmp_path / f"{i:02d}.txt").write_text(_article_text(i))
    cfg = Config(embed=fast_config.embed, ingest=type(fast_config.ingest)(batch_size=10))
    api = Storyline(tmp_path / "db.sqlite", config=cfg)
    real = stages.Deduplicator.process
    calls = {"n": 0}

    def failing(self, new, *more):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, new, *more)

    stages.Deduplicator.process = failing  # type: ignore[method-assign]
    try:
        with contextlib.suppress(KeyboardInterrupt):
            api.ingest([str(tmp_path)])
    finally:
        stages.Deduplicator.process = real  # type: ignore[method-assign]
    assert api.store.counts()["articles"] == 10
    rep = api.ingest([str(tmp_path)])
    assert rep.added == 20 and rep.already_present == 10
    assert api.store.counts()["articles"] == 30


def test_a_group_that_spans_batches_joins_the_story_of_its_placed_member() -> None:
    from storyline.pipeline.stages import placed_anchors
    from storyline.types import DupRelation

    # "en" was placed as news in an earlier batch; now its original "es" and another
    # translation "it" arrive: the relations name "es" the original, but the story is en's.
    rels = [DupRelation("en", "es", "translation", 0.99), DupRelation("it", "es", "translation", 0.98)]
    placed = {"en": "s1"}
    anchors = placed_anchors(rels, ["es", "it"], placed.get)
    assert anchors == {"es": "en", "it": "en"}
    # Once the original is placed, the copies simply follow it.
    placed = {"en": "s1", "es": "s1"}
    assert placed_anchors(rels, ["it"], placed.get) == {}
    # Articles in no group are left to the clusterer.
    assert placed_anchors(rels, ["fr"], placed.get) == {}


def test_running_ahead_gives_the_database_of_one_batch_after_the_other(
    tmp_path: Path, fast_config: Config
) -> None:
    """Skip, clean and features of batch k+1 run before batch k is placed: nothing may change.

    Ten-record batches of one publisher's pages with a recurring menu and footer (block counts
    carried from batch to batch), near copies and repeats of earlier records in later batches.
    """
    import dataclasses

    from storyline.ingest import read_mappings
    from storyline.pipeline.runner import FnStage, run
    from storyline.pipeline.stages import ingest_plan
    from storyline.store import Store

    rows = []
    for i in range(45):
        body = synthetic_text(i, 150)
        page = f"Home | News | Sport | Weather\n\n{body}\n\nSubscribe to the Marrowby Courier newsletter."
        rows.append(
            {
                "title": f"Report {i}",
                "text": page,
                "publisher": "Courier",
                "date": f"2024-05-{1 + i % 20:02d}",
            }
        )
        if i % 7 == 3:
            rows.append({"title": f"Report {i}", "text": body + " Source link.", "publisher": "Farm"})
        if i % 11 == 5:
            rows.append(dict(rows[len(rows) // 2]))  # an earlier record again
    digests = []
    for ahead in (True, False):
        db = tmp_path / f"ahead-{ahead}.db"
        with Storyline(db, config=fast_config) as sl:
            records = list(read_mappings(rows, "test", fast_config))
            plan = ingest_plan(sl.store, fast_config, sl.encoder)
            if not ahead:
                plan = [
                    dataclasses.replace(s, ahead=False, before_next=False, start=None)
                    if isinstance(s, FnStage)
                    else s
                    for s in plan
                ]
            report, _ = run(sl.store, records, plan, batch_size=10)
            assert report.read == len(rows) and report.already_present >= 4
        with Store(db, readonly=True) as store:
            blocks = store.conn.execute("SELECT * FROM block_counts ORDER BY 1, 2").fetchall()
            digests.append((store.digest(), [tuple(b) for b in blocks]))
    assert digests[0] == digests[1]
    assert any(n > 20 for _, _, n in digests[0][1]), "the menu and footer were counted across batches"
