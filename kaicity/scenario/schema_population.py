"""Scenario sections ``population`` (who lives where, literacy, mobility) and ``needs`` (demand)."""

from __future__ import annotations

import math

from pydantic import BaseModel, Field, field_validator, model_validator

from kaicity.categories import GROUPS
from kaicity.scenario.fields import (
    SHARE_TOL,
    HourlyProfile,
    KeyProblem,
    Section,
    ZoneMap,
    keyed_map,
    normalise_profile,
    num_text,
)
from kaicity.scenario.fields import doc_field as _f

ZoneShares = keyed_map("ZoneShares", "zone", {"core": 0.55, "suburb": 0.30, "rural": 0.15}, float,
                       "Share of homes in each zone (sums to 1).", ge=0, le=1)
ElderlyZoneMultiplier = keyed_map("ElderlyZoneMultiplier", "zone", {"core": 0.85, "suburb": 1.0, "rural": 1.6},
                                  float, "Relative odds of a resident being elderly, by zone.", ge=0, le=10)
CarAccess = keyed_map("CarAccess", "group", {"child": 0.0, "adult": 0.75, "elderly": 0.40}, float,
                      "Probability of having a car available, by group.", ge=0, le=1)
WalkingSpeed = keyed_map("WalkingSpeed", "group", {"child": 1.2, "adult": 1.33, "elderly": 1.0}, float,
                         "Mean walking speed by group.", gt=0, le=3)
WalkTolerance = keyed_map("WalkTolerance", "group", {"child": 15.0, "adult": 20.0, "elderly": 15.0}, float,
                          "Longest walk a resident chooses as the mode.", gt=0, le=240)
MaxTrip = keyed_map("MaxTrip", "group", {"child": 60.0, "adult": 90.0, "elderly": 75.0}, float,
                    "Longest acceptable door-to-door time; beyond it the need is forgone.", gt=0, le=600)


def _beta_model(name: str, default_mean: float, default_sd: float) -> type[BaseModel]:
    """A ``{mean, sd}`` Beta-distribution model with the given defaults."""

    class _Beta(Section):
        mean: float = Field(default_mean, gt=0, lt=1)
        sd: float = Field(default_sd, gt=0, lt=0.5)

        @model_validator(mode="after")
        def _check_feasible(self) -> _Beta:
            limit = math.sqrt(self.mean * (1 - self.mean))
            if self.sd >= limit:
                raise KeyProblem("sd", f"sd {num_text(self.sd)} is too large for a Beta distribution with mean "
                                       f"{num_text(self.mean)}; it must be < sqrt(mean*(1-mean)) = {limit:.3f}")
            return self

    assert name not in globals(), f"duplicate model name {name}"
    _Beta.__name__ = _Beta.__qualname__ = name
    _Beta.__doc__ = "Beta distribution of digital literacy: mean and standard deviation in (0, 1)."
    globals()[name] = _Beta  # importable by name, so scenarios pickle
    return _Beta


Literacy = keyed_map("Literacy", "group", {
    "child": _beta_model("ChildLiteracy", 0.70, 0.15),
    "adult": _beta_model("AdultLiteracy", 0.80, 0.12),
    "elderly": _beta_model("ElderlyLiteracy", 0.50, 0.18),
}, None, "Digital literacy (Beta mean, sd) by group.")


class PopulationSourceSection(Section):
    """A population layer: counts of people by cell or polygon (see ``kaicity.network.population_file``)."""

    path: str = _f(..., setting=True, min_length=1,
                   description="GeoPackage, GeoParquet, GeoJSON or CSV (lon/lat columns) of cells or polygons "
                               "with people counts (relative to the YAML that sets it)",
                   allowed="a .gpkg, .parquet, .geojson/.json or .csv file")
    layer: str | None = _f(None, setting=True, description="Layer of a multi-layer GeoPackage (null: the first)")
    total_column: str = _f("total", setting=True, min_length=1,
                           description="Column of all residents of a cell (e.g. 통계청 격자 `to_in_001`)")
    elderly_column: str = _f("age65", setting=True, min_length=1,
                             description="Column of residents aged 65+; a cell's elderly share is its "
                                         "elderly / total")
    child_column: str | None = _f(None, setting=True,
                                  description="Column of residents under 15 (null: population.child_share "
                                              "everywhere)")
    cell_m: float = _f(100.0, setting=True, gt=0, le=100_000, unit="m",
                       description="Side of the square cell centred on each point of a CSV or point layer "
                                   "(통계청 격자: 100, 250, 500 or 1000 m)")


class PopulationSection(Section):
    """Who lives in the city: size, where homes are, age groups, literacy, mobility."""

    residents: int = _f(10000, setting=True, ge=1, le=5_000_000, unit="agents",
                        description="Number of resident agents")
    scale: float = _f(1.0, setting=True, gt=0, le=100_000, unit="people per agent",
                      description="Real people each agent stands for (e.g. 128k people with 8k agents "
                                  "-> 16); population totals are agent counts x scale")
    zone_shares: ZoneShares = _f(  # type: ignore[valid-type]
        factory=ZoneShares, unit="share", setting=True,
        description="Share of homes in each zone; must sum to 1 (+-1e-6); a choice of the city studied "
                    "(like the street network), not a fact to sweep")
    elderly_share: float = _f(0.20, ge=0, le=1, unit="share", description="Share of residents aged 65+",
                              source="행정안전부 주민등록 2024-12: 20.0% of Koreans are 65+")
    child_share: float = _f(0.12, ge=0, le=1, unit="share",
                            description="Share of residents under 15; elderly_share + child_share <= 1",
                            source="assumption (Korea 0-14 ~11-12%; a super-aged 군 ~6%, Sejong ~17%)",
                            range=(0.06, 0.17))
    elderly_zone_multiplier: ElderlyZoneMultiplier = _f(  # type: ignore[valid-type]
        factory=ElderlyZoneMultiplier, unit="relative odds",
        description="Relative odds of a resident being elderly by zone; the overall elderly_share is kept",
        source="JKST 2022 (doi:10.7470/jkst.2022.40.3.335): 65+ 28.7% in 군 vs 16.4% in 시")
    source: PopulationSourceSection | None = _f(
        None, setting=True,
        description="A population layer: homes go to walk nodes inside each cell or polygon in proportion "
                    "to its counts, the elderly share per cell from its 65+ count (zone_shares, "
                    "elderly_share and elderly_zone_multiplier are then unused); null: synthetic placement "
                    "by zone_shares")
    car_access: CarAccess = _f(  # type: ignore[valid-type]
        factory=CarAccess, unit="probability", description="Probability a resident has a car available",
        source="assumption", range=(0.6, 1.25), range_kind="multiplier")
    literacy: Literacy = _f(  # type: ignore[valid-type]
        factory=Literacy, unit="index in (0,1)",
        description="Digital literacy per group: Beta distribution with this mean and sd",
        source="NIA/MSIT 디지털정보격차 실태조사 2024: elderly capability 71.4, competency 55.3 "
               "(general = 100); adult and child values are assumptions",
        range={"child.mean": (0.5, 0.85), "adult.mean": (0.65, 0.9), "elderly.mean": (0.45, 0.6)})
    walking_speed_mps: WalkingSpeed = _f(  # type: ignore[valid-type]
        factory=WalkingSpeed, unit="m/s", description="Mean walking speed per group",
        source="adult 1.33 m/s: 15-minute-city convention; elderly 1.0 m/s: Korean signal-timing standard "
               "(Han et al. 2020: elderly mean 1.13, 15th pct 0.85); child 1.2 m/s: MUTCD")
    walking_speed_sd_mps: float = _f(0.1, ge=0, le=1, unit="m/s",
                                     description="Per-person spread of walking speed (normal, clipped to "
                                                 "[0.5, 2.0] m/s)",
                                     source="assumption (Han et al. 2020: elderly mean 1.13, 15th pct 0.85 "
                                            "m/s, i.e. sd ~0.27 if normal)", range=(0.05, 0.3))
    walk_tolerance_min: WalkTolerance = _f(  # type: ignore[valid-type]
        factory=WalkTolerance, unit="min", description="Longest walk a resident chooses as the travel mode",
        source="assumption (the 15-minute walk of the 15-minute city)", range=(0.5, 1.5),
        range_kind="multiplier")
    max_trip_min: MaxTrip = _f(  # type: ignore[valid-type]
        factory=MaxTrip, unit="min",
        description="Longest acceptable door-to-door time per group; beyond it the need is forgone; "
                    "must be >= walk_tolerance_min", source="assumption", range=(0.67, 1.5),
        range_kind="multiplier")

    @field_validator("zone_shares")
    @classmethod
    def _check_zone_shares(cls, value: ZoneMap) -> ZoneMap:
        total = math.fsum(value.values_in_order())
        if abs(total - 1.0) > SHARE_TOL:
            parts = " + ".join(f"{k} {num_text(v)}" for k, v in value.as_dict().items())
            raise ValueError(f"zone shares must sum to 1, got {parts} = {num_text(round(total, 9))}")
        return value

    @model_validator(mode="after")
    def _check_groups(self) -> PopulationSection:
        if self.elderly_share + self.child_share > 1 + SHARE_TOL:
            raise KeyProblem("child_share", f"elderly_share {num_text(self.elderly_share)} + child_share "
                                            f"{num_text(self.child_share)} exceeds 1")
        for g in GROUPS:
            if self.max_trip_min[g] < self.walk_tolerance_min[g]:
                raise KeyProblem(f"max_trip_min.{g}",
                                 f"{num_text(self.max_trip_min[g])} min is shorter than walk_tolerance_min.{g} "
                                 f"({num_text(self.walk_tolerance_min[g])} min); it must be at least as long")
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
_DEFAULT_HOURLY = normalise_profile(
    [0, 0, 0, 0, 0, 0, .02, .04, .06, .09, .09, .09, .06, .07, .08, .08, .08, .07, .05, .03, .02, 0, 0, 0])
_RATE_DEFAULTS = {
    "healthcare": {"child": 0.02, "adult": 0.025, "elderly": 0.07},
    "education": {"child": 0.05, "adult": 0.01, "elderly": 0.005},
    "welfare": {"child": 0.0, "adult": 0.015, "elderly": 0.04},
    "daily": {"child": 0.02, "adult": 0.15, "elderly": 0.15},
    "culture": {"child": 0.05, "adult": 0.05, "elderly": 0.04},
}
#: Healthcare needs come mostly in the morning (outpatient visits concentrate before noon); welfare and
#: administration needs in office hours.  Both assumptions; other categories follow ``hourly_profile``.
_HEALTHCARE_HOURLY = normalise_profile(
    [0, 0, 0, 0, 0, 0, .01, .05, .12, .15, .14, .11, .06, .07, .07, .06, .05, .04, .03, .02, .02, 0, 0, 0])
_WELFARE_HOURLY = normalise_profile(
    [0, 0, 0, 0, 0, 0, 0, .02, .06, .12, .13, .12, .08, .08, .11, .11, .09, .06, .02, 0, 0, 0, 0, 0])
CategoryProfile = keyed_map(
    "CategoryProfile", "category",
    {"healthcare": _HEALTHCARE_HOURLY, "welfare": _WELFARE_HOURLY, "education": None, "daily": None,
     "culture": None}, HourlyProfile | None,
    "24 hourly weights of the time needs of a category arise (null: needs.hourly_profile).",
    allowed="24 numbers >= 0, not all zero, or null")
DailyRate = keyed_map("DailyRate", "category", {
    cat: keyed_map(f"Rate{cat.capitalize()}", "group", rates, float,
                   f"Needs per person per day for {cat}, by group.", ge=0, le=10)
    for cat, rates in _RATE_DEFAULTS.items()
}, None, "Needs per person per day, by category and group.")


class NeedsSection(Section):
    """How often residents need each service and at what time of day."""

    daily_rate: DailyRate = _f(  # type: ignore[valid-type]
        factory=DailyRate, unit="needs/person/day",
        description="Mean number of needs per person per day (Poisson), by category and group",
        source="assumption (elderly need more healthcare and welfare; the healthcare defaults average "
               "~12 visits a person a year, below OECD Health Statistics' ~15-17 doctor consultations per "
               "person a year in Korea)", range=(0.5, 2.0), range_kind="multiplier")
    hourly_profile: HourlyProfile = _f(
        factory=lambda: list(_DEFAULT_HOURLY), unit="weight per hour 0..23",
        description="Time-of-day profile of needs: 24 non-negative weights, normalised to sum to 1 "
                    "(default peaks 9-12 h and 14-18 h, none at night); categories without their own "
                    "profile in category_profile",
        allowed="24 numbers >= 0, not all zero", source="assumption (default: 42% before noon)",
        range=(0.3, 0.55), range_kind="morning_share")
    category_profile: CategoryProfile = _f(  # type: ignore[valid-type]
        factory=CategoryProfile, unit="weight per hour 0..23",
        description="Time-of-day profile of each category's needs (null: hourly_profile); default: "
                    "healthcare mostly 8-12 h (58% before noon), welfare in office hours 8-18 h",
        source="assumption", range={"healthcare": (0.4, 0.7), "welfare": (0.3, 0.6)},
        range_kind="morning_share")
    expiry_h: float = _f(72.0, gt=0, le=24 * 365, unit="h", range=(24, 168),
                         description="A need not met within this time after it arose is forgone (the last "
                                     "obstacle is its reason); until then closed places, rejected transit and "
                                     "full queues only put it off")
    retry_min: float = _f(60.0, gt=0, le=24 * 60, unit="min", range=(15, 240),
                          description="A resident whose transit request or visit failed tries again this "
                                      "much later (also for a rejected ride home)")


