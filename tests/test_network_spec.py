"""The one city-spec parser (:mod:`kaicity.network.spec`) and its use by the scenario and the model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kaicity.errors import GeometryError, InputFileError, KaicityError, NetworkError, ScenarioError
from kaicity.model import _cached_city, city_for
from kaicity.network import load_city
from kaicity.network.spec import ADDRESS_DIST_M, CitySpec, parse_city_spec, parse_spec
from kaicity.scenario import Scenario

MAPO_BBOX = (126.9495, 37.5443, 126.9663, 37.5519)


def _specs(fixtures: Path) -> list[CitySpec]:
    return [
        parse_city_spec("synthetic"),
        parse_city_spec("synthetic:n=20000,seed=3"),
        parse_city_spec({"synthetic": True, "n": 800, "seed": 2}),
        parse_city_spec(fixtures / "tiny_town.osm"),
        parse_city_spec("Mapo-gu, Seoul, South Korea"),
        parse_city_spec("place:Sejong"),
        parse_city_spec("address:Seoul City Hall"),
        parse_city_spec(MAPO_BBOX),
        parse_city_spec("bbox: 126.9495, 37.5443, 126.9663, 37.5519"),
    ]


def test_text_of_a_spec_parses_back_to_an_equal_spec(fixtures):
    for spec in _specs(fixtures):
        again = parse_city_spec(str(spec))
        assert again == spec and hash(again) == hash(spec), str(spec)
        assert parse_city_spec(spec) is spec  # a CitySpec is taken as is


def test_spec_is_frozen_hashable_and_carries_only_its_kinds_fields(fixtures):
    specs = _specs(fixtures)
    cache = {s: i for i, s in enumerate(specs)}
    assert cache[parse_city_spec(" synthetic:n=20000, seed=3 ")] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        specs[0].seed = 5  # type: ignore[misc]
    for s in specs:
        set_fields = {f.name for f in dataclasses.fields(s) if getattr(s, f.name) is not None}
        assert set_fields <= set(s.as_query()) <= set_fields | {"n_nodes"}  # n_nodes None: default size
    assert parse_spec(MAPO_BBOX) == {"kind": "bbox", "bbox": MAPO_BBOX}  # the query dict of downloads


def test_synthetic_constructor_validates_as_the_parser_does():
    assert CitySpec.synthetic(1500, 7) == parse_city_spec("synthetic:n=1500,seed=7")
    assert CitySpec.synthetic() == parse_city_spec("synthetic")
    for bad, text in (((1, 0), "synthetic:n=1"), ((100, -1), "synthetic:n=100,seed=-1")):
        with pytest.raises(NetworkError) as a:
            CitySpec.synthetic(*bad)
        with pytest.raises(NetworkError) as b:
            parse_city_spec(text)
        assert str(a.value).split(": ", 1)[1] == str(b.value).split(": ", 1)[1]
    with pytest.raises(NetworkError, match="use one of synthetic"):
        CitySpec("shapefile")


def test_names_descriptions_and_address_radius(fixtures):
    assert parse_city_spec("synthetic:n=600,seed=2").name == "synthetic (n=600, seed=2)"
    assert parse_city_spec(fixtures / "tiny_town.osm").name == "tiny_town"
    assert parse_city_spec("place:Sejong").describe() == "place 'Sejong'"
    addr = parse_city_spec("address:Seoul Station")
    assert addr.dist == ADDRESS_DIST_M and addr.with_dist(500).dist == 500.0 and addr.with_dist(None) is addr
    assert "within 500 m" in addr.with_dist(500).describe()
    assert parse_city_spec(MAPO_BBOX).with_dist(500) == parse_city_spec(MAPO_BBOX)
    assert parse_city_spec(MAPO_BBOX).is_download and not parse_city_spec("synthetic").is_download


def test_load_city_takes_a_spec(fixtures):
    spec = parse_city_spec("synthetic:n=600,seed=2")
    a, b = load_city(spec, keep_networkx=False), load_city(str(spec), keep_networkx=False)
    assert a.source == b.source and a.name == b.name
    assert (a.walk.indices == b.walk.indices).all() and (a.drive.weights == b.drive.weights).all()
    assert a.facilities.equals(b.facilities)


# ----------------------------------------------------------------------------- the scenario's city section
def test_city_section_builds_the_spec():
    sc = Scenario.from_dict({"name": "x", "city": {"source": "synthetic", "n_nodes": 1500, "city_seed": 7}})
    assert sc.city.spec() == parse_city_spec("synthetic:n=1500,seed=7")
    place = Scenario.from_dict({"name": "x", "city": {"source": "Mapo-gu, Seoul, South Korea"}})
    assert place.city.spec() == CitySpec("place", place="Mapo-gu, Seoul, South Korea")
    bbox = Scenario.from_dict({"name": "x", "city": {"source": "126.9495,37.5443,126.9663,37.5519"}})
    assert bbox.city.spec().bbox == MAPO_BBOX


def test_city_section_uses_the_network_parsers_errors(tmp_path):
    missing = tmp_path / "nowhere" / "town.osm"
    with pytest.raises(InputFileError) as net:
        parse_city_spec(str(missing))
    with pytest.raises(ScenarioError) as sc:
        Scenario.from_dict({"name": "x", "city": {"source": str(missing)}})
    assert str(net.value) in str(sc.value)
    swapped = "126.9663,37.5443,126.9495,37.5519"
    with pytest.raises(GeometryError) as net:
        parse_city_spec(swapped)
    with pytest.raises(ScenarioError) as sc:
        Scenario.from_dict({"name": "x", "city": {"source": swapped}})
    assert str(net.value) in str(sc.value)
    with pytest.raises(KaicityError, match="source: synthetic"):
        Scenario.from_dict({"name": "x", "city": {"source": "synthetic:n=600"}})


def test_model_caches_cities_by_spec_without_networkx_copies():
    base = {"name": "a", "city": {"source": "synthetic", "n_nodes": 600, "city_seed": 4}}
    a = city_for(Scenario.from_dict(base))
    hits = _cached_city.cache_info().hits
    b = city_for(Scenario.from_dict({**base, "name": "b", "seed": 9}))  # another run, same city
    assert b is a and _cached_city.cache_info().hits == hits + 1
    assert not a.has_networkx  # the model routes on the CSR arrays only; networkx graphs on request:
    assert list(a.G_walk.nodes) == a.walk.osmid.tolist() and a.G_drive.number_of_edges() >= a.drive.n_edges
    assert a.has_networkx and a.G_walk is a.networkx("walk")
    other = city_for(Scenario.from_dict({**base, "city": {**base["city"], "city_seed": 5}}))
    assert other is not a and other.source.endswith(",seed=5") and a.source.endswith(",seed=4")
