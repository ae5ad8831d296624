"""Duplicates: exact copies, near copies and excerpts, each with evidence, and the original of each group."""

from __future__ import annotations

from storyline.dedup.stage import Deduplicator

__all__ = ["Deduplicator"]
