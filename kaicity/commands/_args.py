"""Argument types shared by the sub-commands."""

from __future__ import annotations

import argparse

#: Largest seed numpy's and Mesa's generators accept from the command line (2**32 - 1).
MAX_SEED = 2**32 - 1


def seed(text: str) -> int:
    """``--seed``: an integer in 0..2**32-1 (argparse type; a bad value is a one-line usage error)."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; use 0..{MAX_SEED}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text} is out of range; use 0..{MAX_SEED}")
    return value


def scenario_overrides(args: argparse.Namespace) -> dict:
    """The ``--set KEY=VALUE`` items (and ``--days`` when given) as one override mapping.

    Values are read by the scenario's one override parser
    (:func:`kaicity.scenario.parse_overrides`), so every command reads them alike.
    """
    from kaicity.scenario import parse_overrides

    out = parse_overrides(getattr(args, "set", []) or [])
    if getattr(args, "days", None) is not None:
        out["simulation.days"] = args.days
    return out


def add_overwrite(p: argparse.ArgumentParser) -> None:
    """``--overwrite``: replace an earlier kaicity output folder at ``--out``."""
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier kaicity output folder at --out; it is removed only after the "
                        "new results are complete (without it, a non-empty --out is refused)")


def add_dask(p: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--scheduler``: where the runs of a command go (local Dask workers or a cluster)."""
    p.add_argument("--workers", type=int, default=2, help="local worker processes (at least 1; default 2)")
    p.add_argument("--scheduler", default=None,
                   help="address of an existing Dask scheduler (tcp://host:8786) instead of local workers")


def check_dask(args: argparse.Namespace) -> None:
    """A one-line error for ``--workers`` below 1 or a ``--scheduler`` that is not a Dask address."""
    from kaicity.sweep.cluster import check_scheduler, check_workers

    check_workers(args.workers)
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
