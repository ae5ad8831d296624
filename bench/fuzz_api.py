"""Property-based fuzzing of the HTTP API: any request gets an answer below 500, and every posted record is accounted for.

The app runs in this process (Starlette's test client: no socket, no network) over a database
built from the committed fixtures with the lexical hashing encoder, so each request is cheap
and ids are real. hypothesis draws requests:
- every route, with ids that are real, real prefixes, or mangled (``%``, ``_``, ``%25``, ``..``,
  NUL, very long, non-ASCII) and query parameters with absurd values (``page=2**63``, negative
  limits, FTS syntax, malformed dates);
- ``POST /api/articles`` with real records, random JSON values, JSON Lines with broken lines,
  deep nesting, random bytes, wrong content types and lengths, with and without the token;
- other methods on the same paths.
A crash is an exception or a 5xx answer. An error answer on an API route must be the JSON error
object; a 200 answer to a post must place or reject every record it read (else the input is
counted as unaccounted).

    python bench/fuzz_api.py [--requests 20000] [--seed 0]

Prints requests run, crashes, unaccounted, answers by status and the slowest request; exits 1 on
any failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from storyline.api import Storyline  # noqa: E402
from storyline.config import Config, EmbedConfig, IngestConfig  # noqa: E402

DATA = ROOT / "tests" / "data"
TOKEN = "fuzz-token"
# The lexical hashing encoder and one process: requests are about plumbing, and cheap.
CONFIG = Config(embed=EmbedConfig(model="hashing"), ingest=IngestConfig(executor="local"))

MANGLED = [
    "%",
    "_",
    "%25",
    "%2F",
    "..",
    "../..",
    "\x00",
    "'",
    '"',
    ";--",
    "*",
    "é",
    "\u202e",
    "\ud7ff",
    "𝒜",
    " ",
    "0" * 300,
    "a" * 5000,
]
PARAMS = ["page", "limit", "q", "language", "source", "entity", "since", "until", "order", "topic", "members"]
ODD_VALUES = [
    "",
    "0",
    "-1",
    str(2**63),
    str(-(2**63)),
    "1e9",
    "NaN",
    "abc",
    '"',
    "*",
    "NEAR(",
    "a AND",
    "OR OR",
    "2024-02-30",
    "2024-13-01",
    "9999-99-99",
    "size",
    "recent",
    "x" * 2000,
    "\x00",
    "é€𝒜",
]
CONTENT_TYPES = [
    "application/json",
    "application/x-ndjson",
    "text/plain",
    "application/octet-stream",
    "",
    "text/html",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
]


@dataclass
class Result:
    """What fuzzing the API found."""

    requests: int = 0
    crashes: int = 0
    unaccounted: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0
    examples: list[str] = field(default_factory=list)


def build_database(path: Path) -> dict[str, list[str]]:
    """A database from the committed fixtures; returns its article, story and topic ids."""
    with Storyline(path, config=CONFIG) as sl:
        sl.ingest([str(DATA / "stories" / "ecbplus.jsonl"), str(DATA / "lookalike" / "corpus")])
        conn = sl.store.conn
        return {
            kind: [r[0] for r in conn.execute(f"SELECT {col} FROM {table} LIMIT 200")]
            for kind, table, col in (
                ("article", "articles", "id"),
                ("story", "stories", "id"),
                ("topic", "story_topics", "topic"),
            )
        }


def record_texts() -> list[dict[str, Any]]:
    """Real records to post (from the MEANTIME fixture), some cut short."""
    lines = (DATA / "stories" / "meantime.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines if x.strip()][:40]


def ids(real: list[str]) -> st.SearchStrategy[str]:
    """Real ids, their prefixes, and mangled ones."""
    full = st.sampled_from(real or ["none"])
    return st.one_of(
        full,
        full.flatmap(lambda i: st.integers(0, len(i)).map(lambda k: i[:k])),
        st.tuples(full, st.sampled_from(MANGLED)).map(lambda t: t[0][:6] + t[1]),
        st.sampled_from(MANGLED),
        st.text(max_size=40),
    )


def queries() -> st.SearchStrategy[dict[str, str]]:
    """Query parameters: mostly the routes' own names, with odd values (hypothesis weighs branches alike)."""
    known = st.sampled_from(PARAMS)
    odd = st.sampled_from(ODD_VALUES)
    return st.dictionaries(
        known | known | known | st.text(max_size=8),
        odd | odd | st.text(max_size=30) | st.integers(-(2**70), 2**70).map(str),
        max_size=5,
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=100),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


def bodies(records: list[dict[str, Any]]) -> st.SearchStrategy[bytes]:
    real = st.lists(st.sampled_from(records), min_size=1, max_size=3)

    def mangle(recs: list[dict[str, Any]], how: int) -> bytes:
        if how == 0:
            return json.dumps(recs).encode()
        if how == 1:
            return "\n".join(json.dumps(r) for r in recs).encode()
        if how == 2:
            return ("\n".join(json.dumps(r) for r in recs) + "\n{broken\n").encode()
        if how == 3:
            return json.dumps({"articles": recs}).encode()
        return json.dumps(recs[0]).encode()[: max(1, how * 37)]

    return st.one_of(
        st.tuples(real, st.integers(0, 12)).map(lambda t: mangle(*t)),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.lists(JSON_VALUES, max_size=4).map(lambda vs: "\n".join(json.dumps(v) for v in vs).encode()),
        st.integers(1, 200_000).map(lambda n: b"[" * n),
        st.integers(1, 50_000).map(lambda n: b'{"text":' * n),
        st.binary(max_size=2000),
        st.sampled_from([b"", b"\xef\xbb\xbf", b"null", b"[]", b"{}", b'{"text": "\\ud800"}', b"1e999999"]),
    )


@st.composite
def requests(draw: st.DrawFn, real: dict[str, list[str]], records: list[dict[str, Any]]) -> dict[str, Any]:
    """One request: method, path, query, headers, body."""
    kind = draw(st.sampled_from(["get", "get", "get", "post", "post", "other"]))
    if kind == "post":
        headers = {"content-type": draw(st.sampled_from(CONTENT_TYPES))}
        auth = draw(st.sampled_from(["good", "good", "good", "none", "wrong", "scheme"]))
        if auth != "none":
            headers["authorization"] = {
                "good": f"Bearer {TOKEN}",
                "wrong": "Bearer nope",
                "scheme": f"Basic {TOKEN}",
            }[auth]
        if draw(st.integers(0, 9)) == 0:
            headers["content-length"] = draw(st.sampled_from(["-1", "abc", str(2**64), "0"]))
        query = draw(st.sampled_from([{}, {}, {"source": "feed"}, {"source": "x" * 300}]))
        return {
            "method": "POST",
            "path": "/api/articles",
            "query": query,
            "headers": headers,
            "body": draw(bodies(records)),
        }
    path = draw(
        st.sampled_from(
            [
                "/",
                "/healthz",
                "/api",
                "/openapi.json",
                "/stories",
                "/stories.json",
                "/stories/{story}",
                "/stories/{story}.json",
                "/articles/{article}",
                "/articles/{article}.json",
                "/articles/{article}/raw",
                "/topics",
                "/topics.json",
                "/topics/{topic}",
                "/topics/{topic}.json",
                "/rejects",
                "/rejects.json",
                "/static/{article}",
                "/{article}",
            ]
        )
    )
    for name in ("story", "article", "topic"):
        if "{" + name + "}" in path:
            path = path.replace("{" + name + "}", draw(ids(real[name])))
    method = (
        "GET"
        if kind == "get"
        else draw(st.sampled_from(["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "POST"]))
    )
    return {"method": method, "path": path, "query": draw(queries()), "headers": {}, "body": b""}


def check(result: Result, client: Any, req: dict[str, Any]) -> None:
    """Send one request and judge its answer."""
    from urllib.parse import quote

    result.requests += 1
    url = "/".join(quote(part, safe="") for part in req["path"].split("/"))
    start = time.perf_counter()
    try:
        resp = client.request(
            req["method"], url, params=req["query"], headers=req["headers"], content=req["body"] or None
        )
    except Exception:
        result.crashes += 1
        if len(result.examples) < 5:
            last = traceback.format_exc().strip().splitlines()[-1]
            result.examples.append(f"exception on {req['method']} {url[:100]!r}: {last}")
        return
    finally:
        result.slowest = max(result.slowest, time.perf_counter() - start)
    result.statuses[resp.status_code] += 1
    if resp.status_code >= 500:
        result.crashes += 1
        if len(result.examples) < 5:
            result.examples.append(f"{resp.status_code} on {req['method']} {url[:100]!r}: {resp.text[:200]}")
        return
    why = None
    is_api = url.startswith("/api/") or url.endswith(".json")
    if resp.status_code >= 400 and is_api and req["method"] != "HEAD":
        try:
            error = resp.json()["error"]
            if error["status"] != resp.status_code or not error["message"]:
                why = "error object without its status or message"
        except (ValueError, KeyError, TypeError):
            why = "error answer that is not the JSON error object"
    if req["method"] == "POST" and url == "/api/articles" and resp.status_code == 200:
        answer = resp.json()
        report, placed = answer["report"], answer["articles"]
        stored = [p for p in placed if p["id"]]
        if len(placed) != report["read"] or any(p["story"] is None for p in stored):
            why = "a record neither placed nor rejected"
        elif len(placed) - len(stored) > len(report["rejected"]):
            why = "more records unplaced than rejected"
    if why is not None:
        result.unaccounted += 1
        if len(result.examples) < 5:
            result.examples.append(f"{why}: {req['method']} {url[:100]!r} -> {resp.status_code}")


def fuzz(n: int = 2000, seed: int = 0, workdir: Path | None = None) -> Result:
    """Send `n` hypothesis requests to an app over a fixture database."""
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    result = Result()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        db = Path(tmp) / "fuzz.db"
        real = build_database(db)
        records = record_texts()
        app = create_app(db, CONFIG, token=TOKEN, max_body=2_000_000)
        with TestClient(app, raise_server_exceptions=False) as client:

            @hypothesis_seed(seed)
            @settings(
                max_examples=n,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(requests(real, records))
            def run(req: dict[str, Any]) -> None:
                check(result, client, req)

            run()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests to send (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    r = fuzz(args.requests, args.seed)
    took = time.perf_counter() - start
    print(
        f"requests {r.requests}, crashes {r.crashes}, unaccounted {r.unaccounted}, slowest {r.slowest:.2f}s, {took:.0f}s in all"
    )
    print("answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items())))
    for line in r.examples:
        print(f"    {line}")
    sys.exit(1 if r.crashes or r.unaccounted else 0)


if __name__ == "__main__":
    main()
