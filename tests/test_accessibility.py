"""Accessibility kernels against a brute-force networkx reference, coverage on hand-made graphs.

The reference runs ``nx.single_source_dijkstra_path_length`` from each (sampled) node on a
``networkx.DiGraph`` built from the same CSR arrays, and takes minima / counts / decay sums
over the facility nodes.  It is evaluated on the real Seoul extracts (``shared_osm``; their own
OSM facilities where the file has them) and on a synthetic city.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from kaicity import accessibility as A
from kaicity._core import _access
from kaicity.categories import CATEGORIES, ZONE_CODE
from kaicity.errors import FacilityError, KaicityError, RoutingError
from kaicity.metrics import access as M
from kaicity.metrics import gini
from kaicity.network import load_city
from kaicity.network.graph import Graph

RADII = (400.0, 1200.0)
#: facilities whose reference distance is this close to a radius are ambiguous at float precision
BOUNDARY_TOL = 1e-7


# ----------------------------------------------------------------------------- helpers
def nx_graph(graph: Graph) -> nx.DiGraph:
    """The CSR graph as a weighted networkx DiGraph (same node indices)."""
    G = nx.DiGraph()
    G.add_nodes_from(range(graph.n_nodes))
    G.add_weighted_edges_from(zip(graph.edge_tails().tolist(), graph.indices.tolist(),
                                  graph.weights.tolist(), strict=True))
    return G


def sample_nodes(n: int, k: int, seed: int = 0) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def check_nearest(graph: Graph, facilities: pd.DataFrame, nodes: np.ndarray,
                  res: A.NearestFacilities) -> None:
    """Nearest distance (<= 1e-6 m) and a nearest facility of the right category, per node."""
    G = nx_graph(graph)
    fac_node = dict(zip(facilities["facility_id"].to_numpy().tolist(), facilities["node"].to_numpy().tolist(),
                        strict=True))
    fac_cat = dict(zip(facilities["facility_id"].to_numpy().tolist(), facilities["category"].tolist(),
                       strict=True))
    by_cat = {c: facilities.loc[facilities["category"] == c, "node"].to_numpy() for c in res.categories}
    for v in nodes:
        d = nx.single_source_dijkstra_path_length(G, int(v), weight="weight")
        for j, c in enumerate(res.categories):
            ref = min((d.get(int(f), math.inf) for f in by_cat[c]), default=math.inf)
            got = res.distance[v, j]
            if math.isinf(ref):
                assert math.isinf(got) and res.facility[v, j] == -1
                continue
            assert abs(got - ref) <= 1e-6, (v, c, got, ref)
            fid = int(res.facility[v, j])
            assert fac_cat[fid] == c
            assert abs(d[fac_node[fid]] - ref) <= 1e-6, (v, c, fid)


def check_counts(graph: Graph, facilities: pd.DataFrame, nodes: np.ndarray, radius: float,
                 cats=CATEGORIES, beta: float | None = None) -> int:
    """Counts exact, linear and exponential sums to 1e-9 relative; returns #nodes compared."""
    G = nx_graph(graph)
    lin = A.facility_counts(graph, facilities, radius, decay="linear", categories=cats)
    ex = A.facility_counts(graph, facilities, radius, decay="exponential", beta=beta, categories=cats)
    plain = A.facility_counts(graph, facilities, radius, categories=cats)
    assert np.array_equal(plain.counts, lin.counts) and np.array_equal(plain.counts, ex.counts)
    assert plain.weighted is None
    b = ex.beta
    assert b == (1.0 / radius if beta is None else beta)
    fac = [(int(nd), cats.index(c)) for nd, c in zip(facilities["node"], facilities["category"], strict=True)]
    compared = 0
    for v in nodes:
        d = nx.single_source_dijkstra_path_length(G, int(v), cutoff=radius + 1.0, weight="weight")
        if any(abs(d.get(f, math.inf) - radius) <= BOUNDARY_TOL for f, _ in fac):
            continue  # a facility sits on the radius at float precision: either answer is right
        cnt = np.zeros(len(cats), dtype=np.int64)
        sl = np.zeros(len(cats))
        se = np.zeros(len(cats))
        for f, j in fac:
            df = d.get(f, math.inf)
            if df <= radius:
                cnt[j] += 1
                sl[j] += 1.0 - df / radius
                se[j] += math.exp(-b * df)
        assert np.array_equal(plain.counts[v], cnt), (v, plain.counts[v], cnt)
        np.testing.assert_allclose(lin.weighted[v], sl, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ex.weighted[v], se, rtol=1e-9, atol=1e-12)
        compared += 1
    return compared


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def synth(small_city):
    return small_city


@pytest.fixture(scope="module")
def dense_facilities(synth):
    """Many facilities (several per node, all categories) so counts exceed 1."""
    rng = np.random.default_rng(11)
    k = 160
    return pd.DataFrame({
        "facility_id": rng.permutation(np.arange(1000, 1000 + k)),
        "category": rng.choice(list(CATEGORIES), size=k),
        "node": rng.choice(synth.walk.n_nodes // 3, size=k),  # clustered: shared nodes, core-heavy
    })


@pytest.fixture(scope="module")
def seoul(shared_osm):
    cities = {}
    for name in ("seoul_mapo_gongdeok.osm", "seoul_songpa_jamsil_asan.osm", "seoul_central_drive.graphml"):
        cities[name] = load_city(shared_osm / name)
    return cities


# --------------------------------------------------------------------- reference tests
def test_synthetic_nearest_matches_networkx(synth, dense_facilities):
    nodes = sample_nodes(synth.walk.n_nodes, 120, seed=1)
    check_nearest(synth.walk, synth.facilities, nodes, A.nearest_facility_times(synth))
    check_nearest(synth.walk, dense_facilities, nodes, A.nearest_facility_times(synth.walk, dense_facilities))


def test_synthetic_counts_match_networkx(synth, dense_facilities):
    nodes = sample_nodes(synth.walk.n_nodes, 250, seed=2)
    for r in RADII:
        assert check_counts(synth.walk, dense_facilities, nodes, r) >= len(nodes) - 2
    assert check_counts(synth.walk, synth.facilities, nodes, 1200.0, beta=0.002) >= len(nodes) - 2
    assert A.facility_counts(synth, dense_facilities, 1200.0).counts.max() > 1


def test_seoul_has_real_facilities(seoul):
    mapo = seoul["seoul_mapo_gongdeok.osm"].facilities
    assert (mapo["source"] == "osm").all() and set(mapo["category"]) == set(CATEGORIES)
    assert (seoul["seoul_songpa_jamsil_asan.osm"].facilities["source"] == "osm").any()


@pytest.mark.parametrize("name,k_near,k_count", [
    ("seoul_mapo_gongdeok.osm", 10_000, 10_000),
    ("seoul_songpa_jamsil_asan.osm", 10_000, 10_000),
    ("seoul_central_drive.graphml", 150, 300),
])
def test_seoul_matches_networkx(seoul, name, k_near, k_count):
    city = seoul[name]
    n = city.walk.n_nodes
    check_nearest(city.walk, city.facilities, sample_nodes(n, k_near, seed=3), A.nearest_facility_times(city))
    nodes = sample_nodes(n, k_count, seed=4)
    for r in RADII:
        assert check_counts(city.walk, city.facilities, nodes, r) >= len(nodes) - 2


def test_limit_matches_unbounded(synth):
    full = A.nearest_facility_times(synth)
    lim = A.nearest_facility_times(synth, limit_m=700.0)
    inside = full.distance <= 700.0
    assert np.array_equal(lim.distance[inside], full.distance[inside])
    assert np.array_equal(lim.facility[inside], full.facility[inside])
    assert np.isinf(lim.distance[~inside]).all() and (lim.facility[~inside] == -1).all()
    assert lim.limit_m == 700.0


def test_directed_graph_measures_node_to_facility():
    # one-way ring 0 -> 1 -> 2 -> 3 -> 0 with 100 m edges; facility at node 0
    g = Graph.from_edges(4, [0, 1, 2, 3], [1, 2, 3, 0], [100.0] * 4, directed=True, unit="m")
    fac = pd.DataFrame({"category": ["daily"], "node": [0], "facility_id": [7]})
    res = A.nearest_facility_times(g, fac, categories=["daily"])
    assert res.distance[:, 0].tolist() == [0.0, 300.0, 200.0, 100.0]
    assert res.facility[:, 0].tolist() == [7, 7, 7, 7]
    cnt = A.facility_counts(g, fac, 150.0, categories=["daily"])
    assert cnt.counts[:, 0].tolist() == [1, 0, 0, 1]


def test_ties_go_to_lowest_facility_id():
    # path 0 - 1 - 2 (100 m each): facilities 5 at node 0, 3 at node 2, 9 and 4 both at node 2
    g = Graph.from_edges(3, [0, 1], [1, 2], [100.0, 100.0], directed=False, unit="m")
    fac = pd.DataFrame({"category": ["daily"] * 4, "node": [0, 2, 2, 2], "facility_id": [5, 9, 3, 4]})
    res = A.nearest_facility_times(g, fac, categories=["daily"])
    assert res.distance[:, 0].tolist() == [0.0, 100.0, 0.0]
    assert res.facility[:, 0].tolist() == [5, 3, 3]   # node 1: tie 100 m between 5 and 3 -> 3
    cnt = A.facility_counts(g, fac, 100.0, categories=["daily"], decay="linear")
    assert cnt.counts[:, 0].tolist() == [1, 4, 3]
    np.testing.assert_allclose(cnt.weighted[:, 0], [1.0, 0.0, 3.0])


def test_zero_radius_counts_facilities_on_the_node():
    g = Graph.from_edges(3, [0, 1], [1, 2], [0.0, 5.0], directed=False, unit="m")
    fac = pd.DataFrame({"category": ["daily", "daily"], "node": [0, 2]})
    for decay in (None, "linear", "exponential"):
        res = A.facility_counts(g, fac, 0.0, decay=decay, categories=["daily"])
        assert res.counts[:, 0].tolist() == [1, 1, 1]   # node 1 is 0 m from node 0
        if decay:
            assert res.weighted[:, 0].tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------------ determinism
def test_results_identical_for_any_thread_count(synth, dense_facilities):
    near = [A.nearest_facility_times(synth, dense_facilities, threads=t) for t in (1, 2, 3)]
    cnts = [A.facility_counts(synth, dense_facilities, 1500.0, decay="exponential", beta=0.003, threads=t)
            for t in (1, 2, 3)]
    for r in near[1:]:
        assert np.array_equal(r.distance, near[0].distance) and np.array_equal(r.facility, near[0].facility)
    for r in cnts[1:]:
        assert np.array_equal(r.counts, cnts[0].counts)
        assert np.array_equal(r.weighted.view(np.int64), cnts[0].weighted.view(np.int64))  # bitwise


def test_kernel_chunking_does_not_change_sums(synth, dense_facilities):
    g = synth.walk
    cats = list(CATEGORIES)
    uniq, inv = np.unique(dense_facilities["node"].to_numpy(), return_inverse=True)
    code = np.array([cats.index(c) for c in dense_facilities["category"]])
    mult = np.zeros((len(uniq), len(cats)), dtype=np.int32)
    np.add.at(mult, (inv, code), 1)
    out = []
    for budget, threads in ((4_000_000, 1), (50, 2), (1, 3)):
        cnt = np.zeros((len(cats), g.n_nodes), dtype=np.int32)
        wsum = np.zeros((len(cats), g.n_nodes))
        assert _access.counts_within(g.indptr, g.indices, g.weights, uniq.astype(np.int32), mult, 1200.0,
                                     _access.DECAY_LINEAR, 0.0, cnt, wsum, threads, budget)
        out.append((cnt, wsum))
    for cnt, wsum in out[1:]:
        assert np.array_equal(cnt, out[0][0]) and np.array_equal(wsum, out[0][1])


# -------------------------------------------------------------------------- coverage
def _line_graph():
    """Path 0 - 1 - 2 - 3 - 4 - 5 with 290 m edges; nodes 0-2 core, 3-5 rural."""
    zone = np.array([ZONE_CODE["core"]] * 3 + [ZONE_CODE["rural"]] * 3, dtype=np.int8)
    return Graph.from_edges(6, [0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [290.0] * 5, directed=False, unit="m",
                            zone=zone)


def test_coverage_hand_made_graph():
    g = _line_graph()
    fac = pd.DataFrame({"category": ["healthcare", "daily"], "node": [0, 5], "facility_id": [1, 2]})
    # in 15 min adults (1.33 m/s) reach 1197 m = 4 edges, the elderly (1.0 m/s) 900 m = 3 edges
    pop = pd.DataFrame({"node": [0, 2, 4, 1, 3, 5], "weight": [1.0, 2.0, 1.0, 1.0, 1.0, 2.0],
                        "group": ["adult", "adult", "adult", "elderly", "elderly", "elderly"]})
    df = M.coverage(g, fac, pop, categories=["healthcare", "daily"])
    row = df.set_index(["group", "zone", "category"])
    # adults (w 1, 2, 1): healthcare at 0, 580, 1160 m -> all; daily at 1450, 870, 290 -> w 2 + 1
    assert row.loc[("adult", "all", "healthcare"), "coverage"] == 1.0
    assert row.loc[("adult", "all", "daily"), "coverage"] == pytest.approx(3 / 4)
    # elderly (w 1, 1, 2): healthcare at 290, 870, 1450 -> w 1 + 1; daily at 1160, 580, 0 -> w 1 + 2
    assert row.loc[("elderly", "all", "healthcare"), "coverage"] == pytest.approx(2 / 4)
    assert row.loc[("elderly", "all", "daily"), "coverage"] == pytest.approx(3 / 4)
    assert row.loc[("elderly", "all", "all"), "coverage"] == pytest.approx(5 / 8)
    assert row.loc[("elderly", "all", "healthcare"), "index"] == pytest.approx(5 / 8)
    assert row.loc[("adult", "all", "all"), "coverage"] == pytest.approx(7 / 8)
    # by zone: the only elderly core resident is node 1 (healthcare 290 m yes, daily 1160 m no)
    assert row.loc[("elderly", "core", "healthcare"), "coverage"] == 1.0
    assert row.loc[("elderly", "core", "daily"), "coverage"] == 0.0
    assert row.loc[("elderly", "core", "all"), "population"] == 1.0
    assert row.loc[("elderly", "rural", "healthcare"), "coverage"] == pytest.approx(1 / 3)
    # everyone: healthcare covered adults 4 + elderly 2 of 8
    assert row.loc[("all", "all", "healthcare"), "coverage"] == pytest.approx(6 / 8)
    assert row.loc[("all", "all", "healthcare"), "population"] == 8.0
    # Gini and mean of the elderly's healthcare times 290/60, 870/60, 1450/60 min, weights 1, 1, 2
    t, w = np.array([290.0, 870.0, 1450.0]) / 60.0, np.array([1.0, 1.0, 2.0])
    assert row.loc[("elderly", "all", "healthcare"), "mean_minutes"] == pytest.approx(np.dot(t, w) / 4)
    assert row.loc[("elderly", "all", "healthcare"), "gini"] == pytest.approx(brute_gini(t, w))
    assert (df["unreachable"] == 0).all()
    assert set(df["zone"]) == {"core", "rural", "all"}  # no suburb residents -> no suburb rows
    assert df.attrs["minutes"] == 15.0 and df.attrs["speeds"] == {"adult": 1.33, "elderly": 1.0}
    # a longer budget covers more
    df30 = M.coverage(g, fac, pop, categories=["healthcare", "daily"], minutes=30.0)
    assert (df30["coverage"].to_numpy() >= df["coverage"].to_numpy()).all()
    assert df30["coverage"].min() == 1.0


def test_coverage_accepts_arrays_and_custom_speeds():
    g = _line_graph()
    fac = pd.DataFrame({"category": ["healthcare"], "node": [0]})
    a = M.coverage(g, fac, (np.array([0, 3]), np.array([1.0, 1.0]), np.array(["walker", "walker"])),
                   speeds={"walker": 0.5}, categories=["healthcare"], minutes=20.0)   # 600 m
    assert a.set_index(["group", "zone", "category"]).loc[("walker", "all", "healthcare"), "coverage"] == 0.5
    b = M.coverage(g, fac, {"node": [0, 3]}, categories=["healthcare"])   # adults, weight 1
    assert b.set_index(["group", "zone", "category"]).loc[("adult", "all", "healthcare"), "coverage"] == 1.0


def test_slower_speed_lowers_coverage(synth):
    pop = A.default_population(synth, residents=3000, seed=1)
    nearest = A.nearest_facility_times(synth)
    prev = None
    for speed in (1.33, 1.0, 0.8, 0.5):
        df = M.coverage(synth, population=pop, speeds={g: speed for g in ("child", "adult", "elderly")},
                        nearest=nearest)
        cov = df.set_index(["group", "zone", "category"])["coverage"]
        if prev is not None:
            assert (cov <= prev + 1e-12).all()
            assert (cov < prev).any()
        prev = cov
    idx_fast = M.fifteen_minute_index(nearest, 1.33)
    idx_slow = M.fifteen_minute_index(nearest, 0.8)
    assert (idx_slow <= idx_fast).all() and (idx_slow < idx_fast).any()
    assert idx_fast.min() >= 0 and idx_fast.max() <= 1


def test_unreachable_category_is_inf_and_zero_coverage():
    # two components: 0 - 1 and 2 - 3; daily only on node 0; no culture facility at all
    zone = np.zeros(4, dtype=np.int8)
    g = Graph.from_edges(4, [0, 2], [1, 3], [100.0, 100.0], directed=False, unit="m", zone=zone)
    fac = pd.DataFrame({"category": ["daily"], "node": [0]})
    res = A.nearest_facility_times(g, fac, categories=["daily", "culture"])
    assert res.distance[:, 0].tolist() == [0.0, 100.0, math.inf, math.inf]
    assert res.facility[:, 0].tolist() == [0, 0, -1, -1]
    assert np.isinf(res.distance[:, 1]).all() and (res.facility[:, 1] == -1).all()
    assert np.isinf(res.minutes(1.0)[2, 0])
    cnt = A.facility_counts(g, fac, 1000.0, categories=["daily", "culture"], decay="linear")
    assert cnt.counts[:, 1].tolist() == [0, 0, 0, 0] and cnt.counts[:, 0].tolist() == [1, 1, 0, 0]
    df = M.coverage(g, fac, {"node": [0, 1, 2, 3]}, categories=["daily", "culture"])
    row = df.set_index(["group", "zone", "category"])
    assert row.loc[("adult", "all", "culture"), "coverage"] == 0.0
    assert row.loc[("adult", "all", "culture"), "unreachable"] == 1.0
    assert math.isnan(row.loc[("adult", "all", "culture"), "gini"])
    assert row.loc[("adult", "all", "daily"), "coverage"] == 0.5
    assert row.loc[("adult", "all", "daily"), "unreachable"] == 0.5
    assert row.loc[("adult", "all", "all"), "unreachable"] == 1.0
    assert row.loc[("adult", "all", "all"), "coverage"] == 0.25


def test_default_population(synth):
    exp = A.default_population(synth)
    assert len(exp) == 3 * synth.walk.n_nodes
    shares = exp.groupby("group")["weight"].sum() / exp["weight"].sum()
    assert shares["elderly"] == pytest.approx(A.DEFAULT_ELDERLY_SHARE)
    assert shares["child"] == pytest.approx(A.DEFAULT_CHILD_SHARE)
    s1 = A.default_population(synth, residents=500, seed=3)
    s2 = A.default_population(synth, residents=500, seed=3)
    assert len(s1) == 500 and s1.equals(s2)
    df = M.coverage(synth)   # default population
    assert set(df["group"]) == {"child", "adult", "elderly", "all"}


def brute_gini(x, w):
    x, w = np.asarray(x, float), np.asarray(w, float)
    return float(np.sum(np.outer(w, w) * np.abs(x[:, None] - x[None, :])) / (2 * w.sum() * np.dot(w, x)))


def test_gini_matches_pairwise_formula():
    rng = np.random.default_rng(5)
    for k in (1, 2, 7, 50):
        x = rng.exponential(10.0, size=k).round(1)   # with ties
        w = rng.uniform(0.1, 3.0, size=k)
        assert gini(x, w) == pytest.approx(brute_gini(x, w), abs=1e-12)
        assert gini(x) == pytest.approx(brute_gini(x, np.ones(k)), abs=1e-12)
    assert gini([3.0, 3.0, 3.0]) == 0.0 and gini([0.0, 0.0]) == 0.0
    assert gini([]) is None


# -------------------------------------------------------------------------- bad input
def test_bad_inputs(synth):
    f = synth.facilities
    with pytest.raises(FacilityError, match="unknown category"):
        A.nearest_facility_times(synth, f.assign(category="bakery"))
    with pytest.raises(FacilityError, match="unknown category"):
        A.facility_counts(synth, f, 100.0, categories=["daily"])
    with pytest.raises(FacilityError, match="outside"):
        A.nearest_facility_times(synth, f.assign(node=synth.walk.n_nodes))
    with pytest.raises(FacilityError, match="outside"):
        A.facility_counts(synth, f.assign(node=-1), 100.0)
    with pytest.raises(FacilityError, match="integers"):
        A.facility_counts(synth, f.assign(node=0.5), 100.0)
    with pytest.raises(FacilityError, match="missing column"):
        A.facility_counts(synth, f.drop(columns="node"), 100.0)
    with pytest.raises(FacilityError):
        A.nearest_facility_times(synth.walk)   # a bare Graph needs facilities
    for radius in (-1.0, float("nan"), "far"):
        with pytest.raises(RoutingError):
            A.facility_counts(synth, f, radius)
    with pytest.raises(RoutingError):
        A.nearest_facility_times(synth, limit_m=-5)
    with pytest.raises(RoutingError, match="decay"):
        A.facility_counts(synth, f, 100.0, decay="gaussian")
    with pytest.raises(RoutingError, match="beta"):
        A.facility_counts(synth, f, 100.0, decay="linear", beta=0.1)
    with pytest.raises(RoutingError):
        A.facility_counts(synth, f, 100.0, decay="exponential", beta=-0.1)
    with pytest.raises(RoutingError):
        A.facility_counts(synth, f, 100.0, threads=0)
    with pytest.raises(RoutingError, match="outside"):
        M.coverage(synth, population={"node": [0, synth.walk.n_nodes]})
    with pytest.raises(RoutingError, match="weights"):
        M.coverage(synth, population={"node": [0, 1], "weight": [1.0, -1.0]})
    with pytest.raises(RoutingError, match="walking speed"):
        M.coverage(synth, population={"node": [0], "group": ["cyclist"]})
    with pytest.raises(RoutingError):
        M.coverage(synth, population={"node": [0]}, speeds={"adult": 0.0})
    with pytest.raises(RoutingError):
        M.coverage(synth, population={"node": [0]}, minutes=-1)
    with pytest.raises(RoutingError):
        A.walking_minutes(100.0, float("inf"))
    with pytest.raises(RoutingError):
        A.default_population(synth, elderly_share=0.7, child_share=0.5)
    # every error is a KaicityError (a ValueError), as the CLI expects
    assert issubclass(FacilityError, KaicityError) and issubclass(RoutingError, ValueError)
