"""Headless Chromium against `storyline serve` on loopback, with a five-text story ingested.

Uses Debian's Chromium at /usr/bin/chromium (or $CHROMIUM) through Playwright; no browser is ever
downloaded. Without Chromium the tests are skipped, except in CI (``CI`` set), where they fail.
Screenshots go to ``test-output/web/<fixture>/`` at the root of the repository.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, synthetic_text
from storyline.api import Storyline
from storyline.web.process import CHROMIUM, CHROMIUM_ARGS, ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUT = Path(__file__).resolve().parents[2] / "test-output" / "web"
TOKEN = "browser-test-token-0123456789"
XSS = "<script>alert(1)</script>"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
COPY_LABELS = {"exact copy", "near copy", "excerpt"}
LABELS = COPY_LABELS | {"translation", "rewrite", "update", "original"}
LABEL = {"exact": "exact copy", "near_copy": "near copy"}


def _require_browser() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing: pip install -e '.[dev]'"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; CI is set, so the browser tests must run", pytrace=False)
        pytest.skip(problem)


@dataclass(frozen=True)
class StoryCase:
    """A folder to ingest and what its main story must look like on the page.

    Attributes:
        folder: ingested as it is.
        articles: members of the folder's biggest story.
        first_day: the first date of its timeline, as the page shows it.
        copy: file name of a member that copies another one.
        apart: file names of articles that belong to no story of the main story's topic.
    """

    folder: Path
    articles: int
    first_day: str
    copy: str
    apart: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.folder.parent.name if self.folder.name == "corpus" else self.folder.name

    @property
    def shots(self) -> Path:
        """Where this case's screenshots go."""
        folder = OUT / self.name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


CASES = [
    # Five texts of one invented story: an original web page, a content-farm copy, a translation,
    # an earlier and a later report.
    StoryCase(DATA / "web" / "marrowby", articles=5, first_day="3 Mar 2024", copy="02_market_daily.txt"),
    # The look-alike corpus (see tests/data/lookalike/README.md), where present: six texts of one
    # story in the shape of the Izium case, plus two that belong elsewhere.
    StoryCase(
        DATA / "lookalike" / "corpus",
        articles=6,
        first_day="11 Mar 2024",
        copy="000_copy.txt",
        apart=("007_unrelated.txt",),  # a football report of the same week
    ),
]


@pytest.fixture(
    scope="module",
    params=[c for c in CASES if c.folder.is_dir()],
    ids=lambda c: c.name,
)
def story_case(request: pytest.FixtureRequest) -> StoryCase:
    """A folder to ingest as it is, and what its main story must look like."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def server(story_case: StoryCase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    _require_browser()
    tmp = tmp_path_factory.mktemp("browser")
    db = tmp / "browser.db"
    # The real multilingual encoder: which texts form one story is what these tests look at.
    with Storyline(db) as sl:
        report = sl.ingest([str(story_case.folder)])
    assert report.added == len(list(story_case.folder.iterdir())) and not report.rejected
    with ServerProcess(db, token=TOKEN, log=tmp / "serve.log") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server: ServerProcess) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def get_json(server: ServerProcess, path: str) -> Any:
    with urllib.request.urlopen(server.url + path, timeout=30) as r:
        return json.load(r)


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def main_story(server: ServerProcess) -> str:
    stories = get_json(server, "/stories.json?order=size&limit=1")["stories"]
    return str(stories[0]["info"]["id"])


def test_story_page_shows_headline_members_badges_and_timeline(
    server: ServerProcess, browser: Any, story_case: StoryCase
) -> None:
    n = story_case.articles
    sid = main_story(server)
    data = get_json(server, f"/stories/{sid}.json")
    members = data["story"]["members"]
    assert len(members) == n, f"the {n} texts of the story are one story"

    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{server.url}/stories")
    item = page.locator(".story-item", has=page.locator(f'a[href="/stories/{sid}"]'))
    assert item.locator("svg.spark").is_visible()
    shots = story_case.shots
    page.screenshot(path=str(shots / "stories-desktop.png"), full_page=True)

    item.locator(".story-headline a").click()
    page.wait_for_url(f"**/stories/{sid}")
    headline = page.locator("h1.headline")
    assert headline.is_visible()
    assert headline.text_content() == data["story"]["info"]["headline"] != ""

    rows = page.locator("#articles li.member")
    assert rows.count() == n
    shown = {}
    for i in range(n):
        row = rows.nth(i)
        badge = row.locator(".badge")
        assert badge.is_visible()
        shown[row.get_attribute("data-article")] = badge.text_content()
    assert set(shown) == {m["id"] for m in members}
    for m in members:
        expected = LABEL.get(m["relation"], m["relation"]) if m["relation"] else "original"
        assert shown[m["id"]] == expected
    assert set(shown.values()) <= LABELS
    farm = next(m for m in members if Path(m["source"]).name == story_case.copy)
    assert shown[farm["id"]] in COPY_LABELS, "the content-farm repost is named as a copy"
    assert "original" in shown.values()

    timeline = page.locator("#timeline")
    assert timeline.is_visible()
    dates = timeline.locator(".tl-date")
    assert dates.count() >= 3
    assert dates.first.text_content().strip() == story_case.first_day, "the first report opens the timeline"
    assert page.locator("#provenance svg.provenance").is_visible()
    # Reports over time, by language and by source, with their legends (static SVG).
    charts = page.locator("#activity svg.daily")
    assert charts.count() == 2 and charts.nth(0).is_visible() and charts.nth(1).is_visible()
    assert charts.nth(0).locator("rect").count() >= 2, "bars for the days with reports"
    languages = {m["language"] or "unknown" for m in members if m["published"]}
    shown_languages = set(page.locator("#activity .daily-language .legend .name").all_text_contents())
    assert shown_languages == languages
    # Who reported first and who copied whom: the copy's publisher names its source.
    table = page.locator("#sources table.first-reports")
    assert table.is_visible()
    assert table.locator("tbody tr").first.locator(".when").text_content().strip().endswith("first")
    copier = farm["publisher"] or Path(farm["source"]).name
    row = table.locator("tbody tr", has=page.locator("td", has_text=copier))
    assert row.count() >= 1 and row.first.locator("td").nth(2).text_content().strip() not in ("", "—")
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "story-desktop.png"), full_page=True)
    page.locator("#activity").screenshot(path=str(shots / "story-charts.png"))

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.locator("#articles li.member").count() == n
    assert no_horizontal_scroll(page), "the story page fits a phone screen"
    page.screenshot(path=str(shots / "story-phone.png"), full_page=True)
    page.close()


def test_article_page_hides_removed_text_until_asked(
    server: ServerProcess, browser: Any, story_case: StoryCase
) -> None:
    sid = main_story(server)
    first = get_json(server, f"/stories/{sid}.json")["story"]["members"][0]["id"]
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{server.url}/articles/{first}")
    details = page.locator("details#removed")
    assert details.get_attribute("open") is None
    assert not page.locator("details#removed a").is_visible()
    page.locator("details#removed summary").click()
    assert details.get_attribute("open") is not None
    assert page.locator("details#removed a").is_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(story_case.shots / "article-phone.png"), full_page=True)
    page.close()


def test_posted_script_stays_inert_in_the_browser(server: ServerProcess, browser: Any) -> None:
    record = {
        "id": "xss-1",
        "title": f"Harbour news {XSS}",
        "text": f"Marrowby council statement. {XSS} " + synthetic_text(9),
        "source": "Test Press",
        "date": "2024-03-07",
    }
    req = urllib.request.Request(
        f"{server.url}/api/articles",
        data=json.dumps(record).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        placed = json.load(r)["articles"][0]
    page = browser.new_page(viewport=DESKTOP)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in (f"/articles/{placed['id']}", f"/stories/{placed['story']}", "/stories"):
        page.goto(server.url + path)
        page.wait_for_load_state("load")
        assert page.locator("main script").count() == 0, path
    page.goto(f"{server.url}/articles/{placed['id']}")
    assert XSS in (page.locator("h1.headline").text_content() or "")
    assert XSS in (page.locator("#text").text_content() or "")
    assert dialogs == []
    page.close()


def test_story_filters_live_in_the_url(server: ServerProcess, browser: Any, story_case: StoryCase) -> None:
    """Filters chosen in the form are in the address: a reload or a shared link shows the same list."""
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{server.url}/stories")
    page.locator(".filter-more summary").click()
    page.locator('select[name="language"]').select_option("es")
    page.locator('select[name="order"]').select_option("size")
    page.locator(".filter-actions button[type=submit]").click()
    page.wait_for_url("**/stories?*language=es*")
    assert "order=size" in page.url
    shown = page.locator(".story-item").count()
    assert shown >= 1 and "matching the filters" in page.locator(".result-count").text_content()
    page.reload()
    assert page.locator('select[name="language"]').input_value() == "es"
    assert page.locator('select[name="order"]').input_value() == "size"
    assert page.locator(".filter-more").get_attribute("open") is not None, "the filters stay open"
    assert page.locator(".story-item").count() == shown
    page.screenshot(path=str(story_case.shots / "stories-filtered.png"), full_page=True)
    page.locator(".filter-actions a", has_text="Clear all").click()
    page.wait_for_url(f"{server.url}/stories")
    assert page.locator('select[name="language"]').input_value() == ""
    page.close()


def test_topic_page_from_the_story_page(server: ServerProcess, browser: Any, story_case: StoryCase) -> None:
    """The story page names its topic; the topic page lists its events newest first and leads back."""
    sid = main_story(server)
    story = get_json(server, f"/stories/{sid}.json")
    topic = story["topic"]
    assert topic is not None, "every story placed by an ingest has a topic"
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{server.url}/stories/{sid}")
    side = page.locator("#topic")
    assert side.is_visible()
    side.locator("a").first.click()
    page.wait_for_url(f"**/topics/{topic['info']['id']}")
    assert page.locator("h1").text_content().strip() == (topic["info"]["headline"] or "Untitled topic")
    events = page.locator(".topic-event")
    assert events.count() == len(topic["stories"])
    shown = [events.nth(i).locator("h3 a").get_attribute("href") for i in range(events.count())]
    assert shown == [f"/stories/{s['info']['id']}" for s in topic["stories"]]
    assert f"/stories/{sid}" in shown
    assert "Started this topic" in page.locator("#events").text_content()
    assert "Untitled story" not in page.locator("#events").text_content()  # named by their opening words
    for name in story_case.apart:
        for s in topic["stories"]:
            members = get_json(server, f"/stories/{s['info']['id']}.json")["story"]["members"]
            assert not any(m["source"].endswith(name) for m in members), (name, s["info"]["headline"])
    page.screenshot(path=str(story_case.shots / "topic-desktop.png"), full_page=True)
    page.locator(".story-meta a", has_text="as a story list").click()
    page.wait_for_url(f"**/stories?topic={topic['info']['id']}")
    assert page.locator(".story-item").count() == len(topic["stories"])
    assert topic["info"]["headline"][:20] in page.locator(".topic-filter").text_content()
    page.locator(".topic-filter a.clear").click()
    page.wait_for_url(f"{server.url}/stories")
    page.goto(f"{server.url}/topics")
    assert page.locator(".story-item").count() == get_json(server, "/topics.json")["total"]
    page.screenshot(path=str(story_case.shots / "topics-desktop.png"), full_page=True)
    page.close()
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{server.url}/topics/{topic['info']['id']}")
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=str(story_case.shots / "topic-phone.png"), full_page=True)
    phone.close()
