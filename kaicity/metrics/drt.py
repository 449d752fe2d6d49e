"""DRT indicators (MATSim-style), the legs table and time-series reporters.

Pure functions of the records a DRT service keeps (its
:class:`~kaicity.services.drt.schedule.Schedule`, :class:`~kaicity.services.drt.log.DRTLog`
and :class:`~kaicity.services.drt.rules.DRTRules`); :func:`drt_kpis`, :func:`drt_legs` and
:func:`drt_reporters` take the service itself.  Times in the KPIs are minutes, distances
kilometres.

A wait runs from the rider being at the pickup point to the start of boarding; the ride
checked against the max-ride rule from the pickup departure to the drop-off arrival; the
in-vehicle time reported to riders from the start of boarding to the end of alighting.

Riders count their wait otherwise: *booking to pickup* runs from the request (the booking
in the app or by phone) to the start of boarding, so it holds the walk to a virtual stop
and any wait there for the van (Sejong Shucle's 14.2 min = 9.4 min walking + 4.9 min at
the stop).  It is never shorter than the wait at the stop.

Vehicle-hours are the hours vans are on duty: with a duty roster (``fleet_by_hour``, breaks
excluded) its on-duty time, else every van over the service hours.  Passengers per
vehicle-hour = boardings / vehicle-hours.  Rides per day count real rides (booked rides x
``population.scale`` / days run).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from kaicity.services.drt import DRTService
from kaicity.services.drt.duty import DutyRoster
from kaicity.services.drt.log import REASONS, DRTLog
from kaicity.services.drt.rules import DRTRules
from kaicity.services.drt.schedule import Ride, Schedule
from kaicity.services.needs import DAY_S

#: Columns of :func:`legs_frame`.
LEG_COLUMNS: tuple[str, ...] = (
    "ride", "trip_id", "resident", "vehicle", "origin", "destination", "pickup_node", "dropoff_node", "t_request",
    "t_ready", "latest_pickup", "latest_dropoff", "planned_pickup", "t_pickup", "t_dropoff", "t_arrive", "wait_s",
    "in_vehicle_s", "ride_s", "direct_s", "max_ride_s", "detour", "walk_s", "pooled", "status")


def service_seconds(rules: DRTRules, until: float) -> float:
    """Vehicle-seconds of service hours between time 0 and ``until``."""
    total = 0.0
    day0 = -rules.start_hour * 3600.0
    d = 0
    while day0 + d * DAY_S < until:
        a = day0 + d * DAY_S + rules.hours[0] * 3600.0
        b = day0 + d * DAY_S + rules.hours[1] * 3600.0
        total += max(0.0, min(b, until) - max(a, 0.0))
        d += 1
    return total * rules.n_vehicles


def vehicle_seconds(rules: DRTRules, until: float, roster: DutyRoster | None = None) -> float:
    """Vehicle-seconds on duty between time 0 and ``until``.

    With a duty roster, the sum of every van's on-duty intervals (breaks excluded); without
    one, every van over the service hours (:func:`service_seconds`).
    """
    on_duty = roster.on_duty_seconds(until) if roster is not None else None
    return service_seconds(rules, until) if on_duty is None else on_duty


def on_duty_by_hour(roster: DutyRoster | None, rules: DRTRules) -> dict[str, int] | None:
    """Vans on duty in each clock hour by the roster (before breaks); None without a roster."""
    if roster is None or roster.always:
        return None
    return {f"{h:02d}": roster.on_duty_count(h) for h in range(24)}


def booking_to_pickup_min(rides: list[Ride]) -> np.ndarray:
    """Booking to pickup of every rider picked up so far (min): request time to start of boarding.

    Holds the walk to the pickup point and the wait there (see the module docstring).
    """
    return np.array([r.t_pickup - r.t_request for r in rides if not math.isnan(r.t_pickup)]) / 60.0


def passengers_per_vehicle_hour(boardings: int, vehicle_hours: float) -> float | None:
    """Boardings per on-duty vehicle-hour (None without vehicle-hours)."""
    return _num(boardings / vehicle_hours) if vehicle_hours > 0 else None


def load_series(log: DRTLog, until: float, step_s: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Riders on board the whole fleet at times ``0, step_s, ...`` up to ``until``."""
    grid = np.arange(0.0, max(until, step_s), step_s)
    if not log.load_t:
        return grid, np.zeros(len(grid))
    t = np.asarray(log.load_t)
    order = np.argsort(t, kind="stable")
    t = t[order]
    cum = np.cumsum(np.asarray(log.load_d)[order])
    k = np.searchsorted(t, grid, side="right") - 1
    return grid, np.where(k >= 0, cum[np.maximum(k, 0)], 0).astype(float)


def occupancy_by_hour(log: DRTLog, rules: DRTRules, until: float) -> dict[str, float | None]:
    """Mean riders on board per vehicle for each clock hour of the service hours."""
    grid, load = load_series(log, until)
    hour = np.floor(((grid / 3600.0) + rules.start_hour) % 24.0).astype(int)
    out = {}
    for h in range(int(math.floor(rules.hours[0])), int(math.ceil(rules.hours[1]))):
        m = hour == h
        if m.any():
            out[f"{h:02d}"] = _num(load[m].mean() / rules.n_vehicles)
    return out


def waits_min(rides: list[Ride]) -> np.ndarray:
    """Wait of every rider picked up so far (min)."""
    return np.array([r.t_pickup - r.ready for r in rides if not math.isnan(r.t_pickup)]) / 60.0


def kpis(schedule: Schedule, log: DRTLog, rules: DRTRules, *, stops: int, stop_spacing_m: float,
         population_scale: float = 1.0, roster: DutyRoster | None = None) -> dict:
    """MATSim-style DRT indicators so far (JSON-serialisable; times in minutes, distances in km).

    Parameters
    ----------
    schedule, log, rules
        The service's schedule state, records and rules.
    stops, stop_spacing_m
        Number of virtual stops and their mean spacing (m).
    population_scale
        Real people per resident agent (scales rides per day).
    roster
        The vans' duty roster (vehicle-hours on duty), or None (every van over the service hours).

    Notes
    -----
    ``wait_min`` is the wait at the pickup point (rider ready there to boarding);
    ``booking_to_pickup_min`` the wait riders count (request to boarding, walk included).
    ``rejection_rate`` = rejected requests / requests (quotes and bookings; each trip once).
    ``rides_per_day`` = booked rides x ``population_scale`` / days (``rides_per_day_scaled``
    is the same number, ``rides_per_day_simulated`` the unscaled one).
    ``passengers_per_vehicle_hour`` = boardings / on-duty vehicle-hours (``vehicle_hours``).
    """
    rides, clock, stop_s = schedule.rides, schedule.clock, rules.stop_s
    picked = [r for r in rides if not math.isnan(r.t_pickup)]
    done = [r for r in rides if not math.isnan(r.t_dropoff)]
    wait = np.array([r.t_pickup - r.ready for r in picked]) / 60.0
    ivt = np.array([r.t_dropoff + stop_s - r.t_pickup for r in done]) / 60.0
    ride = np.array([r.t_dropoff - (r.t_pickup + stop_s) for r in done])
    direct = np.array([r.direct_s for r in done])
    detour = ride / np.maximum(direct, 1e-9)
    walk = np.array([r.walk_in_s + r.walk_out_s for r in done]) / 60.0
    status = Counter(log.trips.values())
    rejections = {reason: int(status[reason]) for reason in REASONS if status.get(reason)}
    n_rej = sum(rejections.values())
    requests = len(log.trips)
    vh = vehicle_seconds(rules, clock, roster) / 3600.0
    days = max(clock / DAY_S, 1e-9)
    return {
        "vehicles": rules.n_vehicles,
        "capacity": rules.seats,
        "mode": "door_to_door" if rules.door_to_door else "virtual_stops",
        "virtual_stops": int(stops),
        "virtual_stop_spacing_m": _num(stop_spacing_m) if not rules.door_to_door else None,
        "requests": requests,
        "booked": len(rides),
        "declined_offers": int(status.get("offered", 0)),
        "rejected": n_rej,
        "rejections": rejections,
        "rejections_at_booking": {r: int(log.book_rejections[r]) for r in REASONS if log.book_rejections[r]},
        "rejection_rate": _num(n_rej / requests) if requests else None,
        "rides_completed": len(done),
        "rides_per_day": _num(len(rides) / days * population_scale) if clock > 0 else None,
        "rides_per_day_simulated": _num(len(rides) / days) if clock > 0 else None,
        "population_scale": population_scale,
        "rides_per_day_scaled": _num(len(rides) / days * population_scale) if clock > 0 else None,
        "wait_min": _stats(wait),
        "booking_to_pickup_min": _stats(booking_to_pickup_min(picked)),
        "wait_share_under_10_min": _num((wait < 10.0).mean()) if len(wait) else None,
        "wait_share_under_15_min": _num((wait < 15.0).mean()) if len(wait) else None,
        "in_vehicle_min": _stats(ivt),
        "direct_min": _num(direct.mean() / 60.0) if len(direct) else None,
        "walk_min": _num(walk.mean()) if len(walk) else None,
        "detour_factor": _stats(detour),
        "pooled_share": _num(np.mean([r.pooled for r in picked])) if picked else None,
        "occupancy_by_hour": occupancy_by_hour(log, rules, clock),
        "mean_occupancy": _num(log.passenger_m / log.vehicle_m) if log.vehicle_m > 0 else None,
        "passengers_per_vehicle_hour": passengers_per_vehicle_hour(len(picked), vh),
        "vehicles_on_duty_by_hour": on_duty_by_hour(roster, rules),
        "vehicle_km": _num(log.vehicle_m / 1000.0),
        "empty_km": _num(log.empty_m / 1000.0),
        "rebalancing_km": _num(log.rebalance_m / 1000.0),
        "depot_km": _num(log.depot_m / 1000.0),
        "passenger_km": _num(log.passenger_m / 1000.0),
        "vehicle_hours": _num(vh),
        "driving_hours": _num(log.drive_s / 3600.0),
        "rebalancing_moves": log.rebalancing_moves,
        "batch_rounds": log.batch_rounds,
        "batch_improved": log.batch_improved,
    }


def legs_frame(rides: list[Ride], stop_s: float) -> pd.DataFrame:
    """One row per booked ride: nodes, promised and actual times (s), waits and detours (:data:`LEG_COLUMNS`)."""
    rows = []
    for r in rides:
        arrive = r.t_dropoff + stop_s + r.walk_out_s
        ride_s = r.t_dropoff - (r.t_pickup + stop_s)
        status = "done" if not math.isnan(r.t_dropoff) else ("on_board" if not math.isnan(r.t_pickup)
                                                             else "assigned")
        rows.append((r.rid, r.trip_id, r.resident, r.vehicle, r.origin, r.destination, r.pickup, r.dropoff,
                     r.t_request, r.ready, r.latest_pick, r.latest_drop, r.planned_pick, r.t_pickup,
                     r.t_dropoff, arrive, r.t_pickup - r.ready, r.t_dropoff + stop_s - r.t_pickup,
                     ride_s, r.direct_s, r.max_ride, ride_s / r.direct_s if r.direct_s > 0 else math.nan,
                     r.walk_in_s + r.walk_out_s, r.pooled, status))
    return pd.DataFrame(rows, columns=list(LEG_COLUMNS))


def timeseries_reporters(schedule: Schedule, log: DRTLog) -> dict[str, Callable]:
    """Model reporters for Mesa's DataCollector (cumulative counts and current fleet state)."""
    return {
        "drt_requests": lambda m: len(log.trips),
        "drt_booked": lambda m: len(schedule.rides),
        "drt_rejected": lambda m: log.n_rejected,
        "drt_on_board": lambda m: int(sum(len(van.onboard) for van in schedule.vans)),
        "drt_busy_vehicles": lambda m: int(np.count_nonzero(schedule.n_stops)),
        "drt_wait_mean_min": lambda m: log.wait_sum / log.n_pickups / 60.0 if log.n_pickups else np.nan,
        "drt_vehicle_km": lambda m: log.vehicle_m / 1000.0,
    }


def drt_kpis(drt: DRTService) -> dict:
    """MATSim-style DRT indicators so far (``summary.json``'s ``transit.drt``)."""
    return kpis(drt.schedule, drt.log, drt.rules, stops=len(drt.area.stops), stop_spacing_m=drt.area.stop_spacing_m,
                population_scale=drt.population_scale, roster=None if drt.roster.always else drt.roster)


def drt_legs(drt: DRTService) -> pd.DataFrame:
    """One row per booked ride (``drt_legs.csv``)."""
    return legs_frame(drt.schedule.rides, drt.rules.stop_s)


def drt_reporters(drt: DRTService) -> dict[str, Callable]:
    """Model reporters for Mesa's DataCollector (cumulative counts and current fleet state)."""
    return timeseries_reporters(drt.schedule, drt.log)


def _num(x: float) -> float | None:
    """A plain float (None for NaN/inf) for JSON."""
    x = float(x)
    return x if math.isfinite(x) else None


def _stats(values: np.ndarray) -> dict:
    """Mean, median, 95th percentile and maximum (None when empty)."""
    if not len(values):
        return {"mean": None, "median": None, "p95": None, "max": None}
    return {"mean": _num(values.mean()), "median": _num(np.median(values)),
            "p95": _num(np.percentile(values, 95)), "max": _num(values.max())}
