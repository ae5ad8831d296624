"""Duplicates with provenance: exact copies, near copies, excerpts, translations, rewrites, updates.

Each relation carries the evidence that decided it, and each duplicate group has one original.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storyline.dedup.stage import Deduplicator

__all__ = ["Deduplicator"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that the fast lexical modules load without the semantic ones.
    if name == "Deduplicator":
        from storyline.dedup.stage import Deduplicator

        return Deduplicator
    raise AttributeError(name)
