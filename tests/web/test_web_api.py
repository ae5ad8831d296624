"""The web app through an in-process client: every route, its JSON twin, errors, limits and escaping."""

from __future__ import annotations

import json
import re
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from conftest import DATA, synthetic_text
from storyline.api import Storyline
from storyline.cli import main
from storyline.config import Config, EmbedConfig
from storyline.enrich import VIEW_VERSION
from storyline.store import Store
from storyline.types import Article, DupRelation, RawDoc
from storyline.web import create_app

TOKEN = "test-token-0123456789"
XSS = "<script>alert(1)</script>"


def put_story(
    store: Store,
    story_id: str,
    n: int,
    title: str = "Article",
    publisher: str = "Wire",
    language: str = "en",
    day: str = "2024-05-0{}",
    copies: int = 0,
    view: dict[str, Any] | None = None,
) -> list[str]:
    """Write a story of n synthetic articles directly to the store (the first `copies` are near copies of the last)."""
    raws = [
        RawDoc(
            source=f"{story_id}.jsonl",
            record=i,
            content=synthetic_text(zlib.crc32(f"{story_id}-{i}".encode())),
        )
        for i in range(n)
    ]
    arts = [
        Article(
            id=r.article_id, source=r.source, record=r.record, text=r.content, content_hash=r.article_id,
            title=f"{title} {i}", publisher=f"{publisher} {i % 7}", language=language,
            published=day.format(1 + i % 9), raw_hash=r.raw_hash,
        )
        for i, r in enumerate(raws)
    ]  # fmt: skip
    with store.atomic():
        store.add_raw(raws)
        store.put_articles(arts)
        store.put_memberships([(a.id, story_id, 1.0) for a in arts])
        store.put_relations(
            [DupRelation(a.id, arts[-1].id, "near_copy", 0.9, {"jaccard_5gram": 0.9}) for a in arts[:copies]]
        )
        store.refresh_story(story_id)
        # Stamped with the view version of this storyline: a view of another version is rebuilt.
        stored = {**(view or {"headline": f"{title} story"}), "version": VIEW_VERSION}
        store.put_story_view(story_id, f"{title} story", stored)
    return [a.id for a in arts]


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The marrowby texts, a 500-article story, a story with a very long title and one with a full view."""
    path = tmp_path_factory.mktemp("web") / "template.db"
    with Storyline(path, config=Config(embed=EmbedConfig(model="hashing"))) as sl:
        sl.ingest([str(DATA / "web" / "marrowby")])
        ids = put_story(sl.store, "sbig", 500, title="Big", copies=30, day="2023-01-0{}")
        long_title = "Unbelievably" + "long" * 60 + " headline"
        put_story(sl.store, "slong", 2, title=long_title, language="fr", day="2022-02-0{}")
        view = {
            "headline": "Full view story",
            "summary": [{"text": "A summary sentence.", "article": ids[0]}],
            "timeline": [
                {"date": "2023-01-01", "article": ids[0], "text": "It began.", "kind": "first_report"},
                {"date": "2023-01-02", "article": ids[1], "text": "It went on.", "kind": "development"},
            ],
            "entities": [
                {
                    "name": "Rosalind Pike",
                    "kind": "person",
                    "mentions": 4,
                    "articles": [ids[0]],
                    "variants": ["R. Pike"],
                },
                {"name": "Marrowby", "kind": "place", "mentions": 9, "articles": [ids[0]]},
            ],
            "quotes": [
                {"text": "We are grateful.", "speaker": "Rosalind Pike", "article": ids[0], "role": "mayor"}
            ],
            "disputes": [
                {
                    "point": "Was the wall sound?",
                    "sides": [
                        {"side": "council", "text": "It was inspected.", "article": ids[0]},
                        {"side": "residents", "text": "Repairs never came.", "article": ids[1]},
                    ],
                }
            ],
        }
        put_story(sl.store, "sfull", 3, title="Full", view=view, day="2021-03-0{}")
    return path


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "web.db"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def client(db: Path, fast_config: Config) -> Iterator[TestClient]:
    app = create_app(db, fast_config, token=TOKEN, max_body=64 * 1024)
    with TestClient(app) as c:
        yield c


def marrowby_story(client: TestClient) -> dict[str, Any]:
    rows = client.get("/stories.json", params={"q": "Marrowby"}).json()["stories"]
    biggest = max(rows, key=lambda r: r["info"]["articles"])
    return client.get(f"/stories/{biggest['info']['id']}.json").json()


# -- the story list -----------------------------------------------------------------------------


def test_stories_page_and_its_json_twin_agree(client: TestClient) -> None:
    data = client.get("/stories.json").json()
    assert data["total"] == len(client.get("/stories.json", params={"limit": 200}).json()["stories"])
    assert data["page"] == 1 and data["limit"] == 25 and data["has_more"] is False
    html = client.get("/stories").text
    for row in data["stories"]:
        assert f'/stories/{row["info"]["id"]}"' in html
        assert row["activity"], "every story has dated articles here"
    assert html.count('class="spark"') == len(data["stories"])
    assert 'rel="alternate" type="application/json" href="/stories.json"' in html
    # The home page leads to the list.
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"].endswith("/stories")


def test_stories_pagination(client: TestClient) -> None:
    first = client.get("/stories.json", params={"limit": 2}).json()
    second = client.get("/stories.json", params={"limit": 2, "page": 2}).json()
    assert first["has_more"] is True
    ids1 = [r["info"]["id"] for r in first["stories"]]
    ids2 = [r["info"]["id"] for r in second["stories"]]
    assert len(ids1) == 2 and not set(ids1) & set(ids2)
    html = client.get("/stories", params={"limit": 2, "page": 2}).text
    assert 'rel="prev" href="/stories?limit=2"' in html
    assert 'rel="next" href="/stories?limit=2&amp;page=3"' in html


def test_story_filters(client: TestClient) -> None:
    def ids(**params: str) -> set[str]:
        r = client.get("/stories.json", params=params)
        assert r.status_code == 200, r.text
        return {row["info"]["id"] for row in r.json()["stories"]}

    assert ids(language="fr") == {"slong"}
    assert ids(language="FR") == {"slong"}
    assert ids(source="Wire 2") == {"sbig", "sfull"}
    assert ids(source="Wire 5") == {"sbig"}
    courier = ids(source="The Harbour Courier")
    assert len(courier) == 1 and courier <= ids(q="Marrowby")
    assert ids(since="2023-01-01", until="2023-12-31") == {"sbig"}
    assert ids(until="2021-12-31") == {"sfull"}
    marrowby = ids(q="Marrowby")

    # The hand-made view of "sfull" names her, and so do the computed views of the ingested
    # stories whose texts quote Mayor Rosalind Pike.
    def names(sid: str) -> set[str]:
        view = client.get(f"/stories/{sid}.json").json()["story"]
        return {e["name"].casefold() for e in view["entities"]}

    named = ids(q='"Rosalind Pike"') | {"sfull"}
    pike = {sid for sid in named if "rosalind pike" in names(sid)}
    assert "sfull" in pike and len(pike) >= 2
    # The filter finds every story whose texts name her (by the names the story was placed by,
    # stored at ingest), also those whose view is not built or does not list her.
    assert ids(entity="Rosalind Pike") == named
    assert ids(entity="rosalind pike") == named, "names are compared folded"
    variant = ids(entity="R. Pike")
    assert "sfull" in variant and variant <= pike, "spelling variants count"
    assert ids(entity="Nobody") == set()
    assert marrowby and not marrowby & {"sbig", "slong", "sfull"}
    assert ids(q='"sea wall" AND minister')
    # A search that is not valid FTS5 syntax falls back to plain words instead of failing.
    assert ids(q='sea "wall') == ids(q="sea wall")
    order = client.get("/stories.json", params={"order": "size"}).json()["stories"]
    assert order[0]["info"]["id"] == "sbig"
    # The filtered page says what it filters and carries the filters into its links.
    html = client.get("/stories", params={"language": "fr"}).text
    assert '<option value="fr" selected>' in html
    assert 'href="/stories.json?language=fr"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "last week"}, "since='last week' is not a date"),
        ({"order": "random"}, "order='random' is not known"),
        ({"page": "0"}, "page"),
        ({"limit": "1000"}, "limit"),
        ({"page": "two"}, "page"),
        # An offset past SQLite's 64-bit integers was a 500 (OverflowError).
        ({"page": str(2**63)}, "page"),
    ],
)
def test_bad_list_parameters_are_400_with_a_message(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    r = client.get("/stories.json", params=params)
    assert r.status_code == 400
    assert message in r.json()["error"]["message"]
    page = client.get("/stories", params=params)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "<h1>" in page.text and message.split("=")[0] in page.text


# -- one story ----------------------------------------------------------------------------------


def test_story_page_shows_members_badges_sources_timeline_and_graph(client: TestClient) -> None:
    data = marrowby_story(client)
    story = data["story"]
    sid = story["info"]["id"]
    html = client.get(f"/stories/{sid}").text
    assert f'<h1 class="headline">{story["info"]["headline"]}</h1>' in html
    members = re.findall(r'<li class="member" data-article="(\w+)">.*?class="badge k-(\w+)"', html, re.S)
    assert [m["id"] for m in story["members"]] == [m[0] for m in members]
    copies = {r["article"]: r["kind"] for r in data["relations"]}
    assert copies, "the content-farm copy is found even with the lexical encoder"
    for aid, badge in members:
        assert badge == copies.get(aid, "original")
    assert 'id="timeline"' in html and 'class="tl-item' in html
    assert 'id="sources"' in html and "Market Daily Wire" in html
    graph = re.search(r'<svg class="provenance".*?</svg>', html, re.S)
    assert graph is not None
    for r in data["relations"]:
        assert f'href="/articles/{r["article"]}"' in graph.group(0)
        assert f'href="/articles/{r["original"]}"' in graph.group(0)
    assert {s["publisher"] for s in data["sources"]} >= {"Market Daily Wire", "The Harbour Courier"}
    assert sum(s["articles"] for s in data["sources"]) == len(story["members"])


def test_story_view_sections_render_when_present(client: TestClient) -> None:
    html = client.get("/stories/sfull").text
    for section in ("summary", "timeline", "entities", "quotes", "disputes"):
        assert f'id="{section}"' in html, section
    assert "It went on." in html and "Development" in html
    assert "We are grateful." in html and "Rosalind Pike, mayor" in html
    assert "Was the wall sound?" in html and "Repairs never came." in html
    assert 'href="/stories?entity=Rosalind%20Pike"' in html
    data = client.get("/stories/sfull.json").json()["story"]
    assert data["timeline"][1]["kind"] == "development"
    assert data["entities"][0]["variants"] == ["R. Pike"]
    # A story without them leaves the sections out.
    plain = client.get("/stories/slong").text
    for section in ("summary", "entities", "quotes", "disputes"):
        assert f'id="{section}"' not in plain


def test_big_story_pages_its_members_and_caps_its_graph(client: TestClient) -> None:
    html = client.get("/stories/sbig").text
    assert html.count('<li class="member"') == 50
    assert "Articles 1–50 of 500" in html
    assert 'href="?members=2#articles"' in html
    last = client.get("/stories/sbig", params={"members": 10}).text
    assert last.count('<li class="member"') == 50 and "Articles 451–500 of 500" in last
    beyond = client.get("/stories/sbig", params={"members": 99}).text
    assert "Articles 451–500 of 500" in beyond
    assert 0 < html.count('class="node ') <= 25
    data = client.get("/stories/sbig.json").json()
    assert len(data["story"]["members"]) == 500 and len(data["relations"]) == 30


def test_long_titles_are_kept_whole_and_breakable(client: TestClient) -> None:
    html = client.get("/stories/slong").text
    title = "Unbelievably" + "long" * 60 + " headline story"
    assert title in html
    css = client.get("/static/style.css").text
    assert "overflow-wrap: anywhere" in css


def test_story_id_prefix_redirects_and_unknown_ids_are_404(client: TestClient) -> None:
    r = client.get("/stories/sbi", follow_redirects=False)
    assert r.status_code == 404  # prefixes need 4 characters
    data = marrowby_story(client)
    sid = data["story"]["info"]["id"]
    r = client.get(f"/stories/{sid[:6]}", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"/stories/{sid}"
    assert client.get(f"/stories/{sid[:6]}.json").json()["story"]["info"]["id"] == sid
    r = client.get("/stories/nope.json")
    assert r.status_code == 404
    assert r.json() == {"error": {"status": 404, "message": "no story with id 'nope'"}}
    page = client.get("/stories/nope")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "no story with id &#39;nope&#39;" in page.text


# -- one article --------------------------------------------------------------------------------


def test_article_page_relations_evidence_text_and_removed(client: TestClient) -> None:
    data = marrowby_story(client)
    rel = data["relations"][0]
    copy = client.get(f"/articles/{rel['article']}.json").json()
    assert copy["relations"][0]["role"] == "copy_of"
    assert copy["relations"][0]["other"]["id"] == rel["original"]
    assert copy["story"]["id"] == data["story"]["info"]["id"]
    html = client.get(f"/articles/{rel['article']}").text
    assert "This article is a" in html and f'href="/articles/{rel["original"]}"' in html
    assert "jaccard 5gram" in html  # the evidence, named (under "Every feature")
    # In plain words: what the relation rests on, and how the article came into its story.
    assert re.search(r"of the (copy|excerpt)&#39;s text appears in the original|of its sentences match", html)
    assert 'id="why-here"' in html and "into the story" in html
    assert copy["placement"]["story"] == data["story"]["info"]["id"]
    assert '<details id="removed"' in html
    assert f'href="/articles/{rel["article"]}/raw"' in html
    original = client.get(f"/articles/{rel['original']}.json").json()
    assert any(
        r["role"] == "original_of" and r["other"]["id"] == rel["article"] for r in original["relations"]
    )
    # The original is the courier's page (the copies reproduce it), its clean text without the menus.
    assert "storm surge" in original["article"]["text"].casefold()
    assert "<nav>" not in original["article"]["text"]
    raw = client.get(f"/articles/{rel['original']}/raw")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/plain")
    assert "<nav>" in raw.text  # the page as it was read, boilerplate and all
    assert raw.headers["x-content-type-options"] == "nosniff"


def test_removed_boilerplate_is_shown_on_demand(db: Path, fast_config: Config) -> None:
    from dataclasses import replace

    from storyline.types import Removal

    with Store(db) as store:
        aid = store.story_members("sfull")[0]
        a = store.get_article(aid)
        with store.atomic():
            store.put_articles([replace(a, removed=(Removal("Subscribe to our newsletter", "navigation"),))])
    with TestClient(create_app(db, fast_config)) as c:
        html = c.get(f"/articles/{aid}").text
        details = re.search(r'<details id="removed".*?</details>', html, re.S)
        assert details is not None and "open" not in details.group(0).split(">")[0]
        assert "Subscribe to our newsletter" in details.group(0) and "navigation" in details.group(0)
        assert "Subscribe to our newsletter" not in html.split('<details id="removed"')[0]
        assert c.get(f"/articles/{aid}.json").json()["article"]["removed"][0]["reason"] == "navigation"


# -- topics --------------------------------------------------------------------------------------


def test_topic_pages_and_their_json_twins(client: TestClient) -> None:
    data = client.get("/topics.json").json()
    topics = data["topics"]
    assert topics and data["total"] == len(topics) and data["order"] == "recent"
    html = client.get("/topics").text
    assert 'href="/topics.json"' in html and 'href="/topics"' in html  # the twin and the menu
    for t in topics:
        assert f'/topics/{t["id"]}"' in html
        one = client.get(f"/topics/{t['id']}.json").json()
        assert one["info"] == t
        stories = [s["info"] for s in one["stories"]]
        assert len(stories) == t["stories"] and sum(s["articles"] for s in stories) == t["articles"]
        # Newest first, each a story of this topic, and the story list filtered by the topic agrees.
        firsts = [s["first_published"] or "" for s in stories]
        assert firsts == sorted(firsts, reverse=True)
        listed = client.get("/stories.json", params={"topic": t["id"], "limit": 200}).json()
        assert {r["info"]["id"] for r in listed["stories"]} == {s["id"] for s in stories}
        assert listed["total"] == len(stories) and listed["filters"]["topic"] == t["id"]
        for s in stories:
            assert client.get(f"/stories/{s['id']}.json").json()["topic"]["info"]["id"] == t["id"]
        page = client.get(f"/topics/{t['id']}").text
        assert all(f'/stories/{s["id"]}"' in page for s in stories)
    by_size = client.get("/topics.json", params={"order": "size"}).json()["topics"]
    assert [t["articles"] for t in by_size] == sorted((t["articles"] for t in topics), reverse=True)


def test_topic_prefixes_redirect_and_bad_requests_say_why(client: TestClient) -> None:
    tid = client.get("/topics.json").json()["topics"][0]["id"]
    r = client.get(f"/topics/{tid[:6]}", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"/topics/{tid}"
    r = client.get("/topics/tnope.json")
    assert r.status_code == 404 and r.json() == {
        "error": {"status": 404, "message": "no topic with id 'tnope'"}
    }
    assert client.get("/topics/tnope").status_code == 404
    r = client.get("/topics.json", params={"order": "alphabetical"})
    assert r.status_code == 400 and "order" in r.json()["error"]["message"]
    r = client.get("/stories.json", params={"topic": "tnope"})
    assert r.status_code == 404


def test_stories_from_before_topics_show_without_one(client: TestClient) -> None:
    """Stories written without the pipeline (a database from before topics) have no topic: pages still work."""
    assert client.get("/stories/sbig.json").json()["topic"] is None
    assert client.get("/stories/sbig").status_code == 200


def test_unknown_article_is_404_in_both_forms(client: TestClient) -> None:
    assert client.get("/articles/zzzzzzzz.json").json()["error"]["message"] == "no article with id 'zzzzzzzz'"
    assert client.get("/articles/zzzzzzzz").status_code == 404
    assert client.get("/articles/zzzzzzzz/raw").status_code == 404
    assert client.get("/articles/zzzzzzzz/raw").json()["error"]["status"] == 404


def test_story_page_charts_its_publishers(client: TestClient) -> None:
    html = client.get("/stories/sbig").text
    chart = html[
        html.index('<svg class="coverage"') : html.index("</svg>", html.index('<svg class="coverage"'))
    ]
    assert chart.count('<g class="cov-row">') == 7  # Wire 0 to Wire 6
    assert 'class="k-near_copy"' in chart and 'class="k-original"' in chart
    assert "Articles per publisher: " in html  # the caption says what the colours are


def test_ids_are_prefixes_not_patterns_and_ambiguity_is_named(client: TestClient) -> None:
    # "%" used to be a LIKE wildcard: "%big" found "sbig" by its tail.
    r = client.get("/stories/%25big.json")
    assert r.status_code == 404 and r.json()["error"]["message"] == "no story with id '%big'"
    assert client.get("/stories/sbig.json").json()["story"]["info"]["id"] == "sbig"
    data = marrowby_story(client)
    sid = data["story"]["info"]["id"]
    assert client.get(f"/stories/{sid[1:5]}.json").json()["story"]["info"]["id"] == sid  # without the "s"
    aid = data["story"]["members"][0]["id"]
    assert client.get(f"/articles/{aid[:4]}.json").json()["article"]["id"] == aid
    r = client.get("/stories/sfu.json")
    assert r.json()["error"]["message"] == "no story with id 'sfu': an id prefix needs at least 4 characters"


def test_filtered_story_lists_have_a_total(client: TestClient) -> None:
    def total(**params: str) -> int:
        data = client.get("/stories.json", params={"limit": 1, **params}).json()
        assert isinstance(data["total"], int), data
        return int(data["total"])

    assert total(language="fr") == 1
    assert total(source="Wire 2") == 2
    assert total(q="Marrowby") == len(client.get("/stories.json", params={"q": "Marrowby"}).json()["stories"])
    assert total(q='Marrowby"') >= 1  # invalid FTS5: counted with the plain-words fallback the list uses
    assert total(language="xx") == 0
    assert total() == total(since="1900") > total(language="fr")
    assert "2 stories matching the filters" in client.get("/stories", params={"source": "Wire 2"}).text


# -- other pages --------------------------------------------------------------------------------


def test_rejects_api_page_health_and_openapi(client: TestClient) -> None:
    assert client.get("/rejects.json").json() == []
    assert "Nothing was rejected" in client.get("/rejects").text
    r = client.post(
        "/api/articles", json=[{"title": "No text here"}], headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 200
    assert r.json()["report"]["rejected"][0]["reason"].startswith("no text field")
    # The first field with text is used; a text field that is empty is named as such.
    r = client.post(
        "/api/articles",
        json=[
            {"title": "Blank", "text": " "},
            {"title": "Full", "text": "", "full_text": synthetic_text(41)},
        ],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    report = r.json()["report"]
    assert report["added"] == 1
    assert [x["reason"] for x in report["rejected"]] == ["empty text (text is empty)"]
    assert [a["id"] is None for a in r.json()["articles"]] == [True, False]
    # HTTP ingest rejects are reported in the answer; the rejects list holds what file ingest refused.
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/stories.json",
        "/stories/{story_id}.json",
        "/articles/{article_id}.json",
        "/api/articles",
    } <= paths
    assert "/articles/{article_id}/raw" in paths and "/rejects.json" in paths
    assert "post" in spec["paths"]["/api/articles"]
    api = client.get("/api").text
    assert "/api/articles" in api and "/stories.json" in api
    missing = client.get("/no/such/page", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "no page at /no/such/page" in missing.text


def test_rejects_page_lists_file_rejects(tmp_path: Path, fast_config: Config, data: Path) -> None:
    with Storyline(tmp_path / "r.db", config=fast_config) as sl:
        sl.ingest([str(data / "ingest" / "broken" / "empty.txt")])
    with TestClient(create_app(tmp_path / "r.db", fast_config)) as c:
        rows = c.get("/rejects.json").json()
        assert rows and rows[0]["reason"] == "empty file"
        assert "empty file" in c.get("/rejects").text


def test_security_headers_forbid_scripts(client: TestClient) -> None:
    r = client.get("/stories")
    assert "script-src" not in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "<script" not in r.text


# -- ingest over HTTP ---------------------------------------------------------------------------


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def _record(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"feed-{i}",
        "title": f"Feed item {i}",
        "text": synthetic_text(5000 + i),
        "date": "2024-06-01",
        **extra,
    }


def test_post_json_object_array_and_jsonl(client: TestClient) -> None:
    r = client.post("/api/articles", json=_record(1), headers=_auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["report"]["added"] == 1 and body["report"]["read"] == 1
    aid = body["articles"][0]["id"]
    assert body["articles"][0]["story"]
    assert client.get(f"/articles/{aid}.json").json()["article"]["title"] == "Feed item 1"
    # The same record again adds nothing.
    again = client.post("/api/articles", json=_record(1), headers=_auth()).json()
    assert again["report"]["added"] == 0 and again["report"]["already_present"] == 1
    r = client.post("/api/articles", json=[_record(2), _record(3)], headers=_auth())
    assert r.json()["report"]["added"] == 2
    r = client.post("/api/articles", json={"articles": [_record(4)]}, headers=_auth())
    assert r.json()["report"]["added"] == 1
    lines = "\n".join(json.dumps(_record(i)) for i in (5, 6, 7)) + "\n\n"
    r = client.post(
        "/api/articles", content=lines, headers={**_auth(), "content-type": "application/x-ndjson"}
    )
    assert r.json()["report"]["added"] == 3
    # Without a telling content type, JSON Lines are recognised too.
    lines = "\n".join(json.dumps(_record(i)) for i in (8, 9))
    r = client.post("/api/articles", content=lines, headers={**_auth(), "content-type": "text/plain"})
    assert r.json()["report"]["added"] == 2
    r = client.post("/api/articles?source=crawler-7", json=_record(10), headers=_auth())
    aid = r.json()["articles"][0]["id"]
    assert client.get(f"/articles/{aid}.json").json()["article"]["source"] == "crawler-7"


@pytest.mark.parametrize(
    ("content", "ctype", "status", "message"),
    [
        (b"", "application/json", 400, "body is empty"),
        (b"{not json", "application/json", 400, "body is not valid JSON"),
        (b"[1, 2]", "application/json", 400, "item 1 is a JSON int"),
        (b'{"text": "x"}\n{oops', "application/x-ndjson", 400, "line 2 is not valid JSON"),
        (b"[]", "application/json", 400, "body holds no article"),
        (b"\xff\xfe\x00", "application/json", 400, "not UTF-8"),
        (b"text=hello", "application/x-www-form-urlencoded", 415, "is not accepted"),
    ],
)
def test_bad_bodies_are_refused_with_a_message(
    client: TestClient, content: bytes, ctype: str, status: int, message: str
) -> None:
    r = client.post("/api/articles", content=content, headers={**_auth(), "content-type": ctype})
    assert r.status_code == status
    assert message in r.json()["error"]["message"]


def test_writes_need_the_token(client: TestClient) -> None:
    r = client.post("/api/articles", json=_record(20))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in r.json()["error"]["message"]
    r = client.post(
        "/api/articles", json=_record(20), headers={"Authorization": "Bearer wrong-token-000000000"}
    )
    assert r.status_code == 403 and r.json()["error"]["message"] == "wrong token"
    r = client.post("/api/articles", json=_record(20), headers={"Authorization": f"Basic {TOKEN}"})
    assert r.status_code == 401
    # Reads never need it.
    assert client.get("/stories.json").status_code == 200


def test_body_size_is_limited(client: TestClient) -> None:
    big = [_record(30, text="word " * 20_000)]  # about 100 kB, over the 64 kB limit of this app
    r = client.post("/api/articles", json=big, headers=_auth())
    assert r.status_code == 413
    assert "larger than the limit of 65536 bytes" in r.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        yield b"["
        for _ in range(100):
            yield json.dumps(_record(31)).encode() + b","
        yield b"{}]"

    r = client.post(
        "/api/articles", content=chunks(), headers={**_auth(), "content-type": "application/json"}
    )
    assert r.status_code == 413


def test_read_only_server_refuses_writes(db: Path, fast_config: Config) -> None:
    with TestClient(create_app(db, fast_config, readonly=True)) as c:
        r = c.post("/api/articles", json=_record(40))
        assert r.status_code == 403 and "read-only" in r.json()["error"]["message"]
        assert c.get("/healthz").json()["writable"] is False
        assert c.get("/stories/sfull").status_code == 200
        tid = c.get("/topics.json").json()["topics"][0]["id"]
        assert c.get(f"/topics/{tid}").status_code == 200


def test_stale_views_are_shown_by_a_read_only_server(db: Path, fast_config: Config) -> None:
    with Store(db) as store, store.atomic():
        store.refresh_story("slong")  # marks the cached view stale
    assert Store(db).get_story_view("slong") is None
    with TestClient(create_app(db, fast_config, readonly=True)) as c:
        assert c.get("/stories/slong.json").status_code == 200
    assert Store(db).get_story_view("slong") is None  # computed, not written
    with TestClient(create_app(db, fast_config)) as c:
        assert c.get("/stories/slong").status_code == 200
    # A writable server's pages do not write either: `storyline enrich` stores views.
    assert Store(db).get_story_view("slong") is None


def test_a_view_of_another_version_is_rebuilt_not_shown(db: Path, fast_config: Config) -> None:
    # A database written by an earlier storyline holds views of an older layout.
    old = {
        "headline": "Old layout",
        "quotes": [{"text": "Stale words.", "speaker": "Nobody", "article": "x"}],
    }
    with Store(db) as store, store.atomic():
        store.put_story_view("slong", "Old layout", {**old, "version": VIEW_VERSION - 1})
    assert Store(db).get_story_view("slong") is not None
    assert Store(db).get_story_view("slong", VIEW_VERSION) is None
    with Storyline(db, config=fast_config, readonly=True) as sl:
        story = sl.story("slong")
    assert "Stale words." not in {q.text for q in story.quotes}
    assert len(story.members) == 2
    assert "slong" in Store(db).stale_stories(VIEW_VERSION)
    with Storyline(db, config=fast_config) as sl:
        assert sl.refresh_views() >= 1
    stored = Store(db).get_story_view("slong", VIEW_VERSION)
    assert stored is not None and stored["version"] == VIEW_VERSION
    assert "slong" not in Store(db).stale_stories(VIEW_VERSION)


def test_posted_script_is_escaped_everywhere(client: TestClient) -> None:
    rec = _record(
        50, title=f"Breaking {XSS} news", text=f"{XSS} " + synthetic_text(77), source=f"Evil {XSS} Press"
    )
    r = client.post("/api/articles", json=rec, headers=_auth())
    assert r.status_code == 200
    aid, sid = r.json()["articles"][0]["id"], r.json()["articles"][0]["story"]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in (f"/articles/{aid}", f"/stories/{sid}", "/stories", "/stories?q=alert"):
        html = client.get(url).text
        assert XSS not in html, url
        assert "<script" not in html, url
        assert escaped in html, url
    # JSON keeps the text as it was written: it is data, not markup.
    assert XSS in client.get(f"/articles/{aid}.json").json()["article"]["title"]


# -- the serve command --------------------------------------------------------------------------


def test_serve_refuses_public_host_without_token(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        main, ["--db", str(tmp_path / "x.db"), "serve", "--host", "0.0.0.0"], env={"STORYLINE_TOKEN": ""}
    )
    assert res.exit_code == 2
    assert "--host 0.0.0.0 is reachable from other machines, so writes need a token" in res.output
    res = runner.invoke(main, ["--db", str(tmp_path / "x.db"), "serve", "--token", "short"])
    assert res.exit_code == 2 and "at least 16 characters" in res.output
    res = runner.invoke(main, ["--db", str(tmp_path / "x.db"), "serve", "--max-body", "lots"])
    assert res.exit_code == 2 and "is not a size" in res.output


def test_untitled_articles_are_named_by_their_first_words(client: TestClient) -> None:
    text = "Harbour cranes stood idle on Tuesday as the strike entered its third day.\n\n" + synthetic_text(
        91
    )
    r = client.post("/api/articles", json={"id": "untitled-1", "text": text}, headers=_auth())
    aid, sid = r.json()["articles"][0]["id"], r.json()["articles"][0]["story"]
    html = client.get(f"/stories/{sid}").text
    stand_in = "Harbour cranes stood idle on Tuesday as the strike entered its third day."
    assert f'class="member-title untitled" href="/articles/{aid}">{stand_in}</a>' in html
    page = client.get(f"/articles/{aid}").text
    assert '<h1 class="headline untitled"' in page and stand_in in page
    assert client.get(f"/articles/{aid}.json").json()["article"]["title"] is None
