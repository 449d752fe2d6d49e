"""Scenario files: pydantic models, YAML loading with ``extends:``, overrides and errors.

A scenario is one YAML file (optionally extending another) that sets every parameter of
a run: the city, the population, needs, facilities, the online / AI channels, support
centres, transit and costs.  ``docs/design/scenario-schema.yaml`` is the design contract
and ``docs/scenarios.md`` (generated from the field metadata below) the reference.

Public API
----------
:func:`load_scenario`
    Read a YAML file, resolve its ``extends:`` chain and validate it.
:meth:`Scenario.from_dict`, :meth:`Scenario.to_dict`, :meth:`Scenario.with_overrides`
    Build from plain data, dump to plain data (round-trips), change dotted keys.
:func:`parse_overrides`
    Turn ``["population.residents=2000", ...]`` (command-line style) into a mapping.
:func:`schema_reference`
    One row per key (path, meaning, unit, default, allowed, source) for the docs.

Every problem is raised as one :class:`~kaicity.errors.ScenarioError` whose one-line
message names the dotted key, the file and line it was written on, what is wrong and
what is allowed, e.g.::

    scenarios/x.yaml:12: population.residents: expected an integer in [1, 5000000], got the text 'many'

Layering: this module imports only :mod:`kaicity.errors` and :mod:`kaicity.categories`
from kaicity (plus its private helper :mod:`kaicity._yaml_lines`).
"""

from __future__ import annotations

import difflib
import errno
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from kaicity._yaml_lines import (
    LineDict,
    Origin,
    deep_merge,
    load_yaml_file,
    load_yaml_text,
    origins_by_path,
    to_plain,
)
from kaicity.categories import CATEGORIES, GROUPS, ZONES
from kaicity.errors import ScenarioError

__all__ = [
    "Scenario",
    "load_scenario",
    "parse_overrides",
    "schema_reference",
    "NETWORK_FILE_SUFFIXES",
]

#: File endings accepted for ``city.source`` as a street-network file.
NETWORK_FILE_SUFFIXES: tuple[str, ...] = (".osm", ".osm.bz2", ".osm.xml", ".graphml")

_SHARE_TOL = 1e-6


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------
class _KeyProblem(ValueError):
    """A model-level check that blames one sub-key (``key``) rather than the whole section."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _num(x: Any) -> str:
    """Format a number compactly for messages and docs (``8``, ``0.25``, ``2e-05``)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return format(x, "g")
    return str(x)


def _f(default: Any = ..., *, description: str, unit: str = "", source: str = "assumption",
       allowed: str | None = None, factory: Any = None, setting: bool = False, **constraints: Any) -> Any:
    """A :func:`pydantic.Field` carrying the documentation metadata (unit, source, allowed).

    ``setting=True`` marks a model setting (a choice, not a fact about the world): its source is "-".
    """
    extra: dict[str, Any] = {"unit": unit, "source": "-" if setting else source}
    if allowed is not None:
        extra["allowed"] = allowed
    if factory is not None:
        return Field(default_factory=factory, description=description, json_schema_extra=extra,
                     **constraints)
    return Field(default, description=description, json_schema_extra=extra, **constraints)


class _Model(BaseModel):
    """Base of every scenario section: unknown keys rejected, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_default=True)


class _KeyedMap(_Model):
    """A mapping with one fixed key per category / group / zone (missing keys take defaults).

    Read it like a dict: ``scenario.ai_services.share["healthcare"]``.
    """

    KIND: ClassVar[str] = "key"
    KEYS: ClassVar[tuple[str, ...]] = ()

    def __getitem__(self, key: str) -> Any:
        if key not in self.KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        """The values keyed by name, in canonical order."""
        return {k: getattr(self, k) for k in self.KEYS}

    def values_in_order(self) -> list[Any]:
        """The values in canonical order (``CATEGORIES``, ``GROUPS`` or ``ZONES``)."""
        return [getattr(self, k) for k in self.KEYS]


class _CategoryMap(_KeyedMap):
    KIND: ClassVar[str] = "category"
    KEYS: ClassVar[tuple[str, ...]] = CATEGORIES


class _GroupMap(_KeyedMap):
    KIND: ClassVar[str] = "group"
    KEYS: ClassVar[tuple[str, ...]] = GROUPS


class _ZoneMap(_KeyedMap):
    KIND: ClassVar[str] = "zone"
    KEYS: ClassVar[tuple[str, ...]] = ZONES


_KEYED_BASES: dict[str, type[_KeyedMap]] = {
    "category": _CategoryMap, "group": _GroupMap, "zone": _ZoneMap}


def _keyed(name: str, kind: str, defaults: Mapping[str, Any], annotation: Any,
           doc: str, allowed: str | None = None, **constraints: Any) -> type[_KeyedMap]:
    """Make a :class:`_KeyedMap` subclass with one field per key of ``kind``.

    ``defaults`` gives each key's default; a model class as default means "its defaults".
    ``allowed`` overrides the generated "allowed values" text of each key.
    """
    if allowed is not None:
        constraints["json_schema_extra"] = {"allowed": allowed}
    base = _KEYED_BASES[kind]
    assert set(defaults) == set(base.KEYS), (name, sorted(defaults))
    fields: dict[str, Any] = {}
    for key in base.KEYS:
        default = defaults[key]
        if isinstance(default, type) and issubclass(default, BaseModel):
            fields[key] = (annotation if annotation is not None else default,
                           Field(default_factory=default))
        else:
            fields[key] = (annotation, Field(default, **constraints))
    assert name not in globals(), f"duplicate model name {name}"
    model = create_model(name, __base__=base, __doc__=doc, __module__=__name__, **fields)
    globals()[name] = model  # importable by name, so scenarios pickle (e.g. to Dask workers)
    return model


def _check_hours(value: list[float]) -> list[float]:
    open_, close = value
    if not 0 <= open_ < close <= 24:
        raise ValueError(
            f"expected {_HOURS_ALLOWED}, got [{_num(open_)}, {_num(close)}]")
    return value


_HOURS_ALLOWED = "[open, close) hours with 0 <= open < close <= 24"

#: ``[open, close)`` hours of a day, e.g. ``[9, 18]``; ``close`` may be 24.
HourPair = Annotated[list[float], Field(min_length=2, max_length=2), AfterValidator(_check_hours)]


def _normalise_profile(values: list[float]) -> list[float]:
    total = math.fsum(values)
    if total <= 0:
        raise ValueError("the 24 hourly weights are all zero; give at least one hour a positive weight")
    if abs(total - 1.0) <= 1e-9:  # already normalised: keep as is so to_dict/from_dict round-trips
        return list(values)
    return [v / total for v in values]


#: 24 non-negative weights, normalised to sum to 1.
HourlyProfile = Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=24, max_length=24),
                          AfterValidator(_normalise_profile)]

_DEFAULT_HOURLY = _normalise_profile(
    [0, 0, 0, 0, 0, 0, .02, .04, .06, .09, .09, .09, .06, .07, .08, .08, .08, .07, .05, .03, .02, 0, 0, 0])

ZoneName = Literal["core", "suburb", "rural"]
assert get_args(ZoneName) == ZONES


def _looks_like_network_file(source: str) -> bool:
    low = source.lower()
    return low.endswith(NETWORK_FILE_SUFFIXES) or "/" in source or "\\" in source


# --------------------------------------------------------------------------------------
# city
# --------------------------------------------------------------------------------------
FacilityCounts = _keyed(
    "FacilityCounts", "category", dict.fromkeys(CATEGORIES), int | None,
    "Number of synthetic facilities per category (null = the builder's default).", ge=0, le=100_000)


class CitySection(_Model):
    """Where the street network and the service facilities come from."""

    source: str = _f(
        "synthetic", setting=True, min_length=1,
        description="Street network: `synthetic`, a path to an .osm/.osm.bz2/.osm.xml/.graphml file "
                    "(relative to the YAML that sets it) or a place name to download",
        allowed="`synthetic`, a network file path or a place name")
    n_nodes: int = _f(10000, setting=True, ge=500, le=2_000_000, unit="nodes",
                      description="Approximate number of street nodes of a synthetic city "
                                  "(ignored otherwise)")
    city_seed: int = _f(7, setting=True, ge=0,
                        description="Seed of the synthetic street layout (separate from `seed`)")
    facilities: Literal["auto", "osm", "synthetic"] = _f(
        "auto", setting=True,
        description="Facility source: `auto` = OSM amenities for an OSM network, else synthetic")
    facility_counts: FacilityCounts | None = _f(  # type: ignore[valid-type]
        None, setting=True, unit="facilities",
        description="Synthetic facilities per category; null or a missing category = the builder's default")
    facility_placement: Literal["central", "uniform", "by_population"] = _f(
        "by_population", setting=True, description="Where synthetic facilities are placed")

    @field_validator("source")
    @classmethod
    def _check_source(cls, value: str) -> str:
        if value == "synthetic" or not _looks_like_network_file(value):
            return value
        if not value.lower().endswith(NETWORK_FILE_SUFFIXES):
            raise ValueError(f"unsupported network file '{value}'; use one of "
                             + ", ".join(NETWORK_FILE_SUFFIXES))
        if not Path(value).is_file():
            raise ValueError(f"network file not found: {value}")
        return value

    @model_validator(mode="after")
    def _check_facilities(self) -> CitySection:
        if self.source == "synthetic" and self.facilities == "osm":
            raise _KeyProblem("facilities",
                              "a synthetic city has no OSM amenities; use `auto` or `synthetic`")
        return self

    @property
    def is_synthetic(self) -> bool:
        """True for a generated city (``source: synthetic``)."""
        return self.source == "synthetic"

    @property
    def explicit_facility_counts(self) -> dict[str, int] | None:
        """The categories whose synthetic facility count is set (others: the builder's default)."""
        if self.facility_counts is None:
            return None
        return {k: v for k, v in self.facility_counts.as_dict().items() if v is not None}


# --------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------
class SimulationSection(_Model):
    """Length and resolution of a run."""

    days: int = _f(1, setting=True, ge=1, le=365, unit="days", description="Simulated days")
    tick_minutes: float = _f(1.0, setting=True, ge=0.25, le=15, unit="min",
                             description="Length of one tick; must divide a day (1440 min) evenly")
    start_hour: int = _f(0, setting=True, ge=0, le=23, unit="h", description="Hour of day the run starts")

    @field_validator("tick_minutes")
    @classmethod
    def _check_tick(cls, value: float) -> float:
        n = 1440.0 / value
        if abs(n - round(n)) > 1e-9:
            raise ValueError(f"a tick of {_num(value)} min does not divide a day (1440 min) evenly; "
                             "use e.g. 0.25, 0.5, 1, 2, 5, 10 or 15")
        return value

    @property
    def ticks_per_day(self) -> int:
        """Number of ticks in one day."""
        return round(1440.0 / self.tick_minutes)

    @property
    def n_ticks(self) -> int:
        """Number of ticks in the whole run."""
        return self.days * self.ticks_per_day


# --------------------------------------------------------------------------------------
# population
# --------------------------------------------------------------------------------------
ZoneShares = _keyed("ZoneShares", "zone", {"core": 0.55, "suburb": 0.30, "rural": 0.15}, float,
                    "Share of homes in each zone (sums to 1).", ge=0, le=1)
ElderlyZoneMultiplier = _keyed("ElderlyZoneMultiplier", "zone", {"core": 0.85, "suburb": 1.0, "rural": 1.6},
                               float, "Relative odds of a resident being elderly, by zone.", ge=0, le=10)
CarAccess = _keyed("CarAccess", "group", {"child": 0.0, "adult": 0.75, "elderly": 0.40}, float,
                   "Probability of having a car available, by group.", ge=0, le=1)
WalkingSpeed = _keyed("WalkingSpeed", "group", {"child": 1.2, "adult": 1.33, "elderly": 1.0}, float,
                      "Mean walking speed by group.", gt=0, le=3)
WalkTolerance = _keyed("WalkTolerance", "group", {"child": 15.0, "adult": 20.0, "elderly": 15.0}, float,
                       "Longest walk a resident chooses as the mode.", gt=0, le=240)
MaxTrip = _keyed("MaxTrip", "group", {"child": 60.0, "adult": 90.0, "elderly": 75.0}, float,
                 "Longest acceptable door-to-door time; beyond it the need is forgone.", gt=0, le=600)


def _beta_model(name: str, default_mean: float, default_sd: float) -> type[BaseModel]:
    """A ``{mean, sd}`` Beta-distribution model with the given defaults."""

    class _Beta(_Model):
        mean: float = Field(default_mean, gt=0, lt=1)
        sd: float = Field(default_sd, gt=0, lt=0.5)

        @model_validator(mode="after")
        def _check_feasible(self) -> _Beta:
            limit = math.sqrt(self.mean * (1 - self.mean))
            if self.sd >= limit:
                raise _KeyProblem("sd", f"sd {_num(self.sd)} is too large for a Beta distribution with mean "
                                        f"{_num(self.mean)}; it must be < sqrt(mean*(1-mean)) = {limit:.3f}")
            return self

    assert name not in globals(), f"duplicate model name {name}"
    _Beta.__name__ = _Beta.__qualname__ = name
    _Beta.__doc__ = "Beta distribution of digital literacy: mean and standard deviation in (0, 1)."
    globals()[name] = _Beta  # importable by name, so scenarios pickle
    return _Beta


Literacy = _keyed("Literacy", "group", {
    "child": _beta_model("ChildLiteracy", 0.70, 0.15),
    "adult": _beta_model("AdultLiteracy", 0.80, 0.12),
    "elderly": _beta_model("ElderlyLiteracy", 0.50, 0.18),
}, None, "Digital literacy (Beta mean, sd) by group.")


class PopulationSection(_Model):
    """Who lives in the city: size, where homes are, age groups, literacy, mobility."""

    residents: int = _f(10000, setting=True, ge=1, le=5_000_000, unit="agents",
                        description="Number of resident agents")
    scale: float = _f(1.0, setting=True, gt=0, le=100_000, unit="people per agent",
                      description="Real people each agent stands for (e.g. 128k people with 8k agents "
                                  "-> 16); population totals are agent counts x scale")
    zone_shares: ZoneShares = _f(  # type: ignore[valid-type]
        factory=ZoneShares, unit="share",
        description="Share of homes in each zone; must sum to 1 (+-1e-6)")
    elderly_share: float = _f(0.20, ge=0, le=1, unit="share", description="Share of residents aged 65+",
                              source="행정안전부 주민등록 2024-12: 20.0% of Koreans are 65+")
    child_share: float = _f(0.12, ge=0, le=1, unit="share",
                            description="Share of residents under 15; elderly_share + child_share <= 1",
                            source="assumption (Korea 0-14 ~11-12%)")
    elderly_zone_multiplier: ElderlyZoneMultiplier = _f(  # type: ignore[valid-type]
        factory=ElderlyZoneMultiplier, unit="relative odds",
        description="Relative odds of a resident being elderly by zone; the overall elderly_share is kept",
        source="JKST 2022 (doi:10.7470/jkst.2022.40.3.335): 65+ 28.7% in 군 vs 16.4% in 시")
    car_access: CarAccess = _f(  # type: ignore[valid-type]
        factory=CarAccess, unit="probability", description="Probability a resident has a car available")
    literacy: Literacy = _f(  # type: ignore[valid-type]
        factory=Literacy, unit="index in (0,1)",
        description="Digital literacy per group: Beta distribution with this mean and sd",
        source="NIA/MSIT 디지털정보격차 실태조사 2024: elderly capability 71.4, competency 55.3 "
               "(general = 100); adult and child values are assumptions")
    walking_speed_mps: WalkingSpeed = _f(  # type: ignore[valid-type]
        factory=WalkingSpeed, unit="m/s", description="Mean walking speed per group",
        source="adult 1.33 m/s: 15-minute-city convention; elderly 1.0 m/s: Korean signal-timing standard "
               "(Han et al. 2020: elderly mean 1.13, 15th pct 0.85); child 1.2 m/s: MUTCD")
    walking_speed_sd_mps: float = _f(0.1, ge=0, le=1, unit="m/s",
                                     description="Per-person spread of walking speed (normal, clipped to "
                                                 "[0.5, 2.0] m/s)")
    walk_tolerance_min: WalkTolerance = _f(  # type: ignore[valid-type]
        factory=WalkTolerance, unit="min", description="Longest walk a resident chooses as the travel mode")
    max_trip_min: MaxTrip = _f(  # type: ignore[valid-type]
        factory=MaxTrip, unit="min",
        description="Longest acceptable door-to-door time per group; beyond it the need is forgone; "
                    "must be >= walk_tolerance_min")

    @field_validator("zone_shares")
    @classmethod
    def _check_zone_shares(cls, value: _ZoneMap) -> _ZoneMap:
        total = math.fsum(value.values_in_order())
        if abs(total - 1.0) > _SHARE_TOL:
            parts = " + ".join(f"{k} {_num(v)}" for k, v in value.as_dict().items())
            raise ValueError(f"zone shares must sum to 1, got {parts} = {_num(round(total, 9))}")
        return value

    @model_validator(mode="after")
    def _check_groups(self) -> PopulationSection:
        if self.elderly_share + self.child_share > 1 + _SHARE_TOL:
            raise _KeyProblem("child_share", f"elderly_share {_num(self.elderly_share)} + child_share "
                                             f"{_num(self.child_share)} exceeds 1")
        for g in GROUPS:
            if self.max_trip_min[g] < self.walk_tolerance_min[g]:
                raise _KeyProblem(f"max_trip_min.{g}",
                                  f"{_num(self.max_trip_min[g])} min is shorter than walk_tolerance_min.{g} "
                                  f"({_num(self.walk_tolerance_min[g])} min); it must be at least as long")
        return self

    @property
    def group_shares(self) -> dict[str, float]:
        """Share of each age group (``child``, ``adult``, ``elderly``), summing to 1."""
        return {"child": self.child_share, "adult": max(0.0, 1.0 - self.child_share - self.elderly_share),
                "elderly": self.elderly_share}

    @property
    def people(self) -> float:
        """Real people represented: ``residents * scale``."""
        return self.residents * self.scale


# --------------------------------------------------------------------------------------
# needs
# --------------------------------------------------------------------------------------
_RATE_DEFAULTS = {
    "healthcare": {"child": 0.02, "adult": 0.025, "elderly": 0.07},
    "education": {"child": 0.05, "adult": 0.01, "elderly": 0.005},
    "welfare": {"child": 0.0, "adult": 0.015, "elderly": 0.04},
    "daily": {"child": 0.02, "adult": 0.15, "elderly": 0.15},
    "culture": {"child": 0.05, "adult": 0.05, "elderly": 0.04},
}
DailyRate = _keyed("DailyRate", "category", {
    cat: _keyed(f"Rate{cat.capitalize()}", "group", rates, float,
                f"Needs per person per day for {cat}, by group.", ge=0, le=10)
    for cat, rates in _RATE_DEFAULTS.items()
}, None, "Needs per person per day, by category and group.")


class NeedsSection(_Model):
    """How often residents need each service and at what time of day."""

    daily_rate: DailyRate = _f(  # type: ignore[valid-type]
        factory=DailyRate, unit="needs/person/day",
        description="Mean number of needs per person per day (Poisson), by category and group",
        source="assumption (elderly need more healthcare and welfare)")
    hourly_profile: HourlyProfile = _f(
        factory=lambda: list(_DEFAULT_HOURLY), unit="weight per hour 0..23",
        description="Time-of-day profile of needs: 24 non-negative weights, normalised to sum to 1 "
                    "(default peaks 9-12 h and 14-18 h, none at night)",
        allowed="24 numbers >= 0, not all zero")


# --------------------------------------------------------------------------------------
# facilities, online and AI services, support centres, learning
# --------------------------------------------------------------------------------------
CapacityPerHour = _keyed("CapacityPerHour", "category",
                         {"healthcare": 8.0, "education": 30.0, "welfare": 10.0, "daily": 60.0,
                          "culture": 100.0}, float,
                         "Persons served per hour per facility (0 closes the category: its needs divert to "
                         "other channels or are forgone).", ge=0, le=100_000)
ServiceMin = _keyed("ServiceMin", "category",
                    {"healthcare": 20.0, "education": 60.0, "welfare": 20.0, "daily": 15.0, "culture": 60.0},
                    float, "Service duration per visit.", gt=0, le=1440)
OpeningHours = _keyed("OpeningHours", "category",
                      {"healthcare": [9, 18], "education": [8, 18], "welfare": [9, 18], "daily": [7, 23],
                       "culture": [6, 22]}, HourPair, "[open, close) hours per category.",
                      allowed=_HOURS_ALLOWED)


class FacilitiesSection(_Model):
    """Physical service facilities: capacity, service time, opening hours, queueing."""

    capacity_per_hour: CapacityPerHour = _f(  # type: ignore[valid-type]
        factory=CapacityPerHour, unit="persons/h",
        description="Persons served per hour by one facility; 0 closes the category (needs divert or are forgone)")
    service_min: ServiceMin = _f(  # type: ignore[valid-type]
        factory=ServiceMin, unit="min", description="Time a visit takes once served")
    opening_hours: OpeningHours = _f(  # type: ignore[valid-type]
        factory=OpeningHours, unit="h", description="[open, close) hours of facilities",
        allowed=_HOURS_ALLOWED)
    max_queue_min: float = _f(60.0, ge=0, le=1440, unit="min",
                              description="A resident who arrives to a longer queue leaves unserved "
                                          "(the need is forgone, reason 'queue')")


OnlineShare = _keyed("OnlineShare", "category",
                     {"healthcare": 0.0, "education": 0.1, "welfare": 0.3, "daily": 0.1, "culture": 0.0},
                     float, "Share of needs resolvable online.", ge=0, le=1)


class OnlineServicesSection(_Model):
    """Smart-city e-government / online channel (present in both smart and AI cities)."""

    enabled: bool = _f(True, setting=True, description="Whether the online channel exists")
    share: OnlineShare = _f(  # type: ignore[valid-type]
        factory=OnlineShare, unit="share", description="Share of needs of each category resolvable online")
    literacy_required: float = _f(0.65, ge=0, le=1, unit="literacy index",
                                  description="Literacy needed to use online services alone (hard threshold)",
                                  source="assumption (above the elderly competency ~0.55, NIA 2024)")
    wait_min: float = _f(5.0, ge=0, le=1440, unit="min", description="Time to resolve a need online")


AiShare = _keyed("AiShare", "category",
                 {"healthcare": 0.35, "education": 0.5, "welfare": 0.6, "daily": 0.3, "culture": 0.1},
                 float, "Share of needs an AI remote service can resolve.", ge=0, le=1)
AiWait = _keyed("AiWait", "category",
                {"healthcare": 10.0, "education": 5.0, "welfare": 5.0, "daily": 5.0, "culture": 5.0},
                float, "Minutes to resolve a need with the AI service.", ge=0, le=1440)


class AiServicesSection(_Model):
    """K-AI City AI remote services (AI medical consultation, AI education, AI welfare assistant)."""

    enabled: bool = _f(False, setting=True, description="Whether AI remote services exist (AI city)")
    share: AiShare = _f(  # type: ignore[valid-type]
        factory=AiShare, unit="share",
        description="Share of needs of each category an AI service can resolve",
        source="assumption; sweep it (telemedicine is 0.2-0.3% of outpatient visits, MOHW 2025)")
    literacy_required: float = _f(0.45, ge=0, le=1, unit="literacy index",
                                  description="Literacy at which half of residents can use the AI service "
                                              "alone",
                                  source="assumption (conversational AI needs less skill than e-government)")
    ability_slope: float = _f(12.0, gt=0, le=1000, unit="1/literacy",
                              description="Logistic steepness: P(able) = 1/(1+exp(-slope*(L-required)))")
    wait_min: AiWait = _f(  # type: ignore[valid-type]
        factory=AiWait, unit="min", description="Time to resolve a need with the AI service")
    energy_wh_per_use: float = _f(3.0, ge=0, le=10_000, unit="Wh/use",
                                  description="Compute energy per AI service use (a session ~ several "
                                              "queries)",
                                  source="0.3-3 Wh per GPT-4-class query (published estimates)")


TrainingRate = _keyed("TrainingRate", "group", {"child": 0.0, "adult": 0.00002, "elderly": 0.0001}, float,
                      "Voluntary training visits per person per day.", ge=0, le=1)


class SupportCentresSection(_Model):
    """AI support centres (디지털배움터-like): assisted AI service and digital training."""

    count: int = _f(0, setting=True, ge=0, le=10_000, unit="centres",
                    description="Number of support centres (0 = none)")
    placement: Literal["central", "uniform", "by_elderly"] = _f(
        "by_elderly", setting=True, description="Where centres are placed")
    staff: int = _f(2, ge=1, le=1000, unit="sessions", description="Concurrent assisted sessions per centre")
    session_min: float = _f(30.0, gt=0, le=1440, unit="min", description="Length of an assisted session")
    opening_hours: HourPair = _f(factory=lambda: [9, 18], unit="h",
                                 description="[open, close) hours of the centres",
                                 allowed=_HOURS_ALLOWED)
    literacy_gain: float = _f(0.08, ge=0, le=1, unit="fraction of the gap",
                              description="Literacy gain per visit, diminishing: L += gain * (1 - L)",
                              source="assumption to calibrate")
    training_rate_per_day: TrainingRate = _f(  # type: ignore[valid-type]
        factory=TrainingRate, unit="visits/person/day",
        description="Voluntary training visits per person per day, by group",
        source="MSIT 디지털배움터: 1.1-1.9% of residents trained a year, 58-66% aged 60+ "
               "(adult 2e-5 + elderly 1e-4 at 20% elderly -> 1.2%/year, 60% elderly)")


class LearningSection(_Model):
    """How digital literacy changes over time."""

    decay_per_day: float = _f(0.002, ge=0, le=1, unit="1/day",
                              description="Unused literacy decays toward its initial value by this "
                                          "fraction per day")


# --------------------------------------------------------------------------------------
# transit
# --------------------------------------------------------------------------------------
LonLat = Annotated[list[float], Field(min_length=2, max_length=2)]


class BusLine(_Model):
    """An explicit bus line: stops as ``[lon, lat]`` pairs and a headway."""

    name: str = Field(min_length=1)
    stops: list[LonLat] = Field(min_length=2)
    headway_min: float = Field(gt=0, le=1440)

    @field_validator("stops")
    @classmethod
    def _check_stops(cls, stops: list[list[float]]) -> list[list[float]]:
        for i, (lon, lat) in enumerate(stops):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise _KeyProblem(str(i), f"stop [{_num(lon)}, {_num(lat)}] is not a [lon, lat] pair "
                                          "(lon in [-180, 180], lat in [-90, 90])")
        return stops


def _lines_kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "auto"


BusLines = Annotated[Union[Annotated[Literal["auto"], Tag("auto")],  # noqa: UP007 (tagged union)
                           Annotated[list[BusLine], Tag("list")]], Discriminator(_lines_kind)]

StopSpacing = _keyed("StopSpacing", "zone", {"core": 500.0, "suburb": 777.0, "rural": 1528.0}, float,
                     "Bus stop spacing by zone.", gt=0, le=100_000)


class BusSection(_Model):
    """Fixed-route buses on timetables (both scenarios)."""

    enabled: bool = _f(True, setting=True, description="Whether fixed-route buses run")
    lines: BusLines = _f("auto", setting=True,
                         description="`auto` (generated lines) or a list of {name, stops: [[lon, lat], ...], "
                                     "headway_min}",
                         allowed="`auto` or a list of lines")
    n_lines: int = _f(6, setting=True, ge=0, le=1000, unit="lines",
                      description="Number of auto lines linking zone centres with suburbs and rural villages")
    urban_headway_min: float = _f(30.0, gt=0, le=1440, unit="min",
                                  description="Headway of auto lines in core/suburb zones",
                                  source="JKST 2022: 33 buses/day in 시 over 06-23 h -> ~31 min")
    rural_headway_min: float = _f(170.0, gt=0, le=1440, unit="min",
                                  description="Headway of auto lines serving rural zones",
                                  source="JKST 2022: 6 buses/day in 군 over 06-23 h -> 170 min")
    stop_spacing_m: StopSpacing = _f(  # type: ignore[valid-type]
        factory=StopSpacing, unit="m", description="Distance between bus stops by zone",
        source="JKST 2022: 777 m in 시, 1,528 m in 군; core 500 m is an assumption")
    capacity: int = _f(45, ge=1, le=500, unit="passengers", description="Passengers per bus")
    service_hours: HourPair = _f(factory=lambda: [6, 23], unit="h",
                                 description="[first, last) departure hours",
                                 allowed=_HOURS_ALLOWED)
    dwell_s: float = _f(20.0, ge=0, le=3600, unit="s", description="Dwell time per stop")

    @model_validator(mode="after")
    def _check_lines(self) -> BusSection:
        if self.enabled and self.lines == "auto" and self.n_lines == 0:
            raise _KeyProblem("n_lines", "buses are enabled with auto lines but n_lines is 0; "
                                         "set n_lines >= 1 or enabled: false")
        return self


class RebalancingSection(_Model):
    """Predictive rebalancing of idle DRT vehicles toward forecast demand."""

    enabled: bool = _f(True, setting=True, description="Whether idle vehicles rebalance")
    interval_min: float = _f(15.0, setting=True, gt=0, le=1440, unit="min",
                             description="Time between rebalancing rounds")
    window_min: float = _f(60.0, setting=True, gt=0, le=1440, unit="min",
                           description="Demand forecast window")
    cell_m: float = _f(1000.0, setting=True, gt=0, le=100_000, unit="m",
                       description="Side of the square grid cells over which demand is forecast and idle "
                                   "vehicles are spread")


class DrtSection(_Model):
    """AI-dispatched demand-responsive transit (AI city)."""

    enabled: bool = _f(False, setting=True, description="Whether DRT runs (AI city)")
    vehicles: int = _f(12, ge=0, le=100_000, unit="vehicles", description="Fleet size",
                       source="Sejong Shucle: 12 vehicles on weekdays")
    capacity: int = _f(11, ge=1, le=100, unit="seats", description="Seats per vehicle",
                       source="Sejong Shucle: 11-seat vans")
    service_hours: HourPair = _f(factory=lambda: [6, 24], unit="h", description="[open, close) service hours",
                                 source="Sejong Shucle: 06:00-24:00",
                                 allowed=_HOURS_ALLOWED)
    max_wait_min: float = _f(15.0, gt=0, le=240, unit="min",
                             description="Longest wait a request may be given",
                             source="Sejong Shucle 'usually about 15 min'; 똑버스 12.3 min mean")
    max_ride_alpha: float = _f(1.5, ge=1, le=10, unit="factor",
                               description="Max ride = min(direct + max_detour_min, alpha*direct + beta)",
                               source="MATSim DRT: alpha 1.3-2.0")
    max_ride_beta_min: float = _f(10.0, ge=0, le=240, unit="min", description="beta of the max-ride rule",
                                  source="MATSim DRT: beta 400-900 s")
    max_detour_min: float = _f(30.0, ge=0, le=240, unit="min",
                               description="Absolute cap on the detour over the direct ride")
    stop_s: float = _f(30.0, ge=0, le=600, unit="s", description="Boarding/alighting time per stop",
                       source="MATSim DRT: 10-60 s")
    mode: Literal["door_to_door", "virtual_stops"] = _f(
        "door_to_door", setting=True, description="Pick up at the door or at the nearest virtual stop")
    virtual_stop_spacing_m: float = _f(400.0, gt=0, le=10_000, unit="m",
                                       description="Spacing of virtual stops (mode virtual_stops)")
    virtual_stops_per_1000_people: float | None = _f(
        None, gt=0, le=1000, unit="stops per 1,000 people",
        description="When set, the number of virtual stops per 1,000 real people (residents x scale); "
                    "overrides virtual_stop_spacing_m",
        source="Sejong Shucle: ~300 virtual stops for 128k people -> 2.34")
    zones: list[ZoneName] = _f(factory=lambda: list(ZONES), min_length=1,
                               description="Zones DRT serves", allowed="a non-empty list of zones",
                               source="여객자동차법: DRT limited to rural or transit-deficient areas")
    batch_s: float = _f(0.0, setting=True, ge=0, le=3600, unit="s",
                        description="0 = insert each request immediately; > 0 = collect requests for "
                                    "this long")
    delay_weight: float = _f(1.0, setting=True, ge=0, le=100, unit="weight",
                             description="Insertion cost = added vehicle time + weight * added passenger "
                                         "delay")
    rebalancing: RebalancingSection = _f(factory=RebalancingSection,
                                         description="Rebalancing of idle vehicles")
    uptake: float = _f(1.0, ge=0, le=1, unit="share",
                       description="Share of residents who know and consider DRT at all (one draw per "
                                   "resident); lower it to calibrate ridership",
                       source="assumption (Sejong Shucle: ~530 rides/day for 128k people)")
    booking_literacy_required: float = _f(0.0, ge=0, le=1, unit="literacy",
                                          description="Digital literacy needed to book a ride (app booking); "
                                                      "0 = anyone can book (phone booking)",
                                          source="assumption")

    @field_validator("zones")
    @classmethod
    def _check_zones(cls, zones: list[str]) -> list[str]:
        seen = set()
        for i, z in enumerate(zones):
            if z in seen:
                raise _KeyProblem(str(i), f"zone '{z}' is listed twice")
            seen.add(z)
        return zones

    @model_validator(mode="after")
    def _check_fleet(self) -> DrtSection:
        if self.enabled and self.vehicles == 0:
            raise _KeyProblem("vehicles",
                              "DRT is enabled with 0 vehicles; set vehicles >= 1 or enabled: false")
        return self


class TransitSection(_Model):
    """Public transport: fixed-route buses and DRT."""

    bus: BusSection = _f(factory=BusSection, description="Fixed-route buses")
    drt: DrtSection = _f(factory=DrtSection, description="Demand-responsive transit")


# --------------------------------------------------------------------------------------
# costs, targets
# --------------------------------------------------------------------------------------
_COST = "assumption (KRW, 2024 prices)"


class CostsSection(_Model):
    """Operating-cost assumptions in Korean won."""

    bus_per_km: float = _f(2500.0, ge=0, unit="KRW/km", description="Bus cost per vehicle-km", source=_COST)
    bus_per_hour: float = _f(45000.0, ge=0, unit="KRW/h", description="Bus cost per vehicle-hour",
                             source=_COST)
    drt_per_km: float = _f(800.0, ge=0, unit="KRW/km", description="DRT cost per vehicle-km", source=_COST)
    drt_per_hour: float = _f(35000.0, ge=0, unit="KRW/h", description="DRT cost per vehicle-hour",
                             source=_COST)
    staff_per_hour: float = _f(20000.0, ge=0, unit="KRW/h", description="Support-centre staff cost per hour",
                               source=_COST)
    electricity_per_kwh: float = _f(150.0, ge=0, unit="KRW/kWh", description="Electricity price",
                                    source=_COST)
    ai_per_use: float = _f(50.0, ge=0, unit="KRW/use", description="AI service cost per use besides energy",
                           source=_COST)


class TargetsSection(_Model):
    """Observed values reports compare KPIs with; not used by the simulation (null = none)."""

    drt_rides_per_day: float | None = _f(None, setting=True, ge=0, unit="rides/day",
                                         description="Observed DRT rides per day (real people)")
    drt_mean_wait_min: float | None = _f(None, setting=True, ge=0, unit="min",
                                         description="Observed mean DRT wait")


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


class Scenario(_Model):
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
    targets: TargetsSection = _f(factory=TargetsSection, description="Observed values for comparison")

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
        shown = _display(file) if file is not None else None
        if not isinstance(data, Mapping):
            raise ScenarioError("a scenario must be a mapping of keys (name:, city:, ...), "
                                f"got {_show(data)}", file=shown)
        base_dir = Path(file).resolve().parent if file is not None else Path.cwd()
        tree: Any = LineDict(_plain_value(data))
        tree.origins = {k: (shown, None) for k in data}
        files = [shown] if shown else []
        if "extends" in tree:
            chain = (Path(file).resolve(),) if file is not None else ()
            tree, parents = _resolve_extends(tree, base_dir, chain)
            files += parents
        return _build(tree, top_file=shown, files=files)

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict``/``list`` data; ``Scenario.from_dict(s.to_dict()) == s``."""
        return self.model_dump(mode="python")

    def to_yaml(self) -> str:
        """The scenario as a complete YAML document (no ``extends``)."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with some keys changed.

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
        data = self.to_dict()
        for dotted, value in overrides.items():
            parts = _check_override_path(str(dotted), data)
            _assign(data, parts, to_plain(_plain_value(value)))
        _resolve_city_source(data, {})  # a relative network path in an override: relative to the cwd
        try:
            new = Scenario.model_validate(data)
        except ValidationError as exc:
            raise _translate(exc, data, {}, [], suffix=" (from overrides)") from None
        new._file, new._files = self._file, self._files
        return new

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
        return {"ai_services": self.ai_services.enabled, "support_centres": self.support_centres.count > 0,
                "drt": self.transit.drt.enabled}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------
def _display(path: str | os.PathLike) -> str:
    """A path as shown in messages: relative to the working directory when inside it."""
    p = Path(path)
    try:
        absolute = p.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return str(p)
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(absolute)


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
    p = Path(path)
    shown = _display(p)
    _check_symlinks(p, None)
    if not p.is_file():
        what = "is a folder, not a scenario file" if p.is_dir() else "scenario file not found"
        raise ScenarioError(what, file=shown)
    tree, files = _load_chain(p, (), None)
    return _build(tree, top_file=shown, files=files)


def _load_chain(path: Path, chain: tuple[Path, ...], via: Origin | None) -> tuple[Any, list[str]]:
    """Load ``path`` and, recursively, the files it extends; returns (merged tree, files)."""
    _check_symlinks(path, via)
    real = path.resolve()
    shown = _display(path)
    via_file, via_line = via if via is not None else (None, None)
    if real in chain:
        names = " -> ".join(_display(p) for p in (*chain[chain.index(real):], real))
        raise ScenarioError(f"cycle {names}; a scenario cannot extend itself, directly or not",
                            path="extends", file=via_file, line=via_line)
    if not real.is_file():
        if via is None:
            raise ScenarioError("scenario file not found", file=shown)
        raise ScenarioError(f"file not found: {shown}; the path is relative to the file that "
                            "extends it", path="extends", file=via_file, line=via_line)
    tree = load_yaml_file(real, shown)
    if tree is None:
        raise ScenarioError("the file is empty; a scenario needs at least `name:`", file=shown, line=1)
    if not isinstance(tree, dict):
        raise ScenarioError(f"a scenario must be a mapping of keys (name:, city:, ...), got {_show(tree)}",
                            file=shown, line=1)
    tree, parents = _resolve_extends(tree, real.parent, (*chain, real))
    return tree, [shown, *parents]


def _check_symlinks(path: Path, via: Origin | None) -> None:
    """Refuse a path whose symbolic links loop, naming the links in order.

    Raises
    ------
    ScenarioError
        ``symbolic link loop a.yaml -> b.yaml -> a.yaml`` (blamed on the ``extends`` that
        named the path, if any).
    """
    seen: list[Path] = []
    current = Path(os.path.abspath(path))
    while current.is_symlink() and current not in seen and len(seen) < 40:
        seen.append(current)
        try:
            target = Path(os.readlink(current))
        except OSError:
            return
        current = Path(os.path.abspath(current.parent / target))
    if current in seen or len(seen) >= 40:
        chain = " -> ".join(_display_link(p) for p in (*seen, current))
    else:
        try:
            current.resolve()
            return
        except RuntimeError:  # a loop in a folder above the file (Python < 3.13)
            chain = _display_link(path) + " (a folder on its path)"
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                return
            chain = _display_link(path) + " (a folder on its path)"
    via_file, via_line = via if via is not None else (None, None)
    raise ScenarioError(f"symbolic link loop {chain}; point the link at a real scenario file",
                        path="extends" if via is not None else None,
                        file=via_file if via is not None else _display_link(path), line=via_line)


def _display_link(path: Path) -> str:
    """A link's path as shown in messages, without following it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _resolve_extends(tree: Any, base_dir: Path, chain: tuple[Path, ...]) -> tuple[Any, list[str]]:
    """Pop ``extends`` from ``tree``, load that chain and merge ``tree`` over it."""
    if "extends" not in tree:
        return tree, []
    target = tree.pop("extends")
    origin = tree.origins.pop("extends", (None, None)) if hasattr(tree, "origins") else (None, None)
    if target is None:
        return tree, []
    if not isinstance(target, str) or not target.strip():
        raise ScenarioError(f"expected a scenario file path (relative to this file), got {_show(target)}",
                            path="extends", file=origin[0], line=origin[1])
    parent, files = _load_chain(base_dir / Path(target).expanduser(), chain, origin)
    return deep_merge(parent, tree), files


def _build(tree: Any, *, top_file: str | None, files: list[str]) -> Scenario:
    """Validate a merged tree; translate pydantic errors into one ScenarioError."""
    origins = origins_by_path(tree, default_file=top_file)
    data = to_plain(tree)
    _resolve_city_source(data, origins)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, data, origins, files) from None
    scenario._file = top_file
    scenario._files = tuple(files)
    return scenario


def _resolve_city_source(data: dict, origins: Mapping[tuple, Origin]) -> None:
    """Make a relative ``city.source`` file path absolute, relative to the YAML that set it."""
    city = data.get("city")
    if not isinstance(city, dict):
        return
    source = city.get("source")
    if not isinstance(source, str) or source == "synthetic" or not _looks_like_network_file(source):
        return
    path = Path(source).expanduser()
    if not path.is_absolute():
        set_in = origins.get(("city", "source"), (None, None))[0]
        base = Path(set_in).resolve().parent if set_in else Path.cwd()
        path = base / path
    city["source"] = str(path.resolve())


# --------------------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------------------
def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """Parse command-line style ``key=value`` strings; values are read as YAML.

    ``["population.residents=2000", "ai_services.enabled=false"]`` ->
    ``{"population.residents": 2000, "ai_services.enabled": False}``.

    Raises
    ------
    ScenarioError
        For an item without ``=`` or a value that is not valid YAML.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError(f"override '{item}' must look like dotted.key=value")
        try:
            out[key] = to_plain(load_yaml_text(raw)) if raw.strip() else None
        except ScenarioError as exc:
            shown = raw if len(raw) <= 40 else raw[:37] + "..."
            why = str(exc).removeprefix("YAML syntax error: ")
            raise ScenarioError(f"the value {shown!r} is not valid YAML ({why}); quote text values, "
                                "e.g. key='a: b'", path=key) from None
    return out


def _plain_value(value: Any) -> Any:
    """Turn numpy scalars/arrays into Python numbers/lists (without importing numpy)."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Mapping):
        return {k: _plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    return value


def _check_override_path(dotted: str, data: dict) -> list[str | int]:
    """Check a dotted path against the schema; return its parts (list indexes as ints)."""
    parts: list[str | int] = []
    ann: Any = Scenario
    node: Any = data
    for raw in dotted.split("."):
        shown_path = ".".join(str(p) for p in [*parts, raw])
        model = _model_class(ann)
        if model is not None:
            if raw not in model.model_fields:
                raise ScenarioError(_unknown_key_message(raw, model) + " (from overrides)", path=shown_path)
            parts.append(raw)
            ann = model.model_fields[raw].annotation
            node = node.get(raw) if isinstance(node, dict) else None
            continue
        if isinstance(node, list) and raw.lstrip("-").isdigit():
            idx = int(raw)
            if not 0 <= idx < len(node):
                raise ScenarioError(f"index {idx} is out of range: the list has {len(node)} items "
                                    "(from overrides)", path=shown_path)
            parts.append(idx)
            ann = _list_item_annotation(ann)
            node = node[idx]
            continue
        parent = ".".join(str(p) for p in parts)
        raise ScenarioError(f"'{parent}' is a single value, not a section; it has no key '{raw}' "
                            "(from overrides)", path=shown_path)
    if not parts:
        raise ScenarioError("empty override key")
    return parts


def _assign(data: dict, parts: list[str | int], value: Any) -> None:
    node: Any = data
    for part in parts[:-1]:
        nxt = node[part] if isinstance(node, list) else node.get(part)
        if nxt is None:
            nxt = {}
            node[part] = nxt
        node = nxt
    last = parts[-1]
    current = node[last] if isinstance(node, list) else node.get(last)
    if isinstance(value, dict) and isinstance(current, dict):
        value = to_plain(deep_merge(current, value))
    node[last] = value


# --------------------------------------------------------------------------------------
# Annotation helpers (shared by error messages, overrides and the docs)
# --------------------------------------------------------------------------------------
def _strip_annotated(ann: Any) -> Any:
    while get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    return ann


def _union_args(ann: Any) -> tuple[Any, ...]:
    ann = _strip_annotated(ann)
    if get_origin(ann) in (Union, type(int | None)):
        return tuple(_strip_annotated(a) for a in get_args(ann))
    return (ann,)


def _model_class(ann: Any) -> type[BaseModel] | None:
    """The BaseModel class inside ``ann`` (unwrapping Annotated and Optional), if any."""
    for arg in _union_args(ann):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _list_item_annotation(ann: Any) -> Any:
    for arg in _union_args(ann):
        if get_origin(arg) is list:
            return get_args(arg)[0]
    return None


def _field_at(path: tuple) -> tuple[FieldInfo | None, Any]:
    """The field info and annotation at a cleaned key path (``(None, None)`` if unknown)."""
    ann: Any = Scenario
    info: FieldInfo | None = None
    for part in path:
        model = _model_class(ann)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            info = model.model_fields[part]
            ann = info.annotation
        elif isinstance(part, int) and _list_item_annotation(ann) is not None:
            ann = _list_item_annotation(ann)
            info = None
        else:
            return None, None
    return info, ann


def _constraints(info: FieldInfo | None, ann: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    metas = list(info.metadata) if info is not None else []
    a = ann
    while get_origin(a) is Annotated:
        metas += [m for m in get_args(a)[1:]]
        a = get_args(a)[0]
    for meta in metas:
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            if getattr(meta, name, None) is not None:
                out[name] = getattr(meta, name)
        if isinstance(meta, FieldInfo):
            out.update(_constraints(meta, None))
    return out


def _range_text(c: Mapping[str, Any]) -> str:
    lo = ("[", c["ge"]) if "ge" in c else ("(", c["gt"]) if "gt" in c else None
    hi = ("]", c["le"]) if "le" in c else (")", c["lt"]) if "lt" in c else None
    if lo and hi:
        return f"in {lo[0]}{_num(lo[1])}, {_num(hi[1])}{hi[0]}"
    if lo:
        return f"{'>=' if lo[0] == '[' else '>'} {_num(lo[1])}"
    if hi:
        return f"{'<=' if hi[0] == ']' else '<'} {_num(hi[1])}"
    return ""


def _type_text(ann: Any) -> tuple[str, bool]:
    """(type description, nullable) of an annotation."""
    args = [a for a in _union_args(ann) if a is not type(None)]
    nullable = len(args) < len(_union_args(ann))
    base = args[0] if args else ann
    if get_origin(base) is Literal:
        text = "one of " + ", ".join(f"'{v}'" for v in get_args(base))
    elif base is bool:
        text = "true or false"
    elif base is int:
        text = "an integer"
    elif base is float:
        text = "a number"
    elif base is str:
        text = "text"
    elif get_origin(base) is list:
        text = "a list"
    elif isinstance(base, type) and issubclass(base, _KeyedMap):
        text = f"a mapping of {base.KIND} to values"
    elif isinstance(base, type) and issubclass(base, BaseModel):
        text = "a mapping"
    else:
        text = "a value"
    return text, nullable


def _allowed_text(info: FieldInfo | None, ann: Any) -> str:
    """'an integer >= 1', 'a number in [0, 1]', "one of 'a', 'b'"... for a field."""
    extra = info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}
    if extra.get("allowed"):
        return str(extra["allowed"])
    text, nullable = _type_text(ann)
    rng = _range_text(_constraints(info, ann))
    return f"{text} {rng}".strip() + (", or null" if nullable else "")


# --------------------------------------------------------------------------------------
# Error translation
# --------------------------------------------------------------------------------------
def _show(value: Any) -> str:
    """Describe an input value in a few words, on one line."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return "the text '" + " ".join(text.split()) + "'"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    return f"a {type(value).__name__}"


def _hint(value: Any, expected_number: bool) -> str:
    if expected_number and isinstance(value, float) and value.is_integer():
        return f" (write {int(value)} without a decimal point)"
    if not (expected_number and isinstance(value, str)):
        return ""
    try:
        float(value)
    except ValueError:
        return ""
    if "e" in value.lower() and "." not in value:
        return f" (YAML reads {value} as text: write it with a decimal point, e.g. 1.0e3)"
    return " (remove the quotes)"


def _unknown_key_message(key: Any, model: type[BaseModel] | None) -> str:
    if model is not None and issubclass(model, _KeyedMap):
        valid = list(model.KEYS)
        plural = {"category": "categories"}.get(model.KIND, model.KIND + "s")
        what = f"unknown {model.KIND} '{key}'; valid {plural}: {', '.join(valid)}"
    else:
        valid = list(model.model_fields) if model is not None else []
        what = f"unknown key '{key}'"
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
    if close:
        return f"{what}; did you mean '{close[0]}'?"
    if model is not None and not issubclass(model, _KeyedMap):
        return f"{what}; allowed keys here: {', '.join(valid)}"
    return what


def _clean_loc(loc: tuple, data: Any, keep_last: bool) -> tuple:
    """Drop pydantic's union tags etc. from ``loc``: keep only steps that exist in ``data``."""
    out: list = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif keep_last and i == len(loc) - 1:
            out.append(part)
        # else: a union tag / function name, not a key of the input
    return tuple(out)


def _error_message(err: Mapping[str, Any], path: tuple) -> tuple[tuple, str]:
    """(final key path, one-line message) for one pydantic error dict."""
    etype = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if etype == "extra_forbidden":
        _, parent_ann = _field_at(path[:-1])
        return path, _unknown_key_message(path[-1], _model_class(parent_ann))
    if etype == "value_error" and isinstance(ctx.get("error"), _KeyProblem):
        problem = ctx["error"]
        extra = tuple(int(p) if p.isdigit() else p for p in problem.key.split("."))
        return path + extra, str(problem)
    if etype in ("value_error", "assertion_error"):
        return path, str(ctx.get("error", err["msg"]))
    info, ann = _field_at(path)
    allowed = _allowed_text(info, ann) if ann is not None else ""
    if etype == "missing":
        return path, "required key is missing" + (f"; add it ({allowed})" if allowed else "")
    if etype == "literal_error":
        raw = str(ctx.get("expected", "")).replace(" or ", ",").split(",")
        expected = [e.strip().strip("'") for e in raw if e.strip()]
        if set(expected) == set(ZONES):
            msg = f"unknown zone {_show(value).removeprefix('the text ')}; valid zones: {', '.join(ZONES)}"
        else:
            msg = f"got {_show(value)}; allowed: " + ", ".join(f"'{e}'" for e in expected)
        close = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.6)
        return path, msg + (f"; did you mean '{close[0]}'?" if close else "")
    if etype in ("too_short", "too_long"):
        c = _constraints(info, ann)
        lo, hi = c.get("min_length", ctx.get("min_length")), c.get("max_length", ctx.get("max_length"))
        actual = ctx.get("actual_length", len(value) if isinstance(value, list | tuple) else "?")
        if lo is not None and lo == hi:
            want = f"exactly {lo} items"
        elif etype == "too_short":
            want = f"at least {lo} items"
        else:
            want = f"at most {hi} items"
        return path, f"expected {want}, got {actual}" + (f" ({allowed})" if allowed else "")
    if etype in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return path, f"must be {allowed or err['msg'].lower()}, got {_show(value)}"
    expected_number = etype.startswith(("int_", "float_")) or "number" in allowed or "integer" in allowed
    if etype.endswith(("_type", "_parsing")) or etype in ("int_from_float", "model_attributes_type"):
        want = allowed or etype.replace("_type", "")
        return path, f"expected {want}, got {_show(value)}{_hint(value, expected_number)}"
    return path, f"{err['msg']} (got {_show(value)})"


def _translate(exc: ValidationError, data: Any, origins: Mapping[tuple, Origin], files: list[str],
               suffix: str = "") -> ScenarioError:
    """Turn a pydantic ValidationError into one ScenarioError for the first error by line."""
    problems = []
    for err in exc.errors(include_url=False):
        path = _clean_loc(tuple(err["loc"]), data, keep_last=err["type"] in ("missing", "extra_forbidden"))
        path, message = _error_message(err, path)
        file, line = None, None
        for cut in range(len(path), -1, -1):  # nearest written key: itself or an ancestor
            if path[:cut] in origins:
                file, line = origins[path[:cut]]
                break
        if file is None and files:
            file = files[0]
        rank = files.index(file) if file in files else len(files)
        problems.append(((rank, line if line is not None else 10**9), path, file, line, message))
    problems.sort(key=lambda p: p[0])
    _, path, file, line, message = problems[0]
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    dotted = ".".join(str(p) for p in path) or None
    err = ScenarioError(" ".join(f"{message}{suffix}{more}".split()), path=dotted, file=file, line=line)
    err.n_errors = len(problems)  # type: ignore[attr-defined]
    return err


# --------------------------------------------------------------------------------------
# Reference table for the docs
# --------------------------------------------------------------------------------------
def _default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.is_required():
        return "required"
    else:
        value = info.default
    return _value_text(value)


def _value_text(value: Any) -> str:
    if isinstance(value, _KeyedMap):
        return ", ".join(f"{k} {_value_text(v)}" for k, v in value.as_dict().items())
    if isinstance(value, BaseModel):
        return "; ".join(f"{k} {_value_text(v)}" for k, v in value.model_dump().items())
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if len(value) > 6 and all(isinstance(v, float) for v in value):
            return "[" + ", ".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in value) + "]"
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value_text(v)}" for k, v in value.items())
    if isinstance(value, str):
        return f"`{value}`" if value else '""'
    return _num(value)


def schema_reference() -> list[dict[str, str]]:
    """One row per scenario key, from the models' field metadata.

    Returns
    -------
    list of dict
        Keys ``section``, ``key`` (dotted path; ``<category>``, ``<group>`` or ``<zone>``
        stands for each key of a per-category/group/zone mapping), ``description``,
        ``unit``, ``default``, ``allowed`` and ``source``.
    """
    rows: list[dict[str, str]] = [{
        "section": "", "key": "extends", "description": "Scenario file this one extends (relative to this "
        "file); deep-merged, this file wins, lists are replaced; chains allowed, cycles rejected",
        "unit": "", "default": "null", "allowed": "a file path or null", "source": "-"}]

    def add(model: type[BaseModel], prefix: str, section: str) -> None:
        for name, info in model.model_fields.items():
            key = f"{prefix}{name}"
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            sub = _model_class(info.annotation)
            if sub is not None and not issubclass(sub, _KeyedMap):
                add(sub, key + ".", section or name)
                continue
            row = {"section": section, "key": key, "description": info.description or "",
                   "unit": str(extra.get("unit", "")), "default": _default_text(info),
                   "allowed": _allowed_text(info, info.annotation),
                   "source": str(extra.get("source", "assumption"))}
            if sub is not None:  # per-category / group / zone mapping
                leaf = next(iter(sub.model_fields.values()))
                leaf_model = _model_class(leaf.annotation)
                if leaf_model is not None and issubclass(leaf_model, _KeyedMap):  # mapping of mappings
                    for k in sub.KEYS:
                        inner = sub.model_fields[k]
                        inner_leaf = next(iter(leaf_model.model_fields.values()))
                        rows.append({**row, "key": f"{key}.{k}.<{leaf_model.KIND}>",
                                     "default": _default_text(inner),
                                     "allowed": _allowed_text(inner_leaf, inner_leaf.annotation)})
                    continue
                if leaf_model is not None:  # mapping of small records (literacy)
                    for fname, finfo in leaf_model.model_fields.items():
                        defaults = ", ".join(
                            f"{k} {_num(getattr(sub.model_fields[k].default_factory(), fname))}"
                            for k in sub.KEYS)
                        rows.append({**row, "key": f"{key}.<{sub.KIND}>.{fname}", "default": defaults,
                                     "allowed": _allowed_text(finfo, finfo.annotation)})
                    continue
                row["key"] = f"{key}.<{sub.KIND}>"
                row["allowed"] = str(extra.get("allowed") or _allowed_text(leaf, leaf.annotation))
                if info.default is None and info.default_factory is None:
                    row["allowed"] += " (the whole mapping may be null)"
            rows.append(row)

    add(Scenario, "", "")
    return rows
