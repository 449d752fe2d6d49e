"""Benchmark: how a run of ``scenarios/ai_city.yaml`` grows with residents, days and city size.

Three sweeps, each point in a fresh subprocess so its peak memory (max RSS) is its own:

* residents (10k .. 1M, one day, 20k-node city),
* simulated days (1, 3, 10, 30 at 50k residents; 365 with ``--with-365``),
* city size (5k, 20k, 50k nodes at 50k residents, one day).

For each point: model build time, run time, run time per simulated day, and peak memory.
In the same process as each point of the residents sweep, a plain Mesa 3 model of the
same number of do-nothing agents (``shuffle_do("step")`` on agents whose ``step`` does
nothing) is timed for a few ticks and scaled to one day of the scenario's ticks: the peer
ratio is kaicity's run time per day / plain Mesa's time per day (lower is better).
Slopes are least-squares fits of log(time) on log(size): 1 = linear.  Each point also records
the CPU time of every simulated day; a run of 6 days or more reports its last 3 days' CPU over
its first 3 days' (``last3_vs_first3_cpu``): growth with the run's length measured in one process.

Targets (issue 17): per-day cost at 30 days within 1.15x of that at 3 days and at 365 days
within 1.3x; one day of 1M residents under 0.2x the plain-Mesa day, peak memory < 1.5 GB.

    python benchmarks/bench_model.py [--quick] [--max-residents 200000] [--with-365]
                                     [--sweeps residents,days,city] [--json PATH]
                                     [--residents 1000000] [--days 3,30]   # chosen points only
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESIDENTS = (10_000, 50_000, 200_000, 1_000_000)
DAYS = (1, 3, 10, 30)
CITY_NODES = (5_000, 20_000, 50_000)
QUICK = {"residents": (10_000, 50_000), "days": (1, 3, 10), "city": (5_000, 20_000), "days_residents": 10_000}
TARGETS = {"per_day_30_vs_3": 1.15, "per_day_365_vs_3": 1.3, "mesa_ratio_1m": 0.2, "peak_gb_1m": 1.5}


def plain_mesa_day_s(n_agents: int, ticks_per_day: int, sample_ticks: int) -> tuple[float, float, float]:
    """Seconds plain Mesa needs to step ``n_agents`` do-nothing agents for a day (wall and CPU), and to
    create them.

    ``sample_ticks`` ticks are timed and scaled to ``ticks_per_day``.
    """
    import mesa

    class Idle(mesa.Agent):
        def step(self) -> None:
            pass

    t0 = time.perf_counter()
    model = mesa.Model(seed=1)
    Idle.create_agents(model, n_agents)
    create_s = time.perf_counter() - t0
    model.agents.shuffle_do("step")    # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(sample_ticks):
        model.agents.shuffle_do("step")
    per_tick = (time.perf_counter() - t0) / sample_ticks
    per_tick_cpu = (time.process_time() - c0) / sample_ticks
    return per_tick * ticks_per_day, per_tick_cpu * ticks_per_day, create_s


def one(residents: int, days: int, city_nodes: int, scenario: str, drt_per_resident: float, peer: bool) -> dict:
    """Run one point in this process and return its measurements."""
    from kaicity.model import KaiCityModel, city_for
    from kaicity.scenario import load_scenario

    sc = load_scenario(ROOT / scenario).with_overrides({
        "population.residents": residents,
        "population.scale": 1.0,
        "simulation.days": days,
        "city.n_nodes": city_nodes,
        "transit.drt.vehicles": max(1, round(residents * drt_per_resident)),
    })
    t0 = time.perf_counter()
    city_for(sc)
    t_city = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = KaiCityModel(sc)
    t_build = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    day_cpu = []   # CPU s of each simulated day: days 1-3 against the last 3 in the same process
    while model.running:
        c_day = time.process_time()
        day_end = (len(day_cpu) + 1) * 86_400.0
        while model.running and model.now < day_end:
            model.step()
        day_cpu.append(time.process_time() - c_day)
    t_run, c_run = time.perf_counter() - t0, time.process_time() - c0
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    out = {
        "residents": residents, "days": days, "city_nodes": model.city.walk.n_nodes, "needs": model.n_needs,
        "ticks": model.steps, "city_s": t_city, "build_s": t_build, "run_s": t_run, "run_cpu_s": c_run,
        "per_day_s": t_run / days, "per_day_cpu_s": c_run / days, "peak_memory_gb": rss_gb,
        "resident_agents_made": getattr(model.residents, "created", len(model.residents)),
        "day_cpu_s": [round(c, 4) for c in day_cpu],
        # the sharpest growth probe: the last 3 days' CPU over days 1-3's, same process and machine state
        "last3_vs_first3_cpu": sum(day_cpu[-3:]) / sum(day_cpu[:3]) if len(day_cpu) >= 6 else None,
    }
    if peer:
        ticks_per_day = round(86_400 / model.tick_s)
        del model
        sample = 3 if residents >= 200_000 else 10
        mesa_day, mesa_day_cpu, mesa_create = plain_mesa_day_s(residents, ticks_per_day, sample)
        out.update(mesa_day_s=mesa_day, mesa_day_cpu_s=mesa_day_cpu, mesa_create_s=mesa_create,
                   mesa_sample_ticks=sample, mesa_ratio=out["per_day_s"] / mesa_day,
                   mesa_ratio_cpu=out["per_day_cpu_s"] / mesa_day_cpu)
    return out


def run_point(args: argparse.Namespace, residents: int, days: int, city_nodes: int, peer: bool) -> dict:
    cmd = [sys.executable, __file__, "--_one", f"{residents},{days},{city_nodes},{int(peer)}",
           "--scenario", args.scenario, "--drt-per-resident", str(args.drt_per_resident)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"point {residents} residents x {days} days x {city_nodes} nodes failed:\n{out.stderr}")
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{row['residents']:>10,} {row['days']:>5} {row['city_nodes']:>8,} {row['build_s']:>8.1f} "
          f"{row['run_s']:>8.1f} {row['per_day_s']:>8.2f} {row['per_day_cpu_s']:>8.2f} {row['peak_memory_gb']:>7.2f}"
          + (f" {row['mesa_day_s']:>9.1f} {row['mesa_ratio']:>6.2f} {row['mesa_day_cpu_s']:>9.1f}"
             f" {row['mesa_ratio_cpu']:>6.2f}" if peer else ""), flush=True)
    return row


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of log(y) on log(x) (None with fewer than two points)."""
    if len(xs) < 2:
        return None
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    ap.add_argument("--max-residents", type=int, default=None, help="skip residents sweep points above this")
    ap.add_argument("--with-365", action="store_true", help="add a 365-day run to the days sweep")
    ap.add_argument("--sweeps", default="residents,days,city")
    ap.add_argument("--days-residents", type=int, default=None, help="residents of the days sweep (50k)")
    ap.add_argument("--residents", default=None, help="comma-separated points of the residents sweep")
    ap.add_argument("--days", default=None, help="comma-separated points of the days sweep")
    ap.add_argument("--city-nodes", type=int, default=20_000)
    ap.add_argument("--scenario", default="scenarios/ai_city.yaml")
    ap.add_argument("--drt-per-resident", type=float, default=12 / 8000, help="DRT vehicles per resident")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--_one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._one is not None:
        r, d, c, p = (int(v) for v in args._one.split(","))
        print(json.dumps(one(r, d, c, args.scenario, args.drt_per_resident, bool(p))))
        return 0
    sweeps = args.sweeps.split(",")
    residents = QUICK["residents"] if args.quick else RESIDENTS
    if args.max_residents:
        residents = tuple(n for n in residents if n <= args.max_residents)
    if args.residents:
        residents = tuple(int(v) for v in args.residents.split(","))
    days = (QUICK["days"] if args.quick else DAYS) + ((365,) if args.with_365 else ())
    if args.days:
        days = tuple(int(v) for v in args.days.split(","))
    days_res = args.days_residents or (QUICK["days_residents"] if args.quick else 50_000)
    cities = QUICK["city"] if args.quick else CITY_NODES
    print(f"# {machine_info().get('cpu', '')} | kaicity run vs plain Mesa ({args.scenario})")
    print(f"{'residents':>10} {'days':>5} {'nodes':>8} {'build s':>8} {'run s':>8} {'s/day':>8} {'cpu/day':>8} "
          f"{'peak GB':>7} {'mesa s/d':>9} {'ratio':>6} {'mesa cpu':>9} {'cpu r.':>6}")
    rows: dict[str, list[dict]] = {}
    if "residents" in sweeps:
        rows["residents"] = [run_point(args, n, 1, args.city_nodes, True) for n in residents]
    if "days" in sweeps:
        rows["days"] = [run_point(args, days_res, d, args.city_nodes, False) for d in days]
    if "city" in sweeps:
        rows["city"] = [run_point(args, days_res, 1, c, False) for c in cities]
    summary = summarize(rows)
    print()
    for key, value in summary.items():
        print(f"{key:<34} {value if value is None or isinstance(value, (bool, str)) else round(value, 3)}")
    if args.json:
        args.json.write_text(json.dumps({"benchmark": "model scaling", "machine": machine_info(),
                                         "targets": TARGETS, "rows": rows, "summary": summary}, indent=2))
    return 0


def summarize(rows: dict[str, list[dict]]) -> dict:
    """Slopes and the target ratios of the sweeps that ran."""
    s: dict = {}
    res = rows.get("residents", [])
    if res:
        s["slope_run_vs_residents"] = slope([r["residents"] for r in res], [r["run_s"] for r in res])
        s["slope_build_vs_residents"] = slope([r["residents"] for r in res], [r["build_s"] for r in res])
        s["slope_memory_vs_residents"] = slope([r["residents"] for r in res], [r["peak_memory_gb"] for r in res])
        big = res[-1]
        s["largest_residents"] = big["residents"]
        s["mesa_ratio_at_largest"] = big["mesa_ratio"]
        s["mesa_ratio_cpu_at_largest"] = big.get("mesa_ratio_cpu")
        s["peak_gb_at_largest"] = big["peak_memory_gb"]
        s["build_s_at_largest"] = big["build_s"]
        if big["residents"] >= 1_000_000:
            s["meets_mesa_ratio_1m"] = big["mesa_ratio_cpu"] < TARGETS["mesa_ratio_1m"]
            s["meets_peak_gb_1m"] = big["peak_memory_gb"] < TARGETS["peak_gb_1m"]
    dys = rows.get("days", [])
    if dys:
        by = {r["days"]: r for r in dys}
        s["slope_run_vs_days"] = slope([r["days"] for r in dys], [r["run_s"] for r in dys])
        for d, r in sorted(by.items()):
            if r.get("last3_vs_first3_cpu") is not None:
                s[f"last3_vs_first3_days_cpu_at_{d}"] = r["last3_vs_first3_cpu"]
        if 3 in by:
            for d, key in ((30, "per_day_30_vs_3"), (365, "per_day_365_vs_3")):
                if d in by:
                    s[key] = by[d]["per_day_s"] / by[3]["per_day_s"]
                    s[key + "_cpu"] = by[d]["per_day_cpu_s"] / by[3]["per_day_cpu_s"]
                    s["meets_" + key] = s[key + "_cpu"] <= TARGETS[key]
            last = max(by)
            if last != 3 and last not in (30, 365):
                s[f"per_day_{last}_vs_3_cpu"] = by[last]["per_day_cpu_s"] / by[3]["per_day_cpu_s"]
    cty = rows.get("city", [])
    if cty:
        s["slope_run_vs_city_nodes"] = slope([r["city_nodes"] for r in cty], [r["run_s"] for r in cty])
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in s.items()}


if __name__ == "__main__":
    sys.exit(main())
