"""The duplicate stage: find the copies of new articles among everything stored, and group them."""

from __future__ import annotations

from collections.abc import Sequence

from storyline.config import DedupConfig
from storyline.dedup.originals import original_of
from storyline.dedup.verify import classify, evidence, score_pair, text_shingles
from storyline.fingerprint.minhash import band_keys, band_layout, signature
from storyline.store import Store
from storyline.types import Article, DupRelation


class Deduplicator:
    """Finds exact and near copies of new articles against the persistent index in the store.

    Args:
        store: the database (holds the LSH index, so later runs find copies of old articles).
        config: thresholds.
    """

    def __init__(self, store: Store, config: DedupConfig) -> None:
        self.store = store
        self.config = config
        self.bands, self.rows = band_layout(config.near_threshold, config.num_perm)

    def _index(self, article: Article) -> set[str]:
        """Add an article to the LSH index; return the ids of stored articles sharing a band."""
        sh = text_shingles(article.text, self.config.shingle_size)
        sig = signature(sh, self.config.num_perm)
        keys = band_keys(sig, self.bands, self.rows)
        found = self.store.lsh_candidates(keys)
        self.store.put_minhash(article.id, sig, keys)
        found.discard(article.id)
        return found

    def process(self, new: Sequence[Article]) -> list[DupRelation]:
        """Index new articles and return the relations of every duplicate group they touch.

        The returned relations replace all earlier relations of the groups' members (the original
        of a group can change when an older article arrives later). Must run inside a transaction.
        """
        by_hash = self.store.by_content_hash(a.content_hash for a in new)
        touched: dict[str, set[str]] = {}
        for a in new:
            linked: set[str] = {i for i in by_hash.get(a.content_hash, []) if i != a.id}
            for cand in self._index(a):
                linked.add(cand)
            if linked:
                touched[a.id] = linked
        if not touched:
            return []
        # Verify candidates; then close each group over existing relations.
        ids = {i for a, ls in touched.items() for i in (a, *ls)}
        articles = {x.id: x for x in self.store.get_articles(sorted(ids))}
        for a in new:
            articles.setdefault(a.id, a)
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        def union(x: str, y: str) -> None:
            rx, ry = find(x), find(y)
            if rx != ry:
                parent[rx] = ry

        c = self.config
        for aid, linked in touched.items():
            a = articles[aid]
            for bid in linked:
                b = articles.get(bid)
                if b is None:
                    continue
                if classify(
                    a, b, score_pair(a.text, b.text, c.shingle_size), c.near_threshold, c.excerpt_containment
                ):
                    union(aid, bid)
        # Bring in the existing groups of every matched article.
        members = set(parent) | {find(x) for x in parent}
        for rel in self.store.relations(sorted(members)):
            union(rel.article, rel.original)
        groups: dict[str, list[str]] = {}
        for x in set(parent) | {find(x) for x in list(parent)}:
            groups.setdefault(find(x), []).append(x)
        missing = [i for g in groups.values() for i in g if i not in articles]
        articles.update({x.id: x for x in self.store.get_articles(missing)})
        order = self.store.seqs([i for g in groups.values() for i in g])
        out: list[DupRelation] = []
        for group_ids in groups.values():
            group = [articles[i] for i in group_ids if i in articles]
            if len(group) < 2:
                continue
            orig = original_of(group, order)
            for m in group:
                if m.id == orig.id:
                    continue
                s = score_pair(m.text, orig.text, c.shingle_size)
                kind = classify(m, orig, s, c.near_threshold, c.excerpt_containment) or (
                    "near_copy",
                    s.jaccard,
                )
                out.append(DupRelation(m.id, orig.id, kind[0], round(kind[1], 4), evidence(s)))
        return out
