"""DRT duty rosters (shifts, breaks), hourly drive-time factors and the riders' wait KPIs.

* Shifts: only vans on duty take requests, none serves a rider after its duty ends, the fleet
  on duty by hour follows ``fleet_by_hour`` and vehicle-hours count on-duty time.
* Speeds: drive-time factor 2 at every hour doubles direct ride times and every driven edge;
  factor 1 changes nothing (paired with the default); a mixed profile keeps every promise.
* KPIs: booking to pickup >= wait at the stop for every ride; passengers per vehicle-hour,
  rides per day and booking to pickup on a hand-made log.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_drt import check_invariants, grid_city, make_service, random_requests, simulate

from kaicity.metrics.drt import drt_kpis, drt_legs, kpis
from kaicity.services.drt import DRTService, Ride, Schedule
from kaicity.services.drt.duty import DutyRoster
from kaicity.services.drt.log import DRTLog
from kaicity.services.drt.rules import DRTRules

TOL = 1e-3
#: 6 vans: none at night, all at the peaks, half at midday, two in the evening.
SHARES = [0.0] * 6 + [1.0] * 4 + [0.5] * 6 + [1.0] * 4 + [0.34] * 4


@pytest.fixture(scope="module")
def city():
    return grid_city(n=15, spacing=250.0, speed=10.0)


def _run(city, n: int = 400, seed: int = 5, **kw) -> tuple[DRTService, dict, list]:
    svc = make_service(city, seed=0, vehicles=kw.pop("vehicles", 6), capacity=4, **kw)
    reqs = random_requests(city, n, 6 * 3600, 22 * 3600, seed=seed)
    bookings, arrivals = simulate(svc, reqs, 86_400.0)
    return svc, bookings, arrivals


# ------------------------------------------------------------------------- shifts
def test_no_rider_is_served_by_a_van_after_its_duty_ends(city):
    svc, bookings, arrivals = _run(city, fleet_by_hour=SHARES, break_after_h=2.0, break_min=15.0)
    legs = check_invariants(svc, bookings, arrivals)
    roster, stop_s = svc.roster, svc.rules.stop_s
    assert len(legs) > 100
    for ride in svc.rides:
        end = roster.duty_end(ride.vehicle, ride.t_request)
        assert math.isfinite(end), f"ride {ride.rid} was given to van {ride.vehicle} while off duty"
        assert ride.t_dropoff + stop_s <= end + TOL, f"van {ride.vehicle} serves ride {ride.rid} after its duty"
    # every stop served lies within one of its van's duty intervals
    for v, _node, begin, _kind, _rid in svc.log.stop_log:
        iv = roster.intervals[v]
        inside = (iv[:, 0] - TOL <= begin) & (begin + stop_s <= iv[:, 1] + TOL)
        assert inside.any(), f"van {v} serves a stop at {begin:.0f} s, outside its duty"
    # vans on duty only in the midday (hours 10-15) are the first three
    midday = [r for r in svc.rides if 10 * 3600 + 1800 <= r.t_request < 15 * 3600]
    assert midday and {r.vehicle for r in midday} <= {0, 1, 2}


def test_fleet_on_duty_by_hour_follows_the_roster_and_sets_vehicle_hours(city):
    svc = make_service(city, vehicles=6, capacity=4, fleet_by_hour=SHARES)
    expected = [int(math.floor(s * 6 + 0.5)) for s in SHARES]
    for h in range(24):
        svc.advance(h * 3600.0 + 1800.0)
        assert int(svc.schedule.available.sum()) == expected[h], f"hour {h}"
    svc.advance(86_400.0)
    k = drt_kpis(svc)
    assert k["vehicle_hours"] == pytest.approx(sum(expected))
    assert k["vehicles_on_duty_by_hour"] == {f"{h:02d}": expected[h] for h in range(24)}
    # breaks: 15 min after at most 2 h of duty, so fewer on-duty hours, never two hours unbroken
    roster = DutyRoster(6, 86_400.0, 0.0, SHARES, break_after_h=2.0, break_min=15.0)
    assert roster.on_duty_seconds(86_400.0) < sum(expected) * 3600.0
    for iv in roster.intervals:
        assert (iv[:, 1] - iv[:, 0] <= 2 * 3600.0 + 1e-9).all()
        assert (iv[1:, 0] - iv[:-1, 1] >= 15 * 60.0 - 1e-9).all()


def test_without_a_roster_every_van_is_always_on_duty(city):
    svc = make_service(city, vehicles=3, capacity=4, service_hours=[6, 20])
    assert svc.roster.always
    assert math.isinf(svc.roster.duty_end(0, 12 * 3600.0))
    svc.advance(3 * 3600.0)
    assert svc.schedule.available.all() and np.isinf(svc.schedule.duty_end).all()
    assert drt_kpis(svc)["vehicles_on_duty_by_hour"] is None


# ------------------------------------------------------------------------- speeds
def test_factor_one_changes_nothing_and_factor_two_doubles_direct_rides(city):
    base, b0, a0 = _run(city, n=250)
    ones, b1, a1 = _run(city, n=250, drive_time_factor_by_hour=[1.0] * 24)
    pd.testing.assert_frame_equal(drt_legs(base), drt_legs(ones))
    assert base.log.vehicle_m == ones.log.vehicle_m
    slow, b2, a2 = _run(city, n=250, drive_time_factor_by_hour=[2.0] * 24)
    direct0 = {r.trip_id: r.direct_s for r in base.rides}
    direct2 = {r.trip_id: r.direct_s for r in slow.rides}
    common = sorted(set(direct0) & set(direct2))
    assert len(common) > 50
    assert np.allclose([direct2[t] for t in common], [2.0 * direct0[t] for t in common])
    # every edge driven with riders takes twice its graph time; promises still hold
    g = city.drive
    tails = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    edge = {(int(a), int(b)): float(w) for a, b, w in zip(tails, g.indices, g.weights, strict=True)}
    for _v, nodes, times, _load, _purpose in slow.log.trace:
        for a, b, ta, tb in zip(nodes[:-1].tolist(), nodes[1:].tolist(), times[:-1].tolist(), times[1:].tolist(),
                                strict=True):
            assert tb - ta == pytest.approx(2.0 * edge[(a, b)], abs=1e-6)
    _check_promises(slow, b2)
    assert drt_kpis(slow)["in_vehicle_min"]["mean"] > drt_kpis(base)["in_vehicle_min"]["mean"]


def test_a_peak_profile_keeps_every_promise(city):
    peaks = [1.0] * 24
    for h in (7, 8, 9, 17, 18, 19):
        peaks[h] = 1.5
    svc, bookings, _arrivals = _run(city, n=300, drive_time_factor_by_hour=peaks,
                                    rebalancing={"enabled": True, "interval_min": 15, "window_min": 60})
    _check_promises(svc, bookings)
    at_peak = [r for r in svc.rides if 8 * 3600 <= r.ready < 9 * 3600]
    assert at_peak and all(r.direct_s >= 1.5 * 25.0 - 1e-9 for r in at_peak)   # one 250 m block at 10 m/s


def _check_promises(svc: DRTService, bookings: dict) -> None:
    legs = drt_legs(svc)
    done = legs[legs["status"] == "done"]
    assert len(done) == len(legs) > 50
    assert (done["wait_s"] <= svc.rules.max_wait_s + TOL).all()
    assert (done["t_pickup"] <= done["latest_pickup"] + TOL).all()
    assert (done["ride_s"] <= done["max_ride_s"] + TOL).all()
    assert (done["t_dropoff"] <= done["latest_dropoff"] + TOL).all()
    for row in done.itertuples():
        assert row.t_arrive <= bookings[row.trip_id].arrive_time + TOL


# --------------------------------------------------------------------------- KPIs
def test_booking_to_pickup_is_never_shorter_than_the_wait_at_the_stop(city):
    svc, _b, _a = _run(city, n=250, mode="virtual_stops", virtual_stop_spacing_m=600.0)
    legs = drt_legs(svc)
    picked = legs[legs["t_pickup"].notna()]
    assert len(picked) > 50
    b2p = picked["t_pickup"] - picked["t_request"]
    assert (b2p >= picked["wait_s"] - 1e-9).all()
    assert (b2p > picked["wait_s"]).mean() > 0.5   # most riders walk to their stop
    k = drt_kpis(svc)
    assert k["booking_to_pickup_min"]["mean"] == pytest.approx(b2p.mean() / 60.0)
    assert k["booking_to_pickup_min"]["mean"] > k["wait_min"]["mean"]


def _ride(rid: int, t_request: float, ready: float, t_pickup: float, t_dropoff: float) -> Ride:
    return Ride(rid=rid, trip_id=rid, resident=rid, vehicle=0, origin=0, destination=1, pickup=0, dropoff=1,
                t_request=t_request, ready=ready, latest_pick=ready + 900.0, latest_drop=math.inf,
                max_ride=math.inf, direct_s=300.0, walk_in_s=ready - t_request, walk_out_s=60.0,
                planned_pick=t_pickup, planned_drop=t_dropoff, t_pickup=t_pickup, t_dropoff=t_dropoff, cost=0.0)


def test_passengers_per_vehicle_hour_and_waits_on_a_hand_made_log():
    rules = DRTRules(n_vehicles=2, seats=4, hours=(6.0, 18.0), max_wait_s=900.0, alpha=1.5, beta_s=600.0,
                     max_detour_s=1800.0, stop_s=30.0, delay_weight=1.0, batch_s=0.0, door_to_door=False)
    s = Schedule(np.zeros(2, dtype=np.int32), 4, 30.0)
    h = 3600.0
    s.rides = [_ride(0, 7 * h, 7 * h + 300, 7 * h + 600, 7 * h + 1200),       # walk 5 min, wait 5 min
               _ride(1, 8 * h, 8 * h + 120, 8 * h + 120, 8 * h + 900),        # walk 2 min, no wait
               _ride(2, 17 * h, 17 * h + 60, 17 * h + 360, math.nan),         # on board at the end
               _ride(3, 17 * h + 1800, 17 * h + 1900, math.nan, math.nan)]    # not picked up yet
    s.clock = 24 * h
    log = DRTLog()
    log.trips.update({0: "booked", 1: "booked", 2: "booked", 3: "booked", 4: "capacity"})
    k = kpis(s, log, rules, stops=10, stop_spacing_m=400.0, population_scale=10.0)
    assert k["vehicle_hours"] == pytest.approx(2 * 12)
    assert k["passengers_per_vehicle_hour"] == pytest.approx(3 / 24)       # 3 boardings
    assert k["rides_per_day"] == pytest.approx(4 * 10.0)
    assert k["rides_per_day_simulated"] == pytest.approx(4.0)
    assert k["rejection_rate"] == pytest.approx(1 / 5)
    assert k["booking_to_pickup_min"]["mean"] == pytest.approx((10 + 2 + 6) / 3)
    assert k["booking_to_pickup_min"]["median"] == pytest.approx(6.0)
    assert k["wait_min"]["mean"] == pytest.approx((5 + 0 + 5) / 3)
    # with a roster: 2 vans 06-12, 1 van 12-18 -> 18 on-duty vehicle-hours
    roster = DutyRoster(2, 86_400.0, 0.0, [0.0] * 6 + [1.0] * 6 + [0.5] * 6 + [0.0] * 6)
    k = kpis(s, log, rules, stops=10, stop_spacing_m=400.0, roster=roster)
    assert k["vehicle_hours"] == pytest.approx(18.0)
    assert k["passengers_per_vehicle_hour"] == pytest.approx(3 / 18)
