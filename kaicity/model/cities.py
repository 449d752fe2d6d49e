"""The city a scenario runs on, built once per city spec and facility options and shared; its input files."""

from __future__ import annotations

import copy
from functools import lru_cache, partial
from pathlib import Path

from kaicity.network import load_city
from kaicity.network.city import City
from kaicity.network.spec import CitySpec
from kaicity.scenario import Scenario


def _stamp(path: str) -> tuple[str, float]:
    """A file and its modification time (a changed file is read again)."""
    p = Path(path)
    return str(p), p.stat().st_mtime if p.is_file() else -1.0


@lru_cache(maxsize=8)
def _cached_city(spec: CitySpec, facilities: str, counts: tuple | None, placement: str,
                 facilities_file: tuple | None = None) -> City:
    # the model routes on the CSR arrays only: its networkx graphs (which cost more memory than the rest
    # of the city) are built only if someone reads city.G_walk / G_drive
    options = {"facilities": facilities, "placement": placement,
               "facility_counts": dict(counts) if counts else None}
    city = load_city(spec, keep_networkx=False, **options)
    city.networkx_loader = partial(load_city, spec, keep_networkx=True, **options)
    if facilities_file is not None:
        from kaicity.network.facilities_file import add_facilities_file

        (path, _), mode, layer = facilities_file
        city = copy.copy(city)
        city.facilities, note = add_facilities_file(city, path, mode=mode, layer=layer)
        city.report = {**city.report, "facilities_file": note}
    return city


def city_for(scenario: Scenario) -> City:
    """The City a scenario runs on, shared by every scenario with the same city spec and facility options."""
    c = scenario.city
    explicit = c.explicit_facility_counts  # null categories take the builder's default
    counts = tuple(sorted(explicit.items())) if explicit else None
    ff = c.facilities_file
    file_key = (_stamp(ff.path), str(ff.mode), ff.layer) if ff is not None else None
    return _cached_city(c.spec(), str(c.facilities), counts, str(c.facility_placement), file_key)


@lru_cache(maxsize=8)
def _cached_cells(city: City, source: tuple, cell_m: float):
    from kaicity.network.population_file import population_cells

    (path, _), layer, total, elderly, child = source
    return population_cells(path, city.walk, total_column=total, elderly_column=elderly, child_column=child,
                            layer=layer, cell_m=cell_m)


def population_cells_for(scenario: Scenario, city: City):
    """The scenario's population layer on ``city``'s walk nodes, or None without ``population.source``."""
    src = scenario.population.source
    if src is None:
        return None
    key = (_stamp(src.path), src.layer, src.total_column, src.elderly_column, src.child_column)
    return _cached_cells(city, key, float(src.cell_m))


@lru_cache(maxsize=8)
def _cached_timetable(city: City, feed: tuple, service_date: str | None, max_stop_snap_m: float):
    from kaicity.network.gtfs import read_bus_timetable

    return read_bus_timetable(feed[0], city.drive, service_date=service_date, max_stop_snap_m=max_stop_snap_m)


def bus_timetable_for(scenario: Scenario, city: City):
    """The scenario's GTFS bus timetable on ``city``'s drive graph, or None without ``transit.bus.gtfs``."""
    g = scenario.transit.bus.gtfs
    if g is None:
        return None
    return _cached_timetable(city, _stamp(g.path), g.service_date, float(g.max_stop_snap_m))
