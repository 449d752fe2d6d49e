"""Where a DRT service operates: served zones, virtual stops, depots, and the walk to a stop.

:class:`ServiceArea` decides where riders are picked up (at the door, or at the nearest
virtual stop on the walk graph) and where vehicles start (depots); the functions below
are deterministic functions of the city, the served zones and (for depots and stops
placed by demand) a random generator.  Rebalancing cells use :func:`grid_cells` too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from kaicity import routing
from kaicity.categories import ZONE_CODE
from kaicity.errors import SimulationError
from kaicity.network.city import City
from kaicity.network.graph import Graph
from kaicity.services.transit import TripRequest

if TYPE_CHECKING:
    from kaicity.scenario import DrtSection


class ServiceArea:
    """Served zones, pickup points and each walk node's walk to its pickup point.

    Parameters
    ----------
    city
        The city: vehicles drive ``city.drive``; riders walk ``city.walk``.
    cfg
        The scenario's ``transit.drt`` section (``zones``, ``mode``, virtual stop keys).
    rng
        Random generator (stops placed by demand, sampling of homes).
    people
        Real people in the run (to size virtual stops per 1,000 people), or None.
    homes
        Walk node of each resident's home (to place stops and depots by demand), or None.
    max_walk_search_m
        Longest walk to a virtual stop searched (m); each request also has its own limit.
    transit_poor
        Boolean mask over walk nodes of the transit-poor places (no bus stop within the bus
        catchment); served when ``cfg.zones`` lists ``transit_poor``.  None: no bus network
        is known, so every place is transit-poor.

    Attributes
    ----------
    zone_codes : ndarray of int8
        Codes of the served zones (without ``transit_poor``).
    served_walk : ndarray of bool
        For each walk node: whether a trip starting there is served.
    served_drive : ndarray of int32
        Drive nodes of the served area.
    stops : ndarray of int32
        Virtual stops (drive nodes; empty door to door).
    access_node, access_m : ndarray
        For each walk node: its pickup drive node (-1 when no stop is within reach) and the
        walk to it (m).
    """

    def __init__(self, city: City, cfg: DrtSection, rng: np.random.Generator, *, people: float | None = None,
                 homes: np.ndarray | None = None, max_walk_search_m: float = 5000.0,
                 transit_poor: np.ndarray | None = None) -> None:
        self.city = city
        self.rng = rng
        self.homes = None if homes is None else np.asarray(homes)
        zones = list(cfg.zones)
        self.zone_codes = np.array(sorted(ZONE_CODE[z] for z in cfg.zone_names), dtype=np.int8)
        self.door_to_door = str(cfg.mode) != "virtual_stops"
        self.served_walk = served_walk_mask(city, cfg, transit_poor)
        g = city.drive
        in_zone = np.isin(g.zone, self.zone_codes)
        extra = self.served_walk & ~np.isin(city.walk.zone, self.zone_codes)  # transit-poor places
        in_zone[city.walk_to_drive[extra]] = True
        self.served_drive = np.flatnonzero(in_zone).astype(np.int32)
        if len(self.served_drive) == 0:
            raise SimulationError(f"no drive node lies in the DRT zones {zones}")
        self.stop_spacing_m = float(cfg.virtual_stop_spacing_m)
        self._build_stops(cfg.virtual_stops_per_1000_people, people, float(max_walk_search_m))

    def _build_stops(self, per_1000: float | None, people: float | None, max_walk_search_m: float) -> None:
        """Virtual stops (mode ``virtual_stops``) and every walk node's walk to its pickup point."""
        city, walk, drive = self.city, self.city.walk, self.city.drive
        if self.door_to_door:
            self.stops = np.zeros(0, dtype=np.int32)
            w2d = city.walk_to_drive
            self.access_m = np.hypot(walk.x - drive.x[w2d], walk.y - drive.y[w2d])
            self.access_node = w2d.astype(np.int32)
            return
        if per_1000 is not None and people:
            count = max(1, round(people * float(per_1000) / 1000.0))
            homes = self.served_homes()
            if homes is not None and len(homes[0]) > count:
                # where people live: weighted k-means of the homes, snapped to served drive nodes
                self.stops = np.unique(demand_centres(drive, self.served_drive, homes, count, self.rng))
                self.stop_spacing_m = mean_spacing(drive, self.stops)
            else:
                self.stops, self.stop_spacing_m = stops_for_count(drive, self.served_drive, count)
        else:
            self.stops = grid_stops(drive, self.served_drive, self.stop_spacing_m)
        stop_walk = city.drive_to_walk[self.stops]
        dist, which = routing.nearest(walk, stop_walk, limit=max_walk_search_m)
        self.access_m = dist
        self.access_node = np.where(which >= 0, self.stops[np.maximum(which, 0)], -1).astype(np.int32)

    def served_homes(self, max_points: int = 20_000) -> tuple[np.ndarray, np.ndarray] | None:
        """Coordinates of the homes in the served zones (a random sample of at most ``max_points``)."""
        if self.homes is None:
            return None
        h = self.homes
        h = h[self.served_walk[h]]
        if not len(h):
            return None
        if len(h) > max_points:
            h = np.sort(self.rng.choice(h, max_points, replace=False))
        return self.city.walk.x[h], self.city.walk.y[h]

    def depots(self, n: int) -> np.ndarray:
        """``n`` depot drive nodes spread over the served area in proportion to the homes there."""
        return demand_centres(self.city.drive, self.served_drive, self.served_homes(), n, self.rng)

    def serves_zone(self, zone_codes: np.ndarray) -> np.ndarray:
        """Boolean array: whether DRT serves each zone code as a whole (transit-poor places aside)."""
        return np.isin(np.asarray(zone_codes), self.zone_codes)

    def serves(self, walk_node: int) -> bool:
        """Whether ``walk_node`` lies in the served area (a trip is served when it starts or ends there)."""
        return bool(self.served_walk[int(walk_node)])

    def served_people(self, people: float | None = None, population_scale: float = 1.0) -> float:
        """Real people living in the service area: served homes x ``population_scale`` (without homes,
        ``people`` times the served share of walk nodes)."""
        if self.homes is not None:
            return float(self.served_walk[self.homes].sum()) * float(population_scale)
        return float(people or 0.0) * float(self.served_walk.mean())

    def access(self, req: TripRequest) -> tuple[str | None, int, int, float, float]:
        """Rejection reason or None, pickup and drop-off drive nodes, walks to and from them (s)."""
        o, dst = int(req.origin), int(req.destination)
        p, d = int(self.access_node[o]), int(self.access_node[dst])
        if not self.door_to_door and (p < 0 or d < 0 or self.access_m[o] > req.max_walk_m
                                      or self.access_m[dst] > req.max_walk_m):
            return "no_stop_within_walk", -1, -1, math.inf, math.inf
        speed = float(req.walk_speed)
        return None, p, d, float(self.access_m[o]) / speed, float(self.access_m[dst]) / speed


def served_walk_mask(city: City, cfg: DrtSection, transit_poor: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask over walk nodes: the DRT service area (served zones, plus transit-poor places).

    Parameters
    ----------
    city
        The city.
    cfg
        The ``transit.drt`` section (its ``zones``; ``transit_poor`` among them adds the places of
        the ``transit_poor`` mask).
    transit_poor
        Boolean mask over walk nodes of the places with no bus stop within the bus catchment;
        None = no bus network, every place is transit-poor.
    """
    walk = city.walk
    codes = [ZONE_CODE[z] for z in cfg.zone_names]
    mask = np.isin(walk.zone, np.array(codes, dtype=np.int8))
    if cfg.serves_transit_poor:
        if transit_poor is None:
            mask[:] = True
        else:
            mask |= np.asarray(transit_poor, dtype=bool)
    return mask


def mean_spacing(graph: Graph, nodes: np.ndarray) -> float:
    """Mean distance (m) from each node to its nearest other node of ``nodes`` (straight line)."""
    if len(nodes) < 2:
        return math.nan
    from scipy.spatial import cKDTree

    xy = np.column_stack([graph.x[nodes], graph.y[nodes]])
    dist, _ = cKDTree(xy).query(xy, k=2)
    return float(dist[:, 1].mean())


def grid_cells(x: np.ndarray, y: np.ndarray, size_m: float) -> np.ndarray:
    """Compact cell id (0..k-1) of each point on a square grid of ``size_m`` metres."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    gx = np.floor((x - x.min()) / size_m).astype(np.int64)
    gy = np.floor((y - y.min()) / size_m).astype(np.int64)
    _, inverse = np.unique(gx * (int(gy.max()) + 1) + gy, return_inverse=True)
    return inverse.reshape(-1)


def grid_stops(graph: Graph, nodes: np.ndarray, spacing_m: float) -> np.ndarray:
    """One stop per grid cell of ``spacing_m`` metres: the node of ``nodes`` nearest its cell's centroid.

    Parameters
    ----------
    graph
        Graph whose ``x``/``y`` locate the nodes.
    nodes
        Candidate node indices (e.g. the drive nodes of the served zones).
    spacing_m
        Grid size; stops end up roughly this far apart.

    Returns
    -------
    ndarray of int32
        Sorted, distinct stop nodes.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) == 0:
        return np.zeros(0, dtype=np.int32)
    x, y = graph.x[nodes], graph.y[nodes]
    cell = grid_cells(x, y, spacing_m)
    k = int(cell.max()) + 1
    cnt = np.bincount(cell, minlength=k).astype(float)
    cx = np.bincount(cell, weights=x, minlength=k) / cnt
    cy = np.bincount(cell, weights=y, minlength=k) / cnt
    d2 = (x - cx[cell]) ** 2 + (y - cy[cell]) ** 2
    order = np.lexsort((nodes, d2, cell))   # per cell: nearest to the centroid, then lowest id
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    return np.unique(nodes[order][first]).astype(np.int32)


def stops_for_count(graph: Graph, nodes: np.ndarray, count: int) -> tuple[np.ndarray, float]:
    """Grid stops whose number is as close as possible to ``count`` (spacing found by bisection).

    Returns the stops and the spacing used (m).
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    count = max(1, int(count))
    if len(nodes) <= count:
        return np.unique(nodes).astype(np.int32), 0.0
    span = float(max(np.ptp(graph.x[nodes]), np.ptp(graph.y[nodes]), 1.0))
    lo, hi = 1.0, 2.0 * span   # few stops at hi, many at lo
    best = grid_stops(graph, nodes, hi)
    best_s = hi
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        stops = grid_stops(graph, nodes, mid)
        if abs(len(stops) - count) < abs(len(best) - count):
            best, best_s = stops, mid
        if len(stops) > count:
            lo = mid
        elif len(stops) < count:
            hi = mid
        else:
            break
        if hi - lo < 1.0:
            break
    return best, best_s


def demand_centres(graph: Graph, nodes: np.ndarray, weights_xy: tuple[np.ndarray, np.ndarray] | None,
                  k: int, rng: np.random.Generator, iterations: int = 12) -> np.ndarray:
    """``k`` nodes spread over the service area in proportion to demand (k-means of demand points).

    Used for depots (one per vehicle) and for virtual stops given as a count.

    Parameters
    ----------
    graph
        Graph of the candidate nodes (the drive graph).
    nodes
        Candidate depot nodes (served drive nodes).
    weights_xy
        Coordinates of demand points (e.g. homes of residents in the served zones); the
        candidate nodes themselves when None.  Each centre ends at the candidate node
        nearest to it.
    k
        Number of nodes wanted (several centres may snap to the same node).
    rng
        Random generator for the k-means++ seeding.

    Returns
    -------
    ndarray of int32, shape (k,)
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    nx, ny = graph.x[nodes], graph.y[nodes]
    if weights_xy is None or len(weights_xy[0]) == 0:
        px, py = nx, ny
    else:
        px, py = np.asarray(weights_xy[0], float), np.asarray(weights_xy[1], float)
    pts = np.column_stack([px, py])
    centres = np.empty((k, 2))
    centres[0] = pts[rng.integers(len(pts))]
    d2 = ((pts - centres[0]) ** 2).sum(axis=1)
    for c in range(1, k):
        total = d2.sum()
        i = rng.choice(len(pts), p=d2 / total) if total > 0 else rng.integers(len(pts))
        centres[c] = pts[i]
        d2 = np.minimum(d2, ((pts - centres[c]) ** 2).sum(axis=1))
    for _ in range(iterations):
        lab = nearest_index(centres, pts)
        counts = np.bincount(lab, minlength=k)
        order = np.argsort(lab, kind="stable")
        grouped = pts[order]                  # each cluster's points, in their original order
        ends = np.cumsum(counts)
        for c in np.flatnonzero(counts).tolist():
            centres[c] = grouped[ends[c] - counts[c]:ends[c]].mean(axis=0)
    cand = np.column_stack([nx, ny])
    return nodes[nearest_index(cand, centres)].astype(np.int32)


def nearest_index(ref: np.ndarray, queries: np.ndarray, candidates: int = 4) -> np.ndarray:
    """Index of the point of ``ref`` nearest to each query (first index on ties).

    The same answer as ``argmin`` over every pair of ``(rx - qx)**2 + (ry - qy)**2``, in
    O((n + m) log n) instead of O(n m): a k-d tree (:class:`scipy.spatial.cKDTree`)
    proposes the ``candidates`` nearest points, their squared distances are computed by
    that formula, and queries whose candidates do not clearly settle it (a tie within
    rounding with the farthest candidate) are computed densely.

    Parameters
    ----------
    ref, queries
        Points, shape ``(n, 2)`` and ``(m, 2)``.

    Returns
    -------
    ndarray of int64, shape (m,)
    """
    from scipy.spatial import cKDTree

    ref = np.asarray(ref, dtype=float)
    queries = np.asarray(queries, dtype=float)
    n, m = len(ref), len(queries)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if n * m <= 4096 or n <= candidates:
        return _nearest_dense(ref, queries)
    k = candidates
    kd_d, cand = cKDTree(ref).query(queries, k=k)
    d2 = (ref[cand, 0] - queries[:, None, 0]) ** 2 + (ref[cand, 1] - queries[:, None, 1]) ** 2
    best = d2.min(axis=1)
    # lowest index among the candidates at the minimum (argmin's tie rule)
    out = np.where(d2 == best[:, None], cand, np.iinfo(np.int64).max).min(axis=1)
    unsure = kd_d[:, -1] ** 2 <= best * (1.0 + 1e-9) + 1e-9
    if unsure.any():
        out[unsure] = _nearest_dense(ref, queries[unsure])
    return out.astype(np.int64)


def _nearest_dense(ref: np.ndarray, queries: np.ndarray, chunk: int = 2048) -> np.ndarray:
    out = np.empty(len(queries), dtype=np.int64)
    for s in range(0, len(queries), chunk):
        q = queries[s:s + chunk]
        out[s:s + chunk] = np.argmin((ref[None, :, 0] - q[:, None, 0]) ** 2 + (ref[None, :, 1] - q[:, None, 1]) ** 2,
                                     axis=1)
    return out
