"""Zones: density (against brute-force counts), thresholds, polygons and attributes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kaicity.categories import ZONE_CODE
from kaicity.errors import GeometryError, InputFileError
from kaicity.network import load_city
from kaicity.network.snapping import lonlat_to_xy
from kaicity.network.zones import (
    CORE_MIN_DENSITY,
    SUBURB_MIN_DENSITY,
    assign_zones,
    node_density,
    zone_codes,
    zones_from_density,
    zones_from_polygons,
)


def test_density_matches_brute_force_counts():
    rng = np.random.default_rng(0)
    x = rng.random(3000) * 10_000
    y = rng.random(3000) * 10_000
    r = 1000.0
    got = node_density(x, y, radius=r, cell=25.0, edge_correction=False)
    counts = (np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) <= r).sum(axis=1)
    want = counts / (np.pi * r * r / 1e6)
    # the grid rounds positions to 25 m cells: agreement within a few percent on average
    assert np.median(np.abs(got / want - 1)) < 0.05
    assert np.corrcoef(got, want)[0, 1] > 0.97


def test_edge_correction_flattens_a_uniform_square():
    g = np.arange(0, 3000, 50.0)
    x, y = (a.ravel() for a in np.meshgrid(g, g))
    raw = node_density(x, y, radius=500.0, edge_correction=False)
    cor = node_density(x, y, radius=500.0)
    centre = (np.abs(x - 1500) < 200) & (np.abs(y - 1500) < 200)
    corner = (x < 100) & (y < 100)
    assert raw[corner].mean() < 0.45 * raw[centre].mean()  # a quarter disk at the corner
    assert cor[corner].mean() == pytest.approx(cor[centre].mean(), rel=0.15)
    assert cor[centre].mean() == pytest.approx(400.0, rel=0.05)  # 50 m grid = 400 nodes/km²


def test_thresholds_are_absolute():
    d = np.array([1000.0, CORE_MIN_DENSITY, CORE_MIN_DENSITY - 0.1, SUBURB_MIN_DENSITY, 0.5])
    assert zones_from_density(d).tolist() == [0, 0, 1, 1, 2]
    assert zones_from_density(d, thresholds=(2000.0, 1.0)).tolist() == [1, 1, 1, 1, 2]
    with pytest.raises(GeometryError, match="core >= suburb"):
        zones_from_density(d, thresholds=(1.0, 5.0))
    # a uniformly dense city is all core (no terciles)
    g = np.arange(0, 4000, 60.0)
    x, y = (a.ravel() for a in np.meshgrid(g, g))
    codes, info = assign_zones(x, y, x * 0, y * 0)
    assert (codes == ZONE_CODE["core"]).all() and info["method"] == "density"


def test_zone_codes():
    assert zone_codes(["core", "Suburb", " rural ", 0, np.int64(2)]).tolist() == [0, 1, 2, 0, 2]
    with pytest.raises(GeometryError, match="unknown zone 'downtown'"):
        zone_codes(["downtown"])


def _square(lon0, lat0, size):
    return [[[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size], [lon0, lat0 + size], [lon0, lat0]]]


def _geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": coords}}
        for props, coords in features]}))
    return path


def test_polygons_then_density_fallback(tmp_path):
    f = _geojson(tmp_path / "zones.geojson", [({"zone": "core"}, _square(127.0, 37.5, 0.01)),
                                             ({"zone": "suburb"}, _square(127.01, 37.5, 0.01))])
    lon = np.array([127.005, 127.015, 127.5])
    lat = np.array([37.505, 37.505, 37.9])
    assert zones_from_polygons(lon, lat, f).tolist() == [0, 1, -1]
    x, y = lonlat_to_xy(lon, lat, "EPSG:32652")
    codes, info = assign_zones(x, y, lon, lat, polygons=f)
    assert codes[:2].tolist() == [0, 1]
    assert codes[2] == ZONE_CODE["rural"]  # outside: density of a lone node
    assert info["method"] == "polygons+density"
    assert info["nodes_by_method"] == {"polygons": 2, "density": 1}


def test_attribute_wins_over_polygons(tmp_path):
    f = _geojson(tmp_path / "z.geojson", [({"zone": "rural"}, _square(127.0, 37.5, 1.0))])
    lon = np.array([127.1, 127.2])
    lat = np.array([37.6, 37.6])
    x, y = lonlat_to_xy(lon, lat, "EPSG:32652")
    codes, info = assign_zones(x, y, lon, lat, attribute=["core", None], polygons=f)
    assert codes.tolist() == [0, 2]
    assert info["method"] == "attribute+polygons"


def test_bad_zone_files(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        zones_from_polygons([127.0], [37.5], tmp_path / "missing.geojson")
    nozone = _geojson(tmp_path / "nozone.geojson", [({"name": "x"}, _square(127.0, 37.5, 0.01))])
    with pytest.raises(InputFileError, match="no 'zone' property"):
        zones_from_polygons([127.0], [37.5], nozone)
    bad = _geojson(tmp_path / "bad.geojson", [({"zone": "downtown"}, _square(127.0, 37.5, 0.01))])
    with pytest.raises(GeometryError, match="bad.geojson: unknown zone 'downtown'"):
        zones_from_polygons([127.0], [37.5], bad)
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json")
    with pytest.raises(InputFileError, match="cannot read zone polygons"):
        zones_from_polygons([127.0], [37.5], junk)


def test_load_city_with_zone_polygons(fixtures, tmp_path):
    # the west half of tiny_town (lon < 126.9705) is core, the rest falls back to density (rural)
    f = _geojson(tmp_path / "town.geojson", [({"zone": "core"}, [[[126.96, 37.54], [126.9705, 37.54],
                                                                    [126.9705, 37.56], [126.96, 37.56],
                                                                    [126.96, 37.54]]])])
    city = load_city(fixtures / "tiny_town.osm", zones=f, facilities="synthetic")
    want = np.where(city.walk.lon < 126.9705, ZONE_CODE["core"], ZONE_CODE["rural"])
    np.testing.assert_array_equal(city.walk.zone, want)
    assert set(city.walk.osmid[city.walk.zone == 0].tolist()) == {4, 14}
