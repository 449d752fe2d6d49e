"""Exact drive times for the dispatcher: a cache of full rows for busy nodes, bounded searches.

A node used by a second request (a facility, a virtual stop, a busy home) gets full
forward and reverse rows from :func:`kaicity.routing.shortest_times`, kept for the rest of
the run while the cache (``row_cache_mb``) has room; other nodes get bounded or targeted
searches (:class:`kaicity.dispatch_kernel.DispatchSearcher`) written into scratch rows
that are put back to ``inf`` after each evaluation (:meth:`TravelTimes.clean`).
Vehicles read their paths off the cached reverse rows.
"""

from __future__ import annotations

import numpy as np

from kaicity import dispatch_kernel, routing
from kaicity.errors import SimulationError
from kaicity.network.graph import Graph
from kaicity.routing import Hierarchy

#: Dijkstra searches watched before the engine is chosen (``hierarchy=None``).
PROBE_SEARCHES = 200
#: Share of the graph those searches must settle on average for PHAST rows to be cheaper.  A PHAST
#: row costs 0.23-0.30 of a full Dijkstra on synthetic street graphs of 10k-200k nodes
#: (``benchmarks/bench_hierarchy.py``); the margin covers the hierarchy's build.
HIERARCHY_MIN_SHARE = 0.4


class TravelTimes:
    """Travel-time rows and shortest paths on the drive graph.

    Parameters
    ----------
    graph
        The drive graph (seconds).
    row_cache_mb
        Memory for cached full rows (forward and reverse searches per node).
    hierarchy
        True: read every search off PHAST rows of a contraction hierarchy of ``graph``;
        False: Dijkstra searches; None: Dijkstra for the first :data:`PROBE_SEARCHES`
        searches, then the hierarchy if they settled at least :data:`HIERARCHY_MIN_SHARE`
        of the graph on average.  The times are the same either way when the graph's
        costs sum exactly (:func:`kaicity.routing.quantized`), so the choice changes
        speed, never a result.

    Attributes
    ----------
    rows : dict
        Cached full rows by ``(node, reverse)``.
    to_p, from_p, to_d, from_d : ndarray
        Scratch rows of the evaluation in progress (``inf`` where not searched).
    """

    def __init__(self, graph: Graph, row_cache_mb: float = 256.0, hierarchy: bool | None = None) -> None:
        n = graph.n_nodes
        self.graph = graph
        self.rows: dict[tuple[int, bool], np.ndarray] = {}
        self.uses = np.zeros(n, dtype=np.int32)
        self.searcher = dispatch_kernel.DispatchSearcher(graph, hierarchy=Hierarchy(graph) if hierarchy else None)
        self._choose = hierarchy is None
        self.to_p = np.full(n, np.inf)
        self.from_p = np.full(n, np.inf)
        self.to_d = np.full(n, np.inf)
        self.from_d = np.full(n, np.inf)
        self._reached = np.empty(n, dtype=np.int32)
        self._vals = np.empty(n + 1)
        self._path_buf = np.empty(n, dtype=np.int32)
        self._dirty: list[tuple[np.ndarray, np.ndarray]] = []
        self.row_budget = max(8, int(row_cache_mb * 1e6 / (8.0 * max(n, 1))))

    def count_use(self, node: int) -> None:
        """One more request uses ``node`` (busy nodes get full rows)."""
        self.uses[node] += 1

    def row(self, node: int, reverse: bool) -> np.ndarray:
        """Full-search row of ``node``: times to it (``reverse``) or from it; cached while there is room."""
        key = (int(node), bool(reverse))
        cache = self.rows
        row = cache.get(key)
        if row is not None:
            return row
        row = self.searcher.full_row(int(node), reverse)
        if row is None:
            row = routing.shortest_times(self.graph, int(node), reverse=reverse, threads=1)
        row.flags.writeable = False
        if len(cache) < self.row_budget:   # first come, kept: no thrashing between busy nodes
            cache[key] = row
        return row

    def cached_row(self, node: int, reverse: bool) -> np.ndarray | None:
        """The full row of ``node`` when it is cached or the node is busy enough to deserve one."""
        key = (int(node), bool(reverse))
        row = self.rows.get(key)
        if row is not None:
            return row
        if self.uses[node] >= 2 and len(self.rows) < self.row_budget:
            return self.row(node, reverse)
        return None

    def _choose_engine(self) -> None:
        """After :data:`PROBE_SEARCHES` searches, switch to the hierarchy when they were wide enough."""
        sr = self.searcher
        if sr.searches < PROBE_SEARCHES:
            return
        self._choose = False
        if sr.settled >= HIERARCHY_MIN_SHARE * sr.searches * self.graph.n_nodes:
            sr.use_hierarchy(Hierarchy(self.graph))

    def bounded_to(self, node: int, limit: float) -> np.ndarray:
        """Times to ``node`` from every node within ``limit`` (the scratch row :attr:`to_p`)."""
        if self._choose:
            self._choose_engine()
        n = self.searcher.bounded(node, limit, True, self.to_p, self._reached)
        self._dirty.append((self.to_p, self._reached[:n].copy()))
        return self.to_p

    def search(self, source: int, targets: np.ndarray, limits: np.ndarray, reverse: bool,
               row: np.ndarray) -> np.ndarray:
        """Exact times between ``source`` and each target within its own limit, written into ``row``.

        One search that stops once every target is settled or past its limit; ``row`` is a
        scratch row (``inf`` elsewhere), cleaned by :meth:`clean`, so ``targets`` must stay
        unchanged until then.  The returned times are a work buffer, valid until the next search.
        """
        nt = len(targets)
        if nt > len(self._vals):
            self._vals = np.empty(nt)
        vals = self._vals[:nt]
        if nt:
            self.searcher.targeted_into(source, targets, limits, reverse, vals, row)
            self._dirty.append((row, targets))
        return vals

    def mark(self, row: np.ndarray, nodes: np.ndarray) -> None:
        """Entries ``nodes`` of the scratch ``row`` were written by hand; :meth:`clean` resets them."""
        self._dirty.append((row, nodes))

    def clean(self) -> None:
        """Put ``inf`` back into the scratch rows written since the last call."""
        for row, nodes in self._dirty:
            dispatch_kernel.fill_at(row, nodes, np.inf)
        self._dirty.clear()

    def route(self, source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shortest drive path ``source -> target``: nodes, cumulative seconds, cumulative metres."""
        g = self.graph
        if source == target:
            return np.array([source], dtype=np.int32), np.zeros(1), np.zeros(1)
        row = self.rows.get((int(target), True))
        nodes = None
        if row is not None:   # follow the cached reverse search tree of the target
            nodes = dispatch_kernel.path_down(g, row, int(source), int(target), self._path_buf)
        if nodes is None:
            nodes = np.asarray(routing.shortest_path(g, int(source), int(target)), dtype=np.int32)
        if len(nodes) == 0:
            raise SimulationError(f"DRT: drive node {target} cannot be reached from {source}")
        cum_t, cum_m = dispatch_kernel.path_profile(g, nodes)
        return nodes, cum_t, cum_m
