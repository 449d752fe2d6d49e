"""A population layer: people counts by grid cell or polygon, mapped onto the walk graph's nodes.

Input (``population.source``): a GeoPackage, GeoParquet or GeoJSON of polygons (census areas, grid
squares) or points, or a CSV with ``lon``/``lat`` columns (points); each point stands for the square
cell of side ``cell_m`` centred on it.  Each feature has counts of people: all residents
(``total_column``, default ``total``), those aged 65+ (``elderly_column``, default ``age65``) and,
optionally, those under 15 (``child_column``).  Counts are people, not agents: only their ratios
matter, so a cell with twice the people gets twice the homes.

Each walk node belongs to the first feature that contains it.  The model then spreads its
``population.residents`` agents over the features in proportion to ``total`` (largest remainder),
places each at a walk node of its feature (uniformly), and makes it elderly with probability
``age65 / total`` of its feature (:func:`kaicity.services.population.synthesize_population`).
Features that contain no walk node cannot house anyone: their people are left out and counted in
the report (the model warns); a layer none of whose populated features meets the network is an error.

Korean sources map onto it directly:

* **통계청 SGIS 격자 인구 (grid population)**: the 100 m / 250 m / 500 m / 1 km grid squares as
  polygons (the SGIS boundary file, EPSG:5179), joined on the grid code (``gid`` / ``GRID_CD``) to
  the population table; total population (e.g. ``to_in_001``) -> ``total_column``, the sum of the
  65+ age bands (``in_age_0xx`` columns 65-69 ... 100+) -> ``elderly_column``; 0-14 bands ->
  ``child_column``.  Without the boundary file, a CSV of grid-cell centres (lon/lat) with
  ``cell_m`` set to the grid size works the same way.
* **집계구 (census output areas)**: the 집계구 boundary polygons joined on ``TOT_REG_CD`` to the
  census table of population by five-year age band; sum the 65+ bands into one column.
* **행정동 주민등록 인구 (resident registration by 동)**: 행정동 boundary polygons joined on the
  행정동 code to 행정안전부's population by age; coarser, but updated monthly.

Suppressed small counts (SGIS marks cells with fewer than 5 people as ``N/A``) must be filled
(e.g. with 2) or dropped before use: a count that is not a number is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kaicity.errors import InputFileError
from kaicity.network.graph import Graph
from kaicity.network.layers import numeric_column, read_layer

WHAT = "population layer"


@dataclass(frozen=True)
class PopulationCells:
    """People counts of a layer's features and the feature of every walk node.

    Attributes
    ----------
    node_cell : int32 array, one per walk node: index of the feature containing it, -1 for none.
    total, elderly : float64 arrays, one per feature: people, people aged 65+.
    child : float64 array or None: people under 15 (None: the scenario's ``child_share``).
    report : dict
        ``features``, ``features_used``, ``people``, ``people_left_out`` (in features without a walk
        node), ``first_left_out`` (1-based feature number or None), ``file``.
    """

    node_cell: np.ndarray
    total: np.ndarray
    elderly: np.ndarray
    child: np.ndarray | None
    report: dict = field(default_factory=dict)


def read_population_layer(path: str | Path, *, total_column: str = "total", elderly_column: str = "age65",
                          child_column: str | None = None, layer: str | None = None):
    """Read and check a population layer; returns ``(gdf, total, elderly, child)`` (counts per feature).

    Raises
    ------
    InputFileError
        No CRS, a missing column, a count that is negative or not a number, 65+ or under-15 more than the
        total, or no people at all.
    """
    gdf = read_layer(path, layer=layer, what=WHAT)
    total = numeric_column(gdf, total_column, path, WHAT)
    elderly = numeric_column(gdf, elderly_column, path, WHAT)
    child = numeric_column(gdf, child_column, path, WHAT) if child_column else None
    parts = [(elderly_column, elderly)] + ([(child_column, child)] if child is not None else [])
    for name, v in parts:
        over = np.flatnonzero(v > total + 1e-9)
        if len(over):
            i = int(over[0])
            raise InputFileError(f"{path}: feature {i + 1}: {name} {v[i]:g} exceeds {total_column} {total[i]:g}; "
                                 "a part cannot exceed the total")
    if child is not None:
        over = np.flatnonzero(elderly + child > total + 1e-9)
        if len(over):
            i = int(over[0])
            raise InputFileError(f"{path}: feature {i + 1}: {elderly_column} + {child_column} exceeds "
                                 f"{total_column} {total[i]:g}; check the age bands")
    if total.sum() <= 0:
        raise InputFileError(f"{path}: the {WHAT} counts no people ({total_column} is 0 everywhere); "
                             "check the column")
    return gdf, total, elderly, child


def _areas(gdf, crs: str, cell_m: float):
    """Feature geometries in ``crs``; points become squares of side ``cell_m`` centred on them."""
    geom = gdf.geometry.to_crs(crs)
    is_point = geom.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    if is_point.any():
        squares = geom[is_point].centroid.buffer(cell_m / 2.0, cap_style="square")
        geom = geom.copy()
        geom[is_point] = squares
    return geom


def population_cells(path: str | Path, walk: Graph, *, total_column: str = "total", elderly_column: str = "age65",
                     child_column: str | None = None, layer: str | None = None,
                     cell_m: float = 100.0) -> PopulationCells:
    """Read a population layer and find the feature of every walk node (see the module docs).

    Raises
    ------
    InputFileError
        As :func:`read_population_layer`, and when no populated feature contains a walk node (the
        layer misses the network, e.g. a wrong CRS or another city).
    """
    import geopandas as gpd

    gdf, total, elderly, child = read_population_layer(path, total_column=total_column,
                                                       elderly_column=elderly_column, child_column=child_column,
                                                       layer=layer)
    areas = gpd.GeoDataFrame({"cell": np.arange(len(gdf))}, geometry=_areas(gdf, walk.crs, cell_m), crs=walk.crs)
    nodes = gpd.GeoDataFrame({"node": np.arange(walk.n_nodes)}, geometry=gpd.points_from_xy(walk.x, walk.y),
                             crs=walk.crs)
    hit = gpd.sjoin(nodes, areas, how="inner", predicate="within")
    hit = hit.sort_values(["node", "cell"]).drop_duplicates("node")  # a node on a shared edge: first feature
    node_cell = np.full(walk.n_nodes, -1, dtype=np.int32)
    node_cell[hit["node"].to_numpy()] = hit["cell"].to_numpy()
    has_node = np.zeros(len(gdf), dtype=bool)
    has_node[np.unique(hit["cell"].to_numpy())] = True
    populated = total > 0
    used = populated & has_node
    if not used.any():
        raise InputFileError(f"{path}: no populated feature of the {WHAT} contains a walk node of the city; "
                             "the layer misses the network (wrong CRS or another place?)")
    left = np.flatnonzero(populated & ~has_node)
    report = {"file": str(path), "features": int(len(gdf)), "features_used": int(used.sum()),
              "people": float(total.sum()), "people_left_out": float(total[left].sum()),
              "first_left_out": int(left[0]) + 1 if len(left) else None,
              "walk_nodes_outside": int((node_cell < 0).sum())}
    return PopulationCells(node_cell=node_cell, total=total, elderly=elderly, child=child, report=report)
