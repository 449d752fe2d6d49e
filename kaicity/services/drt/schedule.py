"""The one schedule state every part of the DRT service shares.

:class:`Schedule` keeps each vehicle's stops in numpy arrays (one row per vehicle, see
:data:`STOP_FIELDS` and :mod:`kaicity._core._dispatch` for the layout) so the insertion
kernel reads all of them at once, plus the rides, the vehicles (their positions and
legs), the clock and a version number that changes with every change of a plan.  The
insertion, batch, rebalancing and vehicle code all read and write this one object; it
owns the array operations: put a ride in, take it out, serve the first stop, retime.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kaicity import dispatch_kernel as kernel
from kaicity.errors import SimulationError

if TYPE_CHECKING:
    from kaicity.services.drt.vehicles import Van

#: Kinds of stops.
PICKUP, DROPOFF = 0, 1
#: Purposes of a leg: to the next stop of the schedule, rebalancing, back to the depot.
STOP, RELOCATE, DEPOT = 0, 1, 2
#: Per-stop schedule arrays ``[vehicle, slot]``: dtype and fill value of unused slots.
STOP_FIELDS: dict[str, tuple[type, float]] = {
    "stop_node": (np.int32, -1), "stop_kind": (np.int8, 0), "stop_leg": (np.float64, 0.0),
    "stop_arr": (np.float64, 0.0), "stop_dep": (np.float64, 0.0), "stop_earliest": (np.float64, -np.inf),
    "stop_latest": (np.float64, np.inf), "stop_slack": (np.float64, np.inf), "stop_load": (np.int32, 0),
    "stop_ride": (np.int64, -1),
}
#: Arrays saved by :meth:`Schedule.snapshot`.
_SNAP = ("n_stops", "start_node", "start_time", "start_load", *STOP_FIELDS)


class Ride:
    """One accepted DRT ride and what happened to it (times in s; nodes of the drive graph)."""

    __slots__ = ("rid", "trip_id", "resident", "vehicle", "origin", "destination", "pickup", "dropoff",
                 "t_request", "ready", "latest_pick", "latest_drop", "max_ride", "direct_s", "walk_in_s",
                 "walk_out_s", "planned_pick", "planned_drop", "t_pickup", "t_dropoff", "pooled", "cost")

    def __init__(self, **kw) -> None:
        self.t_pickup = math.nan
        self.t_dropoff = math.nan
        self.pooled = False
        for k, v in kw.items():
            setattr(self, k, v)


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


class Schedule:
    """Stops, rides, vehicles and clock of a DRT fleet.

    Parameters
    ----------
    depots
        Drive node of each vehicle's depot (where it starts).
    seats
        Seats per vehicle.
    stop_s
        Boarding or alighting time per stop (s).

    Attributes
    ----------
    available, duty_end : ndarray, shape (V,)
        Whether each vehicle takes new requests, and the latest time its schedule may end
        (set by the :class:`~kaicity.services.drt.duty.DutyRoster`; 1 and ``inf`` without one).
    start_node, start_time, start_load : ndarray, shape (V,)
        Each vehicle's diversion point: where and when it can next change course, and its
        load when leaving there.
    n_stops : ndarray, shape (V,)
        Stops still to serve per vehicle; the arrays of :data:`STOP_FIELDS` hold them.
    rides : list of Ride
        Every accepted ride, by ride id.
    vans : list of Van
        The vehicles (positions, legs, riders on board), set by the service.
    clock : float
        Time the vehicles were last advanced to (s).
    version : int
        Changes whenever a plan or a vehicle's state changes (quotes are reused only while
        it stays the same).
    """

    def __init__(self, depots: np.ndarray, seats: int, stop_s: float) -> None:
        V = len(depots)
        self.n_vehicles = V
        self.seats = int(seats)
        self.stop_s = float(stop_s)
        self.depots = np.asarray(depots, dtype=np.int32)
        self.start_node = self.depots.copy()
        self.start_time = np.zeros(V)
        self.start_load = np.zeros(V, dtype=np.int32)
        self.available = np.ones(V, dtype=np.uint8)
        self.duty_end = np.full(V, np.inf)
        self.capacity = np.full(V, self.seats, dtype=np.int32)
        self.n_stops = np.zeros(V, dtype=np.int32)
        self.slots = 0
        self.alloc(2 * self.seats + 4)
        self.rides: list[Ride] = []
        self.vans: list[Van] = []
        self.clock = 0.0
        self.version = 0

    def alloc(self, S: int) -> None:
        """Give every vehicle ``S`` stop slots, keeping the stops it has."""
        V = self.n_vehicles
        for name, (dt, fill) in STOP_FIELDS.items():
            arr = np.full((V, S), fill, dtype=dt)
            if self.slots:
                prev = getattr(self, name)
                arr[:, :prev.shape[1]] = prev
            setattr(self, name, arr)
        self.slots = S

    # ------------------------------------------------------------ vehicle hooks
    def set_start(self, v: int, node: int, time: float, leg0: float | None) -> None:
        """Vehicle ``v`` can next change course at ``node`` at ``time`` (its diversion point).

        ``leg0`` is the remaining drive to its first stop when it is on the way there.
        """
        self.start_node[v] = node
        self.start_time[v] = time
        if leg0 is not None and self.n_stops[v] > 0:
            self.stop_leg[v, 0] = leg0

    def pop_first(self, v: int, node: int, free_at: float, load: int) -> None:
        """Vehicle ``v`` served its first stop at ``node``; it leaves at ``free_at`` with ``load`` riders."""
        K = int(self.n_stops[v])
        for name in STOP_FIELDS:
            a = getattr(self, name)
            a[v, :K - 1] = a[v, 1:K]
        self.n_stops[v] = K - 1
        self.start_load[v] = load
        self.start_node[v] = node
        self.start_time[v] = free_at
        self.version += 1

    def stops_of(self, v: int) -> list[dict]:
        """The stops vehicle ``v`` still has to serve: node, kind, ride id, planned arrival, deadline."""
        kinds = ("pickup", "dropoff")
        return [{"node": int(self.stop_node[v, m]), "kind": kinds[int(self.stop_kind[v, m])],
                 "ride": int(self.stop_ride[v, m]), "arrive": float(self.stop_arr[v, m]),
                 "deadline": float(self.stop_latest[v, m])} for m in range(int(self.n_stops[v]))]

    # ------------------------------------------------------------- plan changes
    def insert(self, v: int, i: int, j: int, rid: int, nodes: tuple[int, int], earliest: float,
               latest: tuple[float, float], legs: tuple[float, float, float, float], direct_s: float) -> None:
        """Put ride ``rid`` into vehicle ``v``'s stops: pickup at position ``i``, drop-off after ``j``.

        ``legs`` are the drives to the pickup, from it to the next stop, to the drop-off and
        from it to the next stop (see :class:`~kaicity.services.drt.insertion.Plan`).
        Raises :class:`~kaicity.errors.SimulationError` when the new plan breaks a promise.
        """
        K = int(self.n_stops[v])
        if K + 2 > self.slots:
            self.alloc(max(2 * self.slots, K + 2))
        status = kernel.insert_ride(self, v, i, j, rid, nodes, earliest, latest, legs, direct_s, self.stop_s)
        if status:
            self._broken(v)
        if i == 0:
            self.vans[v].replan()
        self.version += 1

    def remove(self, rid: int, leg_time: Callable[[int, int], float]) -> None:
        """Take a ride not yet picked up out of its vehicle's stops.

        ``leg_time(src, dst)`` gives the drive time of a leg that joins two stops anew.
        """
        v = self.rides[rid].vehicle
        K = int(self.n_stops[v])
        rides = self.stop_ride[v, :K].copy()
        keep = np.flatnonzero(rides != rid)
        for name in STOP_FIELDS:
            a = getattr(self, name)
            a[v, :len(keep)] = a[v, keep]
        self.n_stops[v] = len(keep)
        for m in range(len(keep)):
            before = keep[m] - 1 if m == 0 else keep[m - 1]
            if (m == 0 and keep[0] != 0) or (m > 0 and before != keep[m] - 1):
                src = int(self.start_node[v]) if m == 0 else int(self.stop_node[v, m - 1])
                dst = int(self.stop_node[v, m])
                self.stop_leg[v, m] = 0.0 if src == dst else leg_time(src, dst)
        self.retime(v)
        if rides[0] == rid:
            self.vans[v].replan()
        self.version += 1

    def retime(self, v: int, check: bool = False) -> None:
        """Recompute vehicle ``v``'s planned arrival, departure, load and slack at each stop."""
        if kernel.retime(self, v, self.stop_s, check):
            self._broken(v)

    def _broken(self, v: int) -> None:
        """Raise the error of a schedule of vehicle ``v`` that breaks a promise or the capacity."""
        K = int(self.n_stops[v])
        begins = self.stop_dep[v, :K] - self.stop_s
        loads = self.stop_load[v, :K]
        late = np.where(self.stop_kind[v, :K] == PICKUP, begins, self.stop_arr[v, :K]) > self.stop_latest[v, :K] + 1e-3
        raise SimulationError(f"DRT vehicle {v}: schedule breaks a promise or the capacity "
                              f"(late stops {np.flatnonzero(late).tolist()}, loads {loads.tolist()})")

    # ---------------------------------------------------------- whole plans
    def snapshot(self, rides: list[int]) -> dict:
        """Everything :meth:`restore` needs to undo changes to the plans of ``rides``."""
        snap = {name: getattr(self, name).copy() for name in _SNAP}
        snap["legs"] = [van.leg for van in self.vans]
        snap["rides"] = [(r, self.rides[r].vehicle, self.rides[r].planned_pick, self.rides[r].planned_drop,
                          self.rides[r].cost, self.rides[r].latest_drop) for r in rides]
        return snap

    def restore(self, snap: dict) -> None:
        """Go back to the plans saved by :meth:`snapshot`."""
        if snap["stop_node"].shape[1] != self.slots:
            self.alloc(snap["stop_node"].shape[1])
        for name in _SNAP:
            if snap[name].shape != getattr(self, name).shape:
                setattr(self, name, snap[name].copy())
            else:
                getattr(self, name)[...] = snap[name]
        self.slots = self.stop_node.shape[1]
        for van, leg in zip(self.vans, snap["legs"], strict=True):
            van.leg = leg
        for r, vehicle, pick, drop, cost, latest_drop in snap["rides"]:
            ride = self.rides[r]
            ride.vehicle, ride.planned_pick, ride.planned_drop, ride.cost = vehicle, pick, drop, cost
            ride.latest_drop = latest_drop
        self.version += 1

    def plan_cost(self, delay_weight: float) -> float:
        """Objective of the current plans: schedule end times + weight x planned drop-off arrivals."""
        K = self.n_stops
        busy = K > 0
        ends = self.stop_dep[np.flatnonzero(busy), K[busy] - 1].sum()
        live = np.arange(self.slots)[None, :] < K[:, None]
        drops = live & (self.stop_kind == DROPOFF)
        return float(ends) + delay_weight * float(self.stop_arr[drops].sum())
