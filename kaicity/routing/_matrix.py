"""Origin-destination time matrices (searches that stop once every destination is settled)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kaicity._core import _dijkstra
from kaicity._core.constants import WEIGHT_DTYPE
from kaicity.network.graph import Graph
from kaicity.routing._execution import WorkspaceLoan, locality_order, plan_threads
from kaicity.routing._prepared import prepare
from kaicity.routing._validation import check_limit, check_nodes

__all__ = ["time_matrix"]


def time_matrix(graph: Graph, origins: Sequence[int] | np.ndarray, destinations: Sequence[int] | np.ndarray,
                *, limit: float = np.inf, threads: int | None = None) -> np.ndarray:
    """Travel times between every origin and every destination.

    One search per origin, stopped as soon as all (distinct) destinations are settled.

    Parameters
    ----------
    graph
        The graph to search.
    origins, destinations
        1-D sequences of node indices (repeats allowed).
    limit
        Pairs farther apart than ``limit`` get ``inf`` (and the searches stop there).
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    ndarray of float64, shape (len(origins), len(destinations))
    """
    g = prepare(graph)
    n = g.n
    lim = check_limit(limit)
    org = g.inside(check_nodes(origins, n, "origins"))
    dst = g.inside(check_nodes(destinations, n, "destinations"))
    nt, min_par = plan_threads(threads)
    out = np.empty((len(org), len(dst)), dtype=WEIGHT_DTYPE)
    if len(org) and len(dst):
        is_target = np.zeros(n, dtype=np.uint8)
        is_target[dst] = 1
        n_unique = int(is_target.sum())
        with WorkspaceLoan(graph, g, nt) as work:
            _dijkstra.target_times(g.indptr, g.indices, g.weights, org, dst, is_target, n_unique, lim, out,
                                   work, nt, min_par, locality_order(org))
    return out

