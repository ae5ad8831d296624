"""What every kind of the store's SQL shares: the connection it runs on, and two helpers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """The items in slices of `size`.

    SQLite limits host parameters per statement (32766 in current builds, 999 in old ones).
    """
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Rows:
    """Base of the store's mixins: each holds the SQL of one kind of data (`storyline.store.Store`)."""

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (the store's)."""
        raise NotImplementedError
