"""Nearest-place tables (:mod:`kaicity.services.access`) on the shared small synthetic city, against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from kaicity.services.access import CAR_ACCESS_S, PlaceAccess


@pytest.fixture(scope="module")
def places(small_city):
    """Eight places at spread-out walk nodes, reported with made-up ids."""
    rng = np.random.default_rng(3)
    walk = np.sort(rng.choice(small_city.walk.n_nodes, size=8, replace=False))
    return walk, small_city.walk_to_drive[walk], np.arange(100, 108)


@pytest.fixture(scope="module")
def table(small_city, places):
    return PlaceAccess(small_city, *places)


def test_walk_metres_and_car_seconds_match_scipy(small_city, places, table):
    walk, drive, _ = places
    ref_walk = dijkstra(small_city.walk.to_scipy(), indices=walk, min_only=True)
    ref_car = dijkstra(small_city.drive.to_scipy().T.tocsr(), indices=drive, min_only=True)  # node -> place
    np.testing.assert_allclose(table.walk_m, ref_walk, rtol=1e-12)
    np.testing.assert_allclose(table.car_s, ref_car, rtol=1e-12)


def test_lookup_reports_a_nearest_place_and_adds_the_parking_time(small_city, places, table):
    walk, drive, ids = places
    walk_d = dijkstra(small_city.walk.to_scipy(), indices=walk)               # (place, node)
    car_d = dijkstra(small_city.drive.to_scipy().T.tocsr(), indices=drive)
    for home in np.random.default_rng(8).choice(small_city.walk.n_nodes, size=60, replace=False):
        info = table.lookup(int(home))
        d = int(small_city.walk_to_drive[home])
        assert info.walk_m == pytest.approx(walk_d[:, home].min())
        if math.isfinite(info.walk_m):
            k = int(np.flatnonzero(ids == info.walk_place)[0])
            assert walk_d[k, home] == info.walk_m and info.walk_node == walk[k]
        if math.isfinite(car_d[:, d].min()):
            k = int(np.flatnonzero(ids == info.car_place)[0])
            assert info.car_s == pytest.approx(car_d[k, d] + CAR_ACCESS_S)
            assert car_d[k, d] == car_d[:, d].min()


def test_a_home_at_a_place_walks_zero_metres_to_it(places, table):
    walk, _, ids = places
    for node, pid in zip(walk, ids, strict=True):
        info = table.lookup(int(node))
        assert info.walk_m == 0.0 and info.walk_place == pid and info.walk_node == node


def test_no_open_place_means_no_access_from_anywhere(small_city):
    none = np.zeros(0, dtype=np.int64)
    empty = PlaceAccess(small_city, none, none, none)
    assert empty.empty
    info = empty.lookup(0)
    assert (info.walk_place, info.walk_node, info.car_place) == (-1, -1, -1)
    assert math.isinf(info.walk_m) and math.isinf(info.car_s)


@pytest.mark.shared
def test_real_seoul_facilities_match_scipy_on_the_one_way_drive_graph(seoul_city):
    fac = seoul_city.facilities
    table = PlaceAccess(seoul_city, fac["node"].to_numpy(), fac["drive_node"].to_numpy(), np.arange(len(fac)))
    ref_walk = dijkstra(seoul_city.walk.to_scipy(), indices=fac["node"].to_numpy(), min_only=True)
    ref_car = dijkstra(seoul_city.drive.to_scipy().T.tocsr(), indices=fac["drive_node"].to_numpy(), min_only=True)
    np.testing.assert_allclose(table.walk_m, ref_walk, rtol=1e-12)
    np.testing.assert_allclose(table.car_s, ref_car, rtol=1e-12)
    assert np.isfinite(table.walk_m).mean() > 0.9       # the extract is one walkable area
