"""Scenario key ``targets``: observed values that reports compare KPIs with.

``targets`` is a list; each item names a KPI by its dotted key into ``summary.json``'s ``kpis``
(checked against :mod:`kaicity.kpi_keys`), the observed value, a tolerance and the source of the
observation.  The simulation never reads them: :mod:`kaicity.report.targets` puts observed and
simulated side by side, with a pass/fail mark, in every run and comparison report and in
``summary.json``'s ``targets`` block.

Tolerance is either **relative** (``tolerance: 0.2`` = the band ``observed × (1 ± 0.2)``) or
**absolute** (``tolerance_abs: 3`` = ``observed ± 3`` in the KPI's unit); exactly one is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, field_validator, model_validator

from kaicity.kpi_keys import is_kpi_key, suggest
from kaicity.scenario.fields import KeyProblem, Section
from kaicity.scenario.fields import doc_field as _f

_EXAMPLE = ("- {kpi: transit.drt.rides_per_day, observed: 530, tolerance: 0.2, "
            "source: 'Sejong Shucle, first 2 weeks'}")


class Target(Section):
    """One observed value a KPI is compared with (reports only; not used by the simulation)."""

    kpi: str = _f(..., setting=True, min_length=1,
                  description="Dotted key into summary.json's `kpis`, e.g. `transit.drt.rides_per_day`",
                  allowed="a KPI key of kaicity/kpi_keys.py (docs/validation.md lists the usual ones)")
    observed: float = _f(..., setting=True, description="Observed value, in the KPI's unit")
    tolerance: float | None = _f(None, setting=True, ge=0,
                                 description="Relative tolerance: the pass band is observed × (1 ± tolerance); "
                                             "give this or tolerance_abs")
    tolerance_abs: float | None = _f(None, setting=True, ge=0,
                                     description="Absolute tolerance in the KPI's unit: the pass band is "
                                                 "observed ± tolerance_abs; give this or tolerance")
    source: str = _f(..., setting=True, min_length=1, description="Where the observed value comes from")
    note: str = _f("", setting=True, description="How the observed value was derived, caveats")

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        if not is_kpi_key(value):
            close = suggest(value)
            hint = f"did you mean '{close}'? " if close else ""
            raise ValueError(f"'{value}' is not a KPI of summary.json; {hint}use a dotted key of its `kpis` "
                             "(listed in kaicity/kpi_keys.py)")
        return value

    @field_validator("source")
    @classmethod
    def _real_source(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the source is blank; say where the observed value comes from")
        return value

    @model_validator(mode="after")
    def _one_tolerance(self) -> Target:
        given = [k for k in ("tolerance", "tolerance_abs") if getattr(self, k) is not None]
        if len(given) != 1:
            key = "tolerance_abs" if given == ["tolerance", "tolerance_abs"] else "tolerance"
            raise KeyProblem(key, "give exactly one of tolerance (relative, e.g. 0.2 = ±20%) and tolerance_abs "
                                  f"(in the KPI's unit); got {len(given)}")
        return self


def _refuse_old_form(value: Any) -> Any:
    """The old mapping form (``drt_rides_per_day: 530``) had no source: say how to write the new one."""
    if isinstance(value, Mapping):
        if not value:
            return []
        raise ValueError(f"targets is a list of {{kpi, observed, tolerance, source}} items (the mapping form "
                         f"{', '.join(map(str, value))} is gone); write e.g. {_EXAMPLE}")
    return value


#: The type of ``Scenario.targets``.
Targets = Annotated[list[Target], BeforeValidator(_refuse_old_form)]
