"""Property tests of :mod:`kaicity.routing` on random graphs (hypothesis).

Graphs: directed and undirected, zero-weight edges, parallel edges, self-loops,
disconnected parts, a single node, and weights that make float sums round (1e17 next to
1).  References: :func:`scipy.sparse.csgraph.dijkstra` and a plain-Python heapq Dijkstra
on the raw edge list (parallel edges kept), both of which add costs left to right along
a path, so times must agree *exactly*.
"""

from __future__ import annotations

import heapq

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from kaicity import routing
from kaicity.network.graph import Graph

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Weights that stress exact ties and float rounding (1 + 1e17 == 1e17).
TRICKY = [0.0, 0.0, 1.0, 2.0, 3.0, 0.5, 0.1, 0.2, 0.3, 1e16, 1e17, 3e16]


@st.composite
def edge_lists(draw, max_nodes: int = 14, max_edges: int = 40, tricky_only: bool = False):
    n = draw(st.integers(1, max_nodes))
    m = draw(st.integers(0, max_edges))
    node = st.integers(0, n - 1)
    weight = st.sampled_from(TRICKY) if tricky_only else st.one_of(
        st.sampled_from(TRICKY), st.integers(0, 6).map(float),
        st.floats(0.0, 100.0, allow_nan=False, allow_infinity=False))
    u = draw(st.lists(node, min_size=m, max_size=m))
    v = draw(st.lists(node, min_size=m, max_size=m))
    w = draw(st.lists(weight, min_size=m, max_size=m))
    directed = draw(st.booleans())
    return n, np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), np.array(w, dtype=np.float64), directed


def multigraph(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, directed: bool) -> Graph:
    """A Graph whose CSR keeps parallel edges (Graph.from_edges would collapse them)."""
    if not directed:
        u, v, w = np.r_[u, v], np.r_[v, u], np.r_[w, w]
    order = np.argsort(u, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    z = np.zeros(n)
    return Graph(indptr=indptr, indices=v[order].astype(np.int32), weights=w[order], lengths=w[order],
                 x=z, y=z.copy(), lon=z.copy(), lat=z.copy(), osmid=np.arange(n), zone=np.zeros(n, np.int8),
                 directed=True, unit="s", name="multi")


def heapq_times(n: int, u, v, w, directed: bool, source: int, limit: float = np.inf,
                reverse: bool = False) -> np.ndarray:
    """Textbook Dijkstra (heapq, lazy deletion) over the raw edge list."""
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, c in zip(u.tolist(), v.tolist(), w.tolist(), strict=True):
        if reverse:
            a, b = b, a
        adj[a].append((b, c))
        if not directed:
            adj[b].append((a, c))
    dist = [np.inf] * n
    dist[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, x = heapq.heappop(heap)
        if d > dist[x]:
            continue
        for y, c in adj[x]:
            nd = d + c
            if nd < dist[y] and nd <= limit:
                dist[y] = nd
                heapq.heappush(heap, (nd, y))
    return np.array(dist)


def reference_matrix(case, sources, limit=np.inf, reverse=False) -> np.ndarray:
    n, u, v, w, directed = case
    return np.array([heapq_times(n, u, v, w, directed, int(s), limit, reverse) for s in sources]).reshape(
        len(sources), n)


@given(case=edge_lists(), data=st.data())
@SETTINGS
def test_times_equal_references(case, data) -> None:
    n, u, v, w, directed = case
    g = Graph.from_edges(n, u, v, w, directed=directed, unit="s")
    gm = multigraph(n, u, v, w, directed)
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    reverse = data.draw(st.booleans())
    ref = reference_matrix(case, sources, reverse=reverse)
    a = g.to_scipy()
    np.testing.assert_array_equal(dijkstra(a.T.tocsr() if reverse else a, indices=sources), ref)
    for graph in (g, gm):
        np.testing.assert_array_equal(routing.shortest_times(graph, sources, reverse=reverse), ref)
        np.testing.assert_array_equal(routing.shortest_times(graph, sources[0], reverse=reverse), ref[0])
    # bounded: the limit is often exactly a reachable time (nodes at == limit are kept)
    finite = ref[np.isfinite(ref)]
    limit = data.draw(st.sampled_from(sorted(set(finite.tolist())))) if finite.size else 0.0
    ref_b = reference_matrix(case, sources, limit=limit, reverse=reverse)
    for graph in (g, gm):
        np.testing.assert_array_equal(routing.shortest_times(graph, sources, limit=limit, reverse=reverse), ref_b)
        sparse = routing.bounded_times(graph, sources, limit, reverse=reverse)
        np.testing.assert_array_equal(sparse.to_dense(), ref_b)
        for i in range(len(sources)):
            assert np.all(np.diff(sparse.row(i)[1]) >= 0)


def _check_nearest(case, sources, limit, reverse) -> None:
    n, u, v, w, directed = case
    dense = reference_matrix(case, sources, limit=limit, reverse=reverse)
    ref_t = dense.min(axis=0, initial=np.inf)
    ref_w = np.where(np.isfinite(ref_t), dense.argmin(axis=0) if len(sources) else -1, -1)
    for graph in (Graph.from_edges(n, u, v, w, directed=directed, unit="s"), multigraph(n, u, v, w, directed)):
        t, which = routing.nearest(graph, sources, limit=limit, reverse=reverse)
        np.testing.assert_array_equal(t, ref_t)
        np.testing.assert_array_equal(which, ref_w)


@given(case=edge_lists(), data=st.data())
@SETTINGS
def test_nearest_lowest_tying_source(case, data) -> None:
    n = case[0]
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=8))
    limit = data.draw(st.sampled_from([np.inf, 0.0, 1.0, 2.5, 50.0]))
    _check_nearest(case, sources, limit, data.draw(st.booleans()))


@given(case=edge_lists(max_nodes=10, max_edges=30, tricky_only=True), data=st.data())
@SETTINGS
def test_nearest_ties_under_float_rounding(case, data) -> None:
    n = case[0]
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    _check_nearest(case, sources, np.inf, data.draw(st.booleans()))


@given(case=edge_lists(), data=st.data())
@SETTINGS
def test_paths_are_shortest(case, data) -> None:
    n, u, v, w, directed = case
    g = Graph.from_edges(n, u, v, w, directed=directed, unit="s")
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=6))
    src = [p[0] for p in pairs]
    tgt = [p[1] for p in pairs]
    ref = reference_matrix(case, src)
    paths = routing.shortest_paths(g, src, tgt)
    for i, path in enumerate(paths):
        expected = ref[i, tgt[i]]
        if not np.isfinite(expected):
            assert path.size == 0
            continue
        assert path[0] == src[i] and path[-1] == tgt[i]
        cost = 0.0
        for a, b in zip(path[:-1].tolist(), path[1:].tolist(), strict=True):
            row = slice(g.indptr[a], g.indptr[a + 1])
            hit = g.weights[row][g.indices[row] == b]
            assert hit.size == 1, f"{a} -> {b} is not an edge"
            cost += float(hit[0])
        assert cost == expected
        assert len(set(path.tolist())) == len(path)       # simple path
    assert routing.shortest_path(g, src[0], tgt[0]) == paths[0].tolist()
    np.testing.assert_array_equal(routing.time_matrix(g, src, tgt), ref[:, tgt])
