"""kaicity's SolaraViz app: ``solara run kaicity/viz/app.py`` (or ``kaicity viz SCENARIO.yaml``).

The scenario(s) come from environment variables, which ``kaicity viz`` sets:

``KAICITY_VIZ_SCENARIO``
    Scenario YAML (default: ``scenarios/ai_city.yaml``).
``KAICITY_VIZ_COMPARE``
    Optional second scenario shown side by side.
``KAICITY_VIZ_OVERRIDES``
    JSON object of dotted-key overrides applied to both, e.g. ``{"city.n_nodes": 2500}``.
``KAICITY_VIZ_START_HOUR``
    Clock hour the page opens at (default: the hour needs begin in the scenario).
``KAICITY_VIZ_SEED``
    Seed of the runs (default: the scenario's).

In a notebook::

    from kaicity.viz.app import make_page
    make_page("scenarios/smart_city.yaml", compare="scenarios/ai_city.yaml")

Each browser session gets its own model (:func:`Page`); the street-network background
image is shared through a per-city cache.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
os.environ.setdefault("MPLBACKEND", "Agg")

import solara  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402

from kaicity.viz.components import make_components  # noqa: E402
from kaicity.viz.vizmodel import FALLBACK_CONTROLS, KaiCityViz, control_defaults, control_targets  # noqa: E402

ENV_SCENARIO = "KAICITY_VIZ_SCENARIO"
ENV_COMPARE = "KAICITY_VIZ_COMPARE"
ENV_OVERRIDES = "KAICITY_VIZ_OVERRIDES"
ENV_START_HOUR = "KAICITY_VIZ_START_HOUR"
ENV_SEED = "KAICITY_VIZ_SEED"

#: Page-wide CSS: every sidebar slider shows its value (Vuetify's thumb label, which it
#: otherwise shows only while dragging), with room above the slider for it.
PAGE_CSS = """
.v-navigation-drawer .v-input__slider { margin-top: 34px; }
.v-navigation-drawer .v-slider__thumb-label-container { display: block !important; }
.v-navigation-drawer .v-slider__thumb-label { font-size: 11px; }
"""


def default_scenario() -> str:
    """``scenarios/ai_city.yaml`` of the working directory, else of the source checkout."""
    local = Path("scenarios") / "ai_city.yaml"
    if local.exists():
        return str(local)
    return str(Path(__file__).resolve().parents[2] / "scenarios" / "ai_city.yaml")


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``scenario``, ``compare`` and ``overrides`` from the ``KAICITY_VIZ_*`` variables."""
    env = os.environ if environ is None else environ
    overrides: Any = None
    raw = env.get(ENV_OVERRIDES, "").strip()
    if raw:
        try:
            overrides = json.loads(raw)
        except json.JSONDecodeError:
            overrides = raw  # KaiCityViz reports it on the page
    def number(name: str) -> int | None:
        raw = env.get(name, "").strip()
        try:
            return int(raw) if raw else None
        except ValueError:
            return None

    return {"scenario": env.get(ENV_SCENARIO) or default_scenario(),
            "compare": env.get(ENV_COMPARE) or None,
            "overrides": overrides or None,
            "start_hour": number(ENV_START_HOUR),
            "seed": number(ENV_SEED)}


def target_text(scenarios: list, labels: list[str], control: str) -> str:
    """Which runs a control changes, for its label: ``both runs``, or the run's name."""
    if not scenarios:
        return ""
    idx = control_targets(scenarios, control)
    if len(scenarios) > 1 and len(idx) == len(scenarios):
        return "both runs"
    return ", ".join(labels[i] for i in idx)


def model_params(scenario: Any, compare: Any = None, overrides: Mapping[str, Any] | None = None,
                 viz: KaiCityViz | None = None, start_hour: int | None = None,
                 seed: int | None = None) -> dict[str, Any]:
    """SolaraViz ``model_params``: fixed scenario settings plus the user controls.

    The keys are :class:`~kaicity.viz.vizmodel.KaiCityViz` keyword arguments; the
    controls start at the values written in the scenario(s) (the seed at ``seed`` when
    given) and each label names the run(s) it changes.
    """
    scenarios = list(getattr(viz, "scenarios", []) or [])
    if not scenarios:
        try:
            from kaicity.scenario import load_scenario

            scenarios = [load_scenario(s) for s in (scenario, compare) if s is not None]
            if overrides:
                scenarios = [s.with_overrides(overrides) for s in scenarios]
        except Exception:  # noqa: BLE001 - the page shows the error; controls fall back
            scenarios = []
    d = control_defaults(scenarios) if scenarios else dict(FALLBACK_CONTROLS)
    if seed is not None:
        d["seed"] = int(seed)
    labels = list(getattr(viz, "labels", []) or []) or [str(sc.name) for sc in scenarios]

    def label(text: str, control: str) -> str:
        runs = target_text(scenarios, labels, control) if len(labels) == len(scenarios) else ""
        return f"{text} ({runs})" if runs else text

    return {
        "scenario": scenario,
        "compare": compare,
        "overrides": dict(overrides) if overrides else None,
        "start_hour": start_hour,
        "residents": {"type": "SliderInt", "value": d["residents"], "label": label("Residents", "residents"),
                      "min": 100, "max": max(20_000, d["residents"]), "step": 100},
        "drt_vehicles": {"type": "SliderInt", "value": d["drt_vehicles"],
                         "label": label("DRT vans, 0 = off", "drt_vehicles"),
                         "min": 0, "max": max(60, d["drt_vehicles"]), "step": 1},
        "support_centres": {"type": "SliderInt", "value": d["support_centres"],
                            "label": label("AI support centres", "support_centres"),
                            "min": 0, "max": max(20, d["support_centres"]), "step": 1},
        "ai_services": {"type": "Checkbox", "value": bool(d["ai_services"]),
                        "label": label("AI remote services", "ai_services")},
        "literacy_threshold": {"type": "SliderFloat", "value": d["literacy_threshold"],
                               "label": label("AI literacy threshold", "literacy_threshold"),
                               "min": 0.0, "max": 1.0, "step": 0.05},
        "seed": {"type": "InputText", "value": str(d["seed"]), "label": label("Seed", "seed")},
    }


@solara.component
def KaiCityPage(model: KaiCityViz, components: list, params: dict, name: str, play_interval: int):
    """SolaraViz with the browser tab's title and the page CSS."""
    solara.Title(name)
    solara.Style(PAGE_CSS)
    SolaraViz(model, components=components, model_params=params, name=name, play_interval=play_interval)


def make_page(scenario: Any = None, compare: Any = None, *, overrides: Mapping[str, Any] | None = None,
              model: KaiCityViz | None = None, play_interval: int = 150, name: str | None = None,
              start_hour: int | None = None, seed: int | None = None):
    """The SolaraViz page for a scenario (and an optional comparison), e.g. in a notebook cell.

    Parameters
    ----------
    scenario, compare
        Scenario YAML paths (default: ``scenarios/ai_city.yaml``; no comparison).
    overrides
        Dotted-key overrides for both scenarios (e.g. ``{"population.residents": 2000}``).
    model
        An already built :class:`~kaicity.viz.vizmodel.KaiCityViz` (built from the
        arguments when omitted).
    play_interval
        Milliseconds between steps while playing.
    name
        Title of the page and of the browser tab (default: ``kaicity: <scenario names>``).
    start_hour
        Clock hour the runs are advanced to before the page shows them (default: the
        hour needs begin in the scenario); Reset returns there.
    seed
        Seed of the runs (default: the scenario's).

    Returns
    -------
    solara element
        Display it (last expression of a notebook cell) or return it from a component.
    """
    scenario = scenario if scenario is not None else default_scenario()
    if model is None:
        model = KaiCityViz(scenario, compare, overrides=overrides, start_hour=start_hour, seed=seed)
    if name is None:
        labels = model.labels or [Path(str(s)).stem for s in (scenario, compare) if s is not None]
        name = "kaicity: " + " vs ".join(labels)
    n_runs = 2 if compare is not None else 1
    params = model_params(scenario, compare, overrides, viz=model, start_hour=start_hour, seed=seed)
    return KaiCityPage(model, make_components(n_runs), params, name, play_interval)


@solara.component
def Page():
    """The app's page: one model per browser session, from the ``KAICITY_VIZ_*`` settings."""
    settings = solara.use_memo(settings_from_env, [])
    model = solara.use_memo(lambda: KaiCityViz(**settings), [])
    return make_page(settings["scenario"], settings["compare"], overrides=settings["overrides"], model=model,
                     start_hour=settings["start_hour"], seed=settings["seed"])
