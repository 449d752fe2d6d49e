"""Shared pieces of the reports: flattening KPI trees and formatting numbers."""

from __future__ import annotations

import numpy as np

from kaicity.kpi_labels import kpi_label

GROUP_ROWS = ("elderly", "non_elderly")


def kpi_row(key: str) -> tuple[str, str, bool | int]:
    """``(key, label, format)`` of a KPI row from :mod:`kaicity.kpi_labels`: format ``True`` for a
    percentage (a share), else the number of decimals."""
    lab = kpi_label(key)
    return key, lab.text(), True if lab.share else lab.digits


def flatten(d: dict, prefix: str = "") -> dict:
    """Nested dict -> ``{"a.b.c": value}`` (lists and None kept as values)."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _fmt(x, pct: bool = False, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    if pct:
        return f"{100 * x:.{digits}f}%"
    if isinstance(x, (int, np.integer)) or abs(x) >= 1000 or (float(x).is_integer() and abs(x) >= 100):
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"



def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o) if np.isfinite(o) else None
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)

