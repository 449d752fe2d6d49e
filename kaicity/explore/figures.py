"""Figures of an exploration: Morris mu* with confidence bars, Sobol' S1/ST with confidence bars, and
PRIM's peeling trade-off (coverage against density) per question."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.kpi_labels import kpi_text_or_key

__all__ = ["plot_morris", "plot_sobol"]


def _grid(n: int):
    import matplotlib.pyplot as plt

    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 0.6 + 2.6 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat)


def plot_morris(table: pd.DataFrame, path: Path | None = None):
    """One panel per KPI: mu* of each parameter with its 95% confidence bar, sigma as a marker."""
    kpis = list(dict.fromkeys(table["kpi"]))
    fig, axes = _grid(max(len(kpis), 1))
    for ax, kpi in zip(axes, kpis, strict=False):
        part = table[table["kpi"] == kpi].iloc[::-1]
        y = np.arange(len(part))
        ax.barh(y, part["mu_star"], xerr=part["mu_star_conf"], color="#4c72b0", alpha=0.8, label="mu*")
        ax.plot(part["sigma"], y, "o", color="#dd8452", label="sigma")
        ax.set_yticks(y, part["parameter"], fontsize=8)
        ax.set_title(kpi_text_or_key(kpi, "share"), fontsize=9)
        ax.axvline(0, color="grey", lw=0.5)
    if kpis:
        axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Morris screening: mean absolute effect (mu*, 95% bar) and its spread (sigma)", fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_sobol(table: pd.DataFrame, path: Path | None = None):
    """One panel per KPI: first-order S1 and total ST index of each parameter with 95% confidence bars."""
    kpis = list(dict.fromkeys(table["kpi"]))
    fig, axes = _grid(max(len(kpis), 1))
    for ax, kpi in zip(axes, kpis, strict=False):
        part = table[table["kpi"] == kpi].iloc[::-1]
        y = np.arange(len(part))
        ax.barh(y - 0.2, part["S1"], height=0.4, xerr=part["S1_conf"], color="#4c72b0", label="S1")
        ax.barh(y + 0.2, part["ST"], height=0.4, xerr=part["ST_conf"], color="#55a868", label="ST")
        ax.set_yticks(y, part["parameter"], fontsize=8)
        ax.set_title(kpi_text_or_key(kpi, "share"), fontsize=9)
        ax.axvline(0, color="grey", lw=0.5)
    if kpis:
        axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Sobol' indices: share of the KPI's variance (S1 alone, ST with interactions; 95% bars)",
                 fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
