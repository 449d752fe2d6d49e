"""Observed vs simulated: a scenario's ``targets`` checked against its KPIs, with a pass/fail mark.

A target (``kaicity.scenario.schema_targets.Target``) gives an observed value, a tolerance and a
source.  Its **pass band** is ``observed ± tolerance_abs`` or ``observed × (1 ± tolerance)``.

* **One run**: *pass* when the simulated value lies in the band.
* **Several seeds**: the simulated value is the mean over the seeds, with the 95% Student-t
  interval of that mean (:func:`scipy.stats.t.interval`, ``n - 1`` degrees of freedom); *pass*
  when the mean lies in the band or the interval overlaps it, i.e. when the seeds cannot tell the
  model apart from the observation at that tolerance.
* *not simulated*: no run has the KPI (its service is off, or the KPI is not built yet); not an
  error, since the target's name was checked against :mod:`kaicity.kpi_keys` when the scenario
  was read.

The same rows go into ``summary.json``'s ``targets`` block and the reports' tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from kaicity.report.common import _fmt, flatten

#: Confidence level of the interval of the simulated mean over seeds.
CONFIDENCE = 0.95
#: The three results of a target.
PASS, FAIL, NOT_SIMULATED = "pass", "fail", "not simulated"


def band(target: Mapping) -> tuple[float, float]:
    """The pass band ``(lo, hi)`` of a target (``tolerance`` relative, ``tolerance_abs`` absolute)."""
    observed = float(target["observed"])
    if target.get("tolerance") is not None:
        half = abs(observed) * float(target["tolerance"])
    else:
        half = float(target.get("tolerance_abs") or 0.0)
    return observed - half, observed + half


def mean_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student-t interval of the mean (``NaN`` bounds with fewer than two values)."""
    v = np.asarray(values, dtype=float)
    mean = float(v.mean())
    if v.size < 2:
        return mean, math.nan, math.nan
    se = float(v.std(ddof=1)) / math.sqrt(v.size)
    if se == 0.0:
        return mean, mean, mean
    from scipy import stats

    lo, hi = stats.t.interval(confidence, v.size - 1, loc=mean, scale=se)
    return mean, float(lo), float(hi)


def check_target(target: Mapping, runs: Sequence[Mapping]) -> dict:
    """One target against the ``kpis`` of one or more runs (seeds) of the same scenario.

    Parameters
    ----------
    target
        ``kpi``, ``observed``, ``tolerance`` or ``tolerance_abs``, ``source`` and optionally ``note``
        (a ``Target`` dumped to a dict, or a row of ``summary.json``'s ``targets``).
    runs
        ``summary.json``'s ``kpis`` of each seed.

    Returns
    -------
    dict
        The target's fields plus ``band`` ``[lo, hi]``, ``simulated`` (the mean; ``None`` when not
        simulated), ``simulated_interval`` ``[lo, hi]`` (``None`` with one seed), ``n_seeds`` and
        ``status`` (:data:`PASS`, :data:`FAIL` or :data:`NOT_SIMULATED`).
    """
    lo, hi = band(target)
    values = [flatten(k).get(target["kpi"]) for k in runs]
    values = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
              and math.isfinite(v)]
    row = {key: target.get(key) for key in ("kpi", "observed", "tolerance", "tolerance_abs", "source", "note")}
    row.update(band=[lo, hi], simulated=None, simulated_interval=None, n_seeds=len(values), status=NOT_SIMULATED)
    if not values:
        return row
    mean, ci_lo, ci_hi = mean_interval(values)
    inside = lo <= mean <= hi
    if not math.isnan(ci_lo):
        row["simulated_interval"] = [ci_lo, ci_hi]
        inside = inside or (ci_lo <= hi and ci_hi >= lo)
    row.update(simulated=mean, status=PASS if inside else FAIL)
    return row


def target_rows(targets: Sequence[Mapping], runs: Sequence[Mapping]) -> list[dict]:
    """:func:`check_target` for every target (the content of ``summary.json``'s ``targets``)."""
    return [check_target(t, runs) for t in targets]


def _number(x: float | None) -> str:
    if x is None:
        return "–"
    if float(x).is_integer():
        return f"{x:,.0f}"
    return _fmt(x, digits=3) if abs(x) < 1 else _fmt(x)


def _tolerance_text(row: Mapping) -> str:
    if row.get("tolerance") is not None:
        return f"±{100 * float(row['tolerance']):g}%"
    return f"±{_number(row.get('tolerance_abs'))}"


def _simulated_text(row: Mapping) -> str:
    if row["simulated"] is None:
        return "–"
    text = _number(row["simulated"])
    if row.get("simulated_interval"):
        lo, hi = row["simulated_interval"]
        text += f" ({_number(lo)} to {_number(hi)})"
    return text


def _mark(status: str) -> str:
    return {PASS: "pass", FAIL: "**fail**"}.get(status, "not simulated")


def targets_markdown(rows: Sequence[Mapping], title: str = "## Observed vs simulated (targets)") -> list[str]:
    """The Markdown table of target rows (no lines when there are none)."""
    if not rows:
        return []
    several = any(r.get("simulated_interval") for r in rows)
    lines = [title, "", "| KPI | observed | tolerance | pass band | simulated"
             + (" (95% CI)" if several else "") + " | result | source |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, hi = r["band"]
        source = str(r.get("source") or "").replace("|", "\\|")
        lines.append(f"| `{r['kpi']}` | {_number(r['observed'])} | {_tolerance_text(r)} | {_number(lo)} – "
                     f"{_number(hi)} | {_simulated_text(r)} | {_mark(r['status'])} | {source} |")
    n_pass = sum(r["status"] == PASS for r in rows)
    n_fail = sum(r["status"] == FAIL for r in rows)
    rule = ("the mean over seeds lies in the band or its 95% interval overlaps it" if several
            else "the simulated value lies in the band")
    lines += ["", f"{n_pass} of {len(rows)} targets pass, {n_fail} fail, {len(rows) - n_pass - n_fail} not "
              f"simulated. Pass: {rule}. Not simulated: the run has no such KPI (its service is off, or the KPI "
              "is not built yet). Notes on each observation are in summary.json's `targets`.", ""]
    return lines


def comparison_targets_markdown(per_seed: Sequence[Sequence[Mapping]]) -> list[str]:
    """One observed-vs-simulated table per scenario of a comparison that has targets.

    ``per_seed[i][j]`` is scenario ``j``'s ``summary.json`` at seed ``i``; the targets are read from
    the first seed's summary and checked against every seed's KPIs (mean and interval over seeds).
    """
    lines: list[str] = []
    for j, first in enumerate(per_seed[0]):
        targets = first.get("targets") or []
        rows = target_rows(targets, [seed_runs[j]["kpis"] for seed_runs in per_seed])
        lines += targets_markdown(rows, f"## Observed vs simulated: {first['scenario']}")
    return lines
