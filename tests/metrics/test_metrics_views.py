"""One definition per KPI: the live view, ``kaicity access`` and ``summary.json`` agree on the same run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kaicity.accessibility import nearest_facility_times
from kaicity.categories import CATEGORIES
from kaicity.cli import main
from kaicity.metrics import REPORTERS, summarize, trips_frame
from kaicity.metrics.access import access_block
from kaicity.model import KaiCityModel
from kaicity.scenario import load_scenario
from kaicity.viz.kpis import kpi_values

#: The golden runs' size: the shared small city (1,500 nodes, seed 7) and a few residents.
SMALL = {"city.n_nodes": 1500, "population.residents": 1500}


@pytest.fixture(scope="module")
def small_yaml(root, tmp_path_factory):
    """smart_city on the shared small city, as a scenario file (for ``kaicity access --scenario``)."""
    path = tmp_path_factory.mktemp("scenario") / "small.yaml"
    path.write_text(f"extends: {root / 'scenarios' / 'smart_city.yaml'}\nname: small\n"
                    "city:\n  n_nodes: 1500\npopulation:\n  residents: 1500\n")
    return path


@pytest.fixture(scope="module")
def ai_run(root):
    sc = load_scenario(root / "scenarios" / "ai_city.yaml").with_overrides(SMALL)
    return KaiCityModel(sc, seed=3).run()


def test_every_recorded_column_is_a_named_reporter(ai_run):
    columns = list(ai_run.datacollector.model_vars)
    assert columns and set(columns) <= set(REPORTERS)
    assert all(REPORTERS[c].unit and REPORTERS[c].label for c in columns)
    assert REPORTERS["tts_mean_elderly_min"].unit == "min" and REPORTERS["drt_wait_mean_min"].unit == "min"


def test_live_view_met_share_is_the_summary_met_share(ai_run):
    live = kpi_values(ai_run)
    kpis = summarize(ai_run)
    assert live["met_share"] / 100.0 == pytest.approx(kpis["overall"]["met_share"], rel=1e-12)
    assert live["needs_arisen"] == kpis["overall"]["needs"]


def test_live_view_drt_wait_is_the_reporter_in_minutes(ai_run):
    wait = kpi_values(ai_run)["drt_wait"]
    recorded = ai_run.datacollector.model_vars["drt_wait_mean_min"][-1]
    assert (math.isnan(wait) and math.isnan(recorded)) or wait == recorded


def test_kaicity_access_and_the_model_share_the_nearest_table_and_coverage(small_yaml, tmp_path, capsys):
    model = KaiCityModel(small_yaml)
    assert main(["access", "--scenario", str(small_yaml), "--no-map", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    # one nearest-place table: the model's residents see the distances kaicity access computes
    table = nearest_facility_times(model.city)
    for j, acc in enumerate(model.facility_access):
        assert len(acc.place_ids) == int((model.city.facilities["category"] == CATEGORIES[j]).sum())
        np.testing.assert_array_equal(acc.walk_m, table.distance[:, j])
    # one coverage definition on the same residents (the scenario's, same seed)
    cov = pd.read_csv(tmp_path / "access_coverage.csv").set_index(["group", "zone", "category"])
    acc = access_block(model, trips_frame(model))
    for c in CATEGORIES:
        assert cov.loc[("all", "all", c), "coverage"] == pytest.approx(acc["overall"]["coverage_15min"][c],
                                                                       abs=1e-12)
        assert cov.loc[("elderly", "all", c), "coverage"] == pytest.approx(
            acc["by_group"]["elderly"]["coverage_15min"][c], abs=1e-12)
        assert cov.loc[("all", "rural", c), "coverage"] == pytest.approx(
            acc["by_zone"]["rural"]["coverage_15min"][c], abs=1e-12)
    assert cov.loc[("all", "all", "all"), "index"] == pytest.approx(acc["overall"]["index_15min"], abs=1e-12)
    assert cov.loc[("all", "all", "all"), "population"] == model.population.n * model.population.scale
