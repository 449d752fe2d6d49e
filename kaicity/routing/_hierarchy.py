"""Contraction hierarchies and PHAST full rows (:mod:`kaicity._core._hierarchy`).

A :class:`Hierarchy` is built once per graph (about a second for 10,000 nodes) and then
gives the time from (or to) one node to (or from) every node with a PHAST sweep: a small
Dijkstra up the hierarchy plus one linear pass over all nodes, several times faster
than a full Dijkstra on a street graph.  It pays where searches reach most of the graph
(the dispatcher's rows on a compact city); a bounded search that reaches a few percent
of a big graph is cheaper with Dijkstra.

Times equal Dijkstra's to the last bit when the graph's edge costs are multiples of a
power of two (:func:`quantized`), because every float64 sum of them is then exact
whatever the order of addition; on other costs they can differ in the last bits.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from kaicity._core import _hierarchy
from kaicity.errors import RoutingError
from kaicity.network.graph import Graph
from kaicity.routing._validation import check_node

#: Edge costs :func:`quantized` rounds to (s): 2**-10 s, under a millisecond.
QUANTUM = 2.0 ** -10
#: Settled nodes per witness search while contracting (more: fewer shortcuts, slower build).
WITNESS_SETTLE = 64


def quantized(graph: Graph, quantum: float = QUANTUM) -> Graph:
    """A copy of ``graph`` whose edge costs are rounded to multiples of ``quantum`` (a power of two).

    Positive costs stay positive (at least one quantum), so a bucket queue still applies.
    Sums of such costs are exact in float64 up to ``2**53 * quantum``, so every search
    engine gives the same times to the last bit.  The copy is cached on ``graph`` (as its
    transpose is), so every model on a shared city also shares the copy's transpose and
    prepared search arrays.
    """
    mant, _ = np.frexp(quantum)
    if quantum <= 0 or mant != 0.5:
        raise RoutingError(f"quantum must be a positive power of two, got {quantum!r}")
    key = ("quantized", float(quantum))
    if key not in graph._cache:
        w = np.round(graph.weights / quantum) * quantum
        w = np.where((graph.weights > 0) & (w <= 0), quantum, w)
        graph._cache[key] = dataclasses.replace(graph, weights=w, _cache={})
    return graph._cache[key]


class Hierarchy:
    """Contraction hierarchy of ``graph`` with PHAST full rows.

    Parameters
    ----------
    graph
        A street graph (non-negative costs).
    witness_settle
        Cap on each witness search while contracting.

    Attributes
    ----------
    n_nodes : int
        Nodes of the graph.
    n_arcs : int
        Arcs of the hierarchy (original arcs and shortcuts, parallel arcs merged).
    """

    def __init__(self, graph: Graph, witness_settle: int = WITNESS_SETTLE) -> None:
        n = graph.n_nodes
        self.n_nodes = n
        rank = np.empty(n, dtype=np.int32)
        tails, heads, costs = _hierarchy.contract(graph.indptr, graph.indices, graph.weights, int(witness_settle),
                                                  rank)
        self.n_arcs = len(tails)
        # positions: highest rank first, so the sweep reads forwards
        self.order = np.argsort(-rank.astype(np.int64), kind="stable").astype(np.int32)
        pos = np.empty(n, dtype=np.int32)
        pos[self.order] = np.arange(n, dtype=np.int32)
        self.pos = pos
        pt, ph = pos[tails], pos[heads]
        up = ph < pt   # the head is higher in the hierarchy
        # each node's arcs to higher nodes, and each node's arcs from higher nodes; a forward row searches
        # up the first and sweeps the second, a reverse row searches up the second and sweeps the first
        self._to_higher = _csr(pt[up], ph[up], costs[up], n)
        self._from_higher = _csr(ph[~up], pt[~up], costs[~up], n)
        self._sweeper = _hierarchy.Sweeper(n)

    def row(self, source: int, reverse: bool = False, out: np.ndarray | None = None) -> np.ndarray:
        """Times from ``source`` to every node (``reverse``: from every node to ``source``); ``inf`` if unreachable."""
        source = check_node(source, self.n_nodes, "source")
        if out is None:
            out = np.empty(self.n_nodes)
        up, down = (self._from_higher, self._to_higher) if reverse else (self._to_higher, self._from_higher)
        self._sweeper.row(*up, *down, int(self.pos[source]), self.order, out)
        return out


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays of the arcs ``rows[k] -> cols[k]`` (cost ``vals[k]``), rows in order, stable within a row."""
    k = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, np.ascontiguousarray(cols[k], dtype=np.int32), np.ascontiguousarray(vals[k], dtype=np.float64)
