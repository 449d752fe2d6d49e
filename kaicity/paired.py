"""Paired-difference statistics of replicated comparisons (common random numbers per seed).

Every scenario of a comparison runs at the same seeds; seed ``s`` gives each scenario the same
city, population and needs, so the difference ``other(s) - baseline(s)`` is free of the noise the
seed puts into both.  For each KPI this module gives each scenario's mean over seeds and, against
the baseline, the mean of the paired differences with a Student-t interval over them
(:func:`scipy.stats.t.interval`, ``n - 1`` degrees of freedom).  A difference *exceeds noise* when
its interval excludes 0.  With one seed there is no interval (``NaN``) and no verdict (``None``).

The functions here are pure (plain dicts and arrays in, numbers and frames out) and import nothing
of the model, so the reports and the notebook can use them on stored ``summary.json`` files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "CONFIDENCE", "PairedDifference", "flatten_numeric", "mean_summary", "paired_difference",
           "replicate_table", "seed_folder"]

#: Confidence level of the intervals of paired differences.
CONFIDENCE = 0.95
#: Columns of :func:`replicate_table` (and of ``comparison.csv``).
COLUMNS = ("kpi", "scenario", "mean", "diff_mean", "diff_lo", "diff_hi", "exceeds_noise", "n_seeds")


@dataclass(frozen=True)
class PairedDifference:
    """The paired differences ``other - baseline`` of one KPI over the seeds where both are known.

    Attributes
    ----------
    mean
        Mean paired difference (``NaN`` when no seed has both values).
    lo, hi
        Bounds of the :data:`CONFIDENCE` interval of the mean (``NaN`` with fewer than two pairs).
    exceeds_noise
        ``True`` when the interval excludes 0, ``False`` when it holds 0, ``None`` without an interval.
    n
        Number of seeds with both values.
    """

    mean: float
    lo: float
    hi: float
    exceeds_noise: bool | None
    n: int


def seed_folder(seed: int, n_seeds: int) -> str:
    """Sub-folder of one seed's runs in a comparison: ``seed-<s>``, or ``""`` (the folder itself) for one seed."""
    return f"seed-{seed}" if n_seeds > 1 else ""


def paired_difference(baseline: Sequence[float], other: Sequence[float],
                      confidence: float = CONFIDENCE) -> PairedDifference:
    """Mean and Student-t interval of the paired differences ``other[i] - baseline[i]``.

    Pairs where either value is missing (``None``/``NaN``) are dropped.  When every difference is
    the same the interval is that single value (zero spread; ``scipy`` would give ``NaN``).

    Parameters
    ----------
    baseline, other
        One value per seed, in the same seed order.
    confidence
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    PairedDifference
    """
    from scipy import stats

    a = np.asarray(baseline, dtype=float)
    b = np.asarray(other, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values need one value per seed on both sides, got {a.shape} and {b.shape}")
    d = (b - a)[np.isfinite(a) & np.isfinite(b)]
    n = int(d.size)
    if n == 0:
        return PairedDifference(math.nan, math.nan, math.nan, None, 0)
    mean = float(d.mean())
    if n == 1:
        return PairedDifference(mean, math.nan, math.nan, None, 1)
    se = float(d.std(ddof=1)) / math.sqrt(n)
    if se == 0.0:
        lo = hi = mean
    else:
        lo, hi = (float(x) for x in stats.t.interval(confidence, n - 1, loc=mean, scale=se))
    return PairedDifference(mean, lo, hi, bool(lo > 0.0 or hi < 0.0), n)


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool)


def flatten_numeric(d: Mapping, prefix: str = "") -> dict[str, float]:
    """Nested dict -> ``{"a.b.c": float}`` of its numeric leaves (``None`` as ``NaN``; text, lists dropped)."""
    out: dict[str, float] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten_numeric(v, key + "."))
        elif v is None:
            out[key] = math.nan
        elif _is_number(v):
            out[key] = float(v)
    return out


def replicate_table(runs: Sequence[Sequence[Mapping]], confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per KPI and scenario: the mean over seeds and the paired difference to the first scenario.

    Parameters
    ----------
    runs
        ``runs[i][j]``: the ``summary.json`` content of scenario ``j`` at seed ``i`` (every seed lists
        the scenarios in the same order; scenario 0 is the baseline).
    confidence
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; one row per numeric KPI and scenario, KPIs in first-seen order.  The
        baseline's rows have no difference (``NaN``/``None``); ``n_seeds`` counts the seeds with a
        value (the baseline) or with both values (the others).
    """
    if not runs or not runs[0]:
        raise ValueError("replicate_table needs at least one seed with at least one scenario")
    names = [s["scenario"] for s in runs[0]]
    flat = [[flatten_numeric(s["kpis"]) for s in seed_runs] for seed_runs in runs]
    keys = list(dict.fromkeys(k for seed_runs in flat for f in seed_runs for k in f))
    rows = []
    for key in keys:
        values = np.array([[f.get(key, math.nan) for f in seed_runs] for seed_runs in flat], dtype=float)
        for j, name in enumerate(names):
            col = values[:, j]
            known = col[np.isfinite(col)]
            mean = float(known.mean()) if known.size else math.nan
            if j == 0:
                rows.append((key, name, mean, math.nan, math.nan, math.nan, None, int(known.size)))
                continue
            p = paired_difference(values[:, 0], col, confidence)
            rows.append((key, name, mean, p.mean, p.lo, p.hi, p.exceeds_noise, p.n))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["exceeds_noise"] = table["exceeds_noise"].astype("boolean")
    return table


def mean_summary(summaries: Sequence[Mapping]) -> dict:
    """One scenario's ``summary.json`` contents at several seeds -> one summary of the means.

    Numeric leaves of ``kpis`` are averaged over the seeds that have them (``None`` when none
    does); every other field is the first summary's, except ``seed`` (the list of seeds).  With one
    summary the result equals it (``seed`` aside), so a single-seed report reads as before.
    """
    first = dict(summaries[0])
    first["kpis"] = _mean_tree([s["kpis"] for s in summaries])
    first["seeds"] = [s.get("seed") for s in summaries]
    return first


def _mean_tree(items: Sequence):
    present = [x for x in items if x is not None]
    if not present:
        return None
    if all(isinstance(x, Mapping) for x in present):
        keys = list(dict.fromkeys(k for x in present for k in x))
        return {k: _mean_tree([x.get(k) for x in present]) for k in keys}
    if all(_is_number(x) for x in present):
        if len(items) == 1:
            return items[0]
        return float(np.mean([float(x) for x in present]))
    return present[0]
