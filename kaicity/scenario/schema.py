"""The ``Scenario`` model: the top-level keys and the sections assembled.

A scenario is one YAML file (optionally extending another) that sets every parameter of
a run.  The sections live by concern in ``schema_city`` (``city``, ``simulation``),
``schema_population`` (``population``, ``needs``), ``schema_services`` (``facilities``,
``online_services``, ``ai_services``, ``support_centres``, ``learning``) and
``schema_transit`` (``transit``), ``schema_costs`` (``costs``) and ``schema_targets``
(``targets``); this module adds the
root :class:`Scenario`.  Every default is stated once, here in the schema: code that
runs a scenario reads the typed section (``scenario.transit.drt.max_wait_min``).

Reading files is :mod:`kaicity.scenario.loading`, overrides :mod:`kaicity.scenario.overrides`;
both work on any root model, so :class:`Scenario` passes itself to them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import PrivateAttr, field_validator

from kaicity.scenario.fields import Section
from kaicity.scenario.fields import doc_field as _f
from kaicity.scenario.loading import from_mapping, load_file
from kaicity.scenario.overrides import apply_overrides
from kaicity.scenario.schema_city import CitySection, SimulationSection
from kaicity.scenario.schema_costs import CostsSection
from kaicity.scenario.schema_population import NeedsSection, PopulationSection
from kaicity.scenario.schema_services import (
    AiServicesSection,
    FacilitiesSection,
    LearningSection,
    OnlineServicesSection,
    SupportCentresSection,
)
from kaicity.scenario.schema_targets import Targets
from kaicity.scenario.schema_transit import TransitSection

# --------------------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------------------
#: Longest scenario name (UTF-8 bytes): it names a folder, and file systems allow 255.
_NAME_MAX_BYTES = 120
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_label(value: str) -> str:
    """Refuse a scenario name that is not a plain folder name (it names the run's output folder)."""
    fix = "; use a plain label such as 'ai_city' or '세종_AI'"
    if not value.strip():
        raise ValueError("the name is empty or only spaces" + fix)
    bad = _CONTROL.search(value)
    if bad is not None:
        raise ValueError(f"the name holds the control character U+{ord(bad.group()):04X}" + fix)
    if "/" in value or "\\" in value:
        raise ValueError(f"{value!r} contains a path separator (/ or \\); the name is a label that "
                         "names the output folder, not a path" + fix)
    if value.strip() in (".", ".."):
        raise ValueError(f"{value!r} is not a usable folder name" + fix)
    if re.match(r"^[A-Za-z]:", value):
        raise ValueError(f"{value!r} starts with a drive letter; the name is a label, not a path" + fix)
    if len(value.encode("utf-8")) > _NAME_MAX_BYTES:
        raise ValueError(f"the name is {len(value.encode('utf-8'))} UTF-8 bytes long; at most "
                         f"{_NAME_MAX_BYTES} are allowed (it names a folder)")
    return value


class Scenario(Section):
    """A complete, validated scenario.

    Build one with :func:`load_scenario` or :meth:`from_dict`; it is immutable, use
    :meth:`with_overrides` to derive variants.  Two scenarios are equal when their
    :meth:`to_dict` are equal (the file they came from does not matter).
    """

    name: str = _f(..., setting=True, min_length=1,
                   description="Scenario name shown in reports; also the name of its output folder, so a "
                               "label, not a path",
                   allowed=f"non-empty text of at most {_NAME_MAX_BYTES} UTF-8 bytes without /, \\, "
                           "control characters, a drive (C:) or a `.`/`..` name")
    description: str = _f("", setting=True, description="Free text shown in reports")
    seed: int = _f(42, setting=True, ge=0, le=2**32 - 1,
                   description="Seed of population, needs and choices (common random numbers across "
                               "scenarios)")
    city: CitySection = _f(factory=CitySection, description="Street network and facilities")
    simulation: SimulationSection = _f(factory=SimulationSection, description="Run length and tick")
    population: PopulationSection = _f(factory=PopulationSection, description="Residents")
    needs: NeedsSection = _f(factory=NeedsSection, description="Service needs")
    facilities: FacilitiesSection = _f(factory=FacilitiesSection, description="Physical facilities")
    online_services: OnlineServicesSection = _f(factory=OnlineServicesSection,
                                                description="Online e-government channel")
    ai_services: AiServicesSection = _f(factory=AiServicesSection, description="AI remote services")
    support_centres: SupportCentresSection = _f(factory=SupportCentresSection,
                                                description="AI support centres")
    learning: LearningSection = _f(factory=LearningSection, description="Literacy dynamics")
    transit: TransitSection = _f(factory=TransitSection, description="Buses and DRT")
    costs: CostsSection = _f(factory=CostsSection, description="Operating costs")
    targets: Targets = _f(factory=list, setting=True,
                          description="Observed values reports compare KPIs with: a list of "
                          "{kpi, observed, tolerance or tolerance_abs, source, note} (`targets.<i>.*`)")

    _file: str | None = PrivateAttr(default=None)
    _files: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        return _check_label(value)

    # ---- construction ----------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, file: str | os.PathLike | None = None) -> Scenario:
        """Validate plain data (as from :meth:`to_dict` or ``yaml.safe_load``).

        Parameters
        ----------
        data
            The scenario mapping.  An ``extends:`` key is resolved relative to ``file``
            (or the working directory) and deep-merged under ``data``.
        file
            The file the data came from: named in errors; relative paths (``extends``,
            ``city.source``) are resolved against its folder.

        Raises
        ------
        ScenarioError
            On the first invalid key (by line), with ``(+N more)`` when there are others.
        """
        return from_mapping(cls, data, file=file)

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict``/``list`` data; ``Scenario.from_dict(s.to_dict()) == s``."""
        return self.model_dump(mode="python")

    def to_yaml(self) -> str:
        """The scenario as a complete YAML document (no ``extends``)."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with some keys changed (see :func:`~kaicity.scenario.overrides.apply_overrides`).

        Parameters
        ----------
        overrides
            ``{dotted.key.path: value}``, e.g. ``{"population.residents": 2000,
            "ai_services.enabled": False}``.  A mapping value is deep-merged into the
            existing section; list items are addressed by index (``needs.hourly_profile.9``).

        Raises
        ------
        ScenarioError
            For an unknown path (with a "did you mean" suggestion) or an invalid value.
        """
        return apply_overrides(self, overrides)

    # ---- provenance and helpers ------------------------------------------------------
    @property
    def file(self) -> str | None:
        """The YAML file this scenario was loaded from (``None`` when built from data)."""
        return self._file

    @property
    def files(self) -> tuple[str, ...]:
        """The files of the ``extends`` chain, child first."""
        return self._files

    @property
    def ai_features(self) -> dict[str, bool]:
        """Which AI-city features are on: ``ai_services``, ``support_centres``, ``drt``."""
        return {"ai_services": self.ai_services.enabled, "support_centres":
                self.support_centres.centres_for(self.population.people) > 0,
                "drt": self.transit.drt.enabled}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Load, merge (``extends:``) and validate a scenario YAML file.

    Parameters
    ----------
    path
        The scenario file.  ``extends: other.yaml`` inside it is resolved relative to it
        and deep-merged (child wins, lists replaced); chains are allowed, cycles are not.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, a YAML syntax error, a missing ``extends``
        target, an ``extends`` cycle or any invalid key; the message names the key, the
        file and the line.
    """
    return load_file(Scenario, path)
