"""Reading a user's point or polygon layer (GeoPackage, GeoParquet, GeoJSON, or CSV with lon/lat).

Every layer comes back as a GeoDataFrame in EPSG:4326 with its original columns; a bad file is one
:class:`~kaicity.errors.InputFileError` line that names the file (and the row or feature) and says
what to do.  Row numbers in messages are 1-based data rows (the CSV header is not counted).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.errors import InputFileError

WGS84 = "EPSG:4326"
#: File endings read as layers, and what reads them.
LAYER_SUFFIXES: dict[str, str] = {".gpkg": "file", ".geojson": "file", ".json": "file", ".parquet": "parquet",
                                  ".geoparquet": "parquet", ".csv": "csv"}


def shown(path: str | Path) -> str:
    """The file name used in messages."""
    return str(path)


def read_layer(path: str | Path, *, layer: str | None = None, what: str = "layer"):
    """Read a layer and return it in EPSG:4326.

    Parameters
    ----------
    path
        A ``.gpkg``, ``.parquet``/``.geoparquet``, ``.geojson``/``.json`` or ``.csv`` file.  A CSV needs
        ``lon`` and ``lat`` columns (WGS84 degrees).
    layer
        Layer of a multi-layer GeoPackage (None: the first).
    what
        What the layer holds, for messages (``"population layer"``).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, index reset to 0..n-1.

    Raises
    ------
    InputFileError
        Missing or unreadable file, unknown ending, no CRS, coordinates that are not lon/lat, empty layer.
    """
    import geopandas as gpd

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in LAYER_SUFFIXES:
        raise InputFileError(f"{shown(p)}: a {what} must be one of {', '.join(LAYER_SUFFIXES)}; "
                             f"convert it (e.g. with QGIS or ogr2ogr)")
    if not p.is_file():
        raise InputFileError(f"{shown(p)}: {what} not found; check the path (relative to the scenario file)")
    kind = LAYER_SUFFIXES[suffix]
    try:
        if kind == "csv":
            return _csv_points(p, what)
        gdf = gpd.read_parquet(p) if kind == "parquet" else gpd.read_file(p, layer=layer)
    except InputFileError:
        raise
    except Exception as exc:  # any reader failure is a bad file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{shown(p)}: cannot read the {what} ({first}); check the file") from None
    if len(gdf) == 0:
        raise InputFileError(f"{shown(p)}: the {what} has no features; give at least one")
    if gdf.crs is None:
        raise InputFileError(f"{shown(p)}: the {what} has no CRS; set one (e.g. EPSG:4326 or the Korean "
                             "EPSG:5179) when you save it")
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        i = int(np.flatnonzero((gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy())[0])
        raise InputFileError(f"{shown(p)}: feature {i + 1} of the {what} has no geometry; give it one or drop it")
    gdf = gdf.to_crs(WGS84).reset_index(drop=True)
    _check_lonlat(gdf.total_bounds, p, what)
    return gdf


def _check_lonlat(bounds, p: Path, what: str) -> None:
    west, south, east, north = (float(v) for v in bounds)
    if not (np.isfinite([west, south, east, north]).all() and -180 <= west <= east <= 180
            and -90 <= south <= north <= 90):
        raise InputFileError(f"{shown(p)}: the {what}'s coordinates are not longitudes/latitudes after "
                             "reprojection; its CRS is wrong: set the CRS the coordinates are really in")


def _csv_points(p: Path, what: str):
    import geopandas as gpd

    df = pd.read_csv(p)
    if len(df) == 0:
        raise InputFileError(f"{shown(p)}: the {what} has no rows; give at least one")
    missing = [c for c in ("lon", "lat") if c not in df.columns]
    if missing:
        raise InputFileError(f"{shown(p)}: a CSV {what} needs 'lon' and 'lat' columns (WGS84 degrees); "
                             f"missing {', '.join(missing)} (columns: {', '.join(map(str, df.columns))})")
    for c, lim in (("lon", 180), ("lat", 90)):
        v = pd.to_numeric(df[c], errors="coerce")
        bad = np.flatnonzero((v.isna() | (v.abs() > lim)).to_numpy())
        if len(bad):
            raise InputFileError(f"{shown(p)}: row {bad[0] + 1}: {c} {df[c].iloc[bad[0]]!r} is not a {c} in "
                                 f"degrees (|{c}| <= {lim}); CSV coordinates must be WGS84 lon/lat")
        df[c] = v.astype(float)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)


def numeric_column(gdf, column: str, p: str | Path, what: str, *, required: bool = True) -> np.ndarray | None:
    """``gdf[column]`` as float64, with a one-line error naming the first row that is not a number >= 0.

    Returns None when the column is absent and not ``required``.
    """
    if column not in gdf.columns:
        if not required:
            return None
        cols = ", ".join(str(c) for c in gdf.columns if c != "geometry")
        raise InputFileError(f"{shown(p)}: the {what} has no column {column!r} (columns: {cols}); "
                             "name the right one in the scenario")
    raw = gdf[column]
    v = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(v) | (v < 0))
    if len(bad):
        i = int(bad[0])
        why = "is negative" if np.isfinite(v[i]) else "is not a number"
        raise InputFileError(f"{shown(p)}: feature {i + 1}: {column} {raw.iloc[i]!r} {why}; counts must be "
                             "numbers >= 0")
    return v
