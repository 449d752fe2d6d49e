"""KPIs by area: needs, met and forgone shares, time to service and effective access per place.

An *area* is any label given to each need (a reporting zone, a grid cell); a need belongs to
the area of its resident's home.  The definitions are those of :mod:`.needs` and :mod:`.access`
(shares of all needs of the subset; effective access = share met within 15 minutes by any
channel), so an area's row equals ``summary.json``'s block for the same needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kaicity.metrics.access import effective_access, met_within
from kaicity.metrics.needs import needs_block

#: Groups of the area tables: every need, then by group as in ``summary.json``'s ``by_group``.
AREA_GROUPS: tuple[str, ...] = ("all", "elderly", "non_elderly", "child", "adult")

#: Columns of :func:`area_table` per group (``<metric>_<group>``).
AREA_METRICS: tuple[str, ...] = ("needs", "met_share", "forgone", "unmet_share", "tts_mean_min",
                                 "effective_access")


def _group_mask(trips: pd.DataFrame, group: str) -> np.ndarray:
    if group == "all":
        return np.ones(len(trips), dtype=bool)
    if group == "non_elderly":
        return (trips["group"] != "elderly").to_numpy()
    return (trips["group"] == group).to_numpy()


def area_table(trips: pd.DataFrame, area, scale: float = 1.0) -> pd.DataFrame:
    """One row per area with needs: :data:`AREA_METRICS` for each of :data:`AREA_GROUPS` (vectorised).

    Parameters
    ----------
    trips
        :func:`~kaicity.metrics.trips.trips_frame` rows.
    area
        The area of each row (any hashable labels; ``None``/NaN rows are left out).
    scale
        People per agent (needs and forgone are counted in people, as in ``summary.json``).

    Returns
    -------
    pandas.DataFrame
        Indexed by area; columns ``<metric>_<group>``; shares and times are NaN for a group
        without needs (or without met needs) in the area.
    """
    area = pd.Series(np.asarray(area, dtype=object), index=trips.index)
    met = (trips["outcome"] == "met").to_numpy()
    frame = pd.DataFrame({
        "area": area.to_numpy(),
        "n": 1.0,
        "met": met.astype(float),
        "forgone": (trips["outcome"] == "forgone").to_numpy().astype(float),
        "tts": np.where(met, trips["time_to_service_min"].to_numpy(dtype=float), np.nan),
        "ok": met_within(trips).to_numpy().astype(float),
    })
    keep = frame["area"].notna().to_numpy()
    cols = {}
    for g in AREA_GROUPS:
        sub = frame[keep & _group_mask(trips, g)]
        agg = sub.groupby("area", sort=False).agg(n=("n", "sum"), met=("met", "sum"), forgone=("forgone", "sum"),
                                                  tts=("tts", "mean"), ok=("ok", "sum"))
        cols[f"needs_{g}"] = agg["n"] * scale
        cols[f"met_share_{g}"] = agg["met"] / agg["n"]
        cols[f"forgone_{g}"] = agg["forgone"] * scale
        cols[f"unmet_share_{g}"] = agg["forgone"] / agg["n"]
        cols[f"tts_mean_min_{g}"] = agg["tts"]
        cols[f"effective_access_{g}"] = agg["ok"] / agg["n"]
    out = pd.DataFrame(cols)
    for g in AREA_GROUPS:
        out[f"needs_{g}"] = out[f"needs_{g}"].fillna(0.0)
        out[f"forgone_{g}"] = out[f"forgone_{g}"].fillna(0.0)
    out.index.name = "area"
    return out


def area_blocks(trips: pd.DataFrame, area, names, scale: float = 1.0) -> dict:
    """``summary.json``'s ``by_reporting_zone``: per area name, the needs block, effective access and by group.

    Each area holds :func:`~kaicity.metrics.needs.needs_block` of its needs, their
    ``effective_index`` (:func:`~kaicity.metrics.access.effective_access`) and ``by_group``
    (elderly, non_elderly, child, adult) with the same keys.  Areas in ``names`` without needs
    get a block of zeros.
    """
    area = np.asarray(area, dtype=object)
    out = {}
    for name in names:
        sub = trips[area == name]
        out[str(name)] = _block(sub, scale)
        out[str(name)]["by_group"] = {g: _block(sub[_group_mask(sub, g)], scale) for g in AREA_GROUPS[1:]}
    return out


def _block(sub: pd.DataFrame, scale: float) -> dict:
    return {**needs_block(sub, scale), "effective_index": effective_access(sub)["effective_index"]}
