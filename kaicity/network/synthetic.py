"""The built-in offline synthetic city: a Korean new town with suburbs and a rural hinterland.

:func:`synthetic_city` lays out, in local metres of a UTM zone (EPSG:32652 for the default
centre near Sejong), three kinds of district and returns them as one OSMnx-compatible
:class:`networkx.MultiDiGraph`:

* **core** -- a dense, slightly jittered grid (blocks 100-150 m) with ``primary``/``secondary``
  arterials every 4-6 blocks (some pairs as one-way couplets), ``residential`` local streets,
  a few ``living_street`` segments and pedestrian plazas inside blocks reached only by
  ``footway`` links;
* **suburb** -- several looser, irregular grids (blocks 150-300 m, ``residential`` with
  ``tertiary`` collectors) around the core, joined to it and to each other by
  ``secondary``/``tertiary`` roads;
* **rural** -- many small irregular villages (10-60 nodes) 4-20 km beyond the built-up area
  (further only when custom shares ask for a hinterland too big for that band), grouped in townships
  and linked to each other by 1-5 km ``unclassified``/``tertiary`` roads and to the city by
  long ``secondary``/``tertiary`` roads; every long road is split into edges of a few hundred
  metres.

Everything is generated with numpy and added to the graph in bulk, so a 200,000-node city
takes a few seconds.  The same ``seed`` always gives the same graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import networkx as nx
import numpy as np
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

from kaicity.categories import ZONE_CODE, ZONES
from kaicity.errors import GeometryError, NetworkError

__all__ = ["DRIVABLE_EXCLUDED", "HIGHWAYS", "synthetic_city"]

#: ``highway`` values the synthetic city uses; an edge's code is its index here.
HIGHWAYS: tuple[str, ...] = (
    "primary", "secondary", "tertiary", "unclassified", "residential", "living_street", "footway",
)
_PRIMARY, _SECONDARY, _TERTIARY, _UNCLASSIFIED, _RESIDENTIAL, _LIVING, _FOOTWAY = range(len(HIGHWAYS))

#: ``highway`` values that cars may not use (the drive graph drops them).
DRIVABLE_EXCLUDED: frozenset[str] = frozenset({"footway", "pedestrian", "path", "steps"})

# Road context decides the speed limit: built-up area, village streets, or open-country road.
_URBAN, _VILLAGE, _RURAL_ROAD = range(3)
# Korean "safe speed 5030" policy: 50 km/h on urban arterials, 30 on residential and living
# streets; 60-70 on rural roads.  Footways carry no maxspeed, as in OSM.
_MAXSPEED = np.array(
    [
        # primary secondary tertiary unclassified residential living_street footway
        ["50", "50", "50", "50", "30", "30", None],  # urban
        ["60", "60", "50", "50", "30", "30", None],  # village streets
        ["70", "70", "60", "60", "30", "30", None],  # open-country roads
    ],
    dtype=object,
)

_CORE, _SUBURB, _RURAL = ZONE_CODE["core"], ZONE_CODE["suburb"], ZONE_CODE["rural"]

_MIN_NODES = 500
_MAX_NODES = 2_000_000
_MIN_DISTRICT = {"core_share": 100, "suburb_share": 40, "rural_share": 40}


# --------------------------------------------------------------------------------------------
# Accumulator of nodes and (undirected or one-way) street segments
# --------------------------------------------------------------------------------------------
class _Builder:
    """Collects node coordinates and street segments as numpy chunks.

    A segment is stored once: a two-way street becomes two directed edges only in
    :func:`_to_graph`.  ``way`` is the OSM-like way id shared by all segments of one road.
    """

    def __init__(self) -> None:
        self._x: list[np.ndarray] = []
        self._y: list[np.ndarray] = []
        self._zone: list[np.ndarray] = []
        self.n = 0
        self._edges: list[tuple[np.ndarray, ...]] = []
        self.n_ways = 0

    def add_nodes(self, x: np.ndarray, y: np.ndarray, zone: int) -> np.ndarray:
        """Append nodes; return their ids."""
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        ids = np.arange(self.n, self.n + x.size, dtype=np.int64)
        self._x.append(x)
        self._y.append(y)
        self._zone.append(np.full(x.size, zone, dtype=np.int8))
        self.n += x.size
        return ids

    def add_edges(self, u: np.ndarray, v: np.ndarray, highway: np.ndarray | int, *,
                  oneway: np.ndarray | bool = False, ctx: np.ndarray | int = _URBAN,
                  way: np.ndarray | None = None) -> None:
        """Append street segments ``u -> v`` (two-way unless ``oneway``)."""
        u = np.asarray(u, dtype=np.int64).ravel()
        v = np.asarray(v, dtype=np.int64).ravel()
        m = u.size
        if way is None:
            way = np.arange(self.n_ways, self.n_ways + m, dtype=np.int64)
            self.n_ways += m
        self._edges.append((
            u, v,
            np.broadcast_to(np.asarray(highway, dtype=np.int8), (m,)).copy(),
            np.broadcast_to(np.asarray(oneway, dtype=bool), (m,)).copy(),
            np.broadcast_to(np.asarray(ctx, dtype=np.int8), (m,)).copy(),
            np.asarray(way, dtype=np.int64),
        ))

    def mark(self) -> tuple[int, int, int, int]:
        """A point to :meth:`rollback` to."""
        return self.n, self.n_ways, len(self._x), len(self._edges)

    def rollback(self, mark: tuple[int, int, int, int]) -> None:
        """Forget every node and segment added since ``mark``."""
        self.n, self.n_ways, n_chunks, n_edge_chunks = mark
        del self._x[n_chunks:], self._y[n_chunks:], self._zone[n_chunks:], self._edges[n_edge_chunks:]

    def new_ways(self, k: int) -> np.ndarray:
        """Reserve ``k`` way ids."""
        ids = np.arange(self.n_ways, self.n_ways + k, dtype=np.int64)
        self.n_ways += k
        return ids

    def xy(self) -> np.ndarray:
        """All node coordinates so far, shape (n, 2)."""
        if not self._x:
            return np.empty((0, 2))
        return np.column_stack([np.concatenate(self._x), np.concatenate(self._y)])

    def zones(self) -> np.ndarray:
        """Zone code of every node so far."""
        return np.concatenate(self._zone)

    def edges(self) -> tuple[np.ndarray, ...]:
        """Concatenated segment arrays ``(u, v, highway, oneway, ctx, way)``."""
        return tuple(np.concatenate(col) for col in zip(*self._edges, strict=True))


@dataclass(frozen=True)
class _CoreInfo:
    half_w: float
    half_h: float
    grid_ids: np.ndarray  # drivable core nodes (grid intersections)


# --------------------------------------------------------------------------------------------
# Small geometric helpers
# --------------------------------------------------------------------------------------------
def _line_classes(rng: np.random.Generator, n: int, gap_lo: int, gap_hi: int) -> np.ndarray:
    """Indices of major lines among ``n`` parallel lines: 0, every ``gap_lo..gap_hi``, and n-1."""
    lines = [0]
    while True:
        nxt = lines[-1] + int(rng.integers(gap_lo, gap_hi + 1))
        if nxt >= n - 2:
            break
        lines.append(nxt)
    if n - 1 > lines[-1]:
        lines.append(n - 1)
    return np.asarray(lines, dtype=np.int64)


def _grid_edges(nr: int, nc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local ids of a row-major ``nr x nc`` grid's edges: ``u, v, is_horizontal, line``.

    ``line`` is the row of a horizontal edge or the column of a vertical one.
    """
    ids = np.arange(nr * nc, dtype=np.int64).reshape(nr, nc)
    hu, hv = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    vu, vv = ids[:-1, :].ravel(), ids[1:, :].ravel()
    hline = np.repeat(np.arange(nr), nc - 1)
    vline = np.tile(np.arange(nc), nr - 1)
    u = np.concatenate([hu, vu])
    v = np.concatenate([hv, vv])
    horiz = np.concatenate([np.ones(hu.size, bool), np.zeros(vu.size, bool)])
    line = np.concatenate([hline, vline])
    return u, v, horiz, line


def _per_line(horiz: np.ndarray, line: np.ndarray, row_vals: np.ndarray, col_vals: np.ndarray) -> np.ndarray:
    """Per-edge value of a grid: ``row_vals[row]`` on horizontal edges, ``col_vals[col]`` on vertical ones."""
    out = np.empty(line.size, dtype=row_vals.dtype)
    out[horiz] = row_vals[line[horiz]]
    out[~horiz] = col_vals[line[~horiz]]
    return out


def _rect_dist(x: np.ndarray, y: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
    """Distance from points to the axis-aligned rectangle ``[-half_w, half_w] x [-half_h, half_h]``."""
    dx = np.maximum(np.abs(x) - half_w, 0.0)
    dy = np.maximum(np.abs(y) - half_h, 0.0)
    return np.hypot(dx, dy)


def _nearest_pair(xy: np.ndarray, a_ids: np.ndarray, b_ids: np.ndarray) -> tuple[int, int]:
    """A close node pair between two node sets: a's node nearest b's centroid, then b's nearest."""
    b_centre = xy[b_ids].mean(axis=0)
    a = a_ids[np.argmin(np.hypot(*(xy[a_ids] - b_centre).T))]
    b = b_ids[np.argmin(np.hypot(*(xy[b_ids] - xy[a]).T))]
    return int(a), int(b)


def _segment_length(road_len: np.ndarray, budget: int, lo: float, hi: float) -> float:
    """Edge length in ``[lo, hi]`` that splits roads of ``road_len`` into about ``budget`` new nodes."""

    def n_mid(seg: float) -> int:
        return int((np.maximum(1, np.rint(road_len / seg)) - 1).sum())

    for _ in range(40):  # bisection: n_mid decreases as the edges get longer
        mid = 0.5 * (lo + hi)
        if n_mid(mid) > budget:
            lo = mid
        else:
            hi = mid
    return hi


def _add_links(b: _Builder, rng: np.random.Generator, ua: np.ndarray, ub: np.ndarray,
               highway: np.ndarray, ctx: int, zone: int, seg_len: float) -> None:
    """Add long roads ``ua[i] -- ub[i]`` split into edges of about ``seg_len`` metres.

    Each road gets one way id (like an OSM way), a gentle bow and a little jitter, and its
    intermediate nodes take ``zone``.
    """
    ua = np.asarray(ua, dtype=np.int64)
    ub = np.asarray(ub, dtype=np.int64)
    nl = ua.size
    if nl == 0:
        return
    xy = b.xy()
    a, d = xy[ua], xy[ub] - xy[ua]
    length = np.hypot(d[:, 0], d[:, 1])
    k = np.maximum(1, np.rint(length / seg_len)).astype(np.int64)  # edges per road
    n_mid = k - 1
    link = np.repeat(np.arange(nl), n_mid)
    j = np.arange(link.size) - np.repeat(np.cumsum(n_mid) - n_mid, n_mid) + 1
    t = j / k[link]
    perp = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(length, 1e-9)[:, None]
    bow = np.clip(rng.normal(0.0, 0.035, nl), -0.07, 0.07) * length
    jitter = np.clip(rng.normal(0.0, 6.0, (link.size, 2)), -15.0, 15.0)
    pos = a[link] + t[:, None] * d[link] + perp[link] * (bow[link] * np.sin(np.pi * t))[:, None] + jitter
    mid = b.add_nodes(pos[:, 0], pos[:, 1], zone)
    # node sequence of each road: ua, mid..., ub; consecutive pairs within a road are edges
    seq_len = k + 1
    starts = np.cumsum(seq_len) - seq_len
    seq = np.empty(int(seq_len.sum()), dtype=np.int64)
    is_first = np.zeros(seq.size, bool)
    is_first[starts] = True
    is_last = np.zeros(seq.size, bool)
    is_last[starts + k] = True
    seq[is_first] = ua
    seq[is_last] = ub
    seq[~(is_first | is_last)] = mid
    road = np.repeat(np.arange(nl), seq_len)
    keep = ~is_last[:-1]
    ways = b.new_ways(nl)
    b.add_edges(seq[:-1][keep], seq[1:][keep], np.repeat(highway, k), ctx=ctx, way=ways[road[:-1][keep]])


# --------------------------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------------------------
def _core_district(b: _Builder, rng: np.random.Generator, n_target: int) -> _CoreInfo:
    """The dense new-town core: jittered grid, arterials, couplets, living streets, plazas."""
    plaza_share = 0.04
    g = n_target / (1.0 + plaza_share)
    nr = max(3, round(math.sqrt(g)))
    nc = max(3, int(g // nr))
    gx = np.concatenate([[0.0], np.cumsum(rng.uniform(100.0, 150.0, nc - 1))])
    gy = np.concatenate([[0.0], np.cumsum(rng.uniform(100.0, 150.0, nr - 1))])
    gx -= gx[-1] / 2.0
    gy -= gy[-1] / 2.0
    X = np.broadcast_to(gx[None, :], (nr, nc)) + np.clip(rng.normal(0.0, 3.0, (nr, nc)), -8.0, 8.0)
    Y = np.broadcast_to(gy[:, None], (nr, nc)) + np.clip(rng.normal(0.0, 3.0, (nr, nc)), -8.0, 8.0)
    ids = b.add_nodes(X, Y, _CORE)
    base = int(ids[0])

    # classes and directions of the grid lines (rows carry horizontal edges, columns vertical)
    def lines(n: int) -> tuple[np.ndarray, np.ndarray]:
        cls = np.full(n, _RESIDENTIAL, dtype=np.int8)
        direction = np.zeros(n, dtype=np.int8)
        art = _line_classes(rng, n, 4, 6)
        cls[art] = _SECONDARY
        interior = art[1:-1]
        cls[interior[1::2]] = _PRIMARY
        is_art = np.zeros(n, bool)
        is_art[art] = True
        cand = interior[(interior + 1 < n - 1) & ~is_art[np.minimum(interior + 1, n - 1)]]
        pick = cand[rng.random(cand.size) < 0.35]
        if pick.size == 0 and cand.size:
            pick = cand[:1]
        direction[pick] = 1
        direction[pick + 1] = -1
        cls[pick + 1] = cls[pick]
        return cls, direction

    row_cls, row_dir = lines(nr)
    col_cls, col_dir = lines(nc)
    u, v, horiz, line = _grid_edges(nr, nc)
    cls = _per_line(horiz, line, row_cls, col_cls)
    direction = _per_line(horiz, line, row_dir, col_dir)
    u, v = np.where(direction < 0, v, u), np.where(direction < 0, u, v)
    local = cls == _RESIDENTIAL
    cls[local & (rng.random(cls.size) < 0.03)] = _LIVING
    b.add_edges(u + base, v + base, cls, oneway=direction != 0, ctx=_URBAN)

    # pedestrian plazas in some blocks, reached from the four corners by footways only
    n_blocks = (nr - 1) * (nc - 1)
    n_plaza = int(np.clip(n_target - nr * nc, 0, n_blocks))
    if n_plaza:
        blk = np.sort(rng.choice(n_blocks, n_plaza, replace=False))
        r, c = blk // (nc - 1), blk % (nc - 1)
        corners = np.column_stack([r * nc + c, r * nc + c + 1, (r + 1) * nc + c, (r + 1) * nc + c + 1])
        px = X.ravel()[corners].mean(axis=1) + rng.normal(0.0, 5.0, n_plaza)
        py = Y.ravel()[corners].mean(axis=1) + rng.normal(0.0, 5.0, n_plaza)
        plaza = b.add_nodes(px, py, _CORE)
        b.add_edges(np.repeat(plaza, 4), corners.ravel() + base, _FOOTWAY, ctx=_URBAN)
    return _CoreInfo(half_w=float(np.abs(X).max()), half_h=float(np.abs(Y).max()), grid_ids=ids)


def _suburb_district(b: _Builder, rng: np.random.Generator, n_target: int, core: _CoreInfo) -> np.ndarray:
    """Looser, irregular grid neighbourhoods in a ring around the core; returns their node ids."""
    k = int(np.clip(round(math.sqrt(n_target) / 5.0), 1, 30))
    k = max(1, min(k, n_target // 40))
    est_link_nodes = 10 * k
    w = rng.uniform(0.6, 1.4, k)
    sizes = np.maximum(12, np.rint(w / w.sum() * (n_target - est_link_nodes))).astype(int)
    phase = rng.uniform(0.0, 2.0 * np.pi)
    centres: list[np.ndarray] = []
    radii: list[float] = []
    members: list[np.ndarray] = []
    seg_u, seg_v, seg_cls = [], [], []
    for i, s in enumerate(sizes):
        aspect = rng.uniform(0.7, 1.4)
        nr = max(3, round(math.sqrt(s * aspect)))
        nc = max(3, round(s / nr))
        gx = np.concatenate([[0.0], np.cumsum(rng.uniform(150.0, 300.0, nc - 1))])
        gy = np.concatenate([[0.0], np.cumsum(rng.uniform(150.0, 300.0, nr - 1))])
        lx = np.broadcast_to(gx[None, :] - gx[-1] / 2, (nr, nc)).ravel()
        ly = np.broadcast_to(gy[:, None] - gy[-1] / 2, (nr, nc)).ravel()
        lx = lx + np.clip(rng.normal(0.0, 15.0, lx.size), -40.0, 40.0)
        ly = ly + np.clip(rng.normal(0.0, 15.0, ly.size), -40.0, 40.0)
        th = rng.uniform(0.0, np.pi)
        rx = lx * np.cos(th) - ly * np.sin(th)
        ry = lx * np.sin(th) + ly * np.cos(th)
        radius = float(np.hypot(rx, ry).max())
        # march outward along a bearing until clear of the core and of earlier clusters
        ang = phase + 2.0 * np.pi * (i + rng.uniform(-0.25, 0.25)) / k
        gap = rng.uniform(400.0, 1500.0)
        d_max = math.hypot(core.half_w, core.half_h) + radius + gap + 2.0 * sum(radii) + 5000.0
        d = np.arange(0.0, d_max, 100.0)
        cx, cy = d * np.cos(ang), d * np.sin(ang)
        ok = _rect_dist(cx, cy, core.half_w, core.half_h) >= radius + gap
        for c0, r0 in zip(centres, radii, strict=True):
            ok &= np.hypot(cx - c0[0], cy - c0[1]) >= radius + r0 + 400.0
        first = int(np.argmax(ok)) if ok.any() else d.size - 1
        centre = np.array([cx[first], cy[first]])
        ids = b.add_nodes(rx + centre[0], ry + centre[1], _SUBURB)
        centres.append(centre)
        radii.append(radius)
        members.append(ids)
        u, v, horiz, line = _grid_edges(nr, nc)
        row_col = np.zeros(nr, bool)
        col_col = np.zeros(nc, bool)
        for flags, n in ((row_col, nr), (col_col, nc)):
            major = _line_classes(rng, n, 4, 5)[1:-1]
            flags[major if major.size else [n // 2]] = True
        collector = _per_line(horiz, line, row_col, col_col)
        seg_u.append(u + ids[0])
        seg_v.append(v + ids[0])
        seg_cls.append(np.where(collector, _TERTIARY, _RESIDENTIAL).astype(np.int8))

    # irregularity: drop some local streets, never one of a random spanning forest
    u, v, cls = np.concatenate(seg_u), np.concatenate(seg_v), np.concatenate(seg_cls)
    lo = int(members[0][0])
    n_loc = b.n - lo
    mst = minimum_spanning_tree(coo_matrix((rng.uniform(1.0, 2.0, u.size), (u - lo, v - lo)),
                                           shape=(n_loc, n_loc))).tocoo()
    tree_key = np.minimum(mst.row, mst.col).astype(np.int64) * n_loc + np.maximum(mst.row, mst.col)
    in_tree = np.isin((u - lo) * n_loc + (v - lo), tree_key)
    keep = in_tree | (cls != _RESIDENTIAL) | (rng.random(u.size) >= 0.15)
    b.add_edges(u[keep], v[keep], cls[keep], ctx=_URBAN)

    # a secondary road from each cluster to the nearest of the core and the clusters placed
    # before it (outer neighbourhoods reach the core through inner ones), a second, tertiary
    # road to the core for large clusters beside it, and tertiary roads between neighbours
    xy = b.xy()
    core_tree = cKDTree(xy[core.grid_ids])
    la, lb, lcls = [], [], []
    for i, ids in enumerate(members):
        pts = xy[ids]
        dist_core = _rect_dist(pts[:, 0], pts[:, 1], core.half_w, core.half_h)
        gate = int(ids[np.argmin(dist_core)])
        d_best, i_near = core_tree.query(xy[gate])
        best = (gate, int(core.grid_ids[i_near]))
        to_core = True
        for j in range(i):
            if np.hypot(*(centres[i] - centres[j])) - radii[i] - radii[j] < d_best:
                a, c = _nearest_pair(xy, ids, members[j])
                if math.dist(xy[a], xy[c]) < d_best:
                    d_best, best, to_core = math.dist(xy[a], xy[c]), (a, c), False
        la.append(best[0])
        lb.append(best[1])
        lcls.append(_SECONDARY)
        if to_core and ids.size > 300:
            far = np.hypot(*(pts - xy[gate]).T) > radii[i]
            if far.any():
                gate2 = int(ids[far][np.argmin(dist_core[far])])
                target2 = int(core.grid_ids[core_tree.query(xy[gate2])[1]])
                if target2 != lb[-1]:
                    la.append(gate2)
                    lb.append(target2)
                    lcls.append(_TERTIARY)
    if k >= 2:
        order = np.argsort([math.atan2(c[1], c[0]) for c in centres])
        pairs = list(zip(order, np.roll(order, -1), strict=True)) if k >= 3 else [(order[0], order[1])]
        for i, j in pairs:
            if np.hypot(*(centres[i] - centres[j])) < radii[i] + radii[j] + 5000.0:
                a, c = _nearest_pair(xy, members[i], members[j])
                la.append(a)
                lb.append(c)
                lcls.append(_TERTIARY)
    la_arr, lb_arr = np.array(la, dtype=np.int64), np.array(lb, dtype=np.int64)
    seg = _segment_length(np.hypot(*(xy[la_arr] - xy[lb_arr]).T), lo + n_target - b.n, 250.0, 600.0)
    _add_links(b, rng, la_arr, lb_arr, np.array(lcls, dtype=np.int8), _URBAN, _SUBURB, seg)
    return np.arange(lo, b.n, dtype=np.int64)


def _place_villages(rng: np.random.Generator, n_vill: int, n_town: int, urban_tree: cKDTree,
                    reach: float, outer: float,
                    radius: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Village centres 4 km to ``outer`` from the city, grown as township trees of 2.2-4.4 km hops.

    Returns the centres (NaN for a village that found no room), the township of each
    village, and the (parent, child) hops, which become village-to-village roads.
    """
    centres = np.full((n_vill, 2), np.nan)
    town = np.arange(n_vill) % n_town
    hops: list[tuple[int, int]] = []
    placed: list[int] = []
    min_sep = 1500.0

    def clear(p: np.ndarray, r_new: float, sep: float) -> np.ndarray:
        if not placed:
            return np.ones(len(p), bool)
        c = centres[placed]
        d = np.hypot(p[:, None, 0] - c[None, :, 0], p[:, None, 1] - c[None, :, 1])
        return (d >= np.maximum(sep, r_new + radius[placed] + 600.0)[None, :]).all(axis=1)

    steps = np.arange(0.0, reach + outer + 5_000.0, 400.0)
    for t in range(n_town):  # township roots 5-9 km beyond the built-up edge
        v = t
        for sep in (6000.0, 3000.0, min_sep):
            ang = rng.uniform(0.0, 2.0 * np.pi, 12)
            want = rng.uniform(4000.0, 8000.0, 12) + radius[v]
            ray = np.stack([np.outer(np.cos(ang), steps), np.outer(np.sin(ang), steps)], axis=-1)
            dist = urban_tree.query(ray.reshape(-1, 2))[0].reshape(ray.shape[:2])
            beyond = dist >= want[:, None]
            idx = np.argmax(beyond, axis=1)
            cand = ray[np.arange(12), idx]
            ok = beyond[np.arange(12), idx] & clear(cand, radius[v], sep)
            if ok.any():
                centres[v] = cand[np.argmax(ok)]
                placed.append(v)
                break
    by_town: list[list[int]] = [[p] if p in placed else [] for p in range(n_town)]
    for v in range(n_town, n_vill):  # the rest hop off a placed village, preferably of their township
        for pool in (by_town[town[v]], placed, placed):
            if not pool:
                continue
            parents = np.asarray(pool)[rng.integers(0, len(pool), 48)]
            ang = rng.uniform(0.0, 2.0 * np.pi, 48)
            hop = rng.uniform(2200.0, 4400.0, 48)
            cand = centres[parents] + np.column_stack([np.cos(ang), np.sin(ang)]) * hop[:, None]
            d_urban = urban_tree.query(cand)[0]
            ok = (d_urban >= 4000.0 + radius[v]) & (d_urban <= outer - radius[v])
            ok &= clear(cand, radius[v], min_sep)
            if ok.any():
                i = int(np.argmax(ok))
                centres[v] = cand[i]
                placed.append(v)
                by_town[town[v]].append(v)
                hops.append((int(parents[i]), v))
                break
    return centres, town, hops


def _village_streets(b: _Builder, rng: np.random.Generator, ids: np.ndarray, village: np.ndarray,
                     spacing: np.ndarray) -> None:
    """Irregular street nets inside villages: a spanning tree of the Delaunay graph plus some loops."""
    xy = b.xy()[ids]
    tri = Delaunay(xy).simplices
    e = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    e = e[village[e[:, 0]] == village[e[:, 1]]]
    length = np.hypot(*(xy[e[:, 0]] - xy[e[:, 1]]).T)
    n = ids.size
    mst = minimum_spanning_tree(coo_matrix((length, (e[:, 0], e[:, 1])), shape=(n, n))).tocoo()
    tree_key = np.minimum(mst.row, mst.col).astype(np.int64) * n + np.maximum(mst.row, mst.col)
    in_tree = np.isin(e[:, 0] * n + e[:, 1], tree_key)
    short = length < 1.3 * spacing[village[e[:, 0]]]
    keep = in_tree | (short & (rng.random(len(e)) < 0.4))
    e = e[keep]
    cls = np.where(rng.random(len(e)) < 0.25, _UNCLASSIFIED, _RESIDENTIAL).astype(np.int8)
    b.add_edges(ids[e[:, 0]], ids[e[:, 1]], cls, ctx=_VILLAGE)


def _rebalance(sizes: np.ndarray, live: np.ndarray, delta: int, lo: int = 10, hi: int = 60) -> np.ndarray:
    """Add (``delta > 0``) or remove nodes evenly over the live villages, keeping sizes in ``[lo, hi]``."""
    sizes = sizes.copy()
    sign = 1 if delta > 0 else -1
    left = abs(int(delta))
    while left > 0:
        room = np.where(live, hi - sizes if sign > 0 else sizes - lo, 0)
        n_open = int(np.count_nonzero(room))
        if n_open == 0:
            break
        step = np.minimum(room, -(-left // n_open))
        step = np.minimum(step, np.maximum(0, left - (np.cumsum(step) - step)))
        sizes += sign * step
        left -= int(step.sum())
    return sizes


def _village_nodes(b: _Builder, rng: np.random.Generator, centres: np.ndarray, sizes: np.ndarray,
                   spacing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Village nodes: the ``size`` points of a rotated, jittered lattice nearest each centre.

    Returns the node ids and the village of each node.
    """
    n_vill = len(sizes)
    tmpl = np.stack(np.meshgrid(np.arange(-7, 8), np.arange(-7, 8)), axis=-1).reshape(-1, 2).astype(float)
    tmpl = tmpl[np.hypot(tmpl[:, 0], tmpl[:, 1]) <= 6.5]
    key = np.hypot(tmpl[:, 0], tmpl[:, 1])[None, :] + rng.uniform(0.0, 1.2, (n_vill, len(tmpl)))
    order = np.argsort(key, axis=1)
    take = np.arange(len(tmpl))[None, :] < sizes[:, None]
    pts = tmpl[order[take]]
    village = np.repeat(np.arange(n_vill), sizes)
    th = rng.uniform(0.0, np.pi / 2.0, n_vill)[village]
    s = spacing[village]
    px = (pts[:, 0] * np.cos(th) - pts[:, 1] * np.sin(th)) * s
    py = (pts[:, 0] * np.sin(th) + pts[:, 1] * np.cos(th)) * s
    jit = np.clip(rng.normal(0.0, 0.12, (village.size, 2)), -0.3, 0.3) * s[:, None]
    safe = np.nan_to_num(centres)
    vids = b.add_nodes(px + jit[:, 0] + safe[village, 0], py + jit[:, 1] + safe[village, 1], _RURAL)
    return vids, village


def _village_roads(b: _Builder, rng: np.random.Generator, centres: np.ndarray, hops: list[tuple[int, int]],
                   vids: np.ndarray, village: np.ndarray, urban_ids: np.ndarray,
                   urban_tree: cKDTree) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """End nodes and classes of the long roads: village to village (1-5 km) and to the city.

    Village-to-village roads follow the township hops plus some shortcuts to near neighbours;
    each group of linked villages then gets a road to the nearest urban node (two for larger
    groups).
    """
    xy = b.xy()
    n_vill = len(centres)
    first = np.searchsorted(village, np.arange(n_vill + 1))
    members = [vids[first[i]:first[i + 1]] for i in range(n_vill)]
    live = np.flatnonzero(first[1:] > first[:-1])
    la, lb, lcls = [], [], []
    linked: set[tuple[int, int]] = set()

    def link(i: int, j: int, cls: int) -> bool:
        a, c = _nearest_pair(xy, members[i], members[j])
        if not 1000.0 <= math.hypot(*(xy[a] - xy[c])) <= 4800.0:
            return False
        la.append(a)
        lb.append(c)
        lcls.append(cls)
        linked.add((min(i, j), max(i, j)))
        return True

    for p, c in hops:
        link(p, c, _TERTIARY if rng.random() < 0.3 else _UNCLASSIFIED)
    if live.size > 1:
        dist, nb = cKDTree(centres[live]).query(centres[live], k=min(5, live.size))
        for row, i in enumerate(live):
            if rng.random() >= 0.4:
                continue
            for dj, jj in zip(dist[row, 1:], nb[row, 1:], strict=True):
                j = int(live[jj])
                if dj <= 5000.0 and (min(i, j), max(i, j)) not in linked and link(int(i), j, _UNCLASSIFIED):
                    break

    if live.size:
        pos = np.full(n_vill, -1, dtype=np.int64)
        pos[live] = np.arange(live.size)
        pairs = pos[np.array(sorted(linked), dtype=np.int64).reshape(-1, 2)]
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(live.size, live.size))
        n_comp, comp = connected_components(graph, directed=False)
        d_urban, nearest = urban_tree.query(xy[vids])
        for cidx in range(n_comp):
            group = live[comp == cidx]
            nodes = np.concatenate([members[g] for g in group])
            dn = d_urban[nodes - vids[0]]
            gate = int(nodes[np.argmin(dn)])
            la.append(gate)
            lb.append(int(urban_ids[nearest[gate - vids[0]]]))
            lcls.append(_SECONDARY)
            if group.size >= 4 and rng.random() < 0.5:
                far = np.hypot(*(xy[nodes] - xy[gate]).T) > 3000.0
                if far.any():
                    gate2 = int(nodes[far][np.argmin(dn[far])])
                    la.append(gate2)
                    lb.append(int(urban_ids[nearest[gate2 - vids[0]]]))
                    lcls.append(_TERTIARY)
    return np.array(la, dtype=np.int64), np.array(lb, dtype=np.int64), np.array(lcls, dtype=np.int8)


def _rural_district(b: _Builder, rng: np.random.Generator, n_target: int, urban_ids: np.ndarray) -> None:
    """Villages of 10-60 nodes grouped in townships, linked by roads split every few hundred metres."""
    urban_xy = b.xy()[urban_ids]
    urban_tree = cKDTree(urban_xy)
    reach = float(np.hypot(urban_xy[:, 0], urban_xy[:, 1]).max())
    n_vill = max(2, round(0.6 * n_target / 35.0))
    sizes = rng.integers(10, 61, n_vill)
    # villages take ~60 % of the rural budget, the roads between them the rest
    sizes = np.clip(np.rint(sizes * 0.6 * n_target / sizes.sum()), 10, 60).astype(np.int64)
    spacing = rng.uniform(70.0, 95.0, n_vill)
    radius = spacing * (math.sqrt(60 / math.pi) + 1.2)  # room for the largest village
    n_town = max(1, min(n_vill, round(n_vill / 6.0)))
    # villages lie 4-20 km out; only a hinterland too big for that band (some 5 km2 per village
    # around a small town, with custom shares) reaches further
    outer = max(20_000.0, math.sqrt((reach + 4000.0) ** 2 + n_vill * 5e6 / math.pi) - reach)
    centres, _, hops = _place_villages(rng, n_vill, n_town, urban_tree, reach, outer, radius)
    live = ~np.isnan(centres[:, 0])
    lost = int(sizes[~live].sum())
    sizes = _rebalance(np.where(live, sizes, 0), live, lost)  # villages that found no room

    mark = b.mark()
    for attempt in range(2):
        vids, village = _village_nodes(b, rng, centres, sizes, spacing)
        _village_streets(b, rng, vids, village, spacing)
        la, lb, lcls = _village_roads(b, rng, centres, hops, vids, village, urban_ids, urban_tree)
        xy = b.xy()
        road_len = np.hypot(*(xy[la] - xy[lb]).T)
        budget = n_target - int(sizes.sum())
        # roads split into 150-600 m edges must absorb the rest of the budget; if they cannot,
        # resize the villages (to roads of ~300 m edges) and lay them out once more
        n_mid = [int((np.maximum(1, np.rint(road_len / s)) - 1).sum()) for s in (600.0, 300.0, 150.0)]
        if attempt or n_mid[0] <= budget <= n_mid[2]:
            break
        sizes = _rebalance(sizes, live, budget - n_mid[1])
        b.rollback(mark)
    seg = _segment_length(road_len, n_target - int(sizes.sum()), 150.0, 600.0)
    _add_links(b, rng, la, lb, lcls, _RURAL_ROAD, _RURAL, seg)


# --------------------------------------------------------------------------------------------
# Validation, assembly and the public function
# --------------------------------------------------------------------------------------------
def _validate(n_nodes: object, seed: object, center_lonlat: object,
              shares: dict[str, object]) -> tuple[float, float]:
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, Integral):
        raise NetworkError(f"n_nodes must be an integer, got {n_nodes!r} ({type(n_nodes).__name__})")
    if not _MIN_NODES <= int(n_nodes) <= _MAX_NODES:
        raise NetworkError(f"n_nodes must be between {_MIN_NODES:,} and {_MAX_NODES:,}, got {n_nodes:,}")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or int(seed) < 0:
        raise NetworkError(f"seed must be a non-negative integer, got {seed!r}")
    for name, value in shares.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= float(value) <= 1.0:
            raise NetworkError(f"{name} must be a number between 0 and 1, got {value!r}")
    total = sum(float(v) for v in shares.values())
    if abs(total - 1.0) > 1e-6:
        detail = ", ".join(f"{k}={float(v):g}" for k, v in shares.items())
        raise NetworkError(f"core_share + suburb_share + rural_share must sum to 1, got {total:g} ({detail})")
    for name, value in shares.items():
        n = float(value) * int(n_nodes)
        if (name == "core_share" or value > 0) and n < _MIN_DISTRICT[name]:
            raise NetworkError(
                f"{name}={float(value):g} gives {n:.0f} of {n_nodes} nodes, fewer than the "
                f"{_MIN_DISTRICT[name]} that district needs; raise it, raise n_nodes"
                + ("" if name == "core_share" else ", or set it to 0")
            )
    try:
        lon, lat = (float(c) for c in center_lonlat)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise GeometryError(f"center_lonlat must be a (lon, lat) pair, got {center_lonlat!r}") from None
    if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 84.0):
        raise GeometryError(
            f"center_lonlat={center_lonlat!r} is outside the UTM range (lon -180..180, lat -80..84); "
            "is it (lat, lon) by mistake?"
        )
    return lon, lat


def _utm_crs(lon: float, lat: float) -> CRS:
    """The UTM zone holding ``(lon, lat)`` (EPSG:32652 for Sejong and most of Korea)."""
    zone = min(60, int((lon + 180.0) // 6.0) + 1)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _to_graph(b: _Builder, lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray,
              graph_attrs: dict) -> nx.MultiDiGraph:
    """Expand two-way segments into edge pairs and build the MultiDiGraph in bulk."""
    u, v, hw, oneway, ctx, way = b.edges()
    two = ~oneway
    U = np.concatenate([u, v[two]])
    V = np.concatenate([v, u[two]])
    rev = np.concatenate([np.zeros(u.size, bool), np.ones(int(two.sum()), bool)])
    hw, oneway, ctx, way = (np.concatenate([a, a[two]]) for a in (hw, oneway, ctx, way))
    order = np.lexsort((V, U))
    U, V, rev, hw, oneway, ctx, way = (a[order] for a in (U, V, rev, hw, oneway, ctx, way))
    length = np.hypot(x[U] - x[V], y[U] - y[V])
    # multigraph keys: 0, 1, ... among parallel edges (rare: two roads joining the same nodes)
    same = np.concatenate([[False], (U[1:] == U[:-1]) & (V[1:] == V[:-1])])
    run_start = np.maximum.accumulate(np.where(same, 0, np.arange(U.size)))
    key = np.arange(U.size) - run_start
    # OSMnx street_count: physical street segments at each node, parallel roads counted
    street_count = np.bincount(u, minlength=b.n) + np.bincount(v, minlength=b.n)
    zone_names = np.asarray(ZONES, dtype=object)[b.zones()]

    G = nx.MultiDiGraph(**graph_attrs)
    G.add_nodes_from(
        (i, {"y": la, "x": lo, "zone": z, "street_count": sc})
        for i, (la, lo, z, sc) in enumerate(
            zip(lat.tolist(), lon.tolist(), zone_names.tolist(), street_count.tolist(), strict=True))
    )
    hw_names = np.asarray(HIGHWAYS, dtype=object)[hw].tolist()
    maxspeed = _MAXSPEED[ctx, hw].tolist()
    data = [
        {"osmid": o, "highway": h, "oneway": ow, "reversed": r, "length": ln, "maxspeed": ms}
        if ms is not None else
        {"osmid": o, "highway": h, "oneway": ow, "reversed": r, "length": ln}
        for o, h, ow, r, ln, ms in zip((way + 1).tolist(), hw_names, oneway.tolist(), rev.tolist(),
                                       length.tolist(), maxspeed, strict=True)
    ]
    G.add_edges_from(zip(U.tolist(), V.tolist(), key.tolist(), data, strict=True))
    return G


def _check_connected(b: _Builder) -> None:
    """Whole graph weakly connected and drivable part strongly connected, or a NetworkError."""
    u, v, hw, oneway, _, _ = b.edges()
    n = b.n
    ones = np.ones(u.size)
    n_all, _ = connected_components(coo_matrix((ones, (u, v)), shape=(n, n)), directed=False)
    drive = hw != _FOOTWAY
    du, dv = u[drive], v[drive]
    two = ~oneway[drive]
    su, sv = np.concatenate([du, dv[two]]), np.concatenate([dv, du[two]])
    used = np.unique(np.concatenate([su, sv]))
    n_strong, lab = connected_components(coo_matrix((np.ones(su.size), (su, sv)), shape=(n, n)),
                                         directed=True, connection="strong")
    n_drive = np.unique(lab[used]).size
    if n_all != 1 or n_drive != 1:
        raise NetworkError(
            f"synthetic city generation failed: {n_all} weak component(s), {n_drive} strongly connected "
            "drivable component(s); please report this seed and size as a bug"
        )


def synthetic_city(
    n_nodes: int = 10_000,
    seed: int = 0,
    *,
    center_lonlat: tuple[float, float] = (127.289, 36.480),
    core_share: float = 0.45,
    suburb_share: float = 0.35,
    rural_share: float = 0.20,
) -> nx.MultiDiGraph:
    """Build kaicity's offline default city: a Korean new town with suburbs and villages.

    Parameters
    ----------
    n_nodes : int, default 10_000
        Target number of nodes (500 to 2,000,000); the result is within +/-5 % of it.
    seed : int, default 0
        Seed of the generator; the same seed (and arguments) gives an identical graph.
    center_lonlat : (float, float), default (127.289, 36.480)
        Longitude and latitude of the core's centre (default: Sejong).  The city is laid
        out in metres in the UTM zone of this point (EPSG:32652 for the default and most
        of Korea) and converted to WGS84.
    core_share, suburb_share, rural_share : float, default 0.45, 0.35, 0.20
        Shares of nodes in each zone; must sum to 1.  ``suburb_share`` and ``rural_share``
        may be 0 (no such district); otherwise each district needs some 40-100 nodes.

    Returns
    -------
    networkx.MultiDiGraph
        An OSMnx-style, unsimplified graph with graph attributes ``crs="EPSG:4326"``,
        ``layout_crs`` (the UTM CRS the city was laid out in), ``name`` and ``seed``.
        Nodes are ``0..n-1`` (core, then suburb, then rural nodes) with ``x`` (lon), ``y``
        (lat), ``zone`` (``"core"``/``"suburb"``/``"rural"``) and ``street_count``.  Edges
        carry ``osmid`` (int way id, shared by the segments of one long road), ``length``
        (metres, the planar distance between the endpoints in ``layout_crs``), ``highway``,
        ``oneway``, ``reversed`` and ``maxspeed`` (km/h as a string; footways have none).
        Two-way streets are two directed edges, one-way streets one.

    Raises
    ------
    NetworkError
        If ``n_nodes`` or ``seed`` is not a suitable integer or the shares are out of range,
        do not sum to 1 or leave a district too small.
    GeometryError
        If ``center_lonlat`` is not a valid (lon, lat) pair.

    Notes
    -----
    The whole graph is weakly connected, its drivable part (all but ``footway`` edges) is
    strongly connected; only the footways reach pedestrian plazas inside core blocks.

    Examples
    --------
    >>> G = synthetic_city(2_000, seed=1)
    >>> G.graph["crs"]
    'EPSG:4326'
    """
    shares = {"core_share": core_share, "suburb_share": suburb_share, "rural_share": rural_share}
    lon0, lat0 = _validate(n_nodes, seed, center_lonlat, shares)
    n_nodes = int(n_nodes)
    rng = np.random.default_rng(int(seed))
    n_core = round(float(core_share) * n_nodes)
    n_rural = round(float(rural_share) * n_nodes)
    n_suburb = n_nodes - n_core - n_rural

    b = _Builder()
    core = _core_district(b, rng, n_core)
    urban = core.grid_ids
    if float(suburb_share) > 0:
        urban = np.concatenate([urban, _suburb_district(b, rng, n_suburb, core)])
    if float(rural_share) > 0:
        _rural_district(b, rng, n_rural, urban)
    _check_connected(b)

    layout_crs = _utm_crs(lon0, lat0)
    to_wgs = Transformer.from_crs(layout_crs, "EPSG:4326", always_xy=True)
    e0, n0 = Transformer.from_crs("EPSG:4326", layout_crs, always_xy=True).transform(lon0, lat0)
    xy = b.xy()
    x, y = xy[:, 0], xy[:, 1]
    lon, lat = to_wgs.transform(x + e0, y + n0)
    attrs = {"crs": "EPSG:4326", "layout_crs": layout_crs.to_string(), "name": "kaicity synthetic city",
             "seed": int(seed)}
    return _to_graph(b, np.asarray(lon), np.asarray(lat), x, y, attrs)
