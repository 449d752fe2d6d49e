"""Reporting zones read from polygon files, the grid, and KPIs by area (issue 16, items 4 and 5).

Fixture: ``tests/fixtures/two_zones.geojson``, two polygons (서쪽동 west of lon 127.289, 동쪽동 east of it)
over the small synthetic test city.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from kaicity.errors import GeometryError, InputFileError
from kaicity.geo import grid_cells, grid_polygons, load_reporting_zones, read_reporting_zones
from kaicity.metrics.areas import AREA_GROUPS, area_blocks, area_table
from kaicity.metrics.needs import needs_block

SPLIT_LON = 127.289


@pytest.fixture
def zones_file(fixtures):
    return fixtures / "two_zones.geojson"


def test_each_walk_node_gets_the_polygon_it_falls_in(zones_file, small_city):
    w = small_city.walk
    zones = load_reporting_zones(zones_file, None, w.lon, w.lat)
    assert zones.names == ["서쪽동", "동쪽동"]
    expected = np.where(w.lon < SPLIT_LON, 0, 1)
    assert np.array_equal(zones.node_zone, expected)


def test_a_layer_in_a_projected_crs_gives_the_same_zones(zones_file, small_city, tmp_path):
    import geopandas as gpd

    w = small_city.walk
    gpkg = tmp_path / "zones_5186.gpkg"
    gpd.read_file(zones_file).to_crs("EPSG:5186").to_file(gpkg, driver="GPKG")
    parquet = tmp_path / "zones.parquet"
    gpd.read_file(zones_file).to_crs("EPSG:32652").to_parquet(parquet)
    want = load_reporting_zones(zones_file, None, w.lon, w.lat).node_zone
    # a straight edge in one CRS is slightly curved in another: compare away from the shared border
    far = np.abs(w.lon - SPLIT_LON) > 0.002
    for path in (gpkg, parquet):
        got = load_reporting_zones(path, None, w.lon, w.lat)
        assert got.layer.crs.to_epsg() in (5186, 32652)
        assert np.array_equal(got.node_zone[far], want[far])
        assert (got.node_zone >= 0).all()


def test_name_column_can_be_chosen(zones_file):
    assert list(read_reporting_zones(zones_file, "code")["name"]) == ["W", "E"]


def test_features_sharing_a_name_form_one_zone(zones_file, tmp_path):
    import geopandas as gpd

    g = gpd.read_file(zones_file)
    g["name"] = "하나"
    path = tmp_path / "one.gpkg"
    g.to_file(path, driver="GPKG")
    one = read_reporting_zones(path)
    assert list(one["name"]) == ["하나"]
    assert one.to_crs("EPSG:32652").area.iloc[0] == pytest.approx(g.to_crs("EPSG:32652").area.sum())


def _layer(tmp_path, geoms, crs="EPSG:4326", name="bad.gpkg", **cols):
    import geopandas as gpd

    path = tmp_path / name
    gpd.GeoDataFrame(cols or {"name": [f"z{i}" for i in range(len(geoms))]}, geometry=geoms,
                     crs=crs).to_file(path, driver="GPKG")
    return path


def _one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_missing_file_is_one_line_naming_it(tmp_path):
    with pytest.raises(InputFileError) as exc:
        read_reporting_zones(tmp_path / "nope.gpkg")
    assert "nope.gpkg" in _one_line(exc) and "city.reporting_zones" in str(exc.value)


def test_unreadable_file_is_one_line(tmp_path):
    path = tmp_path / "zones.geojson"
    path.write_text("{ not json")
    with pytest.raises(InputFileError) as exc:
        read_reporting_zones(path)
    assert "zones.geojson" in _one_line(exc)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_layer_without_crs_is_refused(tmp_path):
    path = _layer(tmp_path, [shapely.box(0, 0, 1, 1)], crs=None)
    with pytest.raises(InputFileError) as exc:
        read_reporting_zones(path)
    assert "no CRS" in _one_line(exc) and "bad.gpkg" in str(exc.value)


def test_missing_name_column_lists_the_columns(tmp_path):
    path = _layer(tmp_path, [shapely.box(0, 0, 1, 1)], code=["A"])
    with pytest.raises(InputFileError) as exc:
        read_reporting_zones(path)
    assert "reporting_zones_name" in _one_line(exc) and "code" in str(exc.value)
    with pytest.raises(InputFileError, match="no column 'dong'"):
        read_reporting_zones(path, "dong")


def test_a_point_feature_is_named(tmp_path):
    path = _layer(tmp_path, [shapely.box(0, 0, 1, 1), shapely.Point(0, 0)])
    with pytest.raises(GeometryError) as exc:
        read_reporting_zones(path)
    assert "feature 1" in _one_line(exc) and "'z1'" in str(exc.value) and "Point" in str(exc.value)


def test_polygons_missing_the_network_are_refused(tmp_path, small_city):
    w = small_city.walk
    path = _layer(tmp_path, [shapely.box(126.0, 37.0, 126.1, 37.1)])   # Seoul-ish, not the synthetic city
    with pytest.raises(GeometryError) as exc:
        load_reporting_zones(path, None, w.lon, w.lat)
    assert "covers a street node" in _one_line(exc) and "CRS" in str(exc.value)
    # lon/lat written as if it were metres: the classic wrong-CRS mistake
    import geopandas as gpd

    wrong = tmp_path / "wrong_crs.gpkg"
    gpd.read_file(tmp_path / "bad.gpkg").set_crs("EPSG:32652", allow_override=True).to_file(wrong)
    with pytest.raises(GeometryError):
        load_reporting_zones(wrong, None, w.lon, w.lat)


def test_grid_cells_are_squares_aligned_on_the_crs():
    x = np.array([0.0, 499.9, 500.0, -0.1, 1234.0])
    y = np.array([0.0, 0.0, 999.0, -600.0, 10.0])
    cells = grid_cells(x, y, "EPSG:32652", 500.0)
    assert cells.ix.tolist() == [0, 0, 1, -1, 2] and cells.iy.tolist() == [0, 0, 1, -2, 0]
    polys = grid_polygons(cells.ix, cells.iy, 500.0)
    assert np.allclose(shapely.area(polys), 500.0 ** 2)
    assert all(shapely.contains_xy(p, px, py) or shapely.touches(p, shapely.Point(px, py))
               for p, px, py in zip(polys, x, y, strict=True))


def _trips(n=400, seed=3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    outcome = rng.choice(["met", "forgone", "pending"], n, p=[0.7, 0.2, 0.1])
    tts = np.where(outcome == "met", rng.exponential(20.0, n), np.nan)
    return pd.DataFrame({
        "group": rng.choice(["child", "adult", "elderly"], n),
        "zone": "core", "category": rng.choice(["healthcare", "daily"], n),
        "outcome": outcome, "time_to_service_min": tts,
        "delivery": np.where(outcome == "met", "walk", ""), "reason": np.where(outcome == "forgone", "closed", ""),
    })


def test_area_table_equals_the_summary_blocks_of_each_area():
    trips = _trips()
    area = np.random.default_rng(1).choice(["a", "b", "c"], len(trips)).astype(object)
    area[:5] = None  # outside every zone: left out
    table = area_table(trips, area, scale=2.0)
    assert sorted(table.index) == ["a", "b", "c"]
    blocks = area_blocks(trips, area, ["a", "b", "c", "empty"], scale=2.0)
    assert blocks["empty"]["needs"] == 0
    for name in ("a", "b", "c"):
        sub = trips[area == name]
        ref = needs_block(sub, 2.0)
        assert table.loc[name, "needs_all"] == ref["needs"] == blocks[name]["needs"]
        assert table.loc[name, "met_share_all"] == pytest.approx(ref["met_share"])
        assert table.loc[name, "forgone_all"] == ref["forgone"]
        assert table.loc[name, "tts_mean_min_all"] == pytest.approx(ref["time_to_service_min"]["mean"])
        ok = (sub["outcome"] == "met") & (sub["time_to_service_min"] <= 15.0)
        assert table.loc[name, "effective_access_all"] == pytest.approx(ok.mean())
        assert blocks[name]["effective_index"] == pytest.approx(ok.mean())
        eld = sub[sub["group"] == "elderly"]
        assert table.loc[name, "needs_elderly"] == 2.0 * len(eld) == blocks[name]["by_group"]["elderly"]["needs"]
        assert table.loc[name, "needs_non_elderly"] + table.loc[name, "needs_elderly"] == ref["needs"]
    assert {f"needs_{g}" for g in AREA_GROUPS} <= set(table.columns)
