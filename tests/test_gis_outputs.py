"""GIS outputs of runs and comparisons, maps with Korean text (issue 16, items 4-6).

Two tiny paired runs (smart and AI city, 2,000-node synthetic city, 300 residents) with the
reporting zones of ``tests/fixtures/two_zones.geojson``, written once per module.
"""

from __future__ import annotations

import io
import json
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from kaicity.cli import main
from kaicity.model import KaiCityModel
from kaicity.plots import subplots
from kaicity.plots.fonts import korean_font_path, korean_text
from kaicity.plots.maps import OSM_ATTRIBUTION, SYNTHETIC_ATTRIBUTION, attribution
from kaicity.report import write_comparison, write_run
from kaicity.report.gis import layer_difference
from kaicity.scenario import apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
TINY = {"city.n_nodes": 2000, "population.residents": 300, "simulation.tick_minutes": 10}
#: A Korean scenario name: titles and tables must render it.
AI_NAME = "세종 AI 도시"


def _scenario(tmp: Path, base: str, name: str, zones: bool = True) -> Path:
    f = tmp / f"{base}.yaml"
    text = f"extends: {SCEN / (base + '.yaml')}\nname: {name}\n"
    if zones:
        text += "city:\n  reporting_zones: two_zones.geojson\n"   # relative to this YAML
    f.write_text(text, encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def compared(tmp_path_factory, fixtures):
    """``out/<folder>/`` runs of smart_city and the AI city, and their comparison in ``out``."""
    tmp = tmp_path_factory.mktemp("gis")
    shutil.copy(fixtures / "two_zones.geojson", tmp / "two_zones.geojson")
    out = tmp / "out"
    summaries, scenarios = [], []
    for base, name, folder in (("smart_city", "smart_city", "smart_city"), ("ai_city", AI_NAME, "ai")):
        sc = apply_overrides(load_scenario(_scenario(tmp, base, name)), TINY)
        model = KaiCityModel(sc, seed=11)
        model.run()
        summaries.append(write_run(model, out / folder))
        scenarios.append(sc)
    write_comparison(summaries, out, scenarios=scenarios, folders=["smart_city", "ai"])
    return out, summaries


def test_reporting_zones_add_kpis_by_zone_to_summary(compared):
    out, summaries = compared
    for folder, summary in zip(("smart_city", "ai"), summaries, strict=True):
        k = json.loads((out / folder / "summary.json").read_text())["kpis"]
        by = k["by_reporting_zone"]
        assert list(by) == ["서쪽동", "동쪽동"]
        # every home is in one of the two polygons: the zones partition the needs
        assert sum(b["needs"] for b in by.values()) == k["overall"]["needs"]
        assert sum(b["met"] for b in by.values()) == k["overall"]["met"]
        assert sum(b["forgone"] for b in by.values()) == k["overall"]["forgone"]
        for b in by.values():
            assert set(b["by_group"]) == {"elderly", "non_elderly", "child", "adult"}
            assert b["by_group"]["elderly"]["needs"] + b["by_group"]["non_elderly"]["needs"] == b["needs"]
            assert 0 <= b["effective_index"] <= 1
        assert summary["kpis"]["by_reporting_zone"] == by
        report = (out / folder / "report.md").read_text(encoding="utf-8")
        assert "## Needs by reporting zone" in report and "| 서쪽동 |" in report


def test_run_layers_open_with_their_crs(compared):
    out, _ = compared
    path = out / "ai" / "layers.gpkg"
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"grid_kpis", "reporting_zone_kpis", "facilities", "drt_stops", "bus_stops"}
    grid = gpd.read_file(path, layer="grid_kpis")
    assert grid.crs.to_string() == "EPSG:32652"       # the synthetic city's UTM zone
    assert np.allclose(grid.area, 500.0 ** 2)
    trips = pd.read_parquet(out / "ai" / "trips.parquet")
    csv = pd.read_csv(out / "ai" / "trips.csv")
    assert len(trips) == len(csv) and list(trips.columns[:len(csv.columns)]) == list(csv.columns)
    assert grid["needs_all"].sum() == pytest.approx(len(trips))     # population scale 1 in this run
    assert (grid["needs_elderly"] + grid["needs_non_elderly"] == grid["needs_all"]).all()
    zones = gpd.read_file(path, layer="reporting_zone_kpis")
    assert zones.crs.to_string() == "EPSG:32652" and list(zones["name"]) == ["서쪽동", "동쪽동"]
    for name in ("facilities", "drt_stops", "bus_stops"):
        assert gpd.read_file(path, layer=name).crs.to_epsg() == 4326
    fac = gpd.read_file(path, layer="facilities")
    met_facility = (trips["outcome"] == "met") & (trips["place"] >= 0)
    assert fac["met"].sum() == met_facility.sum()
    drt = gpd.read_file(path, layer="drt_stops")
    summary = json.loads((out / "ai" / "summary.json").read_text())
    assert drt["pickups"].sum() <= summary["kpis"]["transit"]["drt"]["booked"]
    assert drt["rejections"].sum() <= summary["kpis"]["transit"]["drt"]["rejected"]
    bus = gpd.read_file(path, layer="bus_stops")
    assert bus["boardings"].sum() >= summary["kpis"]["transit"]["bus"]["boardings"]   # a transfer boards twice


def test_trips_parquet_has_coordinates_nodes_and_day(compared):
    out, _ = compared
    trips = pd.read_parquet(out / "ai" / "trips.parquet")
    for col in ("origin_node", "origin_lon", "origin_lat", "destination_node", "destination_lon",
                "destination_lat", "day", "mode", "channel", "delivery", "cell", "reporting_zone"):
        assert col in trips.columns
    assert trips["origin_lon"].between(127.0, 127.4).all() and trips["origin_lat"].between(36.3, 36.6).all()
    went = trips["destination_node"] >= 0
    assert trips.loc[went, "destination_lon"].notna().all() and trips.loc[~went, "destination_lon"].isna().all()
    assert ((trips["channel"] == "ai_remote") <= ~went).all()       # remote service goes nowhere
    assert (trips["day"] == 0).all()                                # a one-day run
    assert set(trips["reporting_zone"]) == {"서쪽동", "동쪽동"}
    west = trips["origin_lon"] < 127.289
    assert (trips.loc[west, "reporting_zone"] == "서쪽동").all()


def test_reports_show_maps(compared):
    out, _ = compared
    for folder, maps in (("smart_city", ["map_unmet_elderly.png"]),
                         ("ai", ["map_unmet_elderly.png", "map_drt_rejections.png"])):
        report = (out / folder / "report.md").read_text(encoding="utf-8")
        for m in maps:
            assert f"![{m}]({m})" in report and (out / folder / m).stat().st_size > 10_000
        assert "layers.gpkg" in report and "EPSG:32652" in report
    text = (out / "comparison.md").read_text(encoding="utf-8")
    assert "![map_difference.png](map_difference.png)" in text and (out / "map_difference.png").is_file()
    assert "difference.gpkg" in text


def test_difference_layer_is_other_minus_baseline_per_cell(compared):
    out, _ = compared
    diff = gpd.read_file(out / "difference.gpkg", layer="grid_difference")
    assert diff.crs.to_string() == "EPSG:32652"
    a = gpd.read_file(out / "smart_city" / "layers.gpkg", layer="grid_kpis").set_index("cell")
    b = gpd.read_file(out / "ai" / "layers.gpkg", layer="grid_kpis").set_index("cell")
    d = diff.set_index("cell")
    assert set(d.index) == set(a.index) | set(b.index)
    both = a.index.intersection(b.index)
    for col in ("needs_all", "forgone_elderly", "met_share_all", "effective_access_elderly"):
        assert np.allclose(d.loc[both, col], b.loc[both, col] - a.loc[both, col], equal_nan=True)
    # paired runs: the same residents and needs, so the needs per cell do not differ
    assert (d["needs_all"] == 0).all()
    zones = gpd.read_file(out / "difference.gpkg", layer="reporting_zone_difference")
    assert list(zones["name"]) == ["서쪽동", "동쪽동"]


def test_mean_difference_over_seeds(tmp_path):
    import shapely

    def layer(needs):
        cells = [f"{i}_0" for i in range(len(needs))]
        return gpd.GeoDataFrame({"cell": cells, "ix": range(len(needs)), "iy": 0, "needs_all": needs,
                                 "forgone_all": 0.0, "met_share_all": 0.5},
                                geometry=[shapely.box(i, 0, i + 1, 1) for i in range(len(needs))], crs="EPSG:32652")

    d = layer_difference(layer([1.0, 2.0]), layer([4.0, 2.0, 7.0]), "cell").set_index("cell")
    assert d["needs_all"].to_dict() == {"0_0": 3.0, "1_0": 0.0, "2_0": 7.0}     # a missing cell counts 0 needs
    assert np.isnan(d.loc["2_0", "met_share_all"])                              # but has no share to compare
    from kaicity.report.gis import _mean_difference

    m = _mean_difference([layer_difference(layer([1.0]), layer([3.0]), "cell"),
                          layer_difference(layer([1.0]), layer([5.0]), "cell")], "cell")
    assert m["needs_all"].tolist() == [3.0] and m.crs.to_epsg() == 32652


def _glyph_warnings(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_korean_title_renders_without_missing_glyphs():
    assert korean_font_path() is not None and korean_font_path().name == "NanumGothic.ttf"

    def draw():
        fig, ax = subplots()
        ax.set_title(f"Unmet needs — {AI_NAME}")
        ax.set_xlabel("행정동")
        fig.savefig(io.BytesIO(), format="png")

    assert _glyph_warnings(draw), "without the Korean font matplotlib should miss Hangul glyphs"

    def draw_korean():
        with korean_text():
            draw()

    assert _glyph_warnings(draw_korean) == []


def test_maps_render_korean_titles(tmp_path):
    from kaicity.plots.maps import grid_map

    def draw():
        grid_map(None, [0, 1, 1], [0, 0, 1], [1.0, -2.0, np.nan], 500.0, tmp_path / "m.png", crs="EPSG:32652",
                 title=f"차이 — {AI_NAME}", label="명", credit=attribution(True), diverging=True)

    assert _glyph_warnings(draw) == []
    assert (tmp_path / "m.png").stat().st_size > 5_000


def test_attribution_names_the_source():
    assert attribution(True) == SYNTHETIC_ATTRIBUTION and "synthetic city" in SYNTHETIC_ATTRIBUTION
    assert attribution(False) == OSM_ATTRIBUTION == "street network © OpenStreetMap contributors"


def test_bad_reporting_zones_fail_before_the_run_in_one_line(tmp_path, capsys, fixtures):
    f = _scenario(tmp_path, "smart_city", "x")   # two_zones.geojson is not beside it
    rc = main(["run", str(f), "--out", str(tmp_path / "o"), "--quiet",
               *[a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "two_zones.geojson" in err and "not found" in err
    assert not (tmp_path / "o").exists()


def test_zone_name_column_needs_the_layer(tmp_path):
    from kaicity.errors import ScenarioError

    f = tmp_path / "s.yaml"
    f.write_text(f"extends: {SCEN / 'smart_city.yaml'}\ncity:\n  reporting_zones_name: ADM_NM\n")
    with pytest.raises(ScenarioError, match="reporting_zones"):
        load_scenario(f)


def test_report_counts_needs_outside_every_zone():
    from kaicity.report.gis import zone_lines

    block = {"needs": 30.0, "met_share": 0.5, "unmet_share": 0.1, "time_to_service_min": {"mean": 12.0},
             "by_group": {"elderly": {"met_share": 0.4, "effective_index": 0.2}}}
    summary = {"kpis": {"overall": {"needs": 40.0}, "by_reporting_zone": {"서쪽동": block}}}
    text = "\n".join(zone_lines(summary))
    assert "| 서쪽동 | 30.0 | 50.0% | 10.0% | 12.0 | 40.0% | 20.0% |" in text
    assert "10.0 needs (25.0%) came from homes outside every reporting zone" in text
    assert zone_lines({"kpis": {"overall": {"needs": 1.0}}}) == []
