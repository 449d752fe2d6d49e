"""Population from a layer (``population.source``): reading, mapping onto walk nodes, homes and elderly odds.

Fixtures: ``tests/fixtures/inputs/population_tiny.*`` (made-up counts over ``tiny_town.osm``: a west
cell of 100 people with 50 aged 65+, an east cell of 300 with 30, and a Busan cell that misses the city).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kaicity.categories import GROUP_CODE
from kaicity.errors import InputFileError
from kaicity.network import load_city
from kaicity.network.population_file import population_cells
from kaicity.scenario import Scenario
from kaicity.services.population import synthesize_population


@pytest.fixture(scope="module")
def town(fixtures):
    return load_city(fixtures / "tiny_town.osm", facilities="osm")


@pytest.fixture(scope="module")
def inputs(fixtures) -> Path:
    return fixtures / "inputs"


def _west(walk) -> np.ndarray:
    return walk.lon < 126.9705


def test_every_walk_node_belongs_to_the_polygon_that_contains_it(town, inputs):
    cells = population_cells(inputs / "population_tiny.geojson", town.walk)
    inside = (town.walk.lat > 37.5495) & (town.walk.lat < 37.5525) & (town.walk.lon > 126.9695) & \
        (town.walk.lon < 126.9725)
    expected = np.where(inside, np.where(_west(town.walk), 0, 1), -1)
    np.testing.assert_array_equal(cells.node_cell, expected)
    assert cells.report["people_left_out"] == 50          # the Busan polygon has no walk node
    assert cells.report["first_left_out"] == 3
    assert cells.report["features_used"] == 2


def test_homes_follow_the_counts_and_elderly_share_follows_each_cell(town, inputs):
    cells = population_cells(inputs / "population_tiny.geojson", town.walk)
    cfg = Scenario(name="t").population.model_copy(update={"residents": 4000})
    pop, report = synthesize_population(town.walk.zone, cfg, seed=3, cells=cells)
    west = cells.node_cell[pop.home] == 0
    east = cells.node_cell[pop.home] == 1
    assert (west | east).all()                             # nobody lives outside the layer
    assert west.sum() == 1000 and east.sum() == 3000        # 100 : 300 people
    for mask, share in ((west, 0.5), (east, 0.1)):
        got = float((pop.group[mask] == GROUP_CODE["elderly"]).mean())
        sd = np.sqrt(share * (1 - share) / mask.sum())
        assert abs(got - share) < 4 * sd
    np.testing.assert_array_equal(pop.zone, town.walk.zone[pop.home])
    assert report["population_source"]["people"] == 450


def test_csv_points_are_square_cells_and_give_the_child_share(town, inputs):
    cells = population_cells(inputs / "population_tiny.csv", town.walk, child_column="age0_14", cell_m=120)
    assert cells.child is not None
    # the west point (126.9700, 37.5510) with a 120 m square holds node 4 at that very place and no east node
    at = np.flatnonzero((np.abs(town.walk.lon - 126.97) < 1e-6) & (np.abs(town.walk.lat - 37.551) < 1e-6))
    assert cells.node_cell[at][0] == 0
    cfg = Scenario(name="t").population.model_copy(update={"residents": 4000})
    pop, _ = synthesize_population(town.walk.zone, cfg, seed=3, cells=cells)
    east = cells.node_cell[pop.home] == 1
    got = float((pop.group[east] == GROUP_CODE["child"]).mean())
    assert abs(got - 0.2) < 4 * np.sqrt(0.2 * 0.8 / east.sum())


def test_same_seed_same_population_from_a_layer(town, inputs):
    cells = population_cells(inputs / "population_tiny.geojson", town.walk)
    cfg = Scenario(name="t").population.model_copy(update={"residents": 500})
    a, _ = synthesize_population(town.walk.zone, cfg, seed=9, cells=cells)
    b, _ = synthesize_population(town.walk.zone, cfg, seed=9, cells=cells)
    np.testing.assert_array_equal(a.home, b.home)
    np.testing.assert_array_equal(a.group, b.group)


def _geojson(tmp_path: Path, props: list[dict], name: str = "pop.geojson") -> Path:
    ring = [[126.9695, 37.5495], [126.9725, 37.5495], [126.9725, 37.5525], [126.9695, 37.5525], [126.9695, 37.5495]]
    feats = [{"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": [ring]}}
             for p in props]
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


@pytest.mark.parametrize(("props", "words"), [
    ([{"total": 10, "age65": 2}, {"total": -5, "age65": 0}], ["feature 2", "total", "negative"]),
    ([{"total": "many", "age65": 2}], ["feature 1", "not a number"]),
    ([{"total": 10, "age65": 20}], ["feature 1", "age65", "exceeds"]),
    ([{"people": 10, "age65": 2}], ["no column 'total'", "people"]),
])
def test_bad_counts_are_one_line_errors_naming_the_feature(town, tmp_path, props, words):
    path = _geojson(tmp_path, props)
    with pytest.raises(InputFileError) as exc:
        population_cells(path, town.walk)
    msg = str(exc.value)
    assert "\n" not in msg and str(path) in msg
    for w in words:
        assert w in msg


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_a_layer_without_crs_is_refused(town, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame({"total": [10], "age65": [1]}, geometry=[box(126.9695, 37.5495, 126.9725, 37.5525)]
                     ).to_file(path)
    with pytest.raises(InputFileError, match="has no CRS"):
        population_cells(path, town.walk)


def test_a_projected_layer_is_reprojected(town, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "korea.gpkg"
    gdf = gpd.GeoDataFrame({"total": [10], "age65": [1]}, geometry=[box(126.9695, 37.5495, 126.9725, 37.5525)],
                           crs="EPSG:4326").to_crs("EPSG:5179")
    gdf.to_file(path)
    cells = population_cells(path, town.walk)
    assert (cells.node_cell == 0).sum() == 5           # every walk node but the one at 126.969


def test_a_layer_that_misses_the_network_is_refused(town, tmp_path):
    path = tmp_path / "far.csv"
    path.write_text("lon,lat,total,age65\n129.07,35.17,100,10\n")
    with pytest.raises(InputFileError, match="misses the network"):
        population_cells(path, town.walk)


def test_scenario_resolves_the_source_relative_to_its_file(tmp_path, inputs):
    from kaicity.scenario import load_scenario

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pop.csv").write_text((inputs / "population_tiny.csv").read_text())
    yaml = tmp_path / "s.yaml"
    yaml.write_text("name: t\npopulation:\n  source:\n    path: sub/pop.csv\n    cell_m: 250\n")
    sc = load_scenario(yaml)
    assert Path(sc.population.source.path) == (tmp_path / "sub" / "pop.csv").resolve()
    assert sc.population.source.elderly_column == "age65"
