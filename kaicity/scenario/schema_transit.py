"""Scenario section ``transit``: fixed-route buses and demand-responsive transit (DRT)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from kaicity.categories import ZONES
from kaicity.scenario.fields import HOURS_ALLOWED, HourPair, KeyProblem, Section, keyed_map, num_text
from kaicity.scenario.fields import doc_field as _f

LonLat = Annotated[list[float], Field(min_length=2, max_length=2)]
FleetShares = Annotated[list[Annotated[float, Field(ge=0, le=1)]], Field(min_length=24, max_length=24)]
HourFactors = Annotated[list[Annotated[float, Field(ge=0.2, le=5)]], Field(min_length=24, max_length=24)]


class BusLine(Section):
    """An explicit bus line: stops as ``[lon, lat]`` pairs and a headway."""

    name: str = Field(min_length=1)
    stops: list[LonLat] = Field(min_length=2)
    headway_min: float = Field(gt=0, le=1440)

    @field_validator("stops")
    @classmethod
    def _check_stops(cls, stops: list[list[float]]) -> list[list[float]]:
        for i, (lon, lat) in enumerate(stops):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise KeyProblem(str(i), f"stop [{num_text(lon)}, {num_text(lat)}] is not a [lon, lat] pair "
                                         "(lon in [-180, 180], lat in [-90, 90])")
        return stops


def _lines_kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "auto"


BusLines = Annotated[Union[Annotated[Literal["auto"], Tag("auto")],  # noqa: UP007 (tagged union)
                           Annotated[list[BusLine], Tag("list")]], Discriminator(_lines_kind)]

StopSpacing = keyed_map("StopSpacing", "zone", {"core": 500.0, "suburb": 777.0, "rural": 1528.0}, float,
                        "Bus stop spacing by zone.", gt=0, le=100_000)


class GtfsSection(Section):
    """A GTFS feed: bus lines, stops and the departures of one service day."""

    path: str = _f(..., setting=True, min_length=1,
                   description="GTFS zip file (relative to the YAML that sets it)", allowed="a .zip file")
    service_date: str | None = _f(None, setting=True, pattern=r"^\d{8}$",
                                  description="Service day YYYYMMDD whose trips run every simulated day "
                                              "(null: the feed's busiest day in its first week)",
                                  allowed="YYYYMMDD or null")
    max_stop_snap_m: float = _f(150.0, gt=0, le=5000, unit="m",
                                description="A stop inside the city farther than this from the drive graph is "
                                            "an error", source="assumption (a kerbside stop is within tens of m)",
                                range=(50.0, 300.0))

    @model_validator(mode="before")
    @classmethod
    def _path_only(cls, value: Any) -> Any:
        return {"path": value} if isinstance(value, str) else value


class BusSection(Section):
    """Fixed-route buses on timetables (both scenarios)."""

    enabled: bool = _f(True, setting=True, description="Whether fixed-route buses run")
    lines: BusLines = _f("auto", setting=True,
                         description="`auto` (generated lines) or a list of {name, stops: [[lon, lat], ...], "
                                     "headway_min}",
                         allowed="`auto` or a list of lines")
    gtfs: GtfsSection | None = _f(
        None, setting=True,
        description="A GTFS feed (`path.zip` or {path, service_date, max_stop_snap_m}): its routes replace "
                    "`lines`; per route direction the stops of its longest trip, with the feed's departures")
    n_lines: int = _f(6, setting=True, ge=0, le=1000, unit="lines",
                      description="Number of auto trunk lines from the core centre to suburbs and rural villages")
    design: Literal["demand", "radial"] = _f(
        "demand", setting=True,
        description="Auto lines: `demand` = trunk lines plus feeders placed where most walk nodes are beyond "
                    "coverage_walk_m of a stop, each meeting the network at its nearest stop; `radial` = trunk "
                    "lines only")
    max_feeders: int = _f(200, setting=True, ge=0, le=1000, unit="lines",
                          description="Most feeder lines added by design `demand` (fewer when every cluster of "
                                      "5+ walk nodes is covered)")
    coverage_walk_m: float = _f(500.0, gt=0, le=5000, unit="m",
                                description="Walk to a stop within which a place counts as served by the bus "
                                            "network (feeder design and the stop-coverage KPI)",
                                source="assumption (a common bus catchment)", range=(300.0, 800.0))
    transfer_min: float = _f(3.0, ge=0, le=120, unit="min",
                             description="Shortest time between alighting and boarding at a transfer stop",
                             source="assumption", range=(1.0, 10.0))
    max_transfers: int = _f(1, setting=True, ge=0, le=1, unit="transfers",
                            description="Changes of bus allowed in one journey (0 or 1)")
    urban_headway_min: float = _f(30.0, gt=0, le=1440, unit="min",
                                  description="Headway of auto lines in core/suburb zones",
                                  source="JKST 2022: 33 buses/day in 시 over 06-23 h -> ~31 min")
    rural_headway_min: float = _f(170.0, gt=0, le=1440, unit="min",
                                  description="Headway of auto lines serving rural zones",
                                  source="JKST 2022: 6 buses/day in 군 over 06-23 h -> 170 min")
    stop_spacing_m: StopSpacing = _f(  # type: ignore[valid-type]
        factory=StopSpacing, unit="m", description="Distance between bus stops by zone",
        source="JKST 2022: 777 m in 시, 1,528 m in 군; core 500 m is an assumption")
    capacity: int = _f(45, ge=1, le=500, unit="passengers", description="Passengers per bus",
                       source="assumption (a city bus, seated and standing)", range=(30, 70))
    service_hours: HourPair = _f(factory=lambda: [6, 23], unit="h", setting=True,
                                 description="[first, last) departure hours: a lever of the operator",
                                 allowed=HOURS_ALLOWED)
    dwell_s: float = _f(20.0, ge=0, le=3600, unit="s", description="Dwell time per stop",
                        source="assumption", range=(10.0, 40.0))

    @model_validator(mode="after")
    def _check_lines(self) -> BusSection:
        if self.enabled and self.gtfs is None and self.lines == "auto" and self.n_lines == 0:
            raise KeyProblem("n_lines", "buses are enabled with auto lines but n_lines is 0; "
                                        "set n_lines >= 1 or enabled: false")
        return self


class RebalancingSection(Section):
    """Predictive rebalancing of idle DRT vehicles toward forecast demand."""

    enabled: bool = _f(True, setting=True, description="Whether idle vehicles rebalance")
    interval_min: float = _f(15.0, setting=True, gt=0, le=1440, unit="min",
                             description="Time between rebalancing rounds")
    window_min: float = _f(60.0, setting=True, gt=0, le=1440, unit="min",
                           description="Demand forecast window")
    cell_m: float = _f(1000.0, setting=True, gt=0, le=100_000, unit="m",
                       description="Side of the square grid cells over which demand is forecast and idle "
                                   "vehicles are spread")


#: Vans per 1,000 residents of the service area when neither ``vehicles`` nor ``vehicles_per_1000`` is
#: set: Sejong Shucle's 12-18 vans for 128k people (0.094-0.14), midpoint.
DEFAULT_VEHICLES_PER_1000 = 0.12
#: The ``zones`` entry for transit-poor places: homes with no bus stop within ``transit.bus.coverage_walk_m``.
TRANSIT_POOR = "transit_poor"
DrtZone = Literal["core", "suburb", "rural", "transit_poor"]
assert get_args(DrtZone)[:3] == ZONES


class DrtSection(Section):
    """AI-dispatched demand-responsive transit (AI city).

    The fleet is given either absolutely (``vehicles``) or per 1,000 real residents of the service
    area (``vehicles_per_1000``: residents x population.scale whose home DRT serves); with neither,
    :data:`DEFAULT_VEHICLES_PER_1000`.  The service area is the listed ``zones``, where
    ``transit_poor`` adds every place with no bus stop within ``transit.bus.coverage_walk_m`` (all
    places when buses are off): 여객자동차법 limits DRT to rural or transit-deficient areas.
    """

    enabled: bool = _f(False, setting=True, description="Whether DRT runs (AI city)")
    vehicles: int | None = _f(None, ge=0, le=100_000, unit="vehicles",
                              description="Absolute fleet size (real vans); null = sized by vehicles_per_1000. "
                                          "Set only one of vehicles and vehicles_per_1000",
                              source="Sejong Shucle: 12 vehicles on weekdays (later 18)")
    vehicles_per_1000: float | None = _f(
        None, gt=0, le=100, unit="vehicles per 1,000 people",
        description="Fleet per 1,000 real residents of the service area (agents whose home DRT serves x "
                    "population.scale), at least 1 van; null with vehicles null = "
                    f"{DEFAULT_VEHICLES_PER_1000}",
        source="Sejong Shucle: 12-18 vans for 128k people -> 0.094-0.14; the upper end (rural 똑버스-like "
               "zones, sparse demand) is an assumption",
        range=(0.094, 0.5))
    capacity: int = _f(11, ge=1, le=100, unit="seats", description="Seats per vehicle",
                       source="Sejong Shucle: 11-seat vans")
    service_hours: HourPair = _f(factory=lambda: [6, 24], unit="h", description="[open, close) service hours",
                                 source="Sejong Shucle: 06:00-24:00",
                                 allowed=HOURS_ALLOWED)
    max_wait_min: float = _f(15.0, gt=0, le=240, unit="min",
                             description="Longest wait a request may be given",
                             source="Sejong Shucle 'usually about 15 min'; 똑버스 12.3 min mean")
    max_ride_alpha: float = _f(1.5, ge=1, le=10, unit="factor",
                               description="Max ride = min(direct + max_detour_min, alpha*direct + beta)",
                               source="MATSim DRT: alpha 1.3-2.0")
    max_ride_beta_min: float = _f(10.0, ge=0, le=240, unit="min", description="beta of the max-ride rule",
                                  source="MATSim DRT: beta 400-900 s")
    max_detour_min: float = _f(30.0, ge=0, le=240, unit="min",
                               description="Absolute cap on the detour over the direct ride",
                               source="assumption", range=(15.0, 60.0))
    stop_s: float = _f(30.0, ge=0, le=600, unit="s", description="Boarding/alighting time per stop",
                       source="MATSim DRT: 10-60 s")
    mode: Literal["door_to_door", "virtual_stops"] = _f(
        "door_to_door", setting=True, description="Pick up at the door or at the nearest virtual stop")
    virtual_stop_spacing_m: float = _f(400.0, gt=0, le=10_000, unit="m",
                                       description="Spacing of virtual stops (mode virtual_stops)",
                                       source="assumption", range=(200.0, 800.0))
    virtual_stops_per_1000_people: float | None = _f(
        None, gt=0, le=1000, unit="stops per 1,000 people",
        description="When set, the number of virtual stops per 1,000 real people (residents x scale); "
                    "overrides virtual_stop_spacing_m",
        source="Sejong Shucle: ~300 virtual stops for 128k people -> 2.34")
    zones: list[DrtZone] = _f(factory=lambda: ["rural", TRANSIT_POOR], min_length=1,
                              description="Where DRT picks riders up: zones, and `transit_poor` = places with "
                                          "no bus stop within transit.bus.coverage_walk_m (every place when "
                                          "buses are off)",
                              allowed="a non-empty list of core, suburb, rural, transit_poor",
                              source="여객자동차법: DRT limited to rural or transit-deficient areas")
    batch_s: float = _f(0.0, setting=True, ge=0, le=3600, unit="s",
                        description="0 = insert each request immediately; > 0 = collect requests for "
                                    "this long")
    delay_weight: float = _f(1.0, setting=True, ge=0, le=100, unit="weight",
                             description="Insertion cost = added vehicle time + weight * added passenger "
                                         "delay")
    rebalancing: RebalancingSection = _f(factory=RebalancingSection,
                                         description="Rebalancing of idle vehicles")
    uptake: float = _f(0.18, ge=0, le=1, unit="share",
                       description="Share of residents who know and consider DRT at all (one draw per "
                                   "resident); lower it to calibrate ridership",
                       source="calibrated on Sejong Shucle (~530 rides/day for 128k people: 0.18 gives ~500 "
                              "simulated, scenarios/sejong_shucle.yaml, docs/validation.md); carrying it to "
                              "another city is an assumption",
                       range=(0.05, 1.0))
    booking_literacy_required: float = _f(0.0, ge=0, le=1, unit="literacy",
                                          description="Digital literacy needed to book a ride (app booking); "
                                                      "0 = anyone can book (phone booking)",
                                          source="assumption (phone booking)", range=(0.0, 0.65))

    fleet_by_hour: FleetShares | None = _f(
        None, setting=True, unit="share of vehicles",
        description="24 shares (0-1) of the fleet on duty in each clock hour (van k is on duty while k < "
                    "round(share x vehicles)); null = every van on duty all the time (requests are still "
                    "limited to service_hours). A van going off duty finishes its riders and takes no "
                    "insertion ending after its shift end; vehicle-hours count on-duty hours",
        allowed="24 numbers in [0, 1], or null",
        source="assumption (drivers' shifts; Shucle ran 12 vans on weekdays over 06-24 h)")
    break_after_h: float | None = _f(
        None, gt=0, le=24, unit="h",
        description="With fleet_by_hour: longest continuous duty before a break of break_min (first "
                    "breaks staggered over the fleet); null = no breaks",
        source="여객자동차 운수사업법 시행규칙 (2017-02-28): 15 min rest after 2 h of driving "
               "(seoul.co.kr 20170301010015)", range=(2.0, 4.0))
    break_min: float = _f(15.0, ge=0, le=240, unit="min", description="Length of a break (break_after_h)",
                          source="여객자동차 운수사업법 시행규칙 (2017): 15 min after 2 h, 30 min after 4 h",
                          range=(10.0, 30.0))
    drive_time_factor_by_hour: HourFactors = _f(
        factory=lambda: [1.0] * 24, unit="factor",
        description="24 multipliers of DRT drive times by clock hour of travel (1.3 = 30% slower than "
                    "the graph's times); all 1 = the graph's times",
        allowed="24 numbers in [0.2, 5]",
        source="assumption; Seoul 2014: 25.7 km/h daily mean, 21 km/h Fri 17-19 h, 24.9-26.8 km/h "
               "weekday 07-09 h (donga.com 20150424/428013)", range=(1.0, 1.5))

    @field_validator("zones")
    @classmethod
    def _check_zones(cls, zones: list[str]) -> list[str]:
        seen = set()
        for i, z in enumerate(zones):
            if z in seen:
                raise KeyProblem(str(i), f"zone '{z}' is listed twice")
            seen.add(z)
        return zones

    @model_validator(mode="after")
    def _check_fleet(self) -> DrtSection:
        if self.vehicles is not None and self.vehicles_per_1000 is not None:
            raise KeyProblem("vehicles_per_1000",
                             f"the fleet is given twice (vehicles {self.vehicles}, vehicles_per_1000 "
                             f"{num_text(self.vehicles_per_1000)}); set the other one to null")
        if self.enabled and self.vehicles == 0:
            raise KeyProblem("vehicles",
                             "DRT is enabled with 0 vehicles; set vehicles >= 1 or enabled: false")
        if self.break_after_h is not None and self.fleet_by_hour is None:
            raise KeyProblem("break_after_h", "breaks need a duty roster; set fleet_by_hour (24 shares) "
                                              "or break_after_h: null")
        return self

    @property
    def zone_names(self) -> list[str]:
        """The plain zones DRT serves (``zones`` without ``transit_poor``)."""
        return [z for z in self.zones if z != TRANSIT_POOR]

    @property
    def serves_transit_poor(self) -> bool:
        """Whether ``zones`` lists ``transit_poor``."""
        return TRANSIT_POOR in self.zones

    @property
    def per_1000(self) -> float | None:
        """Vans per 1,000 service-area residents (None when the fleet is absolute)."""
        if self.vehicles is not None:
            return None
        return DEFAULT_VEHICLES_PER_1000 if self.vehicles_per_1000 is None else float(self.vehicles_per_1000)

    def fleet_for(self, area_people: float) -> int:
        """The fleet for ``area_people`` people in the service area: ``vehicles``, else per 1,000 (at least 1)."""
        if self.vehicles is not None:
            return int(self.vehicles)
        return max(1, round(self.per_1000 * float(area_people) / 1000.0))


class TransitSection(Section):
    """Public transport: fixed-route buses and DRT."""

    bus: BusSection = _f(factory=BusSection, description="Fixed-route buses")
    drt: DrtSection = _f(factory=DrtSection, description="Demand-responsive transit")


