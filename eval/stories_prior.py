"""Fit the priors of story clustering's corpus statistics by empirical Bayes (no labels used).

Every key (word, name, number) has a document rate with a Beta prior whose mean is its
background rate ``1 - exp(-length * f)``, ``f`` its wordfreq frequency, and whose strength is
``strength`` documents (`storyline.stories.background`). Both parameters are chosen to maximise
the marginal likelihood of the document frequencies observed in real corpora: the beta-binomial
likelihood of each key's count among the corpus's documents, truncated to the keys seen at least
once (the keys never seen are not enumerable: a corpus does not list the names it does not use).
Only the texts are used, never the gold labels.

Each language of a corpus counts as its own corpus (MEANTIME's translations would otherwise
count every name four times).

    PYTHONPATH=src python eval/stories_prior.py [--ecbplus PATH] [--meantime PATH]
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

import stories_data as sd
from storyline.stories.background import KeyPrior, NameFreqs, Priors, number_freq
from storyline.stories.item import StoryItem, embedding_texts
from storyline.text import words

# One corpus' observations of one kind of key: (documents, df of each key seen, its frequency).
Counts = tuple[int, np.ndarray, np.ndarray]


def _truncated_loglik(length: float, strength: float, obs: Sequence[Counts]) -> float:
    total = 0.0
    for n, df, f in obs:
        pi = np.clip(-np.expm1(-length * f), 1e-12, 1 - 1e-12)
        a, b = strength * pi, strength * (1 - pi)
        log_p = gammaln(n + 1) - gammaln(df + 1) - gammaln(n - df + 1) + betaln(df + a, n - df + b) - betaln(a, b)
        p0 = np.exp(betaln(a, n + b) - betaln(a, b))
        total += float(np.sum(log_p - np.log1p(-np.minimum(p0, 1 - 1e-12))))
    return total


def fit_prior(obs: Sequence[Counts], length: float | None = None) -> KeyPrior:
    """The (length, strength) of highest truncated beta-binomial likelihood (searched on log scales).

    Args:
        obs: the counts.
        length: a given length (only the strength is fitted then).
    """
    if length is not None:
        res = minimize(lambda x: -_truncated_loglik(length, float(np.exp(x[0])), obs), np.array([np.log(100.0)]), method="Nelder-Mead")
        return KeyPrior(length, float(np.exp(res.x[0])))

    def loss(x: np.ndarray) -> float:
        return -_truncated_loglik(float(np.exp(x[0])), float(np.exp(x[1])), obs)

    starts = ((300.0, 100.0), (3000.0, 10.0))
    best = min((minimize(loss, np.log(np.array(x0)), method="Nelder-Mead") for x0 in starts), key=lambda r: r.fun)
    return KeyPrior(float(np.exp(best.x[0])), float(np.exp(best.x[1])))


def _counts(sets: Sequence[Sequence], freq: Callable[[object], float]) -> Counts:
    df: Counter = Counter()
    for keys in sets:
        df.update(set(keys))
    keys = sorted(df, key=str)
    return (
        len(sets),
        np.array([df[k] for k in keys], dtype=np.float64),
        np.array([freq(k) for k in keys], dtype=np.float64),
    )


def observations(items: Sequence[StoryItem]) -> dict[str, list[Counts]]:
    """The counts of each kind of key, one entry per language of the items."""
    out: dict[str, list[Counts]] = {"terms": [], "names": [], "numbers": []}
    by_lang: dict[str, list[StoryItem]] = {}
    for it in items:
        by_lang.setdefault(it.language or "", []).append(it)
    for lang in sorted(by_lang):
        group = by_lang[lang]
        freq_of: dict[int, float] = {}
        for it in group:
            for i, f in zip(it.term_ids.tolist(), it.term_bg.tolist(), strict=True):
                freq_of[i] = f
        out["terms"].append(_counts([it.term_ids.tolist() for it in group], lambda k: freq_of[k]))  # type: ignore[index]
        names = NameFreqs([lang])
        out["names"].append(_counts([sorted(it.names) for it in group], lambda k: names.freq(str(k))))
        out["numbers"].append(
            _counts([sorted(it.numbers | it.years) for it in group], lambda k: number_freq(str(k)))
        )
    return out


def _tokens(docs: Sequence[sd.Doc]) -> tuple[float, float]:
    """Mean words of the texts words are counted in (headline + body start) and names are found in (all)."""
    profile = [len(words(f"{d.title or ''} {embedding_texts(d.title, d.text)[1]}")) for d in docs]
    full = [len(words(f"{d.title or ''} {d.text}")) for d in docs]
    return float(np.mean(profile)), float(np.mean(full))


def fit_priors(corpora: Sequence[tuple[Sequence[sd.Doc], Sequence[StoryItem]]]) -> Priors:
    """Fit the three priors on the items of several corpora (each language apart).

    Which share of documents mentions a name says little about its level on its own (a corpus
    shows the names it uses, not those it could have used), so the names' length is not fitted
    but follows from the words': the fitted length of the words' texts (headline and body start)
    scaled to the whole texts names are found in, by the corpora's mean word counts.
    """
    obs: dict[str, list[Counts]] = {"terms": [], "names": [], "numbers": []}
    profile = full = 0.0
    for docs, items in corpora:
        for kind, counts in observations(items).items():
            obs[kind] += counts
        p, f = _tokens(docs)
        profile, full = profile + p * len(docs), full + f * len(docs)
    terms = fit_prior(obs["terms"])
    names = fit_prior(obs["names"], length=terms.length * full / profile)
    return Priors(terms, names, fit_prior(obs["numbers"]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    shared = sd.shared_dir()
    ap.add_argument("--ecbplus", type=Path, default=shared / "eval" / "ecbplus" / "ecbplus_docs.jsonl")
    ap.add_argument("--meantime", type=Path, default=shared / "corpus" / "meantime" / "meantime_docs.jsonl")
    ap.add_argument("--cache", type=Path, default=sd.DEFAULT_CACHE)
    args = ap.parse_args(argv)
    ecb_docs, mt_docs = sd.load_ecbplus(args.ecbplus), sd.load_meantime(args.meantime)
    ecb = (ecb_docs, sd.items_for(ecb_docs, args.cache, "ecbplus"))
    mt = (mt_docs, sd.items_for(mt_docs, args.cache, "meantime"))
    for name, corpora in (("ECB+", [ecb]), ("MEANTIME", [mt]), ("both", [ecb, mt])):
        p = fit_priors(corpora)
        print(
            f"{name}: "
            + ", ".join(f"{k} length {v.length:.0f} strength {v.strength:.1f}" for k, v in vars(p).items())
        )


if __name__ == "__main__":
    main()
