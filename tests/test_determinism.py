"""Results do not depend on the process: string hash seed, thread count, list order of merged tags.

OSMnx's ``simplify_graph`` merges the tags of simplified ways with ``list(set(...))``, so the
order of a merged ``highway`` list changes with ``PYTHONHASHSEED``; kaicity used to take its
first item to impute drive speeds.  The cross-process tests run fresh interpreters on the real
Seoul ``.osm`` extracts (``shared`` marker) with different hash seeds and thread counts and
compare what they produce byte for byte.  The unit tests check the merge rule itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from kaicity.errors import NetworkError
from kaicity.network.build import city_from_graph
from kaicity.network.loaders import load_city
from kaicity.network.tags import (
    HIGHWAY_RANK,
    KOREAN_URBAN_SPEEDS,
    highway_of,
    impute_speeds,
    order_merged_tags,
)

OSM_FILES = ("seoul_mapo_gongdeok.osm", "seoul_songpa_jamsil_asan.osm")
#: (PYTHONHASHSEED, OpenMP threads) of the processes compared; the 2-thread run forces every
#: multi-search job onto both threads (``routing.MIN_PARALLEL_S = 0``).
RUNS = ((0, 1), (1, 1), (12345, 1), (1, 2))

# A run: the AI city (DRT, buses, cars and AI channels all use the networks) on a real extract.
SCENARIO = """\
extends: {ai_city}
name: det_{stem}
seed: 11
city:
  source: {osm}
population:
  residents: 400
simulation:
  days: 1
"""

# A fresh interpreter: `kaicity run`, then a digest of everything the network build derived
# for that run (CSR arrays, merged tags of the networkx graphs, facilities, build report): the
# digest catches a network difference that the small run happens not to touch.
RUN_CODE = """\
import hashlib, sys
import kaicity.routing
if sys.argv[1] == "2":
    kaicity.routing.MIN_PARALLEL_S = 0.0
from kaicity.cli import main
from kaicity.model import city_for
from kaicity.scenario import load_scenario
rc = main(sys.argv[2:])
c = city_for(load_scenario(sys.argv[3]))
h = hashlib.sha256()
for g in (c.walk, c.drive):
    for a in (g.indptr, g.indices, g.weights, g.lengths, g.x, g.y, g.osmid, g.zone):
        h.update(a.tobytes())
for G in (c.G_walk, c.G_drive):
    for u, v, k, d in G.edges(keys=True, data=True):
        h.update(repr((u, v, k, sorted((a, str(b)) for a, b in d.items()))).encode())
h.update(c.facilities.to_csv().encode())
h.update(repr(sorted(c.report.items(), key=str)).encode())
print("network digest", h.hexdigest())
sys.exit(rc)
"""


def _env(hash_seed: int, threads: int) -> dict[str, str]:
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed), OMP_NUM_THREADS=str(threads))
    env.pop("KAICITY_VIZ_COMPARE", None)
    return env


def _python(code: str, args: list[str], hash_seed: int, threads: int, cwd: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=_env(hash_seed, threads),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


# --------------------------------------------------------------------------- across processes
@pytest.mark.shared
@pytest.mark.parametrize("osm", OSM_FILES)
def test_run_outputs_are_byte_identical_across_hash_seeds_and_threads(shared_osm, root, tmp_path, osm):
    stem = osm.removesuffix(".osm")
    yaml_path = tmp_path / f"{stem}.yaml"
    yaml_path.write_text(SCENARIO.format(ai_city=root / "scenarios" / "ai_city.yaml", stem=stem,
                                         osm=shared_osm / osm))

    def run(spec: tuple[int, int]) -> tuple[Path, str]:
        seed, threads = spec
        out = tmp_path / f"out_h{seed}_t{threads}"
        stdout = _python(RUN_CODE, [str(threads), "run", str(yaml_path), "--out", str(out), "--quiet"], seed,
                         threads, tmp_path)
        return out, next(ln for ln in stdout.splitlines() if ln.startswith("network digest"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, RUNS))
    outs = [out for out, _ in results]
    digests = {spec: digest for spec, (_, digest) in zip(RUNS, results, strict=True)}
    assert len(set(digests.values())) == 1, f"the network differs between processes: {digests}"
    first = outs[0]
    trips = (first / "trips.csv").read_text().splitlines()
    assert len(trips) > 50, "the scenario should produce trips to compare"
    for other in outs[1:]:
        for name in ("summary.json", "trips.csv"):
            assert (other / name).read_bytes() == (first / name).read_bytes(), (
                f"{name} differs between {first.name} and {other.name}")


# --------------------------------------------------------------------------- the merge rule
def test_highway_of_takes_the_highest_ranked_class_in_any_order():
    for values, want in ((["residential", "tertiary"], "tertiary"),
                         (["service", "secondary", "primary_link"], "primary_link"),
                         (["unknown_b", "unknown_a"], "unknown_a"),
                         (["busway", "unclassified"], "unclassified")):
        assert highway_of(values) == want
        assert highway_of(list(reversed(values))) == want
    assert highway_of("residential") == "residential"
    assert highway_of([]) is None
    assert HIGHWAY_RANK.index("motorway") < HIGHWAY_RANK.index("trunk") < HIGHWAY_RANK.index("residential")


def test_impute_speeds_ignores_the_order_of_merged_lists():
    a, ia = impute_speeds([["residential", "tertiary"], "primary"], [None, ["30 mph", "50", "20"]])
    b, ib = impute_speeds([["tertiary", "residential"], "primary"], [None, ["20", "50", "30 mph"]])
    assert a.tobytes() == b.tobytes()
    assert ia.tolist() == ib.tolist() == [True, False]
    assert a[0] == KOREAN_URBAN_SPEEDS["tertiary"]


def _line_graph(middle_highway) -> nx.MultiDiGraph:
    """Five core-zone nodes on a west-east line, two-way streets; the second edge's highway as given."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(5):
        G.add_node(i + 1, x=126.97 + 0.001 * i, y=37.55, zone="core")
    tags = ["residential", middle_highway, "residential", "residential"]
    for i, h in enumerate(tags):
        for u, v in ((i + 1, i + 2), (i + 2, i + 1)):
            G.add_edge(u, v, highway=h, oneway=False, length=88.0, osmid=100 + i)
    return G


def test_a_merged_highway_list_gives_the_same_city_in_both_orders():
    cities = [city_from_graph(_line_graph(h), name="line", source="line", keep_networkx=False)
              for h in (["residential", "tertiary"], ["tertiary", "residential"])]
    for mode in ("walk", "drive"):
        g0, g1 = (getattr(c, mode) for c in cities)
        assert g0.weights.tobytes() == g1.weights.tobytes()
    # the tertiary (urban 50 km/h) class was chosen for the merged edge, not residential (30 km/h)
    assert np.isclose(cities[0].drive.weights, 88.0 / (50 / 3.6)).sum() == 2


def test_simplification_puts_merged_tags_in_a_fixed_order():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(4):
        G.add_node(i + 1, x=126.97 + 0.001 * i, y=37.55)
    for i, (h, name) in enumerate((("residential", "b-ro"), ("tertiary", "a-ro"), ("residential", "b-ro"))):
        for u, v in ((i + 1, i + 2), (i + 2, i + 1)):
            G.add_edge(u, v, highway=h, name=name, oneway=False, length=50.0, osmid=300 - i)
    import osmnx as ox

    S = order_merged_tags(ox.simplify_graph(G))
    merged = [d for _, _, d in S.edges(data=True)]
    assert len(merged) == 2
    for d in merged:
        assert d["highway"] == ["tertiary", "residential"]
        assert d["name"] == ["a-ro", "b-ro"]
        assert d["osmid"] == [298, 299, 300]
        assert d["length"] == 150.0


# --------------------------------------------------------------------------- zero-length networks
def test_a_network_of_zero_length_streets_is_an_error(fixtures):
    with pytest.raises(NetworkError, match=r"zero_length\.osm: all \d+ walk edges have zero length") as err:
        load_city(fixtures / "zero_length.osm")
    assert "\n" not in str(err.value)


def test_a_graph_whose_lengths_are_all_zero_is_an_error():
    G = _line_graph("residential")
    for _, _, d in G.edges(data=True):
        d["length"] = 0.0
    with pytest.raises(NetworkError, match="zero length"):
        city_from_graph(G, name="flat", source="flat.graphml", keep_networkx=False)


def test_the_cli_reports_a_zero_length_network_in_one_line(fixtures, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kaicity", "network", str(fixtures / "zero_length.osm"),
                           "--out", str(tmp_path), "--no-map"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "zero length" in lines[0]
