"""Coordinates and snapping: projecting lon/lat to metres and finding nearest nodes.

Everything here is vectorised: one :class:`pyproj.Transformer` call projects a whole
array of points, and one :class:`scipy.spatial.cKDTree` query snaps them.  The KD-tree of
a :class:`~kaicity.network.graph.Graph` is built once and cached on the graph.

Examples
--------
>>> nodes, dist = snap_lonlat(city.walk, [126.95], [37.55])   # doctest: +SKIP
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

from kaicity.errors import GeometryError
from kaicity.network.graph import INDEX_DTYPE, Graph

#: CRS of longitude / latitude input (x = lon, y = lat).
WGS84 = "EPSG:4326"


def utm_crs(lon, lat) -> str:
    """The UTM zone CRS (WGS84 datum) for the centroid of the given points.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (scalars or arrays).

    Returns
    -------
    str
        ``"EPSG:326ZZ"`` north of the equator, ``"EPSG:327ZZ"`` south of it; for Korea
        (124-132 E) this is zone 51 or 52, usually ``"EPSG:32652"``.

    Raises
    ------
    GeometryError
        If there are no points or the coordinates are not valid lon/lat.
    """
    lon = np.asarray(lon, dtype=np.float64).ravel()
    lat = np.asarray(lat, dtype=np.float64).ravel()
    if lon.size == 0 or not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        raise GeometryError("cannot choose a UTM zone: no points or non-finite coordinates")
    if np.abs(lat).max() > 90 or np.abs(lon).max() > 180:
        raise GeometryError(
            f"coordinates are not lon/lat degrees (lon {lon.min():.1f}..{lon.max():.1f}, "
            f"lat {lat.min():.1f}..{lat.max():.1f}); is the graph already projected?")
    # centroid of the bounding box, as OSMnx's projection.project_gdf does
    clon = (lon.min() + lon.max()) / 2.0
    clat = (lat.min() + lat.max()) / 2.0
    zone = int((clon + 180.0) // 6.0) % 60 + 1
    return f"EPSG:{32600 + zone if clat >= 0 else 32700 + zone}"


@lru_cache(maxsize=32)
def transformer(src: str, dst: str) -> Transformer:
    """A cached ``always_xy`` :class:`pyproj.Transformer` from ``src`` to ``dst``."""
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def lonlat_to_xy(lon, lat, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Project lon/lat arrays to ``crs`` (vectorised).

    Returns
    -------
    x, y : ndarray of float64
    """
    x, y = transformer(WGS84, crs).transform(np.asarray(lon, dtype=np.float64),
                                             np.asarray(lat, dtype=np.float64))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def xy_to_lonlat(x, y, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lonlat_to_xy`."""
    lon, lat = transformer(crs, WGS84).transform(np.asarray(x, dtype=np.float64),
                                                 np.asarray(y, dtype=np.float64))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def kdtree(graph: Graph) -> cKDTree:
    """The KD-tree of a graph's projected node coordinates, built once and cached on the graph."""
    tree = graph._cache.get("kdtree")
    if tree is None:
        if graph.n_nodes == 0:
            raise GeometryError(f"{graph.name} graph has no nodes to snap to")
        tree = cKDTree(np.column_stack([graph.x, graph.y]))
        graph._cache["kdtree"] = tree
    return tree


def snap_xy(graph: Graph, x, y, *, max_distance: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node of ``graph`` for each projected point.

    Parameters
    ----------
    graph
        The graph to snap to (its ``x``/``y`` are in ``graph.crs``).
    x, y
        Point coordinates in the same CRS (scalars or arrays of equal length).
    max_distance
        When given, points farther than this (metres) get node ``-1`` and distance ``inf``.

    Returns
    -------
    nodes : ndarray of int32
        Node index per point (``-1`` beyond ``max_distance``).
    dist : ndarray of float64
        Straight-line distance to that node in metres.

    Raises
    ------
    GeometryError
        On mismatched or non-finite coordinates, or an empty graph.
    """
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    y = np.atleast_1d(np.asarray(y, dtype=np.float64))
    if x.shape != y.shape:
        raise GeometryError(f"snapping: x has {x.size} values but y has {y.size}")
    if x.size == 0:
        return np.empty(0, dtype=INDEX_DTYPE), np.empty(0, dtype=np.float64)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise GeometryError("snapping: coordinates must be finite")
    tree = kdtree(graph)
    ub = np.inf if max_distance is None else float(max_distance)
    dist, idx = tree.query(np.column_stack([x.ravel(), y.ravel()]), k=1, distance_upper_bound=ub)
    missing = ~np.isfinite(dist)
    idx = np.where(missing, -1, idx).astype(INDEX_DTYPE)
    return idx.reshape(x.shape), np.asarray(dist, dtype=np.float64).reshape(x.shape)


def snap_lonlat(graph: Graph, lon, lat, *, max_distance: float | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node of ``graph`` for each lon/lat point (projected to ``graph.crs`` first).

    See :func:`snap_xy` for the parameters and return values.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lon.shape != lat.shape:
        raise GeometryError(f"snapping: lon has {lon.size} values but lat has {lat.size}")
    if lon.size and (np.abs(lat).max() > 90 or np.abs(lon).max() > 180):
        raise GeometryError("snapping: lon/lat out of range (did you pass projected x/y? use snap_xy)")
    x, y = lonlat_to_xy(lon, lat, graph.crs)
    return snap_xy(graph, x, y, max_distance=max_distance)


def nearest_node_map(src: Graph, dst: Graph) -> np.ndarray:
    """For every node of ``src``, the index of the nearest node of ``dst`` (int32)."""
    if src.crs != dst.crs:
        x, y = lonlat_to_xy(src.lon, src.lat, dst.crs)
    else:
        x, y = src.x, src.y
    nodes, _ = snap_xy(dst, x, y)
    return nodes
