"""Paired differences with error bars: ``comparison_diff.png`` of a replicated comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.kpi_labels import is_share, kpi_text

#: The headline KPIs of the error-bar plot: (key, label, shown in percentage points); labels from
#: :mod:`kaicity.kpi_labels`.
DIFF_KPIS = tuple((key, kpi_text(key, "pp"), is_share(key)) for key in (
    "overall.met_share", "by_group.elderly.met_share", "by_zone.rural.met_share", "overall.time_to_service_min.mean",
    "by_group.elderly.time_to_service_min.mean", "by_zone.rural.time_to_service_min.mean", "cost.per_met_need"))
#: File name of the plot.
DIFF_PLOT = "comparison_diff.png"


def _exceeds(flag) -> bool:
    return not pd.isna(flag) and bool(flag)


def plot_paired_differences(table: pd.DataFrame, out: str | Path, baseline: str) -> str:
    """Plot each scenario's mean paired difference to ``baseline`` with its 95% interval, per headline KPI.

    Parameters
    ----------
    table
        :func:`kaicity.paired.replicate_table` output.
    out
        Folder to write :data:`DIFF_PLOT` into.
    baseline
        Name of the baseline scenario (its rows carry no difference and are not drawn).

    Returns
    -------
    str
        The file name written.
    """
    from kaicity.plots import subplots

    others = [s for s in dict.fromkeys(table["scenario"]) if s != baseline]
    n_seeds = int(table["n_seeds"].max()) if len(table) else 0
    fig, axes = subplots(2, 4, figsize=(16, 6.5))
    axes = np.ravel(axes)
    colours = [f"C{i}" for i in range(len(others))]
    for ax, (key, label, pct) in zip(axes, DIFF_KPIS, strict=False):
        rows = table[(table["kpi"] == key) & (table["scenario"] != baseline)].set_index("scenario")
        scale = 100.0 if pct else 1.0
        for k, (name, colour) in enumerate(zip(others, colours, strict=True)):
            if name not in rows.index:
                continue
            r = rows.loc[name]
            mean = r["diff_mean"] * scale
            err = None
            if np.isfinite(r["diff_lo"]) and np.isfinite(r["diff_hi"]):
                err = [[mean - r["diff_lo"] * scale], [r["diff_hi"] * scale - mean]]
            ax.errorbar([k], [mean], yerr=err, fmt="o", color=colour, capsize=6, markersize=7,
                        markerfacecolor=colour if _exceeds(r["exceeds_noise"]) else "white")
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set_xticks(range(len(others)), others, rotation=15)
        ax.set_xlim(-0.7, len(others) - 0.3)
        ax.set_title(label, fontsize=10)
    for ax in axes[len(DIFF_KPIS):]:
        ax.set_axis_off()
    note = (f"paired differences to {baseline}: mean of {n_seeds} seeds with 95% t-interval; filled = interval "
            "excludes 0" if n_seeds > 1 else f"difference to {baseline} at one seed: no interval")
    axes[-1].text(0.0, 0.5, note, wrap=True, fontsize=9, va="center", transform=axes[-1].transAxes)
    fig.tight_layout()
    fig.savefig(Path(out) / DIFF_PLOT, dpi=110)
    return DIFF_PLOT
