"""One exception family. Messages name the input and say what to do about it."""

from __future__ import annotations


class StorylineError(Exception):
    """Base of every error storyline raises on purpose; the CLI prints it as one line."""


class InputError(StorylineError):
    """An input file or record cannot be read or used.

    Args:
        source: the path or URL, as the user gave it.
        reason: what is wrong, in words a user can act on.
        record: position of the record inside the source, if any.
    """

    def __init__(self, source: str, reason: str, record: int | None = None) -> None:
        self.source = source
        self.reason = reason
        self.record = record
        where = source if record is None else f"{source} (record {record})"
        super().__init__(f"{where}: {reason}")


class ConfigError(StorylineError):
    """A setting is invalid (unknown key, wrong type, out of range)."""


class StoreError(StorylineError):
    """The database cannot be opened or is not a storyline database of a known version."""


class SchemaBehindError(StoreError):
    """A database opened for reading only was made by an older storyline: its schema needs an upgrade first."""


class BuiltWithOtherModelsError(StorylineError):
    """The database was built with another encoder or other fitted models than this run would use."""


class NotFoundError(StorylineError):
    """An article or story id that is not in the database."""


class AmbiguousIdError(NotFoundError):
    """An id prefix that starts more than one article or story id: not one thing was found.

    The message lists the candidates.
    """
