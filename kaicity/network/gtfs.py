"""Bus lines and departures of one service day from a GTFS feed (``transit.bus.gtfs``), read with gtfs-kit.

What kaicity takes from the feed (a deliberate simplification of GTFS):

* the trips active on the service day (``service_date``, else the busiest day of the feed's first
  week, :meth:`gtfs_kit.Feed.compute_busiest_date`);
* per route and direction one *pattern*: the stops of its longest trip (most stops inside the
  city) in order, snapped to the nearest drive-graph node; every active trip of that route and
  direction runs this pattern, leaving its first stop in the city at the trip's own departure
  time there (``stop_times.txt``); times past 24:00 wrap to the next morning and the day repeats
  on every simulated day;
* the time between stops comes from the drive graph (as for kaicity's own lines), not from the
  feed's arrival times.

The part of a route outside the city (stops farther than ``max_stop_snap_m`` outside the drive
graph's bounding box) is cut off; a stop *inside* the box but farther than ``max_stop_snap_m``
from any road is an error naming the stop, as are a feed with a missing required file, a feed
with no service on the day, and a feed none of whose stops lies in the city.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kaicity.errors import InputFileError
from kaicity.network.graph import Graph
from kaicity.network.snapping import lonlat_to_xy, snap_xy

#: Files a feed must have for kaicity (plus calendar.txt or calendar_dates.txt).
REQUIRED_FILES: tuple[str, ...] = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
DAY_S = 86_400.0


@dataclass(frozen=True)
class GtfsPattern:
    """One route direction: its stops on the drive graph and the departures of the service day.

    Attributes
    ----------
    name : str
        Route short name (else long name, else id) and ``/`` direction id.
    route_id : str
    stop_ids, stop_names : list of str, in order.
    nodes : int32 drive-node index of each stop.
    snap_m : float64 distance of each stop to its drive node (m).
    departures_s : float64 sorted seconds after midnight at which runs leave the first stop.
    """

    name: str
    route_id: str
    stop_ids: list[str]
    stop_names: list[str]
    nodes: np.ndarray
    snap_m: np.ndarray
    departures_s: np.ndarray


@dataclass(frozen=True)
class GtfsTimetable:
    """The patterns of a feed on one service day, and a note on what was read (``report``)."""

    patterns: list[GtfsPattern]
    service_date: str
    report: dict = field(default_factory=dict)


def _check_files(p: Path) -> None:
    if not p.is_file():
        raise InputFileError(f"{p}: GTFS feed not found; check transit.bus.gtfs (relative to the scenario file)")
    try:
        with zipfile.ZipFile(p) as z:
            names = {Path(n).name for n in z.namelist()}
    except zipfile.BadZipFile:
        raise InputFileError(f"{p}: not a zip file; a GTFS feed is a zip of .txt tables") from None
    missing = [f for f in REQUIRED_FILES if f not in names]
    if not {"calendar.txt", "calendar_dates.txt"} & names:
        missing.append("calendar.txt or calendar_dates.txt")
    if missing:
        raise InputFileError(f"{p}: the GTFS feed has no {', '.join(missing)}; a feed needs "
                             f"{', '.join(REQUIRED_FILES)} and a calendar")


def _seconds(text: pd.Series) -> np.ndarray:
    """``HH:MM:SS`` (hours may pass 24) -> seconds; NaN where empty."""
    parts = text.astype(str).str.strip().str.split(":", expand=True)
    if parts.shape[1] < 3:
        return np.full(len(text), np.nan)
    h, m, s = (pd.to_numeric(parts[i], errors="coerce") for i in range(3))
    return (h * 3600 + m * 60 + s).to_numpy(dtype=float)


def service_day(feed, path, service_date: str | None) -> tuple[str, pd.DataFrame]:
    """The service day (``YYYYMMDD``) and its active trips; one-line error when it has none."""
    dates = feed.get_dates()
    if not dates:
        raise InputFileError(f"{path}: the GTFS feed's calendar has no service day; check calendar.txt")
    if service_date is None:
        service_date = feed.compute_busiest_date(feed.get_first_week() or dates[:7])
    trips = feed.get_trips(service_date)
    if trips is None or len(trips) == 0:
        raise InputFileError(f"{path}: the GTFS feed has no service on {service_date} (its calendar runs "
                             f"{dates[0]}..{dates[-1]}); set transit.bus.gtfs.service_date to a day it serves")
    return service_date, trips


def _route_names(routes: pd.DataFrame) -> dict[str, str]:
    out = {}
    for r in routes.itertuples(index=False):
        name = ""
        for col in ("route_short_name", "route_long_name"):
            v = getattr(r, col, None)
            if isinstance(v, str) and v.strip():
                name = v.strip()
                break
        out[str(r.route_id)] = name or str(r.route_id)
    return out


def read_bus_timetable(path: str | Path, drive: Graph, *, service_date: str | None = None,
                       max_stop_snap_m: float = 150.0) -> GtfsTimetable:
    """The bus patterns of a GTFS feed on one service day, on ``drive`` (see the module docs).

    Raises
    ------
    InputFileError
        Missing file or required table, unreadable feed, no service on the day, no stop in the city, a
        stop in the city farther than ``max_stop_snap_m`` from the drive graph.
    """
    import gtfs_kit as gk

    p = Path(path)
    _check_files(p)
    try:
        feed = gk.read_feed(p, dist_units="km")
    except Exception as exc:  # any reader failure is a bad feed
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{p}: cannot read the GTFS feed ({first}); check it with a GTFS validator") from None
    day, trips = service_day(feed, p, service_date)
    st = feed.stop_times[feed.stop_times["trip_id"].isin(trips["trip_id"])]
    stops = feed.stops.set_index("stop_id")
    used = stops.loc[stops.index.intersection(st["stop_id"].unique())]
    lon, lat = used["stop_lon"].to_numpy(float), used["stop_lat"].to_numpy(float)
    x, y = lonlat_to_xy(lon, lat, drive.crs)
    pad = float(max_stop_snap_m)
    inside = ((x >= drive.x.min() - pad) & (x <= drive.x.max() + pad)
              & (y >= drive.y.min() - pad) & (y <= drive.y.max() + pad))
    if not inside.any():
        raise InputFileError(f"{p}: no stop of the GTFS feed's trips on {day} lies in the city "
                             f"(within {pad:g} m of its drive network's bounding box); the feed does not cover it")
    node, dist = snap_xy(drive, x[inside], y[inside])
    far = np.flatnonzero(dist > pad)
    if len(far):
        i = int(far[0])
        sid = used.index[inside][i]
        name = used["stop_name"].iloc[np.flatnonzero(inside)[i]] if "stop_name" in used.columns else ""
        raise InputFileError(f"{p}: stop {sid} ({name}) is {dist[i]:,.0f} m from the nearest road of the city "
                             f"(limit transit.bus.gtfs.max_stop_snap_m = {pad:g} m); fix its stop_lat/stop_lon or "
                             "raise the limit")
    snap = pd.DataFrame({"node": node, "snap_m": dist}, index=used.index[inside])
    st = st[st["stop_id"].isin(snap.index)].sort_values(["trip_id", "stop_sequence"])
    st = st.assign(dep=_seconds(st["departure_time"].fillna(st["arrival_time"])))
    trip_info = trips.set_index("trip_id")
    direction = trip_info["direction_id"] if "direction_id" in trip_info.columns else pd.Series(0, trip_info.index)
    names = _route_names(feed.routes)
    patterns = []
    by_trip = {tid: g for tid, g in st.groupby("trip_id", sort=True)}
    groups: dict[tuple[str, str], list[str]] = {}
    for tid, g in by_trip.items():
        if len(g) >= 2:
            d = direction.get(tid)
            key = (str(trip_info.at[tid, "route_id"]), "0" if pd.isna(d) else str(int(d)))
            groups.setdefault(key, []).append(tid)
    for (route, d), tids in sorted(groups.items()):
        longest = max(tids, key=lambda t: (len(by_trip[t]), t))
        g = by_trip[longest]
        ids = [str(s) for s in g["stop_id"]]
        deps = np.array([by_trip[t]["dep"].iloc[0] for t in tids], dtype=float)
        deps = np.sort(np.mod(deps[np.isfinite(deps)], DAY_S))
        if not len(deps):
            continue
        patterns.append(GtfsPattern(
            name=f"{names.get(route, route)}/{d}", route_id=route, stop_ids=ids,
            stop_names=[str(stops.at[s, "stop_name"]) if "stop_name" in stops.columns else "" for s in ids],
            nodes=snap.loc[ids, "node"].to_numpy(np.int32), snap_m=snap.loc[ids, "snap_m"].to_numpy(float),
            departures_s=deps))
    if not patterns:
        raise InputFileError(f"{p}: no trip of the GTFS feed on {day} has two stops in the city; the feed does "
                             "not cover it")
    snaps = np.concatenate([pt.snap_m for pt in patterns])
    report = {"file": str(p), "service_date": day, "routes": len({pt.route_id for pt in patterns}),
              "patterns": len(patterns), "trips": int(sum(len(pt.departures_s) for pt in patterns)),
              "stops": int(len(np.unique(np.concatenate([pt.stop_ids for pt in patterns])))),
              "stops_outside_city": int((~inside).sum()),
              "snap_m_mean": float(snaps.mean()), "snap_m_max": float(snaps.max())}
    return GtfsTimetable(patterns=patterns, service_date=day, report=report)
