"""The real Seoul extracts in ../shared/data/osm (skipped when absent), against plain OSMnx.

The reference networks are built here independently, with OSMnx only: ``graph_from_xml``
(``bidirectional=True`` for walking, as OSMnx's walk networks are) or ``load_graphml``, keep
the edges the documented tag rules allow, ``simplify_graph`` and
``truncate.largest_component``.  kaicity must give the same nodes, edges, lengths and
(where speeds are not zone-dependent) travel times.  Counts are also checked loosely against
SOURCES.md (which used weak components and no foot/access rules).
"""

from __future__ import annotations

import contextlib

import numpy as np
import osmnx as ox
import pytest

from kaicity.categories import CATEGORIES, ZONE_CODE
from kaicity.network import City, load_city
from kaicity.network.facilities import osm_candidates_from_xml
from kaicity.network.tags import KOREAN_URBAN_SPEEDS, order_merged_tags

pytestmark = [pytest.mark.shared,
              pytest.mark.filterwarnings("ignore:Downcasting object dtype arrays:FutureWarning")]

NO_WALK = {"motorway", "motorway_link", "trunk", "trunk_link"}
NOT_BUILT = {"proposed", "construction", "abandoned", "disused", "razed", "planned", "raceway", "bus_guideway"}
FOOTWAYS = {"footway", "pedestrian", "path", "steps", "corridor"}
DRIVE = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
         "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "road"}


def _one(v):
    return v[0] if isinstance(v, list) else v


def _walk_ok(d) -> bool:
    h, foot, access = _one(d.get("highway")), _one(d.get("foot")), _one(d.get("access"))
    if h is None or h in NOT_BUILT or _one(d.get("area")) == "yes" or foot == "no":
        return False
    ok_foot = foot in {"yes", "designated", "permissive", "official"}
    if h in NO_WALK and not ok_foot:
        return False
    return not (access in {"private", "no"} and h not in FOOTWAYS and not ok_foot)


def _drive_ok(d) -> bool:
    return (_one(d.get("highway")) in DRIVE and _one(d.get("access")) not in {"private", "no"}
            and _one(d.get("motor_vehicle")) not in {"private", "no"} and _one(d.get("area")) != "yes")


@contextlib.contextmanager
def _foot_tags():
    old = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = [*old, "foot", "motor_vehicle"]
    try:
        yield
    finally:
        ox.settings.useful_tags_way = old


def reference(path, mode: str):
    """OSMnx-only walk or drive network of a file."""
    with _foot_tags():
        if path.suffix == ".graphml":
            G = ox.load_graphml(path)
            if mode == "walk":  # a simplified graph: add the reverse of oneway edges, no re-simplification
                for u, v, d in list(G.edges(data=True)):
                    if d.get("oneway"):
                        G.add_edge(v, u, **d)
        else:
            G = ox.graph_from_xml(path, bidirectional=(mode == "walk"), simplify=False, retain_all=True)
    ok = _walk_ok if mode == "walk" else _drive_ok
    H = G.edge_subgraph([(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if ok(d)]).copy()
    if path.suffix != ".graphml":
        H = ox.simplify_graph(H)
    return ox.truncate.largest_component(H, strongly=(mode == "drive"))


def _min_by_pair(G, attr, *, undirected: bool) -> dict:
    out: dict = {}
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        key = tuple(sorted((u, v))) if undirected else (u, v)
        out[key] = min(out.get(key, np.inf), d[attr])
    return out


def _csr_by_pair(g, weights, *, undirected: bool) -> dict:
    tails = g.edge_tails()
    out = {}
    for a, b, w in zip(g.osmid[tails], g.osmid[g.indices], weights, strict=True):
        key = tuple(sorted((int(a), int(b)))) if undirected else (int(a), int(b))
        out[key] = min(out.get(key, np.inf), w)
    return out


FILES = ("seoul_mapo_gongdeok.osm", "seoul_songpa_jamsil_asan.osm", "seoul_central_drive.graphml")
#: (walk nodes, drive nodes) from SOURCES.md: weak components, no foot/access/area rules.
SOURCES_COUNTS = {"seoul_mapo_gongdeok.osm": (972, 367), "seoul_songpa_jamsil_asan.osm": (370, 383),
                  "seoul_central_drive.graphml": (3384, 3384)}

_cities: dict[str, City] = {}


@pytest.fixture(params=FILES)
def seoul(request, shared_osm):
    name = request.param
    path = shared_osm / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    if name not in _cities:
        _cities[name] = load_city(path)
    return path, _cities[name]


def test_every_shared_file_is_covered(shared_osm):
    files = {p.name for p in shared_osm.iterdir() if p.name.endswith((".osm", ".osm.bz2", ".osm.xml", ".graphml"))}
    assert files == set(FILES), "a new extract in ../shared/data/osm: add it (and its counts) here"


def test_walk_network_equals_osmnx(seoul):
    path, city = seoul
    ref = reference(path, "walk")
    w = city.walk
    assert set(w.osmid.tolist()) == set(ref.nodes)
    want = _min_by_pair(ref, "length", undirected=True)
    got = _csr_by_pair(w, w.lengths, undirected=True)
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=1e-9)


def test_drive_network_equals_osmnx(seoul):
    path, city = seoul
    ref = reference(path, "drive")
    d = city.drive
    assert set(d.osmid.tolist()) == set(ref.nodes)
    want = _min_by_pair(ref, "length", undirected=False)
    got_len = _csr_by_pair(d, d.lengths, undirected=False)
    assert got_len.keys() == want.keys()
    # travel times: OSMnx speed imputation with the Korean urban defaults, on non-rural edges; OSMnx
    # takes the first of a merged highway list, in hash-seeded set order: put the lists in kaicity's
    # fixed order first (highest-ranked class first, tests/test_determinism.py)
    ref = order_merged_tags(ref)
    ref = ox.add_edge_travel_times(ox.add_edge_speeds(ref, hwy_speeds=KOREAN_URBAN_SPEEDS, fallback=30.0))
    want_t = _min_by_pair(ref, "travel_time", undirected=False)
    got_t = _csr_by_pair(d, d.weights, undirected=False)
    rural = set(d.osmid[d.zone == ZONE_CODE["rural"]].tolist())
    keys = [k for k in want_t if k[0] not in rural]
    assert len(keys) > 0.9 * len(want_t)
    np.testing.assert_allclose([got_t[k] for k in keys], [want_t[k] for k in keys], rtol=1e-9)
    # ... and the length in the CSR belongs to the fastest parallel edge, so compare where unique
    np.testing.assert_allclose(sum(got_len.values()), sum(want.values()), rtol=0.02)


def test_counts_close_to_sources_md(seoul):
    path, city = seoul
    walk_src, drive_src = SOURCES_COUNTS[path.name]
    assert 0.97 * walk_src <= city.walk.n_nodes <= walk_src
    assert 0.85 * drive_src <= city.drive.n_nodes <= drive_src  # strong vs weak components
    assert city.report["crs"] == "EPSG:32652"
    assert city.report["attribution"] == "© OpenStreetMap contributors"


def test_zones_mostly_core(seoul):
    _, city = seoul
    for g in (city.walk, city.drive):
        assert set(np.unique(g.zone).tolist()) <= {0, 1, 2}
        assert np.mean(g.zone == ZONE_CODE["core"]) > 0.9  # dense Seoul: core, not terciles
    assert city.report["zones"]["method"] == "density"


def test_mapo_facilities(shared_osm):
    path = shared_osm / "seoul_mapo_gongdeok.osm"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    city = _cities.get(path.name) or load_city(path)
    f = city.facilities
    assert (f.source == "osm").all()
    assert {c: int((f.category == c).sum()) for c in CATEGORIES} == {
        "healthcare": 4,   # doctors 3 + dentist 1 (healthcare=doctor/dentist on the same nodes)
        "education": 10,   # school 7, kindergarten 1, library 1, university 1
        "welfare": 8,      # townhall 2, police 2, post_office 2, social_facility 1, community_centre 1
        "daily": 19,       # supermarket 9, convenience 3, greengrocer 2, butcher 1, pharmacy 2, marketplace 2
        "culture": 6,      # park 4, playground 1, tourism=museum 1
    }
    by_name = dict(zip(f.name, f.category, strict=False))
    assert by_name["서울공덕초등학교"] == "education"
    assert by_name["공덕동 주민센터"] == "welfare" and by_name["마포경찰서"] == "welfare"
    assert by_name["앤클리닉"] == "healthcare" and by_name["프라미스치과"] == "healthcare"
    assert by_name["건강한약국"] == "daily" and by_name["효창공원"] == "culture"
    # the per-tag counts agree with a plain OSMnx feature query
    cand = osm_candidates_from_xml(path)
    for tag, value in (("amenity", "school"), ("amenity", "doctors"), ("amenity", "townhall")):
        n_ox = len(ox.features_from_xml(path, tags={tag: value}))
        assert int((cand.tag == f"{tag}={value}").sum()) == n_ox
    assert city.report["facilities"]["osm_dropped_off_network"] == 0
    # every facility sits on a node near it
    d = np.hypot(city.walk.x[f.node] - f.x, city.walk.y[f.node] - f.y)
    assert d.max() < 300


def test_songpa_roads_only(shared_osm):
    path = shared_osm / "seoul_songpa_jamsil_asan.osm"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    city = _cities.get(path.name) or load_city(path)
    assert city.report["walk_along_roads"] is True
    counts = {c: int((city.facilities.category == c).sum()) for c in CATEGORIES}
    assert counts == {"healthcare": 1, "education": 2, "welfare": 4, "daily": 1, "culture": 2}
    assert (city.facilities.source == "osm").all()
    # foot=no ways (8 of them) and trunk roads are not walkable, yet drivable
    assert city.report["walk_excluded_edges"] > 0


def test_graphml_walks_along_roads(shared_osm):
    path = shared_osm / "seoul_central_drive.graphml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    city = _cities.get(path.name) or load_city(path)
    assert city.report["walk_along_roads"] is True
    assert any("along roads" in n for n in city.report["notes"])
    assert city.report["file_holds_facilities"] is False
    assert (city.facilities.source == "synthetic").all()
    assert set(city.facilities.category) == set(CATEGORIES)
    # every walk edge is a road of the drive file
    assert {d["highway"] if isinstance(d["highway"], str) else d["highway"][0]
            for _, _, d in city.G_walk.edges(data=True)} <= DRIVE
