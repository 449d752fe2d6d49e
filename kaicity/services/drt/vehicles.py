"""DRT vehicles: they drive their schedule of stops along real shortest paths.

A :class:`Van` drives the drive-graph path to its next stop at the graph's edge times,
waits for a rider who is not there yet, spends ``stop_s`` seconds boarding or alighting
at each stop, and writes what happened into the shared
:class:`~kaicity.services.drt.schedule.Schedule` (stops served, where it can next change
course) and :class:`~kaicity.services.drt.log.DRTLog` (metres driven, riders on and off).
The Mesa agent ``DRTVehicle`` (``agents/drt.py``) is a view of one van.

With drive-time multipliers by hour (:class:`~kaicity.services.drt.duty.HourFactors`), a
leg to a stop of the schedule is driven in exactly the time the dispatcher planned for it
(the path's free-flow profile stretched to the planned leg time), so promises hold; an
empty leg (rebalancing, back to the depot) takes the multiplier of the hour it starts in.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Protocol

import numpy as np

from kaicity.errors import SimulationError
from kaicity.services.drt.duty import HourFactors
from kaicity.services.drt.log import DRTLog
from kaicity.services.drt.schedule import PICKUP, RELOCATE, STOP, Leg, Schedule


class Router(Protocol):
    """Shortest drive paths: nodes, cumulative seconds and cumulative metres."""

    def route(self, source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class Van:
    """One demand-responsive van.

    Parameters
    ----------
    index
        Row of this vehicle in the schedule arrays.
    depot
        Drive node where the vehicle starts and returns to outside service hours.
    capacity
        Seats.
    service_hours
        ``(open, close)`` clock hours in which it takes requests.
    schedule, log, router
        The shared schedule state, the records and the shortest-path source.
    factors
        Drive-time multipliers by clock hour (default: the graph's times).

    Attributes
    ----------
    node : int
        Last drive node reached (where it is when not driving).
    t_free : float
        Time (s) from which it is free to leave ``node`` (after boarding/alighting).
    leg : Leg or None
        The drive in progress.
    onboard : list of int
        Ride ids of the riders on board.
    """

    def __init__(self, index: int, depot: int, capacity: int, service_hours: tuple[float, float],
                 schedule: Schedule, log: DRTLog, router: Router, factors: HourFactors | None = None) -> None:
        self.index = int(index)
        self.depot = int(depot)
        self.capacity = int(capacity)
        self.service_hours = (float(service_hours[0]), float(service_hours[1]))
        self.schedule = schedule
        self.log = log
        self.router = router
        self.factors = factors if factors is not None and not factors.trivial else None
        self.node = int(depot)
        self.t_free = 0.0
        self.leg: Leg | None = None
        self.onboard: list[int] = []

    # ------------------------------------------------------------------ state
    @property
    def load(self) -> int:
        """Riders on board."""
        return len(self.onboard)

    @property
    def idle(self) -> bool:
        """True when the vehicle has no stop to serve and is not driving."""
        return self.leg is None and self.schedule.n_stops[self.index] == 0

    @property
    def relocating(self) -> bool:
        """True while driving an empty rebalancing or depot leg."""
        return self.leg is not None and self.leg.purpose != STOP

    @property
    def stops(self) -> list[dict]:
        """The stops still to serve, in order (see :meth:`Schedule.stops_of`)."""
        return self.schedule.stops_of(self.index)

    def position(self, now: float) -> tuple[int, int, float]:
        """``(u, v, f)``: between drive nodes ``u`` and ``v``, a fraction ``f`` of the edge done."""
        leg = self.leg
        if leg is None or now <= leg.tlist[0]:
            node = self.node if leg is None else int(leg.nodes[0])
            return node, node, 0.0
        k = min(bisect_right(leg.tlist, now) - 1, len(leg.tlist) - 1)
        if k >= len(leg.tlist) - 1:
            node = int(leg.nodes[-1])
            return node, node, 0.0
        t0, t1 = leg.tlist[k], leg.tlist[k + 1]
        f = 0.0 if t1 <= t0 else min(max((now - t0) / (t1 - t0), 0.0), 1.0)
        return int(leg.nodes[k]), int(leg.nodes[k + 1]), f

    # -------------------------------------------------------------- behaviour
    def drive_until(self, now: float) -> None:
        """Drive the schedule up to time ``now``: follow paths, serve stops, wait for riders."""
        s = self.schedule
        v = self.index
        while True:
            leg = self.leg
            if leg is not None:
                if leg.end_time <= now:
                    last = len(leg.tlist) - 1
                    self._traverse(leg, last)
                    self.node = int(leg.nodes[-1])
                    self.t_free = leg.end_time
                    self.leg = None
                    continue
                k = bisect_right(leg.tlist, now) - 1
                if k > leg.pos:
                    self._traverse(leg, k)
                s.set_start(v, int(leg.nodes[k + 1]), leg.tlist[k + 1],
                            leg.end_time - leg.tlist[k + 1] if leg.purpose == STOP else None)
                return
            if s.n_stops[v] > 0:
                node0 = int(s.stop_node[v, 0])
                if node0 == self.node:
                    begin = max(self.t_free, float(s.stop_earliest[v, 0]))
                    if begin > now:   # early: wait for the rider (the dispatcher may still divert us)
                        self.t_free = max(self.t_free, now)
                        s.set_start(v, self.node, self.t_free, 0.0)
                        return
                    self._serve(begin)
                    self.t_free = begin + s.stop_s
                    continue
                if self.t_free > now:   # boarding/alighting still in progress
                    s.set_start(v, self.node, self.t_free, None)
                    return
                self.leg = self._make_leg(self.node, node0, self.t_free, STOP)
                continue
            self.t_free = max(self.t_free, now)
            s.set_start(v, self.node, self.t_free, None)
            return

    def replan(self) -> None:
        """The first stop changed: keep driving to the diversion node, then head for the new stop.

        Called by the schedule right after an insertion before the current first stop.
        """
        leg = self.leg
        if leg is None:
            return   # at a node: the next drive_until leaves for the new first stop
        s = self.schedule
        k = leg.pos + 1 if leg.pos + 1 < len(leg.tlist) else leg.pos
        div_node, div_time = int(leg.nodes[k]), leg.tlist[k]
        head = slice(0, k + 1)
        if s.n_stops[self.index] == 0:   # nothing left to serve: stop at the diversion node
            self.leg = Leg(leg.nodes[head], leg.times[head], leg.cum_m[head], RELOCATE, leg.pos)
            s.set_start(self.index, div_node, div_time, None)
            return
        target = int(s.stop_node[self.index, 0])
        if div_node == target:
            nodes, times, cum = leg.nodes[head], leg.times[head], leg.cum_m[head]
        else:
            rest = self._make_leg(div_node, target, div_time, STOP)
            nodes = np.concatenate([leg.nodes[head], rest.nodes[1:]])
            times = np.concatenate([leg.times[head], rest.times[1:]])
            cum = np.concatenate([leg.cum_m[head], leg.cum_m[k] + rest.cum_m[1:]])
        new = Leg(nodes, times, cum, STOP, leg.pos)
        self.leg = new
        s.set_start(self.index, div_node, div_time, new.end_time - div_time)

    def head_to(self, target: int, now: float, purpose: int) -> None:
        """Start an empty drive (rebalancing or back to the depot) to ``target`` at ``now``.

        Nothing happens when it is driving already, is there, or cannot reach the target.
        """
        start = max(self.t_free, now)
        if self.leg is not None or target == self.node:
            return
        try:
            leg = self._make_leg(self.node, int(target), start, purpose)
        except SimulationError:   # the target cannot be reached from here (one-way pocket): stay
            return
        self.leg = leg
        # committed to the first edge: the next place to change course is its head
        self.schedule.set_start(self.index, int(leg.nodes[1]), leg.tlist[1], None)

    # ---------------------------------------------------------------- helpers
    def _serve(self, begin: float) -> None:
        """Start serving the first stop at ``begin``: board or drop off its rider."""
        s, v = self.schedule, self.index
        r = int(s.stop_ride[v, 0])
        kind = int(s.stop_kind[v, 0])
        ride = s.rides[r]
        self.log.stop_served(v, int(s.stop_node[v, 0]), begin, kind, r)
        if kind == PICKUP:
            ride.t_pickup = begin
            if self.onboard:
                ride.pooled = True
                for o in self.onboard:
                    s.rides[o].pooled = True
            self.onboard.append(r)
            self.log.boarded(ride, begin)
        else:
            ride.t_dropoff = begin
            self.onboard.remove(r)
            self.log.alighted(ride, begin, s.stop_s)
        s.pop_first(v, self.node, begin + s.stop_s, len(self.onboard))

    def _make_leg(self, source: int, target: int, t0: float, purpose: int) -> Leg:
        nodes, cum_t, cum_m = self.router.route(source, target)
        if self.factors is not None and len(cum_t) > 1 and cum_t[-1] > 0:
            cum_t = cum_t * self._stretch(cum_t[-1], t0, purpose)
        return Leg(nodes, t0 + cum_t, cum_m, purpose)

    def _stretch(self, free_s: float, t0: float, purpose: int) -> float:
        """Factor turning a leg's free-flow time ``free_s`` into its driven time.

        A leg to the next stop takes the time planned for it (``stop_leg`` of the first
        stop); an empty leg the multiplier of the hour it starts in.
        """
        factor = self.factors.at(t0)
        if purpose == STOP and self.schedule.n_stops[self.index] > 0:
            planned = float(self.schedule.stop_leg[self.index, 0])
            ratio = planned / free_s
            if 0.5 * float(self.factors.values.min()) <= ratio <= 2.0 * float(self.factors.values.max()):
                return ratio
        return factor

    def _traverse(self, leg: Leg, k: int) -> None:
        """Account for driving from node ``leg.pos`` to node ``k`` of ``leg``."""
        self.log.drove(self.index, leg, leg.pos, k, self.load)
        leg.pos = k
