"""A regular grid of square cells over a city, in its projected CRS (metres).

Cells are aligned on multiples of the cell size in the CRS itself (not on the city's corner),
so two runs on the same city, or on cities in the same CRS, share every cell: the grid layers
of a smart and an AI run can be differenced cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Side of a grid cell (m): about a 6-minute walk, fine enough for a 동 and coarse enough
#: that a cell of a 10,000-resident run holds a few dozen needs.
GRID_SIZE_M = 500.0


@dataclass(frozen=True)
class GridCells:
    """Grid cell of every point: column ``ix`` and row ``iy`` (cell corner = ``(ix, iy) * size_m``)."""

    ix: np.ndarray
    iy: np.ndarray
    size_m: float
    crs: str

    @property
    def key(self) -> np.ndarray:
        """One string per point, ``"<ix>_<iy>"``: the cell's id in every layer."""
        return np.char.add(np.char.add(self.ix.astype(str), "_"), self.iy.astype(str)).astype(object)


def grid_cells(x, y, crs: str, size_m: float = GRID_SIZE_M) -> GridCells:
    """The grid cell of each point ``(x, y)`` (projected metres in ``crs``).

    Parameters
    ----------
    x, y
        Projected coordinates (m), e.g. a walk graph's ``x``/``y``.
    crs
        Their CRS (e.g. ``"EPSG:32652"``), kept with the cells for the layers.
    size_m
        Side of a cell (m, > 0).
    """
    if not size_m > 0:
        raise ValueError(f"grid cell size must be > 0 m, got {size_m}")
    ix = np.floor(np.asarray(x, dtype=float) / size_m).astype(np.int64)
    iy = np.floor(np.asarray(y, dtype=float) / size_m).astype(np.int64)
    return GridCells(ix, iy, float(size_m), str(crs))


def grid_polygons(ix, iy, size_m: float):
    """Square polygons (shapely, vectorised) of cells ``(ix, iy)`` of side ``size_m``."""
    import shapely

    x0 = np.asarray(ix, dtype=float) * size_m
    y0 = np.asarray(iy, dtype=float) * size_m
    return shapely.box(x0, y0, x0 + size_m, y0 + size_m)
