"""Maps of a run or a comparison: a value per grid cell over the street network.

Drawn in the city's projected CRS (metres), so the scale bar is true; with the attribution of
the street network ("© OpenStreetMap contributors" or "synthetic city") and a north arrow.
Built with :func:`kaicity.plots.subplots` (no pyplot) inside :func:`~kaicity.plots.fonts.korean_text`,
so Korean scenario and zone names render.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from kaicity.plots import subplots
from kaicity.plots.fonts import korean_text

#: Attribution of a map by where its street network came from.
OSM_ATTRIBUTION = "street network © OpenStreetMap contributors"
SYNTHETIC_ATTRIBUTION = "synthetic city (kaicity generator)"


def attribution(synthetic: bool) -> str:
    """The attribution line of a map: OSM's for a real network, "synthetic city" otherwise."""
    return SYNTHETIC_ATTRIBUTION if synthetic else OSM_ATTRIBUTION


def _streets(ax, walk) -> None:
    """The walk graph's edges as thin grey lines (each undirected edge once)."""
    src = np.repeat(np.arange(walk.n_nodes), np.diff(walk.indptr))
    dst = np.asarray(walk.indices)
    keep = src < dst
    seg = np.stack([np.column_stack([walk.x[src[keep]], walk.y[src[keep]]]),
                    np.column_stack([walk.x[dst[keep]], walk.y[dst[keep]]])], axis=1)
    ax.add_collection(LineCollection(seg, colors="0.55", linewidths=0.3, zorder=1))


def _scale_bar(ax, width_m: float) -> None:
    """A scale bar of a round length (about a fifth of the map's width)."""
    target = max(width_m / 5.0, 1.0)
    base = 10 ** np.floor(np.log10(target))
    length = max(m * base for m in (1, 2, 5) if m * base <= target)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.add_artist(AnchoredSizeBar(ax.transData, length, label, "lower left", pad=0.5, sep=4, frameon=True,
                                  size_vertical=width_m / 250.0))


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.96, 0.95), xytext=(0.96, 0.83), xycoords="axes fraction", ha="center", va="center",
                fontsize=11, fontweight="bold", arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})


def grid_map(walk, ix, iy, values, size_m: float, out: Path, *, title: str, label: str, credit: str,
             diverging: bool = False, cmap: str | None = None, crs: str | None = None) -> str:
    """Save a map of ``values`` on grid cells ``(ix, iy)`` of side ``size_m`` over the streets of ``walk``.

    Parameters
    ----------
    walk
        The walk :class:`~kaicity.network.graph.Graph` (projected ``x``/``y``, CSR edges), or None:
        no streets, the map spans the cells (then give ``crs``).
    ix, iy, values
        Cell columns, rows (cell corner = index * ``size_m``) and the value of each cell (NaN: blank).
    size_m
        Side of a cell (m).
    out
        PNG file to write.
    title, label
        Title of the map and of its colour bar (any text, Korean included).
    credit
        Attribution line (:func:`attribution`).
    crs
        The projected CRS named in the attribution (default the walk graph's).
    diverging
        A difference map: a red-blue scale centred on 0.
    cmap
        Colour map name (default ``"RdBu"`` diverging, ``"OrRd"`` otherwise).

    Returns
    -------
    str
        The file name written.
    """
    ix, iy = np.asarray(ix, dtype=np.int64), np.asarray(iy, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    with korean_text():
        fig, ax = subplots(figsize=(7, 6.2))
        if walk is not None:
            _streets(ax, walk)
        if len(ix):
            x0, y0 = ix.min(), iy.min()
            grid = np.full((iy.max() - y0 + 1, ix.max() - x0 + 1), np.nan)
            grid[iy - y0, ix - x0] = values
            xe = (np.arange(grid.shape[1] + 1) + x0) * size_m
            ye = (np.arange(grid.shape[0] + 1) + y0) * size_m
            finite = values[np.isfinite(values)]
            top = float(np.abs(finite).max()) if len(finite) and np.abs(finite).max() > 0 else 1.0
            norm = TwoSlopeNorm(0.0, -top, top) if diverging else Normalize(0.0, top)
            mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(grid), cmap=cmap or ("RdBu" if diverging else "OrRd"),
                                 norm=norm, alpha=0.75, zorder=2, edgecolors="none")
            fig.colorbar(mesh, ax=ax, shrink=0.8, label=label)
        if walk is not None:
            (x_lo, x_hi), (y_lo, y_hi) = (walk.x.min(), walk.x.max()), (walk.y.min(), walk.y.max())
        else:
            x_lo, x_hi = ix.min() * size_m, (ix.max() + 1) * size_m
            y_lo, y_hi = iy.min() * size_m, (iy.max() + 1) * size_m
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
        _scale_bar(ax, float(x_hi - x_lo))
        _north_arrow(ax)
        ax.text(0.99, 0.01, f"{credit}; {size_m:g} m grid, {crs or walk.crs}", transform=ax.transAxes, ha="right",
                va="bottom", fontsize=7, color="0.25", zorder=5,
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    return Path(out).name
