"""Tests of :mod:`kaicity.routing` on real and synthetic street networks, and its input checks.

References: :func:`scipy.sparse.csgraph.dijkstra` and networkx (``single_source_dijkstra``),
on every real Seoul network in ``../shared/data/osm`` (walk and drive, forward and
reverse, bounded and unbounded) and on a synthetic city.  Property tests on random
graphs are in ``test_routing_properties.py``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from conftest import SEOUL_FILES
from scipy.sparse.csgraph import dijkstra

from kaicity import routing
from kaicity._core import _dijkstra, _info
from kaicity.errors import KaicityError, RoutingError
from kaicity.network import load_city
from kaicity.network.graph import Graph
from kaicity.routing._prepared import bucket_plan, prepare

#: Bounded searches: 15 minutes of walking (1.2 km) and 5 minutes of driving.
LIMITS = {"walk": 1200.0, "drive": 300.0}
RTOL = 1e-9


# ------------------------------------------------------------------------------ helpers
def assert_times_equal(actual: np.ndarray, expected: np.ndarray) -> None:
    """Same shape, same reachability (inf pattern), relative error <= 1e-9 elsewhere."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isinf(actual), np.isinf(expected))
    fin = np.isfinite(expected)
    np.testing.assert_allclose(actual[fin], expected[fin], rtol=RTOL, atol=0)


def scipy_matrix(graph: Graph, reverse: bool = False):
    a = graph.to_scipy()
    return a.T.tocsr() if reverse else a


def nx_digraph(graph: Graph, reverse: bool = False) -> nx.DiGraph:
    """The CSR edges as a networkx DiGraph (built without kaicity's kernels)."""
    tails = np.repeat(np.arange(graph.n_nodes), np.diff(graph.indptr))
    heads = graph.indices
    if reverse:
        tails, heads = heads, tails
    G = nx.DiGraph()
    G.add_nodes_from(range(graph.n_nodes))
    G.add_weighted_edges_from(zip(tails.tolist(), heads.tolist(), graph.weights.tolist(), strict=True))
    return G


def nx_times(G: nx.DiGraph, source: int, n: int, cutoff: float | None = None) -> np.ndarray:
    out = np.full(n, np.inf)
    for node, t in nx.single_source_dijkstra_path_length(G, source, cutoff=cutoff).items():
        out[node] = t
    return out


def reference_nearest(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-source times and the lowest tying source index, from one dense row per source."""
    times = dense.min(axis=0)
    which = np.where(np.isfinite(times), dense.argmin(axis=0), -1).astype(np.int32)
    return times, which


def sample(graph: Graph, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(graph.n_nodes, size=min(k, graph.n_nodes), replace=False)


# ----------------------------------------------------------------------------- networks
def _cities(shared_osm) -> dict:
    return {name: load_city(shared_osm / name) for name in SEOUL_FILES}


@pytest.fixture(scope="module")
def seoul(shared_osm) -> dict:
    return _cities(shared_osm)


@pytest.fixture(scope="module")
def synthetic():
    return load_city("synthetic:n=5000,seed=1")


def _graphs(request, source: str, kind: str) -> Graph:
    if source == "synthetic":
        city = request.getfixturevalue("synthetic")
    else:
        city = request.getfixturevalue("seoul")[source]
    return getattr(city, kind)


NETWORKS = [pytest.param(src, kind, id=f"{src.split('.')[0]}-{kind}")
            for src in (*SEOUL_FILES, "synthetic") for kind in ("walk", "drive")]


@pytest.mark.parametrize(("source", "kind"), NETWORKS)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_times_match_scipy(request, source: str, kind: str, reverse: bool) -> None:
    g = _graphs(request, source, kind)
    a = scipy_matrix(g, reverse)
    src = sample(g, 25, seed=1)
    limit = LIMITS[kind]
    assert_times_equal(routing.shortest_times(g, src, reverse=reverse), dijkstra(a, indices=src))
    assert_times_equal(routing.shortest_times(g, src, limit=limit, reverse=reverse),
                       dijkstra(a, indices=src, limit=limit))
    assert_times_equal(routing.shortest_times(g, int(src[0]), reverse=reverse), dijkstra(a, indices=int(src[0])))
    sparse = routing.bounded_times(g, src, limit, reverse=reverse)
    assert_times_equal(sparse.to_dense(), dijkstra(a, indices=src, limit=limit))
    assert sparse.nnz == int(np.isfinite(dijkstra(a, indices=src, limit=limit)).sum())


@pytest.mark.parametrize(("source", "kind"), NETWORKS)
def test_times_match_networkx(request, source: str, kind: str) -> None:
    g = _graphs(request, source, kind)
    src = sample(g, 4, seed=2)
    limit = LIMITS[kind]
    for reverse in (False, True):
        G = nx_digraph(g, reverse)
        got = routing.shortest_times(g, src, reverse=reverse)
        got_bounded = routing.bounded_times(g, src, limit, reverse=reverse).to_dense()
        for i, s in enumerate(src.tolist()):
            assert_times_equal(got[i], nx_times(G, s, g.n_nodes))
            assert_times_equal(got_bounded[i], nx_times(G, s, g.n_nodes, cutoff=limit))


@pytest.mark.parametrize(("source", "kind"), NETWORKS)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_nearest_matches_independent_reference(request, source: str, kind: str, reverse: bool) -> None:
    g = _graphs(request, source, kind)
    a = scipy_matrix(g, reverse)
    # ~1% of nodes (at least 5), plus a repeated node: the first occurrence must win
    src = sample(g, max(5, g.n_nodes // 100), seed=3)
    src = np.concatenate([src, src[:2]])
    for limit in (np.inf, LIMITS[kind]):
        times, which = routing.nearest(g, src, limit=limit, reverse=reverse)
        ref_times, ref_which = reference_nearest(dijkstra(a, indices=src, limit=limit))
        assert_times_equal(times, ref_times)
        np.testing.assert_array_equal(which, ref_which)
        # networkx multi-source search agrees on the times
        G = nx_digraph(g, reverse)
        nx_t = np.full(g.n_nodes, np.inf)
        cutoff = None if np.isinf(limit) else limit
        for node, t in nx.multi_source_dijkstra_path_length(G, set(src.tolist()), cutoff=cutoff).items():
            nx_t[node] = t
        assert_times_equal(times, nx_t)


@pytest.mark.parametrize(("source", "kind"), NETWORKS)
def test_time_matrix_and_paths(request, source: str, kind: str) -> None:
    g = _graphs(request, source, kind)
    a = g.to_scipy()
    org = sample(g, 30, seed=4)
    dst = np.concatenate([sample(g, 20, seed=5), sample(g, 3, seed=5)])   # repeated destinations
    full = dijkstra(a, indices=org)
    assert_times_equal(routing.time_matrix(g, org, dst), full[:, dst])
    assert_times_equal(routing.time_matrix(g, org, dst, limit=LIMITS[kind]),
                       dijkstra(a, indices=org, limit=LIMITS[kind])[:, dst])
    tgt = sample(g, 30, seed=6)
    paths = routing.shortest_paths(g, org, tgt)
    for i, path in enumerate(paths):
        _check_path(g, int(org[i]), int(tgt[i]), path.tolist(), full[i, tgt[i]])
    assert routing.shortest_path(g, int(org[0]), int(tgt[0])) == paths[0].tolist()


def _check_path(g: Graph, s: int, t: int, path: list[int], expected: float) -> None:
    if not np.isfinite(expected):
        assert path == []
        return
    assert path[0] == s and path[-1] == t
    cost = 0.0
    for u, v in zip(path[:-1], path[1:], strict=True):
        row = slice(g.indptr[u], g.indptr[u + 1])
        hit = np.flatnonzero(g.indices[row] == v)
        assert hit.size, f"{u} -> {v} is not an edge"
        cost += float(g.weights[row][hit].min())
    assert cost == pytest.approx(expected, rel=RTOL, abs=0)


def test_exact_path_cost_and_synthetic_bounded_memory(synthetic) -> None:
    g = synthetic.walk
    src = sample(g, 200, seed=7)
    t = routing.shortest_times(g, src)
    paths = routing.shortest_paths(g, src, src[::-1].copy())
    for i, path in enumerate(paths):
        # edge costs added left to right give exactly the reported time
        cost = 0.0
        for u, v in zip(path[:-1], path[1:], strict=True):
            row = slice(g.indptr[u], g.indptr[u + 1])
            cost += float(g.weights[row][g.indices[row] == v][0])
        assert cost == t[i, src[::-1][i]]
    sparse = routing.bounded_times(g, src, 1200.0)
    assert sparse.nbytes < 0.1 * len(src) * g.n_nodes * 8      # far below a dense k x n result
    for i in range(len(src)):
        nodes, times = sparse.row(i)
        assert nodes[0] == src[i] and times[0] == 0.0
        assert np.all(np.diff(times) >= 0)                       # settling order
        assert len(np.unique(nodes)) == len(nodes)


# ---------------------------------------------------------------------- threads, buffers
def test_thread_count_does_not_change_results(synthetic) -> None:
    assert _info.max_threads() >= 1
    g = synthetic.drive
    src = sample(g, 300, seed=8)
    dst = sample(g, 50, seed=9)
    sets = [sample(g, 40, seed=s) for s in range(5)]
    before = _info.max_threads()

    def run(threads):
        return (routing.shortest_times(g, src[:40], limit=600.0, threads=threads),
                routing.bounded_times(g, src, 300.0, threads=threads),
                routing.nearest_many(g, sets, threads=threads),
                routing.time_matrix(g, src[:60], dst, threads=threads),
                routing.shortest_paths(g, src, src[::-1].copy(), threads=threads))

    one, two = run(1), run(2)
    try:
        _info.set_num_threads(2)
        default = run(None)
    finally:
        _info.set_num_threads(before)
    for other in (two, default):
        np.testing.assert_array_equal(one[0], other[0])
        for attr in ("indptr", "nodes", "times"):
            np.testing.assert_array_equal(getattr(one[1], attr), getattr(other[1], attr))
        np.testing.assert_array_equal(one[2][0], other[2][0])
        np.testing.assert_array_equal(one[2][1], other[2][1])
        np.testing.assert_array_equal(one[3], other[3])
        assert all(np.array_equal(p, q) for p, q in zip(one[4], other[4], strict=True))


def test_read_only_inputs(synthetic) -> None:
    g = synthetic.walk
    assert not g.weights.flags.writeable and not g.indptr.flags.writeable
    src = np.array([1, 2, 3], dtype=np.int64)
    src.flags.writeable = False
    expected = dijkstra(g.to_scipy(), indices=src, limit=500.0)
    assert_times_equal(routing.shortest_times(g, src, limit=500.0), expected)
    assert_times_equal(routing.bounded_times(g, src, 500.0).to_dense(), expected)
    routing.nearest(g, src)
    routing.time_matrix(g, src, src)
    routing.shortest_paths(g, src, src)
    assert_times_equal(routing.shortest_times(synthetic.drive, src, reverse=True),
                       dijkstra(synthetic.drive.to_scipy().T.tocsr(), indices=src))


def test_sparse_times_api(synthetic) -> None:
    g = synthetic.walk
    sp_times = routing.bounded_times(g, 17, 800.0)
    assert len(sp_times) == 1 and sp_times.n_nodes == g.n_nodes
    m = sp_times.to_scipy()
    assert m.shape == (1, g.n_nodes) and m.nnz == sp_times.nnz
    dense = routing.shortest_times(g, 17, limit=800.0)
    assert_times_equal(sp_times.to_dense()[0], dense)
    np.testing.assert_array_equal(sp_times.counts(), [np.isfinite(dense).sum()])


# ---------------------------------------------------------------------- exact tie rule
def test_nearest_tie_rule_survives_float_absorption() -> None:
    # s0 -(1)-> u, s1 -(0)-> u, u -(1e17)-> v: at u source 1 is nearer (0 < 1), but at v
    # both single-source times round to 1e17, so the lowest index (0) must win there.
    g = Graph.from_edges(4, [0, 1, 2], [2, 2, 3], [1.0, 0.0, 1e17], directed=True, unit="s")
    times, which = routing.nearest(g, [0, 1])
    np.testing.assert_array_equal(times, [0.0, 0.0, 0.0, 1e17])
    np.testing.assert_array_equal(which, [0, 1, 1, 0])
    ref_t, ref_w = reference_nearest(dijkstra(g.to_scipy(), indices=[0, 1]))
    np.testing.assert_array_equal(which, ref_w)
    # the kernel reports that its exact repair pass ran
    indptr, indices, weights = g.indptr, g.indices, g.weights
    t = np.empty((1, 4))
    w = np.empty((1, 4), dtype=np.int32)
    repaired = _dijkstra.nearest_sets(indptr, indices, weights, np.array([0, 2]), np.array([0, 1], np.int32),
                                      np.inf, t, w, _dijkstra.Workspaces(4, 1), 1)
    assert repaired == 1


def test_nearest_exact_ties_lowest_index() -> None:
    # a path 0 - 1 - 2 - 3 - 4 with unit weights; sources at 0 and 4 tie at node 2
    g = Graph.from_edges(5, [0, 1, 2, 3], [1, 2, 3, 4], [1.0] * 4, directed=False, unit="m")
    _, which = routing.nearest(g, [4, 0])
    np.testing.assert_array_equal(which, [1, 1, 0, 0, 0])
    _, which = routing.nearest(g, [0, 4])
    np.testing.assert_array_equal(which, [0, 0, 0, 1, 1])


# ------------------------------------------------------------------------ small graphs
def test_single_node_and_empty_inputs() -> None:
    g = Graph.from_edges(1, [], [], [], directed=True, unit="s")
    np.testing.assert_array_equal(routing.shortest_times(g, 0), [0.0])
    assert routing.shortest_path(g, 0, 0) == [0]
    t, w = routing.nearest(g, [])
    np.testing.assert_array_equal(t, [np.inf])
    np.testing.assert_array_equal(w, [-1])
    assert routing.shortest_times(g, []).shape == (0, 1)
    assert routing.time_matrix(g, [], [0]).shape == (0, 1)
    assert routing.time_matrix(g, [0], []).shape == (1, 0)
    assert routing.shortest_paths(g, [], []) == []
    assert len(routing.bounded_times(g, [], 5.0)) == 0
    empty = Graph.from_edges(0, [], [], [], directed=True, unit="s")
    assert routing.shortest_times(empty, []).shape == (0, 0)
    assert routing.nearest_many(empty, [])[0].shape == (0, 0)


def test_unreachable_and_infinite_edges() -> None:
    g = _raw_graph([0, 1, 1, 1], [1], [np.inf], n=3)
    np.testing.assert_array_equal(routing.shortest_times(g, 0), [0.0, np.inf, np.inf])
    assert routing.shortest_path(g, 0, 2) == []
    assert routing.shortest_paths(g, [0, 2], [1, 2])[0].size == 0


# ------------------------------------------------------------------------------ bad input
def _raw_graph(indptr, indices, weights, n: int | None = None) -> Graph:
    """A Graph built field by field, bypassing Graph.from_edges' checks."""
    indptr = np.asarray(indptr, dtype=np.int32)
    n = len(indptr) - 1 if n is None else n
    z = np.zeros(n)
    return Graph(indptr=indptr, indices=np.asarray(indices, dtype=np.int32),
                 weights=np.asarray(weights, dtype=np.float64), lengths=np.asarray(weights, dtype=np.float64),
                 x=z, y=z.copy(), lon=z.copy(), lat=z.copy(), osmid=np.arange(n), zone=np.zeros(n, np.int8),
                 directed=True, unit="s", name="bad")


@pytest.fixture(scope="module")
def small() -> Graph:
    return Graph.from_edges(4, [0, 1, 2], [1, 2, 3], [1.0, 2.0, 3.0], directed=True, unit="s")


@pytest.mark.parametrize("weights", [[1.0, -1.0], [1.0, np.nan]], ids=["negative", "nan"])
def test_bad_weights(weights) -> None:
    g = _raw_graph([0, 1, 2, 2], [1, 2], weights)
    with pytest.raises(RoutingError, match="weights"):
        routing.shortest_times(g, 0)
    with pytest.raises(RoutingError):
        routing.nearest(g, [0])
    with pytest.raises(RoutingError, match="weights"):
        routing.shortest_times(g, [0], reverse=True)


def test_bad_csr_structure() -> None:
    with pytest.raises(RoutingError, match="outside"):
        routing.shortest_times(_raw_graph([0, 1, 2, 2], [1, 7], [1.0, 1.0]), 0)
    with pytest.raises(RoutingError, match="row pointer"):
        routing.shortest_times(_raw_graph([0, 2, 1, 2], [1, 2], [1.0, 1.0]), 0)
    with pytest.raises(RoutingError, match="kaicity Graph"):
        routing.shortest_times(object(), 0)


BAD_SOURCES = [
    pytest.param(-1, id="negative"), pytest.param(4, id="too-large"), pytest.param(1.5, id="float"),
    pytest.param(2.0, id="integral-float"), pytest.param("1", id="str"), pytest.param(None, id="none"),
    pytest.param(True, id="bool"), pytest.param([0, 9], id="list-out-of-range"),
    pytest.param([0.0, 1.0], id="float-list"), pytest.param([[0, 1]], id="2d"),
    pytest.param(np.array([0, 1], dtype=np.uint64) + np.uint64(2**40), id="huge-uint"),
    pytest.param([0, None], id="none-in-list"), pytest.param(np.array([True, False]), id="bool-array"),
]


@pytest.mark.parametrize("bad", BAD_SOURCES)
def test_bad_sources(small: Graph, bad) -> None:
    with pytest.raises(RoutingError):
        routing.shortest_times(small, bad)
    with pytest.raises(RoutingError):
        routing.bounded_times(small, bad, 5.0)
    with pytest.raises(RoutingError):
        routing.nearest(small, bad)
    with pytest.raises(RoutingError):
        routing.time_matrix(small, [0], [bad] if np.ndim(bad) == 0 else bad)
    with pytest.raises(RoutingError):
        routing.shortest_paths(small, [bad] if np.ndim(bad) == 0 else bad, [0] * max(1, np.size(bad)))


def test_bad_arguments(small: Graph) -> None:
    for call in (
        lambda: routing.shortest_paths(small, [0, 1], [2]),
        lambda: routing.shortest_path(small, 0, 9),
        lambda: routing.shortest_path(small, 0.5, 1),
        lambda: routing.shortest_times(small, 0, limit=-1.0),
        lambda: routing.shortest_times(small, 0, limit=np.nan),
        lambda: routing.shortest_times(small, 0, limit="far"),
        lambda: routing.bounded_times(small, [0], np.inf),
        lambda: routing.shortest_times(small, [0], threads=0),
        lambda: routing.shortest_times(small, [0], threads="2"),
        lambda: routing.nearest_many(small, np.array([0, 1])),
        lambda: routing.nearest_many(small, [[0], [7]]),
        lambda: routing.shortest_times(object(), 0, reverse=True),
    ):
        with pytest.raises(RoutingError):
            call()
    assert issubclass(RoutingError, KaicityError) and issubclass(RoutingError, ValueError)


# ------------------------------------------------------------------ relabelled big graphs
@pytest.mark.parametrize("kind", ["walk", "drive"])
def test_relabelled_layout_gives_same_results(synthetic, monkeypatch, kind: str) -> None:
    # big graphs are searched on a locality-ordered copy; force it on a small one
    monkeypatch.setattr(routing, "LAYOUT_MIN_NODES", 1)
    monkeypatch.setattr(routing, "LAYOUT_MAX_FAR", -1.0)
    base = getattr(synthetic, kind)
    tails = np.repeat(np.arange(base.n_nodes), np.diff(base.indptr))
    g = Graph.from_edges(base.n_nodes, tails, base.indices, base.weights, directed=True, unit=base.unit)
    assert prepare(g).perm is not None
    a = g.to_scipy()
    src = sample(g, 30, seed=10)
    dst = sample(g, 25, seed=11)
    for reverse in (False, True):
        m = a.T.tocsr() if reverse else a
        assert_times_equal(routing.shortest_times(g, src, reverse=reverse), dijkstra(m, indices=src))
        assert_times_equal(routing.shortest_times(g, int(src[3]), limit=600.0, reverse=reverse),
                           dijkstra(m, indices=int(src[3]), limit=600.0))
        assert_times_equal(routing.bounded_times(g, src, 300.0, reverse=reverse).to_dense(),
                           dijkstra(m, indices=src, limit=300.0))
        times, which = routing.nearest(g, src, reverse=reverse)
        ref_t, ref_w = reference_nearest(dijkstra(m, indices=src))
        assert_times_equal(times, ref_t)
        np.testing.assert_array_equal(which, ref_w)
    full = dijkstra(a, indices=src)
    assert_times_equal(routing.time_matrix(g, src, dst), full[:, dst])
    for i, path in enumerate(routing.shortest_paths(g, src[:25], dst)):
        _check_path(g, int(src[i]), int(dst[i]), path.tolist(), full[i, dst[i]])
    assert routing.shortest_path(g, int(src[0]), int(dst[0])) == routing.shortest_paths(g, src[:1], dst[:1])[0].tolist()


# ------------------------------------------------------------------------ bucket queue
def test_bucket_plan() -> None:
    plan = bucket_plan(np.array([2.0, 5.0, 40.0, np.inf]))
    width = 2.0 * routing.BUCKET_WIDTH_MARGIN
    assert plan["inv_width"] == pytest.approx(1.0 / width)
    slots = plan["bucket_slots"]
    assert slots >= 64 and slots & (slots - 1) == 0 and slots > 40.0 / width + 1
    # zero-cost edges, no finite edge, or costs spanning too many buckets: the heap
    for weights in ([0.0, 3.0], [np.inf], [], [1e-6, 1e3]):
        assert bucket_plan(np.array(weights, dtype=float)) == {"bucket_slots": 0, "inv_width": 0.0}


def _kernel_results(g, plan, src, dst, limit):
    """Dense, bounded, target and path kernels run with a given bucket plan (slots, inv_width)."""
    n = g.n
    work = _dijkstra.Workspaces(n, 1)
    work.use_buckets(*plan)
    dense = np.empty((len(src), n))
    _dijkstra.dense_times(g.indptr, g.indices, g.weights, src, np.inf, dense, None, work, 1)
    ptr, nodes, times = _dijkstra.sparse_times(g.indptr, g.indices, g.weights, src, limit, work, 1)
    bounded = routing.SparseTimes(ptr, nodes, times, n).to_dense()
    rows = [times[ptr[i]:ptr[i + 1]] for i in range(len(src))]
    is_target = np.zeros(n, dtype=np.uint8)
    is_target[dst] = 1
    matrix = np.empty((len(src), len(dst)))
    _dijkstra.target_times(g.indptr, g.indices, g.weights, src, dst, is_target, int(is_target.sum()), np.inf,
                           matrix, work, 1)
    pptr, pnodes = _dijkstra.paths(g.indptr, g.indices, g.weights, src, dst[:len(src)], work, 1)
    return dense, bounded, rows, matrix, np.split(pnodes, pptr[1:-1])


@pytest.mark.parametrize("kind", ["walk", "drive"])
def test_bucket_queue_equals_heap_and_falls_back_exactly(synthetic, kind: str) -> None:
    graph = getattr(synthetic, kind)
    g = prepare(graph)
    assert g.inv_width > 0 and g.bucket_slots >= 64          # the shipped graphs use buckets
    src = sample(graph, 12, seed=3).astype(np.int32)
    dst = sample(graph, 12, seed=4).astype(np.int32)
    limit = LIMITS[kind]
    ref = dijkstra(graph.to_scipy(), indices=src)
    w_min = float(g.weights.min())
    plans = {
        "heap": (0, 0.0),
        "buckets": (g.bucket_slots, g.inv_width),
        # buckets wider than the shortest edge: a node lands in the current bucket
        "too-wide": (64, 1.0 / (50.0 * w_min)),
        # a window too short for the longest edge
        "too-narrow": (64, 1.0 / (0.01 * w_min)),
    }
    heap = None
    for name, plan in plans.items():
        dense, bounded, rows, matrix, paths = _kernel_results(g, plan, src, dst, limit)
        np.testing.assert_array_equal(dense, ref, err_msg=name)           # bit for bit
        np.testing.assert_array_equal(bounded, np.where(ref <= limit, ref, np.inf), err_msg=name)
        assert all(np.all(np.diff(r) >= 0) for r in rows), name             # non-decreasing rows
        np.testing.assert_array_equal(matrix, ref[:, dst], err_msg=name)
        for i, path in enumerate(paths):
            _check_path(graph, int(src[i]), int(dst[i]), path.tolist(), ref[i, dst[i]])
        if heap is None:
            heap = (dense, bounded)
        else:
            np.testing.assert_array_equal(dense, heap[0])
            np.testing.assert_array_equal(bounded, heap[1])


def test_bucket_rows_break_equal_times_by_node() -> None:
    # a star of equal edges: every leaf at time 1 settles in one bucket; rows list them by node
    n = 8
    g = Graph.from_edges(n, np.zeros(n - 1, dtype=np.int64), np.arange(n - 1, 0, -1), np.ones(n - 1),
                         directed=False, unit="m")
    assert prepare(g).inv_width > 0
    nodes, times = routing.bounded_times(g, 0, 5.0).row(0)
    assert nodes.tolist() == list(range(n)) and times.tolist() == [0.0] + [1.0] * (n - 1)


# ------------------------------------------------------------------------ package settings
def test_settings_set_on_the_package_reach_the_module_that_reads_them(monkeypatch) -> None:
    from kaicity.routing import _execution, _prepared

    before = (_execution.MIN_PARALLEL_S, _prepared.LAYOUT_MIN_NODES)
    with monkeypatch.context() as m:
        m.setattr(routing, "MIN_PARALLEL_S", 0.0)
        m.setattr(routing, "LAYOUT_MIN_NODES", 7)
        assert (_execution.MIN_PARALLEL_S, _prepared.LAYOUT_MIN_NODES) == (0.0, 7)
        assert (routing.MIN_PARALLEL_S, routing.LAYOUT_MIN_NODES) == (0.0, 7)
        assert _execution.plan_threads(None)[1] == 0.0
    assert (_execution.MIN_PARALLEL_S, _prepared.LAYOUT_MIN_NODES) == before
    assert {"MIN_PARALLEL_S", "BUCKET_WIDTH_MARGIN", "shortest_times"} <= set(dir(routing))
