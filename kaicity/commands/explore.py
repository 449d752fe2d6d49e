"""``kaicity explore SPEC.yaml``: Morris / Sobol' / Latin-hypercube explorations on Dask, with PRIM.

Exit codes: 0 when every run finished; 1 when some runs failed (recorded in OUT/results with status
``error``; ``--resume`` re-runs them); 2 for a bad SPEC, argument, output folder or scheduler, or a design
too large for ``--max-runs``/``--time-budget`` (nothing ran); 130 on Ctrl-C or SIGTERM (finished runs
kept; ``--resume`` finishes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kaicity.commands import _args

#: Default most runs of one exploration (a Sobol' study of 8 parameters at N=64 on a pair: 1,280 runs).
DEFAULT_MAX_RUNS = 5000


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``explore`` sub-command."""
    p = sub.add_parser("explore", help="global sensitivity (Morris, Sobol') and scenario discovery (PRIM) on Dask",
                       description="Sample the uncertain parameters of a SPEC, run every sample (a pair: both "
                                   "scenarios on the same seed) on a local Dask cluster or an existing scheduler, "
                                   "stream the runs to OUT/results (Parquet), then write Morris/Sobol' indices, "
                                   "PRIM boxes and OUT/explore.md.")
    p.add_argument("spec", metavar="SPEC.yaml")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: out/explore/<SPEC name>)")
    _args.add_dask(p)
    p.add_argument("--resume", action="store_true", help="keep the runs finished in OUT/results, make the rest")
    p.add_argument("--overwrite", action="store_true", help="remove an earlier exploration's results in OUT first")
    p.add_argument("--max-runs", type=int, default=DEFAULT_MAX_RUNS,
                   help=f"refuse a design of more model runs (default {DEFAULT_MAX_RUNS:,})")
    p.add_argument("--time-budget", type=float, default=None, metavar="MINUTES",
                   help="refuse a design whose estimated wall time (from a timed nominal run, divided by "
                        "--workers, or by the worker threads of --scheduler) is longer")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the SPEC, run the exploration, write the answers."""
    from kaicity.errors import ExploreError
    from kaicity.explore import (
        ExploreInterrupted,
        analyse,
        check_kpis,
        check_max_runs,
        check_time_budget,
        describe_size,
        estimate_minutes,
        load_spec,
        make_design,
        probe,
        resolve,
        run_exploration,
        write_report,
    )
    from kaicity.explore.runner import scheduler_threads

    _args.check_dask(args)
    if args.max_runs < 1:
        raise ExploreError(f"--max-runs must be at least 1, got {args.max_runs}")
    if args.time_budget is not None and not args.time_budget > 0:
        raise ExploreError(f"--time-budget must be a positive number of minutes, got {args.time_budget:g}")
    exploration = resolve(load_spec(args.spec))
    check_max_runs(exploration, args.max_runs)
    design = make_design(exploration)
    if args.scheduler is not None:  # runs at once: the scheduler's worker threads, not --workers
        slots = scheduler_threads(args.scheduler)
        where = f"{slots} worker thread(s) of {args.scheduler}"
    else:
        slots, where = args.workers, f"{args.workers} local worker(s)"
    known, seconds = probe(exploration)
    check_kpis(exploration.kpis, known, exploration.file)
    if args.time_budget is not None:
        check_time_budget(exploration, seconds, slots, args.time_budget, where)
    out = args.out or Path("out/explore") / exploration.name
    est = estimate_minutes(exploration, seconds, slots)
    print(f"{exploration.name}: {describe_size(exploration)} on {where}; a nominal run took {seconds:.1f} s, "
          f"so about {est:.1f} min", file=sys.stderr)
    try:
        result = run_exploration(exploration, design, out, n_workers=args.workers, scheduler=args.scheduler,
                                 resume=args.resume, overwrite=args.overwrite, progress=not args.quiet)
    except ExploreInterrupted as exc:
        print(f"interrupted: {exc.done:,} of {exc.runs:,} runs kept in {exc.path}; run the same command with "
              "--resume to finish", file=sys.stderr)
        return 130
    answers = analyse(exploration, design, result.table)
    report = write_report(out, exploration, design, result, answers)
    for a in answers.prim:
        for s in a.sentences:
            print(f"- {s}")
    print(f"report: {report} ({result.runs:,} runs, {result.seconds / 60:.1f} min)")
    if result.failures:
        print(f"kaicity explore: {len(result.failures):,} of {result.runs:,} runs failed; e.g. "
              f"{result.failures[0]['run']}: {result.failures[0]['error']}", file=sys.stderr)
        print("fix the cause and run the same command with --resume to re-run the failed runs", file=sys.stderr)
        return 1
    return 0
