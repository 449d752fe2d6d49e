"""``kaicity network``: exit codes, one-line errors, summary and map."""

from __future__ import annotations

import networkx as nx
import osmnx as ox
import pytest

from kaicity.cli import main
from kaicity.commands.network import draw_city
from kaicity.errors import OfflineError
from kaicity.network import load_city, loaders

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _one_line_error(capsys, *needles: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kaicity network: error: "), err
    assert "Traceback" not in err
    for n in needles:
        assert n in err, err
    return err


def test_network_fixture_summary_and_map(fixtures, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["network", str(fixtures / "tiny_town.osm"), "--out", str(out), "--facilities", "osm"]) == 0
    text = capsys.readouterr().out
    assert "walk :        6 nodes         9 edges" in text
    assert "drive:        6 nodes        13 edges" in text
    assert "zones (walk nodes, by density): core 0, suburb 0, rural 6" in text
    assert "facilities: healthcare 2 (2 osm), education 1 (1 osm), welfare 1 (1 osm), daily 2 (2 osm), " \
           "culture 2 (2 osm)" in text
    assert "walk 2 nodes / 2 edges outside the largest component" in text
    assert "1 OSM facilities too far from the walk network" in text
    png = out / "network.png"
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 10_000
    assert f"map: {png}" in text


def test_network_synthetic_no_map(tmp_path, capsys):
    assert main(["network", "synthetic:n=600,seed=1", "--no-map", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "by attribute" in text and "synthetic" in text
    assert not (tmp_path / "network.png").exists()


def test_map_contents(fixtures):
    fig = draw_city(load_city(fixtures / "tiny_town.osm"))
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "© OpenStreetMap contributors" in texts
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "rural streets" and "drive network" in labels
    assert any(lab.startswith("Healthcare (2)") for lab in labels)
    syn = draw_city(load_city("synthetic:n=600,seed=1"))
    assert not syn.axes[0].texts  # no OSM credit for a synthetic city


@pytest.mark.parametrize(("args", "needles"), [
    (["nowhere.osm"], ["nowhere.osm", "file not found"]),
    (["126.9663,37.5443,126.9495,37.5519"], ["swapped", "west, south, east, north"]),
    (["synthetic:n=abc"], ["n must be an integer"]),
])
def test_user_mistakes_exit_2(tmp_path, capsys, monkeypatch, args, needles):
    monkeypatch.chdir(tmp_path)
    assert main(["network", *args, "--no-map"]) == 2
    _one_line_error(capsys, *needles)


def test_unknown_extension_and_no_streets(tmp_path, capsys):
    bad = tmp_path / "roads.shp"
    bad.write_bytes(b"\x00")
    assert main(["network", str(bad), "--no-map"]) == 2
    _one_line_error(capsys, "roads.shp", "unknown file type")
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="37.5" lon="127.0"/></osm>')
    assert main(["network", str(empty), "--no-map"]) == 2
    _one_line_error(capsys, "empty.osm", "no streets")


def test_offline_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KAICITY_CACHE_DIR", str(tmp_path))

    def offline(query):
        raise OfflineError("no internet connection (simulated)")

    monkeypatch.setattr(loaders, "download", offline)
    assert main(["network", "Mapo-gu, Seoul, South Korea", "--out", str(tmp_path)]) == 2
    _one_line_error(capsys, "Mapo-gu, Seoul, South Korea", "kaicity network path/to/area.osm")


def test_osm_facilities_on_graphml_exit_2(tmp_path, capsys):
    G = nx.MultiDiGraph(crs="EPSG:4326", simplified=True)  # used as it is (OSMnx would drop a lone ring)
    for i, (x, y) in enumerate([(127.0, 37.5), (127.001, 37.5), (127.001, 37.501)]):
        G.add_node(i + 1, x=x, y=y)
    for u, v in ((1, 2), (2, 3), (3, 1)):
        G.add_edge(u, v, highway="residential", oneway=False, length=100.0)
        G.add_edge(v, u, highway="residential", oneway=False, length=100.0)
    f = tmp_path / "tri.graphml"
    ox.save_graphml(G, f)
    assert main(["network", str(f), "--facilities", "osm", "--no-map"]) == 2
    _one_line_error(capsys, "tri.graphml", "--facilities auto")
    assert main(["network", str(f), "--out", str(tmp_path / "m")]) == 0  # auto: synthetic facilities
    assert (tmp_path / "m" / "network.png").is_file()


def test_bad_choice_is_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["network", "synthetic", "--facilities", "some"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
