"""``kaicity compare A.yaml B.yaml [...] [--seeds N] [--workers W | --scheduler ADDR] [--out DIR]``.

Every scenario runs at the seeds s0, s0+1, ..., s0+N-1 (common random numbers per seed), in
parallel on a Dask cluster; the report gives each KPI's mean over seeds and, against the first
scenario, the mean paired difference with its 95% interval.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kaicity.commands import _args

#: Default ``--seeds``: a few paired replicates, enough for an interval, quick on two cores.
DEFAULT_SEEDS = 3


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = sub.add_parser("compare", help="run scenarios paired over seeds and compare them (Dask distributed)",
                       description="Run scenarios on the same city, population and needs (common random "
                                   "numbers) at N seeds, in parallel on a local Dask cluster or an existing "
                                   "scheduler, and write comparison.md, comparison.csv and plots: each KPI's "
                                   "mean over seeds and the paired differences to the first scenario with 95% "
                                   "intervals.  Runs go to seed-<s>/<scenario>/ (<scenario>/ with --seeds 1).  "
                                   "comparison.md says whether the runs are really paired.  The folder appears "
                                   "only when every run is complete.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    p.add_argument("--out", type=Path, default=Path("out/compare"),
                   help="output folder (default: out/compare); must be new or empty unless --overwrite")
    _args.add_overwrite(p)
    p.add_argument("--seed", type=_args.seed, default=None,
                   help="first seed, run by every scenario, 0..2**32-1 (default: the first scenario's)")
    p.add_argument("--seeds", type=int, default=DEFAULT_SEEDS,
                   help=f"paired replicates: seeds SEED..SEED+N-1 (default {DEFAULT_SEEDS}; 1 = one paired run, "
                        "no intervals; at most 10,000)")
    p.add_argument("--workers", type=int, default=2, help="local worker processes (at least 1; default 2)")
    p.add_argument("--scheduler", default=None,
                   help="address of an existing Dask scheduler (tcp://host:8786) instead of local workers")
    p.add_argument("--days", type=int, default=None, help="override simulation.days")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key in every scenario")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check the arguments, run every scenario at every seed and write the comparison."""
    from tqdm.auto import tqdm

    from kaicity.commands._args import scenario_overrides
    from kaicity.errors import ScenarioError
    from kaicity.outdir import atomic_output, scenario_folders
    from kaicity.replicates import replicate_seeds, run_replicates
    from kaicity.report import write_comparison
    from kaicity.scenario import apply_overrides, load_scenario
    from kaicity.sweep.cluster import check_scheduler, check_workers

    if len(args.scenarios) < 2:
        raise ScenarioError("compare needs at least two scenario files")
    check_workers(args.workers)
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
    scenarios = [load_scenario(p) for p in args.scenarios]
    overrides = scenario_overrides(args)
    scenarios = [apply_overrides(s, overrides) for s in scenarios]
    from kaicity.report.gis import check_reporting_zones

    for s in scenarios:
        check_reporting_zones(s)  # a bad polygon layer fails now, not after the runs
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ScenarioError(f"scenario names must differ to be compared, got {names}")
    folders = scenario_folders(names)
    first = args.seed if args.seed is not None else int(scenarios[0].seed)
    seeds = replicate_seeds(first, args.seeds)

    def report(rep) -> None:
        k = rep.summary["kpis"]["overall"]
        at = f" (seed {rep.seed})" if len(seeds) > 1 else ""
        tqdm.write(f"{names[rep.index]}{at}: {100 * (k['met_share'] or 0):.1f}% of {k['needs']:,.0f} needs met "
                   f"({rep.seconds:.1f} s)")

    with atomic_output(args.out, overwrite=args.overwrite, kind="compare") as tmp:
        runs = run_replicates(scenarios, seeds, tmp, folders, n_workers=args.workers, scheduler=args.scheduler,
                              progress=not args.quiet, report=report)
        write_comparison(runs, tmp, scenarios=scenarios, folders=folders)
        text = (tmp / "comparison.md").read_text()
    print(text)
    print(f"report: {args.out / 'comparison.md'}")
    return 0
