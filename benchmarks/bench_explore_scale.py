"""Benchmark: how fast an exploration's pairs run on 1 and on 2 local Dask workers (issue 15, scale).

Takes an exploration SPEC (default ``explorations/sobol_scale.yaml``: 5,000 residents, 7 days), keeps its
scenarios, factors, KPIs and overrides but replaces its design by a Latin hypercube of ``--pairs`` samples,
and runs that batch with ``kaicity.explore.run_exploration`` once per worker count.  For each it reports
the wall time, pairs and model runs per minute, each worker's CPU time and peak RSS (read on the workers
with ``resource.getrusage`` after the batch), the machine's load average before and after, and the
SPEC's full design extrapolated from the rate.  The machine is often shared: read the CPU time beside the
wall time (their ratio shows how much other processes stretched the wall time).

    python benchmarks/bench_explore_scale.py [--spec explorations/sobol_scale.yaml] [--pairs 8]
                                             [--workers 1,2] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _worker_usage() -> dict:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024.0}


def batch_spec(spec: Path, pairs: int, folder: Path) -> Path:
    """A copy of ``spec`` with an LHS design of ``pairs`` samples (scenario paths made absolute)."""
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    scen = data["scenarios"] if isinstance(data["scenarios"], list) else [data["scenarios"]]
    data["scenarios"] = [str((spec.parent / s).resolve()) for s in scen]
    data["name"] = f"{data.get('name', spec.stem)}_batch"
    data["design"] = {"method": "lhs", "n": pairs}
    data.pop("questions", None)
    out = folder / "batch.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def time_batch(spec_path: Path, workers: int, out: Path) -> dict:
    """Run the batch on ``workers`` local worker processes; wall time, rates, per-worker CPU and RSS."""
    from dask.distributed import Client, LocalCluster

    from kaicity.explore import load_spec, make_design, resolve, runner

    exploration = resolve(load_spec(spec_path))
    design = make_design(exploration)
    usage: dict = {}
    real_connect = runner.connect

    def connect(scheduler, n_workers, *, processes=True):  # keep the cluster open to read its workers
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=":0")
        client = Client(cluster)
        original_close = client.close

        def close(*args, **kwargs):
            if not usage and client.status == "running":  # once: Client.__del__ calls close again
                usage.update(client.run(_worker_usage))
            return original_close(*args, **kwargs)

        client.close = close
        return client, cluster

    runner.connect = connect
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    try:
        result = runner.run_exploration(exploration, design, out, n_workers=workers, progress=False,
                                        overwrite=True)
    finally:
        runner.connect = real_connect
    wall = time.perf_counter() - t0
    pairs = result.runs
    n_models = pairs * len(exploration.scenarios)
    return {"workers": workers, "pairs": pairs, "model_runs": n_models, "failed": len(result.failures),
            "wall_s": round(wall, 1), "pairs_per_min": round(pairs / wall * 60, 3),
            "model_runs_per_min": round(n_models / wall * 60, 3),
            "s_per_pair_on_worker": sorted(round(float(s), 1) for s in result.table["seconds"]),
            "workers_cpu_s": [round(u["cpu_s"], 1) for u in usage.values()],
            "workers_peak_rss_mb": [round(u["peak_rss_mb"]) for u in usage.values()],
            "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=ROOT / "explorations" / "sobol_scale.yaml")
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from kaicity.explore import describe_size, load_spec, n_runs, resolve

    full = resolve(load_spec(args.spec))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        spec = batch_spec(args.spec, args.pairs, Path(tmp))
        for w in (int(x) for x in args.workers.split(",")):
            row = time_batch(spec, w, Path(tmp) / f"out{w}")
            row["full_design"] = describe_size(full)
            row["full_design_hours"] = round(n_runs(full) / row["model_runs_per_min"] / 60, 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if len(rows) > 1:
        print(f"speed-up {rows[0]['workers']} -> {rows[-1]['workers']} workers: "
              f"{rows[0]['wall_s'] / rows[-1]['wall_s']:.2f}x (commit {commit})")
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "spec": str(args.spec), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
