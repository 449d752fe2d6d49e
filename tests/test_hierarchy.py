"""Contraction hierarchy + PHAST rows (:mod:`kaicity.routing._hierarchy`) against Dijkstra and scipy.

On costs of a binary grid (:func:`kaicity.routing.quantized`) every sum is exact, so the
rows must equal Dijkstra's to the last bit, forwards and backwards, on synthetic cities,
on random directed graphs with one-way arcs, parallel arcs, self-loops and unreachable
parts, and on the real Seoul extracts.  The dispatcher's searches read off those rows
must write exactly what its Dijkstra searches write, and a DRT day must give the same
plans with either engine.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEOUL_FILES
from scipy.sparse.csgraph import dijkstra

from kaicity import dispatch_kernel, routing
from kaicity.errors import RoutingError
from kaicity.network import Graph, load_city
from kaicity.routing import Hierarchy, quantized


def _random_graph(seed: int, n: int = 300, m: int = 1100) -> Graph:
    rng = np.random.default_rng(seed)
    us = rng.integers(0, n, m)
    vs = rng.integers(0, n, m)
    w = rng.uniform(1.0, 120.0, m)
    us = np.concatenate([us, us[:40]])   # parallel arcs with other costs, self-loops kept
    vs = np.concatenate([vs, vs[:40]])
    w = np.concatenate([w, w[:40] * 0.7])
    us[:5] = vs[:5]
    return Graph.from_edges(n, us, vs, w, directed=True, unit="s", x=rng.uniform(0, 1e4, n),
                            y=rng.uniform(0, 1e4, n))


def _assert_rows_equal(graph: Graph, sources, bitwise: bool = True) -> None:
    h = Hierarchy(graph)
    ref_fwd = dijkstra(graph.to_scipy(), indices=sources)
    ref_rev = dijkstra(graph.to_scipy().T.tocsr(), indices=sources)
    for k, s in enumerate(sources):
        for reverse, ref in ((False, ref_fwd[k]), (True, ref_rev[k])):
            row = h.row(int(s), reverse)
            kaicity_row = routing.shortest_times(graph, int(s), reverse=reverse, threads=1)
            assert np.array_equal(np.isinf(row), np.isinf(ref))
            if bitwise:
                assert np.array_equal(row, kaicity_row)
            np.testing.assert_allclose(row, ref, rtol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rows_equal_dijkstra_on_random_directed_graphs(seed):
    g = quantized(_random_graph(seed))
    _assert_rows_equal(g, np.arange(0, g.n_nodes, 7))


def test_rows_on_unquantized_costs_agree_to_rounding():
    _assert_rows_equal(_random_graph(4), np.arange(0, 300, 11), bitwise=False)


def test_rows_equal_dijkstra_on_a_synthetic_city():
    city = load_city("synthetic:n=3000,seed=5")
    g = quantized(city.drive)
    _assert_rows_equal(g, np.random.default_rng(0).choice(g.n_nodes, 25, replace=False))


@pytest.mark.parametrize("name", SEOUL_FILES)
def test_rows_equal_dijkstra_on_seoul(shared_osm, name):
    city = load_city(shared_osm / name)
    g = quantized(city.drive)
    _assert_rows_equal(g, np.random.default_rng(1).choice(g.n_nodes, 12, replace=False))


def test_quantized_costs_are_on_the_grid_and_stay_positive():
    g = _random_graph(5)
    q = quantized(g, 2.0 ** -3)
    assert np.all(np.abs(q.weights - g.weights) <= 2.0 ** -4)
    assert np.array_equal(q.weights * 8, np.round(q.weights * 8))
    tiny = Graph.from_edges(2, [0], [1], [1e-9], directed=True, unit="s", x=[0.0, 1.0], y=[0.0, 0.0])
    assert quantized(tiny).weights[0] == routing._hierarchy.QUANTUM
    assert g.weights is not q.weights and g._cache is not q._cache
    assert quantized(g, 2.0 ** -3) is q and quantized(g) is not q   # one copy per graph and quantum
    with pytest.raises(RoutingError, match="power of two"):
        quantized(g, 0.001)


def test_a_bad_source_is_a_clear_error():
    h = Hierarchy(quantized(_random_graph(6, n=50, m=150)))
    with pytest.raises(RoutingError):
        h.row(50)


def test_dispatch_searches_read_off_rows_write_what_dijkstra_writes():
    g = quantized(load_city("synthetic:n=2000,seed=3").drive)
    n = g.n_nodes
    plain = dispatch_kernel.DispatchSearcher(g)
    fast = dispatch_kernel.DispatchSearcher(g, hierarchy=Hierarchy(g))
    rng = np.random.default_rng(2)
    for _ in range(40):
        s = int(rng.integers(n))
        reverse = bool(rng.integers(2))
        limit = float(rng.uniform(0, 900))
        outs, counts = [], []
        for searcher in (plain, fast):
            out, reached = np.full(n, np.inf), np.empty(n, dtype=np.int32)
            counts.append(searcher.bounded(s, limit, reverse, out, reached))
            assert set(reached[:counts[-1]].tolist()) == set(np.flatnonzero(np.isfinite(out)).tolist())
            outs.append(out)
        assert counts[0] == counts[1] and np.array_equal(outs[0], outs[1])
        targets = rng.choice(n, 30).astype(np.int32)
        targets[:4] = targets[4:8]   # the same node twice, with other limits
        limits = rng.uniform(-50, 1200, 30)
        limits[8] = np.nan
        vals, rows = [], []
        for searcher in (plain, fast):
            v, row = np.empty(30), np.full(n, np.inf)
            searcher.targeted_into(s, targets, limits, reverse, v, row)
            vals.append(v)
            rows.append(row)
        assert np.array_equal(vals[0], vals[1]) and np.array_equal(rows[0], rows[1])
    assert plain.searches == 80 and plain.settled > 0 and fast.searches == 0


def _day(city, engine):
    from kaicity.categories import ZONE_CODE
    from kaicity.scenario import DrtSection
    from kaicity.services.drt import DRTService
    from kaicity.services.transit import TripRequest

    cfg = DrtSection(enabled=True, vehicles=25, capacity=6, service_hours=[0, 24], max_wait_min=15.0,
                     rebalancing={"enabled": True, "interval_min": 15, "window_min": 60})
    svc = DRTService(city, cfg, horizon_s=86_400.0, rng=np.random.default_rng(1), hierarchy=engine)
    rng = np.random.default_rng(4)
    nodes = np.flatnonzero(np.isin(city.walk.zone, [ZONE_CODE["core"], ZONE_CODE["suburb"]]))
    times = np.sort(rng.uniform(0, 6 * 3600.0, 400))
    reqs = [TripRequest(k, k, int(rng.choice(nodes)), int(rng.choice(nodes)), float(times[k]), 1.2, 1200.0)
            for k in range(400)]
    k = 0
    for tick in range(60, 7 * 3600, 60):
        while k < len(reqs) and reqs[k].time < tick:
            svc.book(reqs[k])
            k += 1
        svc.advance(float(tick))
    rides = [(r.vehicle, r.pickup, r.dropoff, r.planned_pick, r.planned_drop, r.cost) for r in svc.rides]
    return rides, svc.log.evaluations, svc.travel.searcher.hierarchy is not None


def test_a_drt_day_gives_the_same_plans_with_either_engine():
    city = load_city("synthetic:n=2000,seed=3")
    dijkstra_day, hier_day, auto_day = _day(city, False), _day(city, True), _day(city, None)
    assert len(dijkstra_day[0]) > 100
    assert dijkstra_day[:2] == hier_day[:2] == auto_day[:2]
    assert (dijkstra_day[2], hier_day[2]) == (False, True)
    assert auto_day[2]   # random pairs on a small city: wide searches, so the automatic choice switched


def test_narrow_searches_stay_on_dijkstra():
    from kaicity.services.drt.travel import PROBE_SEARCHES, TravelTimes

    g = quantized(load_city("synthetic:n=2000,seed=3").drive)
    narrow, wide = TravelTimes(g), TravelTimes(g)
    for k in range(PROBE_SEARCHES + 1):
        for tr, limit in ((narrow, 30.0), (wide, 1e9)):
            tr.bounded_to(k % g.n_nodes, limit)
            tr.clean()
    assert narrow.searcher.hierarchy is None and not narrow._choose
    assert wide.searcher.hierarchy is not None
