"""The vectorised fingerprints: same tokens as `storyline.text.words`, sound MinHash and LSH."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from storyline.dedup.bands import BandIndex, within_batch_pairs
from storyline.dedup.lexical import Fingerprints, ShingleCache, _row_sets
from storyline.dedup.overlap import longest_shared_run, longest_shared_runs, overlap, overlaps
from storyline.fingerprint.minhash import band_layout, estimated_jaccard, signatures
from storyline.fingerprint.shingles import python_shingle_hash, shingle_hashes, token_hashes
from storyline.text import content_hash, jaccard, shingles, words
from storyline.types import Article

MIXED = [
    "",
    "one",
    "two words",
    "Zelensky said on Monday that 6,000 square kilometres were retaken.",
    "Зеленский заявил в понедельник, что освобождено 6000 квадратных километров.",
    "ゼレンスキー大統領は月曜日、6000平方キロメートルを奪還したと述べた。",
    "泽连斯基周一表示，已收复6000平方公里。",
    "ผู้นำยูเครนกล่าวว่า ยึดคืนได้ 6,000 ตารางกิโลเมตร",
    "in\u200bvisible soft\u00adhyphen ﬁve Straße ＦＵＬＬ width ½ x² ǅ",
    "snake_case and CamelCase and 3.14 and e-mail",
    # Folding that depends on neighbours (composition, reordering) next to folding that does not.
    "Tiếng Việt: cafe\u0301 ÉCOLE x\u0301\u0327y … ½ Straße",
    "हिन्दी क़ ख़ and مَرْحَبًا and ｶﾞｷﾞ ﾊﾟ and \u1100\u1161\u11a8 \uac00\u11a8 and \u212b \u2126",
    "ΐΰ և ﬓ ᾳ ᾼ ΣΟΦΟΣ İstanbul \u1e9e ǰ ŉ a\u00a0b ＡＢＣ，\u200dz",
]


def test_tokens_are_those_of_words(data) -> None:
    texts = MIXED + [json.loads(line)["text"] for line in (data / "dedup/meantime_translations.jsonl").open()]
    th = token_hashes(texts)
    assert th.counts().tolist() == [len(words(t)) for t in texts]
    sh = shingle_hashes(th, 5)
    for i, t in enumerate(texts):
        assert set(sh.hashes[sh.offsets[i] : sh.offsets[i + 1]].tolist()) == python_shingle_hash(words(t), 5)


def test_hashes_do_not_depend_on_the_batch() -> None:
    alone = [shingle_hashes(token_hashes([t]), 3).hashes for t in MIXED]
    together = shingle_hashes(token_hashes(MIXED), 3)
    for i, h in enumerate(alone):
        assert np.array_equal(h, together.hashes[together.offsets[i] : together.offsets[i + 1]])


def _variant(rng: random.Random, base: list[str], keep: float) -> str:
    return " ".join(w if rng.random() < keep else f"x{rng.randrange(10**6)}" for w in base)


def test_minhash_estimates_jaccard() -> None:
    rng = random.Random(1)
    base = [f"w{rng.randrange(5000)}" for _ in range(600)]
    texts = [" ".join(base)] + [_variant(rng, base, keep) for keep in (0.99, 0.97, 0.93, 0.85)]
    sh = shingle_hashes(token_hashes(texts), 5)
    sig = signatures(sh, 256)
    for i in range(1, len(texts)):
        true = jaccard(shingles(words(texts[0]), 5), shingles(words(texts[i]), 5))
        assert abs(estimated_jaccard(sig[0], sig[i]) - true) < 0.1


def test_short_texts_get_full_signatures() -> None:
    sig = signatures(shingle_hashes(token_hashes(["a b c d e f", "", "a b c d e f"]), 5), 128)
    assert np.array_equal(sig[0], sig[2])
    assert (sig[0] != 0xFFFFFFFF).all()  # densified
    assert (sig[1] == 0xFFFFFFFF).all()  # no shingles at all


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_band_layout_fits_the_permutations(threshold: float) -> None:
    b, r = band_layout(threshold, 128)
    assert b * r <= 128
    # The S-curve crosses one half near the threshold.
    assert abs((1 / b) ** (1 / r) - threshold) < 0.15


def test_band_index_finds_copies_across_batches_and_within() -> None:
    rng = random.Random(2)
    originals = [" ".join(f"w{rng.randrange(10**6)}" for _ in range(300)) for _ in range(50)]
    copies = [_variant(rng, originals[i].split(), 0.98) for i in range(10)]
    b, r = band_layout(0.5, 128)
    index = BandIndex(b)
    fp1 = Fingerprints(originals, 5, 128, b, r)
    index.add(fp1.keys, np.arange(50))
    fp2 = Fingerprints([*copies, copies[0]], 5, 128, b, r)
    rows, found = index.query(fp2.keys)
    pairs = set(zip(rows.tolist(), found.tolist(), strict=True))
    assert {(i, i) for i in range(10)} <= pairs
    assert (10, 0) in pairs
    assert len(pairs) == 11  # no unrelated original
    a, c = within_batch_pairs(fp2.keys)
    assert (10, 0) in set(zip(a.tolist(), c.tolist(), strict=True))
    s = overlap(fp2.shingle_set(0), fp1.shingle_set(0))
    assert s.jaccard > 0.7 and s.a_in_b > 0.8  # 2% of words changed: ~10% of 5-grams


def test_longest_shared_run() -> None:
    a = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    b = "nothing here but gamma delta epsilon zeta eta theta and more"
    fp = Fingerprints([a, b], 3)
    start, length = longest_shared_run(fp.sequence(0), fp.shingle_set(1), 3)
    assert words(a)[start : start + length] == ["gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def test_shingle_cache_keeps_recent_sequences_while_the_text_is_unchanged() -> None:
    text = "the quick brown fox jumps over the lazy dog near the river bank today"
    first = Article(id="a", source="s", record=None, text=text, content_hash=content_hash(text))
    cache = ShingleCache(3, keep=10)
    cache.ensure([first])
    expected = cache.set("a").copy()
    cache.end_call()
    cache.ensure([first])  # served from the kept sequences
    assert np.array_equal(cache.set("a"), expected)
    assert np.array_equal(cache.sequence("a"), Fingerprints([text], 3).sequence(0))
    cache.end_call()
    changed = "a different text under the same id after cleaning it again"
    cache.ensure([Article(id="a", source="s", record=None, text=changed, content_hash=content_hash(changed))])
    assert np.array_equal(cache.set("a"), Fingerprints([changed], 3).shingle_set(0))


def test_row_sets_match_sorted_unique() -> None:
    rng = np.random.default_rng(3)
    rows = [rng.integers(0, 50, size=n).astype(np.uint32) for n in (0, 1, 7, 40, 3000, 12)]
    offsets = np.concatenate(([0], np.cumsum([len(r) for r in rows])))
    got = _row_sets(np.concatenate(rows), offsets)
    for r, g in zip(rows, got, strict=True):
        assert np.array_equal(g, np.unique(r))


def test_batched_overlaps_and_runs_match_one_pair_at_a_time() -> None:
    rng = np.random.default_rng(5)
    pairs, seqs = [], []
    for k in range(60):
        # Small value ranges make overlaps likely; some sides are empty, the last one too.
        seq = rng.integers(0, 40, size=int(rng.integers(0, 30))).astype(np.uint32)
        other = np.unique(rng.integers(0, 40, size=int(rng.integers(0, 30))).astype(np.uint32))
        if k == 59:
            seq = seq[:0]
        seqs.append(seq)
        pairs.append((np.unique(seq), other))
    assert overlaps(pairs) == [overlap(a, b) for a, b in pairs]
    runs = longest_shared_runs([(q, b) for q, (_, b) in zip(seqs, pairs, strict=True)], 5)
    assert runs == [longest_shared_run(q, b, 5) for q, (_, b) in zip(seqs, pairs, strict=True)]


def test_work_split_over_two_threads_gives_the_single_thread_results() -> None:
    rng = np.random.default_rng(8)
    rows = [rng.integers(0, 300, size=int(n)).astype(np.uint32) for n in rng.integers(0, 60, size=450)]
    offsets = np.concatenate(([0], np.cumsum([len(r) for r in rows])))
    for r, g in zip(rows, _row_sets(np.concatenate(rows), offsets), strict=True):
        assert np.array_equal(g, np.unique(r))
    # A batch large enough to be fingerprinted in two halves, with copies across the halves
    # (equal band keys in both): the merged order is the stable sort of all keys.
    words_ = [f"w{i}" for i in range(3000)]
    texts = [" ".join(rng.choice(words_, size=60)) for _ in range(300)]
    texts += texts[:150] + [""] * 10
    b, r = band_layout(0.5, 128)
    fp = Fingerprints(texts, 5, 128, b, r)
    flat = fp.keys[~fp.empty].ravel()
    assert np.array_equal(fp.key_order(), np.argsort(flat, kind="stable"))


def test_fingerprints_started_in_the_background_or_cut_to_some_rows_are_the_same() -> None:
    rng = random.Random(4)
    texts = [" ".join(f"w{rng.randrange(5000)}" for _ in range(80)) for _ in range(450)] + ["", "one"]
    b, r = band_layout(0.5, 128)
    whole = Fingerprints(texts, 5, 128, b, r)
    started = Fingerprints.start(texts, 5, 128, b, r)()
    rows = [5, 0, 451, 300, 450, 7]
    for fp, direct in (
        (started, whole),
        (whole.subset(rows), Fingerprints([texts[i] for i in rows], 5, 128, b, r)),
    ):
        assert np.array_equal(fp.signatures, direct.signatures)
        assert np.array_equal(fp.keys, direct.keys)
        assert np.array_equal(fp.empty, direct.empty)
        assert np.array_equal(fp.key_order(), direct.key_order())
        for i in range(len(fp.empty)):
            assert np.array_equal(fp.sequence(i), direct.sequence(i))
            assert np.array_equal(fp.shingle_set(i), direct.shingle_set(i))
