"""Two CLI ingests and a stream of HTTP posts on one database at once give what they give one after the other.

Each write job holds the database's writer lock from before it loads its duplicate and story
state until its last commit (`storyline.store.lock`), so the jobs run whole, in some order. The
test reads that order back from the arrival numbers, replays the same jobs sequentially in that
order into a new database and compares the two digests. No writer may see an error: both CLI runs
exit 0 without an error line, every post answers 200.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import count_rows, subprocess_env, synthetic_text
from storyline.api import Storyline
from storyline.config import load_config
from storyline.web.process import ServerProcess

DATA = Path(__file__).parents[1] / "data"
POSTS = 6
FILLER = 5


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _post(url: str, records: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    body = "\n".join(json.dumps(r) for r in records).encode()
    req = urllib.request.Request(
        url + "/api/articles", data=body, headers={"Content-Type": "application/x-ndjson"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=300) as resp:
        return resp.status, json.loads(resp.read())


@pytest.mark.slow
def test_overlapping_writers_give_the_sequential_result(tmp_path: Path) -> None:
    config = tmp_path / "fast.toml"
    config.write_text('[embed]\nmodel = "hashing"\n[ingest]\nbatch_size = 10\n')
    # ECB+ records dealt to two files and the posts so that stories run across all writers, spread over
    # a run made long enough (made-up filler articles, small batches) for the writers to overlap.
    ecb = [r for r in _records(DATA / "stories" / "ecbplus.jsonl") if r.get("text")]
    files = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for k, path in enumerate(files):
        lines = []
        for i, record in enumerate(ecb[k::3]):
            lines.append(json.dumps(record))
            for j in range(FILLER):
                n = (k * 1000 + i) * FILLER + j
                lines.append(
                    json.dumps({"id": f"filler-{n}", "text": synthetic_text(n), "date": "2024-01-02"})
                )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    posts = [ecb[2::3][k::POSTS] for k in range(POSTS)]

    db = tmp_path / "together.db"
    answers: list[tuple[int, dict[str, Any]]] = []
    with ServerProcess(db, config=config, log=tmp_path / "serve.log") as server:

        def post_all() -> None:
            # The posts start once the CLI runs are under way, and spread over their run.
            while count_rows(db) < 20:
                time.sleep(0.05)
            for chunk in posts:
                answers.append(_post(server.url, chunk))
                time.sleep(0.3)

        poster = threading.Thread(target=post_all)
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "storyline",
                    "--db",
                    str(db),
                    "--config",
                    str(config),
                    "ingest",
                    "-q",
                    str(p),
                ],
                env=subprocess_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for p in files
        ]
        poster.start()
        outputs = [p.communicate(timeout=600) for p in procs]
        poster.join(timeout=600)

    waited = False
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "error" not in (out + err).lower(), err
        waited |= "waiting for" in err
    assert [status for status, _ in answers] == [200] * POSTS
    assert all(not a["report"]["rejected"] for _, a in answers)

    # The order in which the jobs ran, by the arrival number of their first article.
    con = sqlite3.connect(db)
    seq = dict(con.execute("SELECT id, seq FROM articles").fetchall())
    source_first = dict(con.execute("SELECT source, min(seq) FROM raw GROUP BY source").fetchall())
    con.close()
    jobs: list[tuple[int, Any]] = [(int(source_first[str(p)]), p) for p in files]
    for (_, answer), chunk in zip(answers, posts, strict=True):
        ids = [p["id"] for p in answer["articles"] if p["id"]]
        assert len(ids) == len(chunk)
        jobs.append((min(seq[i] for i in ids), chunk))
    jobs.sort(key=lambda job: job[0])
    # Both CLI runs start together and load models for seconds: one of them waited for a writer.
    assert waited

    with Storyline(tmp_path / "sequential.db", config=load_config(str(config))) as sl:
        for _, job in jobs:
            if isinstance(job, Path):
                sl.ingest([str(job)])
            else:
                sl.ingest_records(job, source="api")
        expected = sl.store.digest()
    with Storyline(db, config=load_config(str(config)), readonly=True) as sl:
        assert sl.store.digest() == expected
        assert sl.check().problems == []
