"""AI-dispatched demand-responsive transit (DRT): insertion under time windows, pooling, rebalancing.

:class:`DRTService` implements :class:`~kaicity.services.transit.TransitService` for a fleet
of :class:`~kaicity.agents.drt.DRTVehicle` vans, following MATSim's DRT module (Bischoff,
Maciejewski & Nagel 2017):

* **Requests** are door-to-door (pickup at the drive node nearest the rider's door) or via
  *virtual stops*: one per grid cell of ``virtual_stop_spacing_m``, or, with
  ``virtual_stops_per_1000_people`` (Sejong Shucle: ~300 for 128k people), that many placed
  where people live (k-means of the homes); riders walk to and from the nearest stop on the
  walk graph at their own speed.  A trip must start in a served zone.
* **Insertion heuristic.** A request is inserted into the vehicle schedule where it costs
  least: added vehicle time plus ``delay_weight`` times added passenger delay, over every
  vehicle and every pair of pickup/drop-off positions (Cython kernel
  :func:`kaicity._core._dispatch.best_insertion`).  Hard constraints: the pickup starts
  within ``max_wait`` of the rider being ready at the stop; the ride (drop-off arrival
  minus pickup departure) is at most ``min(direct + max_detour, alpha * direct + beta)``;
  seats; service hours; and every rider already accepted keeps the promise made to them
  (latest pickup, latest drop-off arrival).  Travel times are exact: a reverse search from
  the pickup bounded by the latest pickup filters vehicles (a vehicle whose diversion point
  and stops cannot reach the pickup in time is skipped); searches from the pickup and to and
  from the drop-off then only reach the stops of the remaining vehicles, each within the
  slack of its schedule (:class:`kaicity._core._dispatch.Searcher`).  Busy nodes (facilities,
  virtual stops) get full rows from :func:`kaicity.routing.shortest_times`, cached, and
  vehicles read their paths off those rows.
* **Batch mode** (``batch_s > 0``): requests are inserted at once (so a booking is always
  a firm promise) and re-assigned together at the end of each window, longest direct
  trip first, keeping the joint plan only when it is cheaper and keeps every promise.
* **Rejection reasons**: ``outside_hours``, ``outside_zone``, ``no_stop_within_walk``,
  ``same_stop``, ``unreachable``, ``no_vehicle_within_max_wait``, ``capacity``,
  ``detour_of_others``.
* **Predictive rebalancing**: every ``interval_min``, idle vehicles are spread over grid
  cells in proportion to forecast demand (moving average of recent requests per cell,
  blended with the same time of day on previous days) by a minimum-travel-time assignment.
  With rebalancing off, idle vehicles stay where they are; outside service hours they
  return to their depots.
* **KPIs** (MATSim-style): waits (mean, median, p95, max, share under 10/15 min),
  in-vehicle time, detour factor, occupancy by hour, passengers per vehicle-hour,
  vehicle-km, empty km, rebalancing km, pooled-ride share, rejections by reason.
  A wait runs from the rider being at the pickup point to the start of boarding; the ride
  checked against the max-ride rule from the pickup departure to the drop-off arrival; the
  in-vehicle time reported to riders from the start of boarding to the end of alighting.

Times are seconds since the start of the simulation; ``clock`` is the time the vehicles
were last advanced to.  A request's ready time is ``max(request.time, clock)`` plus the
walk to the pickup.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kaicity import routing
from kaicity._core import _dispatch
from kaicity.agents.drt import DEPOT, RELOCATE, DRTVehicle, Leg
from kaicity.categories import ZONE_CODE, ZONES
from kaicity.errors import SimulationError
from kaicity.network.city import City
from kaicity.services.dispatch_area import demand_centres, grid_cells, grid_stops, stops_for_count
from kaicity.services.transit import Arrival, Booking, TransitService, TripRequest, VehicleState

DAY_S = 86_400.0
PICKUP, DROPOFF = 0, 1
#: Slack (s) on deadline checks, for float64 round-off between forward and reverse searches.
EPS = 1e-6
#: Rejection reasons, in the order KPIs list them.
REASONS: tuple[str, ...] = ("outside_hours", "outside_zone", "no_stop_within_walk", "same_stop", "unreachable",
                            "no_vehicle_within_max_wait", "capacity", "detour_of_others")
_FLAG_TIME_OK, _FLAG_CAP_OK, _FLAG_FEASIBLE = 1, 2, 4
#: Per-stop schedule arrays ``[vehicle, slot]``: dtype and fill value of unused slots.
STOP_FIELDS: dict[str, tuple[type, float]] = {
    "stop_node": (np.int32, -1), "stop_kind": (np.int8, 0), "stop_leg": (np.float64, 0.0),
    "stop_arr": (np.float64, 0.0), "stop_dep": (np.float64, 0.0), "stop_earliest": (np.float64, -np.inf),
    "stop_latest": (np.float64, np.inf), "stop_slack": (np.float64, np.inf), "stop_load": (np.int32, 0),
    "stop_ride": (np.int64, -1),
}


def _get(cfg, name: str, default):
    """``cfg.name`` (attribute or mapping key) or ``default``."""
    if isinstance(cfg, dict):
        return cfg.get(name, default)
    return getattr(cfg, name, default)


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
class _Plan:
    """Outcome of evaluating a request: the best insertion, or why there is none."""

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
        return self.reason is None


class DRTService(TransitService):
    """A DRT fleet with an insertion-heuristic dispatcher.

    Parameters
    ----------
    model
        The Mesa model the :class:`DRTVehicle` agents join.  Optional attributes used:
        ``population`` (homes, to place depots by demand) and ``scenario.population.people``
        (to size virtual stops per 1,000 people).
    city
        The city: vehicles drive ``city.drive``; riders walk ``city.walk``.
    cfg
        The scenario's ``transit.drt`` section (or any object/mapping with its keys).
    horizon_s
        Length of the run (s).
    start_hour
        Clock hour at time 0.
    rng
        Random generator (depot placement).
    trace
        Keep every driven path piece in :attr:`trace` (for tests and animations).
    row_cache_mb
        Memory for cached travel-time rows (forward and reverse searches per node).
    max_walk_search_m
        Longest walk to a virtual stop searched (m); each request also has its own limit.
    depots
        Drive node of each vehicle's depot (default: spread over the served area in
        proportion to the homes there, by weighted k-means).
    """

    mode = "drt"

    def __init__(self, model, city: City, cfg, *, horizon_s: float, start_hour: float = 0.0,
                 rng: np.random.Generator | None = None, trace: bool = False, row_cache_mb: float = 256.0,
                 max_walk_search_m: float = 5000.0, depots=None) -> None:
        self.model = model
        self.city = city
        self.graph = city.drive
        self.cfg = cfg
        self.horizon_s = float(horizon_s)
        self.start_hour = float(start_hour)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.trace_enabled = bool(trace)
        self.trace: list[tuple[int, np.ndarray, np.ndarray, int, int]] = []
        self.stop_log: list[tuple[int, int, float, int, int]] = []

        self.n_vehicles = int(_get(cfg, "vehicles", 12))
        self.seats = int(_get(cfg, "capacity", 11))
        hours = _get(cfg, "service_hours", (6, 24))
        self.hours = (float(hours[0]), float(hours[1]))
        self.max_wait_s = float(_get(cfg, "max_wait_min", 15.0)) * 60.0
        self.alpha = float(_get(cfg, "max_ride_alpha", 1.5))
        self.beta_s = float(_get(cfg, "max_ride_beta_min", 10.0)) * 60.0
        self.max_detour_s = float(_get(cfg, "max_detour_min", 30.0)) * 60.0
        self.stop_s = float(_get(cfg, "stop_s", 30.0))
        self.delay_weight = float(_get(cfg, "delay_weight", 1.0))
        self.batch_s = float(_get(cfg, "batch_s", 0.0))
        self.door_to_door = str(_get(cfg, "mode", "door_to_door")) != "virtual_stops"
        zones = list(_get(cfg, "zones", list(ZONES)))
        self.zone_codes = np.array(sorted(ZONE_CODE[z] for z in zones), dtype=np.int8)
        reb = _get(cfg, "rebalancing", None)
        self.rebalancing = bool(_get(reb, "enabled", False)) if reb is not None else False
        self.reb_interval_s = float(_get(reb, "interval_min", 15.0)) * 60.0 if reb is not None else 900.0
        self.reb_window_s = float(_get(reb, "window_min", 60.0)) * 60.0 if reb is not None else 3600.0
        self.reb_cell_m = float(_get(reb, "cell_m", 1000.0)) if reb is not None else 1000.0
        self.max_walk_search_m = float(max_walk_search_m)
        if self.n_vehicles < 1:
            raise SimulationError("DRT needs at least one vehicle")

        g = self.graph
        self.served_drive = np.flatnonzero(np.isin(g.zone, self.zone_codes)).astype(np.int32)
        if len(self.served_drive) == 0:
            raise SimulationError(f"no drive node lies in the DRT zones {zones}")
        self._build_stops()
        self._build_fleet(depots)
        self._build_cells()

        self.clock = 0.0
        self._version = 0
        self._rows: dict[tuple[int, bool], np.ndarray] = {}
        self._uses = np.zeros(g.n_nodes, dtype=np.int32)
        self._succ = np.empty(0, dtype=np.int32)
        self._after = np.empty(0, dtype=np.int32)
        self._searcher = _dispatch.Searcher(g.n_nodes)
        gt = g.transpose()
        self._csr = (g.indptr, g.indices, g.weights)
        self._csr_rev = (gt.indptr, gt.indices, gt.weights)
        self._rp = np.full(g.n_nodes, np.inf)
        self._fp = np.full(g.n_nodes, np.inf)
        self._td = np.full(g.n_nodes, np.inf)
        self._fd = np.full(g.n_nodes, np.inf)
        self._reached = np.empty(g.n_nodes, dtype=np.int32)
        self._path_buf = np.empty(g.n_nodes, dtype=np.int32)
        self._dirty: list[tuple[np.ndarray, np.ndarray]] = []
        self._row_budget = max(8, int(row_cache_mb * 1e6 / (8.0 * max(g.n_nodes, 1))))
        self._quote_cache: tuple | None = None
        self._out_i = np.zeros(4, dtype=np.int64)
        self._out_f = np.zeros(4, dtype=np.float64)
        # outcomes
        self.rides: list[Ride] = []
        self.trips: dict[int, str] = {}
        self.book_rejections: Counter = Counter()
        self._arrivals: list[Arrival] = []
        self._load_t: list[float] = []
        self._load_d: list[int] = []
        self.vehicle_m = 0.0
        self.empty_m = 0.0
        self.rebalance_m = 0.0
        self.depot_m = 0.0
        self.passenger_m = 0.0
        self.drive_s = 0.0
        self.n_pickups = 0
        self.wait_sum = 0.0
        self.evaluations = 0
        self.rebalancing_moves = 0
        # demand history for the forecast
        self._dem_t: list[float] = []
        self._dem_cell: list[int] = []
        self._pick_count = np.zeros(g.n_nodes, dtype=np.int64)
        self._next_rebalance = 0.0
        # batch mode
        self._batch: list[int] = []
        self._batch_end = -math.inf
        self.batch_rounds = 0
        self.batch_improved = 0

    # ============================================================== building
    def _people(self) -> float | None:
        """Real people in the model (``scenario.population.people``), or None without a population."""
        sc = getattr(self.model, "scenario", None)
        pop = getattr(sc, "population", None) if sc is not None else None
        people = getattr(pop, "people", None) if pop is not None else None
        if people is not None:
            return float(people)
        p = getattr(self.model, "population", None)
        if p is not None and hasattr(p, "n"):
            return float(p.n) * float(getattr(p, "scale", 1.0))
        return None

    def _build_stops(self) -> None:
        """Virtual stops (mode ``virtual_stops``) and every walk node's walk to its pickup point."""
        city, walk, drive = self.city, self.city.walk, self.graph
        self.stop_spacing_m = float(_get(self.cfg, "virtual_stop_spacing_m", 400.0))
        if self.door_to_door:
            self.stops = np.zeros(0, dtype=np.int32)
            w2d = city.walk_to_drive
            self.access_m = np.hypot(walk.x - drive.x[w2d], walk.y - drive.y[w2d])
            self.access_node = w2d.astype(np.int32)
            return
        per_1000 = _get(self.cfg, "virtual_stops_per_1000_people", None)
        people = self._people()
        if per_1000 is not None and people:
            count = max(1, round(people * float(per_1000) / 1000.0))
            homes = self._served_homes()
            if homes is not None and len(homes[0]) > count:
                # where people live: weighted k-means of the homes, snapped to served drive nodes
                self.stops = np.unique(demand_centres(drive, self.served_drive, homes, count, self.rng))
                self.stop_spacing_m = _mean_spacing(drive, self.stops)
            else:
                self.stops, self.stop_spacing_m = stops_for_count(drive, self.served_drive, count)
        else:
            self.stops = grid_stops(drive, self.served_drive, self.stop_spacing_m)
        stop_walk = city.drive_to_walk[self.stops]
        dist, which = routing.nearest(walk, stop_walk, limit=self.max_walk_search_m)
        self.access_m = dist
        self.access_node = np.where(which >= 0, self.stops[np.maximum(which, 0)], -1).astype(np.int32)

    def _served_homes(self, max_points: int = 20_000) -> tuple[np.ndarray, np.ndarray] | None:
        """Coordinates of the homes in the served zones (a random sample of at most ``max_points``)."""
        pop = getattr(self.model, "population", None)
        if pop is None or not hasattr(pop, "home"):
            return None
        h = np.asarray(pop.home)
        h = h[np.isin(self.city.walk.zone[h], self.zone_codes)]
        if not len(h):
            return None
        if len(h) > max_points:
            h = np.sort(self.rng.choice(h, max_points, replace=False))
        return self.city.walk.x[h], self.city.walk.y[h]

    def _build_fleet(self, depots=None) -> None:
        g = self.graph
        V = self.n_vehicles
        if depots is None:
            depots = demand_centres(g, self.served_drive, self._served_homes(), V, self.rng)
        depots = np.asarray(depots, dtype=np.int32)
        if depots.shape != (V,) or depots.min() < 0 or depots.max() >= g.n_nodes:
            raise SimulationError(f"DRT depots must be {V} drive-node indices, got {depots.tolist()[:10]}")
        self.depots = depots
        S = 2 * self.seats + 4
        self.start_node = depots.astype(np.int32).copy()
        self.start_time = np.zeros(V)
        self.start_load = np.zeros(V, dtype=np.int32)
        self.available = np.ones(V, dtype=np.uint8)
        self.capacity = np.full(V, self.seats, dtype=np.int32)
        self.n_stops = np.zeros(V, dtype=np.int32)
        self._alloc_stops(S)
        self.vehicles = [DRTVehicle(self.model, self, v, int(depots[v]), self.seats, self.hours) for v in range(V)]

    def _alloc_stops(self, S: int) -> None:
        V = self.n_vehicles
        old = getattr(self, "stop_node", None)
        for name, (dt, fill) in STOP_FIELDS.items():
            arr = np.full((V, S), fill, dtype=dt)
            if old is not None:
                prev = getattr(self, name)
                arr[:, :prev.shape[1]] = prev
            setattr(self, name, arr)
        self.slots = S

    def _build_cells(self) -> None:
        g = self.graph
        cells = np.full(g.n_nodes, -1, dtype=np.int64)
        cells[self.served_drive] = grid_cells(g.x[self.served_drive], g.y[self.served_drive], self.reb_cell_m)
        self.node_cell = cells
        self.n_cells = int(cells.max()) + 1
        order = np.argsort(cells[self.served_drive], kind="stable")
        self._cell_nodes = np.split(self.served_drive[order],
                                    np.cumsum(np.bincount(cells[self.served_drive], minlength=self.n_cells))[:-1])
        cx = np.bincount(cells[self.served_drive], weights=g.x[self.served_drive], minlength=self.n_cells)
        cy = np.bincount(cells[self.served_drive], weights=g.y[self.served_drive], minlength=self.n_cells)
        cnt = np.bincount(cells[self.served_drive], minlength=self.n_cells)
        self._cell_centre = np.empty(self.n_cells, dtype=np.int32)
        for c in range(self.n_cells):
            nodes = self._cell_nodes[c]
            d2 = (g.x[nodes] - cx[c] / cnt[c]) ** 2 + (g.y[nodes] - cy[c] / cnt[c]) ** 2
            self._cell_centre[c] = nodes[int(np.argmin(d2))]

    # ========================================================== helpers
    def clock_hour(self, t: float) -> float:
        """Clock hour (0-24) at simulation time ``t``."""
        return (t / 3600.0 + self.start_hour) % 24.0

    def in_hours(self, t: float) -> bool:
        """True when ``t`` lies within the service hours."""
        h = self.clock_hour(t)
        return self.hours[0] <= h < self.hours[1]

    def serves_zone(self, zone_codes) -> np.ndarray:
        """Boolean array: whether DRT serves each zone code (riders whose trip starts there)."""
        return np.isin(np.asarray(zone_codes), self.zone_codes)

    def max_ride_s(self, direct_s: float) -> float:
        """Longest ride allowed for a direct ride of ``direct_s``: min(direct + detour, alpha*direct + beta)."""
        return min(direct_s + self.max_detour_s, self.alpha * direct_s + self.beta_s)

    def route(self, source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shortest drive path ``source -> target``: nodes, cumulative seconds, cumulative metres."""
        g = self.graph
        if source == target:
            return np.array([source], dtype=np.int32), np.zeros(1), np.zeros(1)
        row = self._rows.get((int(target), True))
        nodes = None
        if row is not None:   # follow the cached reverse search tree of the target
            k = _dispatch.path_down(g.indptr, g.indices, g.weights, row, int(source), int(target), self._path_buf)
            if k > 0:
                nodes = self._path_buf[:k].copy()
        if nodes is None:
            nodes = np.asarray(routing.shortest_path(g, int(source), int(target)), dtype=np.int32)
        if len(nodes) == 0:
            raise SimulationError(f"DRT: drive node {target} cannot be reached from {source}")
        cum_t = np.empty(len(nodes))
        cum_m = np.empty(len(nodes))
        if _dispatch.path_profile(g.indptr, g.indices, g.weights, g.lengths, nodes, cum_t, cum_m) >= 0:
            raise SimulationError("DRT: a shortest path is not connected")
        return nodes, cum_t, cum_m

    # ---------------------------------------------------------------- travel times
    def _row(self, node: int, reverse: bool) -> np.ndarray:
        """Full-search row of ``node``: times to it (``reverse``) or from it; cached while there is room."""
        key = (int(node), bool(reverse))
        cache = self._rows
        row = cache.get(key)
        if row is not None:
            return row
        row = routing.shortest_times(self.graph, int(node), reverse=reverse, threads=1)
        row.flags.writeable = False
        if len(cache) < self._row_budget:   # first come, kept: no thrashing between busy nodes
            cache[key] = row
        return row

    def _cached_row(self, node: int, reverse: bool) -> np.ndarray | None:
        """The full row of ``node`` when it is cached or the node is busy enough to deserve one.

        A node used by a second request (a facility, a virtual stop, a busy home) gets full
        forward and reverse rows, kept for the rest of the run while the cache
        (``row_cache_mb``) has room; other nodes get bounded or targeted searches only.
        """
        key = (int(node), bool(reverse))
        row = self._rows.get(key)
        if row is not None:
            return row
        if self._uses[node] >= 2 and len(self._rows) < self._row_budget:
            return self._row(node, reverse)
        return None

    def _search(self, source: int, targets: np.ndarray, limits: np.ndarray, reverse: bool,
                row: np.ndarray) -> np.ndarray:
        """Exact times between ``source`` and each target within its own limit, written into ``row``.

        One search that stops once every target is settled or past its limit; ``row`` is a
        scratch dense row (``inf`` elsewhere) that is cleaned after the evaluation.
        """
        vals = np.empty(len(targets))
        if len(targets):
            indptr, indices, weights = self._csr_rev if reverse else self._csr
            self._searcher.targeted(indptr, indices, weights, int(source), targets, limits, vals)
            row[targets] = vals
            self._dirty.append((row, targets))
        return vals

    def _gather(self, plan: _Plan) -> tuple | None:
        """Travel-time rows for the insertion kernel, or None with ``plan.reason`` set.

        The reverse search from the pickup, bounded by the latest pickup, filters vehicles
        and positions (:func:`kaicity._core._dispatch.insertion_targets`); the other three
        searches then only have to reach the stops of the vehicles that remain, each within
        the slack of the schedule it belongs to.  Busy nodes use cached full rows instead.
        """
        p, d = plan.p, plan.d
        to_p = self._cached_row(p, True)
        if to_p is None:
            indptr, indices, weights = self._csr_rev
            limit = max(plan.latest_pick - self.clock, 0.0)
            n = self._searcher.bounded(indptr, indices, weights, p, limit, self._rp, self._reached)
            to_p = self._rp
            self._dirty.append((self._rp, self._reached[:n].copy()))
        V = self.n_vehicles
        if len(self._succ) < V * (self.slots + 1):
            size = V * (self.slots + 1)
            self._succ, self._after = np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int32)
            self._succ_lim, self._after_info = np.empty(size), np.empty((size, 4))
        ns, na, flags = _dispatch.insertion_targets(
            self.start_node, self.start_time, self.start_load, self.available, self.capacity, self.n_stops,
            self.stop_node, self.stop_leg, self.stop_arr, self.stop_dep, self.stop_slack, self.stop_load, to_p,
            plan.ready, plan.latest_pick, self.stop_s, EPS, self._succ, self._succ_lim, self._after,
            self._after_info)
        if not flags & _FLAG_CAP_OK:
            plan.reason = "capacity" if flags & _FLAG_TIME_OK else "no_vehicle_within_max_wait"
            return None
        from_p = self._cached_row(p, False)
        to_d = self._cached_row(d, True)
        from_d = self._cached_row(d, False)
        if from_p is not None:
            direct = float(from_p[d])
        else:
            direct = float(to_d[p]) if to_d is not None else math.nan
            targets = self._succ[:ns]
            limits = self._succ_lim[:ns] + EPS
            if math.isnan(direct):
                targets = np.append(targets, np.int32(d))
                limits = np.append(limits, np.inf)
            vals = self._search(p, targets, limits, False, self._fp)
            if math.isnan(direct):
                direct = float(vals[-1])
            else:
                self._fp[d] = direct
                self._dirty.append((self._fp, np.array([d], dtype=np.int32)))
            from_p = self._fp
        plan.direct_s = direct
        if not math.isfinite(direct):
            plan.reason = "unreachable"
            return None
        plan.max_ride = self.max_ride_s(direct)
        after = self._after[:na]
        info = self._after_info[:na]
        if to_d is None:   # stop -> drop-off: within the rider's max ride and the next stop's slack
            limits = np.minimum(plan.latest_pick + self.stop_s + plan.max_ride - info[:, 2], info[:, 3]) + EPS
            self._search(d, after, limits, True, self._td)
            to_d = self._td
        if from_d is None:   # drop-off -> next stop: arrive within that stop's slack
            limits = info[:, 0] - np.maximum(plan.ready + 2.0 * self.stop_s + direct, info[:, 1] + self.stop_s) + EPS
            self._search(d, after, limits, False, self._fd)
            from_d = self._fd
        return to_p, from_p, to_d, from_d

    def _clean(self) -> None:
        """Put ``inf`` back into the scratch rows written by the last evaluation."""
        for row, nodes in self._dirty:
            row[nodes] = np.inf
        self._dirty.clear()

    def _kernel(self, plan: _Plan, rows: tuple, latest_drop: float) -> None:
        """Run the insertion kernel for ``plan`` and store the best insertion or the reason."""
        to_p, from_p, to_d, from_d = rows
        oi, of = self._out_i, self._out_f
        self.evaluations += _dispatch.best_insertion(
            self.start_node, self.start_time, self.start_load, self.available, self.capacity, self.n_stops,
            self.stop_node, self.stop_kind, self.stop_leg, self.stop_arr, self.stop_dep, self.stop_earliest,
            self.stop_latest, self.stop_load, to_p, from_p, to_d, from_d, plan.p, plan.d, plan.ready,
            plan.latest_pick, latest_drop, plan.max_ride, self.stop_s, self.delay_weight, EPS, of, oi)
        flags = int(oi[3])
        if oi[0] < 0:
            if flags & _FLAG_CAP_OK:
                plan.reason = "detour_of_others"
            elif flags & _FLAG_TIME_OK:
                plan.reason = "capacity"
            else:
                plan.reason = "no_vehicle_within_max_wait"
            return
        v, i, j = int(oi[0]), int(oi[1]), int(oi[2])
        plan.vehicle, plan.i, plan.j = v, i, j
        plan.cost, plan.begin_p, plan.dep_p, plan.arr_d = float(of[0]), float(of[1]), float(of[2]), float(of[3])
        # the four new legs, read now: the scratch rows are cleaned after the evaluation
        K = int(self.n_stops[v])
        node_i = int(self.start_node[v]) if i == 0 else int(self.stop_node[v, i - 1])
        node_j = int(self.start_node[v]) if j == 0 else int(self.stop_node[v, j - 1])
        after_pick = float(from_p[int(self.stop_node[v, i])]) if (j > i and i < K) else math.nan
        to_drop = float(to_d[node_j]) if j > i else plan.direct_s
        after_drop = float(from_d[int(self.stop_node[v, j])]) if j < K else math.nan
        plan.legs = (float(to_p[node_i]), after_pick, to_drop, after_drop)

    # ========================================================== vehicle hooks
    def set_start(self, v: int, node: int, time: float, leg0: float | None) -> None:
        """Vehicle ``v`` can next change course at ``node`` at ``time`` (its diversion point).

        ``leg0`` is the remaining drive to its first stop when it is on the way there.
        """
        self.start_node[v] = node
        self.start_time[v] = time
        if leg0 is not None and self.n_stops[v] > 0:
            self.stop_leg[v, 0] = leg0

    def serve_stop(self, v: int, begin: float) -> None:
        """Vehicle ``v`` starts serving its first stop at ``begin``: board or drop off the rider."""
        r = int(self.stop_ride[v, 0])
        kind = int(self.stop_kind[v, 0])
        ride = self.rides[r]
        veh = self.vehicles[v]
        if self.trace_enabled:
            self.stop_log.append((v, int(self.stop_node[v, 0]), begin, kind, r))
        if kind == PICKUP:
            ride.t_pickup = begin
            if veh.onboard:
                ride.pooled = True
                for o in veh.onboard:
                    self.rides[o].pooled = True
            veh.onboard.append(r)
            self._load_t.append(begin)
            self._load_d.append(1)
            self.n_pickups += 1
            self.wait_sum += begin - ride.ready
        else:
            ride.t_dropoff = begin
            veh.onboard.remove(r)
            self._load_t.append(begin)
            self._load_d.append(-1)
            done = begin + self.stop_s
            self._arrivals.append(Arrival(ride.trip_id, done + ride.walk_out_s, ride.t_pickup - ride.ready,
                                          done - ride.t_pickup, ride.walk_in_s + ride.walk_out_s))
        K = int(self.n_stops[v])
        for name in STOP_FIELDS:
            a = getattr(self, name)
            a[v, :K - 1] = a[v, 1:K]
        self.n_stops[v] = K - 1
        self.start_load[v] = len(veh.onboard)
        self.start_node[v] = int(veh.node)
        self.start_time[v] = begin + self.stop_s
        self._version += 1

    def record_drive(self, v: int, leg: Leg, i: int, k: int, load: int) -> None:
        """Vehicle ``v`` drove ``leg`` from its node ``i`` to node ``k`` with ``load`` riders."""
        metres = float(leg.cum_m[k] - leg.cum_m[i])
        self.vehicle_m += metres
        self.drive_s += leg.tlist[k] - leg.tlist[i]
        if load == 0:
            self.empty_m += metres
        if leg.purpose == RELOCATE:
            self.rebalance_m += metres
        elif leg.purpose == DEPOT:
            self.depot_m += metres
        self.passenger_m += load * metres
        if self.trace_enabled:
            self.trace.append((v, leg.nodes[i:k + 1].copy(), leg.times[i:k + 1].copy(), load, leg.purpose))

    # ========================================================== evaluation
    def _access(self, req: TripRequest) -> tuple[str | None, int, int, float, float]:
        """Pickup and drop-off drive nodes and the walks to and from them (s)."""
        o, dst = int(req.origin), int(req.destination)
        if self.door_to_door:
            p, d = int(self.access_node[o]), int(self.access_node[dst])
        else:
            p, d = int(self.access_node[o]), int(self.access_node[dst])
            if p < 0 or d < 0 or self.access_m[o] > req.max_walk_m or self.access_m[dst] > req.max_walk_m:
                return "no_stop_within_walk", -1, -1, math.inf, math.inf
        speed = float(req.walk_speed)
        return None, p, d, float(self.access_m[o]) / speed, float(self.access_m[dst]) / speed

    def _evaluate(self, req: TripRequest, *, latest_pick: float | None = None,
                  latest_drop: float = math.inf, ready: float | None = None) -> _Plan:
        t0 = max(float(req.time), self.clock)
        if not self.in_hours(t0):
            return _Plan(req, "outside_hours")
        if self.city.walk.zone[int(req.origin)] not in self.zone_codes:
            return _Plan(req, "outside_zone")
        reason, p, d, walk_in, walk_out = self._access(req)
        if reason is not None:
            return _Plan(req, reason)
        if p == d:
            return _Plan(req, "same_stop", p, d, walk_in, walk_out)
        if ready is None:
            ready = t0 + walk_in
        if latest_pick is None:
            latest_pick = ready + self.max_wait_s
        plan = _Plan(req, None, p, d, walk_in, walk_out, ready, latest_pick)
        try:
            rows = self._gather(plan)
            if rows is not None:
                self._kernel(plan, rows, latest_drop)
        finally:
            self._clean()
        return plan

    def _booking(self, plan: _Plan, latest_drop: float | None = None) -> Booking:
        if not plan.accepted:
            return Booking(False, "drt", reason=plan.reason)
        latest = plan.dep_p + plan.max_ride if latest_drop is None else latest_drop
        return Booking(True, "drt", arrive_time=latest + self.stop_s + plan.walk_out_s,
                       wait_s=plan.begin_p - plan.ready, in_vehicle_s=plan.arr_d + self.stop_s - plan.begin_p,
                       walk_s=plan.walk_in_s + plan.walk_out_s, reason=None, vehicle=plan.vehicle)

    # ========================================================== commit
    def _insert(self, plan: _Plan, rid: int, latest_drop: float) -> None:
        """Put ride ``rid`` into vehicle ``plan.vehicle``'s schedule at positions ``(i, j)``."""
        v, i, j = plan.vehicle, plan.i, plan.j
        K = int(self.n_stops[v])
        if K + 2 > self.slots:
            self._alloc_stops(max(2 * self.slots, K + 2))
        p, d = plan.p, plan.d
        values = {
            "stop_node": (p, d), "stop_kind": (PICKUP, DROPOFF), "stop_leg": (0.0, 0.0), "stop_arr": (0.0, 0.0),
            "stop_dep": (0.0, 0.0), "stop_earliest": (plan.ready, -np.inf),
            "stop_latest": (plan.latest_pick, latest_drop), "stop_slack": (0.0, 0.0), "stop_load": (0, 0),
            "stop_ride": (rid, rid),
        }
        for name, (a, b) in values.items():
            row = getattr(self, name)[v]
            row[j + 2:K + 2] = row[j:K]       # stops after the drop-off move two slots
            row[i + 1:j + 1] = row[i:j]       # stops between pickup and drop-off move one
            row[i] = a
            row[j + 1] = b
        to_pick, after_pick, to_drop, after_drop = plan.legs
        leg = self.stop_leg
        leg[v, i] = to_pick
        if j == i:
            leg[v, i + 1] = plan.direct_s
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
            self.vehicles[v].replan()
        self._version += 1

    def retime(self, v: int, check: bool = False) -> None:
        """Recompute vehicle ``v``'s planned arrival, departure and load at each stop."""
        K = int(self.n_stops[v])
        t = float(self.start_time[v])
        load = int(self.start_load[v])
        legs = self.stop_leg[v, :K].tolist()
        kinds = self.stop_kind[v, :K].tolist()
        earliest = self.stop_earliest[v, :K].tolist()
        arr = np.empty(K)
        dep = np.empty(K)
        loads = np.empty(K, dtype=np.int32)
        begins = np.empty(K)
        for m in range(K):
            a = t + legs[m]
            if kinds[m] == PICKUP:
                b = a if a > earliest[m] else earliest[m]
                load += 1
            else:
                b = a
                load -= 1
            arr[m] = a
            begins[m] = b
            t = b + self.stop_s
            dep[m] = t
            loads[m] = load
        self.stop_arr[v, :K] = arr
        self.stop_dep[v, :K] = dep
        self.stop_load[v, :K] = loads
        # slack: the largest arrival delay at each stop that keeps it and every later stop on time
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
            kind = self.stop_kind[v, :K]
            late = np.where(kind == PICKUP, begins, arr) > self.stop_latest[v, :K] + 1e-3
            if late.any() or loads.max() > self.capacity[v] or loads.min() < 0:
                raise SimulationError(f"DRT vehicle {v}: schedule breaks a promise or the capacity "
                                      f"(late stops {np.flatnonzero(late).tolist()}, loads {loads.tolist()})")

    def _commit(self, plan: _Plan, latest_drop: float | None = None) -> Ride:
        rid = len(self.rides)
        req = plan.request
        latest = plan.dep_p + plan.max_ride if latest_drop is None else latest_drop
        ride = Ride(rid=rid, trip_id=int(req.trip_id), resident=int(req.resident), vehicle=plan.vehicle,
                    origin=int(req.origin), destination=int(req.destination), pickup=plan.p, dropoff=plan.d,
                    t_request=float(req.time), ready=plan.ready, latest_pick=plan.latest_pick,
                    latest_drop=latest, max_ride=plan.max_ride, direct_s=plan.direct_s,
                    walk_in_s=plan.walk_in_s, walk_out_s=plan.walk_out_s, planned_pick=plan.begin_p,
                    planned_drop=plan.arr_d, cost=plan.cost)
        self.rides.append(ride)
        self._insert(plan, rid, latest)
        return ride

    def _record_demand(self, plan: _Plan) -> None:
        if plan.reason in ("outside_hours", "outside_zone") or plan.p < 0:
            return
        cell = int(self.node_cell[plan.p])
        if cell >= 0:
            self._dem_t.append(max(float(plan.request.time), self.clock))
            self._dem_cell.append(cell)
        self._pick_count[plan.p] += 1

    # ========================================================== interface
    def _register(self, request: TripRequest, plan: _Plan) -> None:
        """Count a trip the first time it asks (quote or booking): demand forecast, busy nodes."""
        if int(request.trip_id) in self.trips:
            return
        self._record_demand(plan)
        if plan.p >= 0:
            self._uses[plan.p] += 1
            self._uses[plan.d] += 1

    def quote(self, request: TripRequest) -> Booking:
        """Best offer for ``request`` (the cheapest feasible insertion); nothing is committed.

        A rejected quote still counts as a request (``kpis()["rejections"]``) and as demand
        for the rebalancing forecast: the rider asked and got no offer.
        """
        plan = self._evaluate(request)
        self._quote_cache = (request, self._version, plan)
        self._register(request, plan)
        self.trips[int(request.trip_id)] = "offered" if plan.accepted else plan.reason
        return self._booking(plan)

    def book(self, request: TripRequest) -> Booking:
        """Insert ``request`` into the best schedule, or reject it with a reason.

        Right after :meth:`quote` of the same request (nothing changed since), the quoted
        insertion is committed without searching again.
        """
        cached = self._quote_cache
        if cached is not None and cached[1] == self._version and cached[0] == request:
            plan = cached[2]
        else:
            plan = self._evaluate(request)
        self._quote_cache = None
        self._register(request, plan)
        if not plan.accepted:
            self.trips[int(request.trip_id)] = plan.reason
            self.book_rejections[plan.reason] += 1
            return self._booking(plan)
        ride = self._commit(plan)
        self.trips[int(request.trip_id)] = "booked"
        if self.batch_s > 0:
            if not self._batch:
                self._batch_end = max(float(request.time), self.clock) + self.batch_s
            self._batch.append(ride.rid)
        return self._booking(plan)

    def advance(self, now: float) -> list[Arrival]:
        """Move every vehicle to ``now``; riders dropped off since the last call."""
        now = float(now)
        if self._batch and now >= self._batch_end:
            self._flush_batch()
        for veh in self.vehicles:
            if veh.leg is None and self.n_stops[veh.index] == 0:
                if veh.t_free < now:
                    veh.t_free = now
                self.start_time[veh.index] = veh.t_free
                continue
            veh.drive_until(now)
        self.clock = max(self.clock, now)
        self._version += 1
        if self.in_hours(now):
            if self.rebalancing and now >= self._next_rebalance:
                self._next_rebalance = now + self.reb_interval_s
                self._rebalance(now)
        else:
            for veh in self.vehicles:
                if veh.idle and veh.node != veh.depot:
                    veh.head_to(veh.depot, now, DEPOT)
        out, self._arrivals = self._arrivals, []
        return out

    # ========================================================== batch mode
    def _flush_batch(self) -> None:
        """Re-assign the requests of the finished window together, longest direct trip first.

        Every request already holds a feasible place (it was inserted when booked).  The
        riders not yet picked up are taken out and re-inserted in order of decreasing direct
        time, each under the promise it was given; the joint plan replaces the first-come
        plan only when all fit and the total cost (vehicle time + weight x rider arrival
        times) is lower.
        """
        batch, self._batch = self._batch, []
        self.batch_rounds += 1
        pending = [r for r in batch if math.isnan(self.rides[r].t_pickup)]
        if len(pending) < 2:
            return
        snap_before = self._snapshot(pending)
        cost_before = self._plan_cost()
        for r in pending:
            self._remove(r)
        order = sorted(pending, key=lambda r: (-self.rides[r].direct_s, r))
        ok = True
        for r in order:
            ride = self.rides[r]
            req = TripRequest(ride.trip_id, ride.resident, ride.origin, ride.destination, ride.t_request,
                              1.0, math.inf)
            plan = self._evaluate_fixed(req, ride)
            if not plan.accepted:
                ok = False
                break
            ride.vehicle = plan.vehicle
            ride.planned_pick, ride.planned_drop, ride.cost = plan.begin_p, plan.arr_d, plan.cost
            # an earlier pickup than first planned must not stretch the ride beyond max_ride later on
            ride.latest_drop = min(ride.latest_drop, plan.dep_p + ride.max_ride)
            self._insert(plan, r, ride.latest_drop)
        if ok and self._plan_cost() < cost_before - 1e-6:
            self.batch_improved += 1
            return
        self._restore(snap_before)

    def _evaluate_fixed(self, req: TripRequest, ride: Ride) -> _Plan:
        """Evaluate a batched ride again under the promise it was given."""
        plan = _Plan(req, None, ride.pickup, ride.dropoff, ride.walk_in_s, ride.walk_out_s, ride.ready,
                     ride.latest_pick)
        try:
            rows = self._gather(plan)
            if rows is not None:
                plan.max_ride = ride.max_ride
                self._kernel(plan, rows, ride.latest_drop)
        finally:
            self._clean()
        if plan.reason is not None:
            plan.reason = "batch"
        return plan

    def _remove(self, rid: int) -> None:
        """Take a not-yet-picked-up ride out of its vehicle's schedule (new legs from cached rows)."""
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
                self.stop_leg[v, m] = 0.0 if src == dst else float(self._row(dst, True)[src])
        self.retime(v)
        if rides[0] == rid:
            self.vehicles[v].replan()
        self._version += 1

    _SNAP = ("n_stops", "start_node", "start_time", "start_load", *STOP_FIELDS)

    def _snapshot(self, rides: list[int]) -> dict:
        snap = {name: getattr(self, name).copy() for name in self._SNAP}
        snap["legs"] = [veh.leg for veh in self.vehicles]
        snap["rides"] = [(r, self.rides[r].vehicle, self.rides[r].planned_pick, self.rides[r].planned_drop,
                          self.rides[r].cost, self.rides[r].latest_drop) for r in rides]
        return snap

    def _restore(self, snap: dict) -> None:
        if snap["stop_node"].shape[1] != self.slots:
            self._alloc_stops(snap["stop_node"].shape[1])
        for name in self._SNAP:
            if snap[name].shape != getattr(self, name).shape:
                setattr(self, name, snap[name].copy())
            else:
                getattr(self, name)[...] = snap[name]
        self.slots = self.stop_node.shape[1]
        for veh, leg in zip(self.vehicles, snap["legs"], strict=True):
            veh.leg = leg
        for r, vehicle, pick, drop, cost, latest_drop in snap["rides"]:
            ride = self.rides[r]
            ride.vehicle, ride.planned_pick, ride.planned_drop, ride.cost = vehicle, pick, drop, cost
            ride.latest_drop = latest_drop
        self._version += 1

    def _plan_cost(self) -> float:
        """Objective of the current plans: schedule end times + weight x planned drop-off arrivals."""
        K = self.n_stops
        busy = K > 0
        ends = self.stop_dep[np.flatnonzero(busy), K[busy] - 1].sum()
        live = np.arange(self.slots)[None, :] < K[:, None]
        drops = live & (self.stop_kind == DROPOFF)
        return float(ends) + self.delay_weight * float(self.stop_arr[drops].sum())

    # ========================================================== rebalancing
    def forecast(self, now: float) -> np.ndarray:
        """Expected requests per rebalancing cell in the next ``window_min``.

        The count of the last window (moving average) blended half-and-half with the mean
        count of the same upcoming window on previous days, when there are any.
        """
        W = self.reb_window_s
        t = np.asarray(self._dem_t)
        c = np.asarray(self._dem_cell, dtype=np.int64)
        recent = np.bincount(c[(t >= now - W) & (t < now)], minlength=self.n_cells).astype(float)
        days = int(now // DAY_S)
        if days == 0:
            return recent
        hist = np.zeros(self.n_cells)
        for k in range(1, days + 1):
            a = now - k * DAY_S
            hist += np.bincount(c[(t >= a) & (t < a + W)], minlength=self.n_cells)
        return 0.5 * recent + 0.5 * hist / days

    def _cell_node(self, cell: int) -> int:
        """Where a vehicle waits in ``cell``: its most requested pickup node, else its centre node."""
        nodes = self._cell_nodes[cell]
        counts = self._pick_count[nodes]
        if counts.max() > 0:
            return int(nodes[int(np.argmax(counts))])
        return int(self._cell_centre[cell])

    def _rebalance(self, now: float) -> None:
        """Send idle vehicles toward cells of forecast demand (minimum total travel time)."""
        from scipy.optimize import linear_sum_assignment

        f = self.forecast(now)
        total = f.sum()
        if total <= 0:
            return
        idle = [veh for veh in self.vehicles if veh.idle]
        moving = [veh for veh in self.vehicles if veh.leg is not None and veh.leg.purpose == RELOCATE
                  and self.n_stops[veh.index] == 0]
        if not idle:
            return
        # position as many free vehicles as requests are expected in the window (MATSim's
        # demand-proportional target, alpha = 1, beta = 0); the others stay where they are
        n_free = min(len(idle) + len(moving), int(round(total)))
        if n_free <= 0:
            return
        raw = f / total * n_free
        target = np.floor(raw).astype(np.int64)
        rest = n_free - int(target.sum())
        if rest > 0:
            target[np.argsort(-(raw - target), kind="stable")[:rest]] += 1
        current = np.zeros(self.n_cells, dtype=np.int64)
        for veh in moving:
            c = self.node_cell[int(veh.leg.nodes[-1])]
            if c >= 0:
                current[c] += 1
        by_cell: dict[int, list[DRTVehicle]] = {}
        for veh in idle:
            c = int(self.node_cell[veh.node])
            by_cell.setdefault(c, []).append(veh)
            if c >= 0:
                current[c] += 1
        movers: list[DRTVehicle] = list(by_cell.get(-1, []))
        for c, vehs in sorted(by_cell.items()):
            if c >= 0 and current[c] > target[c]:
                movers.extend(vehs[: int(current[c] - target[c])])
        need = np.maximum(target - current, 0)
        slots = np.repeat(np.arange(self.n_cells), need)
        if not movers or not len(slots):
            return
        slot_nodes = np.array([self._cell_node(int(c)) for c in slots], dtype=np.int32)
        origins = np.array([veh.node for veh in movers], dtype=np.int32)
        cost = np.empty((len(origins), len(slot_nodes)))
        todo = []
        for c, node in enumerate(slot_nodes.tolist()):
            row = self._rows.get((node, True))
            if row is not None:
                cost[:, c] = row[origins]
            else:
                todo.append(c)
        if todo:   # one search per slot (reverse) or per vehicle, whichever is fewer
            limit = self.reb_window_s
            if len(todo) <= len(origins):
                cost[:, todo] = routing.time_matrix(self.graph.transpose(), slot_nodes[todo], origins, limit=limit,
                                                    threads=1).T
            else:
                cost[:, todo] = routing.time_matrix(self.graph, origins, slot_nodes[todo], limit=limit, threads=1)
        cost = np.where(np.isfinite(cost), cost, 1e12)
        rows, cols = linear_sum_assignment(cost)
        for r, c in zip(rows, cols, strict=True):
            if cost[r, c] >= 1e12:
                continue
            veh = movers[r]
            if int(slot_nodes[c]) != veh.node:
                veh.head_to(int(slot_nodes[c]), now, RELOCATE)
                self.rebalancing_moves += 1

    # ========================================================== outputs
    @property
    def population_scale(self) -> float:
        """Real people per resident agent (1 without a model population)."""
        pop = getattr(self.model, "population", None)
        return float(getattr(pop, "scale", 1.0)) if pop is not None else 1.0

    def service_seconds(self, until: float | None = None) -> float:
        """Vehicle-seconds of service hours between time 0 and ``until`` (default: the clock)."""
        until = self.clock if until is None else float(until)
        total = 0.0
        day0 = -self.start_hour * 3600.0
        d = 0
        while day0 + d * DAY_S < until:
            a = day0 + d * DAY_S + self.hours[0] * 3600.0
            b = day0 + d * DAY_S + self.hours[1] * 3600.0
            total += max(0.0, min(b, until) - max(a, 0.0))
            d += 1
        return total * self.n_vehicles

    def load_series(self, step_s: float = 60.0, until: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Riders on board the whole fleet at times ``0, step_s, ...`` up to ``until`` (the clock)."""
        until = self.clock if until is None else float(until)
        grid = np.arange(0.0, max(until, step_s), step_s)
        if not self._load_t:
            return grid, np.zeros(len(grid))
        t = np.asarray(self._load_t)
        order = np.argsort(t, kind="stable")
        t = t[order]
        cum = np.cumsum(np.asarray(self._load_d)[order])
        k = np.searchsorted(t, grid, side="right") - 1
        return grid, np.where(k >= 0, cum[np.maximum(k, 0)], 0).astype(float)

    def occupancy_by_hour(self) -> dict[str, float]:
        """Mean riders on board per vehicle for each clock hour of the service hours."""
        grid, load = self.load_series()
        hour = np.floor(((grid / 3600.0) + self.start_hour) % 24.0).astype(int)
        out = {}
        for h in range(int(math.floor(self.hours[0])), int(math.ceil(self.hours[1]))):
            m = hour == h
            if m.any():
                out[f"{h:02d}"] = _num(load[m].mean() / self.n_vehicles)
        return out

    def kpis(self) -> dict:
        """MATSim-style DRT indicators so far (JSON-serialisable; times in minutes, distances in km)."""
        rides = self.rides
        picked = [r for r in rides if not math.isnan(r.t_pickup)]
        done = [r for r in rides if not math.isnan(r.t_dropoff)]
        wait = np.array([r.t_pickup - r.ready for r in picked]) / 60.0
        ivt = np.array([r.t_dropoff + self.stop_s - r.t_pickup for r in done]) / 60.0
        ride = np.array([r.t_dropoff - (r.t_pickup + self.stop_s) for r in done])
        direct = np.array([r.direct_s for r in done])
        detour = ride / np.maximum(direct, 1e-9)
        walk = np.array([r.walk_in_s + r.walk_out_s for r in done]) / 60.0
        status = Counter(self.trips.values())
        rejections = {reason: int(status[reason]) for reason in REASONS if status.get(reason)}
        n_rej = sum(rejections.values())
        requests = len(self.trips)
        vh = self.service_seconds() / 3600.0
        vkm = self.vehicle_m / 1000.0
        days = max(self.clock / DAY_S, 1e-9)
        return {
            "vehicles": self.n_vehicles,
            "capacity": self.seats,
            "mode": "door_to_door" if self.door_to_door else "virtual_stops",
            "virtual_stops": int(len(self.stops)),
            "virtual_stop_spacing_m": _num(self.stop_spacing_m) if not self.door_to_door else None,
            "requests": requests,
            "booked": len(rides),
            "declined_offers": int(status.get("offered", 0)),
            "rejected": n_rej,
            "rejections": rejections,
            "rejections_at_booking": {r: int(self.book_rejections[r]) for r in REASONS if self.book_rejections[r]},
            "rejection_rate": _num(n_rej / requests) if requests else None,
            "rides_completed": len(done),
            "rides_per_day": _num(len(rides) / days) if self.clock > 0 else None,
            "population_scale": self.population_scale,
            "rides_per_day_scaled": _num(len(rides) / days * self.population_scale) if self.clock > 0 else None,
            "wait_min": _stats(wait),
            "wait_share_under_10_min": _num((wait < 10.0).mean()) if len(wait) else None,
            "wait_share_under_15_min": _num((wait < 15.0).mean()) if len(wait) else None,
            "in_vehicle_min": _stats(ivt),
            "direct_min": _num(direct.mean() / 60.0) if len(direct) else None,
            "walk_min": _num(walk.mean()) if len(walk) else None,
            "detour_factor": _stats(detour),
            "pooled_share": _num(np.mean([r.pooled for r in picked])) if picked else None,
            "occupancy_by_hour": self.occupancy_by_hour(),
            "mean_occupancy": _num(self.passenger_m / self.vehicle_m) if self.vehicle_m > 0 else None,
            "passengers_per_vehicle_hour": _num(len(done) / vh) if vh > 0 else None,
            "vehicle_km": _num(vkm),
            "empty_km": _num(self.empty_m / 1000.0),
            "rebalancing_km": _num(self.rebalance_m / 1000.0),
            "depot_km": _num(self.depot_m / 1000.0),
            "passenger_km": _num(self.passenger_m / 1000.0),
            "vehicle_hours": _num(vh),
            "driving_hours": _num(self.drive_s / 3600.0),
            "rebalancing_moves": self.rebalancing_moves,
            "batch_rounds": self.batch_rounds,
            "batch_improved": self.batch_improved,
        }

    def legs_frame(self) -> pd.DataFrame:
        """One row per booked ride: nodes, promised and actual times (s), waits and detours."""
        cols = ["ride", "trip_id", "resident", "vehicle", "origin", "destination", "pickup_node", "dropoff_node",
                "t_request", "t_ready", "latest_pickup", "latest_dropoff", "planned_pickup", "t_pickup",
                "t_dropoff", "t_arrive", "wait_s", "in_vehicle_s", "ride_s", "direct_s", "max_ride_s", "detour",
                "walk_s", "pooled", "status"]
        rows = []
        for r in self.rides:
            arrive = r.t_dropoff + self.stop_s + r.walk_out_s
            ride_s = r.t_dropoff - (r.t_pickup + self.stop_s)
            status = "done" if not math.isnan(r.t_dropoff) else ("on_board" if not math.isnan(r.t_pickup)
                                                                 else "assigned")
            rows.append((r.rid, r.trip_id, r.resident, r.vehicle, r.origin, r.destination, r.pickup, r.dropoff,
                         r.t_request, r.ready, r.latest_pick, r.latest_drop, r.planned_pick, r.t_pickup,
                         r.t_dropoff, arrive, r.t_pickup - r.ready, r.t_dropoff + self.stop_s - r.t_pickup,
                         ride_s, r.direct_s, r.max_ride, ride_s / r.direct_s if r.direct_s > 0 else math.nan,
                         r.walk_in_s + r.walk_out_s, r.pooled, status))
        return pd.DataFrame(rows, columns=cols)

    def timeseries_reporters(self) -> dict:
        """Model reporters for Mesa's DataCollector (cumulative counts and current fleet state)."""
        return {
            "drt_requests": lambda m: len(self.trips),
            "drt_booked": lambda m: len(self.rides),
            "drt_rejected": lambda m: sum(1 for s in self.trips.values() if s in REASONS),
            "drt_on_board": lambda m: int(sum(len(veh.onboard) for veh in self.vehicles)),
            "drt_busy_vehicles": lambda m: int(np.count_nonzero(self.n_stops)),
            "drt_wait_mean_min": lambda m: self.wait_sum / self.n_pickups / 60.0 if self.n_pickups else np.nan,
            "drt_vehicle_km": lambda m: self.vehicle_m / 1000.0,
        }

    def vehicle_state(self, now: float) -> VehicleState:
        """Positions (interpolated on the current edge), loads and capacities of the vehicles."""
        g = self.graph
        n = self.n_vehicles
        x, y = np.empty(n), np.empty(n)
        for k, veh in enumerate(self.vehicles):
            u, w, f = veh.position(now)
            x[k] = g.x[u] + f * (g.x[w] - g.x[u])
            y[k] = g.y[u] + f * (g.y[w] - g.y[u])
        load = np.array([len(veh.onboard) for veh in self.vehicles], dtype=np.int32)
        return VehicleState(x, y, load, self.capacity.copy())

    def plot(self, out_dir) -> list[str]:
        """Write ``drt_occupancy.png`` and ``drt_waits.png`` into ``out_dir``; returns their names."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        names = []
        grid, load = self.load_series(step_s=300.0)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        hours = grid / 3600.0 + self.start_hour
        ax1.plot(hours, load / self.n_vehicles, color="#ff7f00")
        ax1.set_xlabel("clock hour")
        ax1.set_ylabel("riders on board per vehicle")
        ax1.set_title(f"DRT occupancy ({self.n_vehicles} vehicles x {self.seats} seats)")
        occ = self.occupancy_by_hour()
        ax2.bar([int(h) for h in occ], [v or 0.0 for v in occ.values()], color="#ff7f00")
        ax2.set_xlabel("clock hour")
        ax2.set_ylabel("mean riders on board per vehicle")
        ax2.set_title("Occupancy by hour")
        fig.tight_layout()
        fig.savefig(out / "drt_occupancy.png", dpi=110)
        plt.close(fig)
        names.append("drt_occupancy.png")

        wait = np.array([r.t_pickup - r.ready for r in self.rides if not math.isnan(r.t_pickup)]) / 60.0
        fig, ax = plt.subplots(figsize=(6, 4))
        if len(wait):
            ax.hist(wait, bins=np.arange(0.0, max(self.max_wait_s / 60.0, float(wait.max())) + 1.0, 1.0),
                    color="#ff7f00", alpha=0.8)
            ax.axvline(float(wait.mean()), color="k", label=f"mean {wait.mean():.1f} min")
        for ref in (10.0, 15.0):
            ax.axvline(ref, color="grey", linestyle="--", linewidth=0.8)
        ax.set_xlabel("wait for pickup (min)")
        ax.set_ylabel("rides")
        ax.set_title("DRT waits")
        if len(wait):
            ax.legend()
        fig.tight_layout()
        fig.savefig(out / "drt_waits.png", dpi=110)
        plt.close(fig)
        names.append("drt_waits.png")
        return names


def _mean_spacing(graph, nodes: np.ndarray) -> float:
    """Mean distance (m) from each node to its nearest other node of ``nodes`` (straight line)."""
    if len(nodes) < 2:
        return math.nan
    from scipy.spatial import cKDTree

    xy = np.column_stack([graph.x[nodes], graph.y[nodes]])
    dist, _ = cKDTree(xy).query(xy, k=2)
    return float(dist[:, 1].mean())


def _num(x) -> float | None:
    """A plain float (None for NaN/inf) for JSON."""
    x = float(x)
    return x if math.isfinite(x) else None


def _stats(values: np.ndarray) -> dict:
    """Mean, median, 95th percentile and maximum (None when empty)."""
    if not len(values):
        return {"mean": None, "median": None, "p95": None, "max": None}
    return {"mean": _num(values.mean()), "median": _num(np.median(values)),
            "p95": _num(np.percentile(values, 95)), "max": _num(values.max())}
