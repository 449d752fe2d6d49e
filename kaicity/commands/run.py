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


def _yaml_problem(exc: Exception) -> str:
    """One line saying what is wrong with a YAML value."""
    text = getattr(exc, "problem", None) or getattr(exc, "reason", None) or type(exc).__name__
    return " ".join(str(text).split())


def parse_value(key: str, value: str):
    """Parse one ``--set`` value as YAML; anchors and aliases are refused.

    Raises
    ------
    ScenarioError
        Naming the key when the value is not valid YAML or uses ``&anchor`` / ``*alias``.
    """
    import yaml

    from kaicity.errors import ScenarioError

    hint = 'write a YAML value such as 2000, 0.3, true, [1, 2] or "text"'
    try:
        tokens = list(yaml.scan(value, Loader=yaml.SafeLoader))
        if any(isinstance(t, (yaml.AnchorToken, yaml.AliasToken)) for t in tokens):
            raise ScenarioError(f"--set value {value!r} uses a YAML anchor or alias (& or *); write the value out",
                                path=key)
        return yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"--set value {value!r} is not valid YAML ({_yaml_problem(exc)}); {hint}",
                            path=key) from None


def parse_overrides(pairs: list[str], days: int | None = None) -> dict:
    """``["a.b=1", ...]`` -> ``{"a.b": 1}`` (values parsed as YAML)."""
    from kaicity.errors import ScenarioError

    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ScenarioError(f"--set expects KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        key = key.strip()
        if not key:
            raise ScenarioError(f"--set expects KEY=VALUE with a key before '=', got {pair!r}")
        out[key] = parse_value(key, value)
    if days is not None:
        out["simulation.days"] = days
    return out


def run(args: argparse.Namespace) -> int:
    """Build, run and report one scenario."""
    from kaicity.model import KaiCityModel
    from kaicity.outdir import atomic_output, child_folder
    from kaicity.report import write_run
    from kaicity.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    overrides = parse_overrides(args.set, args.days)
    if overrides:
        scenario = scenario.with_overrides(overrides)
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
