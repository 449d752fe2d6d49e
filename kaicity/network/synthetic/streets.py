"""The synthetic city's street vocabulary and its accumulator of nodes and segments.

Road classes (:data:`HIGHWAYS`, coded by index), road contexts that set the speed limit
(``_MAXSPEED``), the ``_Builder`` that collects numpy chunks of nodes and street
segments, and the small geometric helpers the districts share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kaicity.categories import ZONE_CODE

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
