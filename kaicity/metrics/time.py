"""Time to service: wait + travel + queue until service starts, of met needs (minutes)."""

from __future__ import annotations

import numpy as np

from kaicity.metrics._num import num


def time_stats(minutes: np.ndarray) -> dict:
    """``mean``, ``median`` and ``p95`` of times to service (None each when there is none)."""
    tts = np.asarray(minutes, dtype=float)
    return {
        "mean": num(tts.mean()) if len(tts) else None,
        "median": num(np.median(tts)) if len(tts) else None,
        "p95": num(np.percentile(tts, 95)) if len(tts) else None,
    }


def mean_time(tts_sum_s: float, met: float) -> float:
    """Running mean time to service (minutes) from a sum of seconds and a count (NaN without any)."""
    return tts_sum_s / 60.0 / met if met else np.nan
