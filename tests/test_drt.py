"""DRT fleet and dispatcher on small synthetic cities: invariants of a simulated day and behaviour.

Invariants (every ride, every driven edge): no vehicle above capacity; every accepted ride
meets its promised latest pickup, max wait and max ride time; pickups before drop-offs at
the right nodes; vehicles follow connected drive-graph paths at the graph's edge times.
Behaviour: a huge fleet serves everyone on near-direct rides; waits fall as the fleet
grows; rebalancing shortens waits when demand has a predictable peak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kaicity.metrics.drt import drt_kpis, drt_legs
from kaicity.network.city import FACILITY_COLUMNS, City
from kaicity.network.graph import Graph
from kaicity.scenario import DrtSection
from kaicity.services.drt import REASONS, DRTService
from kaicity.services.transit import TripRequest

TOL = 1e-3   # seconds


# ----------------------------------------------------------------------------- helpers
def grid_city(n: int = 15, spacing: float = 250.0, speed: float = 10.0, zone=None, oneway_rows: bool = False) -> City:
    """An ``n x n`` street grid: walk graph in metres, drive graph in seconds (same nodes).

    With ``oneway_rows`` every horizontal street is one-way, alternating direction by row.
    """
    ids = np.arange(n * n).reshape(n, n)
    hu, hv = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    vu, vv = ids[:-1, :].ravel(), ids[1:, :].ravel()
    x = (ids % n).ravel() * spacing
    y = (ids // n).ravel() * spacing
    zone = np.zeros(n * n, dtype=np.int8) if zone is None else np.asarray(zone, dtype=np.int8)
    u = np.concatenate([hu, vu])
    v = np.concatenate([hv, vv])
    length = np.full(len(u), spacing)
    walk = Graph.from_edges(n * n, u, v, length, directed=False, unit="m", x=x, y=y, zone=zone, name="walk")
    if oneway_rows:
        row = (ids[:, :-1] // n).ravel()
        flip = row % 2 == 1
        du = np.concatenate([np.where(flip, hv, hu), vu, vv])
        dv = np.concatenate([np.where(flip, hu, hv), vv, vu])
    else:
        du = np.concatenate([u, v])
        dv = np.concatenate([v, u])
    dlen = np.full(len(du), spacing)
    drive = Graph.from_edges(n * n, du, dv, dlen / speed, length=dlen, directed=True, unit="s", x=x, y=y,
                             zone=zone, name="drive")
    same = np.arange(n * n, dtype=np.int32)
    return City("grid", walk, drive, same, same.copy(), pd.DataFrame(columns=list(FACILITY_COLUMNS)))


def drt_config(**kw) -> DrtSection:
    base = {"enabled": True, "vehicles": 5, "capacity": 4, "service_hours": [0, 24], "max_wait_min": 15.0,
            "stop_s": 30.0, "rebalancing": {"enabled": False}}
    base.update(kw)
    return DrtSection(**base)


def make_service(city: City, seed: int = 0, trace: bool = True, **kw) -> DRTService:
    return DRTService(city, drt_config(**kw), horizon_s=86_400.0, start_hour=0.0,
                      rng=np.random.default_rng(seed), trace=trace)


def random_requests(city: City, n: int, t0: float, t1: float, seed: int, origins=None, destinations=None,
                    speed: float = 1.2, max_walk_m: float = 1500.0) -> list[TripRequest]:
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(t0, t1, n))
    nodes = np.arange(city.walk.n_nodes)
    o = rng.choice(nodes if origins is None else origins, n)
    d = rng.choice(nodes if destinations is None else destinations, n)
    return [TripRequest(k, k, int(o[k]), int(d[k]), float(times[k]), speed, max_walk_m) for k in range(n)]


def simulate(svc: DRTService, requests: list[TripRequest], end: float, tick: float = 60.0, quote_first: bool = False):
    """Book requests as the clock passes their times, advance by ``tick``; returns bookings and arrivals."""
    bookings, arrivals = {}, []
    k = 0
    t = 0.0
    while t < end:
        t_next = t + tick
        while k < len(requests) and requests[k].time < t_next:
            req = requests[k]
            if quote_first:
                q = svc.quote(req)
                b = svc.book(req)
                assert (q.accepted, q.reason, q.wait_s, q.in_vehicle_s) == (b.accepted, b.reason, b.wait_s,
                                                                             b.in_vehicle_s)
            else:
                b = svc.book(req)
            bookings[req.trip_id] = b
            k += 1
        arrivals.extend(svc.advance(t_next))
        t = t_next
    return bookings, arrivals


def check_invariants(svc: DRTService, bookings: dict, arrivals: list) -> pd.DataFrame:
    """Assert every invariant of a finished simulation; returns the legs frame."""
    g = svc.graph
    legs = drt_legs(svc)
    done = legs[legs["status"] == "done"]
    assert len(done) == len(legs), "every ride is finished at the end of the day"
    # promises: max wait, latest pickup, max ride, latest drop-off; pickups before drop-offs
    assert (done["t_pickup"] >= done["t_ready"] - TOL).all()
    assert (done["wait_s"] <= svc.rules.max_wait_s + TOL).all()
    assert (done["t_pickup"] <= done["latest_pickup"] + TOL).all()
    assert (done["ride_s"] <= done["max_ride_s"] + TOL).all()
    assert (done["t_dropoff"] <= done["latest_dropoff"] + TOL).all()
    assert (done["t_dropoff"] > done["t_pickup"]).all()
    assert (done["ride_s"] >= done["direct_s"] - TOL).all(), "no ride beats the shortest path"
    for _k, row in done.iterrows():
        assert row["max_ride_s"] == pytest.approx(min(row["direct_s"] + svc.rules.max_detour_s,
                                                      svc.rules.alpha * row["direct_s"] + svc.rules.beta_s))
        b = bookings[row["trip_id"]]
        assert b.accepted
        assert row["t_arrive"] <= b.arrive_time + TOL, "arrival later than the promised latest arrival"
    # arrivals reported once per ride with the real legs
    by_trip = {a.trip_id: a for a in arrivals}
    assert len(by_trip) == len(arrivals) == len(done)
    for row in done.itertuples():
        a = by_trip[row.trip_id]
        assert a.time == pytest.approx(row.t_arrive)
        assert a.wait_s == pytest.approx(row.wait_s)
        assert a.in_vehicle_s == pytest.approx(row.in_vehicle_s)
    # rejected bookings carry a known reason
    for b in bookings.values():
        if not b.accepted:
            assert b.reason in REASONS
    # driven paths: connected, at graph speeds, continuous per vehicle, within capacity
    tails = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    edge = {(int(a), int(b)): float(w) for a, b, w in zip(tails, g.indices, g.weights, strict=True)}
    last = {}
    path_nodes: dict[int, list] = {}
    path_times: dict[int, list] = {}
    for v, nodes, times, load, _purpose in svc.log.trace:
        assert 0 <= load <= svc.rules.seats
        for a, b, ta, tb in zip(nodes[:-1].tolist(), nodes[1:].tolist(), times[:-1].tolist(), times[1:].tolist(),
                                strict=True):
            assert (a, b) in edge, f"vehicle {v} jumps from {a} to {b}"
            assert tb - ta == pytest.approx(edge[(a, b)], abs=1e-6)
        if v in last:
            assert last[v][0] == nodes[0], f"vehicle {v} teleports"
            assert times[0] >= last[v][1] - 1e-6
        last[v] = (nodes[-1], times[-1])
        path_nodes.setdefault(v, []).append(nodes)
        path_times.setdefault(v, []).append(times)
    # load over time never exceeds capacity, and the vehicle is at the stop when serving it
    events = pd.DataFrame(svc.log.stop_log, columns=["vehicle", "node", "time", "kind", "ride"])
    for v, ev in events.groupby("vehicle"):
        ev = ev.sort_values(["time", "kind"], ascending=[True, False])
        load = np.cumsum(np.where(ev["kind"] == 0, 1, -1))
        assert load.max() <= svc.rules.seats and load.min() >= 0
        nodes = np.concatenate(path_nodes.get(v, [np.array([svc.schedule.depots[v]])]))
        times = np.concatenate(path_times.get(v, [np.array([-np.inf])]))
        assert (np.diff(times) >= -1e-6).all()
        k = np.searchsorted(times, ev["time"].to_numpy() + 1e-6, side="right") - 1
        where = np.where(k >= 0, nodes[np.maximum(k, 0)], svc.schedule.depots[v])
        assert (where == ev["node"].to_numpy()).all(), f"vehicle {v} serves a stop away from it"
    rides = legs.set_index("ride")
    assert (events[events["kind"] == 0]["node"].to_numpy() == rides.loc[events[events["kind"] == 0]["ride"],
                                                                           "pickup_node"].to_numpy()).all()
    return legs


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def synthetic():
    from kaicity.network import load_city

    return load_city({"kind": "synthetic", "n_nodes": 800, "seed": 3})


# ------------------------------------------------------------------------------- tests
def test_day_invariants_door_to_door_on_synthetic_city_with_oneways(synthetic):
    svc = make_service(synthetic, seed=1, vehicles=6, capacity=4,
                       rebalancing={"enabled": True, "interval_min": 15, "window_min": 60})
    reqs = random_requests(synthetic, 500, 6 * 3600, 20 * 3600, seed=2)
    bookings, arrivals = simulate(svc, reqs, 86_400.0, quote_first=True)
    legs = check_invariants(svc, bookings, arrivals)
    k = drt_kpis(svc)
    assert k["requests"] == 500
    assert k["booked"] == len(legs) > 250
    assert k["booked"] + k["rejected"] == 500
    assert sum(k["rejections"].values()) == k["rejected"]
    assert k["rejection_rate"] == pytest.approx(k["rejected"] / 500)
    assert 0 < k["wait_min"]["mean"] <= 15 and k["wait_min"]["max"] <= 15 + 1e-6
    assert k["wait_min"]["median"] <= k["wait_min"]["p95"] <= k["wait_min"]["max"]
    assert 0 < k["pooled_share"] <= 1
    assert k["detour_factor"]["mean"] >= 1.0
    assert k["vehicle_km"] > k["empty_km"] > 0
    assert k["vehicle_km"] >= k["rebalancing_km"] > 0
    assert k["passenger_km"] > 0
    assert k["vehicle_hours"] == pytest.approx(6 * 24)
    assert k["passengers_per_vehicle_hour"] == pytest.approx(len(legs) / (6 * 24))
    assert set(k["occupancy_by_hour"]) == {f"{h:02d}" for h in range(24)}
    assert k["wait_share_under_10_min"] <= k["wait_share_under_15_min"] == 1.0
    # vehicle-km is the sum of the driven pieces
    g = synthetic.drive
    metres = 0.0
    for _v, nodes, _t, _l, _p in svc.log.trace:
        for a, b in zip(nodes[:-1], nodes[1:], strict=True):
            lo = g.indptr[a]
            heads = g.indices[lo:g.indptr[a + 1]]
            metres += g.lengths[lo + int(np.flatnonzero(heads == b)[0])]
    assert k["vehicle_km"] == pytest.approx(metres / 1000.0)


def test_virtual_stops_and_batch_mode_keep_every_promise():
    city = grid_city(14, 250.0, 8.0, oneway_rows=True)
    svc = make_service(city, seed=4, vehicles=5, capacity=6, mode="virtual_stops", virtual_stop_spacing_m=600.0,
                       batch_s=120.0, rebalancing={"enabled": True, "interval_min": 10, "window_min": 30})
    assert 20 <= len(svc.stops) <= 36
    reqs = random_requests(city, 400, 7 * 3600, 12 * 3600, seed=5, max_walk_m=800.0)
    bookings, arrivals = simulate(svc, reqs, 86_400.0)
    legs = check_invariants(svc, bookings, arrivals)
    assert set(legs["pickup_node"]) <= set(svc.stops.tolist())
    assert set(legs["dropoff_node"]) <= set(svc.stops.tolist())
    # riders walk to the nearest stop on the walk graph at their own speed
    assert (legs["walk_s"] <= 2 * 800.0 / 1.2 + TOL).all()
    k = drt_kpis(svc)
    assert k["batch_rounds"] > 10
    assert k["pooled_share"] > 0.2
    assert k["mode"] == "virtual_stops" and k["virtual_stops"] == len(svc.stops)


def test_huge_fleet_serves_everyone_on_near_direct_rides():
    city = grid_city(12, 250.0, 10.0)
    svc = make_service(city, seed=1, vehicles=150, capacity=4)
    bookings, arrivals = simulate(svc, random_requests(city, 200, 6 * 3600, 20 * 3600, seed=3), 86_400.0)
    check_invariants(svc, bookings, arrivals)
    k = drt_kpis(svc)
    assert k["rejected"] == 0 and k["booked"] == 200
    assert k["detour_factor"]["mean"] < 1.05
    assert k["detour_factor"]["median"] == pytest.approx(1.0)
    assert k["wait_min"]["mean"] < 0.5


def test_mean_wait_falls_as_the_fleet_grows(synthetic):
    waits, rejected = [], []
    for vehicles in (3, 6, 12):
        svc = make_service(synthetic, seed=1, vehicles=vehicles, capacity=4, trace=False)
        simulate(svc, random_requests(synthetic, 500, 6 * 3600, 20 * 3600, seed=2), 86_400.0)
        k = drt_kpis(svc)
        waits.append(k["wait_min"]["mean"])
        rejected.append(k["rejected"])
    assert waits[0] > waits[1] > waits[2]
    assert rejected[0] >= rejected[1] >= rejected[2]


def test_rebalancing_shortens_waits_when_demand_has_a_predictable_peak():
    """Morning peak from one corner of the city to the opposite one: without rebalancing the
    vans pile up where they drop riders off; with it, idle vans return to the corner."""
    n = 30
    city = grid_city(n, 300.0, 10.0)
    ids = np.arange(n * n)
    corner = ids[(ids % n < 5) & (ids // n < 5)]
    far = ids[(ids % n >= n - 5) & (ids // n >= n - 5)]
    peak = random_requests(city, 60, 7 * 3600, 10 * 3600, seed=5, origins=corner, destinations=far)
    background = random_requests(city, 60, 6 * 3600, 12 * 3600, seed=6)
    reqs = [TripRequest(i, i, r.origin, r.destination, r.time, r.walk_speed, r.max_walk_m)
            for i, r in enumerate(sorted(peak + background, key=lambda r: r.time))]
    result = {}
    for enabled in (False, True):
        svc = make_service(city, seed=1, vehicles=10, capacity=4,
                           rebalancing={"enabled": enabled, "interval_min": 10, "window_min": 30})
        bookings, arrivals = simulate(svc, reqs, 86_400.0)
        check_invariants(svc, bookings, arrivals)
        result[enabled] = drt_kpis(svc)
    off, on = result[False], result[True]
    assert on["wait_min"]["mean"] < off["wait_min"]["mean"]
    assert on["rejected"] <= off["rejected"]
    assert off["rebalancing_km"] == 0.0 < on["rebalancing_km"] <= on["empty_km"] + 1e-9
    assert on["rebalancing_moves"] > 0


def test_two_days_vans_go_home_at_night_and_serve_again(synthetic):
    svc = DRTService(synthetic,
                     drt_config(vehicles=4, service_hours=[7, 20],
                                rebalancing={"enabled": True, "interval_min": 20, "window_min": 60}),
                     horizon_s=2 * 86_400.0, start_hour=0.0, rng=np.random.default_rng(0), trace=True)
    day1 = random_requests(synthetic, 80, 7 * 3600, 19 * 3600, seed=8)
    day2 = [TripRequest(r.trip_id + 1000, r.resident, r.origin, r.destination, r.time + 86_400.0, r.walk_speed,
                        r.max_walk_m) for r in random_requests(synthetic, 80, 7 * 3600, 19 * 3600, seed=9)]
    night = [TripRequest(5000, 0, 1, 2, 23 * 3600.0, 1.2, 1500.0)]
    reqs = sorted(day1 + night + day2, key=lambda r: r.time)
    bookings, arrivals = simulate(svc, reqs, 2 * 86_400.0)
    assert bookings[5000].reason == "outside_hours"
    del bookings[5000]
    check_invariants(svc, bookings, arrivals)
    # every van is back at its depot before the second day starts, and drove again on day 2
    for v, veh in enumerate(svc.vehicles):
        pieces = [(n, t) for (vv, n, t, _l, _p) in svc.log.trace if vv == v]
        nodes = np.concatenate([n for n, _ in pieces])
        times = np.concatenate([t for _, t in pieces])
        before = times <= 86_400.0 + 7 * 3600
        assert nodes[before][-1] == veh.depot
        assert (times > 86_400.0 + 7 * 3600).any()
        assert all(stop["deadline"] >= stop["arrive"] for stop in veh.stops)
    k = drt_kpis(svc)
    assert k["vehicle_hours"] == pytest.approx(4 * 13 * 2)
    assert k["depot_km"] > 0
    assert svc.forecast(86_400.0 + 8 * 3600).sum() > 0
