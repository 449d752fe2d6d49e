"""``kaicity sweep SCENARIO.yaml --param KEY=V1,V2 [...] [--seeds N]``: grid sweeps on Dask."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` sub-command."""
    p = sub.add_parser("sweep", help="sweep scenario parameters over seeds (Dask distributed)",
                       description="Run a grid of scenario overrides x seeds on a local Dask cluster or an "
                                   "existing scheduler; writes sweep.csv and sweep.png.")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--param", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a dotted scenario key and the values to sweep (repeatable)")
    p.add_argument("--seeds", type=int, default=2, help="replicates per point (seeds 0..N-1 offset by the "
                                                         "scenario seed)")
    p.add_argument("--workers", type=int, default=2, help="local worker processes")
    p.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler (tcp://host:8786)")
    p.add_argument("--out", type=Path, default=Path("out/sweep"), help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the grid, run it, write results."""
    from kaicity.errors import ScenarioError
    from kaicity.scenario import load_scenario
    from kaicity.sweep import parse_param, plot_sweep, run_sweep

    scenario = load_scenario(args.scenario)
    params = [parse_param(p) for p in args.param]
    if not params:
        raise ScenarioError("sweep needs at least one --param KEY=V1,V2,...")
    if args.seeds < 1:
        raise ScenarioError("--seeds must be at least 1")
    seeds = [int(scenario.seed) + i for i in range(args.seeds)]
    df = run_sweep(scenario, params, seeds, n_workers=args.workers, scheduler=args.scheduler,
                   progress=not args.quiet)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "sweep.csv", index=False)
    plot_sweep(df, args.out)
    print(df.to_string(max_cols=8))
    print(f"results: {args.out / 'sweep.csv'}")
    return 0
