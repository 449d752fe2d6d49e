"""``kaicity validate SCENARIO.yaml [...]``: check scenario files without running them."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    p = sub.add_parser("validate", help="validate scenario YAML files",
                       description="Validate scenario files: unknown keys, types, ranges, extends chains.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate each file; the first invalid one raises a one-line ScenarioError."""
    from kaicity.scenario import load_scenario

    for path in args.scenarios:
        sc = load_scenario(path)
        print(f"{path}: ok ({sc.name})")
    return 0
