"""Needs: counts and met / forgone shares by group, zone, category and delivery channel;
forgone needs by reason.

Shares are of **all** needs of the subset (``met / needs``, pending included): the
definition of ``summary.json`` and of the live view.  Counts are people (agents x scale).
"""

from __future__ import annotations

import pandas as pd

from kaicity.categories import CATEGORIES, ZONES
from kaicity.metrics._num import num
from kaicity.metrics.time import time_stats
from kaicity.services.visits import FORGONE_REASONS


def met_share(met: float, needs: float) -> float | None:
    """Share of needs met: ``met / needs`` (None without needs)."""
    return num(met / needs) if needs else None


def needs_block(df: pd.DataFrame, scale: float) -> dict:
    """Counts, shares, time to service and met needs by delivery of a subset of ``trips_frame`` rows."""
    n = len(df)
    met = df[df["outcome"] == "met"]
    forgone = int((df["outcome"] == "forgone").sum())
    by_delivery = met["delivery"].value_counts()
    return {
        "needs": n * scale,
        "met": len(met) * scale,
        "forgone": forgone * scale,
        "pending": int((df["outcome"] == "pending").sum()) * scale,
        "met_share": met_share(len(met), n),
        "unmet_share": met_share(forgone, n),
        "time_to_service_min": time_stats(met["time_to_service_min"].to_numpy(dtype=float)),
        "met_by_delivery": {k: int(v) * scale for k, v in by_delivery.items()},
        "forgone_by_reason": forgone_by_reason(df, scale),
    }


def forgone_by_reason(df: pd.DataFrame, scale: float) -> dict:
    """Forgone needs per reason of :data:`~kaicity.services.visits.FORGONE_REASONS` (every reason listed)."""
    counts = df.loc[df["outcome"] == "forgone", "reason"].value_counts()
    return {r: int(counts.get(r, 0)) * scale for r in FORGONE_REASONS}


def need_sections(df: pd.DataFrame, scale: float) -> dict:
    """``overall``, ``by_group`` (elderly, non_elderly, child, adult), ``by_zone`` and ``by_category``."""
    by_group = {"elderly": needs_block(df[df["group"] == "elderly"], scale),
                "non_elderly": needs_block(df[df["group"] != "elderly"], scale)}
    by_group.update({g: needs_block(df[df["group"] == g], scale) for g in ("child", "adult")})
    return {
        "overall": needs_block(df, scale),
        "by_group": by_group,
        "by_zone": {z: needs_block(df[df["zone"] == z], scale) for z in ZONES},
        "by_category": {c: needs_block(df[df["category"] == c], scale) for c in CATEGORIES},
    }


def delivery_share(flat: dict, key: str, delivery: str) -> float | None:
    """Share of a block's needs met by one delivery channel, from a flattened ``kpis`` dict.

    ``key`` names the block (e.g. ``"by_group.elderly"``); None without needs.
    """
    needs = flat.get(f"{key}.needs")
    if not needs:
        return None
    return (flat.get(f"{key}.met_by_delivery.{delivery}") or 0) / needs
