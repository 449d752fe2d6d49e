"""DRT dispatch moved from Python into Cython (issue 17): the same plans as the Python it replaced.

The Python code that :mod:`kaicity._core._schedule` and the Cython search helpers replaced
(``Schedule.insert``/``retime``, ``Inserter._gather``, ``TravelTimes.search``/``clean``) is
kept here as the reference.  A day of random door-to-door requests is dispatched twice, once
by the shipped code and once with the reference patched in, and every booking, every ride's
vehicle, pickup and drop-off times and every vehicle's stop order must be identical.
"""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

from kaicity import dispatch_kernel as kernel
from kaicity.errors import SimulationError
from kaicity.network import load_city
from kaicity.scenario import DrtSection
from kaicity.services.drt import DRTService
from kaicity.services.drt.insertion import EPS
from kaicity.services.drt.schedule import DROPOFF, PICKUP, Schedule
from kaicity.services.transit import TripRequest


# ------------------------------------------------------------------- the Python reference
class ReferenceSchedule(Schedule):
    """:class:`Schedule` with the Python ``insert`` and ``retime`` of before the Cython kernel."""

    def insert(self, v, i, j, rid, nodes, earliest, latest, legs, direct_s):
        K = int(self.n_stops[v])
        if K + 2 > self.slots:
            self.alloc(max(2 * self.slots, K + 2))
        values = {
            "stop_node": nodes, "stop_kind": (PICKUP, DROPOFF), "stop_leg": (0.0, 0.0), "stop_arr": (0.0, 0.0),
            "stop_dep": (0.0, 0.0), "stop_earliest": (earliest, -np.inf), "stop_latest": latest,
            "stop_slack": (0.0, 0.0), "stop_load": (0, 0), "stop_ride": (rid, rid),
        }
        for name, (a, b) in values.items():
            row = getattr(self, name)[v]
            row[j + 2:K + 2] = row[j:K]
            row[i + 1:j + 1] = row[i:j]
            row[i] = a
            row[j + 1] = b
        to_pick, after_pick, to_drop, after_drop = legs
        leg = self.stop_leg
        leg[v, i] = to_pick
        if j == i:
            leg[v, i + 1] = direct_s
            if i + 2 < K + 2:
                leg[v, i + 2] = after_drop
        else:
            leg[v, i + 1] = after_pick
            leg[v, j + 1] = to_drop
            if j + 2 < K + 2:
                leg[v, j + 2] = after_drop
        self.n_stops[v] = K + 2
        self.retime(v, check=True)
        if i == 0:
            self.vans[v].replan()
        self.version += 1

    def retime(self, v, check=False):
        K = int(self.n_stops[v])
        t = float(self.start_time[v])
        load = int(self.start_load[v])
        legs = self.stop_leg[v, :K].tolist()
        kinds = self.stop_kind[v, :K].tolist()
        earliest = self.stop_earliest[v, :K].tolist()
        arr, dep, begins = np.empty(K), np.empty(K), np.empty(K)
        loads = np.empty(K, dtype=np.int32)
        for m in range(K):
            a = t + legs[m]
            if kinds[m] == PICKUP:
                b = a if a > earliest[m] else earliest[m]
                load += 1
            else:
                b = a
                load -= 1
            arr[m], begins[m] = a, b
            t = b + self.stop_s
            dep[m], loads[m] = t, load
        self.stop_arr[v, :K], self.stop_dep[v, :K], self.stop_load[v, :K] = arr, dep, loads
        latest = self.stop_latest[v, :K].tolist()
        slack = np.empty(K)
        after = math.inf
        for m in range(K - 1, -1, -1):
            if kinds[m] == PICKUP:
                after = (begins[m] - arr[m]) + min(latest[m] - begins[m], after)
            else:
                after = min(latest[m] - arr[m], after)
            slack[m] = after
        self.stop_slack[v, :K] = slack
        if check and K:
            late = np.where(self.stop_kind[v, :K] == PICKUP, begins, arr) > self.stop_latest[v, :K] + 1e-3
            if late.any() or loads.max() > self.capacity[v] or loads.min() < 0:
                raise SimulationError("breaks a promise")


def reference_gather(self, plan):
    """``Inserter._gather`` as it was in Python (numpy bounds, np.append, a new array per search)."""
    s, tr, stop_s = self.schedule, self.travel, self.rules.stop_s
    low = self.factors.low
    p, d = plan.p, plan.d
    to_p = tr.cached_row(p, True)
    if to_p is None:
        to_p = tr.bounded_to(p, max(plan.latest_pick - s.clock, 0.0) / low)
    size = s.n_vehicles * (s.slots + 1)
    if len(self._ref_succ) < size:
        self._ref_succ, self._ref_after = np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int32)
        self._ref_succ_lim, self._ref_after_info = np.empty(size), np.empty((size, 4))
    ns, na, flags = kernel.insertion_targets(s, to_p, plan.ready, plan.latest_pick, stop_s, EPS, self._ref_succ,
                                             self._ref_succ_lim, self._ref_after, self._ref_after_info, low)
    if not flags & kernel.FLAG_CAP_OK:
        plan.reason = "capacity" if flags & kernel.FLAG_TIME_OK else "no_vehicle_within_max_wait"
        return None
    from_p, to_d, from_d = tr.cached_row(p, False), tr.cached_row(d, True), tr.cached_row(d, False)
    if from_p is not None:
        direct = float(from_p[d])
    else:
        direct = float(to_d[p]) if to_d is not None else math.nan
        targets = self._ref_succ[:ns]
        limits = self._ref_succ_lim[:ns] / low + EPS
        if math.isnan(direct):
            targets = np.append(targets, np.int32(d))
            limits = np.append(limits, np.inf)
        vals = tr.search(p, targets, limits, False, tr.from_p)
        if math.isnan(direct):
            direct = float(vals[-1])
        else:
            tr.from_p[d] = direct
            tr.mark(tr.from_p, np.array([d], dtype=np.int32))
        from_p = tr.from_p
    if not math.isfinite(direct):
        plan.direct_s = direct
        plan.reason = "unreachable"
        return None
    plan.direct_s = direct * self.factors.at(plan.ready)
    plan.max_ride = self.rules.max_ride_s(plan.direct_s)
    after, info = self._ref_after[:na], self._ref_after_info[:na]
    if to_d is None:
        limits = np.minimum(plan.latest_pick + stop_s + plan.max_ride - info[:, 2], info[:, 3]) / low + EPS
        tr.search(d, after, limits, True, tr.to_d)
        to_d = tr.to_d
    if from_d is None:
        limits = (info[:, 0] - np.maximum(plan.ready + 2.0 * stop_s + direct * low, info[:, 1] + stop_s)) / low \
            + EPS
        tr.search(d, after, limits, False, tr.from_d)
        from_d = tr.from_d
    return to_p, from_p, to_d, from_d


def reference_search(self, source, targets, limits, reverse, row):
    vals = np.empty(len(targets))
    if len(targets):
        self.searcher.targeted(source, targets, limits, reverse, vals)
        row[targets] = vals
        self._dirty.append((row, targets))
    return vals


def reference_clean(self):
    for row, nodes in self._dirty:
        row[nodes] = np.inf
    self._dirty.clear()


def use_reference(svc: DRTService) -> DRTService:
    """Patch the Python reference into one service (its schedule, inserter and travel times)."""
    svc.schedule.__class__ = ReferenceSchedule
    ins, tr = svc.inserter, svc.travel
    ins._ref_succ = np.empty(0, dtype=np.int32)
    ins._gather = types.MethodType(reference_gather, ins)
    tr.search = types.MethodType(reference_search, tr)
    tr.clean = types.MethodType(reference_clean, tr)
    return svc


# ------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def city():
    return load_city({"kind": "synthetic", "n_nodes": 800, "seed": 3})


def make_service(city, **kw) -> DRTService:
    cfg = {"enabled": True, "vehicles": 6, "capacity": 4, "service_hours": [0, 24], "max_wait_min": 15.0,
           "stop_s": 30.0, "mode": "door_to_door", "rebalancing": {"enabled": True, "interval_min": 15}}
    cfg.update(kw)
    return DRTService(city, DrtSection(**cfg), horizon_s=86_400.0, start_hour=0.0, rng=np.random.default_rng(1))


def random_requests(city, n: int, seed: int) -> list[TripRequest]:
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(6 * 3600, 14 * 3600, n))
    o, d = rng.choice(city.walk.n_nodes, n), rng.choice(city.walk.n_nodes, n)
    return [TripRequest(k, k, int(o[k]), int(d[k]), float(times[k]), 1.2, 1500.0) for k in range(n)]


def run_day(svc: DRTService, requests: list[TripRequest], quote_every: int = 3) -> dict:
    """Book every request when the clock reaches it; record bookings, stop orders and rides."""
    out = {"bookings": [], "stops": []}
    k = 0
    for tick in range(6 * 3600, 16 * 3600, 60):
        while k < len(requests) and requests[k].time < tick:
            if k % quote_every == 0:
                svc.quote(requests[k])
            b = svc.book(requests[k])
            out["bookings"].append((b.accepted, b.vehicle, b.reason, b.wait_s, b.in_vehicle_s, b.arrive_time))
            k += 1
        svc.advance(float(tick))
        if tick % 1800 == 0:
            s = svc.schedule
            out["stops"].append([s.stop_ride[v, :s.n_stops[v]].tolist() for v in range(s.n_vehicles)])
    out["rides"] = [(r.vehicle, r.pickup, r.dropoff, r.planned_pick, r.planned_drop, r.t_pickup, r.t_dropoff,
                     r.cost, r.max_ride) for r in svc.rides]
    return out


def same(a, b) -> bool:
    """Equal, NaN included (repr of floats is exact)."""
    return repr(a) == repr(b)


# --------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("kw", [
    {},
    {"vehicles": 3, "capacity": 2, "max_wait_min": 30.0},
    {"drive_time_factor_by_hour": [1.0] * 7 + [1.4, 1.5, 1.2] + [1.0] * 7 + [1.3, 1.4] + [1.0] * 5,
     "batch_s": 120.0},
])
def test_dispatch_books_exactly_what_the_python_reference_books(city, kw):
    requests = random_requests(city, 400, seed=5)
    new = run_day(make_service(city, **kw), requests)
    ref = run_day(use_reference(make_service(city, **kw)), requests)
    assert sum(b[0] for b in ref["bookings"]) > 50, "the day must book rides for the comparison to mean anything"
    assert any(len(stops) > 2 for snap in ref["stops"] for stops in snap), "and pool some of them"
    assert same(new["bookings"], ref["bookings"])
    assert same(new["rides"], ref["rides"])
    assert new["stops"] == ref["stops"]


def test_schedule_kernel_matches_the_python_insert_and_retime_on_random_insertions():
    rng = np.random.default_rng(11)
    fast, ref = Schedule(np.zeros(3, dtype=np.int32), 3, 30.0), ReferenceSchedule(np.zeros(3, dtype=np.int32), 3, 30.0)
    for s in (fast, ref):
        s.vans = [types.SimpleNamespace(replan=lambda: None) for _ in range(3)]
    inserted = 0
    for rid in range(300):
        v = int(rng.integers(3))
        K = int(fast.n_stops[v])
        i = int(rng.integers(K + 1))
        j = int(rng.integers(i, K + 1))
        legs = tuple(float(x) for x in rng.uniform(10.0, 400.0, 4))
        args = (v, i, j, rid, (int(rng.integers(100)), int(rng.integers(100))), float(rng.uniform(0, 3000)),
                (float(rng.uniform(500, 9000)), float(rng.uniform(1000, 12000))), legs, legs[2])
        outcomes = []
        for s in (fast, ref):
            try:
                s.insert(*args)
                outcomes.append(True)
            except SimulationError:
                outcomes.append(False)
        assert outcomes[0] == outcomes[1]
        inserted += outcomes[0]
        if rid % 7 == 0:   # a vehicle moves on: new start, then a plain retime
            for s in (fast, ref):
                s.start_time[v] += 45.0
                s.retime(v)
        for name in ("n_stops", "stop_node", "stop_kind", "stop_leg", "stop_arr", "stop_dep", "stop_earliest",
                     "stop_latest", "stop_slack", "stop_load", "stop_ride"):
            assert np.array_equal(getattr(fast, name), getattr(ref, name), equal_nan=name != "stop_node"
                                  and getattr(fast, name).dtype.kind == "f"), name
    assert 0 < inserted < 300, "both kept and broken promises must occur"


def test_drop_limits_match_the_numpy_bounds():
    rng = np.random.default_rng(2)
    info = rng.uniform(0.0, 5000.0, (50, 4))
    info[::7, 3] = np.inf
    info[::11, 0] = np.inf
    to_lim, from_lim = np.empty(50), np.empty(50)
    kernel.drop_limits(info, 50, 4321.5, 1234.25, 30.0, 0.8, EPS, to_lim, from_lim)
    assert np.array_equal(to_lim, np.minimum(4321.5 - info[:, 2], info[:, 3]) / 0.8 + EPS)
    assert np.array_equal(from_lim, (info[:, 0] - np.maximum(1234.25, info[:, 1] + 30.0)) / 0.8 + EPS)
