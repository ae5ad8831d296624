"""Cleaning: raw records to articles with clean text, title, date, publisher and language."""

from __future__ import annotations

from storyline.clean.dates import parse_date
from storyline.clean.language import detect_language
from storyline.clean.record import clean_record

__all__ = ["clean_record", "detect_language", "parse_date"]
