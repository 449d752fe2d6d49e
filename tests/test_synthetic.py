"""Tests of the built-in offline synthetic city (:mod:`kaicity.network.synthetic`).

References are networkx and OSMnx themselves: the graph must behave like one OSMnx built.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from kaicity.errors import GeometryError, KaicityError, NetworkError
from kaicity.network.synthetic import DRIVABLE_EXCLUDED, HIGHWAYS, synthetic_city

WALK_EXCLUDED = {"motorway", "motorway_link", "trunk", "trunk_link"}


@pytest.fixture(scope="module")
def city() -> nx.MultiDiGraph:
    return synthetic_city(3_000, seed=7)


@pytest.fixture(scope="module")
def projected(city: nx.MultiDiGraph) -> nx.MultiDiGraph:
    return ox.project_graph(city)


def _drive_subgraph(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    keep = [(u, v, k) for u, v, k, h in G.edges(keys=True, data="highway") if h not in DRIVABLE_EXCLUDED]
    return G.edge_subgraph(keep)


def _walk_graph(G: nx.MultiDiGraph) -> nx.Graph:
    """Undirected walk graph, the shortest parallel edge kept."""
    W = nx.Graph()
    W.add_nodes_from(G.nodes)
    for u, v, d in G.edges(data=True):
        if d["highway"] in WALK_EXCLUDED:
            continue
        if not W.has_edge(u, v) or W[u][v]["length"] > d["length"]:
            W.add_edge(u, v, length=d["length"])
    return W


def _zones(G: nx.MultiDiGraph) -> dict[int, str]:
    return dict(G.nodes(data="zone"))


def _roads(G: nx.MultiDiGraph) -> dict[int, list[tuple[int, int, dict]]]:
    """Forward edges grouped by way id (``osmid``)."""
    ways: dict[int, list[tuple[int, int, dict]]] = defaultdict(list)
    for u, v, d in G.edges(data=True):
        if not d["reversed"]:
            ways[d["osmid"]].append((u, v, d))
    return ways


def _chain_ends(edges: list[tuple[int, int, dict]]) -> list[int]:
    count = Counter(n for u, v, _ in edges for n in (u, v))
    return [n for n, c in count.items() if c == 1]


# ---------------------------------------------------------------------------------------------
# OSMnx schema and compatibility
# ---------------------------------------------------------------------------------------------
def test_graph_has_osmnx_schema(city: nx.MultiDiGraph) -> None:
    assert isinstance(city, nx.MultiDiGraph)
    assert city.graph["crs"] == "EPSG:4326"
    assert city.graph["layout_crs"] == "EPSG:32652"
    assert set(city.nodes) == set(range(city.number_of_nodes()))
    for _, d in city.nodes(data=True):
        assert isinstance(d["x"], float) and 126.5 < d["x"] < 128.1
        assert isinstance(d["y"], float) and 35.8 < d["y"] < 37.2
        assert d["zone"] in ("core", "suburb", "rural")
        assert isinstance(d["street_count"], int) and d["street_count"] >= 1
    highways = set()
    for u, v, d in city.edges(data=True):
        assert u != v
        assert type(d["osmid"]) is int
        assert isinstance(d["length"], float) and d["length"] > 1.0
        assert isinstance(d["highway"], str) and d["highway"] in HIGHWAYS
        assert type(d["oneway"]) is bool and type(d["reversed"]) is bool
        highways.add(d["highway"])
        if d["highway"] == "footway":
            assert "maxspeed" not in d
        else:
            assert isinstance(d["maxspeed"], str) and d["maxspeed"].isdigit()
    assert highways == set(HIGHWAYS)


def test_speed_limits_follow_5030_policy(city: nx.MultiDiGraph) -> None:
    zone = _zones(city)
    speeds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for u, v, d in city.edges(data=True):
        if "maxspeed" in d:
            where = "rural" if zone[u] == zone[v] == "rural" else "urban"
            speeds[where, d["highway"]].add(d["maxspeed"])
    for hw in ("residential", "living_street"):
        assert speeds["urban", hw] == {"30"}
    for hw in ("primary", "secondary"):
        assert speeds["urban", hw] <= {"50", "70"}  # 70 only on the long roads out to the villages
    assert speeds["urban", "primary"] == {"50"}
    rural_roads = speeds["rural", "secondary"] | speeds["rural", "tertiary"] | speeds["rural", "unclassified"]
    assert {"60", "70"} <= rural_roads


def test_two_way_streets_are_edge_pairs_like_osmnx(city: nx.MultiDiGraph) -> None:
    n_one = 0
    for u, v, d in city.edges(data=True):
        back = city.get_edge_data(v, u)
        if d["oneway"]:
            n_one += 1
            assert d["reversed"] is False
            assert back is None
        else:
            assert back is not None
            twins = [b for b in back.values() if b["osmid"] == d["osmid"]]
            assert len(twins) == 1
            assert twins[0]["reversed"] is (not d["reversed"])
            assert twins[0]["length"] == d["length"] and twins[0]["highway"] == d["highway"]
    assert n_one > 0


def test_street_count_matches_osmnx(city: nx.MultiDiGraph) -> None:
    assert ox.stats.count_streets_per_node(city) == dict(city.nodes(data="street_count"))


def test_length_is_planar_distance_in_utm(city: nx.MultiDiGraph, projected: nx.MultiDiGraph) -> None:
    assert str(projected.graph["crs"]).upper().endswith("32652")
    xy = {n: (d["x"], d["y"]) for n, d in projected.nodes(data=True)}
    err = [abs(d["length"] - math.dist(xy[u], xy[v])) for u, v, d in projected.edges(data=True)]
    assert max(err) < 1e-3
    # and close to OSMnx's own great-circle lengths (a sphere vs the UTM ellipsoid: within ~0.3 %)
    gc = ox.distance.add_edge_lengths(city.copy())
    ratio = np.array([d["length"] / city.edges[u, v, k]["length"]
                      for u, v, k, d in gc.edges(keys=True, data=True)])
    assert np.all(np.abs(ratio - 1.0) < 5e-3)


def test_osmnx_functions_work(city: nx.MultiDiGraph, projected: nx.MultiDiGraph) -> None:
    G = ox.add_edge_speeds(city.copy())
    G = ox.add_edge_travel_times(G)
    for _, _, d in G.edges(data=True):
        if "maxspeed" in d:
            assert d["speed_kph"] == float(d["maxspeed"])
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), rel=1e-3, abs=0.05)

    # nearest node of a point 3 m off a node is that node (projected graph, scipy KD-tree)
    nodes = [0, 1234, projected.number_of_nodes() - 1]
    xs = [projected.nodes[n]["x"] + 3.0 for n in nodes]
    ys = [projected.nodes[n]["y"] - 2.0 for n in nodes]
    assert list(ox.distance.nearest_nodes(projected, xs, ys)) == nodes

    # routing agrees with networkx
    D = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        if d["highway"] in DRIVABLE_EXCLUDED:
            continue
        if not D.has_edge(u, v) or D[u][v]["w"] > d["travel_time"]:
            D.add_edge(u, v, w=d["travel_time"])
    orig, dest = 0, G.number_of_nodes() - 1
    route = ox.routing.shortest_path(G, orig, dest, weight="travel_time")
    assert route[0] == orig and route[-1] == dest
    legs = zip(route, route[1:], strict=False)
    cost = sum(min(e["travel_time"] for e in G[a][b].values()) for a, b in legs)
    assert cost == pytest.approx(nx.dijkstra_path_length(D, orig, dest, weight="w"), rel=1e-9)

    assert ox.truncate.largest_component(city).number_of_nodes() == city.number_of_nodes()
    gdf_nodes, gdf_edges = ox.convert.graph_to_gdfs(city)
    assert len(gdf_nodes) == city.number_of_nodes() and len(gdf_edges) == city.number_of_edges()
    expected = {"osmid", "length", "highway", "oneway", "reversed", "maxspeed", "geometry"}
    assert expected <= set(gdf_edges.columns)
    assert {"x", "y", "zone", "street_count", "geometry"} <= set(gdf_nodes.columns)
    assert gdf_nodes.crs.to_epsg() == 4326
    back = ox.convert.graph_from_gdfs(gdf_nodes, gdf_edges)
    assert back.number_of_edges() == city.number_of_edges()


# ---------------------------------------------------------------------------------------------
# Connectivity, determinism, size and zones
# ---------------------------------------------------------------------------------------------
def test_connectivity(city: nx.MultiDiGraph) -> None:
    assert nx.is_weakly_connected(city)
    drive = _drive_subgraph(city)
    assert nx.is_strongly_connected(drive)
    walk = _walk_graph(city)
    assert nx.is_connected(walk) and walk.number_of_nodes() == city.number_of_nodes()
    # only the pedestrian plazas lie off the drive network
    off = set(city.nodes) - set(drive.nodes)
    assert off
    for n in off:
        assert {d["highway"] for _, _, d in city.edges(n, data=True)} == {"footway"}


def test_same_seed_same_graph_other_seed_other_graph() -> None:
    a = synthetic_city(2_000, seed=11)
    b = synthetic_city(2_000, seed=11)
    c = synthetic_city(2_000, seed=12)
    assert nx.utils.graphs_equal(a, b)
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert not nx.utils.graphs_equal(a, c)
    assert [d["x"] for _, d in a.nodes(data=True)][:100] != [d["x"] for _, d in c.nodes(data=True)][:100]


@pytest.mark.parametrize(("n", "seed"), [(500, 0), (500, 3), (2_000, 1), (3_500, 2), (5_000, 4)])
def test_node_count_within_five_percent(n: int, seed: int) -> None:
    G = synthetic_city(n, seed=seed)
    assert abs(G.number_of_nodes() - n) <= 0.05 * n
    assert nx.is_weakly_connected(G)


def test_default_zone_shares(city: nx.MultiDiGraph) -> None:
    share = {z: c / city.number_of_nodes() for z, c in Counter(_zones(city).values()).items()}
    assert share == pytest.approx({"core": 0.45, "suburb": 0.35, "rural": 0.20}, abs=0.03)


def test_custom_and_zero_zone_shares() -> None:
    G = synthetic_city(3_000, seed=3, core_share=0.6, suburb_share=0.3, rural_share=0.1)
    share = {z: c / G.number_of_nodes() for z, c in Counter(_zones(G).values()).items()}
    assert share == pytest.approx({"core": 0.6, "suburb": 0.3, "rural": 0.1}, abs=0.03)
    for kw in ({"core_share": 0.45, "suburb_share": 0.0, "rural_share": 0.55},
               {"core_share": 0.45, "suburb_share": 0.55, "rural_share": 0.0},
               {"core_share": 0.2, "suburb_share": 0.0, "rural_share": 0.8},
               {"core_share": 1.0, "suburb_share": 0.0, "rural_share": 0.0}):
        G = synthetic_city(2_000, seed=3, **kw)
        count = Counter(_zones(G).values())
        assert set(count) == {z for z in ("core", "suburb", "rural") if kw[f"{z}_share"] > 0}
        assert abs(G.number_of_nodes() - 2_000) <= 100
        for z, c in count.items():
            assert c / G.number_of_nodes() == pytest.approx(kw[f"{z}_share"], abs=0.03)
        assert nx.is_strongly_connected(_drive_subgraph(G))


def test_other_center_is_respected() -> None:
    lon0, lat0 = 126.978, 37.566  # Seoul City Hall, still UTM 52N
    G = synthetic_city(2_000, seed=0, center_lonlat=(lon0, lat0))
    core = [(d["x"], d["y"]) for _, d in G.nodes(data=True) if d["zone"] == "core"]
    lon, lat = np.mean(core, axis=0)
    assert abs(lon - lon0) < 0.01 and abs(lat - lat0) < 0.01
    assert G.graph["layout_crs"] == "EPSG:32652"


# ---------------------------------------------------------------------------------------------
# Structure of the districts
# ---------------------------------------------------------------------------------------------
def test_block_sizes(city: nx.MultiDiGraph) -> None:
    zone = _zones(city)

    def median_len(z: str) -> float:
        return float(np.median([d["length"] for u, v, d in city.edges(data=True)
                                if d["highway"] == "residential" and zone[u] == zone[v] == z]))

    assert 100.0 <= median_len("core") <= 150.0
    assert 150.0 <= median_len("suburb") <= 300.0


def test_core_arterials_and_couplets(city: nx.MultiDiGraph) -> None:
    zone = _zones(city)
    core_hw = Counter(d["highway"] for u, v, d in city.edges(data=True) if zone[u] == zone[v] == "core")
    assert core_hw["primary"] > 0 and core_hw["secondary"] > 0 and core_hw["living_street"] > 0
    assert core_hw["residential"] > 2 * (core_hw["primary"] + core_hw["secondary"])
    one = [(u, v, d) for u, v, d in city.edges(data=True) if d["oneway"]]
    assert one
    assert {d["highway"] for _, _, d in one} <= {"primary", "secondary"}
    assert all(zone[u] == zone[v] == "core" for u, v, _ in one)
    # couplets: one-way streets come in pairs running in opposite directions
    pos = {n: (d["x"], d["y"]) for n, d in city.nodes(data=True)}

    def heading(u: int, v: int) -> str:
        dx, dy = pos[v][0] - pos[u][0], pos[v][1] - pos[u][1]
        return ("E" if dx > 0 else "W") if abs(dx) > abs(dy) else ("N" if dy > 0 else "S")

    headings = Counter(heading(u, v) for u, v, _ in one)
    assert (headings["E"] > 0 and headings["W"] > 0) or (headings["N"] > 0 and headings["S"] > 0)
    assert headings["E"] == headings["W"] and headings["N"] == headings["S"]


def test_footways_exist_and_are_not_drivable(city: nx.MultiDiGraph) -> None:
    foot = [(u, v, d) for u, v, d in city.edges(data=True) if d["highway"] == "footway"]
    assert len(foot) > 10
    assert all(not d["oneway"] for _, _, d in foot)
    drive = _drive_subgraph(city)
    assert not any(h == "footway" for *_, h in drive.edges(data="highway"))
    plazas = {n for n in city.nodes if n not in drive}
    assert plazas and all(_zones(city)[n] == "core" for n in plazas)
    # a pedestrian reaches every plaza from the far end of the city, a car none
    walk = _walk_graph(city)
    far = city.number_of_nodes() - 1
    assert far in drive and all(nx.has_path(walk, far, p) for p in plazas)


def test_rural_roads_between_villages_are_1_to_5_km(city: nx.MultiDiGraph,
                                                    projected: nx.MultiDiGraph) -> None:
    zone = _zones(city)
    xy = {n: (d["x"], d["y"]) for n, d in projected.nodes(data=True)}
    urban = np.array([xy[n] for n, z in zone.items() if z != "rural"])
    village_roads = 0
    for edges in _roads(city).values():
        if len(edges) < 2:
            continue
        ends = _chain_ends(edges)
        assert len(ends) == 2
        if not all(zone[n] == "rural" for n in ends):
            continue
        village_roads += 1
        total = sum(d["length"] for _, _, d in edges)
        assert 1_000.0 <= total <= 5_000.0
        assert {d["highway"] for _, _, d in edges} <= {"secondary", "tertiary", "unclassified"}
        assert all(60.0 < d["length"] < 800.0 for _, _, d in edges)  # split into a few hundred metres
        inner = {n for u, v, _ in edges for n in (u, v)} - set(ends)
        assert inner and all(city.nodes[n]["street_count"] == 2 for n in inner)
        for n in ends:  # villages lie 4-20 km beyond the built-up area
            d_urban = np.min(np.hypot(*(urban - np.array(xy[n])).T))
            assert 3_900.0 <= d_urban <= 20_100.0
    assert village_roads >= 5


def test_villages_are_small_irregular_clusters(city: nx.MultiDiGraph) -> None:
    zone = _zones(city)
    # village streets are single-segment ways; the long roads are ways of several segments
    village_edges = [(u, v, d) for edges in _roads(city).values() if len(edges) == 1
                     for u, v, d in edges if zone[u] == zone[v] == "rural"]
    assert {d["highway"] for _, _, d in village_edges} == {"residential", "unclassified"}
    assert max(d["length"] for _, _, d in village_edges) < 300.0
    clusters = list(nx.connected_components(nx.Graph([(u, v) for u, v, _ in village_edges])))
    sizes = sorted(len(c) for c in clusters)
    assert len(clusters) >= 5
    assert sizes[0] >= 10 and sizes[-1] <= 60


def test_walking_to_the_core_is_far_from_rural_nodes(city: nx.MultiDiGraph) -> None:
    walk = _walk_graph(city)
    zone = _zones(city)
    core = [n for n, z in zone.items() if z == "core"]
    rural = [n for n, z in zone.items() if z == "rural"]
    to_core = nx.multi_source_dijkstra_path_length(walk, core, weight="length")
    d_rural = np.array([to_core[n] for n in rural])
    # within the core, the 100 nearest core nodes of a central node are a short walk away
    pos = np.array([(city.nodes[n]["x"], city.nodes[n]["y"]) for n in core])
    centre = core[int(np.argmin(np.hypot(*(pos - pos.mean(axis=0)).T)))]
    from_centre = nx.single_source_dijkstra_path_length(walk, centre, weight="length")
    within_core = np.sort([from_centre[n] for n in core])[1:101]
    assert within_core.max() < 1_500.0
    assert np.median(d_rural) > 5 * within_core.max()
    assert np.percentile(d_rural, 10) > 2_000.0
    # a 15-minute walk (1.2 km) reaches many more nodes from the core centre than from a village
    village = [n for n in rural if city.nodes[n]["street_count"] >= 3]
    reach_rural = max(len(nx.single_source_dijkstra_path_length(walk, v, cutoff=1_200.0, weight="length"))
                      for v in village[:: max(1, len(village) // 20)])
    reach_core = len(nx.single_source_dijkstra_path_length(walk, centre, cutoff=1_200.0, weight="length"))
    assert reach_core > 2 * reach_rural


def test_twenty_thousand_nodes() -> None:
    G = synthetic_city(20_000, seed=5)
    n = G.number_of_nodes()
    assert abs(n - 20_000) <= 1_000
    share = {z: c / n for z, c in Counter(_zones(G).values()).items()}
    assert share == pytest.approx({"core": 0.45, "suburb": 0.35, "rural": 0.20}, abs=0.03)
    assert nx.is_weakly_connected(G)
    assert nx.is_strongly_connected(_drive_subgraph(G))
    zone = _zones(G)
    core_res = [d["length"] for u, v, d in G.edges(data=True)
                if d["highway"] == "residential" and zone[u] == zone[v] == "core"]
    assert 100.0 <= float(np.median(core_res)) <= 150.0
    assert ox.stats.count_streets_per_node(G) == dict(G.nodes(data="street_count"))


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_nodes": 499}, "n_nodes"),
        ({"n_nodes": 0}, "n_nodes"),
        ({"n_nodes": -5}, "n_nodes"),
        ({"n_nodes": 2_000.5}, "n_nodes"),
        ({"n_nodes": 2_000.0}, "n_nodes"),
        ({"n_nodes": "2000"}, "n_nodes"),
        ({"n_nodes": True}, "n_nodes"),
        ({"n_nodes": 10**9}, "n_nodes"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"core_share": 0.5, "suburb_share": 0.5, "rural_share": 0.2}, "sum to 1"),
        ({"core_share": 0.4, "suburb_share": 0.35, "rural_share": 0.2}, "sum to 1"),
        ({"core_share": 1.2, "suburb_share": -0.2, "rural_share": 0.0}, "core_share"),
        ({"core_share": 0.5, "suburb_share": -0.1, "rural_share": 0.6}, "suburb_share"),
        ({"core_share": "0.45"}, "core_share"),
        ({"n_nodes": 1_000, "core_share": 0.05, "suburb_share": 0.5, "rural_share": 0.45}, "core_share"),
        ({"n_nodes": 1_000, "core_share": 0.5, "suburb_share": 0.48, "rural_share": 0.02}, "rural_share"),
    ],
)
def test_bad_input_raises_network_error(kwargs: dict, name: str) -> None:
    with pytest.raises(NetworkError, match=name) as info:
        synthetic_city(**kwargs)
    assert isinstance(info.value, ValueError) and isinstance(info.value, KaicityError)


@pytest.mark.parametrize("center", [(127.0,), "Sejong", (200.0, 36.5), (127.0, 95.0), (None, 36.5)])
def test_bad_center_raises_geometry_error(center: object) -> None:
    with pytest.raises(GeometryError, match="center_lonlat"):
        synthetic_city(1_000, center_lonlat=center)
