"""Facilities: the OSM tag table, classification of features, synthetic placement rules."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from kaicity.categories import CATEGORIES, ZONE_CODE
from kaicity.errors import FacilityError
from kaicity.network.city import FACILITY_COLUMNS
from kaicity.network.facilities import (
    PER_1000_WALK_NODES,
    build_facilities,
    category_of,
    classify_features,
    osm_query_tags,
    place_synthetic,
    placement_weights,
    synthetic_counts,
)
from kaicity.network.graph import Graph
from kaicity.network.snapping import lonlat_to_xy


@pytest.mark.parametrize(("tags", "category"), [
    ({"amenity": "hospital"}, "healthcare"),
    ({"amenity": "clinic"}, "healthcare"),
    ({"amenity": "doctors"}, "healthcare"),
    ({"amenity": "dentist"}, "healthcare"),
    ({"healthcare": "physiotherapist"}, "healthcare"),
    ({"amenity": "pharmacy", "healthcare": "pharmacy"}, "daily"),
    ({"healthcare": "pharmacy"}, "daily"),
    ({"shop": "supermarket"}, "daily"),
    ({"shop": "convenience"}, "daily"),
    ({"shop": "greengrocer"}, "daily"),
    ({"amenity": "marketplace"}, "daily"),
    ({"amenity": "school"}, "education"),
    ({"amenity": "kindergarten"}, "education"),
    ({"amenity": "college"}, "education"),
    ({"amenity": "university"}, "education"),
    ({"amenity": "library"}, "education"),
    ({"amenity": "townhall"}, "welfare"),
    ({"amenity": "social_facility", "healthcare": "yes"}, "welfare"),
    ({"amenity": "community_centre"}, "welfare"),
    ({"amenity": "post_office"}, "welfare"),
    ({"amenity": "police"}, "welfare"),
    ({"amenity": "nursing_home"}, "welfare"),
    ({"social_facility": "group_home"}, "welfare"),
    ({"leisure": "park"}, "culture"),
    ({"leisure": "playground"}, "culture"),
    ({"leisure": "sports_centre"}, "culture"),
    ({"amenity": "theatre"}, "culture"),
    ({"amenity": "arts_centre"}, "culture"),
    ({"tourism": "museum"}, "culture"),
    ({"amenity": "restaurant"}, None),
    ({"shop": "clothes"}, None),
    ({"amenity": float("nan"), "leisure": "park"}, "culture"),
    ({}, None),
])
def test_tag_table(tags, category):
    assert category_of(tags) == category


def test_query_tags_cover_the_table():
    q = osm_query_tags()
    assert q["healthcare"] is True and q["social_facility"] is True
    assert {"hospital", "school", "townhall", "pharmacy", "theatre"} <= set(q["amenity"])
    assert {"supermarket", "convenience"} <= set(q["shop"]) and q["tourism"] == ["museum"]


def test_classify_features_points_polygons_and_duplicates():
    sq = Polygon([(127.0, 37.5), (127.001, 37.5), (127.001, 37.501), (127.0, 37.501)])
    gdf = gpd.GeoDataFrame(
        {"amenity": ["school", "school", "restaurant", None, "school", None, None],
         "shop": [None, None, None, None, None, "convenience", "convenience"],
         "leisure": [None, None, None, "park", None, None, None],
         "name": ["A School", "A School", "Food", "Park", "A School", "CU", "CU"]},
        geometry=[Point(127.0005, 37.5005), sq, Point(127.0, 37.5), sq, Point(127.01, 37.5),
                  Point(127.02, 37.5), Point(127.0203, 37.5)],
        index=pd.MultiIndex.from_tuples([("node", 1), ("way", 2), ("node", 3), ("way", 4), ("node", 5),
                                         ("node", 6), ("node", 7)], names=["element", "id"]),
        crs="EPSG:4326",
    )
    df = classify_features(gdf)
    # node 1 and way 2 are one school (same name, < 150 m); node 5 is 900 m away: another school;
    # two "CU" nodes 26 m apart are two convenience stores
    assert df[["category", "name", "osm_type", "osm_id"]].values.tolist() == [
        ["education", "A School", "node", 1], ["culture", "Park", "way", 4], ["education", "A School", "node", 5],
        ["daily", "CU", "node", 6], ["daily", "CU", "node", 7]]
    park = df.iloc[1]
    assert sq.contains(Point(park.lon, park.lat))  # representative point of the polygon
    assert df.iloc[0]["tag"] == "amenity=school"
    assert len(classify_features(None)) == 0


def _walk(n_side: int = 30, *, zone=None) -> Graph:
    lon, lat = np.meshgrid(127.0 + 0.001 * np.arange(n_side), 37.5 + 0.001 * np.arange(n_side))
    lon, lat = lon.ravel(), lat.ravel()
    x, y = lonlat_to_xy(lon, lat, "EPSG:32652")
    n = n_side * n_side
    u = np.arange(n - 1)
    z = np.zeros(n, np.int8) if zone is None else zone(x, y)
    return Graph.from_edges(n, u, u + 1, np.ones(n - 1), directed=False, unit="m", x=x, y=y, lon=lon, lat=lat,
                            zone=z, name="walk")


def test_synthetic_counts_scale_with_size():
    assert synthetic_counts(1000) == {c: round(PER_1000_WALK_NODES[c]) for c in CATEGORIES}
    assert synthetic_counts(10)["welfare"] == 1  # at least one of each
    assert synthetic_counts(20_000, {"healthcare": 5})["healthcare"] == 5
    with pytest.raises(FacilityError, match="unknown facility categories"):
        synthetic_counts(100, {"bank": 3})
    with pytest.raises(FacilityError, match=">= 0"):
        synthetic_counts(100, {"daily": -1})


def test_synthetic_placement_is_deterministic_and_per_category():
    w = _walk()
    a = place_synthetic(w, {"healthcare": 5, "daily": 8}, seed=3)
    b = place_synthetic(w, {"healthcare": 5, "daily": 8}, seed=3)
    c = place_synthetic(w, {"healthcare": 5, "daily": 20}, seed=3)
    d = place_synthetic(w, {"healthcare": 5, "daily": 8}, seed=4)
    pd.testing.assert_frame_equal(a, b)
    # changing the daily count does not move the healthcare facilities
    assert a[a.category == "healthcare"].node.tolist() == c[c.category == "healthcare"].node.tolist()
    assert a.node.tolist() != d.node.tolist()
    assert not a[a.category == "daily"].node.duplicated().any()


def test_placements_differ_as_documented():
    cx = None

    def zone(x, y):
        nonlocal cx
        cx = np.median(x)
        return np.where(x < cx, ZONE_CODE["core"], ZONE_CODE["rural"]).astype(np.int8)

    w = _walk(40, zone=zone)
    p_pop = placement_weights(w, "by_population")
    assert p_pop.sum() == pytest.approx(1.0)
    assert p_pop[w.zone == 0][0] / p_pop[w.zone == 2][0] == pytest.approx(3.0 / 0.5)
    p_c = placement_weights(w, "central")
    d = np.hypot(w.x - np.median(w.x), w.y - np.median(w.y))
    assert np.corrcoef(p_c, d)[0, 1] < -0.8
    p_u = placement_weights(w, "uniform")
    assert p_u.max() / p_u.min() < 5  # a regular grid: nearly equal weights (edges a bit higher)
    with pytest.raises(FacilityError, match="unknown facility placement"):
        placement_weights(w, "random")
    k = {"daily": 60}
    central = place_synthetic(w, k, placement="central", seed=1)
    uniform = place_synthetic(w, k, placement="uniform", seed=1)
    dist = lambda df: d[df.node.to_numpy()].mean()  # noqa: E731
    assert dist(central) < 0.7 * dist(uniform)


def test_build_facilities_modes():
    w = _walk(20)
    cand = pd.DataFrame({"category": ["healthcare", "daily", "education"], "name": ["H", "D", "far"],
                         "lon": [127.0021, 127.0102, 128.0], "lat": [37.5031, 37.5102, 37.5]})
    df, rep = build_facilities(w, w, candidates=cand, mode="osm")
    assert tuple(df.columns) == FACILITY_COLUMNS
    assert df.name.tolist() == ["H", "D"] and rep["osm_dropped_off_network"] == 1
    assert rep["missing_categories"] == ["education", "welfare", "culture"]
    assert df.node.tolist() == [3 * 20 + 2, 10 * 20 + 10]
    auto, rep = build_facilities(w, w, candidates=cand, mode="auto", seed=2)
    assert set(auto.category) == set(CATEGORIES)
    assert auto[auto.source == "osm"].name.tolist() == ["H", "D"]
    assert rep["synthetic_categories"] == ["education", "welfare", "culture"]
    syn, _ = build_facilities(w, w, candidates=cand, mode="synthetic")
    assert (syn.source == "synthetic").all() and set(syn.category) == set(CATEGORIES)
    assert syn.facility_id.tolist() == list(range(len(syn)))
    np.testing.assert_allclose(syn.x, w.x[syn.node])


def test_build_facilities_errors():
    w = _walk(5)
    with pytest.raises(FacilityError, match="no service facility in the OSM data"):
        build_facilities(w, w, candidates=None, mode="osm", where="area.graphml")
    with pytest.raises(FacilityError, match="unknown facilities mode"):
        build_facilities(w, w, mode="osmx")
    with pytest.raises(FacilityError, match="unknown facility categories"):
        build_facilities(w, w, candidates=pd.DataFrame({"category": ["bank"], "lon": [127.0], "lat": [37.5]}))
    with pytest.raises(FacilityError, match="'lon' and 'lat'"):
        build_facilities(w, w, candidates=pd.DataFrame({"category": ["daily"]}))
