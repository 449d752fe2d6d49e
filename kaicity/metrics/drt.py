"""DRT KPIs: today they are computed by the DRT service; this module is their home in metrics.

When the DRT package split lands (``kaicity/services/drt/analysis.py``: pure functions of the
schedule records), its KPI functions move here and :func:`drt_kpis` / :func:`drt_reporters`
compute instead of delegating.  Callers already go through this module.
"""

from __future__ import annotations

from collections.abc import Callable


def drt_kpis(drt) -> dict:
    """MATSim-style DRT indicators so far (``summary.json``'s ``transit.drt``)."""
    return drt.kpis()


def drt_reporters(drt) -> dict[str, Callable]:
    """The DRT service's DataCollector reporters (name -> function of the model)."""
    return drt.timeseries_reporters()
