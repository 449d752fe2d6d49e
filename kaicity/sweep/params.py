"""The parameters of a sweep and its grid: ``--param`` parsing, argument checks, seeds, points and cell keys.

A *cell* is one parameter point run with one seed; :func:`cell_key` is its stable key (the
``cell`` column of the results file).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence

from kaicity.errors import ScenarioError, SweepError

__all__ = ["MAX_CELLS", "MAX_SEED", "MAX_SEEDS", "cell_key", "check_params", "check_size", "describe", "grid",
           "parse_param", "sweep_seeds", "validate_grid"]

#: Most seeds per point (``--seeds``).
MAX_SEEDS = 10_000
#: Most cells (points x seeds) in one sweep.
MAX_CELLS = 100_000
#: Largest seed a scenario accepts.
MAX_SEED = 2**32 - 1

_LIST_HINT = ("list- or mapping-valued parameters cannot be swept; sweep one list item by its index "
              "(e.g. --param needs.hourly_profile.9=0.05,0.1) or make one scenario file per variant")


def parse_param(text: str) -> tuple[str, list]:
    """``"key=v1,v2,v3"`` -> ``("key", [v1, v2, v3])`` with YAML-parsed scalar values.

    Raises
    ------
    ScenarioError
        Without ``=``, with no values, for ``seed`` (swept with ``--seeds``), for a value
        that is not valid YAML, a list or mapping value, or a value listed twice.
    """
    from kaicity.scenario.overrides import parse_value

    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--param expects KEY=V1,V2,..., got {text!r}")
    if key == "seed":
        raise ScenarioError("--param seed=...: the seed is swept with --seeds N (seeds are the scenario's "
                            "seed + 0..N-1); set the first one with --set seed=S")
    if raw.strip()[:1] in ("[", "{"):
        raise ScenarioError(f"--param {key}={raw}: {_LIST_HINT}")
    values = []
    for piece in raw.split(","):
        if piece.strip() == "":
            continue
        value = parse_value(key, piece)
        if isinstance(value, list | dict):
            raise ScenarioError(f"--param {key}={piece}: {_LIST_HINT}")
        if any(cell_key({"v": value}, 0) == cell_key({"v": v}, 0) for v in values):
            raise ScenarioError(f"--param {key}: the value {piece.strip()!r} is listed twice")
        values.append(value)
    if not values:
        raise ScenarioError(f"--param {key}: no values given (expected {key}=V1,V2,...)")
    return key, values


def check_params(params: Sequence[tuple[str, list]], fixed: Iterable[str] = ()) -> None:
    """Refuse an empty grid, a key given in two ``--param``s, or a key also fixed with ``--set``."""
    if not params:
        raise ScenarioError("sweep needs at least one --param KEY=V1,V2,...")
    seen: set[str] = set()
    fixed = set(fixed)
    for key, _ in params:
        if key == "seed":
            raise ScenarioError("--param seed=...: the seed is swept with --seeds N, not with --param")
        if key in seen:
            raise ScenarioError(f"--param {key} is given twice; list all its values in one --param {key}=V1,V2,...")
        if key in fixed:
            raise ScenarioError(f"{key} is both fixed with --set and swept with --param; drop one of them")
        seen.add(key)


def check_size(params: Sequence[tuple[str, list]], n_seeds: int) -> int:
    """Refuse too many seeds or cells before the grid is built; return the number of cells."""
    if n_seeds < 1:
        raise SweepError(f"--seeds must be at least 1, got {n_seeds}")
    if n_seeds > MAX_SEEDS:
        raise SweepError(f"--seeds {n_seeds:,} is more than the limit of {MAX_SEEDS:,} seeds per point")
    counts = [len(v) for _, v in params]
    cells = math.prod(counts) * n_seeds
    if cells > MAX_CELLS:
        shape = " x ".join(f"{c:,}" for c in counts)
        raise SweepError(f"the grid has {cells:,} cells ({shape} values x {n_seeds:,} seeds), more than the "
                         f"limit of {MAX_CELLS:,}; sweep fewer values or seeds")
    return cells


def sweep_seeds(scenario, n_seeds: int) -> list[int]:
    """The seeds of every point: the scenario's seed + 0..n_seeds-1 (all valid seeds)."""
    first = int(scenario.seed)
    if first + n_seeds - 1 > MAX_SEED:
        raise SweepError(f"seeds {first} + 0..{n_seeds - 1} go past the largest seed {MAX_SEED}; "
                         "lower the scenario's seed (--set seed=S) or --seeds")
    return [first + i for i in range(n_seeds)]


def grid(params: Sequence[tuple[str, list]], seeds: Iterable[int]) -> list[dict]:
    """Cartesian product of parameter values times seeds: a list of ``{"overrides", "seed"}``."""
    keys = [k for k, _ in params]
    seeds = list(seeds)
    points = []
    for values in itertools.product(*[v for _, v in params]):
        for seed in seeds:
            points.append({"overrides": dict(zip(keys, values, strict=True)), "seed": int(seed)})
    return points


def validate_grid(scenario, params: Sequence[tuple[str, list]]) -> None:
    """Apply every value, then every point, to ``scenario``: a typo or a bad value fails here, once."""
    for key, values in params:
        for value in values:
            scenario.with_overrides({key: value})
    if len(params) > 1:
        keys = [k for k, _ in params]
        for values in itertools.product(*[v for _, v in params]):
            overrides = dict(zip(keys, values, strict=True))
            try:
                scenario.with_overrides(overrides)
            except ScenarioError as exc:
                raise ScenarioError(f"grid point {describe(overrides)}: {exc}") from None


def cell_key(overrides: dict, seed: int) -> str:
    """The stable key of a cell: canonical JSON of its overrides and seed."""
    return json.dumps({"overrides": overrides, "seed": int(seed)}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str)


def describe(overrides: dict, seed: int | None = None) -> str:
    """``"a.b=1, c=x seed=42"``: a cell as a user would type it."""
    text = ", ".join(f"{k}={v}" for k, v in overrides.items())
    return text if seed is None else f"{text} seed={seed}"
