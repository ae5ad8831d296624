"""Build hook: one small C helper for story clustering, and, on request, the story modules compiled.

Everything else about the package is in pyproject.toml. The C helper (`_sparse.c`) sums and
matches sparse word vectors; without a C compiler (or with STORYLINE_PURE_PYTHON=1) NumPy does
the same. With STORYLINE_COMPILE=1 the story-placement modules are also compiled to C with mypyc:
the same typed code with the same floating-point operations, deciding exactly as the pure-Python
modules do (`bench/stories.py` prints the same digest either way). It is opt-in because it takes
minutes and a compiler at install for 1.1-1.35x on one stage that costs about 0.2 ms of an
article's end-to-end time (`bench/ingest.py`). An editable install compiles into `src/`: after
changing one of these modules, run the install again (the tests refuse a stale build).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

COMPILED = [
    "src/storyline/stories/cluster.py",
    "src/storyline/stories/evidence.py",
    "src/storyline/stories/features.py",
    "src/storyline/stories/index.py",
    "src/storyline/stories/model.py",
    "src/storyline/stories/state.py",
    "src/storyline/stories/terms.py",
]


# Written in C (see the file for why); without it, storyline.stories.terms does the same in NumPy.
NATIVE = Extension("storyline.stories._sparse", ["src/storyline/stories/_sparse.c"])


def extensions() -> list[Extension]:
    """The compiled modules, or none when asked for pure Python or when they cannot be built."""
    if os.environ.get("STORYLINE_PURE_PYTHON"):
        return []
    exts: list[Extension] = []
    if os.environ.get("STORYLINE_COMPILE"):
        try:
            from mypyc.build import mypycify

            exts = mypycify(COMPILED, group_name="storyline_stories", opt_level="3")
        except (Exception, SystemExit) as exc:  # mypyc missing or rejecting the code
            print(f"storyline: not compiling the story modules ({exc}); installing pure Python", file=sys.stderr)
    exts.append(NATIVE)
    for ext in exts:
        ext.optional = True  # no C compiler: the pure-Python modules are installed
        if sys.platform != "win32":
            # a * b + c stays two roundings, as in Python, on processors with fused multiply-add
            ext.extra_compile_args.append("-ffp-contract=off")
    return exts


class BuildExt(build_ext):
    """`build_ext` that marks every module it built as built now.

    A change that leaves the generated C code alone (a comment) is not compiled again; the tests
    compare these times with the sources' to refuse a stale in-place build.
    """

    def run(self) -> None:
        """Build, then set the built files' times."""
        super().run()
        for ext in self.extensions:
            built = Path(self.get_ext_fullpath(ext.name))
            if built.exists():
                os.utime(built)


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
