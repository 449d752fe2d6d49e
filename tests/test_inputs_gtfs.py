"""Buses from GTFS (``transit.bus.gtfs``): patterns, departures of the service day, snapping and bad feeds.

Fixture: ``tests/fixtures/inputs/gtfs_tiny/`` (made-up text tables, zipped by the tests): route 01 over
``tiny_town.osm``, weekday trips T1 (07:00, S1-S2-S3 then a stop in Busan), T2 (08:30, S1-S2) and T3 (25:10,
S3-S2-S1, the other direction), and a weekend trip T4 (10:00).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from kaicity.errors import InputFileError
from kaicity.network import load_city
from kaicity.network.gtfs import read_bus_timetable
from kaicity.scenario import Scenario
from kaicity.services.bus import BusNetwork


@pytest.fixture(scope="module")
def town(fixtures):
    return load_city(fixtures / "tiny_town.osm", facilities="osm")


def make_feed(fixtures: Path, out: Path, *, drop: str | None = None, replace: dict | None = None) -> Path:
    """Zip the fixture's tables (without ``drop``; ``replace`` maps a file name to new text)."""
    path = out / "feed.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted((fixtures / "inputs" / "gtfs_tiny").glob("*.txt")):
            if f.name != drop:
                z.writestr(f.name, (replace or {}).get(f.name, f.read_text()))
    return path


def test_a_weekday_gives_one_pattern_per_direction_with_the_feed_departures(town, fixtures, tmp_path):
    tt = read_bus_timetable(make_feed(fixtures, tmp_path), town.drive, service_date="20250107")
    by_name = {p.name: p for p in tt.patterns}
    assert set(by_name) == {"01/0", "01/1"}
    fwd, back = by_name["01/0"], by_name["01/1"]
    assert fwd.stop_ids == ["S1", "S2", "S3"]              # T1, the longest trip, without its Busan stop
    np.testing.assert_allclose(fwd.departures_s, [7 * 3600, 8.5 * 3600])
    assert back.stop_ids == ["S3", "S2", "S1"]
    np.testing.assert_allclose(back.departures_s, [1 * 3600 + 600])   # 25:10 wraps to 01:10
    assert tt.report["stops_outside_city"] == 1
    assert 0 <= tt.report["snap_m_max"] < 5                  # the stops sit on street corners
    s1 = fwd.nodes[0]                                        # S1 snaps to the drive node at its corner
    assert abs(town.drive.lon[s1] - 126.97) < 1e-6 and abs(town.drive.lat[s1] - 37.551) < 1e-6


def test_default_day_is_the_busiest_of_the_first_week(town, fixtures, tmp_path):
    tt = read_bus_timetable(make_feed(fixtures, tmp_path), town.drive)
    # a weekday (three trips) rather than the weekend (one); gtfs-kit breaks the tie between weekdays
    assert tt.service_date in {"20250106", "20250107", "20250108", "20250109", "20250110"}
    assert len(tt.patterns) == 2


def test_a_weekend_day_has_its_own_trips(town, fixtures, tmp_path):
    tt = read_bus_timetable(make_feed(fixtures, tmp_path), town.drive, service_date="20250111")
    assert [p.name for p in tt.patterns] == ["01/0"]
    np.testing.assert_allclose(tt.patterns[0].departures_s, [10 * 3600])


def test_bus_network_runs_the_feed_departures_every_day(town, fixtures, tmp_path):
    tt = read_bus_timetable(make_feed(fixtures, tmp_path), town.drive, service_date="20250107")
    cfg = Scenario(name="t").transit.bus
    bus = BusNetwork(town, cfg, horizon_s=2 * 86400.0, start_hour=6.0, timetable=tt)
    assert bus.lines_built == bus.lines_requested == 2
    fwd = next(p for p in bus.patterns if p.line == "01/0")
    np.testing.assert_allclose(fwd.run_starts, [3600, 9000, 90000, 95400])   # 07:00 and 08:30 from 06:00
    assert len(fwd.stops) == 3 and fwd.offsets[-1] > 0
    back = next(p for p in bus.patterns if p.line == "01/1")
    np.testing.assert_allclose(back.run_starts, [86400 - 5 * 3600 + 600, 2 * 86400 - 5 * 3600 + 600])


@pytest.mark.parametrize("missing", ["stop_times.txt", "stops.txt", "calendar.txt"])
def test_a_feed_missing_a_required_file_is_refused(town, fixtures, tmp_path, missing):
    with pytest.raises(InputFileError) as exc:
        read_bus_timetable(make_feed(fixtures, tmp_path, drop=missing), town.drive)
    assert missing in str(exc.value) and "\n" not in str(exc.value)


def test_a_day_without_service_is_refused(town, fixtures, tmp_path):
    with pytest.raises(InputFileError, match="no service on 20250301.*20250106..20250131"):
        read_bus_timetable(make_feed(fixtures, tmp_path), town.drive, service_date="20250301")


def test_a_stop_far_from_any_road_is_refused_by_name(town, fixtures, tmp_path):
    stops = (fixtures / "inputs" / "gtfs_tiny" / "stops.txt").read_text().replace(
        "S2,East,37.55100,126.97200", "S2,Mid-block,37.55150,126.97150")
    feed = make_feed(fixtures, tmp_path, replace={"stops.txt": stops})
    with pytest.raises(InputFileError, match=r"stop S2 \(Mid-block\) is [0-9]+ m .*max_stop_snap_m = 20 m"):
        read_bus_timetable(feed, town.drive, max_stop_snap_m=20)


def test_a_feed_that_does_not_cover_the_city_is_refused(town, fixtures, tmp_path):
    stops = "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(
        f"{s},far {s},35.17{i},129.07{i}\n" for i, s in enumerate(["S1", "S2", "S3", "S9"]))
    feed = make_feed(fixtures, tmp_path, replace={"stops.txt": stops})
    with pytest.raises(InputFileError, match="does not cover"):
        read_bus_timetable(feed, town.drive)


def test_gtfs_key_takes_a_path_or_a_mapping():
    from kaicity.errors import ScenarioError

    sc = Scenario(name="t").with_overrides({"transit.bus.gtfs": "/tmp/feed.zip"})
    assert sc.transit.bus.gtfs.path == "/tmp/feed.zip" and sc.transit.bus.gtfs.service_date is None
    with pytest.raises(ScenarioError):
        Scenario(name="t").with_overrides({"transit.bus.gtfs": {"path": "/tmp/f.zip", "service_date": "2025-01-07"}})
