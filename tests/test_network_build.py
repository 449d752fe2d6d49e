"""City building from OSMnx graphs: the tiny_town.osm fixture counted by hand, and invariants.

``tests/fixtures/tiny_town.osm`` is a made-up 3x3 grid (node ids 1-9, rows of 3 from the north):
residential rows 1-2-3 and 4-5-6, a secondary oneway 7->8->9, tertiary columns 1-4-7 and 3-6-9,
footways 2-5 and 5-10-8, a motorway oneway stub 9->11->12, a private service road 6-13, a private
footway 4-14, a residential road with foot=no 3-15, a proposed road 7-16, a far footway 30-31,
a building, school grounds, a park and two ``out geom`` relations.  OSMnx 2 simplification
keeps only nodes that are not "interstitial" (exactly two neighbours, degree 2 or 4), so
corners like node 1 disappear.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import scipy.sparse.csgraph as csgraph
from pyproj import Transformer

from kaicity.categories import CATEGORIES, ZONE_CODE
from kaicity.errors import NetworkError
from kaicity.network import City, Graph, load_city
from kaicity.network.build import city_from_graph
from kaicity.network.city import FACILITY_COLUMNS
from kaicity.network.nxgraph import multidigraph
from kaicity.network.tags import (
    KOREAN_RURAL_SPEEDS,
    KOREAN_URBAN_SPEEDS,
    drivable,
    impute_speeds,
    walkable,
)


@pytest.fixture(scope="module")
def town(fixtures) -> City:
    return load_city(fixtures / "tiny_town.osm", facilities="osm")


def _edge_set(g: Graph) -> set[tuple[int, int]]:
    tails = g.edge_tails()
    return {(int(g.osmid[a]), int(g.osmid[b])) for a, b in zip(tails, g.indices, strict=True)}


# ----------------------------------------------------------------------------- fixture, by hand
def test_plain_osmnx_crashes_on_out_geom_relations(fixtures):
    # the reason osmxml.sanitize_osm_xml exists
    with pytest.raises(KeyError, match="nodes"):
        ox.graph_from_xml(fixtures / "tiny_town.osm")


def test_fixture_walk_graph_by_hand(town):
    w = town.walk
    assert isinstance(w, Graph) and not w.directed and w.unit == "m"
    # 1, 3, 7, 9, 10 are interstitial for walking; 30-31 is a separate component; 11-13, 15, 16 not walkable
    assert sorted(w.osmid.tolist()) == [2, 4, 5, 6, 8, 14]
    undirected = {tuple(sorted(e)) for e in _edge_set(w)}
    assert undirected == {(2, 4), (2, 6), (2, 5), (4, 5), (5, 6), (4, 8), (6, 8), (5, 8), (4, 14)}
    assert w.n_edges == 18  # each undirected edge stored twice
    assert town.report["walk_dropped_nodes"] == 2  # 30 and 31
    assert town.report["walk_dropped_edges"] == 2  # 30->31 and 31->30
    assert town.report["walk_along_roads"] is False


def test_fixture_drive_graph_oneways(town):
    d = town.drive
    assert d.directed and d.unit == "s"
    assert sorted(d.osmid.tolist()) == [3, 4, 6, 7, 9, 15]  # 12 (motorway dead end) is not strongly connected
    assert _edge_set(d) == {(3, 4), (4, 3), (3, 6), (6, 3), (3, 15), (15, 3), (4, 6), (6, 4), (4, 7), (7, 4),
                            (7, 9), (6, 9), (9, 6)}
    assert (9, 7) not in _edge_set(d)  # the oneway secondary 7->8->9
    assert town.report["drive_dropped_nodes"] == 1 and town.report["drive_dropped_edges"] == 1
    # the walk graph has the oneway street in both directions (via node 8)
    assert {(4, 8), (8, 4), (6, 8), (8, 6)} <= _edge_set(town.walk)


def test_fixture_excludes_buildings_private_and_proposed(town):
    for G in (town.G_walk, town.G_drive):
        assert not {13, 16, 20, 21, 22, 23, 24, 50} & set(G.nodes)
        assert all(d.get("highway") is not None for _, _, d in G.edges(data=True))
    assert 14 in town.G_walk and 14 not in town.G_drive  # footway with access=private is walkable
    assert 15 in town.G_drive and 15 not in town.G_walk  # foot=no
    stats = town.report["osm_xml"]
    assert stats == {"nodes": 38, "ways": 16, "highway_ways": 13, "relations": 2, "geom_members": 2,
                     "clipped_ways": 0, "street_ways_written": 13, "nodes_from_way_geometry": 0}


def test_fixture_lengths_and_travel_times(town):
    d = town.drive
    i7, i9 = d.index_of([7, 9])
    e = d.indptr[i7] + np.flatnonzero(d.indices[d.indptr[i7]:d.indptr[i7 + 1]] == i9)[0]
    length = d.lengths[e]
    # 7 -> 9 is 0.002 degrees of longitude at 37.55 N: great-circle ~176.4 m
    assert length == pytest.approx(ox.distance.great_circle(37.55, 126.970, 37.55, 126.972), rel=1e-6)
    assert d.weights[e] == pytest.approx(length / (60 / 3.6))  # maxspeed=60 on the way
    i3, i6 = d.index_of([3, 6])
    e = d.indptr[i3] + np.flatnonzero(d.indices[d.indptr[i3]:d.indptr[i3 + 1]] == i6)[0]
    # tertiary without maxspeed in a rural zone -> KOREAN_RURAL_SPEEDS
    assert town.walk.zone.tolist() == [ZONE_CODE["rural"]] * 6
    assert d.weights[e] == pytest.approx(d.lengths[e] / (KOREAN_RURAL_SPEEDS["tertiary"] / 3.6))
    # walk weights are metres
    np.testing.assert_array_equal(town.walk.weights, town.walk.lengths)


def test_fixture_facilities_mapped(town):
    f = town.facilities
    assert tuple(f.columns) == FACILITY_COLUMNS
    got = {(r.category, r.name) for r in f.itertuples()}
    assert got == {
        ("healthcare", "Test Hospital"), ("healthcare", "Clinic B"),  # amenity=hospital, healthcare=doctor
        ("daily", "Test Pharmacy"), ("daily", "Test Mart"),  # pharmacy (not healthcare), supermarket
        ("education", "Test School"),  # node + polygon merged
        ("welfare", "Dong Office"),
        ("culture", "Small Park"), ("culture", "Test Museum"),           # museum from the out-geom relation
    }
    assert (f["source"] == "osm").all()
    assert f["facility_id"].tolist() == list(range(len(f)))
    assert town.report["facilities"]["osm_dropped_off_network"] == 1  # Far Library, 2.5 km east
    # node / drive_node are the nearest nodes of each graph
    for r in f.itertuples():
        dw = np.hypot(town.walk.x - r.x, town.walk.y - r.y)
        dd = np.hypot(town.drive.x - r.x, town.drive.y - r.y)
        assert dw[r.node] == pytest.approx(dw.min()) and dd[r.drive_node] == pytest.approx(dd.min())


def test_fixture_coordinates_projected(town):
    w = town.walk
    assert w.crs == "EPSG:32652"
    tr = Transformer.from_crs("EPSG:4326", "EPSG:32652", always_xy=True)
    x, y = tr.transform(w.lon, w.lat)
    np.testing.assert_allclose(w.x, x, atol=1e-6)
    np.testing.assert_allclose(w.y, y, atol=1e-6)
    assert w.lon[w.index_of([2])[0]] == pytest.approx(126.971)
    assert w.lat[w.index_of([2])[0]] == pytest.approx(37.552)
    # same result as OSMnx's own projection of the lon/lat graph
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_nodes_from((n, {"x": d["lon"], "y": d["lat"]}) for n, d in town.G_walk.nodes(data=True))
    G.add_edges_from(town.G_walk.edges(keys=True))
    Gp = ox.project_graph(G, to_crs="EPSG:32652")
    np.testing.assert_allclose([Gp.nodes[n]["x"] for n in w.osmid], w.x, atol=1e-6)
    assert town.G_walk.graph["crs"] == "EPSG:32652"


# ----------------------------------------------------------------------------- networkx views
def test_networkx_graphs_match_csr(town):
    for g, G in ((town.walk, town.G_walk), (town.drive, town.G_drive)):
        assert list(G.nodes) == g.osmid.tolist()  # node order = CSR order
        np.testing.assert_allclose([G.nodes[n]["x"] for n in G.nodes], g.x)
        np.testing.assert_allclose([G.nodes[n]["lat"] for n in G.nodes], g.lat)
        pairs = {(u, v) for u, v in G.edges() if u != v}
        assert pairs == _edge_set(g)
    # OSMnx accepts them: shortest path by travel time equals the CSR Dijkstra
    Gd, d = town.G_drive, town.drive
    route = ox.shortest_path(Gd, 7, 15, weight="travel_time")
    t_nx = sum(min(e["travel_time"] for e in Gd[u][v].values())
               for u, v in zip(route[:-1], route[1:], strict=True))
    dist = csgraph.dijkstra(d.to_scipy(), indices=d.index_of([7])[0])
    assert dist[d.index_of([15])[0]] == pytest.approx(t_nx)
    assert ox.distance.nearest_nodes(town.G_walk, town.walk.x[3], town.walk.y[3]) == town.walk.osmid[3]


def test_projected_input_graph_gives_the_same_city(fixtures):
    from kaicity.network.osmxml import read_osm_xml

    G, cand, _ = read_osm_xml(fixtures / "tiny_town.osm")
    Gs = ox.simplify_graph(G)
    Gp = ox.project_graph(Gs, to_crs="EPSG:32652")  # x/y in metres, lon/lat node attributes
    a = city_from_graph(Gs, name="a", source="a", facilities=cand)
    b = city_from_graph(Gp, name="b", source="b", facilities=cand)
    for g, h in ((a.walk, b.walk), (a.drive, b.drive)):  # project_graph may reorder nodes: compare by id
        ga, hb = np.argsort(g.osmid), np.argsort(h.osmid)
        np.testing.assert_array_equal(g.osmid[ga], h.osmid[hb])
        np.testing.assert_allclose(g.x[ga], h.x[hb], atol=1e-6)
        np.testing.assert_allclose(g.lon[ga], h.lon[hb], atol=1e-9)
        assert _edge_set(g) == _edge_set(h)
        np.testing.assert_allclose(np.sort(g.weights), np.sort(h.weights))
    geoms = [(u, v, k, d["geometry"]) for u, v, k, d in a.G_drive.edges(keys=True, data=True) if "geometry" in d]
    assert geoms
    for u, v, k, geom in geoms:
        assert b.G_drive[u][v][k]["geometry"].equals_exact(geom, 1e-6)
        assert geom.coords[0] == pytest.approx((a.G_drive.nodes[u]["x"], a.G_drive.nodes[u]["y"]))


def test_multidigraph_builder_equals_networkx_api():
    nodes = [(5, {"x": 1.0}), (3, {"x": 2.0}), (9, {})]
    edges = [(5, 3, 0, {"w": 1}), (5, 3, None, {"w": 2}), (3, 5, 7, {"w": 3}), (9, 9, None, {"w": 4}),
             (3, 5, None, {"w": 5})]
    fast = multidigraph({"crs": "EPSG:4326"}, nodes, [(u, v, k, dict(d)) for u, v, k, d in edges])
    ref = nx.MultiDiGraph(crs="EPSG:4326")
    ref.add_nodes_from(nodes)
    ref.add_edges_from([(u, v, k, dict(d)) if k is not None else (u, v, dict(d)) for u, v, k, d in edges])
    assert nx.utils.graphs_equal(fast, ref)
    assert list(fast.nodes) == [5, 3, 9]
    assert list(fast.edges(keys=True)) == list(ref.edges(keys=True))
    assert fast.in_degree(5) == ref.in_degree(5) == 2


# ----------------------------------------------------------------------------- tag rules and speeds
@pytest.mark.parametrize(("tags", "walk", "drive"), [
    ({"highway": "residential"}, True, True),
    ({"highway": ["residential", "tertiary"]}, True, True),
    ({"highway": "footway"}, True, False),
    ({"highway": "motorway"}, False, True),
    ({"highway": "trunk", "foot": "yes"}, True, True),
    ({"highway": "secondary", "foot": "no"}, False, True),
    ({"highway": "service", "access": "private"}, False, False),
    ({"highway": "footway", "access": "private"}, True, False),
    ({"highway": "residential", "access": "no", "foot": "yes"}, True, False),
    ({"highway": "pedestrian", "area": "yes"}, False, False),
    ({"highway": "construction"}, False, False),
    ({"highway": None}, False, False),
])
def test_walk_drive_rules(tags, walk, drive):
    assert walkable(tags.get("highway"), tags.get("foot"), tags.get("access"), tags.get("area")) is walk
    assert drivable(tags.get("highway"), tags.get("access"), None, tags.get("area")) is drive


def test_impute_speeds_equals_osmnx():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=127.0, y=37.5)
    G.add_node(2, x=127.001, y=37.5)
    specs = [("residential", None), ("residential", "40"), ("primary", None), ("primary", "60"),
             (["secondary", "tertiary"], None), ("unclassified", ["30", "50"]), ("trunk", "30 mph"),
             ("service", None), ("busway", None), ("tertiary", "KR:urban"), ("living_street", "20")]
    for i, (h, m) in enumerate(specs):
        d = {"highway": h, "length": 100.0 + i}
        if m is not None:
            d["maxspeed"] = m
        G.add_edge(1, 2, key=i, **d)
    hw = [d["highway"] for _, _, d in G.edges(data=True)]
    ms = [d.get("maxspeed") for _, _, d in G.edges(data=True)]
    for hwy_speeds, fallback in ((KOREAN_URBAN_SPEEDS, 30.0), ({"residential": 25.0}, 33.0), (None, None)):
        ref = ox.add_edge_travel_times(ox.add_edge_speeds(G.copy(), hwy_speeds=hwy_speeds, fallback=fallback))
        want = [d["speed_kph"] for _, _, d in ref.edges(data=True)]
        got, imputed = impute_speeds(hw, ms, hwy_speeds=hwy_speeds or {}, fallback=fallback)
        np.testing.assert_allclose(got, want)
        tt = np.array([100.0 + i for i in range(len(specs))]) / 1000 / (got / 3600)
        np.testing.assert_allclose(tt, [d["travel_time"] for _, _, d in ref.edges(data=True)])
    # "KR:urban" is not in OSMnx's implicit-maxspeed table, so it is imputed like a missing value
    assert imputed.tolist() == [m is None or m == "KR:urban" for _, m in specs]


def test_rural_edges_use_rural_defaults():
    speed, imputed = impute_speeds(["primary", "primary", "primary"], [None, None, "50"],
                                   rural=np.array([False, True, True]))
    assert speed.tolist() == [KOREAN_URBAN_SPEEDS["primary"], KOREAN_RURAL_SPEEDS["primary"], 50.0]
    assert imputed.tolist() == [True, True, False]


# ----------------------------------------------------------------------------- graphs from code
def _grid(n: int = 4, *, zone=None, footway: bool = True) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(n):
        for j in range(n):
            attrs = {"x": 127.0 + 0.001 * j, "y": 37.5 + 0.001 * i}
            if zone is not None:
                attrs["zone"] = zone(i, j)
            G.add_node(i * n + j, **attrs)
    for i in range(n):
        for j in range(n):
            a = i * n + j
            right = (a + 1, "residential") if j + 1 < n else (None, None)
            up = (a + n, "footway" if footway and j == 0 else "tertiary") if i + 1 < n else (None, None)
            for b, hw in (right, up):
                if b is None:
                    continue
                G.add_edge(a, b, highway=hw, oneway=False, length=100.0)
                G.add_edge(b, a, highway=hw, oneway=False, length=100.0)
    return G


def test_zone_attribute_is_used():
    G = _grid(zone=lambda i, j: "core" if i < 2 else ("suburb" if j < 2 else "rural"))
    city = city_from_graph(G, name="grid", source="grid", facility_mode="synthetic")
    want = [ZONE_CODE["core" if o // 4 < 2 else ("suburb" if o % 4 < 2 else "rural")]
            for o in city.walk.osmid]
    assert city.walk.zone.tolist() == want
    assert city.report["zones"]["method"] == "attribute"
    assert city.walk_to_drive.dtype == np.int32 and len(city.walk_to_drive) == city.walk.n_nodes


def test_nearest_node_maps_brute_force():
    city = city_from_graph(_grid(6), name="g", source="g")
    w, d = city.walk, city.drive
    for src, dst, mp in ((w, d, city.walk_to_drive), (d, w, city.drive_to_walk)):
        dist = np.hypot(src.x[:, None] - dst.x[None, :], src.y[:, None] - dst.y[None, :])
        np.testing.assert_allclose(dist[np.arange(src.n_nodes), mp], dist.min(axis=1))
    # footways (column 0) are walk-only: drive nodes of column 0 exist only through residential rows
    assert w.n_nodes == 36 and d.n_nodes == 36


def test_input_graph_not_modified():
    G = _grid()
    before = [dict(d) for _, _, d in G.edges(data=True)]
    city_from_graph(G, name="g", source="g")
    assert [dict(d) for _, _, d in G.edges(data=True)] == before


def test_walk_along_roads_reported():
    city = city_from_graph(_grid(footway=False), name="g", source="roads")
    assert city.report["walk_along_roads"] is True
    assert any("walking happens along roads" in n for n in city.report["notes"])


@pytest.mark.parametrize("make,match", [
    (lambda: nx.MultiDiGraph(crs="EPSG:4326"), "empty"),
    (lambda: nx.MultiDiGraph([(1, 2)], crs="EPSG:4326"), "x"),
])
def test_bad_graphs(make, match):
    G = make()
    with pytest.raises(NetworkError, match=match) as exc:
        city_from_graph(G, name="bad", source="my-input")
    assert "my-input" in str(exc.value)


def test_graph_without_streets_or_edges():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=127.0, y=37.5)
    G.add_node(2, x=127.001, y=37.5)
    with pytest.raises(NetworkError, match="no edges"):
        city_from_graph(G, name="n", source="lonely")
    G.add_edge(1, 2, building="yes", length=10.0)
    with pytest.raises(NetworkError, match="no streets"):
        city_from_graph(G, name="n", source="buildings.osm")
    G.add_edge(1, 2, highway="footway", length=10.0)
    with pytest.raises(NetworkError, match="drivable"):
        city_from_graph(G, name="n", source="park-paths")


def test_single_node_component_is_useless():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=127.0, y=37.5)
    G.add_node(2, x=127.001, y=37.5)
    G.add_edge(1, 2, highway="residential", oneway=True, length=90.0)  # strongly connected parts: 1 node
    with pytest.raises(NetworkError, match=r"drive network's largest strongly connected component has 1"):
        city_from_graph(G, name="n", source="oneway-stub")


def test_synthetic_city_converts():
    from kaicity.network import synthetic_city

    G = synthetic_city(2_000, seed=4)
    city = city_from_graph(G, name="syn", source="synthetic")
    assert city.walk.n_nodes == len(G)  # weakly connected and no edge dropped for walking
    zones = np.array([ZONE_CODE[G.nodes[n]["zone"]] for n in city.walk.osmid])
    np.testing.assert_array_equal(city.walk.zone, zones)
    assert city.report["drive_dropped_nodes"] == 0
    n_comp, _ = csgraph.connected_components(city.drive.to_scipy(), directed=True, connection="strong")
    assert n_comp == 1
    assert set(city.facilities["category"]) == set(CATEGORIES)
    assert (city.facilities["source"] == "synthetic").all()
    # speeds come from the generator's maxspeed tags (none imputed except footways, which are not driven)
    assert city.report["drive_speed_imputed_edges"] == 0
