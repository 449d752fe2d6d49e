"""Facilities from a user's table or layer (``city.facilities_file``).

A CSV with ``category``, ``name``, ``lon``, ``lat`` (WGS84), or a GeoPackage / GeoParquet / GeoJSON
layer with ``category``, ``name`` and point or polygon geometries (a polygon is reduced to a
representative point).  Optional columns:

* ``capacity_per_hour``: people served per hour at this place (else ``facilities.capacity_per_hour``
  of its category);
* ``opening_hours``: ``HH-HH`` or ``HH:MM-HH:MM`` (e.g. ``09-18``, ``08:30-17:30``; ``00-24`` always
  open; else ``facilities.opening_hours`` of its category).

``category`` is one of :data:`kaicity.categories.CATEGORIES`.  Facilities snap to the nearest walk and
drive node; rows farther than :data:`~kaicity.network.facilities.MAX_SNAP_DISTANCE_M` from the walk
graph lie outside the mapped streets and are left out (counted in the note).  Their ``source`` is
``"file"``: real places, like ``"osm"``, as opposed to ``"synthetic"`` ones placed by a rule.

``mode``: ``add`` puts them beside the city's OSM and rule-placed facilities; ``replace`` drops the
city's facilities of every category the file has and keeps the others.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.categories import CATEGORIES
from kaicity.errors import FacilityError, InputFileError
from kaicity.network.city import FACILITY_COLUMNS
from kaicity.network.facilities import MAX_SNAP_DISTANCE_M
from kaicity.network.layers import read_layer
from kaicity.network.snapping import lonlat_to_xy, snap_xy

WHAT = "facilities file"
FILE_MODES: tuple[str, ...] = ("add", "replace")
#: Extra columns of :attr:`City.facilities` when a file set them (NaN: the category's default).
EXTRA_COLUMNS: tuple[str, ...] = ("capacity_per_hour", "open_h", "close_h")
_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")
#: Order of sources within a category in the facility table.
SOURCE_ORDER: dict[str, int] = {"osm": 0, "file": 1, "synthetic": 2}


def parse_hours(text, where: str) -> tuple[float, float]:
    """``"09-18"`` / ``"08:30-17:30"`` -> (open, close) hours; NaN / empty -> (nan, nan)."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return math.nan, math.nan
    m = _HOURS.match(str(text))
    if m:
        a = int(m.group(1)) + int(m.group(2) or 0) / 60.0
        b = int(m.group(3)) + int(m.group(4) or 0) / 60.0
        if 0 <= a < b <= 24:
            return a, b
    raise InputFileError(f"{where}: opening_hours {text!r} is not HH-HH or HH:MM-HH:MM with open < close "
                         "within 00-24 (e.g. 09-18)")


def read_facilities_file(path: str | Path, *, layer: str | None = None) -> pd.DataFrame:
    """The file's facilities: ``category, name, lon, lat, capacity_per_hour, open_h, close_h``.

    Raises
    ------
    InputFileError
        Unreadable file, no CRS, no ``category`` column, an unknown category, a capacity that is not a
        number > 0, bad opening hours.
    """
    gdf = read_layer(path, layer=layer, what=WHAT)
    if "category" not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns if c != "geometry")
        raise InputFileError(f"{path}: the {WHAT} has no 'category' column (columns: {cols}); add one with "
                             f"{', '.join(CATEGORIES)}")
    cats = gdf["category"].astype(str).str.strip().str.lower()
    bad = np.flatnonzero(~cats.isin(CATEGORIES).to_numpy())
    if len(bad):
        i = int(bad[0])
        raise InputFileError(f"{path}: row {i + 1}: unknown category {gdf['category'].iloc[i]!r}; use one of "
                             f"{', '.join(CATEGORIES)}")
    pts = gdf.geometry.representative_point()
    names = gdf["name"].fillna("").astype(str) if "name" in gdf.columns else pd.Series([""] * len(gdf))
    out = pd.DataFrame({"category": cats.to_numpy(), "name": names.to_numpy(), "lon": pts.x.to_numpy(),
                        "lat": pts.y.to_numpy()})
    cap = np.full(len(gdf), np.nan)
    if "capacity_per_hour" in gdf.columns:
        raw = gdf["capacity_per_hour"]
        cap = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        given = raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
        wrong = np.flatnonzero(given & ~(cap > 0))
        if len(wrong):
            i = int(wrong[0])
            raise InputFileError(f"{path}: row {i + 1}: capacity_per_hour {raw.iloc[i]!r} is not a number > 0; "
                                 "give people per hour or leave it empty")
    out["capacity_per_hour"] = cap
    hours = [parse_hours(h, f"{path}: row {i + 1}") for i, h in
             enumerate(gdf["opening_hours"] if "opening_hours" in gdf.columns else [None] * len(gdf))]
    out["open_h"] = [h[0] for h in hours]
    out["close_h"] = [h[1] for h in hours]
    return out


def add_facilities_file(city, path: str | Path, *, mode: str = "add", layer: str | None = None,
                        max_snap_distance: float = MAX_SNAP_DISTANCE_M) -> tuple[pd.DataFrame, dict]:
    """``city.facilities`` with the file's facilities added (``mode="add"``) or in place of the city's
    facilities of the file's categories (``mode="replace"``).

    Returns
    -------
    facilities : pandas.DataFrame
        Columns :data:`~kaicity.network.city.FACILITY_COLUMNS` plus :data:`EXTRA_COLUMNS`, sorted by
        category then source (``osm``, ``file``, ``synthetic``), ``facility_id`` renumbered.
    note : dict
        ``file``, ``mode``, ``rows``, ``off_network`` (rows left out), ``replaced`` (city facilities dropped).

    Raises
    ------
    FacilityError
        Unknown mode; no row of the file near the street network.
    """
    if mode not in FILE_MODES:
        raise FacilityError(f"unknown facilities file mode {mode!r}; use one of {', '.join(FILE_MODES)}")
    table = read_facilities_file(path, layer=layer)
    walk, drive = city.walk, city.drive
    x, y = lonlat_to_xy(table["lon"].to_numpy(), table["lat"].to_numpy(), walk.crs)
    node, _ = snap_xy(walk, x, y, max_distance=max_snap_distance)
    on = node >= 0
    if not on.any():
        raise FacilityError(f"{path}: no facility of the file lies within {max_snap_distance:g} m of the city's "
                            "streets; check the coordinates (lon/lat order, CRS) or the city")
    dnode, _ = snap_xy(drive, x[on], y[on])
    mine = table[on].assign(node=node[on], drive_node=dnode, x=x[on], y=y[on], source="file")
    base = city.facilities.copy()
    replaced = 0
    if mode == "replace":
        drop = base["category"].isin(set(mine["category"]))
        replaced = int(drop.sum())
        base = base[~drop]
    for c in EXTRA_COLUMNS:
        if c not in base.columns:
            base[c] = np.nan
    df = pd.concat([base, mine], ignore_index=True)
    order = {c: i for i, c in enumerate(CATEGORIES)}
    df = df.assign(_c=df["category"].map(order), _s=df["source"].map(SOURCE_ORDER).fillna(3))
    df = df.sort_values(["_c", "_s"], kind="stable").drop(columns=["_c", "_s"]).reset_index(drop=True)
    df["facility_id"] = np.arange(len(df), dtype=np.int64)
    df["node"] = df["node"].astype(np.int32)
    df["drive_node"] = df["drive_node"].astype(np.int32)
    df = df[list(FACILITY_COLUMNS) + list(EXTRA_COLUMNS)]
    note = {"file": str(path), "mode": mode, "rows": int(len(table)), "off_network": int((~on).sum()),
            "replaced": replaced}
    return df, note


def facilities_by_source(facilities: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per category: ``{"real": OSM or file facilities, "placed": placed by a rule}``."""
    real = facilities["source"].isin(("osm", "file"))
    out = {}
    for c in CATEGORIES:
        m = facilities["category"] == c
        out[c] = {"real": int((m & real).sum()), "placed": int((m & ~real).sum())}
    return out
