"""Shared plotting style: one colour per delivery channel and per group, in every figure.

The notebooks and the report plots use these mappings so that a channel has the same
colour in every panel (a panel that lacks a channel does not shift the others' colours)
and a multi-panel figure needs only one legend.  The module never selects a matplotlib
backend: in Jupyter figures show inline, in scripts the caller's backend is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from kaicity.categories import GROUPS
from kaicity.errors import KaicityError

#: Colour of each delivery channel (ColorBrewer Set1), in :data:`kaicity.model.DELIVERIES` order.
CHANNEL_COLOURS: dict[str, str] = {
    "walk": "#4daf4a", "car": "#984ea3", "bus": "#377eb8", "drt": "#ff7f00",
    "ai_remote": "#e41a1c", "online": "#a65628", "support_centre": "#f781bf",
}
#: Legend label of each delivery channel.
CHANNEL_LABELS: dict[str, str] = {
    "walk": "walk", "car": "car", "bus": "bus", "drt": "DRT", "ai_remote": "AI remote",
    "online": "online", "support_centre": "support centre",
}
#: Colour of each resident group (elderly as in the live view; adults share the non-elderly colour).
GROUP_COLOURS: dict[str, str] = {
    "elderly": "#d4008f", "non_elderly": "#1f6fb4", "adult": "#1f6fb4", "child": "#33a02c",
}


def channel_shares(trips: pd.DataFrame, by: str = "group") -> pd.DataFrame:
    """Share of the met needs of each ``by`` value delivered through each channel.

    Parameters
    ----------
    trips
        A :func:`kaicity.metrics.trips_frame` (columns ``outcome``, ``delivery`` and ``by``).
    by
        Row variable (default ``"group"``).

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value with met needs (groups in :data:`kaicity.categories.GROUPS`
        order), one column per channel of :data:`CHANNEL_COLOURS` in that order (0 for unused
        channels); rows sum to 1.
    """
    missing = [c for c in ("outcome", "delivery", by) if c not in trips.columns]
    if missing:
        raise KaicityError(f"channel_shares: trips lacks column(s) {', '.join(missing)}; pass trips_frame(model)")
    met = trips[trips["outcome"] == "met"]
    table = pd.crosstab(met[by], met["delivery"], normalize="index")
    table = table.reindex(columns=list(CHANNEL_COLOURS), fill_value=0.0).rename_axis(columns="channel")
    if by == "group" and set(table.index) <= set(GROUPS):
        table = table.reindex([g for g in GROUPS if g in table.index])
    return table


def channel_legend(fig: Figure, channels: Iterable[str], **kwargs) -> None:
    """One figure-level legend of ``channels`` with their :data:`CHANNEL_COLOURS`."""
    handles = [Patch(facecolor=CHANNEL_COLOURS[c], label=CHANNEL_LABELS[c]) for c in channels]
    kwargs.setdefault("loc", "outside right upper")
    kwargs.setdefault("title", "channel")
    kwargs.setdefault("frameon", False)
    fig.legend(handles=handles, **kwargs)


def plot_channel_shares(shares: Mapping[str, pd.DataFrame], *, xlabel: str = "share of met needs",
                        panel_size: tuple[float, float] = (4.2, 3.0)) -> Figure:
    """Stacked horizontal bars of channel shares, one panel per run, one shared legend.

    Parameters
    ----------
    shares
        Panel title -> a :func:`channel_shares` table (rows are bars, columns channels).
    xlabel
        Label of the x axes.
    panel_size
        Width and height (inches) of one panel.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (created with pyplot, so it shows inline in Jupyter).  The legend lists
        every channel used in any panel, in :data:`CHANNEL_COLOURS` order.
    """
    import matplotlib.pyplot as plt

    if not shares:
        raise KaicityError("plot_channel_shares: no panels; pass {panel title: channel_shares(trips)}")
    n = len(shares)
    fig, axes = plt.subplots(1, n, figsize=(panel_size[0] * n + 1.6, panel_size[1]), sharey=True,
                             squeeze=False, layout="constrained")
    used = set()
    for ax, (title, table) in zip(axes[0], shares.items(), strict=True):
        left = np.zeros(len(table))
        for channel, colour in CHANNEL_COLOURS.items():
            values = table[channel].to_numpy(dtype=float) if channel in table else np.zeros(len(table))
            if values.any():
                ax.barh(table.index.astype(str), values, left=left, color=colour, label=channel)
                used.add(channel)
            left += values
        ax.set_title(title)
        ax.set_xlim(0, 1)
        ax.set_xlabel(xlabel)
    axes[0, 0].invert_yaxis()  # first row on top (the axes share y)
    channel_legend(fig, [c for c in CHANNEL_COLOURS if c in used])
    return fig
