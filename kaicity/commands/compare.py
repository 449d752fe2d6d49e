"""``kaicity compare A.yaml B.yaml [...] [--out DIR] [--overwrite]``: paired runs and a comparison report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kaicity.commands import _args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = sub.add_parser("compare", help="run scenarios paired and compare them",
                       description="Run scenarios on the same city, population and needs (common random "
                                   "numbers) and write comparison.md, comparison.csv and plots, with one "
                                   "sub-folder per scenario.  comparison.md says whether the runs are "
                                   "really paired.  The folder appears only when every run is complete.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    p.add_argument("--out", type=Path, default=Path("out/compare"),
                   help="output folder (default: out/compare); must be new or empty unless --overwrite")
    _args.add_overwrite(p)
    p.add_argument("--seed", type=_args.seed, default=None,
                   help="one seed for every scenario, 0..2**32-1 (default: the first's)")
    p.add_argument("--days", type=int, default=None, help="override simulation.days")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key in every scenario")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run every scenario with one seed and write the comparison."""
    from kaicity.commands._args import scenario_overrides
    from kaicity.errors import ScenarioError
    from kaicity.model import KaiCityModel
    from kaicity.outdir import atomic_output, mark_complete, scenario_folders
    from kaicity.report import write_comparison, write_run
    from kaicity.scenario import apply_overrides, load_scenario

    if len(args.scenarios) < 2:
        raise ScenarioError("compare needs at least two scenario files")
    scenarios = [load_scenario(p) for p in args.scenarios]
    overrides = scenario_overrides(args)
    scenarios = [apply_overrides(s, overrides) for s in scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ScenarioError(f"scenario names must differ to be compared, got {names}")
    folders = scenario_folders(names)
    seed = args.seed if args.seed is not None else int(scenarios[0].seed)
    summaries = []
    with atomic_output(args.out, overwrite=args.overwrite, kind="compare") as tmp:
        for sc, folder in zip(scenarios, folders, strict=True):
            t0 = time.perf_counter()
            model = KaiCityModel(sc, seed=seed)
            model.run(progress=not args.quiet)
            summaries.append(write_run(model, tmp / folder))
            mark_complete(tmp / folder, "run")
            k = summaries[-1]["kpis"]["overall"]
            print(f"{sc.name}: {100 * (k['met_share'] or 0):.1f}% of {k['needs']:,.0f} needs met "
                  f"({time.perf_counter() - t0:.1f} s)")
        write_comparison(summaries, tmp, scenarios=scenarios, folders=folders)
        text = (tmp / "comparison.md").read_text()
    print(text)
    print(f"report: {args.out / 'comparison.md'}")
    return 0
