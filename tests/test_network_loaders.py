"""load_city: spec parsing, files (.osm, .osm.bz2, .graphml), downloads with a fake downloader, bad input.

Nothing here touches the internet: downloads are simulated with an injected function, and
the real downloader is checked with ``socket.create_connection`` patched to fail.
"""

from __future__ import annotations

import bz2
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest

from kaicity.categories import CATEGORIES
from kaicity.errors import (
    FacilityError,
    GeometryError,
    InputFileError,
    KaicityError,
    NetworkError,
    OfflineError,
)
from kaicity.network import City, load_city, loaders
from kaicity.network.download import cache_dir, cache_key
from kaicity.network.osmxml import read_osm_xml
from kaicity.network.spec import parse_spec, validate_bbox

MAPO_BBOX = (126.9495, 37.5443, 126.9663, 37.5519)


@pytest.fixture(scope="module")
def town_graph(fixtures):
    """The fixture's unsimplified street graph and facility candidates, as a downloader would return them."""
    G, cand, _ = read_osm_xml(fixtures / "tiny_town.osm")
    return G, cand


@pytest.fixture(scope="module")
def town(fixtures) -> City:
    return load_city(fixtures / "tiny_town.osm", facilities="osm")


def _same_networks(a: City, b: City) -> None:
    """Same nodes, edges and weights (node order may follow the file order)."""
    for g, h in ((a.walk, b.walk), (a.drive, b.drive)):
        assert sorted(g.osmid.tolist()) == sorted(h.osmid.tolist())
        for graph, other in ((g, h), (h, g)):
            mine = dict(zip(zip(graph.osmid[graph.edge_tails()].tolist(), graph.osmid[graph.indices].tolist(),
                                strict=True), graph.weights.tolist(), strict=True))
            theirs = dict(zip(zip(other.osmid[other.edge_tails()].tolist(), other.osmid[other.indices].tolist(),
                                  strict=True), other.weights.tolist(), strict=True))
            assert mine.keys() == theirs.keys()
            np.testing.assert_allclose([mine[k] for k in theirs], list(theirs.values()))


# ----------------------------------------------------------------------------- spec parsing
@pytest.mark.parametrize(("spec", "want"), [
    ("synthetic", {"kind": "synthetic", "n_nodes": None, "seed": 0}),
    ("synthetic:n=20000,seed=3", {"kind": "synthetic", "n_nodes": 20000, "seed": 3}),
    ("Synthetic:5000", {"kind": "synthetic", "n_nodes": 5000, "seed": 0}),
    ({"synthetic": True, "n": 800, "seed": 2}, {"kind": "synthetic", "n_nodes": 800, "seed": 2}),
    ({"kind": "synthetic", "n_nodes": 900}, {"kind": "synthetic", "n_nodes": 900, "seed": 0}),
    ("Mapo-gu, Seoul, South Korea", {"kind": "place", "place": "Mapo-gu, Seoul, South Korea"}),
    ("place:Sejong", {"kind": "place", "place": "Sejong"}),
    ({"place": "Jongno-gu"}, {"kind": "place", "place": "Jongno-gu"}),
    ("address:Seoul City Hall", {"kind": "address", "address": "Seoul City Hall", "dist": 1000.0}),
    ({"address": "Seoul Station", "dist": 500}, {"kind": "address", "address": "Seoul Station", "dist": 500.0}),
    (MAPO_BBOX, {"kind": "bbox", "bbox": MAPO_BBOX}),
    ("126.9495,37.5443,126.9663,37.5519", {"kind": "bbox", "bbox": MAPO_BBOX}),
    ("bbox: 126.9495, 37.5443, 126.9663, 37.5519", {"kind": "bbox", "bbox": MAPO_BBOX}),
])
def test_parse_spec(spec, want):
    assert parse_spec(spec) == want


def test_parse_file_specs(fixtures):
    q = parse_spec(str(fixtures / "tiny_town.osm"))
    assert q == {"kind": "file", "path": fixtures / "tiny_town.osm", "format": "osm"}
    assert parse_spec({"path": fixtures / "tiny_town.osm"})["format"] == "osm"


@pytest.mark.parametrize(("spec", "match"), [
    ("synthetic:n=abc", "n must be an integer"),
    ("synthetic:size=5", "unknown synthetic option 'size'"),
    ("synthetic:seed=-1", "seed must be >= 0"),
    ("synthetic:n=1", "n >= 2"),
    ("", "give 'synthetic'"),
    (42, "give 'synthetic'"),
    ({"colour": "red"}, "use a dict"),
])
def test_bad_specs(spec, match):
    with pytest.raises(NetworkError, match=match):
        parse_spec(spec)


@pytest.mark.parametrize(("bbox", "match"), [
    ((126.9663, 37.5443, 126.9495, 37.5519), "west < east"),          # west/east swapped
    ((126.9495, 37.5519, 126.9663, 37.5443), "south < north"),        # south/north swapped
    ((37.5443, 126.9495, 37.5519, 126.9663), "out of range"),          # lat/lon order
    ((126.9, 37.5, 126.9, 37.6), "corners are swapped or empty"),      # zero width
    ((126.9, 37.5, 127.0), "4 finite numbers"),
    (("a", 1, 2, 3), "4 numbers"),
    ((126.9, float("nan"), 127.0, 37.6), "finite"),
])
def test_bad_bboxes(bbox, match):
    with pytest.raises(GeometryError, match=match) as exc:
        validate_bbox(bbox)
    assert "west, south, east, north" in str(exc.value)


def test_swapped_bbox_via_load_city():
    with pytest.raises(GeometryError, match="swapped"):
        load_city((126.9663, 37.5519, 126.9495, 37.5443), download=lambda q: pytest.fail("no download"))
    with pytest.raises(GeometryError, match="swapped"):
        load_city("126.9663,37.5443,126.9495,37.5519")


# ----------------------------------------------------------------------------- files
def test_missing_file_unknown_extension_and_folder(tmp_path):
    with pytest.raises(InputFileError, match=r"nowhere\.osm: file not found"):
        load_city(tmp_path / "nowhere.osm")
    with pytest.raises(InputFileError, match="file not found"):
        load_city(str(tmp_path / "sub" / "area"))
    csv = tmp_path / "streets.csv"
    csv.write_text("a,b\n")
    with pytest.raises(InputFileError, match=r"streets\.csv: unknown file type \.csv"):
        load_city(csv)
    with pytest.raises(InputFileError, match="is a folder"):
        load_city(tmp_path)


def test_osm_without_streets(tmp_path):
    f = tmp_path / "buildings.osm"
    f.write_text('<?xml version="1.0"?><osm version="0.6">'
                 '<node id="1" lat="37.5" lon="127.0"/><node id="2" lat="37.5" lon="127.001"/>'
                 '<node id="3" lat="37.501" lon="127.001"/>'
                 '<way id="9"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="building" v="yes"/></way>'
                 "</osm>")
    with pytest.raises(NetworkError, match=r"buildings\.osm: no streets") as exc:
        load_city(f)
    assert "highway" in str(exc.value)


@pytest.mark.parametrize(("text", "match"), [
    ("", "not valid OSM XML"),
    ("this is not xml", "not valid OSM XML"),
    ('<?xml version="1.0"?><gpx></gpx>', "not OpenStreetMap XML"),
    ('<?xml version="1.0"?><osm><node id="1" lat="37.5" lon="127.0">', "not valid OSM XML"),
])
def test_broken_osm_files(tmp_path, text, match):
    f = tmp_path / "broken.osm"
    f.write_text(text)
    with pytest.raises(InputFileError, match=match) as exc:
        load_city(f)
    assert "broken.osm" in str(exc.value)


def test_osm_with_missing_way_nodes(tmp_path):
    f = tmp_path / "holes.osm"
    f.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="37.5" lon="127.0"/>'
                 '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>')
    with pytest.raises(NetworkError, match=r"holes\.osm: no usable streets: .* clipped extract"):
        load_city(f)


def test_clipped_extract_is_cut_not_fatal(fixtures, tmp_path, town):
    # plain OSMnx fails with "Some edges missing nodes" on ways whose nodes are not in the file
    text = (fixtures / "tiny_town.osm").read_text()
    for node in ('<node id="12" lat="37.5500" lon="126.9750"/>', '<node id="31" lat="37.5510" lon="126.9800"/>'):
        assert node in text
        text = text.replace(node, "")
    f = tmp_path / "clipped.osm"
    f.write_text(text)
    city = load_city(f, facilities="osm")
    assert city.report["osm_xml"]["clipped_ways"] == 2  # motorway 9-11-(12), footway 30-(31)
    _same_networks(city, town)  # both were outside the largest components anyway


def test_out_geom_without_node_elements(fixtures, tmp_path, town):
    # Overpass `out geom`: ways carry their coordinates on <nd lat lon>; untagged nodes are not in the file
    import xml.etree.ElementTree as ET

    root = ET.parse(fixtures / "tiny_town.osm").getroot()
    coords = {n.get("id"): (n.get("lat"), n.get("lon")) for n in root.findall("node")}
    for way in root.findall("way"):
        for nd in way.findall("nd"):
            nd.set("lat", coords[nd.get("ref")][0])
            nd.set("lon", coords[nd.get("ref")][1])
    for n in root.findall("node"):
        if n.find("tag") is None:
            root.remove(n)
    f = tmp_path / "geom.osm"
    ET.ElementTree(root).write(f, encoding="utf-8", xml_declaration=True)
    with pytest.raises(ValueError, match="missing nodes"):  # plain OSMnx, relations aside
        _plain_graph_without_relations(f, tmp_path)
    city = load_city(f, facilities="osm")
    assert city.report["osm_xml"]["nodes_from_way_geometry"] > 20
    _same_networks(city, town)
    assert sorted(city.facilities.name) == sorted(town.facilities.name)  # school and park polygons too


def _plain_graph_without_relations(path, tmp_path):
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    for r in root.findall("relation"):
        root.remove(r)
    plain = tmp_path / "plain.osm"
    ET.ElementTree(root).write(plain, encoding="utf-8", xml_declaration=True)
    return ox.graph_from_xml(plain, retain_all=True)


def test_ways_before_nodes(fixtures, tmp_path, town):
    # Overpass `out body; >; out skel qt;` writes ways first and their nodes after them
    import xml.etree.ElementTree as ET

    root = ET.parse(fixtures / "tiny_town.osm").getroot()
    kids = list(root)
    for k in kids:
        root.remove(k)
    order = {"way": 0, "relation": 1, "node": 2}
    root.extend(sorted(kids, key=lambda e: order.get(e.tag, -1)))
    f = tmp_path / "ways_first.osm"
    ET.ElementTree(root).write(f, encoding="utf-8", xml_declaration=True)
    city = load_city(f, facilities="osm")
    _same_networks(city, town)
    assert city.facilities.name.tolist() == town.facilities.name.tolist()


def test_bz2_and_xml_suffixes_give_the_same_city(fixtures, tmp_path, town):
    bz = tmp_path / "tiny_town.osm.bz2"
    bz.write_bytes(bz2.compress((fixtures / "tiny_town.osm").read_bytes()))
    xml = tmp_path / "tiny_town.osm.xml"
    shutil.copy(fixtures / "tiny_town.osm", xml)
    for f in (bz, xml):
        city = load_city(f, facilities="osm")
        _same_networks(city, town)
        assert city.name == "tiny_town"
        assert city.facilities.name.tolist() == town.facilities.name.tolist()


def test_graphml_file(tmp_path, town_graph, town):
    G, _ = town_graph
    f = tmp_path / "town.graphml"
    ox.save_graphml(G, f)  # unsimplified: load_city simplifies it
    city = load_city(f)
    _same_networks(city, town)
    assert city.report["file_holds_facilities"] is False
    assert (city.facilities.source == "synthetic").all() and set(city.facilities.category) == set(CATEGORIES)
    with pytest.raises(FacilityError, match="town.graphml: no service facility"):
        load_city(f, facilities="osm")
    # an already simplified GraphML is used as it is
    g2 = tmp_path / "simplified.graphml"
    ox.save_graphml(ox.simplify_graph(G.copy()), g2)
    assert load_city(g2).report["spec"] == "file"


def test_bad_graphml_files(tmp_path):
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><oops")
    with pytest.raises(InputFileError, match="bad.graphml: not a readable OSMnx GraphML"):
        load_city(bad)
    empty = tmp_path / "empty.graphml"
    nx.write_graphml(nx.MultiDiGraph(crs="EPSG:4326"), empty)
    with pytest.raises(NetworkError, match="empty.graphml: the street graph is empty"):
        load_city(empty)


def test_disconnected_graph_without_a_usable_drive_component(tmp_path):
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i, (x, y) in enumerate([(127.0, 37.5), (127.001, 37.5), (127.01, 37.5), (127.011, 37.5)]):
        G.add_node(i + 1, x=x, y=y)
    G.add_edge(1, 2, highway="residential", oneway=True, length=88.0)
    G.add_edge(3, 4, highway="residential", oneway=True, length=88.0)
    f = tmp_path / "stubs.graphml"
    ox.save_graphml(G, f)
    with pytest.raises(NetworkError, match=r"stubs\.graphml: the drive network's largest strongly connected "):
        load_city(f)


def test_user_facilities_and_options(fixtures):
    own = pd.DataFrame({"category": ["welfare"], "name": ["AI centre"], "lon": [126.971], "lat": [37.551]})
    city = load_city(fixtures / "tiny_town.osm", facilities=own, seed=5, placement="central",
                     facility_counts={"daily": 2})
    assert city.facilities_of("welfare").name.tolist() == ["AI centre"]
    assert len(city.facilities_of("daily")) == 2
    assert city.report["facilities"]["seed"] == 5
    with pytest.raises(KaicityError, match="unknown facilities option 'all'"):
        load_city(fixtures / "tiny_town.osm", facilities="all")


def test_synthetic_spec():
    city = load_city("synthetic:n=600,seed=2", keep_networkx=False)
    assert city.G_walk is None and city.G_drive is None
    assert city.source.startswith("synthetic:n=") and city.name == "synthetic (n=600, seed=2)"
    assert city.report["facilities"]["seed"] == 2  # the city's seed places its facilities
    assert "attribution" not in city.report
    assert city.report["zones"]["method"] == "attribute"


# ----------------------------------------------------------------------------- downloads and cache
def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("KAICITY_CACHE_DIR", str(tmp_path / "k"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "k"
    monkeypatch.delenv("KAICITY_CACHE_DIR")
    assert cache_dir() == tmp_path / "x" / "kaicity"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "kaicity"


def test_cache_key_depends_on_query():
    a = cache_key({"kind": "place", "place": "Mapo-gu"})
    assert a == cache_key({"place": "Mapo-gu", "kind": "place"})
    assert a != cache_key({"kind": "place", "place": "Jongno-gu"})
    assert cache_key({"kind": "bbox", "bbox": MAPO_BBOX}) == cache_key({"kind": "bbox", "bbox": list(MAPO_BBOX)})


def test_download_is_cached(monkeypatch, tmp_path, town_graph, town):
    monkeypatch.setenv("KAICITY_CACHE_DIR", str(tmp_path))
    calls = []

    def fake(query):
        calls.append(query)
        G, cand = town_graph
        return G.copy(), cand.copy()

    city = load_city("Tiny Town, Seoul", download=fake, facilities="osm")
    assert len(calls) == 1 and calls[0] == {"kind": "place", "place": "Tiny Town, Seoul"}
    _same_networks(city, town)
    assert city.report["cache"] == "stored" and city.report["attribution"] == "© OpenStreetMap contributors"
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".csv", ".graphml", ".json"]

    def offline(query):
        raise OfflineError("no internet connection (test)")

    again = load_city("Tiny Town, Seoul", download=offline, facilities="osm")  # served from the cache
    assert again.report["cache"] == "hit"
    _same_networks(again, town)
    assert again.facilities.name.tolist() == city.facilities.name.tolist()
    load_city("Tiny Town, Seoul", download=fake, refresh=True)
    assert len(calls) == 2
    # the module attribute is the default downloader (monkeypatchable)
    monkeypatch.setattr(loaders, "download", fake)
    load_city((126.9695, 37.5495, 126.9725, 37.5525))
    assert calls[-1] == {"kind": "bbox", "bbox": (126.9695, 37.5495, 126.9725, 37.5525)}


def test_offline_without_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KAICITY_CACHE_DIR", str(tmp_path))

    def offline(query):
        raise OfflineError("no internet connection (test)")

    with pytest.raises(OfflineError) as exc:
        load_city("Mapo-gu, Seoul", download=offline)
    msg = str(exc.value)
    assert "place 'Mapo-gu, Seoul'" in msg and "kaicity network path/to/area.osm" in msg
    assert str(tmp_path) in msg and "\n" not in msg


def test_real_downloader_reports_offline(monkeypatch, tmp_path):
    import socket

    def refuse(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("KAICITY_CACHE_DIR", str(tmp_path))
    with pytest.raises(OfflineError, match="no internet connection") as exc:
        load_city(MAPO_BBOX)
    assert "kaicity network path/to/area.osm" in str(exc.value)
    assert not any(Path(tmp_path).iterdir())  # nothing cached
