"""kaicity's SolaraViz app: ``solara run kaicity/viz/app.py`` (or ``kaicity viz SCENARIO.yaml``).

The scenario(s) come from environment variables, which ``kaicity viz`` sets:

``KAICITY_VIZ_SCENARIO``
    Scenario YAML (default: ``scenarios/ai_city.yaml``).
``KAICITY_VIZ_COMPARE``
    Optional second scenario shown side by side.
``KAICITY_VIZ_OVERRIDES``
    JSON object of dotted-key overrides applied to both, e.g. ``{"city.n_nodes": 2500}``.

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
from kaicity.viz.vizmodel import FALLBACK_CONTROLS, KaiCityViz, control_defaults  # noqa: E402

ENV_SCENARIO = "KAICITY_VIZ_SCENARIO"
ENV_COMPARE = "KAICITY_VIZ_COMPARE"
ENV_OVERRIDES = "KAICITY_VIZ_OVERRIDES"


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
    return {"scenario": env.get(ENV_SCENARIO) or default_scenario(),
            "compare": env.get(ENV_COMPARE) or None,
            "overrides": overrides or None}


def model_params(scenario: Any, compare: Any = None, overrides: Mapping[str, Any] | None = None,
                 viz: KaiCityViz | None = None) -> dict[str, Any]:
    """SolaraViz ``model_params``: fixed scenario settings plus the user controls.

    The keys are :class:`~kaicity.viz.vizmodel.KaiCityViz` keyword arguments; the
    controls start at the values written in the scenario(s).
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
    return {
        "scenario": scenario,
        "compare": compare,
        "overrides": dict(overrides) if overrides else None,
        "residents": {"type": "SliderInt", "value": d["residents"], "label": "Residents",
                      "min": 100, "max": max(20_000, d["residents"]), "step": 100},
        "drt_vehicles": {"type": "SliderInt", "value": d["drt_vehicles"], "label": "DRT fleet (0 = no DRT)",
                         "min": 0, "max": max(60, d["drt_vehicles"]), "step": 1},
        "support_centres": {"type": "SliderInt", "value": d["support_centres"], "label": "AI support centres",
                            "min": 0, "max": max(20, d["support_centres"]), "step": 1},
        "ai_services": {"type": "Checkbox", "value": bool(d["ai_services"]), "label": "AI remote services"},
        "literacy_threshold": {"type": "SliderFloat", "value": d["literacy_threshold"],
                               "label": "AI literacy threshold", "min": 0.0, "max": 1.0, "step": 0.05},
        "seed": {"type": "InputText", "value": str(d["seed"]), "label": "Seed"},
    }


def make_page(scenario: Any = None, compare: Any = None, *, overrides: Mapping[str, Any] | None = None,
              model: KaiCityViz | None = None, play_interval: int = 150, name: str | None = None):
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
        Title of the page.

    Returns
    -------
    solara element
        Display it (last expression of a notebook cell) or return it from a component.
    """
    scenario = scenario if scenario is not None else default_scenario()
    if model is None:
        model = KaiCityViz(scenario, compare, overrides=overrides)
    if name is None:
        labels = model.labels or [Path(str(s)).stem for s in (scenario, compare) if s is not None]
        name = "kaicity: " + " vs ".join(labels)
    n_runs = 2 if compare is not None else 1
    return SolaraViz(model, components=make_components(n_runs),
                     model_params=model_params(scenario, compare, overrides, viz=model),
                     name=name, play_interval=play_interval)


@solara.component
def Page():
    """The app's page: one model per browser session, from the ``KAICITY_VIZ_*`` settings."""
    settings = solara.use_memo(settings_from_env, [])
    model = solara.use_memo(lambda: KaiCityViz(**settings), [])
    return make_page(settings["scenario"], settings["compare"], overrides=settings["overrides"], model=model)
