"""DRT dispatch exactness: hand-computed insertions, rejection reasons, and a brute-force reference.

The line city has ten nodes 600 m apart, driven in 60 s per edge both ways; riders live on
the same nodes (no access walk in door-to-door mode).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from kaicity.categories import ZONE_CODE
from kaicity.metrics.drt import drt_kpis
from kaicity.network.city import FACILITY_COLUMNS, City
from kaicity.network.graph import Graph
from kaicity.scenario import DrtSection
from kaicity.services.drt import DROPOFF, PICKUP, DRTService
from kaicity.services.transit import TripRequest


def line_city(n: int = 10, spacing: float = 600.0, edge_s: float = 60.0, zone=None) -> City:
    u = np.arange(n - 1)
    v = u + 1
    x = np.arange(n) * spacing
    y = np.zeros(n)
    zone = np.zeros(n, dtype=np.int8) if zone is None else np.asarray(zone, dtype=np.int8)
    walk = Graph.from_edges(n, u, v, np.full(n - 1, spacing), directed=False, unit="m", x=x, y=y, zone=zone)
    drive = Graph.from_edges(n, np.concatenate([u, v]), np.concatenate([v, u]), np.full(2 * n - 2, edge_s),
                             length=np.full(2 * n - 2, spacing), directed=True, unit="s", x=x, y=y, zone=zone)
    same = np.arange(n, dtype=np.int32)
    return City("line", walk, drive, same, same.copy(), pd.DataFrame(columns=list(FACILITY_COLUMNS)))


def service(city: City, depots, **kw) -> DRTService:
    cfg = {"enabled": True, "vehicles": len(depots), "capacity": 4, "service_hours": [0, 24], "max_wait_min": 15.0,
           "stop_s": 30.0, "delay_weight": 1.0, "rebalancing": {"enabled": False}}
    cfg.update(kw)
    return DRTService(city, DrtSection(**cfg), horizon_s=86_400.0, start_hour=0.0,
                      depots=depots, trace=True)


def req(k: int, o: int, d: int, t: float, speed: float = 1.0, max_walk_m: float = 2000.0) -> TripRequest:
    return TripRequest(k, k, o, d, t, speed, max_walk_m)


# ----------------------------------------------------------------------------- hand-computed
def test_best_insertion_on_a_line_is_the_hand_computed_one():
    svc = service(line_city(), depots=[0, 9])
    # R1 0 -> 5 at t=0: vehicle A (at 0) costs 360 s; B (at 9) would cost 900 + 540 s of wait
    b1 = svc.book(req(1, 0, 5, 0.0))
    assert b1.accepted and b1.vehicle == 0
    assert (b1.wait_s, b1.in_vehicle_s, b1.walk_s) == (0.0, 360.0, 0.0)   # board 0-30, drive 300, alight 30
    r1 = svc.rides[0]
    assert r1.latest_pick == 900.0 and r1.direct_s == 300.0
    assert r1.max_ride == min(300.0 + 1800.0, 1.5 * 300.0 + 600.0)
    assert r1.latest_drop == 30.0 + r1.max_ride
    assert b1.arrive_time == r1.latest_drop + 30.0
    svc.advance(60.0)   # A left node 0 at 30: on edge 0 -> 1, next node 1 at 90
    assert (svc.schedule.start_node[0], svc.schedule.start_time[0]) == (1, 90.0)
    # R2 2 -> 4 at t=60: best is A, pickup and drop-off both before R1's drop-off:
    # pickup at 150 (wait 90), drop-off arrival 300, R1 delayed 60 s, schedule end +60 s
    quote = svc.quote(req(2, 2, 4, 60.0))
    plan = svc._quote_cache[2]
    assert (plan.vehicle, plan.i, plan.j) == (0, 0, 0)
    assert plan.cost == pytest.approx(60.0 + (60.0 + 90.0 + 0.0))
    assert (plan.begin_p, plan.dep_p, plan.arr_d) == (150.0, 180.0, 300.0)
    assert quote.wait_s == 90.0 and quote.in_vehicle_s == 180.0
    assert svc.schedule.n_stops[0] == 1, "a quote commits nothing"
    b2 = svc.book(req(2, 2, 4, 60.0))
    assert b2 == quote
    assert svc.schedule.stop_node[0, :3].tolist() == [2, 4, 5]
    assert svc.schedule.stop_kind[0, :3].tolist() == [PICKUP, DROPOFF, DROPOFF]
    assert svc.schedule.stop_arr[0, :3].tolist() == [150.0, 300.0, 390.0]
    arrivals = []
    for t in range(120, 1200, 60):
        arrivals.extend(svc.advance(float(t)))
    by_trip = {a.trip_id: a for a in arrivals}
    assert by_trip[2].time == 330.0 and by_trip[2].wait_s == 90.0 and by_trip[2].in_vehicle_s == 180.0
    assert by_trip[1].time == 420.0 and by_trip[1].wait_s == 0.0 and by_trip[1].in_vehicle_s == 420.0
    assert svc.rides[0].pooled and svc.rides[1].pooled
    k = drt_kpis(svc)
    assert k["pooled_share"] == 1.0
    assert k["vehicle_km"] == pytest.approx(3.0)   # A drove 0 -> 5 only; B never moved
    assert k["passenger_km"] == pytest.approx(0.6 + 0.6 + 2 * 1.2 + 0.6)
    assert k["empty_km"] == 0.0
    assert k["detour_factor"]["max"] == pytest.approx((390.0 - 30.0) / 300.0)


def test_cost_prefers_the_vehicle_already_passing_by_and_delay_weight_changes_the_choice():
    # A carries R1 0 -> 9; R2 3 -> 4 can ride along (A adds 2 stops), or B idle at 4 serves it
    def run(weight):
        svc = service(line_city(), depots=[0, 4], delay_weight=weight)
        svc.book(req(1, 0, 9, 0.0))
        svc.advance(60.0)
        svc.book(req(2, 3, 4, 60.0))
        return svc.rides[1].vehicle
    # B: 60 s to node 3, wait 60, ride 60: cost (60+30+60+30) + w*60 = 180 + 60w
    # A: pickup at 3 (arrive 90+120=210, wait 150), +60 s for R1 and the schedule: 60 + w*(60+150)
    assert run(0.0) == 0    # vehicle time only: A adds 60 s, B 180 s
    assert run(1.0) == 1    # A: 60 + 210 = 270 > B: 180 + 60 = 240


# -------------------------------------------------------------------------------- reasons
def test_rejection_reasons():
    city = line_city()
    svc = service(city, depots=[0], service_hours=[6, 22])
    assert svc.book(req(1, 0, 5, 23 * 3600.0)).reason == "outside_hours"
    assert svc.book(req(2, 3, 3, 7 * 3600.0)).reason == "same_stop"

    far = service(city, depots=[0], max_wait_min=2.0)
    assert far.book(req(1, 9, 5, 0.0)).reason == "no_vehicle_within_max_wait"

    # capacity 1: the only vehicle carries R1 0 -> 9 and could reach node 3 in time only with R1 on board
    full = service(city, depots=[0], capacity=1, max_wait_min=10.0)
    assert full.book(req(1, 0, 9, 0.0)).accepted
    full.advance(60.0)
    assert full.book(req(2, 3, 2, 60.0)).reason == "capacity"
    assert drt_kpis(full)["rejections"] == {"capacity": 1}

    # R1 may not ride a second longer than direct: nobody can be picked up on its way
    tight = service(city, depots=[0], capacity=4, max_wait_min=10.0, max_ride_alpha=1.0, max_ride_beta_min=0.0,
                    max_detour_min=0.0)
    assert tight.book(req(1, 0, 9, 0.0)).accepted
    tight.advance(60.0)
    assert tight.book(req(2, 5, 7, 60.0)).reason == "detour_of_others"

    zoned = service(line_city(zone=[ZONE_CODE["rural"]] * 5 + [ZONE_CODE["core"]] * 5), depots=[0],
                    zones=["rural"])
    assert zoned.book(req(1, 7, 9, 0.0)).reason == "outside_zone"  # neither end in the served zone
    assert zoned.book(req(2, 2, 7, 0.0)).accepted, "trips from the served zone may end anywhere"
    assert zoned.book(req(3, 8, 3, 0.0)).accepted, "and trips into it (the way home) may start anywhere"
    assert zoned.serves_zone(np.array([0, 1, 2])).tolist() == [False, False, True]

    stops = service(city, depots=[0], mode="virtual_stops", virtual_stop_spacing_m=1800.0)
    assert stops.book(req(1, 1, 8, 0.0, max_walk_m=10.0)).reason == "no_stop_within_walk"


def test_virtual_stops_walk_at_the_riders_own_speed():
    city = line_city()
    svc = service(city, depots=[0], mode="virtual_stops", virtual_stop_spacing_m=1800.0)
    # cells of 1800 m: nodes {0,1,2}, {3,4,5}, {6,7,8}, {9}: stops at the node nearest each cell centre
    assert svc.stops.tolist() == [1, 4, 7, 9]
    b = svc.book(req(1, 0, 8, 0.0, speed=0.8))
    assert b.accepted
    ride = svc.rides[0]
    assert (ride.pickup, ride.dropoff) == (1, 7)
    assert ride.walk_in_s == 600.0 / 0.8 and ride.walk_out_s == 600.0 / 0.8
    assert ride.ready == 600.0 / 0.8
    assert b.walk_s == 1200.0 / 0.8
    assert b.wait_s == 0.0   # the van drives 0 -> 1 (60 s) while the rider walks 750 s
    arrivals = []
    for t in range(60, 3600, 60):
        arrivals.extend(svc.advance(float(t)))
    (a,) = arrivals
    assert a.walk_s == 1500.0 and a.time == pytest.approx(750.0 + 30.0 + 360.0 + 30.0 + 750.0)
    count = service(city, depots=[0], mode="virtual_stops", virtual_stops_per_1000_people=1.0)
    assert len(count.stops) >= 1   # without a population, the spacing rule applies


# ------------------------------------------------------------------- brute-force reference
def reference_best(svc: DRTService, p: int, d: int, ready: float, T: np.ndarray):
    """Enumerate every vehicle and (i, j) pair in Python with all-pairs times ``T``."""
    best = (math.inf, None)
    sch = svc.schedule
    stop_s = svc.rules.stop_s
    latest_pick = ready + svc.rules.max_wait_s
    direct = T[p, d]
    max_ride = svc.rules.max_ride_s(direct)
    for v in range(svc.rules.n_vehicles):
        K = int(sch.n_stops[v])
        old = [(int(sch.stop_node[v, m]), int(sch.stop_kind[v, m]), float(sch.stop_earliest[v, m]),
                float(sch.stop_latest[v, m]), float(sch.stop_arr[v, m])) for m in range(K)]
        old_end = float(sch.stop_dep[v, K - 1]) if K else float(sch.start_time[v])
        for i, j in itertools.combinations_with_replacement(range(K + 1), 2):
            seq = old[:i] + [(p, PICKUP, ready, latest_pick, None)] + old[i:j] + \
                [(d, DROPOFF, -math.inf, math.inf, None)] + old[j:]
            t, node, load = float(sch.start_time[v]), int(sch.start_node[v]), int(sch.start_load[v])
            ok, delay, begin_p, dep_p, arr_d = True, 0.0, None, None, None
            for nd, kind, earliest, latest, old_arr in seq:
                arr = t + T[node, nd]
                begin = max(arr, earliest) if kind == PICKUP else arr
                if begin > latest + 1e-6:
                    ok = False
                    break
                load += 1 if kind == PICKUP else -1
                if load > svc.capacity[v]:
                    ok = False
                    break
                if old_arr is None and kind == PICKUP:
                    begin_p, dep_p = begin, begin + stop_s
                elif old_arr is None:
                    arr_d = arr
                    if arr_d - dep_p > max_ride + 1e-6:
                        ok = False
                        break
                elif kind == DROPOFF:
                    delay += arr - old_arr
                t, node = begin + stop_s, nd
            if not ok:
                continue
            cost = (t - old_end) + svc.rules.delay_weight * (delay + (begin_p - ready) + (arr_d - dep_p - direct))
            if cost < best[0] - 1e-9:
                best = (cost, (v, i, j))
    return best


@pytest.mark.parametrize("weight, ride", [(0.0, {}), (1.0, {}), (3.0, {}),
                                          # a short max ride: the searches to the drop-off stop at it
                                          (1.0, {"max_ride_alpha": 1.0, "max_ride_beta_min": 2.0})])
def test_kernel_matches_brute_force_on_random_busy_schedules(weight, ride):
    n = 6
    ids = np.arange(n * n).reshape(n, n)
    # a grid with one-way rows (alternating) and two-way columns, uneven edge times
    rng = np.random.default_rng(7)
    us, vs = [], []
    for r in range(n):
        for c in range(n - 1):
            a, b = ids[r, c], ids[r, c + 1]
            us.append(a if r % 2 == 0 else b)
            vs.append(b if r % 2 == 0 else a)
    for r in range(n - 1):
        for c in range(n):
            us += [ids[r, c], ids[r + 1, c]]
            vs += [ids[r + 1, c], ids[r, c]]
    us, vs = np.array(us), np.array(vs)
    w = rng.uniform(30.0, 90.0, len(us)).round(1)
    x = (np.arange(n * n) % n) * 500.0
    y = (np.arange(n * n) // n) * 500.0
    drive = Graph.from_edges(n * n, us, vs, w, length=w * 10, directed=True, unit="s", x=x, y=y)
    walk = Graph.from_edges(n * n, us, vs, np.full(len(us), 500.0), directed=False, unit="m", x=x, y=y)
    same = np.arange(n * n, dtype=np.int32)
    city = City("grid", walk, drive, same, same.copy(), pd.DataFrame(columns=list(FACILITY_COLUMNS)))
    svc = service(city, depots=[0, 35, 17], capacity=3, max_wait_min=8.0, delay_weight=weight, stop_s=20.0, **ride)
    T = dijkstra(svc.graph.to_scipy())   # the service's drive times (on the 1/1024 s grid)
    t = 0.0
    compared = feasible = 0
    for k in range(160):
        t += float(rng.exponential(40.0))
        if t > svc.clock + 60.0:
            svc.advance(svc.clock + 60.0 * math.floor((t - svc.clock) / 60.0))
        o, dd = rng.choice(n * n, 2, replace=False)
        r = req(k, int(o), int(dd), t)
        ready = max(t, svc.clock)
        ref_cost, ref_where = reference_best(svc, int(o), int(dd), ready, T)
        svc.quote(r)
        plan = svc._quote_cache[2]
        compared += 1
        if ref_where is None:
            assert not plan.accepted
            continue
        feasible += 1
        assert plan.accepted, (k, ref_where, plan.reason)
        assert plan.cost == pytest.approx(ref_cost, abs=1e-6)
        svc.book(r)
    assert feasible > 60 and compared - feasible > 5
    assert int(svc.schedule.n_stops.max()) >= 4 or drt_kpis(svc)["pooled_share"] > 0


def test_dispatch_searches_match_routing():
    from kaicity import routing
    from kaicity._core._dispatch import Searcher, path_down
    from kaicity.network import load_city

    g = load_city({"kind": "synthetic", "n_nodes": 600, "seed": 2}).drive
    searcher = Searcher(g.n_nodes)
    rng = np.random.default_rng(0)
    out = np.full(g.n_nodes, np.inf)
    reached = np.empty(g.n_nodes, dtype=np.int32)
    for _ in range(60):
        s = int(rng.integers(g.n_nodes))
        limit = float(rng.uniform(0.0, 1500.0))
        n = searcher.bounded(g.indptr, g.indices, g.weights, s, limit, out, reached)
        assert np.array_equal(out, routing.shortest_times(g, s, limit=limit, threads=1))
        out[reached[:n]] = np.inf
        full = routing.shortest_times(g, s, threads=1)
        targets = rng.integers(g.n_nodes, size=int(rng.integers(1, 25))).astype(np.int32)
        targets = np.concatenate([targets, targets[:3], [s]]).astype(np.int32)
        limits = rng.uniform(-100.0, 2500.0, len(targets))
        vals = np.empty(len(targets))
        searcher.targeted(g.indptr, g.indices, g.weights, s, targets, limits, vals)
        best = {int(t): max(limits[targets == t]) for t in targets}
        expected = [full[t] if full[t] <= best[int(t)] else np.inf for t in targets]
        assert vals.tolist() == expected
        # a path read off the reverse row of its target is a shortest path
        to_s = routing.shortest_times(g, s, reverse=True, threads=1)
        a = int(rng.integers(g.n_nodes))
        buf = np.empty(g.n_nodes, dtype=np.int32)
        k = path_down(g.indptr, g.indices, g.weights, to_s, a, s, buf)
        path = buf[:k]
        assert path[0] == a and path[-1] == s
        cost = sum(g.weights[g.indptr[u] + int(np.flatnonzero(g.indices[g.indptr[u]:g.indptr[u + 1]] == w)[0])]
                   for u, w in zip(path[:-1], path[1:], strict=True))
        assert cost == pytest.approx(to_s[a], abs=1e-9)
