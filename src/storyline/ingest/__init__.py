"""Readers: every supported input format to `RawDoc` records (or `Rejected` ones)."""

from __future__ import annotations

from storyline.ingest.records import record_to_raw
from storyline.ingest.sources import count_files, read_bytes, read_mappings, read_paths

__all__ = ["count_files", "read_bytes", "read_mappings", "read_paths", "record_to_raw"]
