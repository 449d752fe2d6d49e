"""The browser visualization without a browser: page rendering, stepping, controls, errors, map layers.

The page is rendered with :func:`solara.render` (a virtual kernel, no server); clicks
run SolaraViz's real callbacks.  Runs are small (2,500-node city, 1,500 residents) and
start at 08:00 so that residents travel from the first steps.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")
widgets = pytest.importorskip("ipywidgets")

from kaicity.viz.app import make_page, model_params, settings_from_env  # noqa: E402
from kaicity.viz.vizmodel import KaiCityViz, control_defaults, control_targets, overrides_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMART = str(ROOT / "scenarios" / "smart_city.yaml")
AI = str(ROOT / "scenarios" / "ai_city.yaml")
SMALL = {"city.n_nodes": 2500, "population.residents": 1500, "simulation.start_hour": 8}


def render(page):
    """Render a page element inside an AppLayout, as the server does."""
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    return rc


def click_step(rc, times: int = 1) -> None:
    button = rc.find(v.Btn, children=["Step"]).widget
    for _ in range(times):
        button.click()


def overlay_images(rc) -> list:
    return [w for w in rc.find(widgets.Image).widgets if "kaicity-overlay" in (w._dom_classes or ())]


def html_texts(rc) -> str:
    """The raw HTML of every ``solara.HTML`` element (captions, KPI tables)."""
    return "\n".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def kpi_cell(rc, key: str, run: str = "0") -> str:
    text = html_texts(rc)
    marker = f'data-kpi="{key}" data-run="{run}">'
    start = text.index(marker) + len(marker)
    return text[start:text.index("<", start)]


@pytest.fixture(scope="module")
def ai_page():
    viz = KaiCityViz(AI, overrides=SMALL)
    assert viz.error is None, viz.error
    rc = render(make_page(AI, overrides=SMALL, model=viz))
    yield viz, rc
    rc.close()


def test_page_steps_and_rerenders(ai_page):
    viz, rc = ai_page
    inner = viz.models[0]
    now0, steps0 = inner.now, viz.steps
    [overlay] = overlay_images(rc)
    png0 = overlay.value
    caption0 = html_texts(rc)
    echarts = rc.find(solara.components.echarts.EchartsWidget).widgets
    assert len(echarts) == 4
    rows0 = [len(w.option["dataset"][0]["source"]) for w in echarts if w.option.get("dataset")]
    click_step(rc, 5)
    assert viz.steps == steps0 + 5
    assert inner.now == pytest.approx(now0 + 5 * inner.tick_s)
    rc.find(v.Html, children=[f"Step: {viz.steps}"]).assert_single()
    [overlay] = overlay_images(rc)
    assert overlay.value != png0, "the agent overlay did not change after 5 steps at 08:00"
    assert html_texts(rc) != caption0
    assert "08:05" in html_texts(rc)
    rows1 = [len(w.option["dataset"][0]["source"]) for w in echarts if w.option.get("dataset")]
    assert rows1 and all(b > a for a, b in zip(rows0, rows1, strict=True))
    # the options are plain JSON (no NaN) as the browser needs
    for w in echarts:
        json.dumps(w.option, allow_nan=False)
    assert int(kpi_cell(rc, "needs_arisen").replace(",", "")) == inner.n_arisen


def test_static_map_image_is_sent_once(ai_page):
    viz, rc = ai_page
    static = [w for w in rc.find(widgets.Image).widgets if "kaicity-map-static" in (w._dom_classes or ())]
    assert len(static) == 1
    before = static[0].value
    click_step(rc, 2)
    assert static[0].value is before or static[0].value == before


def test_reset_rebuilds_with_controls(ai_page):
    viz, rc = ai_page
    slider = rc.find(v.Slider, label="Residents (ai_city)").widget
    slider.v_model = 1200
    centres = rc.find(v.Slider, label="AI support centres (ai_city)").widget
    centres.v_model = 2
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rc.find(v.Html, children=["Step: 0"]).assert_single()
    text = html_texts(rc)
    assert "1,200 residents" in text and "2 AI support centres" in text


def test_compare_steps_in_lockstep():
    viz = KaiCityViz(SMART, AI, overrides=SMALL)
    assert viz.error is None and viz.compare
    assert viz.run_seed == viz.models[0].run_seed == viz.models[1].run_seed
    rc = render(make_page(SMART, AI, overrides=SMALL, model=viz))
    try:
        assert len(overlay_images(rc)) == 2
        click_step(rc, 3)
        a, b = viz.models
        assert a.now == b.now == pytest.approx(3 * a.tick_s)
        assert viz.steps == 3
        # common random numbers: both runs have the same people and the same needs
        np.testing.assert_array_equal(a.population.home, b.population.home)
        np.testing.assert_array_equal(a.needs.time, b.needs.time)
        text = html_texts(rc)
        assert "KPI difference" in text and 'data-run="diff"' in text
        d = kpi_cell(rc, "needs_arisen", "diff")
        assert d in ("+0", "0", "–")
    finally:
        rc.close()


def test_bad_scenario_shows_its_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SMART}\npopulation:\n  residents: many\n")
    viz = KaiCityViz(str(bad))
    assert viz.error and "population.residents" in viz.error
    assert not viz.running and viz.models == []
    rc = render(make_page(str(bad), model=viz))
    try:
        alerts = rc.find(v.Alert).widgets
        assert any("population.residents" in str(a.children) for a in alerts)
        click_step(rc)  # stepping a broken page does nothing and does not raise
    finally:
        rc.close()


def test_missing_scenario_and_bad_seed_are_errors(tmp_path):
    assert "does not exist" in KaiCityViz(str(tmp_path / "nope.yaml")).error or \
        "nope.yaml" in KaiCityViz(str(tmp_path / "nope.yaml")).error
    viz = KaiCityViz(SMART, seed="forty-two", overrides=SMALL)
    assert viz.error and "seed" in viz.error
    assert KaiCityViz(SMART, overrides="city.n_nodes=2500").error.startswith("overrides must be a mapping")


def test_seed_string_from_input_text_is_coerced():
    viz = KaiCityViz(SMART, seed=" 7 ", overrides=SMALL)
    assert viz.error is None
    assert viz.run_seed == 7 and viz.models[0].run_seed == 7


def test_controls_map_to_scenario_overrides():
    from kaicity.scenario import load_scenario

    smart, ai = load_scenario(SMART), load_scenario(AI)
    assert overrides_for(ai, "drt_vehicles", 0) == {"transit.drt.enabled": False}
    # an absolute fleet from the slider replaces a fleet given per 1,000 residents
    five = overrides_for(smart, "drt_vehicles", 5)
    assert five == {"transit.drt.enabled": True, "transit.drt.vehicles": 5, "transit.drt.vehicles_per_1000": None}
    assert ai.with_overrides(five).transit.drt.fleet_for(1e6) == 5
    ai_vans = ai.transit.drt.fleet_for(ai.population.people)  # per 1,000: shown for every resident
    assert overrides_for(ai, "drt_vehicles", ai_vans) == {}
    assert overrides_for(ai, "ai_services", False) == {"ai_services.enabled": False}
    assert overrides_for(ai, "literacy_threshold", 0.3) == {"ai_services.literacy_required": 0.3}
    assert overrides_for(ai, "residents", None) == {}
    # in a comparison, service controls change only the side that has the service
    assert control_targets([smart, ai], "drt_vehicles") == [1]
    assert control_targets([smart, ai], "support_centres") == [1]
    assert control_targets([smart, ai], "residents") == [0, 1]
    assert control_targets([smart], "drt_vehicles") == [0]
    d = control_defaults([smart, ai])
    assert d["drt_vehicles"] == ai_vans and d["residents"] == smart.population.residents
    viz = KaiCityViz(SMART, AI, overrides=SMALL, drt_vehicles=0, support_centres=1)
    assert viz.error is None
    assert viz.models[0].drt is None and viz.models[1].drt is None
    assert len(viz.models[0].support_centres) == 0 and len(viz.models[1].support_centres) == 1


def test_model_params_match_the_model_factory():
    import inspect

    params = model_params(AI, None, SMALL)
    accepted = inspect.signature(KaiCityViz.__init__).parameters
    assert set(params) <= set(accepted)
    assert params["seed"]["type"] == "InputText"
    assert params["residents"]["value"] == 1500  # the overrides are the starting point


def test_settings_from_env():
    s = settings_from_env({"KAICITY_VIZ_SCENARIO": "a.yaml", "KAICITY_VIZ_COMPARE": "b.yaml",
                           "KAICITY_VIZ_OVERRIDES": '{"population.residents": 10}'})
    assert s == {"scenario": "a.yaml", "compare": "b.yaml", "overrides": {"population.residents": 10},
                 "start_hour": None, "seed": None}
    assert settings_from_env({})["compare"] is None
    s = settings_from_env({"KAICITY_VIZ_START_HOUR": "9", "KAICITY_VIZ_SEED": "4294967295"})
    assert (s["start_hour"], s["seed"]) == (9, 2**32 - 1)
    assert settings_from_env({"KAICITY_VIZ_OVERRIDES": "{not json"})["overrides"] == "{not json"


def test_page_displays_in_a_jupyter_kernel():
    """``make_page(...)`` as the last expression of a notebook cell shows the SolaraViz widget."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = ("from kaicity.viz.app import make_page\n"
            f"page = make_page({SMART!r}, overrides={SMALL!r})\n"
            "page")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.get("output_type") == "error"], outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs), outputs


def test_offline_assets_link_major_versions_idempotently(tmp_path, capsys):
    from kaicity.viz.assets import cdn_dir, ensure_offline_assets, main

    assert ensure_offline_assets(tmp_path, quiet=True), "a prefix without solara-assets is a problem"
    cdn = cdn_dir(tmp_path)
    for d in ("requirejs@2.3.6", "@widgetti/solara-vuetify-app@10.1.1", "@widgetti/vue-grid-layout@2.3.13",
              "vega@5.21.0", "vega@5.9.0", "vega-lite@5.2.0", "vega-embed@6.20.2"):
        (cdn / d).mkdir(parents=True)
    assert ensure_offline_assets(tmp_path, quiet=True) == []
    assert os.readlink(cdn / "vega@5") == "vega@5.21.0"  # the newest bundled 5.x
    assert (cdn / "vega-lite@5").resolve() == (cdn / "vega-lite@5.2.0").resolve()
    capsys.readouterr()
    assert main(["--quiet", "--prefix", str(tmp_path)]) == 0  # second run: nothing to do, nothing printed
    assert capsys.readouterr() == ("", "")


def test_viz_command_is_registered_and_rejects_a_missing_file(tmp_path, capsys):
    from kaicity.cli import main
    from kaicity.commands.viz import server_command, server_env

    assert main(["viz", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    cmd = server_command("127.0.0.1", 8765)
    assert cmd[-5:] == ["127.0.0.1", "--port", "8765", "--production", "--no-open"]
    assert cmd[cmd.index("run") + 1].endswith("kaicity/viz/app.py")
    env = server_env(SMART, None, {"population.residents": 10})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert json.loads(env["KAICITY_VIZ_OVERRIDES"]) == {"population.residents": 10}
    assert "KAICITY_VIZ_COMPARE" not in env


def test_travelling_residents_are_away_and_on_their_way():
    from kaicity.categories import GROUP_CODE
    from kaicity.viz.citymap import MapRenderer
    from kaicity.viz.positions import PathCache, travelling_positions

    viz = KaiCityViz(SMART, overrides=SMALL)
    m = viz.models[0]
    seen = 0
    for _ in range(40):
        viz.step()
        straight = travelling_positions(m)
        pop = m.population
        # everyone drawn is away from home at this time
        assert (pop.busy_until[straight.resident] > m.now).all()
        assert len(np.unique(straight.resident)) == straight.n
        assert (straight.elderly == (pop.group[straight.resident] == GROUP_CODE["elderly"])).all()
        # straight lines: the point lies between the place and the home
        g = m.city.walk
        home = pop.home[straight.resident]
        place = np.array([m.places[p].node for p in m.log.place[straight.trip]], dtype=int)
        np.testing.assert_allclose(straight.x, g.x[place] + straight.frac * (g.x[home] - g.x[place]))
        assert ((straight.frac >= 0) & (straight.frac <= 1)).all()
        # along streets: same residents, inside the city's bounding box, at the place when frac == 0
        streets = travelling_positions(m, paths=PathCache(g))
        np.testing.assert_array_equal(streets.resident, straight.resident)
        assert (streets.x >= g.x.min() - 1).all() and (streets.x <= g.x.max() + 1).all()
        at_place = streets.frac == 0
        np.testing.assert_allclose(streets.x[at_place], straight.x[at_place])
        seen += straight.n
    assert seen > 0, "nobody travelled between 08:00 and 08:40"
    frame = MapRenderer(m).frame()
    assert frame.ndim == 3 and frame.shape[2] == 3


def test_page_opens_where_needs_begin_and_keeps_the_full_run():
    """Default start: the first hour with needs (06:00 here); the runs are stepped there, not restarted."""
    from kaicity.viz.citymap import clock_text
    from kaicity.viz.vizmodel import needs_start_hour

    small = {k: val for k, val in SMALL.items() if k != "simulation.start_hour"}
    viz = KaiCityViz(SMART, overrides=small)
    assert viz.error is None
    first = needs_start_hour(viz.scenarios[0])
    assert first == min(h for h, w in enumerate(viz.scenarios[0].needs.hourly_profile) if w > 0) == 6
    assert viz.start_hour == first and clock_text(viz.models[0]).endswith(f"{first:02d}:00")
    assert viz.steps == first * 3600 / viz.models[0].tick_s
    # the same run stepped by hand from midnight reaches the same state
    plain = KaiCityViz(SMART, overrides=small, start_hour=0)
    assert plain.steps == 0
    for _ in range(viz.steps):
        plain.step()
    assert plain.models[0].n_arisen == viz.models[0].n_arisen
    np.testing.assert_array_equal(plain.models[0].population.busy_until, viz.models[0].population.busy_until)


def test_explicit_start_hour_and_jump_to_hour():
    from kaicity.viz.citymap import clock_text

    viz = KaiCityViz(SMART, overrides=SMALL, start_hour=9)  # the scenario starts at 08:00
    assert viz.steps == 60 and "09:00" in clock_text(viz.models[0])
    assert viz.ticks_to_hour(9) == 0 and viz.ticks_to_hour(8) == 23 * 60
    rc = render(make_page(SMART, overrides=SMALL, model=viz, start_hour=9))
    try:
        rc.find(v.Html, children=["Step: 60"]).assert_single()
        rc.find(v.Slider, label="Jump to hour").widget.v_model = 11
        rc.find(v.Btn, children=["Jump to 11:00"]).widget.click()
        assert viz.steps == 180 and "11:00" in clock_text(viz.models[0])
        rc.find(v.Html, children=["Step: 180"]).assert_single()
        assert "11:00" in html_texts(rc)
        # Reset rebuilds at the page's start hour
        rc.find(v.Btn, children=["Reset"]).widget.click()
        rc.find(v.Html, children=["Step: 60"]).assert_single()
    finally:
        rc.close()
    with pytest.raises(ValueError, match="clock hour 0..23"):
        viz.ticks_to_hour(24)


def test_controls_name_the_runs_they_change_and_the_difference_is_explained():
    viz = KaiCityViz(SMART, AI, overrides=SMALL)
    params = model_params(SMART, AI, SMALL, viz=viz)
    assert params["residents"]["label"] == "Residents (both runs)"
    assert params["seed"]["label"] == "Seed (both runs)"
    assert params["drt_vehicles"]["label"] == "DRT vans, 0 = off (ai_city)"
    assert params["support_centres"]["label"] == "AI support centres (ai_city)"
    from kaicity.viz.kpis import kpi_table_html

    table = kpi_table_html(viz.models, viz.labels)
    assert '<th class="kaicity-kpi-diff">ai_city − smart_city</th>' in table
    assert "Difference = ai_city − smart_city" in table and "better in ai_city" in table
    assert "Difference" not in kpi_table_html(viz.models[:1], viz.labels[:1])


def test_seed_above_32_bits_is_an_error_on_the_page():
    viz = KaiCityViz(SMART, seed=str(2**32), overrides=SMALL)
    assert viz.error and "0..4294967295" in viz.error
