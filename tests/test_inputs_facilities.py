"""Facilities from a file (``city.facilities_file``): reading, add / replace, sources in the report.

Fixture: ``tests/fixtures/inputs/facilities_tiny.csv`` (made up, over ``tiny_town.osm``): a 경로당
(welfare, 12 per hour, 09-18), a 보건지소 (healthcare, 08:30-17:30), a park (culture) and a shop in Busan,
off the network.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from kaicity.categories import CATEGORIES
from kaicity.errors import InputFileError
from kaicity.network import load_city
from kaicity.network.city import FACILITY_COLUMNS
from kaicity.network.facilities_file import add_facilities_file, facilities_by_source, parse_hours
from kaicity.report.inputs import facility_sources_markdown


@pytest.fixture(scope="module")
def town(fixtures):
    return load_city(fixtures / "tiny_town.osm", facilities="auto")


@pytest.fixture(scope="module")
def csv(fixtures) -> Path:
    return fixtures / "inputs" / "facilities_tiny.csv"


def test_add_puts_the_file_beside_the_city_and_snaps_each_row(town, csv):
    df, note = add_facilities_file(town, csv, mode="add")
    assert note["off_network"] == 1 and note["rows"] == 4 and note["replaced"] == 0
    mine = df[df["source"] == "file"]
    assert len(mine) == 3 and len(df) == len(town.facilities) + 3
    assert list(df["facility_id"]) == list(range(len(df)))
    assert set(FACILITY_COLUMNS) <= set(df.columns)
    west = mine[mine["name"] == "경로당 west"].iloc[0]
    assert west["category"] == "welfare" and west["capacity_per_hour"] == 12
    assert (west["open_h"], west["close_h"]) == (9.0, 18.0)
    # snapped to the walk node at its coordinates (node 4 of the fixture)
    assert abs(town.walk.lon[west["node"]] - 126.97) < 1e-6 and abs(town.walk.lat[west["node"]] - 37.551) < 1e-6
    clinic = mine[mine["category"] == "healthcare"].iloc[0]
    assert clinic["open_h"] == 8.5 and math.isnan(clinic["capacity_per_hour"])
    # categories stay grouped in CATEGORIES order
    codes = df["category"].map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy()
    assert (np.diff(codes) >= 0).all()


def test_replace_drops_the_city_facilities_of_the_file_categories_only(town, csv):
    df, note = add_facilities_file(town, csv, mode="replace")
    for cat in ("welfare", "healthcare", "culture"):
        assert set(df[df["category"] == cat]["source"]) == {"file"}
    kept = town.facilities[~town.facilities["category"].isin(["welfare", "healthcare", "culture"])]
    assert len(df[df["source"] != "file"]) == len(kept)
    assert note["replaced"] == len(town.facilities) - len(kept)


def test_report_counts_real_and_rule_placed_and_warns_on_a_real_map(town, csv):
    df, _ = add_facilities_file(town, csv, mode="add")
    counts = facilities_by_source(df)
    assert counts["welfare"]["real"] == int(((df["category"] == "welfare") & df["source"].isin(["osm", "file"])).sum())
    assert sum(c["placed"] for c in counts.values()) == int((df["source"] == "synthetic").sum())
    text = "\n".join(facility_sources_markdown(town))
    if (town.facilities["source"] == "synthetic").any():
        assert "**Warning:**" in text and "placed by a rule" in text


def test_a_synthetic_city_gets_no_real_map_warning(small_city):
    text = "\n".join(facility_sources_markdown(small_city))
    assert "| healthcare | 0 |" in text and "Warning" not in text


@pytest.mark.parametrize(("row", "words"), [
    ("hospital,big one,126.97,37.551,,", ["row 1", "unknown category 'hospital'", "healthcare"]),
    ("welfare,x,126.97,37.551,-3,", ["row 1", "capacity_per_hour", "not a number > 0"]),
    ("welfare,x,126.97,37.551,,9 to 5", ["row 1", "opening_hours", "HH-HH"]),
    ("welfare,x,east,37.551,,", ["row 1", "lon", "not a lon"]),
])
def test_bad_rows_are_one_line_errors_naming_the_row(town, tmp_path, row, words):
    path = tmp_path / "f.csv"
    path.write_text("category,name,lon,lat,capacity_per_hour,opening_hours\n" + row + "\n")
    with pytest.raises(InputFileError) as exc:
        add_facilities_file(town, path)
    msg = str(exc.value)
    assert "\n" not in msg and str(path) in msg
    for w in words:
        assert w in msg


def test_a_file_with_nothing_on_the_streets_is_refused(town, tmp_path):
    from kaicity.errors import FacilityError

    path = tmp_path / "f.csv"
    path.write_text("category,name,lon,lat\ndaily,far,129.07,35.17\n")
    with pytest.raises(FacilityError, match="within 300 m"):
        add_facilities_file(town, path)


def test_opening_hours_forms():
    assert parse_hours("00-24", "x") == (0.0, 24.0)
    assert parse_hours("08:30-17:45", "x") == (8.5, 17.75)
    assert all(math.isnan(v) for v in parse_hours(None, "x"))
    with pytest.raises(InputFileError):
        parse_hours("18-09", "x")


def test_the_model_gives_a_file_facility_its_own_hours_and_capacity(fixtures, csv):
    from kaicity.model import KaiCityModel
    from kaicity.scenario import Scenario
    from kaicity.services.queues import servers_for_capacity

    sc = Scenario(name="t").with_overrides({
        "city.source": str(fixtures / "tiny_town.osm"), "city.facilities_file.path": str(csv),
        "population.residents": 50, "transit.bus.enabled": False})
    model = KaiCityModel(sc)
    place = next(p for p in model.places if p.name == "경로당 west")
    assert (place.queue.open_hour, place.queue.close_hour) == (9.0, 18.0)
    assert place.queue.servers == servers_for_capacity(12, float(sc.facilities.service_min["welfare"]))
    clinic = next(p for p in model.places if p.name == "보건지소")
    hours = sc.facilities.opening_hours["healthcare"]
    assert (clinic.queue.open_hour, clinic.queue.close_hour) == (8.5, 17.5) != tuple(float(h) for h in hours)
