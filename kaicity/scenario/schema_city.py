"""Scenario sections ``city`` (street network and facilities) and ``simulation`` (run length)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from kaicity.categories import CATEGORIES
from kaicity.network.spec import CitySpec, parse_city_spec
from kaicity.scenario.fields import KeyProblem, Section, keyed_map, num_text
from kaicity.scenario.fields import doc_field as _f

FacilityCounts = keyed_map(
    "FacilityCounts", "category", dict.fromkeys(CATEGORIES), int | None,
    "Number of synthetic facilities per category (null = the builder's default).", ge=0, le=100_000)


class FacilitiesFileSection(Section):
    """A facilities table or layer (see ``kaicity.network.facilities_file``)."""

    path: str = _f(..., setting=True, min_length=1,
                   description="CSV (category, name, lon, lat) or GeoPackage/GeoParquet/GeoJSON layer of "
                               "facilities, optional capacity_per_hour and opening_hours `HH-HH` "
                               "(relative to the YAML that sets it)",
                   allowed="a .csv, .gpkg, .parquet or .geojson/.json file")
    mode: Literal["add", "replace"] = _f(
        "add", setting=True,
        description="`add`: the file's facilities join the OSM and rule-placed ones; `replace`: for each "
                    "category in the file, they replace them")
    layer: str | None = _f(None, setting=True, description="Layer of a multi-layer GeoPackage (null: the first)")


class CitySection(Section):
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
    reporting_zones: str | None = _f(
        None, setting=True, min_length=1,
        description="Polygons to report KPIs by (e.g. 행정동 boundaries): a GeoPackage, GeoJSON or GeoParquet "
                    "file with a CRS (relative to the YAML that sets it); null = core / suburb / rural only",
        allowed="null or a polygon layer file path")
    reporting_zones_name: str | None = _f(
        None, setting=True, min_length=1,
        description="Column of `reporting_zones` holding the zone names (null = `name`, else `ADM_NM`)")
    facilities_file: FacilitiesFileSection | None = _f(
        None, setting=True, description="Facilities from your own table or layer (null: none)")

    @field_validator("source")
    @classmethod
    def _check_source(cls, value: str) -> str:
        if value == "synthetic":
            return value
        # the network's own parser: the same errors as `kaicity network SOURCE` (all ValueErrors)
        if parse_city_spec(value).kind == "synthetic":
            raise ValueError(f"'{value}': write `source: synthetic` and set `n_nodes` and `city_seed`")
        return value

    @model_validator(mode="after")
    def _check_facilities(self) -> CitySection:
        if self.source == "synthetic" and self.facilities == "osm":
            raise KeyProblem("facilities",
                             "a synthetic city has no OSM amenities; use `auto` or `synthetic`")
        return self

    @model_validator(mode="after")
    def _check_reporting_zones(self) -> CitySection:
        if self.reporting_zones is None and self.reporting_zones_name is not None:
            raise KeyProblem("reporting_zones_name", "set `reporting_zones` (the polygon file) too, or remove it")
        return self

    @property
    def is_synthetic(self) -> bool:
        """True for a generated city (``source: synthetic``)."""
        return self.source == "synthetic"

    def spec(self) -> CitySpec:
        """The street network this section names, as the network's :class:`~kaicity.network.spec.CitySpec`.

        ``synthetic`` takes ``n_nodes`` and ``city_seed``; any other source is read by
        :func:`~kaicity.network.spec.parse_city_spec` (a file, a place, an address or a bbox).
        """
        if self.is_synthetic:
            return CitySpec.synthetic(self.n_nodes, self.city_seed)
        return parse_city_spec(self.source)

    @property
    def explicit_facility_counts(self) -> dict[str, int] | None:
        """The categories whose synthetic facility count is set (others: the builder's default)."""
        if self.facility_counts is None:
            return None
        return {k: v for k, v in self.facility_counts.as_dict().items() if v is not None}


# --------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------
class SimulationSection(Section):
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
            raise ValueError(f"a tick of {num_text(value)} min does not divide a day (1440 min) evenly; "
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


