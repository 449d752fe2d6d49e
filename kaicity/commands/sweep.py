"""``kaicity sweep SCENARIO.yaml --param KEY=V1,V2 [...] [--seeds N]``: grid sweeps on Dask.

Exit codes: 0 when every cell finished; 1 when some cells failed (they are listed, and recorded in
sweep.csv with status ``error``; ``--resume`` re-runs them); 2 for a bad argument, scenario, output
folder or scheduler (nothing ran); 130 on Ctrl-C or SIGTERM (the finished cells are kept; ``--resume``
finishes the sweep).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from kaicity.commands import _args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` sub-command."""
    p = sub.add_parser("sweep", help="sweep scenario parameters over seeds (Dask distributed)",
                       description="Run a grid of scenario overrides x seeds on a local Dask cluster or an "
                                   "existing scheduler; each finished cell is appended to OUT/sweep.csv at once "
                                   "(failed cells with their error), then sweep.png is drawn. Exit code 1 when "
                                   "some cells failed, 130 when interrupted (finish with --resume).")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--param", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a dotted scenario key and the scalar values to sweep (repeatable, one per key)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="fix a scenario key for every cell (dotted path, YAML value)")
    p.add_argument("--seeds", type=int, default=2, help="replicates per point (seeds 0..N-1 offset by the "
                                                         "scenario seed; at most 10,000; at most 100,000 cells)")
    _args.add_dask(p)
    p.add_argument("--out", type=Path, default=Path("out/sweep"), help="output folder (default: out/sweep)")
    p.add_argument("--resume", action="store_true",
                   help="keep the cells already finished in OUT/sweep.csv and run the rest (failed ones too)")
    p.add_argument("--overwrite", action="store_true", help="remove an earlier sweep in OUT first")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _interrupt(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Validate the grid, run it, write results."""
    from kaicity.scenario import load_scenario, parse_overrides
    from kaicity.sweep import (
        SweepInterrupted,
        check_params,
        check_size,
        check_workers,
        describe,
        parse_param,
        plot_sweep,
        run_sweep,
        sweep_seeds,
    )

    params = [parse_param(p) for p in args.param]
    fixed = parse_overrides(args.set)
    check_params(params, fixed)
    check_workers(args.workers)
    check_size(params, args.seeds)
    scenario = load_scenario(args.scenario)
    if fixed:
        scenario = scenario.with_overrides(fixed)
    seeds = sweep_seeds(scenario, args.seeds)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = run_sweep(scenario, params, seeds, out=args.out, n_workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume, overwrite=args.overwrite,
                           progress=not args.quiet)
    except SweepInterrupted as exc:
        print(f"interrupted: {exc.done:,} of {exc.cells:,} cells kept in {exc.path}; run the same command "
              "with --resume to finish the sweep", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    df = result.table
    plot_sweep(df, args.out)
    shown = df.drop(columns=["cell", "error"])
    print(shown.to_string(max_cols=8, max_rows=20))
    skipped = f" ({result.skipped:,} kept from an earlier run)" if result.skipped else ""
    print(f"results: {result.path}: {result.cells:,} cells{skipped}")
    if result.failures:
        print(f"kaicity sweep: {len(result.failures):,} of {result.cells:,} cells failed:", file=sys.stderr)
        for f in result.failures[:20]:
            print(f"  {describe(f['overrides'], f['seed'])}: {f['error']}", file=sys.stderr)
        if len(result.failures) > 20:
            print(f"  ... and {len(result.failures) - 20:,} more (status 'error' in {result.path})",
                  file=sys.stderr)
        print("fix the cause and run the same command with --resume to re-run the failed cells", file=sys.stderr)
        return 1
    return 0
