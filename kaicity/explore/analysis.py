"""Answers from an exploration's runs: Morris and Sobol' indices per KPI (SALib) and PRIM boxes per
question (EMA Workbench), each box with a plain-language sentence.

Every function takes plain tables (the results store's rows and the design), so the notebook can use
them on stored results.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["PrimBox", "PrimAnswer", "morris_table", "prim_answer", "sample_means", "sobol_table"]

#: Confidence level of the sensitivity indices' intervals.
CONF_LEVEL = 0.95
#: Bootstrap resamples of SALib's confidence intervals.
RESAMPLES = 500
#: Most PRIM boxes reported per question.
MAX_BOXES = 3


def sample_means(table: pd.DataFrame, n_samples: int, n_seeds: int, kpis: list[str]) -> pd.DataFrame:
    """Per sample, each KPI's mean over its seeds (``NaN`` for a sample with a failed or missing run).

    Returns
    -------
    pandas.DataFrame
        Index ``0..n_samples-1``, one column per KPI.
    """
    cols = [f"y:{k}" for k in kpis]
    ok = table[table["status"] == "ok"]
    means = ok.groupby("sample")[cols].mean().reindex(range(n_samples))
    complete = ok.groupby("sample").size().reindex(range(n_samples), fill_value=0) >= n_seeds
    means.loc[~complete.to_numpy(), :] = np.nan
    means.columns = list(kpis)
    return means


def _complete(y: pd.Series, kpi: str, notes: list[str]) -> bool:
    missing = int(y.isna().sum())
    if missing:
        notes.append(f"{kpi}: {missing} of {len(y)} samples have no value (failed runs, or a KPI the runs "
                     "did not produce); its indices are left out")
        return False
    return True


def morris_table(problem: dict, x: np.ndarray, y: pd.DataFrame, levels: int, seed: int = 1,
                 notes: list[str] | None = None) -> pd.DataFrame:
    """Morris mu, mu*, its 95% confidence half-width and sigma per KPI and parameter (SALib).

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, parameter, mu, mu_star, mu_star_conf, sigma``, each KPI sorted by ``mu_star``.
    """
    from SALib.analyze import morris

    notes = [] if notes is None else notes
    rows = []
    for kpi in y.columns:
        if not _complete(y[kpi], kpi, notes):
            continue
        res = morris.analyze(problem, x, y[kpi].to_numpy(dtype=float), num_resamples=RESAMPLES,
                             conf_level=CONF_LEVEL, num_levels=levels, seed=seed)
        part = pd.DataFrame({"kpi": kpi, "parameter": problem["names"], "mu": res["mu"],
                             "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
        rows.append(part.sort_values("mu_star", ascending=False))
    cols = ["kpi", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def sobol_table(problem: dict, y: pd.DataFrame, seed: int = 1, notes: list[str] | None = None) -> pd.DataFrame:
    """Sobol' first-order (S1) and total (ST) indices with 95% confidence half-widths per KPI (SALib).

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, parameter, S1, S1_conf, ST, ST_conf``, each KPI sorted by ``ST``.
    """
    from SALib.analyze import sobol

    notes = [] if notes is None else notes
    rows = []
    for kpi in y.columns:
        if not _complete(y[kpi], kpi, notes):
            continue
        values = y[kpi].to_numpy(dtype=float)
        if np.ptp(values) == 0:
            notes.append(f"{kpi}: the same in every sample, so no parameter explains any of it")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = sobol.analyze(problem, values, calc_second_order=False, num_resamples=RESAMPLES,
                                conf_level=CONF_LEVEL, seed=seed)
        part = pd.DataFrame({"kpi": kpi, "parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                             "ST": res["ST"], "ST_conf": res["ST_conf"]})
        rows.append(part.sort_values("ST", ascending=False))
    cols = ["kpi", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


@dataclass
class PrimBox:
    """One PRIM box: the restricted parameters ``{key: (lo, hi)}``, coverage, density and mass."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float


@dataclass
class PrimAnswer:
    """PRIM's answer to one question: how many samples are cases, the boxes and their sentences."""

    question: str
    kpi: str
    cases: int
    samples: int
    boxes: list[PrimBox] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


def _num(x: float) -> str:
    return f"{x:.3g}"


def _condition(key: str, lo: float, hi: float, init_lo: float, init_hi: float) -> str:
    low, high = lo > init_lo, hi < init_hi
    if low and high:
        return f"{_num(lo)} <= {key} <= {_num(hi)}"
    if high:
        return f"{key} <= {_num(hi)}"
    return f"{key} >= {_num(lo)}"


def sentence(question: str, box: PrimBox, bounds: dict[str, tuple[float, float]]) -> str:
    """A box in words: '<question> when a <= 0.02 and b >= 3 (coverage 80%, density 90%)'."""
    if not box.limits:
        return f"{question} anywhere in the explored ranges (density {box.density:.0%})"
    conds = " and ".join(_condition(k, lo, hi, *bounds[k]) for k, (lo, hi) in box.limits.items())
    return (f"{question} when {conds} (coverage {box.coverage:.0%}: the share of all such cases inside the box; "
            f"density {box.density:.0%}: the share of the box's samples that are such cases)")


def _pick(trajectory: pd.DataFrame, min_density: float) -> int:
    """The peeling step to report: the most coverage at density >= ``min_density``, else the densest."""
    good = trajectory[trajectory["density"] >= min_density]
    if good.empty:
        return int(trajectory["density"].idxmax())
    return int(good["coverage"].idxmax())


def prim_answer(x: pd.DataFrame, y: pd.Series, question) -> PrimAnswer:
    """Run PRIM (EMA Workbench) on one question over the samples.

    Parameters
    ----------
    x
        The applied parameter values, one column per factor, one row per sample.
    y
        The KPI per sample (``NaN`` samples are left out).
    question
        A :class:`kaicity.explore.spec.Question`.
    """
    keep = y.notna().to_numpy()
    xs, ys = x.loc[keep].reset_index(drop=True).astype(float), y[keep].to_numpy(dtype=float)
    cases = ys < question.threshold if question.below is not None else ys > question.threshold
    answer = PrimAnswer(question.text(), question.kpi, int(cases.sum()), int(len(ys)))
    if answer.cases == 0 or answer.cases == answer.samples:
        word = "none" if answer.cases == 0 else "all"
        answer.sentences.append(f"{question.text()}: in {word} of the {answer.samples} samples, so PRIM has no "
                                "box to find (the answer does not depend on the explored ranges)")
        return answer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        alg = prim.Prim(xs, cases, threshold=question.min_density, peel_alpha=0.1)
        bounds = {k: (float(xs[k].min()), float(xs[k].max())) for k in xs.columns}
        for _ in range(MAX_BOXES):
            box = alg.find_box()
            if box is None or box.mean < question.min_density:
                break
            i = _pick(box.peeling_trajectory, question.min_density)
            box.select(i)
            lim = box.box_lims[i]
            init = alg.box_init
            limits = {k: (float(lim.loc[0, k]), float(lim.loc[1, k])) for k in xs.columns
                      if lim.loc[0, k] > init.loc[0, k] or lim.loc[1, k] < init.loc[1, k]}
            row = box.peeling_trajectory.loc[i]
            pb = PrimBox(limits, float(row["coverage"]), float(row["density"]), float(row["mass"]))
            answer.boxes.append(pb)
            answer.sentences.append(sentence(question.text(), pb, bounds))
    if not answer.boxes:
        answer.sentences.append(f"{question.text()}: in {answer.cases} of {answer.samples} samples, but no box "
                                f"of the parameters reaches a density of {question.min_density:.0%}")
    return answer


def prim_table(answers: list[PrimAnswer]) -> pd.DataFrame:
    """One row per box and restricted parameter: ``question, kpi, box, parameter, lo, hi, coverage, density,
    mass, cases, samples``."""
    rows = []
    for a in answers:
        for b, box in enumerate(a.boxes, start=1):
            for key, (lo, hi) in (box.limits or {"": (math.nan, math.nan)}).items():
                rows.append({"question": a.question, "kpi": a.kpi, "box": b, "parameter": key, "lo": lo, "hi": hi,
                             "coverage": box.coverage, "density": box.density, "mass": box.mass,
                             "cases": a.cases, "samples": a.samples})
    cols = ["question", "kpi", "box", "parameter", "lo", "hi", "coverage", "density", "mass", "cases", "samples"]
    return pd.DataFrame(rows, columns=cols)
