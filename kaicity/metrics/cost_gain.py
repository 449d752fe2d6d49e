"""Cost per additional need met: what each extra need a scenario meets costs over the baseline.

For scenario B against baseline A, over paired seeds ``s`` (common random numbers)::

    ratio = mean_s(cost_B - cost_A) / mean_s(met_B - met_A)

(KRW per additional need met; needs in real people, cost over the run).  With several seeds the 95%
interval is the delta method on the two paired mean differences: the ratio's standard error is
``sqrt(var(dC) - 2 R cov(dC, dM) + R^2 var(dM)) / (|mean dM| sqrt(n))`` with Student-t quantiles on
``n - 1`` degrees of freedom.  A ratio of means is used rather than the mean of per-seed ratios
because a seed whose extra needs met are near zero makes its own ratio explode.

The ratio is only told when B meets more needs than A beyond seed noise: when the mean extra needs
met are <= 0, or (several seeds) their paired interval holds 0, :attr:`CostGain.reason` says so in
words and the ratio is ``NaN``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: KPI paths (in ``summary.json``'s ``kpis``) of met needs: overall and for the elderly.
MET_KEYS: dict[str, tuple[str, ...]] = {"overall": ("overall", "met"),
                                        "elderly": ("by_group", "elderly", "met")}
COST_KEY = ("cost", "total")
#: Confidence level of the interval.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class CostGain:
    """Cost per additional need met of one scenario against the baseline, for one group.

    Attributes
    ----------
    group
        ``"overall"`` or ``"elderly"``.
    d_cost, d_met
        Mean paired differences of total cost (KRW) and of needs met (people).
    d_met_lo, d_met_hi
        95% interval of ``d_met`` (``NaN`` with one seed).
    ratio, lo, hi
        KRW per additional need met and its 95% interval (``NaN`` when not meaningful or one seed).
    reason
        Why no ratio is told (``None`` when it is).
    n
        Seeds with all four values.
    """

    group: str
    d_cost: float
    d_met: float
    d_met_lo: float
    d_met_hi: float
    ratio: float
    lo: float
    hi: float
    reason: str | None
    n: int


def _get(kpis: Mapping, path: tuple[str, ...]) -> float:
    v = kpis
    for k in path:
        if not isinstance(v, Mapping) or v.get(k) is None:
            return math.nan
        v = v[k]
    return float(v)


def _t(n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + CONFIDENCE / 2.0, n - 1))


def cost_gain(d_cost: Sequence[float], d_met: Sequence[float], group: str = "overall") -> CostGain:
    """Cost per additional need met from the per-seed paired differences of cost and of needs met.

    Parameters
    ----------
    d_cost, d_met
        ``cost_B - cost_A`` and ``met_B - met_A`` per seed (pairs with a missing value are dropped).
    group
        Label of the group the needs belong to.
    """
    c, m = np.asarray(d_cost, dtype=float), np.asarray(d_met, dtype=float)
    ok = np.isfinite(c) & np.isfinite(m)
    c, m, n = c[ok], m[ok], int(ok.sum())
    nan = math.nan
    if n == 0:
        return CostGain(group, nan, nan, nan, nan, nan, nan, nan, "no seed has both costs and needs met", 0)
    mc, mm = float(c.mean()), float(m.mean())
    m_lo = m_hi = nan
    if n > 1:
        half = _t(n) * float(m.std(ddof=1)) / math.sqrt(n)
        m_lo, m_hi = mm - half, mm + half
    if mm <= 0:
        reason = "meets no more needs than the baseline" if mm == 0 else "meets fewer needs than the baseline"
        return CostGain(group, mc, mm, m_lo, m_hi, nan, nan, nan, reason, n)
    if n > 1 and m_lo <= 0:
        return CostGain(group, mc, mm, m_lo, m_hi, nan, nan, nan,
                        "meets more needs than the baseline only within seed noise", n)
    ratio = mc / mm
    lo = hi = nan
    if n > 1:
        cov = np.cov(c, m, ddof=1)
        var = max(float(cov[0, 0] - 2.0 * ratio * cov[0, 1] + ratio ** 2 * cov[1, 1]), 0.0)
        half = _t(n) * math.sqrt(var) / (abs(mm) * math.sqrt(n))
        lo, hi = ratio - half, ratio + half
    return CostGain(group, mc, mm, m_lo, m_hi, ratio, lo, hi, None, n)


def cost_gains(runs: Sequence[Sequence[Mapping]]) -> dict[str, dict[str, CostGain]]:
    """Cost per additional need met of every scenario against the first, overall and for the elderly.

    Parameters
    ----------
    runs
        ``runs[i][j]``: the ``summary.json`` content of scenario ``j`` at seed ``i`` (scenario 0 the baseline).

    Returns
    -------
    dict
        ``{scenario: {"overall": CostGain, "elderly": CostGain}}`` for every scenario but the baseline.
    """
    names = [s["scenario"] for s in runs[0]]
    out: dict[str, dict[str, CostGain]] = {}
    for j, name in enumerate(names[1:], start=1):
        d_cost = [_get(r[j]["kpis"], COST_KEY) - _get(r[0]["kpis"], COST_KEY) for r in runs]
        out[name] = {group: cost_gain(d_cost, [_get(r[j]["kpis"], path) - _get(r[0]["kpis"], path) for r in runs],
                                      group) for group, path in MET_KEYS.items()}
    return out
