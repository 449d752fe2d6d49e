"""Indexes that make a fixed-route bus quote cost O(patterns near its ends), not O(all patterns).

:class:`StopIndex` is a CSR over walk nodes: for each walk node, the patterns whose nearest stop
is within the longest searched walk, with that stop and the walk (m), patterns in ascending order.
It is built once from one multi-source search per pattern (the same searches, and so the same
nearest stop on ties, as a per-pattern ``routing.nearest`` table).

:class:`StopEgress` holds, for one :class:`~kaicity.services.access.PlaceAccess`, the walk from
every stop of every pattern (concatenated) to the nearest place, and which place and walk node
that is; a request slices it per pattern.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Sequence

import numpy as np

from kaicity import routing
from kaicity.network.graph import Graph

#: Patterns searched together when the index is built (bounds the temporary dense tables).
BUILD_CHUNK = 32


class StopIndex:
    """Per walk node: ``(pattern, stop, walk m)`` of every pattern whose nearest stop is within ``max_walk_m``.

    Parameters
    ----------
    walk
        The walk graph.
    stop_walk
        Walk node of each stop, one array per pattern.
    max_walk_m
        Longest walk searched (m).
    """

    def __init__(self, walk: Graph, stop_walk: Sequence[np.ndarray], max_walk_m: float):
        n = walk.n_nodes
        nodes, pats, stops, metres = [], [], [], []
        for lo in range(0, len(stop_walk), BUILD_CHUNK):
            sets = [np.asarray(s, dtype=np.int64) for s in stop_walk[lo:lo + BUILD_CHUNK]]
            dist, which = routing.nearest_many(walk, sets, limit=max_walk_m)
            for j in range(len(sets)):
                v = np.flatnonzero(which[j] >= 0)
                nodes.append(v)
                pats.append(np.full(len(v), lo + j, dtype=np.int32))
                stops.append(which[j, v].astype(np.int32))
                metres.append(dist[j, v])
        node = np.concatenate(nodes) if nodes else np.zeros(0, dtype=np.int64)
        order = np.argsort(node, kind="stable")  # patterns stay ascending within a node
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(node, minlength=n), out=self.indptr[1:])
        self.pattern = (np.concatenate(pats) if pats else np.zeros(0, np.int32))[order]
        self.stop = (np.concatenate(stops) if stops else np.zeros(0, np.int32))[order]
        self.walk_m = (np.concatenate(metres) if metres else np.zeros(0))[order]

    def at(self, node: int, max_walk_m: float) -> list[tuple[int, int, float]]:
        """``(pattern, stop, walk m)`` within ``max_walk_m`` of walk node ``node``, patterns ascending."""
        lo, hi = int(self.indptr[node]), int(self.indptr[node + 1])
        return [(p, s, m) for p, s, m in zip(self.pattern[lo:hi].tolist(), self.stop[lo:hi].tolist(),
                                             self.walk_m[lo:hi].tolist(), strict=True) if m <= max_walk_m]


class StopEgress:
    """Walk from every stop (patterns concatenated) to the nearest place of one ``PlaceAccess``.

    Attributes
    ----------
    walk_m : float64 per stop, ``inf`` where no place is reachable.
    place, node : int64 per stop, the place id and its walk node (-1 where none).
    """

    def __init__(self, access, stop_walk_all: np.ndarray):
        self.access = access  # kept so that the cache key (its id) cannot be reused
        which = np.asarray(access.walk_which)[stop_walk_all]
        self.walk_m = np.asarray(access.walk_m)[stop_walk_all].astype(float)
        self.walk_m[which < 0] = np.inf
        self.place = np.where(which >= 0, np.asarray(access.place_ids)[np.maximum(which, 0)], -1)
        self.node = np.where(which >= 0, np.asarray(access.walk_nodes)[np.maximum(which, 0)], -1)
        self._ptr: list[int] = []
        self._by_walk: list[tuple[list[float], list[int], list[float]]] = []

    def split(self, stop_ptr: list[int]) -> None:
        """Per pattern: its stops' walks sorted, the stops in that order, and the walks by stop (lists)."""
        self._ptr = stop_ptr
        self._by_walk = []
        for lo, hi in zip(stop_ptr[:-1], stop_ptr[1:], strict=True):
            seg = self.walk_m[lo:hi]
            order = np.argsort(seg, kind="stable")
            self._by_walk.append((seg[order].tolist(), order.tolist(), seg.tolist()))

    def within(self, pattern: int, limit: float) -> tuple[list[int], list[float]] | None:
        """Stops of ``pattern`` (ascending) whose walk is at most ``limit`` (finite), and those walks."""
        walks, order, by_stop = self._by_walk[pattern]
        c = bisect.bisect_right(walks, limit)
        if c == 0:
            return None
        stops = sorted(order[:c])
        return stops, [by_stop[s] for s in stops]


class RequestEgress:
    """One request's egress walks, per pattern on demand.

    Parameters
    ----------
    max_walk_m
        The rider's longest walk (m).
    table
        The destination category's :class:`StopEgress`, or ``None`` for a plain destination.
    near
        For a plain destination: ``pattern -> (stop, walk m)`` of its nearest stop within the walk.
    stop_ptr
        Start of each pattern's stops in the concatenated arrays (one more than patterns).
    """

    def __init__(self, max_walk_m: float, table: StopEgress | None,
                 near: dict[int, tuple[int, float]] | None, stop_ptr: list[int]):
        self.limit = min(float(max_walk_m), sys.float_info.max)  # an infinite walk still excludes ``inf``
        self.table = table
        self.near = near
        self.ptr = stop_ptr
        self._cache: dict[int, tuple[list[int], list[float]] | None] = {}

    def of(self, pattern: int) -> tuple[list[int], list[float]] | None:
        """Stops of ``pattern`` (ascending) within the walk of the destination and their walks; ``None``: none."""
        if self.table is None:
            hit = self.near.get(pattern)
            return None if hit is None else ([hit[0]], [hit[1]])
        if pattern in self._cache:
            return self._cache[pattern]
        out = self._cache[pattern] = self.table.within(pattern, self.limit)
        return out

    def walk(self, pattern: int, stop: int) -> float:
        """Walk (m) from ``stop`` of ``pattern`` to the destination."""
        if self.table is None:
            return self.near[pattern][1]
        return float(self.table.walk_m[self.ptr[pattern] + stop])

    def place(self, pattern: int, stop: int) -> tuple[int, int]:
        """Place reached from ``stop`` of ``pattern`` and its walk node (-1, -1: the request's destination)."""
        if self.table is None:
            return -1, -1
        s = self.ptr[pattern] + stop
        return int(self.table.place[s]), int(self.table.node[s])

    def any(self) -> bool:
        """Whether any stop of any pattern is within the walk of the destination."""
        if self.table is None:
            return bool(self.near)
        return bool((self.table.walk_m <= self.limit).any())
