"""``summary.json``'s ``kpis``: every section, each computed by its own module of :mod:`kaicity.metrics`."""

from __future__ import annotations

import pandas as pd

from kaicity.metrics.access import access_block
from kaicity.metrics.ai import ai_block
from kaicity.metrics.bus import bus_kpis
from kaicity.metrics.cost import cost_block
from kaicity.metrics.drt import drt_kpis
from kaicity.metrics.equity import equity_block
from kaicity.metrics.inclusion import inclusion_block
from kaicity.metrics.needs import need_sections
from kaicity.metrics.trips import trips_frame


def transit_block(model) -> dict:
    """``transit``: bus and DRT KPIs of the services the run has."""
    transit = {}
    if model.bus is not None:
        transit["bus"] = bus_kpis(model.bus, model.now)
    if model.drt is not None:
        transit["drt"] = drt_kpis(model.drt)
    return transit


def summarize(model, trips: pd.DataFrame | None = None) -> dict:
    """All KPIs of a finished run as a JSON-serialisable dict (``summary.json``'s ``kpis``).

    Parameters
    ----------
    model
        A finished :class:`~kaicity.model.KaiCityModel` (or anything holding the same records).
    trips
        Its :func:`~kaicity.metrics.trips.trips_frame`, when already built.
    """
    df = trips_frame(model) if trips is None else trips
    needs = need_sections(df, model.population.scale)
    transit = transit_block(model)
    ai = ai_block(model, len(df))
    return {
        **needs,
        "access": access_block(model, df),
        "transit": transit,
        "ai": ai,
        "digital_inclusion": inclusion_block(model),
        "equity": equity_block(df[df["outcome"] == "met"], needs["by_group"], needs["by_zone"]),
        "cost": cost_block(model, transit, ai, needs),
    }
