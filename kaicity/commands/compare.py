"""``kaicity compare A.yaml B.yaml [...] [--out DIR]``: paired runs and a comparison report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = sub.add_parser("compare", help="run scenarios paired and compare them",
                       description="Run scenarios on the same city, population and needs (common random "
                                   "numbers) and write comparison.md, comparison.csv and plots.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    p.add_argument("--out", type=Path, default=Path("out/compare"), help="output folder")
    p.add_argument("--seed", type=int, default=None, help="one seed for every scenario (default: the first's)")
    p.add_argument("--days", type=int, default=None, help="override simulation.days")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key in every scenario")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run every scenario with one seed and write the comparison."""
    from kaicity.commands.run import parse_overrides
    from kaicity.errors import ScenarioError
    from kaicity.model import KaiCityModel
    from kaicity.report import write_comparison, write_run
    from kaicity.scenario import load_scenario

    if len(args.scenarios) < 2:
        raise ScenarioError("compare needs at least two scenario files")
    scenarios = [load_scenario(p) for p in args.scenarios]
    overrides = parse_overrides(args.set, args.days)
    if overrides:
        scenarios = [s.with_overrides(overrides) for s in scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ScenarioError(f"scenario names must differ to be compared, got {names}")
    seed = args.seed if args.seed is not None else int(scenarios[0].seed)
    summaries = []
    for sc in scenarios:
        t0 = time.perf_counter()
        model = KaiCityModel(sc, seed=seed)
        model.run(progress=not args.quiet)
        summaries.append(write_run(model, args.out / sc.name))
        k = summaries[-1]["kpis"]["overall"]
        print(f"{sc.name}: {100 * (k['met_share'] or 0):.1f}% of {k['needs']:,.0f} needs met "
              f"({time.perf_counter() - t0:.1f} s)")
    write_comparison(summaries, args.out)
    print((args.out / "comparison.md").read_text())
    print(f"report: {args.out / 'comparison.md'}")
    return 0
