"""Where a DRT service operates: virtual stops, depots and rebalancing cells.

Helpers of :mod:`kaicity.services.dispatch`, all deterministic functions of the city,
the served zones and (for depots) a random generator.
"""

from __future__ import annotations

import numpy as np

from kaicity.network.graph import Graph


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
        lab = np.argmin(((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1) if k * len(pts) <= 5e7 \
            else _labels_chunked(pts, centres)
        for c in range(k):
            m = lab == c
            if m.any():
                centres[c] = pts[m].mean(axis=0)
    out = np.empty(k, dtype=np.int32)
    for c in range(k):
        out[c] = nodes[int(np.argmin((nx - centres[c, 0]) ** 2 + (ny - centres[c, 1]) ** 2))]
    return out


def _labels_chunked(pts: np.ndarray, centres: np.ndarray, chunk: int = 20000) -> np.ndarray:
    out = np.empty(len(pts), dtype=np.int64)
    for s in range(0, len(pts), chunk):
        p = pts[s:s + chunk]
        out[s:s + chunk] = np.argmin(((p[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
    return out
