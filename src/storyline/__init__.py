"""storyline: turn a pile of news articles into stories, offline."""

from __future__ import annotations

__version__ = "0.1.0"
