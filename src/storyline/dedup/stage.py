"""The duplicate stage: find the copies of new articles among everything stored, and group them.

Candidates come from three places, all persistent with the database so a later ingest finds
copies of articles ingested long before:

* exact copies: the content hash (an indexed column of `articles`);
* lexical copies: MinHash LSH over word 5-grams (fingerprints `storyline.dedup.lexical`, index
  `storyline.dedup.bands`), verified by the exact Jaccard similarity and containment
  (`storyline.dedup.overlap`);
* translations and rewrites: nearest neighbours of the title+lead embedding (usearch), and MinHash
  LSH over anchors (numbers and names, which survive translation into languages the encoder does
  not know), verified by sentence alignment and anchors (`storyline.dedup.semantic`,
  `storyline.dedup.model`).

Verified pairs are closed into groups (with the groups already stored); each group gets one
original (`storyline.dedup.originals`) and each other member one named relation to it, with the
evidence. Streaming (batch after batch) and batch runs share all of this.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from storyline.config import DedupConfig
from storyline.dedup import model
from storyline.dedup.anchors import Anchors
from storyline.dedup.bands import BandIndex, SignatureTable, within_batch_pairs
from storyline.dedup.groups import Groups, adjacency, lexical_degree, path, path_probability
from storyline.dedup.lexical import KEEP_RECENT, Fingerprints, ShingleCache
from storyline.dedup.originals import copy_markers, original_of
from storyline.dedup.overlap import LexicalScores, longest_shared_runs, overlaps
from storyline.dedup.semantic import Profile, features, profile, sentences_of
from storyline.dedup.verify import lexical_match, name_relation
from storyline.fingerprint.ann import VectorIndex
from storyline.fingerprint.embed import Encoder, get_encoder
from storyline.fingerprint.minhash import band_layout
from storyline.fingerprint.shingles import in_background
from storyline.store import Store
from storyline.types import Article, DupRelation

log = logging.getLogger(__name__)

# The title+lead embedding of every article is cached under this field.
DOC_FIELD = "title_lead"
# Anchor sets of one article in two languages share most numbers and name keys; different articles
# on one event share some. LSH at Jaccard 0.3 finds the first (recall ~0.9 at 0.4), and verification
# sorts out the second.
ANCHOR_THRESHOLD = 0.3
# Fewer distinct anchors than this say too little to find candidates by (a 5-anchor text meets
# many others by chance).
MIN_ANCHORS = 8
# Profiles (sentences, anchors, vocabulary) of the articles met last as candidates, kept so that
# an article that is a candidate of many others is profiled once (~10-20 kB each).
PROFILES_KEPT = 4096


def doc_text(article: Article, lead_chars: int = 600) -> str:
    """Title and lead: the text of the document embedding the pair model was fitted with."""
    lead = article.text[:lead_chars]
    return f"{article.title}\n{lead}" if article.title else lead


def _anchor_text(a: Anchors) -> str:
    return " ".join(sorted({f"n{x}" for x in a.numbers} | {f"a{x}" for x in a.names}))


class Deduplicator:
    """Finds the duplicates of new articles against the persistent indexes in the store.

    Args:
        store: the database (holds the indexes, so later runs find copies of old articles).
        config: thresholds and switches.
        encoder: the sentence encoder for translations and rewrites; None for lexical duplicates only.
    """

    def __init__(
        self,
        store: Store,
        config: DedupConfig,
        encoder: Encoder | None = None,
        candidates: Encoder | None = None,
        mapper: Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]] | None = None,
    ) -> None:
        self.store = store
        # Maps sentence encoding over shards on an executor's workers (`Executor.map`); None:
        # here, with `encoder` itself.
        self.mapper = mapper
        self.config = config
        self.encoder = encoder if config.semantic else None
        # Candidate search runs on the cheap vectors every article has (see
        # `storyline.fingerprint.static`); the full encoder verifies the candidates only.
        self.candidates = candidates or encoder
        if self.encoder is not None and self.encoder.name != model.ENCODER:
            log.warning(
                "translations and rewrites are verified with %s embeddings only; with %s, "
                "duplicates are found lexically",
                model.ENCODER,
                self.encoder.name,
            )
            self.encoder = None
        self.bands, self.rows = band_layout(config.candidate_threshold, config.num_perm)
        self.anchor_bands, self.anchor_rows = band_layout(ANCHOR_THRESHOLD, config.num_perm)
        self._lexical = BandIndex(self.bands)
        self._anchors = BandIndex(self.anchor_bands)
        self._signatures = SignatureTable(config.num_perm)
        self._shingles = ShingleCache(config.shingle_size, KEEP_RECENT)
        self._vectors: VectorIndex | None = None
        self._profiles: OrderedDict[tuple[str, str], Profile] = OrderedDict()
        self._loaded = False

    # -- persistent indexes ----------------------------------------------------------------

    @property
    def layout(self) -> str:
        """Everything the stored band keys depend on; another layout means re-indexing."""
        c = self.config
        return f"v1:{c.shingle_size}:{c.num_perm}:{self.bands}x{self.rows}:{self.anchor_bands}x{self.anchor_rows}"

    def _load(self, pending: set[str]) -> None:
        """Rebuild the in-memory indexes from the store (once), leaving out `pending` articles."""
        if self._loaded:
            return
        self._loaded = True
        if self.store.meta_get("dedup.layout") != self.layout:
            self._reindex(pending)
            return
        lex_seq, lex_keys, anc_seq, anc_keys, sigs = [], [], [], [], []
        for seq, lex, sig, anc in self.store.iter_dedup_index():
            if lex is not None and sig is not None:
                lex_seq.append(seq)
                lex_keys.append(np.frombuffer(lex, dtype=np.int64))
                sigs.append(np.frombuffer(sig, dtype=np.uint32))
            if anc is not None:
                anc_seq.append(seq)
                anc_keys.append(np.frombuffer(anc, dtype=np.int64))
        if lex_seq:
            self._lexical.add(np.vstack(lex_keys), np.array(lex_seq))
            self._signatures.add(lex_seq, np.vstack(sigs))
        if anc_seq:
            self._anchors.add(np.vstack(anc_keys), np.array(anc_seq))

    def _reindex(self, pending: set[str]) -> None:
        """Rebuild the stored band keys of every article (first use, or settings changed).

        `pending` articles (the batch being processed) are indexed by the caller.
        """
        self.store.clear_dedup_index()
        batch: list[Article] = []
        for a in self.store.iter_articles():
            if a.id in pending:
                continue
            batch.append(a)
            if len(batch) >= 2000:
                self._index_batch(batch, self.store.seqs([x.id for x in batch]))
                batch = []
        if batch:
            self._index_batch(batch, self.store.seqs([x.id for x in batch]))
        self.store.meta_set("dedup.layout", self.layout)

    def _index_batch(
        self,
        articles: Sequence[Article],
        seqs: dict[str, int],
        fp: Fingerprints | None = None,
        given: dict[str, Anchors] | None = None,
    ) -> tuple[Fingerprints, list[Anchors], np.ndarray | None]:
        """Index articles; returns their fingerprints, anchors and anchor band keys (None: none).

        ``given``: anchors already found (by the per-document features, on the workers).
        """
        if fp is None:
            fp = self._fingerprints([a.text for a in articles])
        # Anchors serve translation candidates only: not computed when the stage is lexical.
        given = given or {}
        anchors = (
            [given.get(a.id) or Anchors.of(a.text) for a in articles] if self.encoder is not None else []
        )
        anc_fp = self._anchor_fingerprints(anchors) if anchors else None
        rows = []
        lex_rows, anc_rows = [], []
        # Each row's bytes sliced from the whole array's: one conversion instead of one per row.
        keys, sigs = _row_bytes(fp.keys), _row_bytes(fp.signatures)
        empty = fp.empty.tolist()
        for i, a in enumerate(articles):
            anc = anc_fp.keys[i] if anc_fp is not None and self._anchor_ok(anchors[i]) else None
            rows.append(
                (
                    a.id, seqs[a.id],
                    None if empty[i] else keys[i],
                    None if empty[i] else sigs[i],
                    None if anc is None else anc.tobytes(),
                )
            )  # fmt: skip
            if not empty[i]:
                lex_rows.append(i)
            if anc is not None:
                anc_rows.append(i)
        adding = None
        if lex_rows:
            numbers = np.array([seqs[articles[i].id] for i in lex_rows])
            # The non-empty rows, as `key_order` sorts them; merged into the index on a worker
            # thread while this one writes the rows to the store.
            adding = in_background(self._lexical.add, fp.keys[lex_rows], numbers, fp.key_order())
        self.store.put_dedup_index(rows)
        if lex_rows:
            self._signatures.add(numbers.tolist(), fp.signatures[lex_rows])
        if anc_rows and anc_fp is not None:
            self._anchors.add(anc_fp.keys[anc_rows], np.array([seqs[articles[i].id] for i in anc_rows]))
        if adding is not None:
            adding.result()
        return fp, anchors, None if anc_fp is None else anc_fp.keys

    def _fingerprint_settings(self) -> tuple[int, int, int, int]:
        c = self.config
        return c.shingle_size, c.num_perm, self.bands, self.rows

    def _fingerprints(self, texts: Sequence[str]) -> Fingerprints:
        return Fingerprints(texts, *self._fingerprint_settings())

    def _anchor_fingerprints(self, anchors: Sequence[Anchors]) -> Fingerprints:
        return Fingerprints(
            [_anchor_text(a) for a in anchors], 1, self.config.num_perm, self.anchor_bands, self.anchor_rows
        )

    @staticmethod
    def _anchor_ok(a: Anchors) -> bool:
        return len(set(a.numbers)) + len(set(a.names)) >= MIN_ANCHORS

    def _vector_index(self) -> VectorIndex:
        assert self.candidates is not None
        if self._vectors is None:
            self._vectors = VectorIndex(self.candidates.dim)
            seqs, vecs = [], []
            for seq, vec in self.store.iter_embeddings(self.candidates.name, DOC_FIELD):
                seqs.append(seq)
                vecs.append(vec)
            if seqs:
                self._vectors.add(seqs, np.vstack(vecs))
        return self._vectors

    # -- embeddings -----------------------------------------------------------------------

    def doc_vectors(
        self, articles: Sequence[Article], enc: Encoder | None = None, keep: bool = True
    ) -> dict[str, np.ndarray]:
        """Title+lead embeddings of articles, from the store's cache or computed and cached.

        Args:
            articles: the articles.
            enc: the encoder; the full (verifying) encoder when None.
            keep: store what was computed (False for readers, which never write).
        """
        enc = enc or self.encoder
        assert enc is not None
        cached = self.store.get_embeddings(enc.name, DOC_FIELD, [a.id for a in articles])
        todo = [a for a in articles if a.id not in cached]
        if todo:
            vecs = enc.encode([doc_text(a) for a in todo])
            if keep:
                self.store.put_embeddings(enc.name, DOC_FIELD, [a.id for a in todo], vecs)
            cached.update({a.id: v for a, v in zip(todo, vecs, strict=True)})
        return cached

    def profiles(self, articles: Sequence[Article], keep: bool = True) -> dict[str, Profile]:
        """Semantic profiles (sentence embeddings cached in the store unless `keep` is False)."""
        assert self.encoder is not None
        enc = self.encoder
        cached = self.store.get_sentence_vectors(enc.name, [a.id for a in articles], enc.dim)
        todo = [a for a in articles if a.id not in cached]
        if todo:
            sents = [tuple(sentences_of(a.text)) for a in todo]
            if self.mapper is not None:
                # On the executor's workers, a shard of articles each; every article's sentences
                # are encoded in a call of their own, so its vectors do not depend on the shard.
                shards = [(enc.name, tuple(sents[i : i + 8])) for i in range(0, len(sents), 8)]
                found = [v for part in self.mapper(encode_each, shards) for v in part]
            else:
                found = encode_each((enc, sents))
            fresh = {a.id: v for a, v in zip(todo, found, strict=True)}
            if keep:
                self.store.put_sentence_vectors(enc.name, fresh)
            cached.update(fresh)
        return {a.id: replace(self._bare_profile(a), vectors=cached.get(a.id)) for a in articles}

    def _bare_profile(self, article: Article, anchors: Anchors | None = None) -> Profile:
        """The article's profile without sentence vectors, kept for the articles met recently.

        An article is a candidate of several others, in its own batch and the next ones (its
        copies and translations arrive around the same time); its profile is computed once.
        """
        key = (article.id, article.content_hash)
        found = self._profiles.get(key)
        if found is not None:
            self._profiles.move_to_end(key)
            return found
        made = profile(article.id, article.language, article.text, None, anchors)
        self._profiles[key] = made
        if len(self._profiles) > PROFILES_KEPT:
            self._profiles.popitem(last=False)
        return made

    # -- the stage --------------------------------------------------------------------------

    def process(
        self,
        new: Sequence[Article],
        vectors: dict[str, np.ndarray] | None = None,
        anchors: dict[str, Anchors] | None = None,
    ) -> list[DupRelation]:
        """Index new articles and return the relations of every duplicate group they touch.

        The articles must already be stored. `vectors` are their candidate-search vectors when
        already computed (by the candidate encoder), `anchors` their numbers and names (both
        per-document features, computed on the executor's workers). The returned relations replace all earlier relations
        of the groups' members (the original of a group can change when an older article arrives
        later). Must run inside a transaction.
        """
        if not new:
            return []
        new = list({a.id: a for a in new}.values())
        self._load({a.id for a in new})
        # The batch is fingerprinted on the worker threads while the store is asked for its
        # arrival numbers and exact copies.
        position = {a.id: k for k, a in enumerate(new)}
        fingerprints = Fingerprints.start([a.text for a in new], *self._fingerprint_settings())
        # One query gives the batch's arrival numbers and its exact copies among stored articles.
        same = self.store.same_content(a.content_hash for a in new)
        ids = {a.id for a in new}
        seqs = {i: seq for matches in same.values() for i, seq in matches if i in ids}
        if len(seqs) < len(ids):  # stored with another content hash (or not stored at all)
            seqs.update(self.store.seqs([a.id for a in new if a.id not in seqs]))
        new = [a for a in new if a.id in seqs]
        # Arrival numbers of every article met on the way (the originals' tie-break), so naming
        # the groups' relations asks the store only for members reached through stored groups.
        known = {i: seq for matches in same.values() for i, seq in matches}
        known.update(seqs)
        if not new:
            fingerprints()  # let the worker threads finish before returning
            return []
        groups = Groups()
        direct: dict[frozenset[str], dict[str, Any]] = {}

        debug = log.isEnabledFor(logging.DEBUG)

        def link(x: str, y: str, how: str, **info: Any) -> None:
            if debug:
                log.debug("link %s %s by %s %s", x, y, how, info.get("probability", ""))
            groups.union(x, y)
            direct.setdefault(frozenset((x, y)), {"found_by": how, **info})

        # Exact copies: the oldest article with the same content hash; exact copies of an indexed
        # article are not indexed again (their twin stands for them).
        twin: dict[str, str] = {}
        for a in new:
            first = same[a.content_hash][0][0] if same.get(a.content_hash) else a.id
            if first != a.id:
                twin[a.id] = first
                link(a.id, first, "content hash")
        fresh = [a for a in new if a.id not in twin]
        articles: dict[str, Article] = {a.id: a for a in new}
        cache = self._shingles
        scored: dict[tuple[str, str], LexicalScores] = {}  # verified pairs' overlaps, to reuse
        fp = fingerprints()
        if len(fresh) < len(position):  # exact copies (indexed through their twin) or unstored articles
            fp = fp.subset([position[a.id] for a in fresh])
        try:
            if fresh:
                fp, found, anchor_keys = self._index_batch(fresh, seqs, fp, anchors)
                cache.add(fresh, fp)
                self._lexical_links(fresh, fp, seqs, known, articles, cache, link, scored)
                if self.encoder is not None:
                    self._semantic_links(
                        fresh, found, anchor_keys, seqs, known, articles, groups, direct, link, vectors
                    )
            return self._relations(groups, direct, articles, known, cache, scored)
        finally:
            cache.end_call()

    def _lexical_links(
        self,
        fresh: list[Article],
        fp: Fingerprints,
        seqs: dict[str, int],
        known: dict[str, int],
        articles: dict[str, Article],
        cache: ShingleCache,
        link: Any,
        scored: dict[tuple[str, str], LexicalScores],
    ) -> None:
        ok = np.flatnonzero(~fp.empty)
        if not len(ok):
            return
        keys = fp.keys[ok]
        # Query before this batch was added would miss nothing: a batch's own keys are found by
        # `within_batch_pairs`; hits on this batch's numbers below are dropped as self-matches.
        q_rows, q_seqs = self._lexical.query(keys, order=fp.key_order())
        # Screen: pairs whose signatures agree on far fewer buckets than the candidate threshold
        # met by chance in one band (the estimate's standard deviation is ~0.04 at 128 buckets).
        est = self._signatures.estimate(fp.signatures[ok[q_rows]], q_seqs)
        keep = (est < 0) | (est >= self.config.candidate_threshold / 2)
        q_rows, q_seqs = q_rows[keep], q_seqs[keep]
        w_a, w_b = within_batch_pairs(keys, fp.key_order())
        sig_ok = (fp.signatures[ok[w_a]] == fp.signatures[ok[w_b]]).mean(
            axis=1
        ) >= self.config.candidate_threshold / 2
        w_a, w_b = w_a[sig_ok], w_b[sig_ok]
        batch_seq = {seqs[fresh[i].id]: int(i) for i in ok}
        pairs: set[tuple[int, int | str]] = set()
        old_seqs: set[int] = set()
        for r, s in zip(q_rows.tolist(), q_seqs.tolist(), strict=True):
            row = int(ok[r])
            if s in batch_seq:
                if batch_seq[s] != row:
                    pairs.add((max(row, batch_seq[s]), min(row, batch_seq[s])))
            else:
                old_seqs.add(s)
                pairs.add((row, f"s{s}"))
        for a, b in zip(w_a.tolist(), w_b.tolist(), strict=True):
            pairs.add((int(ok[a]), int(ok[b])))
        if not pairs:
            return
        # The batch's sets on a worker thread while this one fetches the stored candidates.
        preparing = in_background(
            fp.prepare_sets, [r for pair in pairs for r in pair if isinstance(r, int)], False
        )
        by_seq = self.store.articles_by_seq(old_seqs)
        old_ids = {s: x.id for s, x in by_seq.items()}
        known.update((i, s) for s, i in old_ids.items())
        old_articles = {x.id: x for x in by_seq.values()}
        articles.update(old_articles)
        cache.ensure(old_articles.values())
        preparing.result()
        checked: list[tuple[str, str]] = []
        sets: list[tuple[np.ndarray, np.ndarray]] = []
        # In a stable order: the first link found decides how a group's members are joined (and
        # what `why` shows), which must not depend on the interpreter's string hashing.
        for a_row, other in sorted(pairs, key=lambda p: (p[0], str(p[1]))):
            if isinstance(other, str):
                oid = old_ids.get(int(other[1:]))
                if oid is None or oid not in old_articles:
                    continue
                sb = cache.set(oid)
            else:
                oid = fresh[other].id
                sb = fp.shingle_set(other)
            checked.append((fresh[a_row].id, oid))
            sets.append((fp.shingle_set(a_row), sb))
        for (a_id, oid), s in zip(checked, overlaps(sets), strict=True):
            scored[a_id, oid] = s
            if lexical_match(s, self.config):
                link(a_id, oid, "minhash lsh", jaccard_5gram=round(s.jaccard, 4))

    def _semantic_links(
        self,
        fresh: list[Article],
        anchors: list[Anchors],
        anchor_keys: np.ndarray | None,
        seqs: dict[str, int],
        known: dict[str, int],
        articles: dict[str, Article],
        groups: Groups,
        direct: dict[frozenset[str], dict[str, Any]],
        link: Any,
        given: dict[str, np.ndarray] | None = None,
    ) -> None:
        assert self.candidates is not None
        if given is not None and all(a.id in given for a in fresh):
            vecs = {a.id: given[a.id] for a in fresh}
            self.store.put_embeddings(
                self.candidates.name, DOC_FIELD, [a.id for a in fresh], np.vstack([vecs[a.id] for a in fresh])
            )
        else:
            vecs = self.doc_vectors(fresh, self.candidates)
        index = self._vector_index()
        mat = np.vstack([vecs[a.id] for a in fresh])
        index.add([seqs[a.id] for a in fresh], mat)
        cand: dict[tuple[str, int], str] = {}  # (new article, other's number) -> how it was found
        for a, found in zip(fresh, index.search(mat, self.config.neighbours + 1), strict=True):
            for s, cos in found:
                if s != seqs[a.id] and cos >= self.config.candidate_cosine:
                    cand.setdefault((a.id, s), "embedding neighbours")
        # Anchor LSH: translations into languages the encoder does not cover.
        usable = [i for i, x in enumerate(anchors) if self._anchor_ok(x)]
        if usable:
            keys = (
                anchor_keys[usable]
                if anchor_keys is not None
                else self._anchor_fingerprints([anchors[i] for i in usable]).keys
            )
            rows, found_seqs = self._anchors.query(keys)
            for r, s in zip(rows.tolist(), found_seqs.tolist(), strict=True):
                a = fresh[usable[r]]
                if s != seqs[a.id]:
                    cand.setdefault((a.id, s), "anchor lsh")
        if not cand:
            return
        id_of = self.store.ids_of_seqs({s for _, s in cand})
        known.update((i, s) for s, i in id_of.items())
        resolved: dict[frozenset[str], str] = {}
        for (a_id, s), how in cand.items():
            oid = id_of.get(s)
            if oid is None or oid == a_id or frozenset((a_id, oid)) in direct:
                continue
            resolved.setdefault(frozenset((a_id, oid)), how)
        # Pairs already in one group need no more evidence.
        existing = self.store.relations(sorted({i for k in resolved for i in k}))
        for rel in existing:
            groups.union(rel.article, rel.original)
        pairs = [k for k in resolved if groups.apart(min(k), max(k))]
        if not pairs:
            return
        need = sorted({i for k in pairs for i in k} - set(articles))
        articles.update({x.id: x for x in self.store.get_articles(need)})
        # Embedding sentences is the costly step: first drop the pairs whose numbers, names and
        # sentence counts leave them short of the threshold even with a perfect alignment.
        anchors_of = {a.id: x for a, x in zip(fresh, anchors, strict=True)}
        bare = {
            i: self._bare_profile(articles[i], anchors_of.get(i))
            for i in sorted({i for k in pairs for i in k if i in articles})
        }
        pairs = [
            k
            for k in pairs
            if min(k) in bare
            and max(k) in bare
            and model.could_be_same(features(bare[min(k)], bare[max(k)], 0.0)[0])
        ]
        if not pairs:
            return
        members = sorted({i for k in pairs for i in k})
        doc = self.doc_vectors([articles[i] for i in members])
        profs = self.profiles([articles[i] for i in members])
        for k in pairs:
            x, y = sorted(k)
            if x not in profs or y not in profs:
                continue
            f, al = features(profs[x], profs[y], float(doc[x] @ doc[y]))
            p = model.probability(f)
            if model.same_article(f):
                link(
                    x, y, resolved[k], probability=round(p, 4),
                    features={n: round(v, 4) for n, v in f.items()},
                    aligned_sentences=[[i, j, round(s, 3)] for (i, j), s in zip(al.pairs[:5], al.similarities, strict=False)],
                )  # fmt: skip

    def _relations(
        self,
        groups: Groups,
        direct: dict[frozenset[str], dict[str, Any]],
        articles: dict[str, Article],
        known: dict[str, int],
        cache: ShingleCache,
        scored: dict[tuple[str, str], LexicalScores],
    ) -> list[DupRelation]:
        if not groups:
            return []
        # Bring in the stored groups of every linked article (transitively: one query per level).
        seen: set[str] = set()
        frontier = set(groups)
        while frontier:
            seen |= frontier
            rels = self.store.relations(sorted(frontier))
            nxt: set[str] = set()
            for rel in rels:
                groups.union(rel.article, rel.original)
                direct.setdefault(frozenset((rel.article, rel.original)), rel.evidence.get("link", {}))
                nxt |= {rel.article, rel.original}
            frontier = nxt - seen
        found = [g for g in groups.groups() if len(g) > 1]
        missing = sorted({i for g in found for i in g} - set(articles))
        articles.update({x.id: x for x in self.store.get_articles(missing)})
        members_all = sorted({i for g in found for i in g if i in articles})
        order = {i: known[i] for i in members_all if i in known}
        if len(order) < len(members_all):
            order.update(self.store.seqs([i for i in members_all if i not in known]))
        # One fingerprint pass for every member of every touched group not fingerprinted yet.
        cache.ensure(articles[i] for i in members_all)
        sizes = {i: cache.length(i) for i in members_all}
        markers: dict[str, list[str]] = {}  # words, not distinct n-grams
        links: dict[str, list[str]] | None = None  # built when a relation is not a direct link
        degree = lexical_degree(direct)
        chosen: list[tuple[Article, Article, str]] = []  # (member, original, why the original)
        for ids in found:
            group = [articles[i] for i in ids if i in articles]
            if len(group) < 2:
                continue
            choice = original_of(group, order, sizes, markers, {i: degree[i] for i in ids if i in degree})
            orig = choice.original
            chosen += [(m, orig, choice.reason(m.id)) for m in group if m.id != orig.id]
        # Overlaps not computed while verifying, and the longest shared passages: one pass each.
        lex: list[LexicalScores | None] = []
        for m, orig, _ in chosen:
            s = scored.get((m.id, orig.id))
            if s is None:
                back = scored.get((orig.id, m.id))
                s = back.swapped() if back is not None else None
            lex.append(s)
        todo = [k for k, s in enumerate(lex) if s is None]
        for k, s in zip(
            todo,
            overlaps([(cache.set(chosen[k][0].id), cache.set(chosen[k][1].id)) for k in todo]),
            strict=True,
        ):
            lex[k] = s
        runs = longest_shared_runs(
            [(cache.sequence(m.id), cache.set(orig.id)) for m, orig, _ in chosen], self.config.shingle_size
        )
        out: list[DupRelation] = []
        for (m, orig, reason), s, (start, length) in zip(chosen, lex, runs, strict=True):
            assert s is not None
            info = direct.get(frozenset((m.id, orig.id)))
            prob = info.get("probability") if info else None
            naming = name_relation(m, orig, s, self.config, prob)
            ev = dict(naming.evidence)
            if length:
                ev["shared_passage"] = {"first_word": start, "words": length}
            ev["original_reason"] = reason
            marks = markers[m.id] if m.id in markers else copy_markers(m)
            if marks:
                ev["copy_markers"] = marks
            score = naming.score
            if info:
                ev["link"] = info
            else:
                if links is None:
                    links = adjacency(direct)
                via = path(m.id, orig.id, links)
                ev["link"] = {"found_by": "group", "via": via}
                if naming.kind in ("translation", "rewrite"):
                    score = path_probability([m.id, *via, orig.id], direct)
            out.append(DupRelation(m.id, orig.id, naming.kind, round(float(score), 4), ev))
        return out


def encode_each(shard: tuple[Encoder | str, Sequence[Sequence[str]]]) -> list[np.ndarray]:
    """The sentence vectors of each article of a shard, one encoder call per article.

    Args:
        shard: the encoder (or its name, on a worker) and each article's sentences.
    """
    enc, texts = shard
    encoder = get_encoder(enc) if isinstance(enc, str) else enc
    empty = np.zeros((0, encoder.dim), dtype=np.float32)
    return [encoder.encode(list(t)) if t else empty for t in texts]


def _row_bytes(a: np.ndarray) -> list[bytes]:
    """The bytes of each row of a 2-d array (as `a[i].tobytes()`)."""
    blob = np.ascontiguousarray(a).tobytes()
    width = a.shape[1] * a.itemsize
    return [blob[k : k + width] for k in range(0, width * a.shape[0], width)] if width else [b""] * a.shape[0]
