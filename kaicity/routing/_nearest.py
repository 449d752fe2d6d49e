"""Nearest of a set of sources for every node (one multi-source search per set)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kaicity._core import _dijkstra
from kaicity._core.constants import INDEX_DTYPE, NO_NODE, WEIGHT_DTYPE
from kaicity.errors import RoutingError
from kaicity.network.graph import Graph
from kaicity.routing._execution import WorkspaceLoan, plan_threads
from kaicity.routing._prepared import prepare
from kaicity.routing._validation import check_limit, check_nodes

__all__ = ["NO_SOURCE", "nearest", "nearest_many"]

#: ``which`` value of :func:`nearest` for "no source within the limit" (the core's NO_NODE).
NO_SOURCE = NO_NODE


def nearest(graph: Graph, sources: int | Sequence[int] | np.ndarray, *, limit: float = np.inf,
            reverse: bool = False, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Time from the nearest source to every node, and which source that is.

    One multi-source search.  Ties are broken deterministically: ``which[v]`` is the
    **lowest index** ``i`` such that the single-source time from ``sources[i]`` to ``v``
    equals ``times[v]`` exactly, i.e. ``which == argmin(shortest_times(graph, sources),
    axis=0)`` (numpy's first-minimum rule), for any thread count.  Repeated source nodes
    are allowed (the first occurrence wins).

    Parameters
    ----------
    graph
        The graph to search.
    sources
        A 1-D sequence of node indices (a scalar is one source); may be empty.
    limit
        Nodes farther than ``limit`` from every source get ``inf`` and ``-1``.
    reverse
        Time from every node *to* its nearest source instead.
    threads
        Unused for one source set (kept for symmetry with :func:`nearest_many`).

    Returns
    -------
    times : ndarray of float64, shape (n,)
    which : ndarray of int32, shape (n,)
        Index into ``sources``, ``-1`` where no source is within ``limit``.
    """
    times, which = nearest_many(graph, [np.atleast_1d(sources) if np.ndim(sources) == 0 else sources],
                                limit=limit, reverse=reverse, threads=1)
    return times[0], which[0]


def nearest_many(graph: Graph, source_sets: Sequence[Sequence[int] | np.ndarray], *,
                 limit: float = np.inf, reverse: bool = False,
                 threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest` for several independent source sets (e.g. one per service category).

    The sets are searched in parallel threads.

    Parameters
    ----------
    graph
        The graph to search.
    source_sets
        A sequence of 1-D sequences of node indices.
    limit, reverse
        As in :func:`nearest`.
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    times : ndarray of float64, shape (len(source_sets), n)
    which : ndarray of int32, shape (len(source_sets), n)
        ``which[j, v]`` indexes ``source_sets[j]`` (lowest index on equal times), ``-1``
        when none is within ``limit``.
    """
    g = prepare(graph, reverse)
    n = g.n
    lim = check_limit(limit)
    if isinstance(source_sets, np.ndarray) and source_sets.ndim == 1 and source_sets.dtype != object:
        raise RoutingError("source_sets must be a sequence of source sequences (e.g. [[1, 2], [3]])")
    sets = [check_nodes(s, n, f"source_sets[{j}]") for j, s in enumerate(source_sets)]
    set_ptr = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=set_ptr[1:])
    flat = np.concatenate(sets) if sets else np.empty(0, dtype=INDEX_DTYPE)
    nt, min_par = plan_threads(threads)
    times = np.empty((len(sets), n), dtype=WEIGHT_DTYPE)
    which = np.empty((len(sets), n), dtype=INDEX_DTYPE)
    if sets:
        with WorkspaceLoan(graph, g, nt) as work:
            _dijkstra.nearest_sets(g.indptr, g.indices, g.weights, set_ptr, g.inside(flat).astype(INDEX_DTYPE),
                                   lim, times, which, work, nt, min_par)
        if g.inv is not None:
            times, which = times[:, g.inv], which[:, g.inv]
    return times, which

