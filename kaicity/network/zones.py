"""Zones: classify every street node as core, suburb or rural.

Three sources, in order of preference (:func:`assign_zones`):

1. a node attribute ``zone`` on the input graph (the synthetic city sets one);
2. user polygons, e.g. a GeoJSON file whose features carry a ``zone`` property with a
   value in :data:`kaicity.categories.ZONES` (nodes outside every polygon fall back to 3.);
3. local street-node density: street nodes (intersections and dead ends of the simplified
   network) per km² within :data:`ZONE_RADIUS_M` of each node, compared with the absolute
   thresholds :data:`CORE_MIN_DENSITY` and :data:`SUBURB_MIN_DENSITY`.  Absolute thresholds
   (not terciles) keep a dense Seoul extract mostly core.

Density is computed on a grid (cell :data:`ZONE_CELL_M`): node counts are convolved with a
disk of radius :data:`ZONE_RADIUS_M`, and divided by the part of that disk that lies inside
the convex hull of the nodes.  This edge correction keeps the rim of a rectangular extract
from looking sparse just because the map was cut there.

Calibration (measured; street nodes of kaicity's walk graph, simplified, per km² within
2 km): the Seoul extracts are all far above 25 — Mapo/Gongdeok with footways ~310, the
central-Seoul drive network (Jongno/Jung-gu) 70-220, Songpa's roads-only extract 30-58
(1st-99th percentile).  The synthetic city's districts give core ~35-66, suburb ~8-20 and
rural villages ~3-12: with ``CORE_MIN_DENSITY = 25`` and ``SUBURB_MIN_DENSITY = 8`` the
density rule reproduces its zones for 85-90 % of nodes (seeds 1-3, 5k-100k nodes).  A
smaller radius cannot tell a compact village from a suburb (at 500 m a 40-node village
looks as dense as the core).  The thresholds are assumptions: pass ``thresholds=``
(``zone_thresholds=`` to :func:`~kaicity.network.loaders.load_city`) or zone polygons.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve
from scipy.spatial import ConvexHull, QhullError

from kaicity.categories import ZONE_CODE, ZONES
from kaicity.errors import GeometryError, InputFileError

#: Radius (metres) of the disk in which street-node density is measured (district scale).
ZONE_RADIUS_M: float = 2000.0
#: Grid cell (metres) of the density computation.
ZONE_CELL_M: float = 50.0
#: Street nodes per km² from which a node is ``core``.
CORE_MIN_DENSITY: float = 25.0
#: Street nodes per km² from which a node is ``suburb`` (below: ``rural``).
SUBURB_MIN_DENSITY: float = 8.0
#: Smallest share of the density disk treated as inside the study area (limits edge correction).
MIN_COVERAGE: float = 0.25


def zone_codes(values: Sequence) -> np.ndarray:
    """Convert zone labels (``"core"``...) or codes (0, 1, 2) to int8 codes.

    Raises
    ------
    GeometryError
        For a value that is neither a zone label nor a valid code.
    """
    out = np.empty(len(values), dtype=np.int8)
    for i, v in enumerate(values):
        if isinstance(v, str):
            code = ZONE_CODE.get(v.strip().lower())
        elif isinstance(v, (int, np.integer)) and 0 <= int(v) < len(ZONES):
            code = int(v)
        else:
            code = None
        if code is None:
            raise GeometryError(f"unknown zone {v!r}; use one of {', '.join(ZONES)}")
        out[i] = code
    return out


def node_density(x: np.ndarray, y: np.ndarray, *, radius: float = ZONE_RADIUS_M,
                 cell: float = ZONE_CELL_M, edge_correction: bool = True) -> np.ndarray:
    """Street nodes per km² within ``radius`` metres of each node (grid approximation).

    Parameters
    ----------
    x, y
        Projected node coordinates in metres.
    radius
        Radius of the counting disk in metres.
    cell
        Grid cell size in metres (the disk and the positions are rounded to it).
    edge_correction
        Divide by the share of the disk inside the convex hull of the nodes instead of the
        whole disk.

    Returns
    -------
    ndarray of float64
        Density per node (nodes / km²), counting the node itself.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(x)
    if n == 0:
        return np.empty(0, dtype=np.float64)
    if radius <= 0 or cell <= 0:
        raise GeometryError(f"zone density: radius ({radius}) and cell ({cell}) must be > 0")
    cell = min(cell, radius / 2.0)
    pad = radius + cell
    x0, y0 = x.min() - pad, y.min() - pad
    nx_ = int(np.ceil((x.max() + pad - x0) / cell)) + 1
    ny_ = int(np.ceil((y.max() + pad - y0) / cell)) + 1
    if nx_ * ny_ > 40_000_000:  # > ~300 km across at 50 m: coarsen the grid
        factor = np.sqrt(nx_ * ny_ / 40_000_000)
        return node_density(x, y, radius=radius, cell=cell * factor * 1.01, edge_correction=edge_correction)
    ix = ((x - x0) / cell).astype(np.int64)
    iy = ((y - y0) / cell).astype(np.int64)
    counts = np.zeros((nx_, ny_), dtype=np.float64)
    np.add.at(counts, (ix, iy), 1.0)
    r_cells = int(np.ceil(radius / cell))
    off = np.arange(-r_cells, r_cells + 1) * cell
    kernel = ((off[:, None] ** 2 + off[None, :] ** 2) <= radius**2).astype(np.float64)
    smoothed = fftconvolve(counts, kernel, mode="same")
    disk_km2 = kernel.sum() * cell * cell / 1e6
    if edge_correction:
        inside = _hull_mask(x, y, x0, y0, cell, nx_, ny_)
        cover = fftconvolve(inside, kernel, mode="same") / kernel.sum()
        frac = np.clip(cover[ix, iy], MIN_COVERAGE, 1.0)
    else:
        frac = np.ones(n)
    dens = np.maximum(smoothed[ix, iy], 1.0) / (disk_km2 * frac)  # fft noise: at least the node itself
    return dens


def _hull_mask(x, y, x0, y0, cell, nx_, ny_) -> np.ndarray:
    """1.0 for grid cells whose centre lies in the convex hull of the points, else 0.0."""
    gx = x0 + (np.arange(nx_) + 0.5) * cell
    gy = y0 + (np.arange(ny_) + 0.5) * cell
    try:
        hull = ConvexHull(np.column_stack([x, y]))
    except (QhullError, ValueError):  # collinear or too few points: no correction
        return np.ones((nx_, ny_))
    mask = np.ones((nx_, ny_), dtype=bool)
    tol = 1e-6 * max(cell, 1.0)  # cells whose centre is in the hull (nodes sit in cells left of/below them)
    for a, b, c in hull.equations:  # a*x + b*y + c <= 0 inside
        mask &= (a * gx[:, None] + b * gy[None, :] + c) <= tol
    return mask.astype(np.float64)


def zones_from_density(density: np.ndarray, *, thresholds: tuple[float, float] | None = None) -> np.ndarray:
    """Zone codes from densities: >= core threshold -> core, >= suburb threshold -> suburb, else rural.

    Parameters
    ----------
    density
        Street nodes per km² per node (:func:`node_density`).
    thresholds
        ``(core_min, suburb_min)`` in nodes/km²; defaults to
        ``(CORE_MIN_DENSITY, SUBURB_MIN_DENSITY)``.
    """
    core_min, suburb_min = thresholds or (CORE_MIN_DENSITY, SUBURB_MIN_DENSITY)
    if not (core_min >= suburb_min >= 0):
        raise GeometryError(f"zone thresholds must satisfy core >= suburb >= 0, got {thresholds}")
    d = np.asarray(density, dtype=np.float64)
    out = np.full(len(d), ZONE_CODE["rural"], dtype=np.int8)
    out[d >= suburb_min] = ZONE_CODE["suburb"]
    out[d >= core_min] = ZONE_CODE["core"]
    return out


def read_zone_polygons(zones):
    """Read zone polygons from a GeoJSON (or any file geopandas reads) or a GeoDataFrame.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326 with a ``zone`` column of labels from :data:`kaicity.categories.ZONES`.

    Raises
    ------
    InputFileError
        If the file is missing or unreadable, has no ``zone`` property, or no polygons.
    GeometryError
        If a ``zone`` value is unknown.
    """
    import geopandas as gpd

    if isinstance(zones, gpd.GeoDataFrame):
        gdf, where = zones, "zone polygons"
    else:
        path = Path(zones)
        where = str(path)
        if not path.is_file():
            raise InputFileError(f"{path}: zone file not found (expected a GeoJSON with a 'zone' property)")
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
            raise InputFileError(f"{path}: cannot read zone polygons "
                                 f"({exc.__class__.__name__}: {exc})") from exc
    if "zone" not in gdf.columns:
        raise InputFileError(f"{where}: no 'zone' property; give each polygon a zone, one of "
                             f"{', '.join(ZONES)}")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(gdf) == 0:
        raise InputFileError(f"{where}: no polygons with a 'zone' property")
    try:
        codes = zone_codes(list(gdf["zone"]))
    except GeometryError as exc:
        raise GeometryError(f"{where}: {exc}") from exc
    gdf = gdf.assign(zone=[ZONES[c] for c in codes])
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf.to_crs("EPSG:4326")


def zones_from_polygons(lon: np.ndarray, lat: np.ndarray, polygons) -> np.ndarray:
    """Zone code of the polygon containing each point, ``-1`` outside all polygons.

    Where polygons overlap the first one in the file wins.
    """
    import shapely

    gdf = read_zone_polygons(polygons)
    out = np.full(len(lon), -1, dtype=np.int8)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    for geom, label in zip(gdf.geometry.values[::-1], gdf["zone"].values[::-1], strict=True):
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, lon, lat)
        out[inside] = ZONE_CODE[label]
    return out


def assign_zones(x: np.ndarray, y: np.ndarray, lon: np.ndarray, lat: np.ndarray, *,
                 attribute: Sequence | None = None, polygons=None, radius: float = ZONE_RADIUS_M,
                 thresholds: tuple[float, float] | None = None) -> tuple[np.ndarray, dict]:
    """Zone code per node from an attribute, polygons or street-node density (see module docs).

    Parameters
    ----------
    x, y
        Projected coordinates (metres).
    lon, lat
        WGS84 coordinates (for polygons).
    attribute
        Per-node zone labels/codes; ``None`` entries (or ``None`` itself) mean "not given".
    polygons
        A GeoJSON path or GeoDataFrame with a ``zone`` column, used when ``attribute`` is
        missing for some node.
    radius, thresholds
        Parameters of the density rule.

    Returns
    -------
    codes : ndarray of int8
        Index into :data:`kaicity.categories.ZONES` per node.
    info : dict
        ``method`` (``"attribute"``, ``"polygons"``, ``"density"`` or a ``+``-joined mix),
        nodes per method, the density thresholds and radius when density was used.
    """
    n = len(x)
    codes = np.full(n, -1, dtype=np.int8)
    used: dict[str, int] = {}
    if attribute is not None:
        have = np.array([a is not None and not (isinstance(a, float) and np.isnan(a)) for a in attribute],
                        dtype=bool)
        if have.any():
            vals = [a for a, h in zip(attribute, have, strict=True) if h]
            codes[have] = zone_codes(vals)
            used["attribute"] = int(have.sum())
    if polygons is not None and (codes < 0).any():
        todo = codes < 0
        poly = zones_from_polygons(lon[todo], lat[todo], polygons)
        sub = codes[todo]
        sub[poly >= 0] = poly[poly >= 0]
        codes[todo] = sub
        used["polygons"] = int((poly >= 0).sum())
    info: dict = {}
    if (codes < 0).any():
        todo = codes < 0
        dens = node_density(x, y, radius=radius)
        codes[todo] = zones_from_density(dens[todo], thresholds=thresholds)
        used["density"] = int(todo.sum())
        core_min, suburb_min = thresholds or (CORE_MIN_DENSITY, SUBURB_MIN_DENSITY)
        info.update(density_radius_m=radius, core_min_density=core_min, suburb_min_density=suburb_min,
                    median_density=round(float(np.median(dens)), 1))
    info["method"] = "+".join(used) if used else "density"
    info["nodes_by_method"] = used
    return codes, info
