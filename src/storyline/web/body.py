"""Request bodies of `POST /api/articles`: JSON (one object, an array, or ``{"articles": [...]}``) or JSON Lines."""

from __future__ import annotations

import json
from typing import Any

from storyline.web.pages import BadRequest

JSON_TYPES = frozenset({"application/json", "text/json"})
JSONL_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
    }
)
SNIFF_TYPES = frozenset({"", "text/plain", "application/octet-stream"})


class UnsupportedMediaType(BadRequest):
    """The body's content type is neither JSON nor JSON Lines."""


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, without parameters, lower-cased."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"body is not UTF-8 (byte {exc.start})") from None


def _unreadable(exc: Exception) -> str:
    """Why JSON that is well-formed could still not be read (nesting, huge numbers)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    return str(exc).split(";")[0]


def _records_of(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict) and isinstance(value.get("articles"), list):
        value = value["articles"]
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise BadRequest(f"item {i} is a JSON {type(item).__name__}, not an object with article fields")
    return items


def parse_json(text: str) -> list[dict[str, Any]]:
    """Records of a JSON body.

    Raises:
        BadRequest: not JSON, or an item is not an object.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (RecursionError, ValueError) as exc:
        raise BadRequest(f"body cannot be read: {_unreadable(exc)}") from None
    return _records_of(value)


def parse_jsonl(text: str) -> list[dict[str, Any]]:
    """Records of a JSON Lines body (blank lines are skipped).

    Raises:
        BadRequest: a line is not JSON or not an object.
    """
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"line {n} is not valid JSON: {exc.msg} (column {exc.colno})") from None
        except (RecursionError, ValueError) as exc:
            raise BadRequest(f"line {n} cannot be read: {_unreadable(exc)}") from None
        if not isinstance(value, dict):
            raise BadRequest(f"line {n} is a JSON {type(value).__name__}, not an object with article fields")
        out.append(value)
    return out


def parse_body(data: bytes, content_type: str | None) -> list[dict[str, Any]]:
    """Article records of a request body.

    JSON and JSON Lines are told apart by the content type; without a telling one (none,
    ``text/plain``, ``application/octet-stream``), a body that parses as one JSON value is JSON and
    anything else is read as JSON Lines.

    Raises:
        UnsupportedMediaType: another content type.
        BadRequest: an empty or malformed body.
    """
    kind = media_type(content_type)
    if kind not in JSON_TYPES | JSONL_TYPES | SNIFF_TYPES:
        raise UnsupportedMediaType(
            f"content type {kind!r} is not accepted: send application/json or application/x-ndjson (JSON Lines)"
        )
    text = _decode(data)
    if not text.strip():
        raise BadRequest("body is empty: send a JSON object, an array of objects, or JSON Lines")
    if kind in JSON_TYPES:
        records = parse_json(text)
    elif kind in JSONL_TYPES:
        records = parse_jsonl(text)
    else:
        try:
            records = _records_of(json.loads(text))
        except json.JSONDecodeError:
            records = parse_jsonl(text)
        except (RecursionError, ValueError) as exc:
            raise BadRequest(f"body cannot be read: {_unreadable(exc)}") from None
    if not records:
        raise BadRequest("body holds no article")
    return records
