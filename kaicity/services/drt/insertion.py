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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kaicity import dispatch_kernel as kernel
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
    """

    def __init__(self, schedule: Schedule, travel: TravelTimes, area: ServiceArea, rules: DRTRules,
                 log: DRTLog) -> None:
        self.schedule = schedule
        self.travel = travel
        self.area = area
        self.rules = rules
        self.log = log
        self._succ = np.empty(0, dtype=np.int32)
        self._after = np.empty(0, dtype=np.int32)
        self._out_i = np.zeros(4, dtype=np.int64)
        self._out_f = np.zeros(4, dtype=np.float64)

    # ------------------------------------------------------------ evaluation
    def evaluate(self, req: TripRequest) -> Plan:
        """The cheapest feasible insertion of ``req`` now, or the reason there is none."""
        rules = self.rules
        t0 = max(float(req.time), self.schedule.clock)
        if not rules.in_hours(t0):
            return Plan(req, "outside_hours")
        if not self.area.serves(req.origin):
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
        p, d = plan.p, plan.d
        to_p = tr.cached_row(p, True)
        if to_p is None:
            to_p = tr.bounded_to(p, max(plan.latest_pick - s.clock, 0.0))
        size = s.n_vehicles * (s.slots + 1)
        if len(self._succ) < size:
            self._succ, self._after = np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int32)
            self._succ_lim, self._after_info = np.empty(size), np.empty((size, 4))
        ns, na, flags = kernel.insertion_targets(s, to_p, plan.ready, plan.latest_pick, stop_s, EPS, self._succ,
                                                 self._succ_lim, self._after, self._after_info)
        if not flags & kernel.FLAG_CAP_OK:
            plan.reason = "capacity" if flags & kernel.FLAG_TIME_OK else "no_vehicle_within_max_wait"
            return None
        from_p = tr.cached_row(p, False)
        to_d = tr.cached_row(d, True)
        from_d = tr.cached_row(d, False)
        if from_p is not None:
            direct = float(from_p[d])
        else:
            direct = float(to_d[p]) if to_d is not None else math.nan
            targets = self._succ[:ns]
            limits = self._succ_lim[:ns] + EPS
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
        plan.direct_s = direct
        if not math.isfinite(direct):
            plan.reason = "unreachable"
            return None
        plan.max_ride = self.rules.max_ride_s(direct)
        after = self._after[:na]
        info = self._after_info[:na]
        if to_d is None:   # stop -> drop-off: within the rider's max ride and the next stop's slack
            limits = np.minimum(plan.latest_pick + stop_s + plan.max_ride - info[:, 2], info[:, 3]) + EPS
            tr.search(d, after, limits, True, tr.to_d)
            to_d = tr.to_d
        if from_d is None:   # drop-off -> next stop: arrive within that stop's slack
            limits = info[:, 0] - np.maximum(plan.ready + 2.0 * stop_s + direct, info[:, 1] + stop_s) + EPS
            tr.search(d, after, limits, False, tr.from_d)
            from_d = tr.from_d
        return to_p, from_p, to_d, from_d

    def _kernel(self, plan: Plan, rows: tuple, latest_drop: float) -> None:
        """Run the insertion kernel for ``plan`` and store the best insertion or the reason."""
        s, rules = self.schedule, self.rules
        to_p, from_p, to_d, from_d = rows
        oi, of = self._out_i, self._out_f
        self.log.evaluations += kernel.best_insertion(
            s, rows, plan.p, plan.d, plan.ready, plan.latest_pick, latest_drop, plan.max_ride, rules.stop_s,
            rules.delay_weight, EPS, of, oi)
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
        # the four new legs, read now: the scratch rows are cleaned after the evaluation
        K = int(s.n_stops[v])
        node_i = int(s.start_node[v]) if i == 0 else int(s.stop_node[v, i - 1])
        node_j = int(s.start_node[v]) if j == 0 else int(s.stop_node[v, j - 1])
        after_pick = float(from_p[int(s.stop_node[v, i])]) if (j > i and i < K) else math.nan
        to_drop = float(to_d[node_j]) if j > i else plan.direct_s
        after_drop = float(from_d[int(s.stop_node[v, j])]) if j < K else math.nan
        plan.legs = (float(to_p[node_i]), after_pick, to_drop, after_drop)

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
                             (plan.latest_pick, latest_drop), plan.legs, plan.direct_s)
