"""The web app: stories, story and article pages with JSON twins, and HTTP ingest (``storyline serve``).

Needs the ``[web]`` extra (FastAPI, uvicorn, Jinja2).
"""

from __future__ import annotations

from storyline.web.app import create_app

__all__ = ["create_app"]
