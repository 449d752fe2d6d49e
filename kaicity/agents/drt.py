"""DRT vehicles as Mesa agents: they drive their schedule of stops along real shortest paths.

The dispatcher (:class:`kaicity.services.dispatch.DRTService`) owns the rules: which
request goes into which schedule, where idle vehicles rebalance to.  It also keeps every
vehicle's schedule in numpy arrays (one row per vehicle) so the insertion kernel can read
all of them at once.  A :class:`DRTVehicle` is the behaviour: it drives the drive-graph
path to its next stop at the graph's edge times, waits for a rider who is not there yet,
spends ``stop_s`` seconds boarding or alighting at each stop, and tells the dispatcher
what happened (stops served, metres driven, where it can next change course).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import mesa
import numpy as np

from kaicity.errors import SimulationError

#: Purposes of a leg: to the next stop of the schedule, rebalancing, back to the depot.
STOP, RELOCATE, DEPOT = 0, 1, 2


@dataclass
class Leg:
    """A drive along a path of the drive graph.

    Attributes
    ----------
    nodes : ndarray of int32
        Drive nodes in order, first to last.
    times : ndarray of float64
        Absolute time (s) at each node.
    cum_m : ndarray of float64
        Metres from the first node to each node.
    purpose : int
        :data:`STOP`, :data:`RELOCATE` or :data:`DEPOT`.
    pos : int
        Index of the last node reached.
    """

    nodes: np.ndarray
    times: np.ndarray
    cum_m: np.ndarray
    purpose: int
    pos: int = 0
    tlist: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tlist = self.times.tolist()

    @property
    def end_time(self) -> float:
        """Time the last node is reached."""
        return self.tlist[-1]


class DRTVehicle(mesa.Agent):
    """One demand-responsive van.

    Parameters
    ----------
    model
        The Mesa model the agent belongs to.
    fleet
        The dispatcher; it holds this vehicle's schedule row and is told about stops and
        distance driven (it must provide ``n_stops``, ``stop_node``, ``stop_earliest``,
        ``stop_s``, ``set_start``, ``serve_stop``, ``record_drive`` and ``route``).
    index
        Row of this vehicle in the dispatcher's arrays.
    depot
        Drive node where the vehicle starts and returns to outside service hours.
    capacity
        Seats (default 11, as Sejong Shucle's vans).
    service_hours
        ``(open, close)`` clock hours in which it takes requests.

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

    def __init__(self, model: mesa.Model, fleet, index: int, depot: int, capacity: int = 11,
                 service_hours: tuple[float, float] = (6.0, 24.0)) -> None:
        super().__init__(model)
        self.fleet = fleet
        self.index = int(index)
        self.depot = int(depot)
        self.capacity = int(capacity)
        self.service_hours = (float(service_hours[0]), float(service_hours[1]))
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
        return self.leg is None and self.fleet.n_stops[self.index] == 0

    @property
    def relocating(self) -> bool:
        """True while driving an empty rebalancing or depot leg."""
        return self.leg is not None and self.leg.purpose != STOP

    @property
    def schedule(self) -> list[dict]:
        """The stops still to serve, in order: node, ``"pickup"``/``"dropoff"``, ride id, planned
        arrival and deadline (s)."""
        f, v = self.fleet, self.index
        kinds = ("pickup", "dropoff")
        return [{"node": int(f.stop_node[v, m]), "kind": kinds[int(f.stop_kind[v, m])],
                 "ride": int(f.stop_ride[v, m]), "arrive": float(f.stop_arr[v, m]),
                 "deadline": float(f.stop_latest[v, m])} for m in range(int(f.n_stops[v]))]

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
        fleet = self.fleet
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
                fleet.set_start(v, int(leg.nodes[k + 1]), leg.tlist[k + 1],
                                leg.end_time - leg.tlist[k + 1] if leg.purpose == STOP else None)
                return
            if fleet.n_stops[v] > 0:
                node0 = int(fleet.stop_node[v, 0])
                if node0 == self.node:
                    begin = max(self.t_free, float(fleet.stop_earliest[v, 0]))
                    if begin > now:   # early: wait for the rider (the dispatcher may still divert us)
                        self.t_free = max(self.t_free, now)
                        fleet.set_start(v, self.node, self.t_free, 0.0)
                        return
                    fleet.serve_stop(v, begin)
                    self.t_free = begin + fleet.stop_s
                    continue
                if self.t_free > now:   # boarding/alighting still in progress
                    fleet.set_start(v, self.node, self.t_free, None)
                    return
                self.leg = self._make_leg(self.node, node0, self.t_free, STOP)
                continue
            self.t_free = max(self.t_free, now)
            fleet.set_start(v, self.node, self.t_free, None)
            return

    def replan(self) -> None:
        """The first stop changed: keep driving to the diversion node, then head for the new stop.

        Called by the dispatcher right after an insertion before the current first stop.
        """
        leg = self.leg
        if leg is None:
            return   # at a node: the next drive_until leaves for the new first stop
        fleet = self.fleet
        k = leg.pos + 1 if leg.pos + 1 < len(leg.tlist) else leg.pos
        div_node, div_time = int(leg.nodes[k]), leg.tlist[k]
        head = slice(0, k + 1)
        if fleet.n_stops[self.index] == 0:   # nothing left to serve: stop at the diversion node
            self.leg = Leg(leg.nodes[head], leg.times[head], leg.cum_m[head], RELOCATE, leg.pos)
            fleet.set_start(self.index, div_node, div_time, None)
            return
        target = int(fleet.stop_node[self.index, 0])
        if div_node == target:
            nodes, times, cum = leg.nodes[head], leg.times[head], leg.cum_m[head]
        else:
            rest = self._make_leg(div_node, target, div_time, STOP)
            nodes = np.concatenate([leg.nodes[head], rest.nodes[1:]])
            times = np.concatenate([leg.times[head], rest.times[1:]])
            cum = np.concatenate([leg.cum_m[head], leg.cum_m[k] + rest.cum_m[1:]])
        new = Leg(nodes, times, cum, STOP, leg.pos)
        self.leg = new
        fleet.set_start(self.index, div_node, div_time, new.end_time - div_time)

    def head_to(self, target: int, now: float, purpose: int) -> None:
        """Start an empty drive (rebalancing or back to the depot) to ``target`` at ``now``."""
        start = max(self.t_free, now)
        if self.leg is not None or target == self.node:
            return
        try:
            leg = self._make_leg(self.node, int(target), start, purpose)
        except SimulationError:   # the target cannot be reached from here (one-way pocket): stay
            return
        self.leg = leg
        # committed to the first edge: the next place to change course is its head
        self.fleet.set_start(self.index, int(leg.nodes[1]), leg.tlist[1], None)

    # ---------------------------------------------------------------- helpers
    def _make_leg(self, source: int, target: int, t0: float, purpose: int) -> Leg:
        nodes, cum_t, cum_m = self.fleet.route(source, target)
        return Leg(nodes, t0 + cum_t, cum_m, purpose)

    def _traverse(self, leg: Leg, k: int) -> None:
        """Account for driving from node ``leg.pos`` to node ``k`` of ``leg``."""
        i = leg.pos
        self.fleet.record_drive(self.index, leg, i, k, self.load)
        leg.pos = k
