"""Reporting zones: polygons (e.g. 행정동 boundaries) read from a file, and the zone of every walk node.

A reporting zone only groups results; it changes nothing in the model.  The layer may be a
GeoPackage, GeoJSON, Shapefile (read with pyogrio) or GeoParquet (read with pyarrow), in any CRS
it states.  Every mistake is one line naming the file (and the feature) and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kaicity.errors import GeometryError, InputFileError

#: Name columns tried, in order, when none is given: ``name``, then the 행정동 boundary
#: files' ``ADM_NM`` / ``adm_nm`` (통계청 SGIS, and the common GeoJSON of them).
AUTO_NAME_COLUMNS = ("name", "Name", "NAME", "ADM_NM", "adm_nm")

#: File endings read as GeoParquet; everything else goes to pyogrio (GPKG, GeoJSON, SHP, ...).
PARQUET_SUFFIXES = (".parquet", ".geoparquet")


@dataclass(frozen=True)
class ReportingZones:
    """Named polygons and the zone of each walk node.

    Attributes
    ----------
    names : list of str
        Zone names in file order (features sharing a name form one zone).
    layer : geopandas.GeoDataFrame
        One row per zone (``name``, ``geometry``), dissolved by name, in the file's CRS.
    node_zone : ndarray of int64
        Index into ``names`` of each walk node's zone; -1 outside every polygon.
    path : str
        The file, as given.
    """

    names: list[str]
    layer: object
    node_zone: np.ndarray
    path: str

    def label_of_nodes(self, nodes) -> np.ndarray:
        """Zone name of each walk node in ``nodes`` (``None`` outside every zone)."""
        labels = np.asarray([*self.names, None], dtype=object)
        return labels[self.node_zone[np.asarray(nodes, dtype=np.int64)]]


def read_reporting_zones(path, name_column: str | None = None):
    """Read a polygon layer of reporting zones: a GeoDataFrame with ``name`` and ``geometry`` (its own CRS).

    Raises
    ------
    InputFileError
        Missing or unreadable file, no features, no CRS, no name column, an empty name.
    GeometryError
        A feature without geometry or that is not a polygon.
    """
    import geopandas as gpd

    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"reporting zones file not found: {path}; set city.reporting_zones to a "
                             "GeoPackage, GeoJSON or GeoParquet of polygons (relative to the scenario file)")
    try:
        gdf = gpd.read_parquet(p) if p.suffix.lower() in PARQUET_SUFFIXES else gpd.read_file(p, engine="pyogrio")
    except Exception as exc:  # pyogrio / pyarrow raise many kinds; the first line says what went wrong
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(f"cannot read reporting zones {path}: {first}; save it as a GeoPackage, "
                             "GeoJSON or GeoParquet of polygons") from None
    if len(gdf) == 0:
        raise InputFileError(f"reporting zones {path} has no features; give a layer of polygons")
    if gdf.crs is None:
        raise InputFileError(f"reporting zones {path} has no CRS; set it (e.g. QGIS 'Set layer CRS', or "
                             "ogr2ogr -a_srs EPSG:5186) and save the layer again")
    column = _name_column(gdf, path, name_column)
    _check_geometries(gdf, path, column)
    names = gdf[column]
    for i, v in enumerate(names):
        if v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip():
            raise InputFileError(f"reporting zones {path}: feature {i} has an empty '{column}'; "
                                 "give every polygon a name")
    out = gpd.GeoDataFrame({"name": names.astype(str).str.strip().to_numpy()}, geometry=gdf.geometry.values,
                           crs=gdf.crs)
    order = list(dict.fromkeys(out["name"]))
    dissolved = out.dissolve(by="name", sort=False).reset_index()
    return dissolved.set_index("name").loc[order].reset_index()


def _name_column(gdf, path, name_column: str | None) -> str:
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    if name_column is not None:
        if name_column not in columns:
            raise InputFileError(f"reporting zones {path} has no column '{name_column}' "
                                 f"(city.reporting_zones_name); its columns: {', '.join(map(str, columns))}")
        return name_column
    for c in AUTO_NAME_COLUMNS:
        if c in columns:
            return c
    raise InputFileError(f"reporting zones {path} has no 'name' column; set city.reporting_zones_name to one "
                         f"of its columns: {', '.join(map(str, columns)) or '(none)'}")


def _check_geometries(gdf, path, column: str) -> None:
    geom = gdf.geometry
    bad = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    bad |= ~geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = "no geometry" if geom.iloc[i] is None or geom.iloc[i].is_empty else f"a {geom.iloc[i].geom_type}"
        raise GeometryError(f"reporting zones {path}: feature {i} ({column}={gdf[column].iloc[i]!r}) has {what}; "
                            "every feature must be a polygon")


def zone_of_nodes(zones, lon, lat, path: str = "reporting zones") -> np.ndarray:
    """Index into ``zones`` (a layer from :func:`read_reporting_zones`) of the polygon holding each point.

    Points are lon/lat (EPSG:4326), projected to the layer's CRS; a point on a shared border
    goes to the first zone in file order; -1 outside every polygon.

    Raises
    ------
    GeometryError
        When no point falls in any polygon (the layer misses the network: wrong CRS or place).
    """
    import geopandas as gpd

    pts = gpd.GeoSeries.from_xy(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), crs="EPSG:4326")
    pts = pts.to_crs(zones.crs)
    hit_pt, hit_zone = zones.sindex.query(pts.values, predicate="intersects")
    out = np.full(len(pts), -1, dtype=np.int64)
    if len(hit_pt) == 0:
        b = zones.total_bounds
        raise GeometryError(f"{path}: none of its {len(zones)} polygons (bounds {b[0]:.4g}, {b[1]:.4g}, "
                            f"{b[2]:.4g}, {b[3]:.4g} in {zones.crs.to_string()}) covers a street node of the "
                            "city; check the layer's CRS and that it covers the city")
    order = np.lexsort((hit_zone, hit_pt))  # first zone in file order for each point
    hit_pt, hit_zone = hit_pt[order], hit_zone[order]
    first = np.r_[True, hit_pt[1:] != hit_pt[:-1]]
    out[hit_pt[first]] = hit_zone[first]
    return out


def load_reporting_zones(path, name_column: str | None, lon, lat) -> ReportingZones:
    """Read a reporting-zone layer and place the walk nodes ``(lon, lat)`` in its polygons."""
    layer = read_reporting_zones(path, name_column)
    node_zone = zone_of_nodes(layer, lon, lat, f"reporting zones {path}")
    return ReportingZones(list(layer["name"]), layer, node_zone, str(path))
