"""Batch mode: the requests of a window are re-assigned together when it ends.

Requests are inserted at once when booked (so a booking is always a firm promise); at the
end of each window of ``batch_s`` seconds the riders not yet picked up are taken out and
re-inserted together, longest direct trip first, each under the promise it was given.
The joint plan replaces the first-come plan only when all fit and the total cost
(schedule end times + weight x planned drop-off arrivals) is lower.
"""

from __future__ import annotations

import math

from kaicity.services.drt.insertion import Inserter
from kaicity.services.drt.log import DRTLog
from kaicity.services.drt.schedule import Schedule
from kaicity.services.transit import TripRequest


class Batcher:
    """Collects the rides of a window and re-assigns them when it ends.

    Parameters
    ----------
    batch_s
        Window length (s).
    schedule, inserter, log
        The shared schedule, the insertion code and the records (``batch_rounds``,
        ``batch_improved``).
    delay_weight
        Weight of planned drop-off arrivals in the plan cost.
    """

    def __init__(self, batch_s: float, schedule: Schedule, inserter: Inserter, log: DRTLog,
                 delay_weight: float) -> None:
        self.batch_s = float(batch_s)
        self.schedule = schedule
        self.inserter = inserter
        self.log = log
        self.delay_weight = float(delay_weight)
        self.pending: list[int] = []
        self.end = -math.inf

    def add(self, rid: int, time: float) -> None:
        """Ride ``rid`` was booked at ``time``; the first ride of a window opens it."""
        if not self.pending:
            self.end = time + self.batch_s
        self.pending.append(rid)

    def due(self, now: float) -> bool:
        """True when a window with rides in it has ended by ``now``."""
        return bool(self.pending) and now >= self.end

    def flush(self) -> None:
        """Re-assign the rides of the finished window together, longest direct trip first."""
        s = self.schedule
        batch, self.pending = self.pending, []
        self.log.batch_rounds += 1
        pending = [r for r in batch if math.isnan(s.rides[r].t_pickup)]
        if len(pending) < 2:
            return
        snap_before = s.snapshot(pending)
        cost_before = s.plan_cost(self.delay_weight)
        leg_time, now = self.inserter.leg_time, s.clock
        for r in pending:
            s.remove(r, lambda src, dst: leg_time(src, dst, now))
        order = sorted(pending, key=lambda r: (-s.rides[r].direct_s, r))
        ok = True
        for r in order:
            ride = s.rides[r]
            req = TripRequest(ride.trip_id, ride.resident, ride.origin, ride.destination, ride.t_request,
                              1.0, math.inf)
            plan = self.inserter.evaluate_fixed(req, ride)
            if not plan.accepted:
                ok = False
                break
            ride.vehicle = plan.vehicle
            ride.planned_pick, ride.planned_drop, ride.cost = plan.begin_p, plan.arr_d, plan.cost
            # an earlier pickup than first planned must not stretch the ride beyond max_ride later on
            ride.latest_drop = min(ride.latest_drop, plan.dep_p + ride.max_ride)
            self.inserter.insert(plan, r, ride.latest_drop)
        if ok and s.plan_cost(self.delay_weight) < cost_before - 1e-6:
            self.log.batch_improved += 1
            return
        s.restore(snap_before)
