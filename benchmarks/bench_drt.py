"""Benchmark: a simulated day of the DRT dispatcher (insertion heuristic) on a synthetic city.

For each case (requests per day x vehicles x demand pattern) the script books every request
when the clock reaches it and advances the fleet minute by minute, as the model does, and
reports the wall and CPU time of dispatch per request (``DRTService.book``: searches plus
insertion) and of the whole day (dispatch plus driving, rebalancing every 15 min).

Demand patterns (origins are homes spread over the core and suburbs):

* ``facilities`` -- door to door, destinations are the city's facilities (as in the model);
* ``stops``      -- via virtual stops 400 m apart (as Sejong Shucle / Gyeonggi 똑버스);
* ``random``     -- door to door between random nodes (worst case: no node repeats).

Targets of the DRT issue: under 1 ms of dispatch per request on average at 500 vehicles (CPU
time, checked for the engine the model uses, ``auto``); 50k requests a day in under 2 minutes.

Search engines (``--engine``, comma-separated to compare them on the same requests):
``auto`` as the model runs (Dijkstra, then PHAST rows of a contraction hierarchy when the
first searches are wide), ``hierarchy`` (PHAST from the start), ``dijkstra`` (never PHAST).
All three give the same plans (the DRT's drive times sum exactly).

    python benchmarks/bench_drt.py [--quick] [--city-nodes 10000] [--demand facilities,stops,random]
                                   [--engine auto,hierarchy,dijkstra]
                                   [--cases 5000x50,5000x500,50000x50,50000x500] [--json PATH]
    python benchmarks/bench_drt.py --calibrate      # Sejong Shucle runs for docs/validation.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PER_REQUEST_TARGET_MS = 1.0
DAY_TARGET_S = 120.0


def requests_for(city, n: int, pattern: str, seed: int) -> list:
    """``n`` trip requests over the service day (the default hourly profile of needs)."""
    from kaicity.categories import ZONE_CODE
    from kaicity.scenario import NeedsSection
    from kaicity.services.transit import TripRequest

    rng = np.random.default_rng(seed)
    served = np.flatnonzero(np.isin(city.walk.zone, [ZONE_CODE["core"], ZONE_CODE["suburb"]]))
    profile = np.asarray(NeedsSection().hourly_profile, dtype=float)
    hours = rng.choice(24, size=n, p=profile / profile.sum())
    times = np.sort(hours * 3600.0 + rng.uniform(0.0, 3600.0, n))
    origins = rng.choice(served, n)
    if pattern == "facilities":
        fac = city.facilities["node"].to_numpy()
        fac = fac[np.isin(city.walk.zone[fac], [ZONE_CODE["core"], ZONE_CODE["suburb"]])]
        dests = rng.choice(fac, n)
    else:
        dests = rng.choice(served, n)
    return [TripRequest(k, k, int(origins[k]), int(dests[k]), float(times[k]), 1.2, 1200.0) for k in range(n)]


ENGINES = {"auto": None, "hierarchy": True, "dijkstra": False}


def one_day(city, requests: list, vehicles: int, pattern: str, engine: str = "auto") -> dict:
    """Dispatch one day with the search ``engine`` (see :data:`ENGINES`); returns timings and KPIs."""

    from kaicity.metrics.drt import drt_kpis
    from kaicity.scenario import DrtSection
    from kaicity.services.drt import DRTService

    cfg = DrtSection(enabled=True, vehicles=vehicles, capacity=11, service_hours=[6, 24], max_wait_min=15.0,
                     mode="virtual_stops" if pattern == "stops" else "door_to_door",
                     virtual_stop_spacing_m=400.0, zones=["core", "suburb"],
                     rebalancing={"enabled": True, "interval_min": 15, "window_min": 60})
    t0 = time.perf_counter()
    svc = DRTService(city, cfg, horizon_s=86_400.0, rng=np.random.default_rng(1), hierarchy=ENGINES[engine])
    build_s = time.perf_counter() - t0
    book_wall = book_cpu = 0.0
    k = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for tick in range(60, 86_400 + 60, 60):
        while k < len(requests) and requests[k].time < tick:
            w, c = time.perf_counter(), time.process_time()
            svc.book(requests[k])
            book_wall += time.perf_counter() - w
            book_cpu += time.process_time() - c
            k += 1
        svc.advance(float(tick))
    day_wall, day_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    kp = drt_kpis(svc)
    n = len(requests)
    return {
        "pattern": pattern, "engine": engine,
        "searches_on": "hierarchy" if svc.travel.searcher.hierarchy else "dijkstra",
        "requests": n, "vehicles": vehicles, "virtual_stops": kp["virtual_stops"],
        "build_s": build_s, "dispatch_ms_per_request": book_wall / n * 1e3,
        "dispatch_cpu_ms_per_request": book_cpu / n * 1e3, "day_wall_s": day_wall, "day_cpu_s": day_cpu,
        "rejection_rate": kp["rejection_rate"], "wait_mean_min": kp["wait_min"]["mean"],
        "pooled_share": kp["pooled_share"], "vehicle_km": kp["vehicle_km"],
        "insertions_evaluated_per_request": svc.log.evaluations / n,
    }


def benchmark(args: argparse.Namespace) -> int:
    from kaicity.network import load_city

    t0 = time.perf_counter()
    city = load_city({"kind": "synthetic", "n_nodes": args.city_nodes, "seed": args.city_seed})
    print(f"# synthetic city: {city.drive.n_nodes} drive nodes, {city.drive.n_edges} edges, "
          f"{len(city.facilities)} facilities ({time.perf_counter() - t0:.1f} s)", flush=True)
    cases = [tuple(int(x) for x in c.split("x")) for c in args.cases.split(",")]
    patterns = args.demand.split(",")
    rows = []
    header = (f"{'pattern':<11}{'engine':<10}{'requests':>9}{'vehicles':>9}{'ms/req':>8}{'cpu ms':>8}{'day s':>8}"
              f"{'day cpu':>8}{'reject':>8}{'wait':>6}{'pooled':>7}{'evals':>7}")
    print(header)
    for pattern in patterns:
        for n, vehicles in cases:
            reqs = requests_for(city, n, pattern, seed=2)
            for engine in args.engine.split(","):
                r = one_day(city, reqs, vehicles, pattern, engine)
                rows.append(r)
                print(f"{pattern:<11}{engine:<10}{n:>9}{vehicles:>9}{r['dispatch_ms_per_request']:>8.3f}"
                      f"{r['dispatch_cpu_ms_per_request']:>8.3f}{r['day_wall_s']:>8.1f}{r['day_cpu_s']:>8.1f}"
                      f"{r['rejection_rate']:>8.3f}{r['wait_mean_min'] or 0:>6.1f}{r['pooled_share'] or 0:>7.2f}"
                      f"{r['insertions_evaluated_per_request']:>7.0f}", flush=True)
    ok = True
    for r in rows:   # targets: CPU time (what the machine's load cannot inflate), wall time beside it
        label = f"# {r['pattern']} {r['engine']} {r['requests']}x{r['vehicles']}"
        if r["vehicles"] >= 500:
            hit = r["dispatch_cpu_ms_per_request"] < PER_REQUEST_TARGET_MS
            r["meets_per_request_target"] = hit
            print(f"{label}: {r['dispatch_cpu_ms_per_request']:.3f} CPU ms/request, "
                  f"{r['dispatch_ms_per_request']:.3f} wall ({'ok' if hit else 'MISSED'}, target < "
                  f"{PER_REQUEST_TARGET_MS} ms; searches on {r['searches_on']})")
            ok &= hit or r["engine"] == "dijkstra"
        if r["requests"] >= 50_000:
            hit = r["day_wall_s"] < DAY_TARGET_S
            r["meets_day_target"] = hit
            print(f"{label}: day {r['day_wall_s']:.1f} s ({'ok' if hit else 'MISSED'}, target < {DAY_TARGET_S:.0f} s)")
            ok &= hit
    if args.json:
        Path(args.json).write_text(json.dumps({
            "benchmark": "drt dispatch", "city_nodes": city.drive.n_nodes, "machine": machine_info(),
            "targets": {"per_request_ms_at_500_vehicles": PER_REQUEST_TARGET_MS, "day_50k_s": DAY_TARGET_S},
            "results": rows}, indent=2, default=str))
    return 0 if ok else 1


def calibrate(args: argparse.Namespace) -> int:
    """Sejong Shucle scenario with variations: mean wait next to the observed ~15 min."""
    from kaicity.metrics.drt import drt_kpis
    from kaicity.model import KaiCityModel
    from kaicity.scenario import load_scenario

    base = load_scenario(ROOT / "scenarios" / "sejong_shucle.yaml")
    variants = [
        ("as shipped", {}),
        ("max wait 30 min", {"transit.drt.max_wait_min": 30.0}),
        ("max wait 45 min", {"transit.drt.max_wait_min": 45.0}),
        ("no rebalancing", {"transit.drt.rebalancing.enabled": False}),
        ("18 vans (later fleet)", {"transit.drt.vehicles": 18}),
        ("max wait 30, 18 vans", {"transit.drt.max_wait_min": 30.0, "transit.drt.vehicles": 18}),
    ]
    rows = []
    print(f"{'variant':<24}{'requests':>9}{'rides':>7}{'reject':>8}{'wait':>7}{'p95':>7}{'<15':>6}{'walk':>6}"
          f"{'ivt':>6}{'pooled':>7}{'pax/vh':>7}")
    for name, ov in variants:
        sc = base.with_overrides(ov) if ov else base
        t0 = time.perf_counter()
        m = KaiCityModel(sc, seed=args.seed).run()
        k = drt_kpis(m.drt)
        k["variant"] = name
        k["overrides"] = ov
        k["run_s"] = time.perf_counter() - t0
        rows.append(k)
        print(f"{name:<24}{k['requests']:>9}{k['booked']:>7}{k['rejection_rate']:>8.2f}"
              f"{k['wait_min']['mean']:>7.1f}{k['wait_min']['p95']:>7.1f}{k['wait_share_under_15_min']:>6.2f}"
              f"{k['walk_min']:>6.1f}{k['in_vehicle_min']['mean']:>6.1f}{k['pooled_share']:>7.2f}"
              f"{k['passengers_per_vehicle_hour']:>7.2f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"calibration": "sejong_shucle", "seed": args.seed,
                                               "machine": machine_info(), "results": rows}, indent=2,
                                              default=str))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="facilities pattern, 5000x50 and 50000x500 only")
    ap.add_argument("--city-nodes", type=int, default=10_000)
    ap.add_argument("--city-seed", type=int, default=11)
    ap.add_argument("--demand", default="facilities,stops,random")
    ap.add_argument("--cases", default="5000x50,5000x500,50000x50,50000x500",
                    help="comma-separated REQUESTSxVEHICLES")
    ap.add_argument("--engine", default="auto",
                    help="comma-separated search engines: auto (as the model runs), hierarchy, dijkstra")
    ap.add_argument("--calibrate", action="store_true", help="run the Sejong Shucle calibration instead")
    ap.add_argument("--seed", type=int, default=None, help="scenario seed for --calibrate")
    ap.add_argument("--json", default=None, metavar="PATH")
    args = ap.parse_args()
    if args.quick:
        args.demand, args.cases = "facilities", "5000x50,50000x500"
    return calibrate(args) if args.calibrate else benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
