"""Scenario files: the validated model of a run's parameters, YAML loading, overrides and messages.

A scenario is one YAML file (optionally extending another) that sets every parameter of
a run: the city, the population, needs, facilities, the online / AI channels, support
centres, transit and costs.  ``docs/design/scenario-schema.yaml`` is the design contract
and ``docs/scenarios.md`` (generated from the field metadata) the reference.

Public API
----------
:func:`load_scenario`
    Read a YAML file, resolve its ``extends:`` chain and validate it.
:meth:`Scenario.from_dict`, :meth:`Scenario.to_dict`, :meth:`Scenario.with_overrides`
    Build from plain data, dump to plain data (round-trips), change dotted keys.
:func:`parse_overrides`, :func:`apply_overrides`
    Turn ``["population.residents=2000", ...]`` (command-line style) into a mapping; apply
    such strings or a ``{dotted.key: value}`` mapping to a scenario.
:func:`schema_reference`
    One row per key (path, meaning, unit, default, allowed, source) for the docs.

Every problem is raised as one :class:`~kaicity.errors.ScenarioError` whose one-line
message names the dotted key, the file and line it was written on, what is wrong and
what is allowed, e.g.::

    scenarios/x.yaml:12: population.residents: expected an integer in [1, 5000000], got the text 'many'

Modules, one job each (imports go down this list only; see ``docs/architecture.md``):
``reference`` (docs tables) -> ``schema`` (:class:`Scenario`) ->
``schema_city``, ``schema_population``, ``schema_services``, ``schema_transit``,
``schema_costs``, ``schema_targets`` (the sections) and ``overrides`` -> ``loading`` (files,
``extends``) -> ``messages`` (error
texts) -> ``fields`` (section base, keyed maps, documented fields) and ``lines`` (the safe
YAML loader with line numbers).  The package imports only :mod:`kaicity.errors`,
:mod:`kaicity.categories` and :mod:`kaicity.kpi_keys` from kaicity.
"""

from kaicity.scenario.fields import NETWORK_FILE_SUFFIXES
from kaicity.scenario.overrides import apply_overrides, parse_overrides
from kaicity.scenario.reference import schema_reference
from kaicity.scenario.schema import CostsSection, Scenario, load_scenario
from kaicity.scenario.schema_city import CitySection, SimulationSection
from kaicity.scenario.schema_population import NeedsSection, PopulationSection
from kaicity.scenario.schema_services import (
    AiServicesSection,
    FacilitiesSection,
    LearningSection,
    OnlineServicesSection,
    SupportCentresSection,
)
from kaicity.scenario.schema_targets import Target
from kaicity.scenario.schema_transit import BusLine, BusSection, DrtSection, RebalancingSection, TransitSection

__all__ = [
    "Scenario",
    "load_scenario",
    "parse_overrides",
    "apply_overrides",
    "schema_reference",
    "NETWORK_FILE_SUFFIXES",
    "CitySection",
    "SimulationSection",
    "PopulationSection",
    "NeedsSection",
    "FacilitiesSection",
    "OnlineServicesSection",
    "AiServicesSection",
    "SupportCentresSection",
    "LearningSection",
    "BusLine",
    "BusSection",
    "RebalancingSection",
    "DrtSection",
    "TransitSection",
    "CostsSection",
    "Target",
]
