"""Waterfall charts of the AI city's gain taken apart: ``decomposition.png``.

One panel per KPI: from the smart city (0), each component's main effect and the interaction are
stacked as steps, ending at the total difference, drawn as its own bar from 0.  Every step carries
the error bar of its own 95% interval; a filled step's interval excludes 0, a hatched one does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

#: KPIs drawn (the table may hold more): (key, shown in percentage points).
PLOT_KPIS = ("overall.met_share", "by_group.elderly.met_share", "by_zone.rural.met_share",
             "overall.time_to_service_min.mean", "by_group.elderly.time_to_service_min.mean", "cost.total")
#: File name of the chart.
DECOMPOSITION_PLOT = "decomposition.png"


def _supported(flag) -> bool:
    return not pd.isna(flag) and bool(flag)


def plot_decomposition(main: pd.DataFrame, out: str | Path, labels: Mapping[str, str]) -> str:
    """Draw the waterfall of each KPI's main effects, interaction and total.

    Parameters
    ----------
    main
        Rows of method ``main_effects`` of :func:`kaicity.decompose.factorial.decomposition_table`.
    out
        Folder to write :data:`DECOMPOSITION_PLOT` into.
    labels
        ``{factor key: label}``, in the design's order.

    Returns
    -------
    str
        The file name written.
    """
    from kaicity.plots import subplots

    keys = [k for k in PLOT_KPIS if k in set(main["kpi"])]
    parts = [*labels, "interaction", "total"]
    names = [*labels.values(), "interaction", "total"]
    fig, axes = subplots(2, 3, figsize=(15, 7.5))
    axes = np.ravel(axes)
    for ax, key in zip(axes, keys, strict=False):
        rows = main[main["kpi"] == key].set_index("part")
        scale = 100.0 if bool(rows["percent"].iloc[0]) else 1.0
        level = 0.0
        for i, part in enumerate(parts):
            if part not in rows.index:
                continue
            r = rows.loc[part]
            mean, lo, hi = (float(r[c]) * scale for c in ("mean", "lo", "hi"))
            bottom = 0.0 if part == "total" else level
            colour = "0.35" if part == "total" else ("0.65" if part == "interaction" else f"C{i}")
            filled = _supported(r["exceeds_noise"])
            ax.bar(i, mean, bottom=bottom, color=colour if filled else "white", edgecolor=colour,
                   hatch=None if filled else "//", linewidth=1.2)
            if np.isfinite(lo) and np.isfinite(hi):
                ax.errorbar(i, bottom + mean, yerr=[[mean - lo], [hi - mean]], color="black", capsize=4)
            if part != "total":
                level += mean
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set_xticks(range(len(parts)), names, rotation=20, fontsize=8)
        unit = " (pp)" if scale == 100.0 else ""
        ax.set_title(f"{rows['label'].iloc[0]}{unit}", fontsize=10)
    for ax in axes[len(keys):]:
        ax.set_axis_off()
    fig.suptitle("AI city − smart city, taken apart: main effects, interaction, total (95% intervals over seeds; "
                 "hatched: within seed noise)", fontsize=10)
    fig.tight_layout()
    fig.savefig(Path(out) / DECOMPOSITION_PLOT, dpi=110)
    return DECOMPOSITION_PLOT
