"""Benchmark: 15-minute accessibility (all nodes x 5 categories) against pandana, cityseer and scipy.

Usage::

    .venv/bin/python benchmarks/bench_accessibility.py [--quick] [--networks mapo,synthetic-50k]
                                                      [--repeat R] [--radius 1200] [--json PATH]

For every walk node and each of the five categories, within ``--radius`` metres (default
1,200 m, a 15-minute walk at 1.33 m/s) of network distance, on the Seoul extracts (their own
OSM facilities where the file has them) and synthetic cities of ~10k, ~50k and ~200k nodes:

* ``nearest`` -- distance to (and id of) the nearest facility:
  kaicity :func:`~kaicity.accessibility.nearest_facility_times` (``limit_m=radius``);
  pandana ``nearest_pois(radius, category, num_pois=1, include_poi_ids=True)`` per category;
  scipy ``dijkstra(csgraph, indices=facility nodes, min_only=True, limit=radius)`` per category
  (distances only, no facility ids);
* ``counts`` -- facilities within the radius: kaicity
  :func:`~kaicity.accessibility.facility_counts`; pandana ``aggregate(radius, type="count")``
  per category;
* ``decay-linear`` / ``decay-exp`` -- distance-decayed sums: kaicity ``facility_counts(decay=...)``;
  pandana ``aggregate(radius, type="sum", decay="linear"|"exp")`` per category (the same
  weights, ``1 - d/r`` and ``exp(-d/r)``);
* ``total`` -- nearest + counts together, the benchmark's target case: ``pandana`` includes
  its preprocessing (contraction-hierarchy build ``Network(...)``, ``precompute(radius)``,
  ``set_pois`` / ``set`` per category; timed once), ``pandana_query`` is ``nearest_pois`` +
  ``aggregate`` alone; ``cityseer`` is ``layers.compute_accessibilities`` (one call gives
  nearest distance and count for every category) including ``io.network_structure_from_nx``,
  ``cityseer_query`` the call alone.

Every timing is a median over round-robin runs (``_common.measure``); preprocessing steps of
the peers are timed once.  Exactness: kaicity's nearest distances are compared with scipy's
(same float64 Dijkstra: max abs difference, expected 0) and its counts with a scipy reference
from a sample of nodes; the max abs difference to pandana (which rounds edge lengths to
integer millimetres inside its contraction hierarchy) and the number of count cells that
differ (facilities within a few millimetres of the radius) are reported, and so is cityseer's
(it snaps facilities to the nearest street edge and measures along straight edge geometry
built from the node coordinates, so on OSM networks with curved streets its distances differ
by design; on the synthetic cities the streets are straight and it agrees to float32 precision).

Targets (JSON ``targets``): on every network, kaicity's ``total`` at least 30x faster than
pandana including preprocessing and at least 5x faster than pandana's query time alone, with
exact answers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Method,
    Results,
    Timing,
    bench_parser,
    measure,
    optional_import,
    repeat_count,
    select_networks,
)

from kaicity import accessibility as A  # noqa: E402
from kaicity.categories import CATEGORIES  # noqa: E402

#: Nodes sampled for the scipy reference of the counts.
REFERENCE_SAMPLE = 60


@contextlib.contextmanager
def quiet_stdout():
    """Silence C-level stdout (pandana's contraction-hierarchy progress lines)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def once(fn) -> tuple[float, object]:
    """Seconds of one call, and its result."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def facility_nodes(city) -> dict[str, np.ndarray]:
    f = city.facilities
    return {c: f.loc[f["category"] == c, "node"].to_numpy(dtype=np.int64) for c in CATEGORIES}


# ------------------------------------------------------------------------------- scipy
def scipy_nearest(G, nodes: dict[str, np.ndarray], radius: float) -> list[np.ndarray]:
    from scipy.sparse.csgraph import dijkstra

    out = []
    for c in CATEGORIES:
        if len(nodes[c]) == 0:
            out.append(np.full(G.shape[0], np.inf))
        else:
            out.append(dijkstra(G, directed=True, indices=nodes[c], min_only=True, limit=radius))
    return out


def scipy_count_reference(city, radius: float, near: A.NearestFacilities, counts: A.FacilityCounts,
                          sample: int = REFERENCE_SAMPLE) -> dict:
    """Counts of sampled nodes from a scipy Dijkstra out of each node (ambiguous radius ties skipped)."""
    from scipy.sparse.csgraph import dijkstra

    g = city.walk
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(g.n_nodes, size=min(sample, g.n_nodes), replace=False))
    D = dijkstra(g.to_scipy(), directed=True, indices=rows, limit=radius + 1.0)
    f = city.facilities
    fn = f["node"].to_numpy()
    code = pd.Index(CATEGORIES).get_indexer(f["category"].to_numpy())
    bad = compared = 0
    for i, v in enumerate(rows):
        d = D[i, fn]
        if np.any(np.abs(d - radius) <= 1e-7):
            continue
        ref = np.bincount(code[d <= radius], minlength=len(CATEGORIES))
        bad += int(np.any(ref != counts.counts[v]))
        compared += 1
    return {"count_reference_nodes": compared, "count_reference_mismatches": bad}


# ----------------------------------------------------------------------------- pandana
def pandana_network(pandana, g):
    tails = g.edge_tails()
    once_ = tails < g.indices   # each undirected edge once (twoway=True)
    return pandana.Network(pd.Series(g.x), pd.Series(g.y), pd.Series(tails[once_]), pd.Series(g.indices[once_]),
                           pd.DataFrame({"length": g.weights[once_]}), twoway=True)


def pandana_set(net, g, nodes: dict[str, np.ndarray], radius: float) -> int:
    """``set_pois`` and ``set`` per category; returns how many facilities pandana mapped elsewhere."""
    moved = 0
    for c in CATEGORIES:
        nd = nodes[c]
        if len(nd) == 0:
            continue
        x, y = pd.Series(g.x[nd]), pd.Series(g.y[nd])
        net.set_pois(c, radius, 1, x, y)
        moved += int(np.sum(net.get_node_ids(x, y).to_numpy() != nd))
        net.set(pd.Series(nd), name=c)
        net.set(pd.Series(nd), variable=pd.Series(np.ones(len(nd))), name=c + "_ones")
    return moved


def pandana_nearest(net, nodes, radius: float) -> list:
    return [net.nearest_pois(radius, c, num_pois=1, include_poi_ids=True) for c in CATEGORIES if len(nodes[c])]


def pandana_aggregate(net, nodes, radius: float, kind: str = "count", decay: str = "flat") -> list:
    name = "{}" if kind == "count" else "{}_ones"
    return [net.aggregate(radius, type=kind, decay=decay, name=name.format(c)) for c in CATEGORIES if len(nodes[c])]


# ---------------------------------------------------------------------------- cityseer
def cityseer_inputs(city):
    import geopandas as gpd
    import networkx as nx
    from shapely.geometry import LineString, Point

    g = city.walk
    G = nx.MultiGraph()
    G.graph["crs"] = g.crs
    G.add_nodes_from((str(i), {"x": float(g.x[i]), "y": float(g.y[i])}) for i in range(g.n_nodes))
    tails = g.edge_tails()
    once_ = tails < g.indices
    for u, v in zip(tails[once_].tolist(), g.indices[once_].tolist(), strict=True):
        G.add_edge(str(u), str(v), geom=LineString([(g.x[u], g.y[u]), (g.x[v], g.y[v])]))
    f = city.facilities
    data = gpd.GeoDataFrame({"category": f["category"].to_numpy()},
                            geometry=[Point(g.x[n], g.y[n]) for n in f["node"]], crs=g.crs)
    return G, data


def cityseer_run(G, data, radius: float):
    from cityseer.metrics import layers
    from cityseer.tools import io

    t_struct, (nodes_gdf, _, ns) = once(lambda: io.network_structure_from_nx(G))
    keys = [c for c in CATEGORIES if (data["category"] == c).any()]

    def query():
        return layers.compute_accessibilities(data, "category", keys, nodes_gdf.copy(), ns,
                                              distances=[int(radius)], decay_fn="1")
    return t_struct, query


def run_network(net, R: float, repeat: int, pandana, cityseer, results: Results) -> None:
    """Time every case on one network and record the rows (and targets) in ``results``."""
    city = net.load()
    g = city.walk
    n = g.n_nodes
    nodes = facility_nodes(city)
    info = {"facilities": {c: int(len(nodes[c])) for c in CATEGORIES},
            "facility_source": city.facilities["source"].value_counts().to_dict()}
    G = g.to_scipy()

    # ---------------------------------------------------------------- kaicity + scipy
    def k_near(threads=None):
        return A.nearest_facility_times(city, limit_m=R, threads=threads)

    def k_count(threads=None, decay=None):
        return A.facility_counts(city, radius_m=R, decay=decay, threads=threads)

    def k_total(threads=None):
        return k_near(threads), k_count(threads)

    near, counts = k_total()
    sp = scipy_nearest(G, nodes, R)
    diff_scipy = max(float(np.max(np.abs(np.where(np.isinf(a), 0, a) - np.where(np.isinf(b), 0, b))))
                     if np.array_equal(np.isinf(a), np.isinf(b)) else np.inf
                     for a, b in zip(sp, near.distance.T, strict=True))
    ref = scipy_count_reference(city, R, near, counts)
    exact = diff_scipy <= 1e-9 and ref["count_reference_mismatches"] == 0
    info.update({"max_abs_diff_vs_scipy_m": diff_scipy, **ref})

    serial = "one OpenMP thread"
    methods: dict[str, Method] = {
        "kaicity": Method(k_near), "kaicity_1t": Method(lambda: k_near(1), note=serial),
        "scipy": Method(lambda: scipy_nearest(G, nodes, R), note="distances only, no facility ids"),
    }
    count_methods: dict[str, Method] = {"kaicity": Method(k_count),
                                        "kaicity_1t": Method(lambda: k_count(1), note=serial)}
    lin_methods: dict[str, Method] = {"kaicity": Method(lambda: k_count(None, "linear")),
                                      "kaicity_1t": Method(lambda: k_count(1, "linear"), note=serial)}
    exp_methods: dict[str, Method] = {"kaicity": Method(lambda: k_count(None, "exponential")),
                                      "kaicity_1t": Method(lambda: k_count(1, "exponential"), note=serial)}
    total_methods: dict[str, Method] = {"kaicity": Method(k_total),
                                        "kaicity_1t": Method(lambda: k_total(1), note=serial)}

    # ---------------------------------------------------------------------- pandana
    prep = {}
    if pandana is not None:
        with quiet_stdout():
            prep["ch"], pnet = once(lambda: pandana_network(pandana, g))
            prep["precompute"], _ = once(lambda: pnet.precompute(R))
            prep["set"], moved = once(lambda: pandana_set(pnet, g, nodes, R))
        methods["pandana_query"] = Method(lambda: pandana_nearest(pnet, nodes, R))
        count_methods["pandana_query"] = Method(lambda: pandana_aggregate(pnet, nodes, R))
        lin_methods["pandana_query"] = Method(lambda: pandana_aggregate(pnet, nodes, R, "sum", "linear"))
        exp_methods["pandana_query"] = Method(lambda: pandana_aggregate(pnet, nodes, R, "sum", "exp"))
        total_methods["pandana_query"] = Method(lambda: (pandana_nearest(pnet, nodes, R),
                                                         pandana_aggregate(pnet, nodes, R)))
        pn = pandana_nearest(pnet, nodes, R)
        pa = pandana_aggregate(pnet, nodes, R)
        cats = [c for c in CATEGORIES if len(nodes[c])]
        dmax, found_mismatch, count_cells = 0.0, 0, 0
        for k, c in enumerate(cats):
            j = CATEGORIES.index(c)
            pd_dist = pn[k][1].to_numpy(dtype=float)
            found = pn[k]["poi1"].notna().to_numpy()
            ours = near.distance[:, j]
            both = found & np.isfinite(ours)
            if both.any():
                dmax = max(dmax, float(np.max(np.abs(pd_dist[both] - ours[both]))))
            found_mismatch += int(np.sum(found != np.isfinite(ours)))
            count_cells += int(np.sum(pa[k].to_numpy() != counts.counts[:, j]))
        info.update({"pandana_prep_s": prep, "pandana_facilities_mapped_elsewhere": moved,
                     "max_abs_diff_vs_pandana_m": dmax, "pandana_found_mismatch_cells": found_mismatch,
                     "pandana_count_mismatch_cells": count_cells})

    # --------------------------------------------------------------------- cityseer
    cs_prep = None
    if cityseer is not None:
        Gx, data = cityseer_inputs(city)
        cs_prep, cs_query = cityseer_run(Gx, data, R)
        total_methods["cityseer_query"] = Method(cs_query)
        out = cs_query()
        dmax, cmax = 0.0, 0.0
        for j, c in enumerate(CATEGORIES):
            col = f"cc_{c}_nearest_max_{int(R)}"
            if col not in out.columns:
                continue
            d = out.loc[[str(i) for i in range(n)], col].to_numpy(dtype=float)
            cnt = out.loc[[str(i) for i in range(n)], f"cc_{c}_{int(R)}"].to_numpy(dtype=float)
            both = np.isfinite(d) & np.isfinite(near.distance[:, j])
            if both.any():
                dmax = max(dmax, float(np.max(np.abs(d[both] - near.distance[both, j]))))
            cmax = max(cmax, float(np.nanmax(np.abs(cnt - counts.counts[:, j]))))
        info.update({"cityseer_structure_s": cs_prep, "max_abs_diff_vs_cityseer_m": dmax,
                     "max_count_diff_vs_cityseer": cmax})
        del Gx, data

    # ----------------------------------------------------------------------- timing
    rows = {}
    for case, ms in (("nearest", methods), ("counts", count_methods), ("decay-linear", lin_methods),
                     ("decay-exp", exp_methods), ("total", total_methods)):
        rows[case] = (ms, measure(ms, repeat=repeat, budget_s=20.0))
    tot = rows["total"][1]
    if pandana is not None:
        pq = tot["pandana_query"]
        p_prep = prep["ch"] + prep["precompute"] + prep["set"]
        tot["pandana"] = Timing([t + p_prep for t in pq.times],
                                note="Network() CH build + precompute + set_pois/set (timed once) + query")
    if cityseer is not None:
        cq = tot["cityseer_query"]
        tot["cityseer"] = Timing([t + cs_prep for t in cq.times],
                                 note="network_structure_from_nx (timed once) + compute_accessibilities")
    if pandana is not None:
        one = tot["kaicity_1t"].median
        info["one_thread_ratios"] = {"pandana": tot["pandana"].median / one,
                                     "pandana_query": tot["pandana_query"].median / one}
    for case, (_, timings) in rows.items():
        row = results.add(case, net, n, timings, **(info if case == "total" else {}))
        if case == "total":
            if pandana is not None:
                results.check(row, "pandana", 30.0, "kaicity >= 30x faster than pandana incl. preprocessing")
                results.check(row, "pandana_query", 5.0, "kaicity >= 5x faster than pandana query alone")
            results.check_value(row, "exact (nearest == scipy, counts == scipy reference)", exact,
                                detail=f"max diff {diff_scipy:.2g} m, "
                                       f"{ref['count_reference_mismatches']} count mismatches")
    print(f"# {net.name}: done", flush=True)
    net.unload()


# -------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--radius", type=float, default=1200.0, help="metres (default 1200)")
    parser.add_argument("--no-peers", action="store_true", help="time kaicity (and scipy) only")
    args = parser.parse_args(argv)
    repeat = repeat_count(args)
    R = float(args.radius)
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    pandana = None if args.no_peers else optional_import("pandana")
    cityseer = None if args.no_peers else optional_import("cityseer")
    if cityseer is not None:
        from cityseer import config

        config.QUIET_MODE = True
    results = Results("accessibility: nearest facility and facilities within reach, all nodes x 5 categories")
    settings = {"radius_m": R, "categories": list(CATEGORIES), "repeat": repeat,
                "versions": {"pandana": getattr(pandana, "__version__", None),
                             "cityseer": _version("cityseer") if cityseer else None}}

    for net in select_networks(args):
        run_network(net, R, repeat, pandana, cityseer, results)

    print()
    results.print_table()
    extra = [r for r in results.rows if r.case == "total"]
    print("\nexactness and peer differences (total rows):")
    for r in extra:
        i = r.info
        print(f"  {r.network:<28} vs scipy {i.get('max_abs_diff_vs_scipy_m', float('nan')):.2g} m; "
              f"count ref {i.get('count_reference_mismatches')}/{i.get('count_reference_nodes')} bad; "
              f"vs pandana {i.get('max_abs_diff_vs_pandana_m', float('nan')):.3g} m, "
              f"{i.get('pandana_count_mismatch_cells', '-')} count cells differ; "
              f"vs cityseer {i.get('max_abs_diff_vs_cityseer_m', float('nan')):.3g} m")
        if "one_thread_ratios" in i:
            o = i["one_thread_ratios"]
            print(f"  {'':<28} kaicity on one thread: pandana {o['pandana']:.1f}x, pandana query "
                  f"{o['pandana_query']:.1f}x slower")
        if "pandana_prep_s" in i:
            p = i["pandana_prep_s"]
            print(f"  {'':<28} pandana prep: CH {p['ch']:.3f} s, precompute {p['precompute']:.3f} s, "
                  f"set_pois/set {p['set']:.3f} s; cityseer structure {i.get('cityseer_structure_s') or 0:.3f} s")
    results.write_json(args.json, settings)
    failed = [t for t in results.targets if t["pass"] is False]
    return 1 if failed else 0


def _version(name: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001
        return None


if __name__ == "__main__":
    sys.exit(main())
