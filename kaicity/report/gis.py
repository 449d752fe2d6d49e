"""GIS outputs of a run and of a comparison: ``layers.gpkg``, ``trips.parquet``, ``difference.gpkg`` and maps.

A run writes (beside ``summary.json``):

* ``layers.gpkg`` (GeoPackage; open it in QGIS), layers

  - ``grid_kpis``: square cells of :data:`~kaicity.geo.GRID_SIZE_M` m in the city's projected CRS
    (UTM, e.g. EPSG:32652), one row per cell with needs: residents and, for each group (all,
    elderly, non_elderly, child, adult), needs, met share, forgone, forgone share, mean time to
    service and effective access (:mod:`kaicity.metrics.areas`); a need belongs to the cell of its
    resident's home;
  - ``reporting_zone_kpis`` (with ``city.reporting_zones``): the same per reporting zone, in the
    city's projected CRS;
  - ``facilities`` (EPSG:4326): every facility and support centre with needs met there, forgone
    there, visitors turned away by a full queue and queue times (:mod:`kaicity.metrics.places`);
  - ``drt_stops`` (EPSG:4326, with DRT): pickup points with pickups, drop-offs and rejected
    requests (a rejection counts at the pickup point of where the request was made);
  - ``bus_stops`` (EPSG:4326, with buses): stops with their lines and boardings;

* ``trips.parquet``: ``trips.csv`` plus the place, origin and destination node ids and lon/lat
  (EPSG:4326), the day, the grid cell and the reporting zone of each need;
* maps: ``map_unmet_elderly.png`` and, with DRT, ``map_drt_rejections.png``.

A comparison writes ``difference.gpkg``: each scenario minus the first, per grid cell (and per
reporting zone), paired on the same grid; with several seeds the mean of the per-seed differences.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.geo import GRID_SIZE_M, grid_cells, grid_polygons, load_reporting_zones
from kaicity.metrics.areas import AREA_GROUPS, area_blocks, area_table
from kaicity.metrics.places import drt_stop_activity, facility_load
from kaicity.plots.maps import attribution, grid_map
from kaicity.report.common import _fmt

#: CRS of the lon/lat layers and columns.
WGS84 = "EPSG:4326"
LAYERS_FILE, TRIPS_FILE, DIFFERENCE_FILE = "layers.gpkg", "trips.parquet", "difference.gpkg"


# ----------------------------------------------------------------------------- inputs
def check_reporting_zones(scenario) -> None:
    """Read the scenario's reporting-zone layer, if any, so that a bad file fails before a run starts."""
    from kaicity.geo import read_reporting_zones

    city = scenario.city
    if city.reporting_zones is not None:
        read_reporting_zones(city.reporting_zones, city.reporting_zones_name)


def reporting_zones(model):
    """The run's :class:`~kaicity.geo.ReportingZones` (None without ``city.reporting_zones``)."""
    city = model.scenario.city
    if city.reporting_zones is None:
        return None
    walk = model.city.walk
    return load_reporting_zones(city.reporting_zones, city.reporting_zones_name, walk.lon, walk.lat)


def _homes(model, trips: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.population.home)[trips["resident"].to_numpy(dtype=np.int64)]


def zone_kpis(model, trips: pd.DataFrame, zones) -> dict:
    """``kpis.by_reporting_zone``: the needs block, effective access and by group of each zone with walk nodes."""
    names = [n for i, n in enumerate(zones.names) if (zones.node_zone == i).any()]
    return area_blocks(trips, zones.label_of_nodes(_homes(model, trips)), names, model.population.scale)


# ----------------------------------------------------------------------------- tables
def trips_table(model, trips: pd.DataFrame, zones=None) -> pd.DataFrame:
    """``trips.parquet``: ``trips.csv``'s columns plus place, origin/destination nodes and lon/lat, day, cell, zone."""
    walk = model.city.walk
    n = len(trips)
    place = np.asarray(model.log.place[:n], dtype=np.int64)
    place_node = np.array([p.node for p in model.places] + [-1], dtype=np.int64)
    dest = place_node[np.where(place >= 0, place, len(model.places))]
    origin = _homes(model, trips)
    cells = grid_cells(walk.x[origin], walk.y[origin], walk.crs)
    safe = np.maximum(dest, 0)
    extra = pd.DataFrame({
        "day": np.floor(trips["t_need_min"].to_numpy(dtype=float) / 1440.0).astype(np.int64),
        "place": place,
        "origin_node": origin,
        "origin_lon": walk.lon[origin], "origin_lat": walk.lat[origin],
        "destination_node": dest,
        "destination_lon": np.where(dest >= 0, walk.lon[safe], np.nan),
        "destination_lat": np.where(dest >= 0, walk.lat[safe], np.nan),
        "cell": cells.key,
        "reporting_zone": zones.label_of_nodes(origin) if zones is not None else None,
    }, index=trips.index)
    out = pd.concat([trips, extra], axis=1)
    out.attrs["crs"] = WGS84
    return out


def _points(df: pd.DataFrame, lon, lat):
    import geopandas as gpd

    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


def grid_layer(model, table: pd.DataFrame):
    """``grid_kpis``: :func:`~kaicity.metrics.areas.area_table` by grid cell, with residents, as square polygons."""
    import geopandas as gpd

    walk, pop = model.city.walk, model.population
    kpi = area_table(table, table["cell"], pop.scale)
    home_cells = grid_cells(walk.x[pop.home], walk.y[pop.home], walk.crs).key
    residents = pd.Series(home_cells).value_counts() * pop.scale
    ij = np.array([[int(v) for v in str(k).split("_")] for k in kpi.index], dtype=np.int64).reshape(-1, 2)
    df = pd.DataFrame({"cell": kpi.index.astype(str), "ix": ij[:, 0], "iy": ij[:, 1],
                       "residents": residents.reindex(kpi.index).fillna(0).to_numpy()})
    df = pd.concat([df, kpi.reset_index(drop=True)], axis=1)
    return gpd.GeoDataFrame(df, geometry=grid_polygons(df["ix"], df["iy"], GRID_SIZE_M), crs=walk.crs)


def zone_layer(model, table: pd.DataFrame, zones):
    """``reporting_zone_kpis``: the area table by reporting zone, polygons in the city's projected CRS."""
    import geopandas as gpd

    kpi = area_table(table, table["reporting_zone"], model.population.scale)
    layer = zones.layer[[(zones.node_zone == i).any() for i in range(len(zones.names))]]
    df = pd.DataFrame({"name": layer["name"].to_numpy()})
    df = pd.concat([df, kpi.reindex(df["name"]).reset_index(drop=True)], axis=1)
    for g in AREA_GROUPS:
        df[[f"needs_{g}", f"forgone_{g}"]] = df[[f"needs_{g}", f"forgone_{g}"]].fillna(0.0)
    return gpd.GeoDataFrame(df, geometry=layer.geometry.values, crs=zones.layer.crs).to_crs(model.city.walk.crs)


def facility_layer(model, table: pd.DataFrame):
    """``facilities``: every place with its load (needs met and forgone there, turned away, queue times)."""
    walk, scale = model.city.walk, model.population.scale
    places = model.places
    load = facility_load(table, table["place"].to_numpy(), len(places), scale)
    node = np.array([p.node for p in places], dtype=np.int64)
    df = pd.DataFrame({
        "place": np.arange(len(places)),
        "kind": ["support_centre" if p.category == "support_centre" else "facility" for p in places],
        "category": [p.category for p in places],
        "name": [p.name for p in places],
        "node": node,
        "servers": [p.queue.servers for p in places],
        "served_sessions": [p.queue.served * scale for p in places],
        "turned_away": [p.rejected * scale for p in places],
        "busy_hours": [p.queue.busy_s / 3600.0 for p in places],
    })
    return _points(pd.concat([df, load], axis=1), walk.lon[node], walk.lat[node])


def _request_origins(model, trip_ids: np.ndarray) -> np.ndarray:
    """Walk node each transit request started from: home on the way out, the place on the way home."""
    n_log = model.log.n
    out = np.empty(len(trip_ids), dtype=np.int64)
    homes = np.asarray(model.population.home)
    for k, t in enumerate(trip_ids):
        if t < n_log:
            out[k] = homes[model.owner(int(t))]
        else:
            out[k] = model.places[int(model.log.place[t - n_log])].node
    return out


def drt_rejection_origins(model) -> np.ndarray:
    """Walk node of every rejected DRT request (empty without DRT)."""
    if model.drt is None:
        return np.zeros(0, dtype=np.int64)
    from kaicity.services.drt.log import REASONS

    rejected = np.array([t for t, s in model.drt.log.trips.items() if s in REASONS], dtype=np.int64)
    return _request_origins(model, rejected)


def drt_layer(model, origins: np.ndarray):
    """``drt_stops``: pickup points (virtual stops, or doors) with pickups, drop-offs and rejections."""
    drt, drive = model.drt, model.city.drive
    rejected_at = drt.area.access_node[origins] if len(origins) else np.zeros(0, dtype=np.int64)
    act = drt_stop_activity(drt.schedule.rides, rejected_at)
    nodes = np.union1d(np.asarray(drt.area.stops, dtype=np.int64), act.index.to_numpy(dtype=np.int64))
    act = act.reindex(nodes, fill_value=0)
    df = pd.DataFrame({"node": nodes, "virtual_stop": np.isin(nodes, drt.area.stops),
                       "pickups": act["pickups"].to_numpy(), "dropoffs": act["dropoffs"].to_numpy(),
                       "rejections": act["rejections"].to_numpy()})
    return _points(df, drive.lon[nodes], drive.lat[nodes])


def bus_layer(model):
    """``bus_stops``: every stop (drive node) with the lines stopping there and its boardings."""
    bus, drive = model.bus, model.city.drive
    lines: dict[int, set[str]] = {}
    for p in bus.patterns:
        for s in p.stops:
            lines.setdefault(int(s), set()).add(p.line.rstrip("r"))
    nodes = np.array(sorted(lines), dtype=np.int64)
    df = pd.DataFrame({"node": nodes, "lines": [",".join(sorted(lines[int(s)])) for s in nodes],
                       "boardings": [int(bus.boardings_by_stop.get(int(s), 0)) for s in nodes]})
    return _points(df, drive.lon[nodes], drive.lat[nodes])


# ----------------------------------------------------------------------------- writing
def _write_layers(path: Path, layers: dict) -> None:
    path.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def write_gis(model, trips: pd.DataFrame, out: Path, zones=None) -> tuple[list[str], list[str]]:
    """Write ``layers.gpkg``, ``trips.parquet`` and the maps of a run.

    Returns
    -------
    (list of str, list of str)
        The map file names, and Markdown lines describing the GIS outputs for ``report.md``.
    """
    out = Path(out)
    table = trips_table(model, trips, zones)
    table.to_parquet(out / TRIPS_FILE, index=False)
    grid = grid_layer(model, table)
    layers = {"grid_kpis": grid}
    if zones is not None:
        layers["reporting_zone_kpis"] = zone_layer(model, table, zones)
    layers["facilities"] = facility_layer(model, table)
    origins = drt_rejection_origins(model)
    if model.drt is not None:
        layers["drt_stops"] = drt_layer(model, origins)
    if model.bus is not None:
        layers["bus_stops"] = bus_layer(model)
    _write_layers(out / LAYERS_FILE, layers)
    maps = run_maps(model, grid, origins, out)
    crs = model.city.walk.crs
    notes = ["## GIS outputs", "",
             f"- `{LAYERS_FILE}` (GeoPackage): " + ", ".join(
                 f"`{n}` ({crs if g.crs.to_string() == crs else WGS84})" for n, g in layers.items())
             + f"; grid cells of {GRID_SIZE_M:g} m; a need counts in the cell (zone) of its resident's home.",
             f"- `{TRIPS_FILE}`: one row per need with origin/destination node ids and lon/lat ({WGS84}), "
             "mode, channel, delivery, times and day.", ""]
    return maps, notes


def run_maps(model, grid, origins: np.ndarray, out: Path) -> list[str]:
    """``map_unmet_elderly.png`` and, with DRT, ``map_drt_rejections.png``."""
    walk, name = model.city.walk, model.scenario.name
    credit = attribution(model.scenario.city.is_synthetic)
    maps = [grid_map(walk, grid["ix"], grid["iy"], grid["forgone_elderly"].where(grid["needs_elderly"] > 0),
                     GRID_SIZE_M, out / "map_unmet_elderly.png", credit=credit,
                     title=f"Unmet (forgone) needs of the elderly — {name}", label="forgone needs (people)")]
    if model.drt is not None:
        cells = grid_cells(walk.x[origins], walk.y[origins], walk.crs)
        counts = pd.DataFrame({"ix": cells.ix, "iy": cells.iy}).value_counts().reset_index(name="n")
        maps.append(grid_map(walk, counts["ix"], counts["iy"], counts["n"] * model.population.scale, GRID_SIZE_M,
                             out / "map_drt_rejections.png", credit=credit,
                             title=f"DRT requests rejected, by where they were made — {name}",
                             label="rejected requests (people)"))
    return maps


def zone_lines(summary: dict) -> list[str]:
    """``report.md``'s table of needs by reporting zone (none without reporting zones)."""
    by = summary["kpis"].get("by_reporting_zone")
    if not by:
        return []
    lines = ["## Needs by reporting zone", "",
             "| zone | needs | met | forgone | mean time to service (min) | elderly: met | elderly: effective "
             "access |", "|---|---|---|---|---|---|---|"]
    for name, b in by.items():
        e = b["by_group"]["elderly"]
        lines.append(f"| {name} | {_fmt(b['needs'])} | {_fmt(b['met_share'], True)} | "
                     f"{_fmt(b['unmet_share'], True)} | {_fmt(b['time_to_service_min']['mean'])} | "
                     f"{_fmt(e['met_share'], True)} | {_fmt(e['effective_index'], True)} |")
    inside = sum(b["needs"] for b in by.values())
    total = summary["kpis"]["overall"]["needs"]
    if total and inside < total:
        lines += ["", f"{_fmt(total - inside)} needs ({_fmt((total - inside) / total, True)}) came from homes "
                      "outside every reporting zone and are in no row above."]
    return [*lines, ""]


# ----------------------------------------------------------------------------- comparison
#: Layers differenced in ``difference.gpkg``: (run layer, its key column, difference layer).
DIFFERENCE_LAYERS = (("grid_kpis", "cell", "grid_difference"),
                     ("reporting_zone_kpis", "name", "reporting_zone_difference"))


def _kpi_columns(columns) -> list[str]:
    from kaicity.metrics.areas import AREA_METRICS

    return [c for c in columns if any(c == f"{m}_{g}" for m in AREA_METRICS for g in AREA_GROUPS)]


def layer_difference(base, other, key: str):
    """``other - base`` of every KPI column, per feature (outer join on ``key``; counts of a missing feature = 0).

    Both are layers written by :func:`write_gis` (the same grid, or the same zones); the result keeps
    the geometry of the feature (from ``base``, else ``other``) and the CRS.
    """
    import geopandas as gpd

    a, b = base.set_index(key), other.set_index(key)
    cols = [c for c in _kpi_columns(a.columns) if c in b.columns]
    index = a.index.union(b.index, sort=False)
    a_, b_ = a[cols].reindex(index), b[cols].reindex(index)
    counts = [c for c in cols if c.startswith(("needs_", "forgone_"))]
    a_[counts], b_[counts] = a_[counts].fillna(0.0), b_[counts].fillna(0.0)
    geometry = a.geometry.reindex(index).fillna(b.geometry.reindex(index))
    diff = (b_ - a_).reset_index().rename(columns={"index": key})
    extra = [c for c in ("ix", "iy") if c in a.columns]
    if extra:
        ij = a[extra].reindex(index).fillna(b[extra].reindex(index)).astype(np.int64).reset_index(drop=True)
        diff = pd.concat([diff[[key]], ij, diff.drop(columns=[key])], axis=1)
    return gpd.GeoDataFrame(diff, geometry=geometry.to_numpy(), crs=base.crs)


def _mean_difference(diffs: list, key: str):
    """The mean over seeds of per-seed difference layers (features present in any seed)."""
    import geopandas as gpd

    if len(diffs) == 1:
        return diffs[0]
    both = pd.concat(diffs, ignore_index=True)
    cols = _kpi_columns(both.columns)
    mean = both.groupby(key, sort=False)[cols].mean()
    first = both.drop_duplicates(key).set_index(key)
    extra = [c for c in ("ix", "iy") if c in first.columns]
    df = pd.concat([first[extra], mean], axis=1).reset_index()
    return gpd.GeoDataFrame(df, geometry=first.geometry.reindex(df[key]).to_numpy(), crs=diffs[0].crs)


def write_difference(out: Path, summaries: list[dict], folders: list[str], seeds: list[int]) -> tuple[list[str],
                                                                                                      list[str]]:
    """Write ``difference.gpkg`` and the difference maps of a comparison from its runs' ``layers.gpkg``.

    Parameters
    ----------
    out
        The comparison folder; run ``j`` at seed ``s`` is in ``seed-<s>/<folders[j]>/`` (``<folders[j]>/``
        with one seed).
    summaries
        The scenarios' (mean) summaries, the first being the baseline.
    folders, seeds
        Each scenario's sub-folder and the seeds run.

    Returns
    -------
    (list of str, list of str)
        Map file names and Markdown lines for ``comparison.md`` (both empty when a run has no layers).
    """
    import geopandas as gpd
    import pyogrio

    from kaicity.paired import seed_folder

    out = Path(out)
    runs = [[out / seed_folder(s, len(seeds)) / f / LAYERS_FILE for f in folders] for s in seeds]
    if not all(p.is_file() for r in runs for p in r):
        return [], []
    names = [s["scenario"] for s in summaries]
    present = set(pyogrio.list_layers(runs[0][0])[:, 0])
    layers, maps = {}, []
    for j in range(1, len(names)):
        suffix = "" if len(names) == 2 else f"_{folders[j]}"
        for layer, key, diff_name in DIFFERENCE_LAYERS:
            if layer not in present:
                continue
            diffs = [layer_difference(gpd.read_file(r[0], layer=layer, engine="pyogrio"),
                                      gpd.read_file(r[j], layer=layer, engine="pyogrio"), key) for r in runs]
            layers[diff_name + suffix] = _mean_difference(diffs, key)
        grid = layers["grid_difference" + suffix]
        synthetic = str((summaries[0].get("city") or {}).get("source", "")).startswith("synthetic")
        maps.append(grid_map(None, grid["ix"], grid["iy"], grid["forgone_elderly"], GRID_SIZE_M,
                             out / f"map_difference{suffix}.png", diverging=True, cmap="RdBu_r",
                             crs=grid.crs.to_string(), credit=attribution(synthetic),
                             title=f"Forgone needs of the elderly: {names[j]} − {names[0]}",
                             label="difference in forgone needs (people)"))
    _write_layers(out / DIFFERENCE_FILE, layers)
    mean = f"mean over {len(seeds)} seeds of the paired differences" if len(seeds) > 1 else "one paired run"
    notes = ["## Maps and GIS layers", "",
             f"`{DIFFERENCE_FILE}` (GeoPackage, {next(iter(layers.values())).crs.to_string()}): each scenario minus "
             f"{names[0]} per {GRID_SIZE_M:g} m grid cell" + (" and reporting zone" if any(
                 k.startswith("reporting") for k in layers) else "") + f" ({mean}); layers "
             + ", ".join(f"`{k}`" for k in layers) + ". Red cells: more forgone needs of the elderly than in "
             f"{names[0]}; blue: fewer.", ""]
    return maps, notes
