"""``City.networkx``: the kept OSMnx graphs, or ones rebuilt from the CSR arrays when not kept."""

from __future__ import annotations

import math

import pytest

from kaicity.errors import KaicityError
from kaicity.network import load_city


@pytest.fixture(scope="module")
def kept(fixtures):
    return load_city(fixtures / "tiny_town.osm", facilities="osm")


@pytest.fixture(scope="module")
def lean(fixtures):
    return load_city(fixtures / "tiny_town.osm", facilities="osm", keep_networkx=False)


def test_kept_graphs_are_returned_as_is(kept):
    assert kept.networkx("walk") is kept.G_walk and kept.networkx("drive") is kept.G_drive
    with pytest.raises(KaicityError, match="use 'walk' or 'drive'"):
        kept.networkx("bike")


@pytest.mark.parametrize(("mode", "weight"), [("walk", "length"), ("drive", "travel_time")])
def test_rebuilt_graph_matches_the_kept_one(kept, lean, mode, weight):
    assert lean.G_walk is None and lean.G_drive is None
    full, H = kept.networkx(mode), lean.networkx(mode)
    assert list(H.nodes) == list(full.nodes)  # CSR order
    for n, d in H.nodes(data=True):
        ref = full.nodes[n]
        assert all(math.isclose(d[k], ref[k]) for k in ("x", "y", "lon", "lat")) and d["zone"] == ref["zone"]
    # one edge per ordered pair: the cheapest of the kept graph's parallel edges, self-loops left out
    cheapest: dict = {}
    for u, v, d in full.edges(data=True):
        if u != v:
            cheapest[u, v] = min(cheapest.get((u, v), math.inf), d[weight])
    rebuilt = {(u, v): d[weight] for u, v, d in H.edges(data=True)}
    assert rebuilt.keys() == cheapest.keys()
    assert all(math.isclose(rebuilt[k], cheapest[k]) for k in cheapest)
    assert H.graph["crs"] == full.graph["crs"] and H.graph["kaicity_mode"] == mode
