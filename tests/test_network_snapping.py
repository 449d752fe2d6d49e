"""Snapping and projection helpers against brute force and pyproj."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from kaicity.errors import GeometryError
from kaicity.network.graph import Graph
from kaicity.network.snapping import kdtree, lonlat_to_xy, snap_lonlat, snap_xy, utm_crs, xy_to_lonlat


def _graph(n: int = 200, seed: int = 0) -> Graph:
    rng = np.random.default_rng(seed)
    lon = 126.9 + rng.random(n) * 0.1
    lat = 37.5 + rng.random(n) * 0.1
    x, y = lonlat_to_xy(lon, lat, "EPSG:32652")
    u = np.arange(n - 1)
    return Graph.from_edges(n, u, u + 1, np.ones(n - 1), directed=False, unit="m", x=x, y=y, lon=lon, lat=lat,
                            name="walk")


def test_snap_xy_brute_force():
    g = _graph()
    rng = np.random.default_rng(1)
    px = g.x.min() + rng.random(500) * np.ptp(g.x)
    py = g.y.min() + rng.random(500) * np.ptp(g.y)
    nodes, dist = snap_xy(g, px, py)
    d = np.hypot(px[:, None] - g.x[None, :], py[:, None] - g.y[None, :])
    np.testing.assert_allclose(dist, d.min(axis=1))
    np.testing.assert_allclose(d[np.arange(500), nodes], d.min(axis=1))
    assert nodes.dtype == np.int32
    assert kdtree(g) is kdtree(g)  # cached on the graph


def test_snap_max_distance_and_scalars():
    g = _graph()
    far_node, far_dist = snap_xy(g, g.x.max() + 5_000, g.y.max() + 5_000, max_distance=1_000)
    assert far_node.tolist() == [-1] and np.isinf(far_dist[0])
    node, dist = snap_xy(g, g.x[7], g.y[7])
    assert node.tolist() == [7] and dist[0] == 0.0
    empty_nodes, empty_dist = snap_xy(g, [], [])
    assert empty_nodes.size == 0 and empty_dist.size == 0


def test_snap_lonlat_matches_projected():
    g = _graph()
    nodes, dist = snap_lonlat(g, g.lon[[3, 9]] + 1e-5, g.lat[[3, 9]])
    assert nodes.tolist() == [3, 9]
    assert np.all(dist < 1.0)


def test_snapping_errors():
    g = _graph()
    with pytest.raises(GeometryError, match="x has 2 values but y has 1"):
        snap_xy(g, [1.0, 2.0], [1.0])
    with pytest.raises(GeometryError, match="finite"):
        snap_xy(g, [np.nan], [1.0])
    with pytest.raises(GeometryError, match="snap_xy"):
        snap_lonlat(g, [320_000.0], [4_157_000.0])


def test_projection_roundtrip_and_utm_zone():
    lon = np.array([126.95, 127.10, 129.0])
    lat = np.array([37.55, 37.50, 35.1])
    x, y = lonlat_to_xy(lon, lat, "EPSG:32652")
    ref = Transformer.from_crs("EPSG:4326", "EPSG:32652", always_xy=True).transform(lon, lat)
    np.testing.assert_allclose(x, ref[0])
    lo, la = xy_to_lonlat(x, y, "EPSG:32652")
    np.testing.assert_allclose(lo, lon)
    np.testing.assert_allclose(la, lat)
    assert utm_crs([126.95, 127.0], [37.5, 37.6]) == "EPSG:32652"
    assert utm_crs([125.5], [37.0]) == "EPSG:32651"
    assert utm_crs([-70.6], [-33.4]) == "EPSG:32719"  # Santiago: southern hemisphere
    with pytest.raises(GeometryError, match="projected"):
        utm_crs([320_000.0], [4_157_000.0])
    with pytest.raises(GeometryError):
        utm_crs([], [])
