"""The samples of an exploration, drawn with SALib: Morris trajectories, a Sobol' (Saltelli) design
or a Latin hypercube, over the factors' ranges.

The design is deterministic for a given SPEC (``sample_seed``), so a resumed exploration draws the
same samples and only the missing runs are made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kaicity.errors import ExploreError

__all__ = ["DesignTable", "check_max_runs", "check_time_budget", "describe_size", "estimate_minutes", "make_design",
           "n_runs", "n_samples", "problem"]


@dataclass
class DesignTable:
    """The sampled matrix ``x`` (one row per sample, one column per factor, unrounded, for SALib) and
    the values applied to the scenarios (``values``: integer factors rounded)."""

    x: np.ndarray
    values: pd.DataFrame

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.x.shape[0])


def problem(exploration) -> dict:
    """SALib's problem dict of an exploration's factors."""
    return {"num_vars": len(exploration.factors), "names": [f.key for f in exploration.factors],
            "bounds": [[f.lo, f.hi] for f in exploration.factors]}


def n_samples(exploration) -> int:
    """How many samples the design draws (before drawing them)."""
    d, k = exploration.design, len(exploration.factors)
    if d.method == "morris":
        return d.trajectories * (k + 1)
    if d.method == "sobol":
        return d.n * (k + 2)
    return d.n


def make_design(exploration) -> DesignTable:
    """Draw the samples of ``exploration.design`` with SALib.

    Raises
    ------
    ExploreError
        When Morris is asked for a single factor (it needs at least two).
    """
    d = exploration.design
    prob = problem(exploration)
    seed = exploration.sample_seed
    if d.method == "morris":
        from SALib.sample import morris

        if prob["num_vars"] < 2:
            raise ExploreError(f"{exploration.file}: design: Morris needs at least 2 parameters; add one or use lhs")
        x = morris.sample(prob, N=d.trajectories, num_levels=d.levels, seed=seed)
    elif d.method == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(prob, d.n, calc_second_order=False, scramble=True, seed=seed)
    else:
        from SALib.sample import latin

        x = latin.sample(prob, d.n, seed=seed)
    x = np.asarray(x, dtype=float)
    values = pd.DataFrame({f.key: [f.value(v) for v in x[:, i]] for i, f in enumerate(exploration.factors)})
    values.index.name = "sample"
    return DesignTable(x=x, values=values)


def n_runs(exploration) -> int:
    """Model runs the exploration means: samples x seeds x scenarios."""
    return n_samples(exploration) * len(exploration.seeds) * len(exploration.scenarios)


def describe_size(exploration) -> str:
    """``'1,152 runs (576 samples x 1 seed x 2 scenarios)'``."""
    k = len(exploration.seeds)
    return (f"{n_runs(exploration):,} runs ({n_samples(exploration):,} samples x {k} seed{'s' * (k > 1)} x "
            f"{len(exploration.scenarios)} scenario{'s' * (len(exploration.scenarios) > 1)})")


def check_max_runs(exploration, max_runs: int) -> int:
    """Refuse a design with more runs than ``max_runs``; return the number of runs."""
    runs = n_runs(exploration)
    if runs > max_runs:
        raise ExploreError(f"{exploration.file}: design: the {exploration.design.method} design means "
                           f"{describe_size(exploration)}, more than --max-runs {max_runs:,}; lower the design's "
                           "size, the seeds or the parameters, or raise --max-runs")
    return runs


def estimate_minutes(exploration, seconds_per_run: float, workers: int) -> float:
    """Wall minutes on ``workers`` workers at ``seconds_per_run`` (one sample at one seed, every scenario)."""
    runs = n_samples(exploration) * len(exploration.seeds)
    return runs * seconds_per_run / max(workers, 1) / 60.0


def check_time_budget(exploration, seconds_per_run: float, workers: int, budget_min: float,
                      where: str | None = None) -> float:
    """Refuse a design whose estimated wall time exceeds ``budget_min``; return the estimate (min).

    ``workers`` is how many runs go at once: the local worker processes, or the total worker threads
    of a ``--scheduler`` (:func:`kaicity.explore.runner.scheduler_threads`); ``where`` names them in the
    message (default ``'N worker(s)'``).
    """
    est = estimate_minutes(exploration, seconds_per_run, workers)
    if est > budget_min:
        where = where or f"{workers} worker(s)"
        raise ExploreError(f"{exploration.file}: design: {describe_size(exploration)} take about {est:,.0f} min on "
                           f"{where} at {seconds_per_run:.1f} s per sample and seed (measured), more than "
                           f"--time-budget {budget_min:g} min; lower the design's size or add workers")
    return est
