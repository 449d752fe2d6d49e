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
    _args.add_dask(p)
    p.add_argument("--days", type=int, default=None, help="override simulation.days")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key in every scenario")
    p.add_argument("--decompose", action="store_true",
                   help="two scenarios, smart city first: also run every combination of the components the "
                        "AI city adds (DRT, AI remote services, support centres) at the same seeds, under "
                        "factorial/, and split each headline KPI's difference into each component's main effect "
                        "(added alone to the smart city) and their interaction, with paired 95%% intervals "
                        "(decomposition.csv, a section and chart in comparison.md); the scenarios must differ "
                        "in nothing else")
    p.add_argument("--equal-budget", action="store_true",
                   help="two scenarios, smart city first: also run the smart city given the AI city's extra "
                        "mean cost to spend on its own levers (bus runs; facility servers when facilities carry "
                        "a cost), split in proportion to their cost and rounded down, at the same seeds, under "
                        "equal_budget/; if its mean cost exceeds the AI city's by more than 0.5%% the increase "
                        "is shrunk and run once more.  comparison.md then gives the comparison as designed and "
                        "at equal cost")
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

    if len(args.scenarios) < 2:
        raise ScenarioError("compare needs at least two scenario files")
    _args.check_dask(args)
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
    variants = _check_extras(args, scenarios)

    def report(rep) -> None:
        k = rep.summary["kpis"]["overall"]
        at = f" (seed {rep.seed})" if len(seeds) > 1 else ""
        tqdm.write(f"{names[rep.index]}{at}: {100 * (k['met_share'] or 0):.1f}% of {k['needs']:,.0f} needs met "
                   f"({rep.seconds:.1f} s)")

    with atomic_output(args.out, overwrite=args.overwrite, kind="compare") as tmp:
        runs = run_replicates(scenarios, seeds, tmp, folders, n_workers=args.workers, scheduler=args.scheduler,
                              progress=not args.quiet, report=report)
        sections, line = [], None
        if variants is not None:
            sections += _decomposition(args, variants, runs, seeds, tmp)
        if args.equal_budget:
            budget = _equal_budget(args, scenarios[0], runs, seeds, tmp)
            sections += _budget_section(budget, tmp)
            line = _budget_line(budget)
        write_comparison(runs, tmp, scenarios=scenarios, folders=folders, sections=sections)
        text = (tmp / "comparison.md").read_text()
    print(text)
    if line is not None:
        print(line)
    print(f"report: {args.out / 'comparison.md'}")
    return 0


def _check_extras(args: argparse.Namespace, scenarios: list):
    """Refuse ``--decompose``/``--equal-budget`` without exactly two scenarios; the factorial variants."""
    from kaicity.errors import ScenarioError

    wanted = [flag for flag, on in (("--decompose", args.decompose), ("--equal-budget", args.equal_budget)) if on]
    if wanted and len(scenarios) != 2:
        raise ScenarioError(f"{' and '.join(wanted)} need exactly two scenarios (the smart city, then the AI "
                            f"city), got {len(scenarios)}")
    if not args.decompose:
        return None
    from kaicity.decompose import factorial_variants

    return factorial_variants(scenarios[0], scenarios[1])


def _run(args: argparse.Namespace, scenarios: list, seeds: list[int], out, folders: list[str]) -> list[list[dict]]:
    from kaicity.replicates import run_replicates

    return run_replicates(scenarios, seeds, out, folders, n_workers=args.workers, scheduler=args.scheduler,
                          progress=not args.quiet)


def _decomposition(args: argparse.Namespace, variants: list, runs: list[list[dict]], seeds: list[int],
                   tmp) -> list[str]:
    """Run the factorial variants not yet run (under ``factorial/``); the report section's lines."""
    from kaicity.decompose.factorial import decomposition_table, design_factors
    from kaicity.report.decomposition import decomposition_section

    todo = [v for v in variants if v.run]
    extra = _run(args, [v.scenario for v in todo], seeds, tmp / "factorial", [v.folder for v in todo]) \
        if todo else [[] for _ in seeds]
    by_on = {v.on: [r[k] for r in extra] for k, v in enumerate(todo)}
    by_on[variants[0].on] = [r[0] for r in runs]
    by_on[variants[-1].on] = [r[1] for r in runs]
    smart, ai = variants[0].scenario, variants[-1].scenario
    factors = design_factors(smart, ai)
    table = decomposition_table(by_on, factors)
    return decomposition_section(table, tmp, smart=smart.name, ai=ai.name,
                                 labels={f.key: f.label for f in factors})


def _equal_budget(args: argparse.Namespace, smart, runs: list[list[dict]], seeds: list[int], tmp) -> dict:
    """Plan, run (under ``equal_budget/``) and check the equal-budget smart city; once more if over budget."""
    import shutil

    from kaicity.decompose import budget_check, equal_budget_scenario, plan_equal_budget

    smart_runs, ai_runs = [r[0] for r in runs], [r[1] for r in runs]
    plan = plan_equal_budget(smart, smart_runs, ai_runs)
    tries, ok = 0, True
    if plan.factor > 1.0:
        while True:
            tries += 1
            scenario = equal_budget_scenario(smart, plan)
            shutil.rmtree(tmp / "equal_budget", ignore_errors=True)
            eq_runs = [r[0] for r in _run(args, [scenario], seeds, tmp / "equal_budget", [scenario.name])]
            ok, shrink = budget_check(plan, eq_runs)
            if ok or tries == 2:  # shrink and run once more at most
                break
            plan = plan_equal_budget(smart, smart_runs, ai_runs, shrink=shrink)
    else:  # nothing to spend: the equal-budget smart city is the smart city
        eq_runs = [dict(s, scenario=f"{smart.name}_equal_budget") for s in smart_runs]
    return {"plan": plan.as_dict(), "runs": [[s, a, e] for s, a, e in zip(smart_runs, ai_runs, eq_runs, strict=True)],
            "tries": tries, "ok": ok}


def _budget_section(budget: dict, tmp) -> list[str]:
    from kaicity.report.budget import budget_section

    return budget_section(budget, tmp)


def _budget_line(budget: dict) -> str:
    from kaicity.report.budget import budget_line

    return budget_line(budget)
