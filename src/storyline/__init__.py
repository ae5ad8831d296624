"""storyline: turn a pile of news articles into stories, offline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Storyline", "__version__"]

if TYPE_CHECKING:
    from storyline.api import Storyline


def __getattr__(name: str) -> Any:
    # Importing the package stays cheap (the CLI's --help must not load models).
    if name == "Storyline":
        from storyline.api import Storyline

        return Storyline
    raise AttributeError(name)
