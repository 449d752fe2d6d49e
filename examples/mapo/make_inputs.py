"""Write the Mapo example's hand-made inputs: a population grid, extra facilities and a small GTFS feed.

    python examples/mapo/make_inputs.py [OUT_DIR]     # default: this folder

Writes ``population_grid.geojson``, ``facilities.csv`` and ``gtfs.zip`` (deterministic: the same bytes on
every run).  All three are MADE UP for the example around the real Mapo (Gongdeok) OSM extract in
``../shared/data/osm/seoul_mapo_gongdeok.osm``; they are not census, registry or operator data:

* ``population_grid.geojson``: 250 m squares of the Korean grid CRS (EPSG:5179, as 통계청 SGIS 격자) over
  the extract, in EPSG:4326, with ``total``, ``age65`` and ``age0_14`` people per cell.  The counts are an
  illustrative pattern (denser towards the Gongdeok station area in the south-east, older in the
  north-west hill neighbourhoods of Ahyeon), about 40,000 people, 17% aged 65+ (Mapo-gu: ~16%);
* ``facilities.csv``: four 경로당 (senior centres, welfare, 09-18, 20 people an hour) and a 보건소
  branch (healthcare, 09-18), added to the extract's OSM facilities;
* ``gtfs.zip``: two bus routes on the extract's streets (stops at drive-graph nodes), both directions:
  route 7011 every 12 minutes 05:30-23:00 and a 마을버스 (village bus) 마포09 every 20 minutes 06:30-22:00,
  weekdays of January 2025.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import zipfile
from pathlib import Path

from pyproj import Transformer

#: The extract's bounds (lon/lat; SOURCES.md): its streets reach a little beyond, its footways do not.
WEST, SOUTH, EAST, NORTH = 126.94948, 37.54431, 126.96632, 37.55187
CELL_M = 250.0

#: Stops (lon, lat) at drive nodes of the extract, in order of the route's first direction.
ROUTES = {
    "7011": {"long": "Ahyeon - Gongdeok - Mapo", "every_min": 12, "first": "05:30", "last": "23:00", "stops": [
        (126.95257, 37.55535), (126.95372, 37.55171), (126.95445, 37.54926), (126.95787, 37.54717),
        (126.96226, 37.54675), (126.96550, 37.54512), (126.96781, 37.54470)]},
    "마포09": {"long": "Aeogae - Gongdeok (village bus)", "every_min": 20, "first": "06:30", "last": "22:00",
              "stops": [(126.94763, 37.54895), (126.95168, 37.54925), (126.95454, 37.54895),
                        (126.95802, 37.54926), (126.96152, 37.55119), (126.96463, 37.55060),
                        (126.96810, 37.54973)]},
}
#: Minutes between consecutive stops in the timetable (with dwell).
STOP_MIN = 2

FACILITIES = [
    ("welfare", "경로당 아현", 126.9525, 37.5535, 20, "09-18"),
    ("welfare", "경로당 공덕", 126.9590, 37.5470, 20, "09-18"),
    ("welfare", "경로당 마포", 126.9640, 37.5430, 20, "09-18"),
    ("welfare", "경로당 염리", 126.9500, 37.5450, 20, "09-18"),
    ("healthcare", "마포구 보건소 분소 (example)", 126.9580, 37.5500, 40, "09-18"),
]


def _cells():
    """250 m EPSG:5179 squares over the extract: (ring in lon/lat, centre in lon/lat)."""
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:5179", always_xy=True)
    to_ll = Transformer.from_crs("EPSG:5179", "EPSG:4326", always_xy=True)
    x0, y0 = to_grid.transform(WEST, SOUTH)
    x1, y1 = to_grid.transform(EAST, NORTH)
    x0, y0 = math.floor(x0 / CELL_M) * CELL_M, math.floor(y0 / CELL_M) * CELL_M
    nx, ny = math.ceil((x1 - x0) / CELL_M), math.ceil((y1 - y0) / CELL_M)
    for j in range(ny):
        for i in range(nx):
            xs = [x0 + i * CELL_M, x0 + (i + 1) * CELL_M]
            ys = [y0 + j * CELL_M, y0 + (j + 1) * CELL_M]
            corners = [(xs[0], ys[0]), (xs[1], ys[0]), (xs[1], ys[1]), (xs[0], ys[1]), (xs[0], ys[0])]
            ring = [[round(v, 6) for v in to_ll.transform(x, y)] for x, y in corners]
            yield i / max(nx - 1, 1), j / max(ny - 1, 1), ring, f"{int(xs[0])}_{int(ys[0])}"


def population_geojson() -> str:
    """The grid as GeoJSON text (illustrative counts, see the module docs)."""
    feats = []
    for u, v, ring, gid in _cells():
        # denser to the south-east (station area), older to the north-west (hill neighbourhoods)
        total = round(700 + 900 * (0.5 * u + 0.5 * (1 - v)) + 200 * math.sin(7 * u + 5 * v) ** 2)
        elderly_share = 0.12 + 0.12 * (0.5 * (1 - u) + 0.5 * v)
        feats.append({"type": "Feature", "properties": {
            "gid": gid, "total": total, "age65": round(total * elderly_share), "age0_14": round(total * 0.10)},
            "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, "features": feats}, ensure_ascii=False, indent=0)


def facilities_csv() -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["category", "name", "lon", "lat", "capacity_per_hour", "opening_hours"])
    w.writerows(FACILITIES)
    return buf.getvalue()


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def _table(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def gtfs_tables() -> dict[str, str]:
    """The feed's tables as CSV text."""
    stops, routes, trips, times = [], [], [], []
    for r, (name, spec) in enumerate(ROUTES.items()):
        routes.append([f"R{r + 1}", "KC", name, spec["long"], 3])
        ids = []
        for k, (lon, lat) in enumerate(spec["stops"]):
            ids.append(f"R{r + 1}S{k + 1}")
            stops.append([ids[-1], f"{name} stop {k + 1}", f"{lat:.5f}", f"{lon:.5f}"])
        for direction, order in ((0, ids), (1, ids[::-1])):
            t, n = _minutes(spec["first"]), 0
            while t <= _minutes(spec["last"]):
                trip = f"R{r + 1}D{direction}T{n + 1:03d}"
                trips.append([f"R{r + 1}", "WEEKDAY", trip, direction])
                for seq, stop in enumerate(order):
                    clock = _clock(t + seq * STOP_MIN)
                    times.append([trip, clock, clock, stop, seq + 1])
                t += spec["every_min"]
                n += 1
    return {
        "agency.txt": _table(["agency_id", "agency_name", "agency_url", "agency_timezone"],
                             [["KC", "kaicity example buses (made up)", "https://example.org", "Asia/Seoul"]]),
        "stops.txt": _table(["stop_id", "stop_name", "stop_lat", "stop_lon"], stops),
        "routes.txt": _table(["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"], routes),
        "trips.txt": _table(["route_id", "service_id", "trip_id", "direction_id"], trips),
        "stop_times.txt": _table(["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"], times),
        "calendar.txt": _table(["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                "sunday", "start_date", "end_date"],
                               [["WEEKDAY", 1, 1, 1, 1, 1, 0, 0, "20250101", "20250131"]]),
    }


def write_gtfs(path: Path) -> None:
    """The feed as a zip with fixed timestamps (the same bytes on every run)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, text in gtfs_tables().items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), text)


def main(out: Path) -> list[Path]:
    """Write the three inputs into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "population_grid.geojson").write_text(population_geojson(), encoding="utf-8")
    (out / "facilities.csv").write_text(facilities_csv(), encoding="utf-8")
    write_gtfs(out / "gtfs.zip")
    return [out / "population_grid.geojson", out / "facilities.csv", out / "gtfs.zip"]


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent):
        print(p)
