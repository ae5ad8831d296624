"""Regenerate the reader fixtures in this folder from MEANTIME articles (CC BY 4.0).

    python tests/data/make_ingest_fixtures.py ../shared/corpus/meantime/meantime_docs.jsonl

The article texts are Wikinews articles from the MEANTIME corpus (NewsReader / Minard et al., LREC
2016), CC BY 4.0; the page templates, feeds and crawl records around them are made up.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent / "ingest"


def load(src: str) -> dict[str, dict]:
    docs = [json.loads(x) for x in Path(src).read_text(encoding="utf-8").splitlines() if x.strip()]
    return {f"{d['doc_id']}/{d['lang']}": d for d in docs}


def body(d: dict) -> str:
    return " ".join(d["sentences"][2:])


def paras(d: dict, n: int = 3) -> list[str]:
    s = d["sentences"][2:]
    return [" ".join(s[i : i + n]) for i in range(0, len(s), n)]


def page(d: dict, site: str, url: str) -> str:
    ps = "\n".join(f"    <p>{p}</p>" for p in paras(d))
    return f"""<!DOCTYPE html>
<html lang="{d["lang"]}">
<head>
  <meta charset="utf-8">
  <title>{d["title"]} | {site}</title>
  <link rel="canonical" href="{url}">
  <meta property="og:site_name" content="{site}">
  <meta property="article:published_time" content="{d["date"]}T09:30:00Z">
  <meta name="author" content="Staff reporter">
</head>
<body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/business">Business</a></li>
  <li><a href="/tech">Tech</a></li><li><a href="/sport">Sport</a></li></ul></nav>
  <div class="cookie">We use cookies to improve your experience. <button>Accept all</button></div>
  <article>
    <h1>{d["title"]}</h1>
    <p class="byline">By Staff reporter, {d["date"]}</p>
{ps}
  </article>
  <aside><h3>Related stories</h3><ul><li><a href="/a">Markets close higher</a></li>
  <li><a href="/b">New tablet announced</a></li></ul></aside>
  <footer><a href="/terms">Terms of use</a> <a href="/privacy">Privacy policy</a> © 2008 {site}</footer>
</body>
</html>
"""


def warc(records: list[tuple[str, str, str, bytes]]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "fixture"}))
    for url, status, ctype, payload in records:
        req = writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
        writer.write_record(req)
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http)
        )
    return buf.getvalue()


def main(src: str) -> None:
    docs = load(src)
    en = [d for k, d in docs.items() if k.endswith("/en")][:12]
    es = docs[f"{en[0]['doc_id']}/es"]
    text = HERE / "text"
    text.mkdir(exist_ok=True)
    (text / "dated.txt").write_text(
        f" date {en[0]['date']} {en[0]['title']}\n\n" + "\n\n".join(paras(en[0])) + "\n"
    )
    (text / "header.txt").write_text(
        f"Title: {en[1]['title']}\nDate: {en[1]['date']}\nSource: Wikinews\n\n"
        + "\n\n".join(paras(en[1]))
        + "\n"
    )
    (text / "latin1.txt").write_bytes(("\n\n".join(paras(es)) + "\n").encode("latin-1", "replace"))
    (text / "utf16.txt").write_bytes(("\n\n".join(paras(en[2])) + "\n").encode("utf-16"))

    html = HERE / "html"
    html.mkdir(exist_ok=True)
    (html / "page.html").write_text(page(en[3], "Example Times", "https://example.org/2008/03/tanker-deal"))
    (html / "page.htm.gz").write_bytes(
        gzip.compress(page(en[4], "Daily Example", "https://daily.example/ryanair").encode())
    )

    rec = HERE / "records"
    rec.mkdir(exist_ok=True)
    lines = [
        json.dumps(
            {
                "id": "r1",
                "title": en[5]["title"],
                "maintext": body(en[5]),
                "date_publish": en[5]["date"],
                "source_domain": "wikinews.org",
                "language": "en",
                "url": "https://en.wikinews.org/r1",
            }
        ),
        json.dumps(
            {"uuid": "r2", "title": en[6]["title"], "content": body(en[6]), "published": en[6]["date"]}
        ),
        '{"id": "r3", "title": "broken", "text": "unterminated',
        json.dumps({"id": "r4", "title": "no text here", "date": "2008-01-01"}),
        json.dumps({"doc_id": "r5", "title": en[7]["title"], "full_text": body(en[7]), "lang": "en"}),
    ]
    (rec / "articles.jsonl").write_text("\n".join(lines) + "\n")
    (rec / "articles.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines[:2]) + "\n").encode()))
    (rec / "articles.json").write_text(
        json.dumps(
            {
                "articles": [
                    {"id": "j1", "title": en[8]["title"], "body": body(en[8]), "date": en[8]["date"]},
                    {"id": "j2", "title": en[9]["title"], "text": body(en[9]), "date": en[9]["date"]},
                ]
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    import csv

    with (rec / "articles.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "text", "date", "publisher", "lang"])
        w.writerow(["c1", en[10]["title"], body(en[10]), en[10]["date"], "Wikinews", "en"])
        w.writerow(["c2", en[11]["title"], body(en[11]), en[11]["date"], "Wikinews", "en"])
        w.writerow(["c3", "empty row", "", "2009-01-01", "Wikinews", "en"])

    wdir = HERE / "warc"
    wdir.mkdir(exist_ok=True)
    data = warc(
        [
            (
                "https://example.org/a",
                "200 OK",
                "text/html; charset=utf-8",
                page(en[0], "Example Times", "https://example.org/a").encode(),
            ),
            ("https://example.org/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
            (
                "https://example.org/missing",
                "404 Not Found",
                "text/html",
                b"<html><body>Not found</body></html>",
            ),
            (
                "https://example.org/b",
                "200 OK",
                "text/html",
                page(en[1], "Example Times", "https://example.org/b").encode(),
            ),
        ]
    )
    (wdir / "crawl.warc.gz").write_bytes(data)

    feeds = HERE / "feeds"
    feeds.mkdir(exist_ok=True)
    items = "".join(
        f"""<item><title>{d["title"]}</title><link>https://feed.example/{i}</link><guid>feed-{i}</guid>
<pubDate>Mon, 0{i + 1} Mar 2008 10:00:00 GMT</pubDate>
<description>{d["sentences"][2]}</description>
<content:encoded><![CDATA[{"".join(f"<p>{p}</p>" for p in paras(d))}]]></content:encoded></item>
"""
        for i, d in enumerate(en[2:4])
    )
    (feeds / "news.rss").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Feed Example News</title><link>https://feed.example/</link><language>en</language>
{items}</channel></rss>
""")
    entries = "".join(
        f"""<entry><title>{d["title"]}</title><link href="https://atom.example/{i}"/><id>urn:atom:{i}</id>
<updated>2009-0{i + 1}-15T08:00:00Z</updated><author><name>Desk</name></author>
<summary type="html">{" ".join(d["sentences"][2:6]).replace("&", "&amp;").replace("<", "&lt;")}</summary></entry>
"""
        for i, d in enumerate(en[4:6])
    )
    (feeds / "news.atom").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Example</title><id>urn:atom</id>
<updated>2009-02-15T08:00:00Z</updated>
{entries}</feed>
""")

    broken = HERE / "broken"
    broken.mkdir(exist_ok=True)
    (broken / "empty.txt").write_bytes(b"")
    (broken / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (broken / "truncated.html.gz").write_bytes(
        gzip.compress(page(en[5], "X", "https://x.example").encode())[:300]
    )
    (broken / "nav_only.html").write_text(
        "<html><head><title>Index</title></head><body><nav><a href='/'>Home</a> <a href='/a'>About</a>"
        "</nav><footer>© Example</footer></body></html>"
    )
    (broken / "bad.json").write_text('{"articles": [ {"id": 1, "text": "a"} ')
    (broken / "not_a_feed.rss").write_text("this is not xml at all <<<")
    (broken / "truncated.warc.gz").write_bytes(data[:200])
    (broken / "short.txt").write_text("Too short.\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/meantime/meantime_docs.jsonl")
