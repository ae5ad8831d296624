"""Folders and ``**`` globs walked so that symlink loops cannot hang or crash a run.

A folder's own files are listed first, under their own names; then each symlinked folder is
followed once, unless it leads to a folder already walked (a loop, or a second way to the same
folder). Hidden entries (``.git``, ``.DS_Store``) are skipped, as before. Folders that cannot be
listed are reported, not skipped silently.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterator
from pathlib import Path

FolderKey = tuple[int, int]


def _key(path: str) -> FolderKey | None:
    """(device, inode) of the folder a path leads to, or None when it cannot be reached."""
    try:
        st = Path(path).stat()
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def walk(root: str, errors: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, bool]]:
    """(path, is_folder) of every entry under `root`, files in a stable order, each folder once.

    Args:
        root: the folder to walk.
        errors: where (path, reason) is appended for each folder that cannot be listed.
    """
    seen: set[FolderKey] = set()
    pending = [root]
    while pending:
        top = pending.pop(0)
        key = _key(top)
        if key is None or key in seen:
            continue
        links: list[str] = []

        def failed(exc: OSError, top: str = top) -> None:
            if errors is not None:
                errors.append((exc.filename or top, f"cannot list folder ({exc.strerror or exc})"))

        for dirpath, dirnames, filenames in os.walk(top, onerror=failed):
            here = _key(dirpath)
            if here is None or here in seen:
                dirnames[:] = []
                continue
            seen.add(here)
            kept = []
            for d in sorted(dirnames):
                if d.startswith("."):
                    continue
                full = Path(dirpath, d)
                if full.is_symlink():
                    links.append(str(full))
                else:
                    kept.append(d)
                    yield str(full), True
            dirnames[:] = kept
            for fname in sorted(filenames):
                if not fname.startswith("."):
                    yield str(Path(dirpath, fname)), False
        pending.extend(sorted(links))


def files(root: str, errors: list[tuple[str, str]] | None = None) -> Iterator[str]:
    """Every file under `root` (see `walk`)."""
    for path, is_folder in walk(root, errors):
        if not is_folder:
            yield path


def _match(parts: list[str], pattern: list[str]) -> bool:
    """Whether path segments match glob segments, ``**`` standing for any number of folders."""
    if not pattern:
        return not parts
    head = pattern[0]
    if head == "**":
        return any(_match(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], head) and _match(parts[1:], pattern[1:])


def expand_glob(pattern: str) -> list[str]:
    """Paths matching a glob pattern, sorted; ``**`` follows each symlinked folder at most once.

    Without ``**`` the pattern has a fixed depth and `glob.glob` cannot loop, so it is used as it
    is. With ``**``, the part before it is expanded by `glob.glob` and each folder it names is
    walked once (`walk`) and matched against the rest.
    """
    parts = Path(pattern).parts
    if "**" not in parts:
        return sorted(glob.glob(pattern))  # noqa: PTH207 - absolute patterns too
    at = parts.index("**")
    head = str(Path(*parts[:at])) if at else "."
    rest = list(parts[at:])
    heads = sorted(glob.glob(head)) if glob.has_magic(head) else [head]  # noqa: PTH207
    found: list[str] = []
    for base in heads:
        if not Path(base).is_dir():
            continue
        if _match([], rest):
            found.append(base if at else ".")
        for path, _ in walk(base):
            rel = os.path.relpath(path, base)
            if _match(list(Path(rel).parts), rest):
                found.append(path if at else os.path.relpath(path))
    return sorted(set(found))
