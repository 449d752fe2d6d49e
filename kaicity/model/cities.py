"""The city a scenario runs on, built once per city spec and facility options and shared."""

from __future__ import annotations

from functools import lru_cache, partial

from kaicity.network import load_city
from kaicity.network.city import City
from kaicity.network.spec import CitySpec
from kaicity.scenario import Scenario


@lru_cache(maxsize=8)
def _cached_city(spec: CitySpec, facilities: str, counts: tuple | None, placement: str) -> City:
    # the model routes on the CSR arrays only: its networkx graphs (which cost more memory than the rest
    # of the city) are built only if someone reads city.G_walk / G_drive
    options = {"facilities": facilities, "placement": placement,
               "facility_counts": dict(counts) if counts else None}
    city = load_city(spec, keep_networkx=False, **options)
    city.networkx_loader = partial(load_city, spec, keep_networkx=True, **options)
    return city


def city_for(scenario: Scenario) -> City:
    """The City a scenario runs on, shared by every scenario with the same city spec and facility options."""
    c = scenario.city
    explicit = c.explicit_facility_counts  # null categories take the builder's default
    counts = tuple(sorted(explicit.items())) if explicit else None
    return _cached_city(c.spec(), str(c.facilities), counts, str(c.facility_placement))
