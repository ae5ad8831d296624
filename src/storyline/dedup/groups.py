"""Verified duplicate links closed into groups, and the chain of links that joins two members.

A group's members are joined by verified pairs (direct links); a member and the group's original
need not be one. The chain between them (breadth-first over the direct links) is the evidence
`why` shows, and its weakest link is the relation's score.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from typing import Any

from scipy.cluster.hierarchy import DisjointSet


class Groups:
    """Groups of linked article ids: scipy's disjoint sets, with ids added on first sight."""

    def __init__(self) -> None:
        self.sets: DisjointSet = DisjointSet()

    def __iter__(self) -> Iterator[str]:
        return iter(self.sets)

    def __len__(self) -> int:
        return len(self.sets)

    def union(self, x: str, y: str) -> None:
        """Put x and y (and their groups) in one group."""
        self.sets.add(x)
        self.sets.add(y)
        self.sets.merge(x, y)

    def apart(self, x: str, y: str) -> bool:
        """Whether x and y are not (yet) in one group."""
        return x not in self.sets or y not in self.sets or not self.sets.connected(x, y)

    def groups(self) -> list[list[str]]:
        """Every group, members in the order they were first seen."""
        out: dict[str, list[str]] = {}
        for x in self.sets:
            out.setdefault(self.sets[x], []).append(x)
        return list(out.values())


_LEXICAL_LINKS = ("content hash", "minhash lsh")


def lexical_degree(direct: dict[frozenset[str], dict[str, Any]]) -> dict[str, int]:
    """How many verified word-for-word links each linked article has.

    Every directly linked pair is in one group (links are unions), so an article's count is its
    count inside its group; computed once for all groups instead of once per group.
    """
    degree: dict[str, int] = {}
    for pair, info in direct.items():
        if len(pair) == 2 and info.get("found_by") in _LEXICAL_LINKS:
            for x in pair:
                degree[x] = degree.get(x, 0) + 1
    return degree


def adjacency(direct: dict[frozenset[str], dict[str, Any]]) -> dict[str, list[str]]:
    """Each linked article's directly linked articles."""
    adj: dict[str, list[str]] = {}
    for k in direct:
        if len(k) == 2:
            x, y = tuple(k)
            adj.setdefault(x, []).append(y)
            adj.setdefault(y, []).append(x)
    return adj


def path(a: str, b: str, adj: dict[str, list[str]]) -> list[str]:
    """The chain of directly verified pairs linking a to b (breadth-first), without the ends."""
    prev: dict[str, str] = {a: a}
    queue = deque([a])
    while queue:
        x = queue.popleft()
        if x == b:
            break
        for y in adj.get(x, []):
            if y not in prev:
                prev[y] = x
                queue.append(y)
    if b not in prev:
        return []
    path = [b]
    while path[-1] != a:
        path.append(prev[path[-1]])
    return path[::-1][1:-1]


def path_probability(chain: list[str], direct: dict[frozenset[str], dict[str, Any]]) -> float:
    """The weakest link of a chain of verified pairs."""
    p = 1.0
    for x, y in itertools.pairwise(chain):
        info = direct.get(frozenset((x, y)), {})
        p = min(p, float(info.get("probability", info.get("jaccard_5gram", 1.0))))
    return p
