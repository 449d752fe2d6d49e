"""Equity: the one Gini coefficient of kaicity, and the elderly / rural gaps of ``summary.json``.

:func:`gini` serves ``equity.gini_time_to_service``, ``access.gini_nearest_walk_time`` and the
``gini`` column of :func:`kaicity.metrics.access.coverage` (weighted by residents).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kaicity.errors import RoutingError
from kaicity.metrics._num import ratio


def gini(values, weights=None) -> float | None:
    """Gini coefficient of non-negative ``values`` (0 = equal, 1 = one holds all), optionally weighted.

    ``G = sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean)``.  Non-finite values (and their weights)
    are left out.  Without weights every value counts once and the sorted cumulative-share
    form ``(n + 1 - 2 sum_i L_i) / n`` is used (``L`` the Lorenz curve); with weights the
    sorted form ``sum_i w_i x_i (2 C_i - w_i) / (W S) - 1`` (``C`` cumulative weights).

    Parameters
    ----------
    values
        Non-negative numbers (e.g. minutes).
    weights
        Optional non-negative weight of each value (e.g. residents per home).

    Returns
    -------
    float or None
        None when no finite value (or no weight) is left; 0.0 when all values are zero.

    Raises
    ------
    RoutingError
        When ``weights`` has another length, or a value or weight is negative.
    """
    x = np.asarray(values, dtype=float).ravel()
    if weights is None:
        v = np.sort(x)
        v = v[np.isfinite(v)]
        _check_non_negative(v, "values")
        n = len(v)
        if n == 0 or v.sum() == 0:
            return None if n == 0 else 0.0
        cum = np.cumsum(v)
        return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != len(x):
        raise RoutingError(f"gini: {len(w)} weights for {len(x)} values; pass one weight per value")
    keep = np.isfinite(x) & np.isfinite(w)
    x, w = x[keep], w[keep]
    _check_non_negative(x, "values")
    _check_non_negative(w, "weights")
    order = np.argsort(x, kind="stable")
    return gini_sorted(x[order], w[order])


def _check_non_negative(a: np.ndarray, what: str) -> None:
    if len(a) and a.min() < 0:
        raise RoutingError(f"gini: {what} must be >= 0, got {float(a.min())!r}; drop negative entries first")


def gini_sorted(x: np.ndarray, w: np.ndarray) -> float | None:
    """Weighted Gini of finite values already sorted ascending (see :func:`gini`)."""
    total_w = float(w.sum())
    if total_w <= 0:
        return None
    s = float(np.dot(w, x))
    if s <= 0:
        return 0.0
    cw = np.cumsum(w)
    return max(0.0, float(np.dot(w * x, 2.0 * cw - w) / (total_w * s) - 1.0))


def equity_block(met: pd.DataFrame, by_group: dict, by_zone: dict) -> dict:
    """``summary.json``'s ``equity``: Gini of time to service and the elderly / rural gaps.

    Parameters
    ----------
    met
        The met needs of :func:`kaicity.metrics.trips.trips_frame`.
    by_group, by_zone
        The need blocks of :func:`kaicity.metrics.needs.need_sections`.
    """
    def mean_tts(block: dict):
        return block["time_to_service_min"]["mean"]

    return {
        "gini_time_to_service": gini(met["time_to_service_min"].to_numpy(dtype=float)),
        "elderly_vs_non_elderly_time_ratio": ratio(mean_tts(by_group["elderly"]), mean_tts(by_group["non_elderly"])),
        "elderly_vs_non_elderly_unmet_ratio": ratio(by_group["elderly"]["unmet_share"],
                                                    by_group["non_elderly"]["unmet_share"]),
        "rural_vs_core_time_ratio": ratio(mean_tts(by_zone["rural"]), mean_tts(by_zone["core"])),
        "rural_vs_core_unmet_ratio": ratio(by_zone["rural"]["unmet_share"], by_zone["core"]["unmet_share"]),
    }
