"""Write a hostile input set: what testers fed the readers, and seeded mutations of the fixtures.

    python tests/data/hostile/make.py OUT_DIR [--seed 7] [--scale 1.0]

Every file is generated (nothing here is committed but this script): the cases that once aborted
a run, hung it or vanished without a reject (deep JSON, WARC records without a target URI or cut
inside a header, feeds with a broken encoding declaration or ``&#xD800;``, names that are not
UTF-8, symlink loops, FIFOs, a link to /dev/zero, an overlong line, files with no records), then
truncations, bit flips, splices, wrong extensions and gzip wrappings of every fixture in
``tests/data/ingest``, random bytes, nested and huge JSON and broken encodings. The same seed gives
the same files. Special files (FIFO, socket, device link) and symlinks are made where the system
allows; `manifest.json` in OUT_DIR lists what was made and how many regular files there are.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import socket
import stat
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "ingest"
EXTS = [".txt", ".html", ".jsonl", ".json", ".csv", ".tsv", ".warc", ".rss", ".atom", ".xml", ".md", ""]
ARTICLE = (
    "The harbour council of Orland voted on Tuesday to close the old ferry pier after engineers found "
    "cracks in two of its pillars. Repairs would cost more than a new pier, the council said, and the "
    "ferries will use the cargo quay until the new pier opens next spring. Fishermen who moor at the "
    "pier asked for more time to move their boats, and the council gave them until the end of May."
)


def warc_record(
    uri: str | None = "http://example.org/a",
    body: bytes = b"<html><body><p>" + ARTICLE.encode() + b"</p></body></html>",
    rec_type: bytes = b"response",
    status: bytes = b"200 OK",
    ctype: bytes = b"text/html; charset=utf-8",
    length_delta: int = 0,
) -> bytes:
    """One uncompressed WARC record, with the faults the arguments ask for."""
    http = b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\n\r\n" + body
    head = b"WARC/1.0\r\nWARC-Type: " + rec_type + b"\r\nWARC-Record-ID: <urn:uuid:0>\r\n"
    if uri is not None:
        head += b"WARC-Target-URI: " + uri.encode() + b"\r\n"
    head += b"Content-Type: application/http; msgtype=response\r\n"
    head += b"Content-Length: " + str(len(http) + length_delta).encode() + b"\r\n\r\n"
    return head + http + b"\r\n\r\n"


def feed(items: str, decl: bytes = b'<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    """An RSS feed around the item markup."""
    return decl + b"<rss version='2.0'><channel><title>Hostile</title>" + items.encode() + b"</channel></rss>"


class Writer:
    """Writes files under a folder and counts them by kind."""

    def __init__(self, out: Path, rng: random.Random) -> None:
        self.out = out
        self.rng = rng
        self.paths: set[bytes] = set()
        self.made: dict[str, int] = {}
        self.skipped: list[str] = []

    def file(self, group: str, name: str | bytes, data: bytes) -> None:
        """A regular file `group/name` (a bytes name may be any bytes but / and NUL)."""
        folder = self.out / group
        folder.mkdir(parents=True, exist_ok=True)
        path = os.fsencode(folder) + b"/" + (name if isinstance(name, bytes) else os.fsencode(name))
        assert path not in self.paths, f"{path!r} is made twice"
        with open(path, "wb") as fh:  # noqa: PTH123 - a bytes path
            fh.write(data)
        self.paths.add(path)
        self.made[group] = self.made.get(group, 0) + 1

    def special(self, group: str, name: str, make: Callable[[Path], None]) -> None:
        """A special file or symlink, made by `make`; skipped (and listed) where not allowed."""
        folder = self.out / group
        folder.mkdir(parents=True, exist_ok=True)
        try:
            make(folder / name)
        except OSError as exc:
            self.skipped.append(f"{group}/{name}: {exc}")
            return
        self.made[group] = self.made.get(group, 0) + 1


def named_cases(w: Writer) -> None:
    """The inputs testers reported, one file each."""
    deep = b"[" * 100_000
    w.file("reported", "deep.json", deep)
    w.file("reported", "deep.jsonl", deep)
    w.file("reported", "deep_objects.json", b'{"a":' * 100_000)
    w.file("reported", "deep_after_good.jsonl", json.dumps({"text": ARTICLE}).encode() + b"\n" + deep)
    w.file("reported", "no_target_uri.warc", warc_record(None))
    w.file("reported", "no_target_uri_then_good.warc", warc_record(None) + warc_record())
    w.file("reported", "cut_in_next_header.warc", warc_record() + warc_record()[:40])
    w.file("reported", "cut_in_next_header_type.warc", warc_record() + b"WARC/1.0\r\nWARC-Ty")
    w.file("reported", "cut_in_body.warc", warc_record()[:-120])
    w.file("reported", "one_byte.warc", b"W")
    w.file("reported", "respon_nul_se.warc", warc_record(rec_type=b"respon\x00se"))
    w.file("reported", "content_length_short.warc", warc_record(length_delta=-40) + warc_record())
    w.file("reported", "content_length_long.warc", warc_record(length_delta=400))
    w.file(
        "reported",
        "only_warcinfo.warc",
        b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n",
    )
    w.file("reported", "only_404.warc", warc_record(status=b"404 Not Found"))
    w.file(
        "reported",
        "png_response.warc",
        warc_record(ctype=b"image/png", body=b"\x89PNG\r\n\x1a\n" + bytes(200)),
    )
    item = f"<item><title>T</title><description>{ARTICLE}</description></item>"
    w.file("reported", "bad_encoding_decl.rss", feed(item, b'<?xml version="1.0" encoding="utf\xff8"?>'))
    w.file("reported", "unknown_encoding_decl.rss", feed(item, b'<?xml version="1.0" encoding="klingon-7"?>'))
    w.file("reported", "names_dev_zero.rss", b"/dev/zero")
    laughs = '<!ENTITY a0 "lol lol lol lol lol lol lol lol lol lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    doctype = f'<?xml version="1.0"?><!DOCTYPE rss [{laughs}]>'.encode()
    w.file("reported", "entity_expansion.rss", feed(item.replace("Tuesday", "&a9;"), doctype))
    doctype = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
    w.file("reported", "external_entity.rss", feed(item.replace("Tuesday", "&e;"), doctype))
    w.file("reported", "names_a_feed.xml", str(FIXTURES / "feeds" / "news.rss").encode())
    w.file("reported", "surrogate_ref.rss", feed(item.replace("Tuesday", "Tuesday &#xD800;")))
    w.file("reported", "surrogate_ref_decimal.atom", feed(item.replace("pier", "pier &#57343;")))
    w.file("reported", b"caf\xe9.txt", ARTICLE.encode())
    w.file("reported", b"\xff\xfe\xfd.jsonl", json.dumps({"text": ARTICLE}).encode())
    w.file("reported", "bom_only.jsonl", b"\xef\xbb\xbf")
    w.file("reported", "bom_only.txt", b"\xef\xbb\xbf")
    w.file("reported", "utf16_bom_only.json", b"\xff\xfe")
    w.file("reported", "empty_array.json", b"[]")
    w.file("reported", "empty_articles.json", b'{"articles": []}')
    w.file("reported", "header_only.csv", b"title,text,date\n")
    w.file("reported", "sniffer_quotes.csv", b',"' * 10_000)
    w.file("reported", "sniffer_quotes_spaced.csv", b', "a' * 5_000)
    w.file("reported", "header_only.tsv", b"title\ttext\n")
    w.file("reported", "long_line.txt", b"word " * 900_000)
    w.file("reported", "long_line.jsonl", json.dumps({"text": "word " * 900_000}).encode())
    w.file(
        "reported", "huge_int.json", b'[{"text": "' + ARTICLE.encode() + b'", "id": ' + b"9" * 5000 + b"}]"
    )
    w.file("reported", "lone_surrogate_escape.jsonl", b'{"text": "\\ud800 ' + ARTICLE.encode() + b'"}')
    w.file("reported", "nan.json", b'[{"text": NaN}]')
    w.file(
        "reported",
        "link_tags.html",
        b"<html><head>" + b"<link" * 40_000 + b"</head><body><p>x</p></body></html>",
    )
    for ext in EXTS:
        w.file("empty", f"empty{ext}", b"")
        w.file("empty", f"blank{ext}", b" \n\t\r\n" * 3)
        w.file("empty", f"bom{ext}", b"\xef\xbb\xbf")
        w.file("empty", f"gz{ext}.gz", gzip.compress(b"", mtime=0))


def special_files(w: Writer) -> None:
    """FIFOs, a socket, device links, dangling links and two symlink loops."""
    w.special("special", "feed.txt", lambda p: os.mkfifo(p))
    w.special("special", "pipe.jsonl", lambda p: os.mkfifo(p))
    w.special("special", "zero.txt", lambda p: p.symlink_to("/dev/zero"))
    w.special("special", "urandom.jsonl", lambda p: p.symlink_to("/dev/urandom"))
    w.special("special", "null.warc", lambda p: p.symlink_to("/dev/null"))
    w.special("special", "dangling.txt", lambda p: p.symlink_to("does-not-exist.txt"))
    w.special("special", "self_loop.txt", lambda p: p.symlink_to(p.name))

    def sock(p: Path) -> None:
        if len(os.fsencode(p)) >= 100:  # AF_UNIX paths are short
            raise OSError("path too long for a socket")
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind(str(p))
        finally:
            s.close()

    w.special("special", "socket.txt", sock)
    # Two directory loops: a -> b -> up (..) and a -> self (.), plus a link out to another group.
    w.file("loops/a", "one.txt", ARTICLE.replace("Orland", "Skellan").encode())
    w.file("loops/a/b", "two.txt", ARTICLE.replace("Orland", "Veland").encode())
    w.special("loops/a/b", "up", lambda p: p.symlink_to(".."))
    w.special("loops/a", "self", lambda p: p.symlink_to("."))
    w.special("loops", "to_reported", lambda p: p.symlink_to("../reported"))


def _truncations(data: bytes, rng: random.Random, n: int) -> list[bytes]:
    cuts = {1, len(data) // 2, max(1, len(data) - 1)} | {
        rng.randrange(1, max(2, len(data))) for _ in range(n)
    }
    return [data[:c] for c in sorted(cuts)][:n]


def _flips(data: bytes, rng: random.Random, count: int) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        if out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def _splice(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    j = min(len(data), i + rng.randrange(64))
    junk = rng.choice(
        [b"", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))), b"\x00" * 8, b"<" * 50]
    )
    return data[:i] + junk + data[j:]


def mutations(w: Writer, scale: float) -> None:
    """Truncations, bit flips, splices, wrong extensions and gzip wrappings of every fixture."""
    rng = w.rng
    fixtures = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    per = max(1, round(6 * scale))
    for fx in fixtures:
        raw = fx.read_bytes()
        plain = raw
        if raw[:2] == b"\x1f\x8b" and fx.suffix == ".gz":
            with contextlib.suppress(EOFError, OSError):  # the truncated fixtures stay as they are
                plain = gzip.decompress(raw)
        stem, ext = fx.name.replace(".", "_"), fx.name.split(".", 1)[1]
        group = f"mutated/{fx.parent.name}"
        for i, cut in enumerate(_truncations(raw, rng, per)):
            w.file(group, f"{stem}.cut{i}.{ext}", cut)
        if plain is not raw:
            for i, cut in enumerate(_truncations(plain, rng, per)):
                w.file(group, f"{stem}.plaincut{i}.{ext.removesuffix('.gz')}", cut)
        for i in range(per):
            w.file(group, f"{stem}.flip{i}.{ext}", _flips(raw, rng, rng.choice([1, 2, 8, 64])))
        for i in range(per):
            w.file(group, f"{stem}.splice{i}.{ext}", _splice(plain, rng))
        for wrong in EXTS:
            if not fx.name.endswith(wrong) or not wrong:
                w.file(group, f"{stem}.as{wrong.replace('.', '_') or '_none'}{wrong}", plain)
        w.file(group, f"{stem}.wrapped.{ext}.gz", gzip.compress(plain, mtime=0))
        w.file(group, f"{stem}.gzcut.{ext}.gz", gzip.compress(plain, mtime=0)[: max(1, len(raw) // 3)])
        w.file(group, f"{stem}.notgz.{ext}.gz", plain)


# Starts that send random bytes past the sniffing into each parser.
MAGIC = [
    b"WARC/1.0\r\n",
    b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 100\r\n\r\n",
    b"\x1f\x8b\x08\x00",
    b'<?xml version="1.0"?><rss><channel><item><description>',
    b"<!doctype html><html><body><p>",
    b'{"text": "',
    b"[",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"title,text\nT,",
]


def random_bytes(w: Writer, scale: float) -> None:
    """Files of random bytes with every extension; printable noise; random bytes after a format's start."""
    rng = w.rng
    for i in range(round(500 * scale)):
        size = rng.choice([1, 2, 7, 64, 512, 4096, 40_000])
        w.file("random", f"r{i}{EXTS[i % len(EXTS)]}", rng.randbytes(size))
    chars = "{}[]<>\"':,\\ \n\tabcé&#;x0"
    for i in range(round(300 * scale)):  # printable noise: passes the binary check, reaches parsers
        size = rng.choice([3, 100, 3000])
        w.file(
            "noise", f"n{i}{EXTS[i % len(EXTS)]}", "".join(rng.choice(chars) for _ in range(size)).encode()
        )
    for i in range(round(300 * scale)):
        magic = MAGIC[i % len(MAGIC)]
        tail = rng.randbytes(rng.choice([0, 5, 300, 5000]))
        w.file("magic", f"m{i}{EXTS[(i // len(MAGIC)) % len(EXTS)]}", magic + tail)


def nested_json(w: Writer, scale: float) -> None:
    """Nested, huge and odd JSON: depths around the parser's limit, every container, odd values."""
    rng = w.rng
    for depth in (10, 100, 500, 900, 990, 1000, 1100, 5000, 100_000):
        arr = "[" * depth + "]" * depth
        obj = '{"a":' * depth + "1" + "}" * depth
        w.file("json", f"arr{depth}.json", arr.encode())
        w.file("json", f"obj{depth}.json", obj.encode())
        w.file("json", f"field{depth}.jsonl", (f'{{"text": "{ARTICLE}", "title": ' + arr + "}").encode())
        w.file(
            "json",
            f"textfield{depth}.json",
            ('[{"text": ' + "[" * depth + '"x"' + "]" * depth + "}]").encode(),
        )
        w.file("json", f"open{depth}.jsonl", ("[" * depth).encode())
    odd = [
        b"null",
        b"1",
        b'"text"',
        b"true",
        b'[null, 1, "x", []]',
        b'{"text": null}',
        b'{"text": 12345}',
        b'{"text": {"value": {"value": "deep"}}}',
        b'{"text": ["a", ["b", ["c"]]]}',
        b'{"": ""}',
        b'{"text": "\\u0000' + ARTICLE.encode() + b'"}',
        b'{"text": "a", "text": "' + ARTICLE.encode() + b'"}',
        b'{"text": 1e400}',
        b'{"text": -Infinity}',
        b"[" + b"{}," * 5000 + b"{}]",
    ]
    for i, data in enumerate(odd):
        w.file("json", f"odd{i}.json", data)
        w.file("json", f"odd{i}.jsonl", data + b"\n" + data)
    for i in range(round(10 * scale)):
        recs = [{"text": ARTICLE[: rng.randrange(1, len(ARTICLE))], "title": f"t{i}-{k}"} for k in range(3)]
        data = b"\n".join(json.dumps(r).encode() for r in recs)
        w.file("json", f"mixed{i}.jsonl", _flips(data, rng, rng.choice([0, 1, 3])))


def broken_encodings(w: Writer) -> None:
    """Text in encodings the name or the bytes lie about."""
    text = ARTICLE.replace("harbour", "häfen ñandú €uro")
    encoded = {
        "latin1": text.encode("latin-1", "replace"),
        "cp1252": text.encode("cp1252", "replace"),
        "utf16le_nobom": text.encode("utf-16-le"),
        "utf16be_nobom": text.encode("utf-16-be"),
        "utf16_bom_odd": b"\xff\xfe" + text.encode("utf-16-le") + b"\x00",
        "utf8_bom_then_latin1": b"\xef\xbb\xbf" + text.encode("latin-1", "replace"),
        "utf32": text.encode("utf-32"),
        "overlong": text.encode().replace(b"a", b"\xc1\xa1"),
        "cesu_surrogates": text.encode() + b" \xed\xa0\x80\xed\xb0\x80",
        "shift_jis": ("ニュース " + text).encode("shift_jis", "replace"),
        "mixed": text.encode() + text.encode("utf-16-le") + text.encode("latin-1", "replace"),
    }
    for name, data in encoded.items():
        for ext in (".txt", ".jsonl", ".html", ".csv", ".rss"):
            if ext == ".jsonl":
                data2 = b'{"text": "' + data.replace(b'"', b"'") + b'"}'
            elif ext == ".csv":
                data2 = b"title,text\nT," + data.replace(b",", b" ").replace(b"\n", b" ")
            elif ext == ".rss":
                data2 = feed("<item><title>T</title><description>x</description></item>").replace(
                    b"x</desc", data + b"</desc"
                )
            elif ext == ".html":
                data2 = b"<html><body><p>" + data + b"</p></body></html>"
            else:
                data2 = data
            w.file("encodings", f"{name}{ext}", data2)


def make(out: Path, seed: int = 7, scale: float = 1.0) -> dict[str, object]:
    """Write the hostile set into `out` and return its manifest."""
    out.mkdir(parents=True, exist_ok=True)
    w = Writer(out, random.Random(seed))
    named_cases(w)
    special_files(w)
    mutations(w, scale)
    random_bytes(w, scale)
    nested_json(w, scale)
    broken_encodings(w)
    manifest = {
        "seed": seed,
        "scale": scale,
        "regular_files": len(w.paths),
        "groups": w.made,
        "skipped": w.skipped,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def regular_files(out: Path) -> list[Path]:
    """The regular files of a generated set, not following symlinks (the manifest aside)."""
    found = []
    for dirpath, _, filenames in os.walk(out):
        for name in filenames:
            p = Path(dirpath) / name
            if name != "manifest.json" and stat.S_ISREG(p.lstat().st_mode):
                found.append(p)
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the number of mutations")
    args = parser.parse_args()
    manifest = make(args.out, args.seed, args.scale)
    print(
        f"{manifest['regular_files']} regular files in {args.out}; skipped: {manifest['skipped'] or 'none'}"
    )


if __name__ == "__main__":
    main()
