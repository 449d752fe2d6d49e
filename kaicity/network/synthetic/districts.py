"""The districts of the synthetic city: a dense core, looser suburbs and rural villages.

Each function lays its district out on a shared ``_Builder`` (:mod:`~kaicity.network.synthetic.streets`)
in local metres with numpy, from the generator ``rng`` it is given.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

from kaicity.network.synthetic.streets import (
    _CORE,
    _FOOTWAY,
    _LIVING,
    _PRIMARY,
    _RESIDENTIAL,
    _RURAL,
    _RURAL_ROAD,
    _SECONDARY,
    _SUBURB,
    _TERTIARY,
    _UNCLASSIFIED,
    _URBAN,
    _VILLAGE,
    _add_links,
    _Builder,
    _CoreInfo,
    _grid_edges,
    _line_classes,
    _nearest_pair,
    _per_line,
    _rect_dist,
    _segment_length,
)


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
