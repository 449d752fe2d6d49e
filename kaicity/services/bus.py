"""Fixed-route buses: lines of stops on the drive graph, timetabled runs, seat reservations.

Each line has two *patterns* (one per direction): an ordered list of stops on the
drive graph with the scheduled time offset of each stop from the first.  Runs leave
the first stop every ``headway`` seconds within the service hours.  A rider walks to
the nearest stop of a pattern, boards the first run with a free seat on every segment
of the ride, rides, and walks to the destination.  A journey may change vehicle once, at
a stop two patterns share (a hub: the feeders' ends, the trunk lines' common centre),
after at least ``transfer_min``.  When the request carries ``dest_access`` the rider may
alight near any place of the category: the earliest door arrival decides.

Lines are either given (lists of lon/lat stops) or generated: trunk lines by
:func:`auto_lines` (radial lines from the core centre to suburban neighbourhoods and to the
farthest rural villages) and, with ``design: demand``, feeders chosen greedily where the
most walk nodes are beyond ``coverage_walk_m`` of any stop, each driven to the nearest
existing stop (:func:`feeder_seed`).  Stops are spaced by zone as observed in Korea
(JKST 2022: 777 m in 시, 1,528 m in 군).

A quote looks only at the patterns with a stop within the rider's walk of the origin and their
transfer partners (:class:`~kaicity.services.bus_access.StopIndex`, a per-walk-node index built at
the first quote); egress walks to a category's places are computed once per category for every stop
(:class:`~kaicity.services.bus_access.StopEgress`; the category's ``PlaceAccess`` tables must not
change afterwards).  Bookings are those of scanning every pattern (``tests/test_bus_quote_exact.py``).

With ``population.scale`` s a run holds ``capacity / s`` agents on average
(:func:`seats_per_run`: whole seats per run, exact on average).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from kaicity import routing
from kaicity.categories import ZONE_CODE, ZONES
from kaicity.network.city import City
from kaicity.network.graph import Graph
from kaicity.services.bus_access import RequestEgress, StopEgress, StopIndex
from kaicity.services.population import by_key
from kaicity.services.transit import Arrival, Booking, TransitService, TripRequest, VehicleState

DAY_S = 86_400.0

#: A feeder is added only for a cluster of at least this many uncovered walk nodes (assumption:
#: the synthetic villages have 10-60 nodes; a stray node or two is not a village).
FEEDER_MIN_NODES = 8


@dataclass
class Pattern:
    """One direction of a line: stops, their schedule offsets, and the driven path.

    Attributes
    ----------
    line : str
        Line name.
    kind : str
        ``"urban"`` or ``"rural"``.
    stops : int32 drive-node index of each stop, in order.
    stop_walk : int32 walk-node index nearest each stop.
    offsets : float64 seconds from the first stop's departure to each stop's departure.
    path : int32 drive nodes driven, first stop to last.
    path_times : float64 scheduled seconds at each path node.
    length_m : float
        Length of the path (m).
    headway_s : float
    run_starts : float64 simulation times of each run's departure from the first stop.
    loads : int32 ``[run, segment]`` riders on board between stop ``i`` and ``i + 1``.
    stop_pos : int index into ``path`` of each stop.
    cum_m : float64 metres driven from the first stop to each path node.
    """

    line: str
    kind: str
    stops: np.ndarray
    stop_walk: np.ndarray
    offsets: np.ndarray
    path: np.ndarray
    path_times: np.ndarray
    length_m: float
    headway_s: float
    stop_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cum_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    run_starts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loads: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))
    seats: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))


def seats_per_run(n_runs: int, capacity: int, scale: float) -> np.ndarray:
    """Whole agent seats of each run so that the mean is exactly ``capacity / scale``.

    Run ``k`` gets ``floor((k + 1) c) - floor(k c)`` seats with ``c = capacity / scale``
    (deterministic, no random draw); at scale 1 every run has ``capacity``.
    """
    c = float(capacity) / max(float(scale), 1.0)
    edges = np.floor(np.arange(n_runs + 1) * c + 1e-9).astype(np.int64)
    return np.diff(edges).astype(np.int32)


def feeder_seed(walk: Graph, uncovered: np.ndarray, radius_m: float, min_nodes: int) -> int:
    """Walk node at the centre of the densest uncovered cluster (-1 when none has ``min_nodes``).

    Suburb and rural clusters (neighbourhoods, villages) come first: only when none of
    ``min_nodes`` uncovered nodes within ``radius_m`` (straight line) is left in those zones
    is the core searched.  Within the searched zones the node with most uncovered nodes of its
    zone within ``radius_m`` wins (lowest index on ties).
    """
    from scipy.spatial import cKDTree

    for zones in ((ZONE_CODE["suburb"], ZONE_CODE["rural"]), (ZONE_CODE["core"],)):
        idx = np.flatnonzero(uncovered & np.isin(walk.zone, zones))
        if len(idx) < min_nodes:
            continue
        pts = np.column_stack([walk.x[idx], walk.y[idx]])
        counts = np.zeros(len(idx), dtype=np.int64)
        for z in zones:  # count neighbours of the node's own zone only
            m = walk.zone[idx] == z
            if m.any():
                counts[m] = cKDTree(pts[m]).query_ball_point(pts[m], r=radius_m, return_length=True)
        best = int(np.argmax(counts))
        if counts[best] >= min_nodes:
            return int(idx[best])
    return -1


def edge_costs_along(graph: Graph, path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost (graph unit) and length (m) of each consecutive edge of ``path`` (cheapest parallel edge)."""
    costs = np.empty(max(len(path) - 1, 0))
    lengths = np.empty_like(costs)
    for i in range(len(path) - 1):
        u, v = path[i], path[i + 1]
        lo, hi = graph.indptr[u], graph.indptr[u + 1]
        heads = graph.indices[lo:hi]
        j = lo + int(np.flatnonzero(heads == v)[0])
        costs[i] = graph.weights[j]
        lengths[i] = graph.lengths[j]
    return costs, lengths


def place_stops(path: np.ndarray, lengths: np.ndarray, zone: np.ndarray, spacing_m: dict[str, float]) -> list[int]:
    """Positions (indices into ``path``) of stops spaced by the zone of each path node."""
    stops = [0]
    since = 0.0
    for i in range(1, len(path)):
        since += lengths[i - 1]
        if since >= spacing_m[ZONES[zone[path[i]]]] or i == len(path) - 1:
            stops.append(i)
            since = 0.0
    return stops


def auto_lines(city: City, n_lines: int) -> list[tuple[str, str, int, int]]:
    """Choose line end points: ``(name, kind, from_drive_node, to_drive_node)``.

    The hub is the drive node nearest the centroid of the core (or of the whole city).
    Half of the lines (rounded up) go to the farthest rural node in equal angular
    sectors around the hub, the rest to suburban nodes at the 75th percentile of
    distance in their sector.  Cities without rural or suburban nodes use what exists.
    """
    g = city.drive
    core = np.flatnonzero(g.zone == ZONE_CODE["core"])
    base = core if len(core) else np.arange(g.n_nodes)
    cx, cy = g.x[base].mean(), g.y[base].mean()
    hub = int(base[np.argmin((g.x[base] - cx) ** 2 + (g.y[base] - cy) ** 2)])
    rural = np.flatnonzero(g.zone == ZONE_CODE["rural"])
    suburb = np.flatnonzero(g.zone == ZONE_CODE["suburb"])
    n_rural = math.ceil(n_lines / 2) if len(rural) else 0
    n_suburb = n_lines - n_rural
    if not len(suburb):
        n_suburb = 0
        n_rural = n_lines if len(rural) else 0
    others = np.flatnonzero(g.zone != ZONE_CODE["core"]) if (n_rural + n_suburb) == 0 else None
    lines: list[tuple[str, str, int, int]] = []

    def pick(nodes: np.ndarray, k: int, kind: str, quantile: float) -> None:
        if k <= 0 or not len(nodes):
            return
        ang = np.arctan2(g.y[nodes] - g.y[hub], g.x[nodes] - g.x[hub])
        dist = np.hypot(g.x[nodes] - g.x[hub], g.y[nodes] - g.y[hub])
        edges = np.linspace(-np.pi, np.pi, k + 1)
        for s in range(k):
            m = (ang >= edges[s]) & (ang < edges[s + 1])
            if not m.any():
                continue
            cand, d = nodes[m], dist[m]
            target = np.quantile(d, quantile)
            end = int(cand[np.argmin(np.abs(d - target))])
            lines.append((f"{kind[0].upper()}{len(lines) + 1}", kind, hub, end))

    pick(rural, n_rural, "rural", 1.0)
    pick(suburb, n_suburb, "urban", 0.75)
    if others is not None:
        pick(others if len(others) else np.arange(g.n_nodes), n_lines, "urban", 0.9)
    return lines


class BusNetwork(TransitService):
    """Fixed-route bus service implementing :class:`TransitService`.

    Parameters
    ----------
    city
        The city (drive graph for vehicles, walk graph for access).
    cfg
        The scenario's ``transit.bus`` section.
    horizon_s
        Length of the run (s); runs are scheduled for every day of it.
    start_hour
        Clock hour at simulation time 0.
    max_walk_m
        Longest access walk searched (m); riders may accept less.
    """

    mode = "bus"

    def __init__(self, city: City, cfg, horizon_s: float, start_hour: float, max_walk_m: float = 1500.0,
                 scale: float = 1.0, timetable=None):
        self.city = city
        self.capacity = int(cfg.capacity)
        self.scale = float(scale)
        self.dwell_s = float(cfg.dwell_s)
        self.start_hour = float(start_hour)
        self.horizon_s = float(horizon_s)
        self.max_walk_m = float(max_walk_m)
        self.coverage_walk_m = float(by_key(cfg, "coverage_walk_m"))
        self.transfer_s = float(by_key(cfg, "transfer_min")) * 60.0
        self.max_transfers = int(by_key(cfg, "max_transfers"))
        spacing = {z: float(by_key(cfg.stop_spacing_m, z)) for z in ZONES}
        self._hours = tuple(float(h) for h in cfg.service_hours)
        self._headways = {"urban": float(cfg.urban_headway_min) * 60.0,
                          "rural": float(cfg.rural_headway_min) * 60.0}
        self.patterns: list[Pattern] = []
        lines = self._lines(cfg, self._headways) if timetable is None else []
        #: lines asked for (``n_lines``, the given list or the GTFS patterns) and lines with a direction built
        self.lines_requested = int(cfg.n_lines) if cfg.lines == "auto" else len(lines)
        self.lines_built = 0
        for name, kind, waypoints, headway_s, given in lines:
            self.lines_built += self._add_line(name, kind, waypoints, None if given else spacing, headway_s)
        if timetable is not None:
            self._add_timetable(timetable)
        self.feeders_built = 0
        if timetable is None and cfg.lines == "auto" and str(by_key(cfg, "design")) == "demand":
            self._add_feeders(int(by_key(cfg, "max_feeders")), spacing)
        self._transfers = self._transfer_points()
        self._arrivals: list[tuple[float, int, Arrival]] = []
        self._seq = 0
        self.boardings = 0
        #: boardings (legs) at each stop, by drive node: a transfer boards again at its second stop
        self.boardings_by_stop: Counter[int] = Counter()
        self.transfers = 0
        self.wait_s_total = 0.0
        self.in_vehicle_s_total = 0.0
        self.passenger_m = 0.0
        self._access_ready = False
        #: walk nodes of the homes (set by the model) for the coverage KPI; ``None``: all walk nodes
        self.coverage_homes: np.ndarray | None = None

    def _add_line(self, name: str, kind: str, waypoints: list[int], spacing: dict[str, float] | None,
                  headway_s: float) -> int:
        """Build and timetable both directions of a line; 1 when at least one was built."""
        built = 0
        for suffix, way in (("", waypoints), ("r", waypoints[::-1])):
            pat = self._make_pattern(f"{name}{suffix}", kind, way, spacing, headway_s)
            if pat is not None:
                self._schedule(pat, self._hours)
                self.patterns.append(pat)
                built = 1
        return built

    def _add_timetable(self, timetable) -> None:
        """One pattern per GTFS route direction (:class:`kaicity.network.gtfs.GtfsTimetable`), stopping at its
        snapped stops and leaving its first stop at the feed's departures, every simulated day."""
        self.lines_requested = len(timetable.patterns)
        for gp in timetable.patterns:
            nodes = np.asarray(gp.nodes, dtype=np.int64)
            kind = "rural" if (self.city.drive.zone[nodes] == ZONE_CODE["rural"]).any() else "urban"
            deps = np.asarray(gp.departures_s, dtype=float)
            headway = float(np.median(np.diff(deps))) if len(deps) > 1 else DAY_S
            pat = self._make_pattern(gp.name, kind, [int(n) for n in nodes], None, max(headway, 1.0))
            if pat is None:
                continue
            self._schedule(pat, self._hours, departures_s=deps)
            self.patterns.append(pat)
            self.lines_built += 1

    def stop_walk_m(self) -> np.ndarray:
        """Walking distance (m) from every walk node to the nearest stop of any pattern."""
        walk = self.city.walk
        if not self.patterns:
            return np.full(walk.n_nodes, np.inf)
        stops = np.unique(np.concatenate([p.stop_walk for p in self.patterns]))
        dist, _ = routing.nearest(walk, stops, limit=max(self.coverage_walk_m, self.max_walk_m))
        return dist

    def _add_feeders(self, max_feeders: int, spacing: dict[str, float]) -> None:
        """Greedy feeders: from the densest cluster of walk nodes beyond ``coverage_walk_m`` of
        every stop, drive to the nearest existing stop (where the feeder meets the network)."""
        walk, drive = self.city.walk, self.city.drive
        skipped = np.zeros(walk.n_nodes, dtype=bool)  # clusters no feeder can reach (islands)
        attempts = 0
        while self.feeders_built < max_feeders and self.patterns and attempts < 2 * max_feeders + 10:
            attempts += 1
            uncovered = (self.stop_walk_m() > self.coverage_walk_m) & ~skipped
            seed = feeder_seed(walk, uncovered, self.coverage_walk_m, FEEDER_MIN_NODES)
            if seed < 0:
                return
            start = int(self.city.walk_to_drive[seed])
            stops = np.unique(np.concatenate([p.stops for p in self.patterns]))
            times = np.asarray(routing.shortest_times(drive, start)).ravel()[stops]
            kind = "rural" if walk.zone[seed] == ZONE_CODE["rural"] else "urban"
            if (not np.isfinite(times).any() or self._add_line(
                    f"F{self.feeders_built + 1}", kind, [start, int(stops[int(np.argmin(times))])], spacing,
                    self._headways[kind]) == 0):
                near = np.hypot(walk.x - walk.x[seed], walk.y - walk.y[seed]) <= self.coverage_walk_m
                skipped |= near
                continue
            self.feeders_built += 1

    def _transfer_points(self) -> dict[tuple[int, int], list[tuple[int, int]]]:
        """``(pattern p, pattern q) -> [(stop i of p, stop j of q), ...]`` at shared stop nodes."""
        if self.max_transfers < 1:
            return {}
        where: dict[int, list[tuple[int, int]]] = {}
        for pi, pat in enumerate(self.patterns):
            for i, node in enumerate(pat.stops):
                where.setdefault(int(node), []).append((pi, i))
        out: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for visits in where.values():
            for p, i in visits:
                for q, j in visits:
                    if p != q and i > 0 and j < len(self.patterns[q].stops) - 1:
                        out.setdefault((p, q), []).append((i, j))
        return out

    # ----------------------------------------------------------- building
    def _lines(self, cfg, headways: dict[str, float]) -> list[tuple[str, str, list[int], float, bool]]:
        """``(name, kind, drive-node waypoints, headway s, stops given)`` of every line.

        Auto lines have two waypoints (hub and end) and stops spaced by zone; given lines
        stop exactly at their (snapped) stops, in order.
        """
        if cfg.lines == "auto":
            return [(name, kind, [a, b], headways[kind], False)
                    for name, kind, a, b in auto_lines(self.city, int(cfg.n_lines))]
        from kaicity.network.snapping import snap_lonlat

        lines = []
        for i, line in enumerate(cfg.lines):
            stops = np.asarray(by_key(line, "stops"), dtype=float)
            nodes, _ = snap_lonlat(self.city.drive, stops[:, 0], stops[:, 1])
            kind = "rural" if self.city.drive.zone[nodes].max() == ZONE_CODE["rural"] else "urban"
            name = str(by_key(line, "name") or f"L{i + 1}")
            lines.append((name, kind, [int(n) for n in nodes], float(by_key(line, "headway_min")) * 60.0, True))
        return lines

    def _make_pattern(self, name: str, kind: str, waypoints: list[int], spacing: dict[str, float] | None,
                      headway_s: float) -> Pattern | None:
        """Drive through ``waypoints`` in order; stops every ``spacing`` (by zone) or at the waypoints."""
        g = self.city.drive
        path: list[int] = [waypoints[0]]
        positions = [0]
        for a, b in zip(waypoints[:-1], waypoints[1:], strict=True):
            if a == b:
                continue
            leg = routing.shortest_path(g, a, b)
            if not leg:
                return None  # a given stop cannot be reached in this direction
            path.extend(leg[1:])
            positions.append(len(path) - 1)
        path = np.asarray(path, dtype=np.int32)
        if len(path) < 2:
            return None
        costs, lengths = edge_costs_along(g, path)
        if spacing is not None:
            positions = place_stops(path, lengths, g.zone, spacing)
        times = np.concatenate([[0.0], np.cumsum(costs)])
        # each intermediate stop adds a dwell to everything after it
        dwell = np.zeros(len(path))
        for p in positions[1:-1]:
            dwell[p + 1:] += self.dwell_s
        path_times = times + dwell
        stops = path[positions]
        return Pattern(
            line=name, kind=kind, stops=stops.astype(np.int32),
            stop_walk=self.city.drive_to_walk[stops].astype(np.int32),
            offsets=path_times[positions], path=path, path_times=path_times,
            length_m=float(lengths.sum()), headway_s=headway_s,
            stop_pos=np.asarray(positions, dtype=np.int64), cum_m=np.concatenate([[0.0], np.cumsum(lengths)]),
        )

    def _schedule(self, pat: Pattern, hours: tuple[float, float], departures_s: np.ndarray | None = None) -> None:
        """Run departures from the first stop: every headway within ``hours``, or at ``departures_s``
        (seconds after midnight) on every day."""
        days = int(math.ceil((self.horizon_s + self.start_hour * 3600.0) / DAY_S)) + 1
        starts = []
        if departures_s is not None:
            t = (np.arange(days)[:, None] * DAY_S + np.asarray(departures_s)[None, :]
                 - self.start_hour * 3600.0).ravel()
            starts = sorted(float(v) for v in t if 0 <= v < self.horizon_s)
        for d in range(days if departures_s is None else 0):
            t = d * DAY_S + hours[0] * 3600.0 - self.start_hour * 3600.0
            end = d * DAY_S + hours[1] * 3600.0 - self.start_hour * 3600.0
            while t < end:
                if 0 <= t < self.horizon_s:
                    starts.append(t)
                t += pat.headway_s
        pat.run_starts = np.asarray(starts, dtype=float)
        pat.loads = np.zeros((len(starts), max(len(pat.stops) - 1, 0)), dtype=np.int32)
        pat.seats = seats_per_run(len(starts), self.capacity, self.scale)

    def _ensure_access(self) -> None:
        """Per-walk-node index of the nearest stop of each pattern within ``max_walk_m`` (lazy), the
        patterns' stops concatenated, and each pattern's transfer partners (ascending)."""
        if self._access_ready:
            return
        self._index = StopIndex(self.city.walk, [p.stop_walk for p in self.patterns], self.max_walk_m)
        sizes = [len(p.stops) for p in self.patterns]
        self._stop_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64).tolist()
        self._stop_walk_all = (np.concatenate([p.stop_walk for p in self.patterns]) if self.patterns
                               else np.zeros(0, dtype=np.int32))
        self._partners: list[list[tuple[int, list[tuple[int, int]]]]] = [[] for _ in self.patterns]
        for (p, q), points in sorted(self._transfers.items()):
            self._partners[p].append((q, points))
        self._offsets = [p.offsets.tolist() for p in self.patterns]
        self._egress_tables: dict[int, StopEgress] = {}
        self._access_ready = True

    def _egress(self, req: TripRequest) -> RequestEgress:
        """The request's egress walks, computed per pattern on demand."""
        if req.dest_access is None:
            near = {p: (s, m) for p, s, m in self._index.at(req.destination, req.max_walk_m)}
            return RequestEgress(req.max_walk_m, None, near, self._stop_ptr)
        table = self._egress_tables.get(id(req.dest_access))
        if table is None or table.access is not req.dest_access:
            table = self._egress_tables[id(req.dest_access)] = StopEgress(req.dest_access, self._stop_walk_all)
            table.split(self._stop_ptr)
        return RequestEgress(req.max_walk_m, table, None, self._stop_ptr)

    @staticmethod
    def _first_dep(pat: Pattern, b: int, ready: float) -> int:
        """First run whose departure from stop ``b`` (``run_starts + offsets[b]``) is at or after ``ready``:
        ``searchsorted(run_starts + offsets[b], ready)`` without forming the sum over every run."""
        starts, off = pat.run_starts, pat.offsets[b]
        k, n = int(np.searchsorted(starts, ready - off)), len(starts)
        while k > 0 and starts[k - 1] + off >= ready:
            k -= 1
        while k < n and starts[k] + off < ready:
            k += 1
        return k

    @staticmethod
    def _free_run(pat: Pattern, k: int, b: int, a: int) -> int:
        """First run from ``k`` on with a free seat on every segment from stop ``b`` to ``a`` (-1: none)."""
        n = len(pat.run_starts)
        while k < n and pat.loads[k, b:a].max() >= pat.seats[k]:
            k += 1
        return k if k < n else -1

    def _legs_to(self, pi: int, b: int, ready: float, stops: list[int], walks: list[float], speed: float,
                 ) -> tuple[float, int, int, float]:
        """Best ``(door arrival, run, alighting stop, departure)`` on pattern ``pi`` boarding at ``b``, alighting at
        one of ``stops`` (ascending, egress walks ``walks``): the earliest arrival, first stop on ties."""
        best = (math.inf, -1, -1, math.inf)
        first = bisect.bisect_right(stops, b)
        if first == len(stops):
            return best
        pat = self.patterns[pi]
        k = self._first_dep(pat, b, ready)
        n = len(pat.run_starts)
        if k >= n:
            return best
        off = self._offsets[pi]
        top = stops[-1]
        cm = None
        for a, w in zip(stops[first:], walks[first:], strict=True):
            while True:  # the first run with a seat to ``a``: never earlier than the one to a nearer stop
                if cm is None:
                    cm = np.maximum.accumulate(pat.loads[k, b:top]).tolist()
                    seats = int(pat.seats[k])
                if cm[a - b - 1] < seats:
                    break
                k += 1
                cm = None
                if k >= n:
                    return best
            dep = float(pat.run_starts[k]) + off[b]
            arrive = dep + off[a] - off[b] + w / speed
            if arrive < best[0]:
                best = (arrive, k, a, dep)
        return best

    def _best(self, req: TripRequest) -> tuple[Booking, list[tuple[int, int, int, int]] | None]:
        """Quickest itinerary (direct or with one transfer at a shared stop) and its legs
        ``[(pattern, run, board stop, alight stop), ...]``.

        Only patterns with a stop within the rider's walk of the origin are boarded, and only
        their transfer partners and themselves are alighted from (ties: lower pattern, direct first,
        then lower transfer partner, as when every pattern is scanned)."""
        self._ensure_access()
        speed = req.walk_speed
        boards = self._index.at(req.origin, req.max_walk_m)
        egress = self._egress(req)
        best: tuple | None = None  # (arrive, transfers, legs, wait, ride, walk_m, place, node)
        for pi, b, walk_in in boards:
            pat = self.patterns[pi]
            off = self._offsets[pi]
            at_stop = req.time + walk_in / speed
            e = egress.of(pi)
            if e is not None:
                arrive, k, a, dep = self._legs_to(pi, b, at_stop, e[0], e[1], speed)
                if k >= 0 and (best is None or (arrive, 0) < best[:2]):
                    best = (arrive, 0, [(pi, k, b, a)], dep - at_stop, off[a] - off[b],
                            walk_in + egress.walk(pi, a), *egress.place(pi, a))
            k0 = -2
            for qi, points in self._partners[pi]:
                eq = egress.of(qi)
                if eq is None:
                    continue
                for i, j in points:
                    if i <= b:
                        continue
                    if k0 == -2:
                        k0 = self._first_dep(pat, b, at_stop)
                    k1 = self._free_run(pat, k0, b, i)
                    if k1 < 0:
                        continue
                    dep1 = pat.run_starts[k1] + pat.offsets[b]
                    ride1 = pat.offsets[i] - pat.offsets[b]
                    q = self.patterns[qi]
                    ready = dep1 + ride1 + self.transfer_s
                    arrive, k2, a2, dep2 = self._legs_to(qi, j, float(ready), eq[0], eq[1], speed)
                    if k2 < 0 or (best is not None and (arrive, 1) >= best[:2]):
                        continue
                    ride2 = q.offsets[a2] - q.offsets[j]
                    wait = (dep1 - at_stop) + (dep2 - dep1 - ride1)
                    best = (arrive, 1, [(pi, k1, b, i), (qi, k2, j, a2)], wait, ride1 + ride2,
                            walk_in + egress.walk(qi, a2), *egress.place(qi, a2))
        if best is None:
            reason = "no_run_in_service" if boards and egress.any() else "no_stop_within_walk"
            return Booking(False, "bus", reason=reason), None
        arrive, transfers, legs, wait, ride, walk_m, place, node = best
        pi, k = legs[0][0], legs[0][1]
        booking = Booking(True, "bus", float(arrive), float(wait), float(ride), float(walk_m / speed), None,
                          pi * 1_000_000 + k, place=int(place), destination=int(node), transfers=transfers)
        return booking, legs

    def quote(self, request: TripRequest) -> Booking:
        """Best bus itinerary for ``request`` without reserving seats."""
        return self._best(request)[0]

    def book(self, request: TripRequest) -> Booking:
        """Reserve seats on the best itinerary and schedule the arrival."""
        booking, legs = self._best(request)
        if not booking.accepted:
            return booking
        for pi, k, b, a in legs:
            pat = self.patterns[pi]
            pat.loads[k, b:a] += 1
            self.boardings_by_stop[int(pat.stops[b])] += 1
            self.passenger_m += self._distance_between(pat, b, a)
        self.boardings += 1
        self.transfers += len(legs) - 1
        self.wait_s_total += booking.wait_s
        self.in_vehicle_s_total += booking.in_vehicle_s
        arrival = Arrival(request.trip_id, booking.arrive_time, booking.wait_s, booking.in_vehicle_s,
                          booking.walk_s)
        heapq.heappush(self._arrivals, (booking.arrive_time, self._seq, arrival))
        self._seq += 1
        return booking

    @staticmethod
    def _distance_between(pat: Pattern, b: int, a: int) -> float:
        """Metres driven between stop ``b`` and stop ``a`` of a pattern."""
        return float(pat.cum_m[pat.stop_pos[a]] - pat.cum_m[pat.stop_pos[b]])

    def advance(self, now: float) -> list[Arrival]:
        """Riders whose scheduled arrival is at or before ``now``."""
        out = []
        while self._arrivals and self._arrivals[0][0] <= now:
            out.append(heapq.heappop(self._arrivals)[2])
        return out

    # ----------------------------------------------------------- outputs
    def stop_coverage(self, homes: np.ndarray | None = None) -> dict[str, float | None]:
        """Share of homes (default :attr:`coverage_homes`, else every walk node) within
        ``coverage_walk_m`` walk of a stop, by zone (``None`` for a zone without homes)."""
        homes = self.coverage_homes if homes is None else homes
        homes = np.arange(self.city.walk.n_nodes) if homes is None else np.asarray(homes)
        near = self.stop_walk_m()[homes] <= self.coverage_walk_m
        zone = self.city.walk.zone[homes]
        out: dict[str, float | None] = {}
        for code, z in enumerate(ZONES):
            m = zone == code
            out[z] = float(near[m].mean()) if m.any() else None
        return out

    def vehicle_state(self, now: float) -> VehicleState:
        """Positions of runs on the road at ``now`` (interpolated along their paths)."""
        g = self.city.drive
        xs, ys, loads = [], [], []
        for p in self.patterns:
            if not len(p.run_starts):
                continue
            rel = now - p.run_starts
            active = np.flatnonzero((rel >= 0) & (rel <= p.path_times[-1]))
            for k in active:
                i = int(np.searchsorted(p.path_times, rel[k], side="right")) - 1
                i = min(max(i, 0), len(p.path) - 2)
                t0, t1 = p.path_times[i], p.path_times[i + 1]
                f = 0.0 if t1 <= t0 else min(max((rel[k] - t0) / (t1 - t0), 0.0), 1.0)
                u, v = p.path[i], p.path[i + 1]
                xs.append(g.x[u] + f * (g.x[v] - g.x[u]))
                ys.append(g.y[u] + f * (g.y[v] - g.y[u]))
                seg = int(np.searchsorted(p.offsets, rel[k], side="right")) - 1
                seg = min(max(seg, 0), max(p.loads.shape[1] - 1, 0))
                loads.append(int(p.loads[k, seg]) if p.loads.shape[1] else 0)
        n = len(xs)
        return VehicleState(np.asarray(xs, float), np.asarray(ys, float), np.asarray(loads, np.int32),
                            np.full(n, self.capacity, np.int32))
