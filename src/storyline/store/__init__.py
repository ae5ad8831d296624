"""Storage: an embedded SQLite database by default."""

from __future__ import annotations

from storyline.store.sqlite import Store

__all__ = ["Store"]
