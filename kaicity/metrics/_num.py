"""JSON-friendly numbers shared by the KPI modules."""

from __future__ import annotations

import math


def num(x) -> float | None:
    """A plain float for JSON (None for None, NaN and inf)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def ratio(a, b) -> float | None:
    """``a / b`` as :func:`num`, None when either is None or ``b`` is 0."""
    if a is None or b is None or b == 0:
        return None
    return num(a / b)
