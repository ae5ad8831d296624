"""Lexical duplicates through the ingest pipeline: exact, near copy, excerpt, update, originals, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.api import Storyline
from storyline.cli import main
from storyline.config import Config

BOILERPLATE = "Home | World | Business | Sign in\n\nShare this article on Facebook and Twitter."


@pytest.fixture
def english(data: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (data / "dedup/meantime_translations.jsonl").open(encoding="utf-8")]
    return {r["wikinews_id"]: r for r in rows if r["lang"] == "en"}


def _rec(rid: str, text: str, **kw: str) -> dict:
    return {"id": rid, "text": text, "lang": "en", **kw}


def _paragraphs(text: str, n: int = 10) -> list[str]:
    words = text.split()
    step = max(1, len(words) // n)
    return [" ".join(words[i : i + step]) for i in range(0, len(words), step)]


def test_near_copy_excerpt_and_original(api: Storyline, english: dict[str, dict]) -> None:
    art = english["100911"]["text"]
    paras = _paragraphs(art)
    api.ingest_records(
        [
            _rec("orig", art, date="2008-03-01", source="Wikinews"),
            # a scraper's copy: boilerplate around, a trailing credit, undated
            _rec(
                "farm",
                BOILERPLATE + "\n\n" + "\n\n".join(paras) + "\n\nSource link\n\nRelated Posts",
                source="Content Farm",
            ),
            # the first third only
            _rec("part", "\n\n".join(paras[:4]), date="2008-03-02", source="Other"),
            # another article on the same topic: not a duplicate
            _rec("other", english["1173"]["text"], date="2008-03-01", source="Wikinews"),
        ]
    )
    ids = {a.external_id: a.id for a in api.store.iter_articles()}
    rels = {r.article: r for r in api.relations()}
    assert set(rels) == {ids["farm"], ids["part"]}
    assert rels[ids["farm"]].original == ids["orig"]
    assert rels[ids["farm"]].kind == "near_copy"
    assert rels[ids["part"]].kind == "excerpt"
    assert rels[ids["part"]].original == ids["orig"]
    ev = rels[ids["farm"]].evidence
    assert ev["jaccard_5gram"] >= 0.5 and ev["shared_passage"]["words"] > 50
    assert ev["copy_markers"] and "source link" in ev["copy_markers"][0].lower()
    assert ev["original_reason"]


def test_undated_original_chosen_by_copy_markers_and_completeness(
    api: Storyline, english: dict[str, dict]
) -> None:
    art = english["1173"]["text"]
    paras = _paragraphs(art)
    api.ingest_records(
        [
            # arrives first, but credits another outlet
            _rec("copy", "\n\n".join(paras) + "\n\nSource link", source="Reposts Daily"),
            _rec("orig", "\n\n".join(paras), source="Wikinews"),
            # arrives first of the trimmed ones, shorter: not the original
            _rec("trim", "\n\n".join(paras[1:]), source="Aggregator"),
        ]
    )
    ids = {a.external_id: a.id for a in api.store.iter_articles()}
    rels = {r.article: r for r in api.relations()}
    assert {r.original for r in rels.values()} == {ids["orig"]}
    assert "copy markers" in rels[ids["copy"]].evidence["original_reason"]
    assert "more complete" in rels[ids["trim"]].evidence["original_reason"]


def test_update_from_the_same_source(api: Storyline, english: dict[str, dict]) -> None:
    art = english["100911"]["text"]
    paras = _paragraphs(art)
    first = "\n\n".join(paras[:7])
    later = "\n\n".join(paras)  # the same story, grown by three paragraphs
    api.ingest_records(
        [
            _rec("v2", later, date="2008-03-02", source="Wikinews", url="https://example.org/tanker"),
            _rec("v1", first, date="2008-03-01", source="Wikinews", url="https://example.org/tanker"),
        ]
    )
    ids = {a.external_id: a.id for a in api.store.iter_articles()}
    (rel,) = api.relations()
    assert (rel.article, rel.original, rel.kind) == (ids["v2"], ids["v1"], "update")


def test_an_older_original_arriving_later_takes_over(api: Storyline, english: dict[str, dict]) -> None:
    art = english["100911"]["text"]
    api.ingest_records([_rec("copy1", art + "\n\nRead more", date="2008-03-03", source="A")])
    api.ingest_records([_rec("copy2", BOILERPLATE + "\n\n" + art, date="2008-03-02", source="B")])
    api.ingest_records([_rec("orig", art, date="2008-03-01", source="Wikinews")])
    ids = {a.external_id: a.id for a in api.store.iter_articles()}
    rels = api.relations()
    assert {(r.article, r.original) for r in rels} == {
        (ids["copy1"], ids["orig"]),
        (ids["copy2"], ids["orig"]),
    }


def test_index_persists_across_runs(tmp_path: Path, fast_config: Config, english: dict[str, dict]) -> None:
    db = tmp_path / "news.db"
    art = english["102977"]["text"]
    with Storyline(db, config=fast_config) as sl:
        sl.ingest_records([_rec(f"filler{i}", english[k]["text"]) for i, k in enumerate(["1173", "108294"])])
        sl.ingest_records([_rec("orig", art, date="2009-01-01")])
    with Storyline(db, config=fast_config) as sl:  # a new process would see the same
        sl.ingest_records([_rec("late copy", art.replace("contract", "deal", 1), date="2009-01-05")])
        (rel,) = sl.relations()
        assert sl.article(rel.original).external_id == "orig"


def test_scripts_without_spaces_and_cyrillic(api: Storyline) -> None:
    ja = "".join(f"東京都は第{i}回の会議で新しい交通計画を発表した。" for i in range(30))
    ru = " ".join(
        f"Правительство объявило о новом плане номер {i} по развитию транспорта." for i in range(30)
    )
    api.ingest_records(
        [
            {"id": "ja1", "text": ja, "lang": "ja"},
            {"id": "ja2", "text": "広告\n\n" + ja[: len(ja) * 2 // 3], "lang": "ja"},
            {"id": "ru1", "text": ru, "lang": "ru"},
            {"id": "ru2", "text": ru.replace("объявило", "сообщило", 2), "lang": "ru"},
        ]
    )
    ids = {a.external_id: a.id for a in api.store.iter_articles()}
    pairs = {(r.article, r.original) for r in api.relations()}
    assert pairs == {(ids["ja2"], ids["ja1"]), (ids["ru2"], ids["ru1"])}


def test_dupes_and_why_commands(tmp_path: Path, english: dict[str, dict]) -> None:
    db = tmp_path / "cli.db"
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('[embed]\nmodel = "hashing"\n')
    art = english["100911"]["text"]
    with Storyline(db, config=Config()) as _:
        pass
    recs = tmp_path / "in.jsonl"
    recs.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                _rec("orig", art, date="2008-03-01", source="Wikinews"),
                _rec("copy", BOILERPLATE + "\n\n" + art + "\n\nSource link", source="Farm"),
                _rec("other", english["1173"]["text"], date="2008-03-01", source="Wikinews"),
            ]
        )
    )
    runner = CliRunner()
    res = runner.invoke(main, ["--db", str(db), "--config", str(cfg), "ingest", "-q", str(recs)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["--db", str(db), "--config", str(cfg), "dupes", "--json"])
    assert res.exit_code == 0, res.output
    (group,) = json.loads(res.output)
    assert group["publisher"] == "Wikinews" and group["members"][0]["kind"] == "near_copy"
    copy_id, orig_id = group["members"][0]["id"], group["original"]
    res = runner.invoke(main, ["--db", str(db), "--config", str(cfg), "why", copy_id[:10], orig_id[:10]])
    assert res.exit_code == 0, res.output
    assert "is a near copy of" in res.output and "% of the copy's text appears in the original" in res.output
    res = runner.invoke(
        main, ["--db", str(db), "--config", str(cfg), "why", "-v", copy_id[:10], orig_id[:10]]
    )
    assert "longest shared passage" in res.output and "jaccard_5gram" in res.output
    other = next(
        a.id
        for a in Storyline(db, config=Config(), readonly=True).store.iter_articles()
        if a.external_id == "other"
    )
    res = runner.invoke(main, ["--db", str(db), "--config", str(cfg), "why", "--lexical", copy_id, other])
    assert res.exit_code == 0 and "not duplicates" in res.output
    res = runner.invoke(main, ["--db", str(db), "why", copy_id, "nonexistent"])
    assert res.exit_code == 1 and "no article with id 'nonexistent'" in res.output


def test_lengths_decide_the_original_only_within_a_language() -> None:
    from storyline.dedup.originals import original_of
    from storyline.text import content_hash
    from storyline.types import Article

    def art(i: str, lang: str, text: str) -> Article:
        return Article(
            id=i,
            source="s",
            record=None,
            text=text,
            content_hash=content_hash(text),
            language=lang,
            published="2011-10-06",
        )

    en = art("en", "en", "Apple co-founder Steve Jobs has died at 56. " * 4)
    # The same article in Spanish takes more words; it is not more complete for that.
    es = art("es", "es", "El cofundador de Apple Inc., Steve Jobs, ha fallecido a los 56 años. " * 4)
    excerpt = art("ex", "en", "Apple co-founder Steve Jobs has died at 56.")
    order = {"en": 1, "es": 2, "ex": 3}
    choice = original_of([es, excerpt, en], order)
    assert choice.original.id == "en"
    assert "another language" in choice.reason("es")
    assert "more complete" in choice.reason("ex")
