"""Insertion of a request into the vehicle schedules (MATSim's insertion heuristic).

A request is inserted where it costs least: added vehicle time plus ``delay_weight`` times
added passenger delay, over every vehicle and every pair of pickup/drop-off positions
(:func:`kaicity.dispatch_kernel.best_insertion`).  Hard constraints: the pickup starts
within ``max_wait`` of the rider being ready at the stop; the ride (drop-off arrival minus
pickup departure) is at most ``min(direct + max_detour, alpha * direct + beta)``; seats;
service hours; and every rider already accepted keeps the promise made to them (latest
pickup, latest drop-off arrival).  Travel times are exact: a reverse search from the
pickup bounded by the latest pickup filters vehicles; searches from the pickup and to and
from the drop-off then only reach the stops of the remaining vehicles, each within the
slack of its schedule (:class:`~kaicity.services.drt.travel.TravelTimes`).

Time of day: the searches give free-flow times (the graph's); a new leg takes the drive-time
multiplier of the clock hour it starts in (:class:`~kaicity.services.drt.duty.HourFactors`),
and the rider's direct time (for the max-ride rule) that of the hour they are ready.  Search
bounds are divided by the smallest multiplier so they stay admissible.  Shifts: only vans on
duty take requests, and none takes an insertion that would end its schedule after its duty
ends (:class:`~kaicity.services.drt.duty.DutyRoster`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kaicity import dispatch_kernel as kernel
from kaicity.services.drt.duty import DutyRoster, HourFactors
from kaicity.services.drt.log import DRTLog
from kaicity.services.drt.rules import DRTRules
from kaicity.services.drt.schedule import Ride, Schedule
from kaicity.services.drt.stops import ServiceArea
from kaicity.services.drt.travel import TravelTimes
from kaicity.services.transit import Booking, TripRequest

#: Slack (s) on deadline checks, for float64 round-off between forward and reverse searches.
EPS = 1e-6


@dataclass
class Plan:
    """Outcome of evaluating a request: the best insertion, or why there is none.

    ``legs`` are the drive times of the new legs: to the pickup, from it to the next stop,
    to the drop-off and from it to the next stop (NaN where there is no such leg).
    """

    request: TripRequest
    reason: str | None
    p: int = -1
    d: int = -1
    walk_in_s: float = 0.0
    walk_out_s: float = 0.0
    ready: float = math.nan
    latest_pick: float = math.nan
    max_ride: float = math.nan
    direct_s: float = math.nan
    vehicle: int = -1
    i: int = -1
    j: int = -1
    cost: float = math.inf
    begin_p: float = math.nan
    dep_p: float = math.nan
    arr_d: float = math.nan
    legs: tuple | None = None

    @property
    def accepted(self) -> bool:
        """True when a feasible insertion was found."""
        return self.reason is None

    def booking(self, stop_s: float, latest_drop: float | None = None) -> Booking:
        """The offer this plan makes to the rider (or the rejection)."""
        if not self.accepted:
            return Booking(False, "drt", reason=self.reason)
        latest = self.dep_p + self.max_ride if latest_drop is None else latest_drop
        return Booking(True, "drt", arrive_time=latest + stop_s + self.walk_out_s,
                       wait_s=self.begin_p - self.ready, in_vehicle_s=self.arr_d + stop_s - self.begin_p,
                       walk_s=self.walk_in_s + self.walk_out_s, reason=None, vehicle=self.vehicle)


class Inserter:
    """Evaluates requests against the shared schedule and commits the chosen insertions.

    Parameters
    ----------
    schedule, travel, area, rules, log
        The shared schedule state, travel times, service area, dispatch rules and records.
    factors
        Drive-time multipliers by clock hour (default: none).
    roster
        When each van is on duty (default: always).
    """

    def __init__(self, schedule: Schedule, travel: TravelTimes, area: ServiceArea, rules: DRTRules,
                 log: DRTLog, factors: HourFactors | None = None, roster: DutyRoster | None = None) -> None:
        self.schedule = schedule
        self.travel = travel
        self.area = area
        self.rules = rules
        self.log = log
        self.factors = factors if factors is not None else HourFactors(None, rules.start_hour)
        self.roster = roster
        self._succ = np.empty(0, dtype=np.int32)
        self._after = np.empty(0, dtype=np.int32)
        self._out_i = np.zeros(4, dtype=np.int64)
        self._out_f = np.zeros(8, dtype=np.float64)

    # ------------------------------------------------------------ evaluation
    def evaluate(self, req: TripRequest) -> Plan:
        """The cheapest feasible insertion of ``req`` now, or the reason there is none."""
        rules = self.rules
        t0 = max(float(req.time), self.schedule.clock)
        if not rules.in_hours(t0):
            return Plan(req, "outside_hours")
        if self.roster is not None:
            self.roster.update(self.schedule, t0)
        if not (self.area.serves(req.origin) or self.area.serves(req.destination)):  # to or from the area
            return Plan(req, "outside_zone")
        reason, p, d, walk_in, walk_out = self.area.access(req)
        if reason is not None:
            return Plan(req, reason)
        if p == d:
            return Plan(req, "same_stop", p, d, walk_in, walk_out)
        ready = t0 + walk_in
        plan = Plan(req, None, p, d, walk_in, walk_out, ready, ready + rules.max_wait_s)
        return self._run(plan, math.inf)

    def evaluate_fixed(self, req: TripRequest, ride: Ride) -> Plan:
        """Evaluate a booked ride again under the promise it was given (reason ``"batch"`` when none fits)."""
        if self.roster is not None:
            self.roster.update(self.schedule, self.schedule.clock)
        plan = Plan(req, None, ride.pickup, ride.dropoff, ride.walk_in_s, ride.walk_out_s, ride.ready,
                    ride.latest_pick)
        plan = self._run(plan, ride.latest_drop, max_ride=ride.max_ride)
        if plan.reason is not None:
            plan.reason = "batch"
        return plan

    def _run(self, plan: Plan, latest_drop: float, max_ride: float | None = None) -> Plan:
        try:
            rows = self._gather(plan)
            if rows is not None:
                if max_ride is not None:
                    plan.max_ride = max_ride
                self._kernel(plan, rows, latest_drop)
        finally:
            self.travel.clean()
        return plan

    def _gather(self, plan: Plan) -> tuple | None:
        """Travel-time rows for the insertion kernel, or None with ``plan.reason`` set.

        The reverse search from the pickup, bounded by the latest pickup, filters vehicles
        and positions (:func:`kaicity.dispatch_kernel.insertion_targets`); the other three
        searches then only have to reach the stops of the vehicles that remain, each within
        the slack of the schedule it belongs to.  Busy nodes use cached full rows instead.
        """
        s, tr, stop_s = self.schedule, self.travel, self.rules.stop_s
        low = self.factors.low   # free-flow bound = real bound / low
        p, d = plan.p, plan.d
        to_p = tr.cached_row(p, True)
        if to_p is None:
            to_p = tr.bounded_to(p, max(plan.latest_pick - s.clock, 0.0) / low)
        size = s.n_vehicles * (s.slots + 1)
        if len(self._after) < size:   # the pickup search may add the drop-off to the stops: one more
            self._succ, self._after = np.empty(size + 1, dtype=np.int32), np.empty(size, dtype=np.int32)
            self._succ_lim, self._after_info = np.empty(size + 1), np.empty((size, 4))
            self._to_lim, self._from_lim = np.empty(size), np.empty(size)
        ns, na, flags = kernel.insertion_targets(s, to_p, plan.ready, plan.latest_pick, stop_s, EPS, self._succ,
                                                 self._succ_lim, self._after, self._after_info, low)
        if not flags & kernel.FLAG_CAP_OK:
            plan.reason = "capacity" if flags & kernel.FLAG_TIME_OK else "no_vehicle_within_max_wait"
            return None
        from_p = tr.cached_row(p, False)
        to_d = tr.cached_row(d, True)
        from_d = tr.cached_row(d, False)
        if from_p is not None:
            direct = float(from_p[d])
        else:
            direct = self._search_from_pickup(plan, ns, to_d, low)
            from_p = tr.from_p
        if not math.isfinite(direct):
            plan.direct_s = direct
            plan.reason = "unreachable"
            return None
        plan.direct_s = direct * self.factors.at(plan.ready)
        plan.max_ride = self.rules.max_ride_s(plan.direct_s)
        if to_d is None or from_d is None:
            after = self._after[:na]
            # stop -> drop-off: within the rider's max ride and the next stop's slack; drop-off -> next
            # stop: arrive within that stop's slack
            kernel.drop_limits(self._after_info, na, plan.latest_pick + stop_s + plan.max_ride,
                               plan.ready + 2.0 * stop_s + direct * low, stop_s, low, EPS, self._to_lim,
                               self._from_lim)
            if to_d is None:
                tr.search(d, after, self._to_lim[:na], True, tr.to_d)
                to_d = tr.to_d
            if from_d is None:
                tr.search(d, after, self._from_lim[:na], False, tr.from_d)
                from_d = tr.from_d
        return to_p, from_p, to_d, from_d

    def _search_from_pickup(self, plan: Plan, ns: int, to_d: np.ndarray | None, low: float) -> float:
        """Search from the pickup to the ``ns`` stops after open positions (and the drop-off when
        ``to_d`` does not give the direct time); returns the free-flow direct time."""
        tr, d = self.travel, plan.d
        direct = float(to_d[plan.p]) if to_d is not None else math.nan
        n = ns
        limits = self._succ_lim
        np.divide(limits[:ns], low, out=limits[:ns])
        limits[:ns] += EPS
        if math.isnan(direct):   # the drop-off too, without a bound
            self._succ[ns] = d
            limits[ns] = math.inf
            n += 1
        vals = tr.search(plan.p, self._succ[:n], limits[:n], False, tr.from_p)
        if math.isnan(direct):
            return float(vals[n - 1])
        tr.from_p[d] = direct
        tr.mark(tr.from_p, np.array([d], dtype=np.int32))
        return direct

    def _kernel(self, plan: Plan, rows: tuple, latest_drop: float) -> None:
        """Run the insertion kernel for ``plan`` and store the best insertion or the reason."""
        s, rules = self.schedule, self.rules
        oi, of = self._out_i, self._out_f
        self.log.evaluations += kernel.best_insertion(
            s, rows, plan.p, plan.d, plan.ready, plan.latest_pick, latest_drop, plan.max_ride, rules.stop_s,
            rules.delay_weight, EPS, of, oi, self.factors.values, self.factors.start_hour)
        flags = int(oi[3])
        if oi[0] < 0:
            if flags & kernel.FLAG_CAP_OK:
                plan.reason = "detour_of_others"
            elif flags & kernel.FLAG_TIME_OK:
                plan.reason = "capacity"
            else:
                plan.reason = "no_vehicle_within_max_wait"
            return
        v, i, j = int(oi[0]), int(oi[1]), int(oi[2])
        plan.vehicle, plan.i, plan.j = v, i, j
        plan.cost, plan.begin_p, plan.dep_p, plan.arr_d = float(of[0]), float(of[1]), float(of[2]), float(of[3])
        # the four new legs as the kernel timed them (NaN where there is none)
        plan.legs = (float(of[4]), float(of[5]), float(of[6]), float(of[7]))

    # ---------------------------------------------------------------- commit
    def commit(self, plan: Plan) -> Ride:
        """Accept ``plan``: a new ride, inserted where the plan says."""
        s = self.schedule
        rid = len(s.rides)
        req = plan.request
        latest = plan.dep_p + plan.max_ride
        ride = Ride(rid=rid, trip_id=int(req.trip_id), resident=int(req.resident), vehicle=plan.vehicle,
                    origin=int(req.origin), destination=int(req.destination), pickup=plan.p, dropoff=plan.d,
                    t_request=float(req.time), ready=plan.ready, latest_pick=plan.latest_pick,
                    latest_drop=latest, max_ride=plan.max_ride, direct_s=plan.direct_s,
                    walk_in_s=plan.walk_in_s, walk_out_s=plan.walk_out_s, planned_pick=plan.begin_p,
                    planned_drop=plan.arr_d, cost=plan.cost)
        s.rides.append(ride)
        self.insert(plan, rid, latest)
        return ride

    def insert(self, plan: Plan, rid: int, latest_drop: float) -> None:
        """Put ride ``rid`` into vehicle ``plan.vehicle``'s schedule at positions ``(plan.i, plan.j)``."""
        self.schedule.insert(plan.vehicle, plan.i, plan.j, rid, (plan.p, plan.d), plan.ready,
                             (plan.latest_pick, latest_drop), plan.legs, plan.legs[2])

    def leg_time(self, src: int, dst: int, t: float) -> float:
        """Drive time ``src -> dst`` for a leg starting at ``t`` (free-flow time x the hour's multiplier)."""
        return float(self.travel.row(dst, True)[src]) * self.factors.at(t)
