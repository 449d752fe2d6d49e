"""``kaicity run SCENARIO.yaml [--out DIR] [--overwrite] [--seed N] [--days N]``: one run and its report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kaicity.commands import _args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command."""
    p = sub.add_parser("run", help="run one scenario and write its report",
                       description="Run a scenario; writes summary.json, timeseries.csv, trips.csv, "
                                   "report.md and PNG plots.  The folder appears only when the run is "
                                   "complete (an interrupted run leaves nothing at --out).")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: out/<scenario name>); must be new or empty unless --overwrite")
    _args.add_overwrite(p)
    p.add_argument("--seed", type=_args.seed, default=None, help="override the scenario's seed (0..2**32-1)")
    p.add_argument("--days", type=int, default=None, help="override simulation.days")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key (dotted path, YAML value), e.g. --set population.residents=2000")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build, run and report one scenario."""
    from kaicity.model import KaiCityModel
    from kaicity.outdir import atomic_output, child_folder
    from kaicity.report import write_run
    from kaicity.scenario import apply_overrides, load_scenario

    scenario = load_scenario(args.scenario)
    scenario = apply_overrides(scenario, _args.scenario_overrides(args))
    from kaicity.report.gis import check_reporting_zones

    check_reporting_zones(scenario)  # a bad polygon layer fails now, not after the run
    out = args.out if args.out is not None else child_folder(Path("out"), scenario.name)
    t0 = time.perf_counter()
    with atomic_output(out, overwrite=args.overwrite, kind="run") as tmp:
        model = KaiCityModel(scenario, seed=args.seed)
        model.run(progress=not args.quiet)
        summary = write_run(model, tmp)
    k = summary["kpis"]["overall"]
    print(f"{scenario.name}: {k['needs']:,.0f} needs, {100 * (k['met_share'] or 0):.1f}% met, "
          f"{100 * (k['unmet_share'] or 0):.1f}% forgone "
          f"({time.perf_counter() - t0:.1f} s)")
    print(f"report: {out / 'report.md'}")
    return 0
