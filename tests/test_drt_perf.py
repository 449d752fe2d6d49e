"""The DRT speed-ups give the same numbers as the plain computations they replace.

Running forecast aggregates against the from-scratch forecast, the rebalancing cost
matrix (distinct searches, cached rows, threads) against one search per entry, the
spatial-index k-means against the dense one, and the lazy residents of the model.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_drt import grid_city

from kaicity import routing
from kaicity.network import load_city
from kaicity.scenario import RebalancingSection
from kaicity.services.drt.rebalancing import DAY_S, DemandHistory, Rebalancer
from kaicity.services.drt.travel import TravelTimes


def _forecast_from_scratch(t: np.ndarray, c: np.ndarray, now: float, window_s: float, n_cells: int) -> np.ndarray:
    """The forecast as first written: rescan the whole history at each call."""
    recent = np.bincount(c[(t >= now - window_s) & (t < now)], minlength=n_cells).astype(float)
    days = int(now // DAY_S)
    if days == 0:
        return recent
    hist = np.zeros(n_cells)
    for k in range(1, days + 1):
        a = now - k * DAY_S
        hist += np.bincount(c[(t >= a) & (t < a + window_s)], minlength=n_cells)
    return 0.5 * recent + 0.5 * hist / days


@pytest.mark.parametrize(("window_min", "step_s", "late"), [(60.0, 900.0, False), (45.0, 600.0, True),
                                                             (1440.0, 3600.0, True), (30.0, 901.5, False)])
def test_running_forecast_equals_the_rescan(window_min: float, step_s: float, late: bool) -> None:
    rng = np.random.default_rng(int(window_min))
    n_cells, W = 7, window_min * 60.0
    hist = DemandHistory(n_cells, W)
    ts: list[float] = []
    cs: list[int] = []
    now = 0.0
    while now < 5 * DAY_S:
        now += step_s
        for _ in range(int(rng.poisson(3))):    # requests of the last step, whole seconds and not
            t = now - rng.uniform(0, step_s) if rng.random() < 0.5 else float(now - rng.integers(1, int(step_s)))
            if late and rng.random() < 0.05:     # a record far in the past (out of order)
                t = float(rng.uniform(0, now))
            c = int(rng.integers(n_cells))
            hist.add(t, c)
            ts.append(t)
            cs.append(c)
        got = hist.forecast(now)
        want = _forecast_from_scratch(np.asarray(ts), np.asarray(cs, dtype=np.int64), now, W, n_cells)
        assert np.array_equal(got, want), now
    assert len(hist) == len(ts) > 100
    # an earlier time of day again (the sums restart) and a time off the step grid
    for t in (2 * DAY_S + 3 * step_s, 4.5 * DAY_S + 17.25):
        want = _forecast_from_scratch(np.asarray(ts), np.asarray(cs, dtype=np.int64), t, W, n_cells)
        assert np.array_equal(hist.forecast(t), want)


def _costs_one_search_per_entry(reb: Rebalancer, origins: np.ndarray, slots: np.ndarray,
                                travel: TravelTimes) -> np.ndarray:
    """The rebalancing cost matrix as first written (one search per entry, one thread)."""
    cost = np.empty((len(origins), len(slots)))
    todo = []
    for c, node in enumerate(slots.tolist()):
        row = travel.rows.get((node, True))
        if row is not None:
            cost[:, c] = row[origins]
        else:
            todo.append(c)
    if todo:
        if len(todo) <= len(origins):
            cost[:, todo] = routing.time_matrix(reb.graph.transpose(), slots[todo], origins, limit=reb.window_s,
                                                threads=1).T
        else:
            cost[:, todo] = routing.time_matrix(reb.graph, origins, slots[todo], limit=reb.window_s, threads=1)
    return np.where(np.isfinite(cost), cost, 1e12)


def test_rebalancing_costs_equal_one_search_per_entry() -> None:
    city = load_city("synthetic:n=3000,seed=5")
    g = city.drive
    rng = np.random.default_rng(3)
    reb = Rebalancer(g, np.arange(g.n_nodes, dtype=np.int32), RebalancingSection(enabled=True, window_min=10.0))
    travel = TravelTimes(g, row_cache_mb=64.0)
    for node in rng.choice(g.n_nodes, 20, replace=False).tolist():   # some cached rows, both directions
        travel.row(node, True)
        travel.row(node, False)
    cached = np.array([k[0] for k in travel.rows], dtype=np.int32)
    for n_orig, n_slot in ((30, 8), (6, 25), (12, 12)):
        # repeated positions and slots, some of them with cached rows
        origins = np.concatenate([rng.choice(g.n_nodes, n_orig - 3), rng.choice(cached, 3)]).astype(np.int32)
        origins[1] = origins[0]
        slots = np.concatenate([rng.choice(g.n_nodes, n_slot - 2), rng.choice(cached, 2)]).astype(np.int32)
        slots[-3] = slots[0]
        got = reb._costs(origins, slots, travel)
        want = _costs_one_search_per_entry(reb, origins, slots, travel)
        assert np.array_equal(got, want)
        assert (got < 1e12).any() and (got == 1e12).any()   # the 10-minute window cuts some pairs


def test_rebalancer_on_a_grid_keeps_its_cells() -> None:
    city = grid_city(6, 500.0, 10.0)
    reb = Rebalancer(city.drive, np.arange(36, dtype=np.int32), RebalancingSection(enabled=True, cell_m=1000.0))
    reb.record_demand(0, 100.0)
    reb.record_demand(35, 50.0)      # out of order
    assert reb.forecast(200.0).sum() == 2 and len(reb.demand) == 2


def _demand_centres_dense(graph, nodes, weights_xy, k, rng, iterations=12):
    """Depot k-means as first written: every point against every centre, every iteration."""
    nodes = np.asarray(nodes, dtype=np.int64)
    nx, ny = graph.x[nodes], graph.y[nodes]
    pts = np.column_stack([nx, ny]) if weights_xy is None else np.column_stack(weights_xy)
    centres = np.empty((k, 2))
    centres[0] = pts[rng.integers(len(pts))]
    d2 = ((pts - centres[0]) ** 2).sum(axis=1)
    for c in range(1, k):
        total = d2.sum()
        i = rng.choice(len(pts), p=d2 / total) if total > 0 else rng.integers(len(pts))
        centres[c] = pts[i]
        d2 = np.minimum(d2, ((pts - centres[c]) ** 2).sum(axis=1))
    for _ in range(iterations):
        lab = np.argmin(((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for c in range(k):
            m = lab == c
            if m.any():
                centres[c] = pts[m].mean(axis=0)
    return np.array([nodes[int(np.argmin((nx - centres[c, 0]) ** 2 + (ny - centres[c, 1]) ** 2))]
                     for c in range(k)], dtype=np.int32)


@pytest.mark.parametrize(("k", "n_homes"), [(3, 50), (40, 2000), (300, 6000)])
def test_depot_kmeans_with_a_kd_tree_equals_the_dense_one(k: int, n_homes: int) -> None:
    from kaicity.services.drt.stops import demand_centres

    city = load_city("synthetic:n=3000,seed=5")
    g = city.drive
    served = np.flatnonzero(g.zone < 2).astype(np.int32)
    homes = np.random.default_rng(k).choice(city.walk.n_nodes, n_homes)   # repeated homes: duplicate points
    xy = (city.walk.x[homes], city.walk.y[homes])
    got = demand_centres(g, served, xy, k, np.random.default_rng(9))
    want = _demand_centres_dense(g, served, xy, k, np.random.default_rng(9))
    assert np.array_equal(got, want)
    assert len(np.unique(got)) > k // 2


def test_nearest_index_breaks_ties_like_argmin() -> None:
    from kaicity.services.drt.stops import nearest_index

    rng = np.random.default_rng(4)
    ref = np.repeat(rng.integers(0, 50, size=(400, 2)).astype(float), 3, axis=0)   # every point three times
    q = rng.integers(0, 50, size=(3000, 2)).astype(float) + rng.choice([0.0, 0.5], size=(3000, 2))
    want = np.argmin(((q[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2), axis=1)
    assert np.array_equal(nearest_index(ref, q), want)


def test_residents_are_made_when_first_read() -> None:
    from kaicity.agents import Resident
    from kaicity.model import KaiCityModel

    m = KaiCityModel("scenarios/ai_city.yaml", overrides={"city.n_nodes": 500, "population.residents": 400,
                                                           "simulation.days": 1})
    res = m.residents
    assert len(res) == 400 and res.created == 0 and Resident not in m.agents_by_type
    a = res[7]
    assert res[7] is a and res[-393] is a and a.index == 7 and res.created == 1
    assert list(m.agents_by_type[Resident]) == [a]
    with pytest.raises(IndexError):
        res[400]
    m.run()
    acted = np.union1d(m.needs.resident, m.training_resident)    # residents with a need or a training visit
    assert 0 < res.created < 400 and res.created <= len(np.union1d(acted, [7]))
    assert len(m.agents_by_type[Resident]) == res.created
    assert [r.index for r in res[:3]] == [0, 1, 2] and len(list(res)) == 400 == res.created


def test_bucket_searches_equal_heap_searches() -> None:
    from kaicity.dispatch_kernel import DispatchSearcher

    city = load_city("synthetic:n=3000,seed=5")
    g = city.drive
    n = g.n_nodes
    rng = np.random.default_rng(8)
    heap, buckets = DispatchSearcher(g, buckets=False), DispatchSearcher(g, buckets=True)
    assert buckets._searcher is not heap._searcher
    for _ in range(40):
        src = int(rng.integers(n))
        reverse = bool(rng.integers(2))
        limit = float(rng.uniform(30, 900))
        rows, counts = [], []
        for s in (heap, buckets):
            out, reached = np.full(n, np.inf), np.empty(n, dtype=np.int32)
            counts.append(s.bounded(src, limit, reverse, out, reached))
            rows.append(out)
            assert np.array_equal(np.sort(reached[:counts[-1]]), np.flatnonzero(np.isfinite(out)))
        assert counts[0] == counts[1] > 0 and np.array_equal(rows[0], rows[1])
        targets = rng.choice(n, 60).astype(np.int32)          # repeats allowed
        limits = rng.uniform(-10, 1200, 60)
        limits[::7] = np.inf
        vals = []
        for s in (heap, buckets):
            v = np.empty(60)
            s.targeted(src, targets, limits, reverse, v)
            vals.append(v)
        assert np.array_equal(vals[0], vals[1]) and np.isfinite(vals[0]).any()
