"""Access: the one 15-minute coverage definition, for the model's residents and for ``kaicity access``.

A resident is **covered** for a category when the walking time to the nearest open place of
that category is within the budget: ``distance_m / speed_mps <= minutes * 60``
(:func:`within_minutes`).  The distances come from one nearest-place table,
:func:`kaicity.accessibility.nearest_facility_times` (the model's
:class:`~kaicity.services.access.PlaceAccess` wraps it).  The **15-minute index** is the
mean coverage over categories; the Gini of nearest-place time is :func:`kaicity.metrics.equity.gini`.

* :func:`access_block` -- ``summary.json``'s ``access`` (coverage and effective access of the
  model's residents, with AI remote service and DRT).
* :func:`coverage` -- the tidy table of ``kaicity access`` for any population on a walk graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kaicity.accessibility import (
    DEFAULT_SPEEDS,
    NearestFacilities,
    _categories,
    _int_column,
    _nonneg,
    _speed,
    _walk_graph,
    default_population,
    nearest_facility_times,
)
from kaicity.categories import CATEGORIES, GROUP_CODE, GROUPS, ZONES
from kaicity.errors import RoutingError
from kaicity.metrics._num import num
from kaicity.metrics.equity import gini, gini_sorted

#: The 15-minute budget of ``summary.json`` (seconds).
FIFTEEN_MIN_S = 900.0


def within_minutes(distance_m, speed_mps, minutes: float = 15.0) -> np.ndarray:
    """Covered: walking ``distance_m`` at ``speed_mps`` takes at most ``minutes`` (broadcasts)."""
    return np.asarray(distance_m, dtype=float) / speed_mps <= minutes * 60.0


def walk_times(model) -> np.ndarray:
    """Walking time (s) from every resident's home to the nearest open facility, ``[resident, category]``."""
    pop = model.population
    return np.column_stack([acc.walk_m[pop.home] / pop.speed for acc in model.facility_access])


def fifteen_minute_index(nearest: NearestFacilities, speed_mps: float, minutes: float = 15.0) -> np.ndarray:
    """Per node: the share of categories whose nearest facility is within ``minutes`` at ``speed_mps``."""
    speed = _speed(speed_mps)
    m = _nonneg(minutes, "minutes")
    if not nearest.categories:
        return np.zeros(nearest.distance.shape[0])
    return within_minutes(nearest.distance, speed, m).mean(axis=1)


# ------------------------------------------------------------------------- the model's residents
def met_within(trips: pd.DataFrame, minutes: float = FIFTEEN_MIN_S / 60.0) -> pd.Series:
    """Per need: met, and its time to service (from the moment it arose) within ``minutes``."""
    return (trips["outcome"] == "met") & (trips["time_to_service_min"] <= minutes)


def effective_access(trips: pd.DataFrame) -> dict:
    """Effective access of a set of needs: the share met within 15 minutes by ANY channel.

    Counted from what happened, the same way in every scenario (walk, car, bus, DRT, online,
    AI remote, assisted at a centre all count; capacity limits, closures, rejections and
    failures show), by category and over all categories (``effective_index``).
    """
    if trips.empty:
        return {"needs": 0, "effective_access": {c: None for c in CATEGORIES}, "effective_index": None}
    ok = met_within(trips)
    by_cat = ok.groupby(trips["category"]).mean()
    return {"effective_access": {c: num(by_cat[c]) if c in by_cat.index else None for c in CATEGORIES},
            "effective_index": num(ok.mean())}


def access_block(model, trips: pd.DataFrame) -> dict:
    """Static 15-minute walking coverage and index, and effective access from what happened.

    ``coverage_15min`` / ``index_15min``: share of residents whose nearest open facility of a
    category is within a 15-minute walk at their own speed (a property of the city, the same in
    both scenarios).  ``effective_access`` / ``effective_index``: share of the group's needs met
    within 15 minutes by any channel (:func:`effective_access`).
    """
    pop = model.population
    wt = walk_times(model)
    within = wt <= FIFTEEN_MIN_S   # == within_minutes(walk_m, speed, 15): the same division and bound
    group_of = {g: trips["group"] == g for g in ("child", "adult", "elderly")}
    need_masks = {"overall": np.ones(len(trips), dtype=bool), "elderly": group_of["elderly"],
                  "non_elderly": ~group_of["elderly"], "child": group_of["child"], "adult": group_of["adult"]}
    need_masks.update({z: trips["zone"] == z for z in ZONES})

    def block(mask: np.ndarray, key: str) -> dict:
        if not mask.any():
            return {"residents": 0}
        return {
            "residents": int(mask.sum()) * pop.scale,
            "coverage_15min": {c: num(within[mask, i].mean()) for i, c in enumerate(CATEGORIES)},
            "index_15min": num(within[mask].mean()),
            **effective_access(trips[np.asarray(need_masks[key])]),
        }

    out = {"overall": block(np.ones(pop.n, dtype=bool), "overall")}
    out["by_group"] = {"elderly": block(pop.elderly, "elderly"), "non_elderly": block(~pop.elderly, "non_elderly")}
    out["by_group"].update({g: block(pop.group == GROUP_CODE[g], g) for g in ("child", "adult")})
    out["by_zone"] = {z: block(pop.zone == i, z) for i, z in enumerate(ZONES)}
    out["gini_nearest_walk_time"] = gini(wt[np.isfinite(wt)])
    return out


# ------------------------------------------------------------------------- any population
def _population_arrays(population, n: int) -> dict[str, np.ndarray]:
    """``node`` int32, ``weight`` float64, ``group`` object and optional ``speed`` float64 arrays."""
    keys = ("node", "weight", "group", "speed")
    if isinstance(population, pd.DataFrame):
        if "node" not in population.columns:
            raise RoutingError("population: missing column 'node' (expected node[, weight, group, speed])")
        cols = {k: population[k].to_numpy() for k in keys if k in population.columns}
    elif isinstance(population, Mapping):
        if "node" not in population:
            raise RoutingError("population: missing key 'node' (expected node[, weight, group, speed])")
        cols = {k: np.asarray(population[k]) for k in keys if k in population}
    elif isinstance(population, tuple | list) and len(population) in (2, 3):
        cols = dict(zip(keys, (np.asarray(a) for a in population), strict=False))
    else:
        raise RoutingError("population must be a DataFrame (node, weight, group, speed), a mapping of those "
                           "arrays, or a tuple (node, weight[, group])")
    node = _int_column(np.atleast_1d(cols["node"]), "node", "population", RoutingError)
    k = len(node)
    if k and (node.min() < 0 or node.max() >= n):
        i = int(np.flatnonzero((node < 0) | (node >= n))[0])
        raise RoutingError(f"population: node {int(node[i])} (row {i}) is outside the walk graph's "
                           f"nodes 0..{n - 1}")
    out = {"node": node.astype(np.int32)}
    for key, default in (("weight", 1.0), ("speed", None)):
        if key not in cols:
            if default is not None:
                out[key] = np.full(k, default)
            continue
        try:
            arr = np.atleast_1d(cols[key]).astype(np.float64)
        except (TypeError, ValueError):
            raise RoutingError(f"population: {key} must be numbers") from None
        if len(arr) != k:
            raise RoutingError(f"population: {len(arr)} {key}s for {k} nodes")
        if k and not (np.all(np.isfinite(arr)) and arr.min() >= 0 and (key == "weight" or arr.min() > 0)):
            raise RoutingError(f"population: {key}s must be finite and {'>= 0' if key == 'weight' else '> 0'}")
        out[key] = arr
    group = (np.full(k, "adult", dtype=object) if "group" not in cols
             else np.atleast_1d(cols["group"]).astype(str).astype(object))
    if len(group) != k:
        raise RoutingError(f"population: {len(group)} groups for {k} nodes")
    out["group"] = group
    return out


def _group_order(names) -> list[str]:
    known = (*GROUPS, "frail")
    return sorted(set(names), key=lambda g: (known.index(g) if g in known else len(known), g))


def _speeds(speeds: Mapping[str, float] | None) -> dict[str, float]:
    spd = dict(DEFAULT_SPEEDS)
    if speeds is not None:
        if not isinstance(speeds, Mapping):
            raise RoutingError(f"speeds must be a mapping group -> m/s, got {type(speeds).__name__}")
        spd.update(speeds)
    for g, s in spd.items():
        _speed(s, f"walking speed of group {g!r}")
    return spd


def _nearest_for(city, facilities, nearest, cats, n, threads) -> NearestFacilities:
    if nearest is None:
        return nearest_facility_times(city, facilities, categories=cats, threads=threads)
    if not isinstance(nearest, NearestFacilities) or nearest.distance.shape[0] != n:
        raise RoutingError("nearest must be a NearestFacilities result for this graph")
    if nearest.limit_m != np.inf:
        raise RoutingError("nearest must come from an unbounded search (limit_m=inf)")
    idx = [nearest.column(c) for c in cats]
    return NearestFacilities(cats, nearest.distance[:, idx], nearest.facility[:, idx], nearest.limit_m)


def coverage(city, facilities: pd.DataFrame | None = None, population=None,
             speeds: Mapping[str, float] | None = None, minutes: float = 15.0, *,
             categories: Sequence[str] = CATEGORIES, nearest: NearestFacilities | None = None,
             threads: int | None = None) -> pd.DataFrame:
    """Share of a population that reaches each category's nearest facility within ``minutes``.

    A resident is covered for a category when :func:`within_minutes` holds for the distance
    to the nearest facility and the resident's walking speed: the ``speed`` column of the
    population when given (e.g. the scenario's per-person speeds), else their group's speed.

    Parameters
    ----------
    city
        A City or a walk Graph (zones come from ``graph.zone``).
    facilities
        Facility table (default ``city.facilities``); ignored when ``nearest`` is given.
    population
        Homes: a DataFrame with columns ``node`` (walk node), ``weight`` (default 1), ``group``
        (default ``"adult"``) and ``speed`` (m/s, optional), a mapping of such arrays, or a tuple
        ``(node, weight[, group])``.  Default: :func:`kaicity.accessibility.default_population`.
    speeds
        Walking speed (m/s) per group, merged over :data:`kaicity.accessibility.DEFAULT_SPEEDS`
        (the schema's); used for residents without a ``speed``.
    minutes
        The time budget (default 15).
    categories
        Categories (default all of :data:`kaicity.categories.CATEGORIES`).
    nearest
        A precomputed :func:`~kaicity.accessibility.nearest_facility_times` result (unbounded).
    threads
        OpenMP threads for the search.

    Returns
    -------
    pandas.DataFrame
        One row per (group, zone, category) with residents, including ``"all"`` for each of the
        three; columns ``group, zone, category, population, speed_mps, coverage, index, gini,
        mean_minutes, unreachable``: ``coverage`` the weighted share covered (for category
        ``"all"``: the index, the mean coverage over categories); ``speed_mps`` the group's
        (weighted mean) walking speed; ``gini`` and ``mean_minutes`` of nearest-facility time over
        the residents who reach one (for ``"all"``: of each resident's mean time over categories);
        ``unreachable`` the weighted share with no reachable facility (for ``"all"``: missing at
        least one).  ``df.attrs`` holds ``minutes`` and ``speeds``.

    Raises
    ------
    RoutingError
        Bad population (node out of range, negative weight), unknown group speed, bad minutes or speeds.
    FacilityError
        Bad facility table or category.
    """
    graph = _walk_graph(city)
    n = graph.n_nodes
    m = _nonneg(minutes, "minutes", allow_inf=False)
    cats = _categories(categories)
    spd = _speeds(speeds)
    pop = _population_arrays(default_population(graph) if population is None else population, n)
    home, weight, group = pop["node"], pop["weight"], pop["group"]
    groups = _group_order(group)
    gmap = {g: i for i, g in enumerate(groups)}
    gc = np.fromiter((gmap[g] for g in group), dtype=np.int64, count=len(group))
    if "speed" in pop:
        speed = pop["speed"]
        spd = {g: float(np.average(speed[gc == i], weights=weight[gc == i]))
               if weight[gc == i].sum() > 0 else float(speed[gc == i].mean()) for i, g in enumerate(groups)}
    else:
        unknown = [g for g in groups if g not in spd]
        if unknown:
            raise RoutingError(f"no walking speed for group(s) {', '.join(map(repr, unknown))}; "
                               "pass speeds={group: m/s}")
        speed = np.array([float(spd[g]) for g in groups], dtype=np.float64)[gc] if len(groups) else np.zeros(0)
    nearest = _nearest_for(city, facilities, nearest, cats, n, threads)
    zc = np.clip(graph.zone.astype(np.int64), 0, len(ZONES) - 1)[home]
    dist = nearest.distance[home]                                    # (P, C)
    covered = within_minutes(dist, speed[:, None], m)
    tmin = dist / (speed * 60.0)[:, None]
    rows = _coverage_rows(cats, groups, gc, zc, weight, covered, tmin, np.isfinite(dist), spd)
    df = pd.DataFrame(rows, columns=["group", "zone", "category", "population", "speed_mps", "coverage",
                                     "index", "gini", "mean_minutes", "unreachable"])
    df.attrs["minutes"] = m
    df.attrs["speeds"] = {g: float(spd[g]) for g in groups}
    return df


def _coverage_rows(cats, groups, gc, zc, weight, covered, tmin, finite, spd) -> list[dict]:
    """The rows of :func:`coverage`, one per (group, zone, category) with residents."""
    C = len(cats)
    t_all = tmin.mean(axis=1) if C else np.zeros(len(gc))  # inf when any category is unreachable
    cols = [tmin[:, j] for j in range(C)] + [t_all]
    fin_cols = [finite[:, j] for j in range(C)] + [np.isfinite(t_all)]
    orders = [np.argsort(np.where(f, t, np.inf), kind="stable") for t, f in zip(cols, fin_cols, strict=True)]
    rows = []
    group_sel = [(g, gc == i) for i, g in enumerate(groups)] + [("all", None)]
    zone_sel = [(z, zc == i) for i, z in enumerate(ZONES)] + [("all", None)]
    for gname, gmask in group_sel:
        for zname, zmask in zone_sel:
            mask = np.ones(len(gc), dtype=bool)
            for part in (gmask, zmask):
                if part is not None:
                    mask = mask & part
            w = np.where(mask, weight, 0.0)
            total = float(w.sum())
            if not mask.any() or total <= 0:
                continue
            cov = [float(np.dot(w, covered[:, j])) / total for j in range(C)]
            index = float(np.mean(cov)) if C else float("nan")
            for j in range(C + 1):
                t, f, order = cols[j], fin_cols[j], orders[j]
                sel = mask[order] & f[order]
                ws, xs = weight[order][sel], t[order][sel]
                reach_w = float(ws.sum())
                g = gini_sorted(xs, ws) if reach_w > 0 else None
                rows.append({
                    "group": gname, "zone": zname, "category": cats[j] if j < C else "all",
                    "population": total,
                    "speed_mps": float(spd[gname]) if gname != "all" else float("nan"),
                    "coverage": cov[j] if j < C else index,
                    "index": index,
                    "gini": float("nan") if g is None else g,
                    "mean_minutes": float(np.dot(ws, xs)) / reach_w if reach_w > 0 else float("nan"),
                    "unreachable": float(np.dot(w, ~f)) / total,
                })
    return rows
