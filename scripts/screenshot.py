"""Ingest a folder, serve it with ``storyline serve`` on loopback, and screenshot its pages in Chromium.

    PYTHONPATH=src python scripts/screenshot.py                      # ../shared/corpus/izium
    PYTHONPATH=src python scripts/screenshot.py tests/data/web/marrowby --out /tmp/shots

Writes, for a desktop and a phone width: the story list, the biggest story and its first article.
Uses Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) through Playwright; no browser is downloaded.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from storyline.api import Storyline
from storyline.config import load_config
from storyline.web.process import CHROMIUM, CHROMIUM_ARGS, ServerProcess

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def default_corpus() -> Path:
    """The Izium texts in the shared data folder next to the repository."""
    return ROOT / ".." / "shared" / "corpus" / "izium"


def main() -> None:
    """Ingest, serve, screenshot."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=default_corpus(), help="articles to ingest")
    ap.add_argument("--out", type=Path, default=ROOT / "test-output" / "screenshots", help="where PNGs go")
    ap.add_argument("--db", type=Path, default=None, help="database to use (a temporary one by default)")
    ap.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "screens.db"
        with Storyline(db, config=load_config(args.config)) as sl:
            report = sl.ingest([str(args.folder)])
            stories = sl.stories(limit=1, order="size")
            first = sl.story(stories[0].id) if stories else None
        print(f"ingested {args.folder}: {report.added} added, {report.duplicates} duplicates")
        with (
            ServerProcess(db, config=args.config, log=args.out / "serve.log") as server,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            pages = {"stories": "/stories"}
            if first is not None:
                pages["story"] = f"/stories/{first.info.id}"
                pages["article"] = f"/articles/{first.members[0].id}"
            for width_name, (w, h) in WIDTHS.items():
                page = browser.new_page(viewport={"width": w, "height": h})
                for name, path in pages.items():
                    page.goto(server.url + path)
                    target = args.out / f"{name}-{width_name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(f"wrote {target}")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
