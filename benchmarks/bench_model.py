"""Benchmark: one simulated day of ``scenarios/ai_city.yaml`` at growing populations.

Each size runs in a fresh subprocess so its peak memory (max RSS) is its own.
Prints wall time (build and run), ticks per second and peak memory, and checks the
targets of the model issue: 50k residents in under 30 s, 200k in under 3 min, peak
memory under 4 GB.

    python benchmarks/bench_model.py [--sizes 10000 50000 200000] [--city-nodes 20000] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {50_000: 30.0, 200_000: 180.0}
MEMORY_TARGET_GB = 4.0


def one(residents: int, city_nodes: int, scenario: str, drt_per_resident: float) -> dict:
    """Run one size in this process and return its measurements."""
    from kaicity.model import KaiCityModel, city_for
    from kaicity.scenario import load_scenario

    sc = load_scenario(ROOT / scenario).with_overrides({
        "population.residents": residents,
        "population.scale": 1.0,
        "city.n_nodes": city_nodes,
        "transit.drt.vehicles": max(1, round(residents * drt_per_resident)),
    })
    t0 = time.perf_counter()
    city_for(sc)
    t_city = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = KaiCityModel(sc)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.run()
    t_run = time.perf_counter() - t0
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return {
        "residents": residents, "city_nodes": model.city.walk.n_nodes, "needs": model.n_needs,
        "ticks": model.steps, "city_s": t_city, "build_s": t_build, "run_s": t_run,
        "total_s": t_city + t_build + t_run, "ticks_per_s": model.steps / t_run,
        "peak_memory_gb": rss_gb,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    ap.add_argument("--city-nodes", type=int, default=20_000)
    ap.add_argument("--scenario", default="scenarios/ai_city.yaml")
    ap.add_argument("--drt-per-resident", type=float, default=12 / 8000, help="DRT vehicles per resident")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--_one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._one is not None:
        print(json.dumps(one(args._one, args.city_nodes, args.scenario, args.drt_per_resident)))
        return 0
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--_one", str(n), "--city-nodes", str(args.city_nodes),
                              "--scenario", args.scenario, "--drt-per-resident", str(args.drt_per_resident)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'residents':>10} {'needs':>8} {'city s':>7} {'build s':>8} {'run s':>7} {'total s':>8} "
          f"{'ticks/s':>8} {'peak GB':>8}  target")
    ok = True
    for r in rows:
        target = TARGETS_S.get(r["residents"])
        met = (target is None or r["total_s"] <= target) and r["peak_memory_gb"] <= MEMORY_TARGET_GB
        ok &= met
        tgt = f"< {target:.0f} s, < {MEMORY_TARGET_GB:.0f} GB: {'met' if met else 'MISSED'}" if target else ""
        print(f"{r['residents']:>10,} {r['needs']:>8,} {r['city_s']:>7.1f} {r['build_s']:>8.1f} {r['run_s']:>7.1f} "
              f"{r['total_s']:>8.1f} {r['ticks_per_s']:>8.0f} {r['peak_memory_gb']:>8.2f}  {tgt}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "targets_met": ok}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
