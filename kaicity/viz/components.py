"""Solara components of the page: maps, KPI table, charts, and the error view.

Every ``make_*_component`` returns a function of the model, the form SolaraViz's
``components=`` takes; SolaraViz wraps it so it re-renders after every step.  The
renderers (maps, charts) live in the model's :attr:`~kaicity.viz.vizmodel.KaiCityViz.viz_cache`,
so a Reset (a new model) starts fresh while the street-network background stays cached
per city.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import solara
from mesa.visualization.utils import force_update, update_counter
from solara.components.echarts import EchartsWidget

from kaicity.viz.charts import CHARTS
from kaicity.viz.citymap import MapRenderer, clock_text
from kaicity.viz.kpis import kpi_table_html
from kaicity.viz.vizmodel import KaiCityViz


class ChartWidget(EchartsWidget):
    """Solara's ECharts widget with a template that initialises the chart only on a live, attached element.

    Solara's template calls ``echarts.init`` once the ECharts script has loaded, even when
    Vue has destroyed the component meanwhile (the page's grid mounts its items twice on
    the first layout pass): the browser then throws "Initialize failed: invalid dom" on
    most page loads.  ``echarts.vue`` here is Solara's template with that guard.
    """

    template_file = (__file__, "echarts.vue")

#: Stacks the map's overlay on its static image and keeps both inside their grid cell.
_CSS = """
.kaicity-mapbox { position: relative; width: 100%; }
.kaicity-mapbox img { display: block; width: 100%; height: auto; }
.kaicity-mapbox img.kaicity-overlay { position: absolute; top: 0; left: 0; height: 100%; }
.kaicity-caption { font-size: 12px; line-height: 1.3; margin: 0 0 2px 0; color: #222; }
.kaicity-legend { font-size: 10.5px; line-height: 1.3; margin: 0 0 3px 0; color: #444; }
.kaicity-legend span.sym { font-size: 13px; margin-right: 2px; }
.kaicity-legend span.item { margin-right: 4px; white-space: nowrap; }
.kaicity-kpi-head { font-size: 12px; margin: 0 0 4px 0; line-height: 1.3; }
.kaicity-jump { margin: 26px 0 4px 0; align-items: center; }
"""


def map_renderer(viz: KaiCityViz, index: int) -> MapRenderer:
    """The map renderer of run ``index``, created on first use."""
    key = ("map", index)
    if key not in viz.viz_cache:
        viz.viz_cache[key] = MapRenderer(viz.models[index], title=viz.labels[index])
    return viz.viz_cache[key]


def chart_option(viz: KaiCityViz, name: str, builder: Callable[..., dict]) -> dict:
    """The ECharts option of chart ``name`` for the runs' current data."""
    if name == "drt":
        return builder(viz.models, viz.labels, samples=viz.viz_cache.setdefault(("drt_samples",), {}))
    return builder(viz.models, viz.labels)


def legend_html(items: list[tuple[str, str, str]]) -> str:
    """The map legend as one wrapped line of coloured symbols and labels."""
    return " ".join(f'<span class="item"><span class="sym" style="color:{col}">{sym}</span>{html.escape(label)}</span>'
                    for sym, col, label in items)


def drt_fleet_text(drt) -> str:
    """``12 vans`` or ``0.12 vans per 1,000 residents of the service area``."""
    if drt.vehicles is not None:
        return f"{int(drt.vehicles)} vans"
    return f"{drt.per_1000:g} vans per 1,000 residents of the service area"


def settings_text(label: str, scenario) -> str:
    """The page controls' values for one run, e.g. ``ai_city: 8,000 residents, DRT 12 vans, ...``."""
    drt = scenario.transit.drt
    return (f"{label}: {int(scenario.population.residents):,} residents, "
            f"DRT {drt_fleet_text(drt) if drt.enabled else 'off'}, "
            f"{scenario.support_centres.centres_for(scenario.population.people)} AI support centres, "
            f"AI services {'on' if scenario.ai_services.enabled else 'off'} "
            f"(literacy threshold {float(scenario.ai_services.literacy_required):.2f})")


def ErrorView(viz: KaiCityViz) -> None:
    """The error that stopped the runs, shown where the map would be."""
    solara.Error(label=f"kaicity: {viz.error}", icon=True)
    sources = ", ".join(viz.sources) or "(none)"
    solara.Markdown(f"Scenario: `{sources}`. Fix the file (or the controls) and press **Reset**, "
                    "or restart `kaicity viz`.")


def make_map_component(index: int = 0) -> Callable:
    """A component drawing run ``index``'s map (the first also shows errors)."""

    def CityMap(model: KaiCityViz) -> None:
        if model.error is not None:
            if index == 0:
                ErrorView(model)
            return
        if index >= len(model.models):
            return
        renderer = map_renderer(model, index)
        overlay = renderer.overlay_png()
        solara.Style(_CSS)
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(renderer.caption()),
                    classes=["kaicity-caption", f"kaicity-caption-{index}"])
        solara.HTML(tag="div", unsafe_innerHTML=legend_html(renderer.legend), classes=["kaicity-legend"])
        with solara.Div(classes=["kaicity-mapbox"]):
            solara.Image(renderer.static_png(), classes=["kaicity-map-static"])
            solara.Image(overlay, classes=["kaicity-overlay", "kaicity-map", f"kaicity-map-{index}"])

    CityMap.__name__ = f"CityMap{index}"
    return CityMap


@solara.component
def JumpToHour(model: KaiCityViz):
    """Steps the runs forward until the clock next reads the chosen hour (the slider shows it)."""
    start = int(model.start_hour) if model.start_hour is not None else 8
    hour = solara.use_reactive(start)

    def jump() -> None:
        model.advance_to_hour(int(hour.value))
        force_update()

    with solara.Row(classes=["kaicity-jump"]):
        solara.SliderInt("Jump to hour", value=hour, min=0, max=23, step=1, thumb_label="always")
        solara.Button(label=f"Jump to {int(hour.value):02d}:00", color="primary", on_click=jump,
                      disabled=not model.running, classes=["kaicity-jump-button"])


def KpiTable(model: KaiCityViz) -> None:
    """The jump-to-hour control and the headline KPIs (and their difference between two runs)."""
    if model.error is not None or not model.models:
        return
    JumpToHour(model)
    title = "KPI difference" if model.compare else "Headline KPIs"
    head = (f"<b>{title}</b> — step <span class='kaicity-step'>{model.steps}</span>, "
            f"{html.escape(clock_text(model.models[0]))}, seed {model.run_seed}<br>"
            + "<br>".join(html.escape(settings_text(lab, sc)) for lab, sc in zip(model.labels, model.scenarios,
                                                                                  strict=True)))
    solara.HTML(tag="div", unsafe_innerHTML=head, classes=["kaicity-kpi-head"])
    solara.HTML(tag="div", unsafe_innerHTML=kpi_table_html(model.models, model.labels))


@solara.component
def ChartPanel(model: KaiCityViz, name: str, builder: Callable[..., dict]):
    """One of :data:`kaicity.viz.charts.CHARTS` for every run.

    The ECharts widget is created once and its ``option`` (hundreds of numbers per
    line) is assigned directly, outside reacton's element properties: reacton walks
    nested property lists item by item on every render pass (~30 ms per chart per step
    here) and would reset an assigned property to the element's value.
    """
    update_counter.get()
    has_data = model.error is None and bool(model.models)
    widget = solara.use_memo(
        lambda: ChartWidget(option={}, responsive=True,
                              attributes={"style": "height: 360px; width: 100%;",
                                          "class": f"kaicity-chart kaicity-chart-{name}"}), [])

    def close():
        return widget.close

    solara.use_effect(close, [])

    def push() -> None:
        widget.option = chart_option(model, name, builder) if has_data else {}

    # once per step (the component also re-renders when its parent does)
    solara.use_effect(push, [model, model.steps, has_data])
    return solara.Div(children=[widget] if has_data else [])


def make_chart_component(name: str, builder: Callable[..., dict]) -> Callable:
    """A component function of the model showing chart ``name`` (see :func:`ChartPanel`)."""

    def ChartView(model: KaiCityViz):
        return ChartPanel(model, name, builder)

    ChartView.__name__ = f"Chart_{name}"
    return ChartView


def make_components(n_runs: int = 1) -> list[tuple[Callable, int]]:
    """The page's components (all on page 0): maps, the KPI table, then the charts."""
    comps: list[tuple[Callable, int]] = [(make_map_component(i), 0) for i in range(n_runs)]
    comps.append((KpiTable, 0))
    comps += [(make_chart_component(name, builder), 0) for name, builder in CHARTS]
    return comps
