"""The figure of a sweep (``sweep.png``): headline KPIs against the first swept parameter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kaicity.kpi_labels import kpi_text
from kaicity.sweep.results import PLOT_FILE

__all__ = ["plot_sweep"]


def plot_sweep(df: pd.DataFrame, out: Path) -> list[str]:
    """Line plots of headline KPIs against the first swept parameter (mean over seeds, finished cells)."""
    from kaicity.plots import subplots

    if "status" in df.columns:
        df = df[df["status"] == "ok"]
    params = [c for c in df.columns if c.startswith("param.")]
    if not params or df.empty:
        return []
    x = params[0]
    others = params[1:]
    kpis = ["by_group.elderly.met_share", "by_group.non_elderly.met_share",
            "by_group.elderly.time_to_service_min.mean", "equity.elderly_vs_non_elderly_time_ratio"]
    fig, axes = subplots(1, len(kpis), figsize=(4.2 * len(kpis), 3.6))
    groups = df.groupby(others) if others else [((), df)]
    for key, sub in groups:
        mean = sub.groupby(x)[kpis].mean(numeric_only=True)
        label = ", ".join(f"{o.removeprefix('param.')}={v}" for o, v in
                          zip(others, key if isinstance(key, tuple) else (key,), strict=False)) or "mean"
        for ax, k in zip(axes, kpis, strict=True):
            ax.plot(mean.index, mean[k], marker="o", label=label)
    for ax, k in zip(axes, kpis, strict=True):
        ax.set_title(kpi_text(k, "share"), fontsize=9)
        ax.set_xlabel(x.removeprefix("param."))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    Path(out).mkdir(parents=True, exist_ok=True)
    fig.savefig(Path(out) / PLOT_FILE, dpi=110)
    return [PLOT_FILE]
