"""Shortest paths as node sequences, one pair or many."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kaicity._core import _dijkstra
from kaicity._core.constants import INDEX_DTYPE
from kaicity.errors import RoutingError
from kaicity.network.graph import Graph
from kaicity.routing._execution import WorkspaceLoan, locality_order, plan_threads
from kaicity.routing._prepared import prepare
from kaicity.routing._validation import check_node, check_nodes

__all__ = ["shortest_path", "shortest_paths"]


def shortest_paths(graph: Graph, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray,
                   *, threads: int | None = None) -> list[np.ndarray]:
    """Shortest paths for many ``(source, target)`` pairs.

    Parameters
    ----------
    graph
        The graph to search.
    sources, targets
        1-D sequences of node indices of the same length; pair ``i`` is
        ``sources[i] -> targets[i]``.
    threads
        Threads (None: the OpenMP default).

    Returns
    -------
    list of ndarray of int32
        Node sequence of each path, source first and target last; ``[source]`` when
        ``source == target``; empty when the target is unreachable.  Consecutive nodes
        are edges of the graph and the edge costs along a path add up (left to right)
        to exactly :func:`shortest_times`.
    """
    g = prepare(graph)
    n = g.n
    src = check_nodes(sources, n, "sources")
    tgt = check_nodes(targets, n, "targets")
    if len(src) != len(tgt):
        raise RoutingError(f"sources and targets differ in length ({len(src)} and {len(tgt)})")
    nt, min_par = plan_threads(threads)
    if not len(src):
        return []
    with WorkspaceLoan(graph, g, nt) as work:
        src = g.inside(src)
        ptr, nodes = _dijkstra.paths(g.indptr, g.indices, g.weights, src, g.inside(tgt), work, nt, min_par,
                                     locality_order(src))
    return np.split(g.outside(nodes), ptr[1:-1])


def shortest_path(graph: Graph, source: int, target: int) -> list[int]:
    """The shortest path from ``source`` to ``target`` as a list of node indices.

    Parameters
    ----------
    graph
        The graph to search.
    source, target
        Node indices.

    Returns
    -------
    list of int
        ``[source, ..., target]``; ``[source]`` when they are equal; ``[]`` when the
        target cannot be reached.
    """
    g = prepare(graph)
    n = g.n
    ends = g.inside(np.array([check_node(source, n, "source"), check_node(target, n, "target")], dtype=INDEX_DTYPE))
    with WorkspaceLoan(graph, g, 1) as work:
        _, nodes = _dijkstra.paths(g.indptr, g.indices, g.weights, ends[:1], ends[1:], work, 1)
    return g.outside(nodes).tolist()
