"""Searches from each source to every node: dense (:func:`shortest_times`) and bounded, sparse
(:func:`bounded_times`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kaicity._core import _dijkstra
from kaicity._core.constants import WEIGHT_DTYPE
from kaicity.errors import RoutingError
from kaicity.network.graph import Graph
from kaicity.routing._execution import WorkspaceLoan, borrow, locality_order, plan_threads
from kaicity.routing._prepared import prepare
from kaicity.routing._results import SparseTimes
from kaicity.routing._validation import INT_TYPES, check_limit, check_node, check_nodes

__all__ = ["bounded_times", "shortest_times"]


def shortest_times(graph: Graph, sources: int | Sequence[int] | np.ndarray, *, limit: float = np.inf,
                   reverse: bool = False, threads: int | None = None) -> np.ndarray:
    """Shortest travel times from each source to every node.

    Parameters
    ----------
    graph
        The graph to search (its ``weights`` are the costs).
    sources
        A node index, or a 1-D sequence of node indices.
    limit
        Stop searching beyond this time; farther nodes get ``inf``.
    reverse
        Times *to* the sources instead (search the transposed graph).
    threads
        Threads for many sources (None: the OpenMP default).

    Returns
    -------
    ndarray of float64
        Shape ``(n,)`` for a scalar source, else ``(len(sources), n)``; ``inf`` where a
        node is unreachable or beyond ``limit``.
    """
    g = prepare(graph, reverse)
    n = g.n
    lim = check_limit(limit)
    if isinstance(sources, INT_TYPES) or np.ndim(sources) == 0:
        s = check_node(sources, n, "source")
        if g.inv is not None:
            s = int(g.inv[s])
        out = np.empty(n, dtype=WEIGHT_DTYPE)
        pool, work = borrow(graph, g, 1)      # the one-search fast path: no context manager
        try:
            _dijkstra.dense_time(g.indptr, g.indices, g.weights, s, lim, out, work, g.perm)
        finally:
            pool.append(work)
        return out
    src = g.inside(check_nodes(sources, n, "sources"))
    nt, min_par = plan_threads(threads)
    out = np.empty((len(src), n), dtype=WEIGHT_DTYPE)
    with WorkspaceLoan(graph, g, nt) as work:
        _dijkstra.dense_times(g.indptr, g.indices, g.weights, src, lim, out, None, work, nt, min_par, g.perm,
                              locality_order(src))
    return out


def bounded_times(graph: Graph, sources: int | Sequence[int] | np.ndarray, limit: float, *,
                  reverse: bool = False, threads: int | None = None) -> SparseTimes:
    """Many bounded searches, stored sparsely: only the nodes within ``limit`` of each source.

    Each search costs O(r log r) for the r nodes it reaches (the per-thread work arrays
    are reset only where a search touched them), and the result holds O(total reached)
    entries, never ``len(sources) x n``.

    Parameters
    ----------
    graph
        The graph to search.
    sources
        A node index or a 1-D sequence of node indices (one search each).
    limit
        Search radius in the graph's unit (e.g. 1200 m of walking); must be finite.
    reverse
        Times *to* each source instead (e.g. which drive nodes can reach a pickup in time).
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    SparseTimes
        Row ``i`` lists the nodes within ``limit`` of ``sources[i]`` in non-decreasing time.
    """
    g = prepare(graph, reverse)
    n = g.n
    lim = check_limit(limit)
    if not np.isfinite(lim):
        raise RoutingError("bounded_times needs a finite limit; use shortest_times for full searches")
    src = g.inside(check_nodes(np.atleast_1d(sources) if np.ndim(sources) == 0 else sources, n, "sources"))
    nt, min_par = plan_threads(threads)
    if len(src) == 1:
        with WorkspaceLoan(graph, g, 1) as work:
            nodes, times = _dijkstra.sparse_time(g.indptr, g.indices, g.weights, int(src[0]), lim, work)
        ptr = np.array([0, len(nodes)], dtype=np.int64)
        return SparseTimes(indptr=ptr, nodes=g.outside(nodes), times=times, n_nodes=n)
    with WorkspaceLoan(graph, g, nt) as work:
        ptr, nodes, times = _dijkstra.sparse_times(g.indptr, g.indices, g.weights, src, lim, work, nt, min_par,
                                                   locality_order(src))
    return SparseTimes(indptr=ptr, nodes=g.outside(nodes), times=times, n_nodes=n)

