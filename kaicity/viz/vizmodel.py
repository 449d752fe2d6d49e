"""The model the browser page drives: one scenario, or two stepped in lockstep.

:class:`KaiCityViz` is a :class:`mesa.Model` wrapping one :class:`~kaicity.model.KaiCityModel`
(or two with ``compare``), so SolaraViz's Step / Play / Reset buttons and its
``model_params`` work unchanged: the keyword arguments of ``KaiCityViz.__init__`` are the
page's controls.  A scenario that fails to load or validate does not raise: the error
text is kept in :attr:`KaiCityViz.error` and the page shows it instead of a blank screen.

Controls and the scenarios they change
--------------------------------------
``residents``, ``literacy_threshold`` and ``seed`` apply to every scenario (the two
runs of a comparison share their population and random numbers).  ``drt_vehicles``,
``support_centres`` and ``ai_services`` change the scenarios that have that service in
their file (the AI side of a comparison); when none has it, the single scenario (or the
``compare`` one) gets it.  ``None`` keeps the file's value.

Where the page opens
--------------------
A day starts at midnight, when nothing happens.  The runs are advanced (stepped, so
the results are those of the full run) to ``start_hour`` before the page shows: by
default the first hour, from the scenario's ``simulation.start_hour`` on, that has
needs in ``needs.hourly_profile`` (06:00 for the shipped scenarios).
:meth:`KaiCityViz.advance_to_hour` is the page's jump-to-hour control.
"""

from __future__ import annotations

import math
import sys
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa

#: Control name -> dotted scenario key it sets.
CONTROL_KEYS: dict[str, str] = {
    "residents": "population.residents",
    "drt_vehicles": "transit.drt.vehicles",
    "support_centres": "support_centres.count",
    "ai_services": "ai_services.enabled",
    "literacy_threshold": "ai_services.literacy_required",
}

#: Controls that change only the scenarios offering that service.
SERVICE_CONTROLS: dict[str, str] = {"drt_vehicles": "drt", "support_centres": "support_centres",
                                    "ai_services": "ai_services"}

#: Values used for the controls when the scenario itself cannot be read.
FALLBACK_CONTROLS: dict[str, Any] = {"residents": 8000, "drt_vehicles": 12, "support_centres": 4,
                                     "ai_services": True, "literacy_threshold": 0.45, "seed": 42}


def _features(scenario) -> dict[str, bool]:
    """Which AI-city services a scenario has: ``ai_services``, ``support_centres``, ``drt``."""
    return {"ai_services": bool(scenario.ai_services.enabled),
            "support_centres": scenario.support_centres.centres_for(scenario.population.people) > 0,
            "drt": bool(scenario.transit.drt.enabled)}


def control_targets(scenarios: list, control: str) -> list[int]:
    """Indices of the scenarios a control changes (see the module docstring)."""
    if control not in SERVICE_CONTROLS:
        return list(range(len(scenarios)))
    feature = SERVICE_CONTROLS[control]
    having = [i for i, s in enumerate(scenarios) if _features(s)[feature]]
    return having or ([len(scenarios) - 1] if scenarios else [])


def _drt_vans(drt, people: float) -> int:
    """The DRT control's value: 0 when off, the absolute fleet, else the per-1,000 fleet for every
    resident (an upper bound: the run sizes it on the service area's residents)."""
    return drt.fleet_for(people) if drt.enabled else 0


def control_values(scenario) -> dict[str, Any]:
    """The controls' values as written in ``scenario``."""
    return {
        "residents": int(scenario.population.residents),
        "drt_vehicles": _drt_vans(scenario.transit.drt, scenario.population.people),
        "support_centres": scenario.support_centres.centres_for(scenario.population.people),
        "ai_services": bool(scenario.ai_services.enabled),
        "literacy_threshold": float(scenario.ai_services.literacy_required),
        "seed": int(scenario.seed),
    }


def control_defaults(scenarios: list) -> dict[str, Any]:
    """Initial control values for a page: each control shows the value of the first scenario it changes."""
    if not scenarios:
        return dict(FALLBACK_CONTROLS)
    out = {}
    for name in (*CONTROL_KEYS, "seed"):
        idx = control_targets(scenarios, name)
        out[name] = control_values(scenarios[idx[0] if idx else 0])[name]
    return out


def overrides_for(scenario, control: str, value: Any) -> dict[str, Any]:
    """Dotted-key overrides that set ``control`` to ``value`` in ``scenario`` (empty when unchanged)."""
    if value is None:
        return {}
    current = control_values(scenario)[control]
    if control == "drt_vehicles":
        n = int(value)
        if n == current:
            return {}
        if n <= 0:
            return {"transit.drt.enabled": False}
        return {"transit.drt.enabled": True, "transit.drt.vehicles": n, "transit.drt.vehicles_per_1000": None}
    if control == "residents":
        value = int(value)
    elif control == "support_centres":
        value = int(value)
    elif control == "ai_services":
        value = bool(value)
    elif control == "literacy_threshold":
        value = float(value)
    if value == current:
        return {}
    return {CONTROL_KEYS[control]: value}


def needs_start_hour(scenario) -> int:
    """The first clock hour, from the scenario's start hour on, whose needs weight is positive."""
    start = int(scenario.simulation.start_hour)
    profile = list(scenario.needs.hourly_profile)
    for k in range(24):
        hour = (start + k) % 24
        if profile[hour] > 0:
            return hour
    return start


def parse_seed(seed: Any) -> int | None:
    """The seed as an int (SolaraViz's InputText hands over a string); ``None`` for blank."""
    if seed is None:
        return None
    if isinstance(seed, str):
        seed = seed.strip()
        if not seed:
            return None
    try:
        value = float(seed)
    except (TypeError, ValueError):
        from kaicity.errors import ScenarioError

        raise ScenarioError(f"the seed must be a whole number, got {seed!r}", path="seed") from None
    if not math.isfinite(value) or value != int(value) or not 0 <= value <= 2**32 - 1:
        from kaicity.errors import ScenarioError

        raise ScenarioError(f"the seed must be a whole number 0..{2**32 - 1}, got {seed!r}", path="seed")
    return int(value)


def _labels(names: list[str]) -> list[str]:
    """Scenario names made distinct (``name``, ``name (2)``)."""
    out = []
    for i, n in enumerate(names):
        out.append(n if names.count(n) == 1 or names.index(n) == i else f"{n} ({i + 1})")
    return out


class KaiCityViz(mesa.Model):
    """One scenario, or two side by side, for the browser page.

    Parameters
    ----------
    scenario
        Path of the scenario YAML (or a :class:`~kaicity.scenario.Scenario`).
    compare
        Optional second scenario; both step in lockstep from the same seed.
    residents, drt_vehicles, support_centres, ai_services, literacy_threshold
        Page controls (``None`` keeps the scenario's value); ``drt_vehicles=0`` turns DRT off.
    seed
        Seed of both runs (an int or a numeric string; blank = the first scenario's seed).
    overrides
        Dotted-key overrides applied to every scenario before the controls
        (e.g. ``{"city.n_nodes": 2500}``).
    start_hour
        Clock hour (0..23) the runs are advanced to before the page shows them
        (default: :func:`needs_start_hour` of the first scenario; see the module docstring).

    Attributes
    ----------
    models : list of KaiCityModel
        The runs (empty when :attr:`error` is set).
    labels : list of str
        Display name of each run.
    error : str or None
        Why the runs could not be built or stepped (shown on the page).
    viz_cache : dict
        Renderers the page components keep with this model (maps, charts).
    """

    def __init__(self, scenario: Any = "scenarios/ai_city.yaml", compare: Any = None, *,
                 residents: int | None = None, drt_vehicles: int | None = None,
                 support_centres: int | None = None, ai_services: bool | None = None,
                 literacy_threshold: float | None = None, seed: Any = None,
                 overrides: Mapping[str, Any] | None = None, start_hour: int | None = None) -> None:
        self._lock = threading.RLock()  # the page's Play thread and jump-to-hour both step
        self.models: list = []
        self.labels: list[str] = []
        self.error: str | None = None
        self.viz_cache: dict = {}
        self.sources = [str(s) if isinstance(s, (str, Path)) else str(getattr(s, "name", s))
                        for s in (scenario, compare) if s is not None]
        controls = {"residents": residents, "drt_vehicles": drt_vehicles, "support_centres": support_centres,
                    "ai_services": ai_services, "literacy_threshold": literacy_threshold}
        run_seed = None
        try:
            run_seed = parse_seed(seed)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            self.error = self._describe(exc)
        super().__init__(seed=run_seed)
        if overrides is not None and not isinstance(overrides, Mapping):
            self.error = f"overrides must be a mapping of dotted keys to values, got {overrides!r}"
        if self.error is None:
            try:
                self._build([s for s in (scenario, compare) if s is not None], controls, run_seed,
                            dict(overrides or {}))
            except Exception as exc:  # noqa: BLE001 - shown on the page
                self.error = self._describe(exc)
                self.models = []
        self.running = self.error is None and any(m.running for m in self.models)
        self.start_hour: int | None = None
        if self.error is None and self.models:
            self.start_hour = needs_start_hour(self.scenarios[0]) if start_hour is None else int(start_hour)
            self.advance_to_hour(self.start_hour)

    @staticmethod
    def _describe(exc: BaseException) -> str:
        from kaicity.errors import KaicityError

        if isinstance(exc, KaicityError):
            return str(exc)
        traceback.print_exception(exc, file=sys.stderr)
        return f"{type(exc).__name__}: {exc}"

    def _build(self, sources: list, controls: dict, run_seed: int | None, overrides: dict) -> None:
        from kaicity.model import KaiCityModel
        from kaicity.scenario import Scenario, load_scenario

        scenarios = []
        for src in sources:
            sc = src if isinstance(src, Scenario) else load_scenario(src)
            if overrides:
                sc = sc.with_overrides(overrides)
            scenarios.append(sc)
        changed = [dict() for _ in scenarios]
        for name, value in controls.items():
            for i in control_targets(scenarios, name):
                changed[i].update(overrides_for(scenarios[i], name, value))
        scenarios = [sc.with_overrides(ch) if ch else sc for sc, ch in zip(scenarios, changed, strict=True)]
        seed = run_seed if run_seed is not None else int(scenarios[0].seed)
        self.scenarios = scenarios
        self.run_seed = seed
        self.labels = _labels([str(sc.name) for sc in scenarios])
        self.models = [KaiCityModel(sc, seed=seed) for sc in scenarios]

    @property
    def compare(self) -> bool:
        """True when two runs are shown side by side."""
        return len(self.models) > 1

    @property
    def now(self) -> float:
        """Simulation time (s) of the runs (they advance together)."""
        return float(self.models[0].now) if self.models else 0.0

    @property
    def clock_s(self) -> float:
        """Clock time of the runs in seconds since the first midnight."""
        if not self.models:
            return 0.0
        return self.now + float(self.models[0].start_hour) * 3600.0

    def ticks_to_hour(self, hour: int) -> int:
        """Ticks until the clock next reads ``hour``:00 (0 when it reads that now)."""
        from kaicity.errors import SimulationError

        if not 0 <= int(hour) <= 23:
            raise SimulationError(f"the hour must be a clock hour 0..23, got {hour}")
        if not self.models:
            return 0
        wait = (int(hour) * 3600.0 - self.clock_s) % 86_400.0
        return int(math.ceil(wait / float(self.models[0].tick_s) - 1e-9))

    def advance_to_hour(self, hour: int) -> int:
        """Step until the clock next reads ``hour``:00 (or the runs end); returns the ticks taken."""
        with self._lock:
            n = self.ticks_to_hour(hour)
            done = 0
            while done < n and self.running and self.error is None:
                self.step()
                done += 1
            return done

    def step(self) -> None:
        """Advance every run by one tick (runs at their horizon stay put)."""
        with self._lock:
            if self.error is not None or not self.models:
                self.running = False
                return
            try:
                for m in self.models:
                    if m.running:
                        m.step()
            except Exception as exc:  # noqa: BLE001 - shown on the page
                self.error = f"error in step {self.steps}: {self._describe(exc)}"
                self.running = False
                return
            self.running = any(m.running for m in self.models)
