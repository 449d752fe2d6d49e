"""Street networks: load a city (synthetic, OSM file, GraphML, place or bbox) as CSR graphs.

Modules, one concern each: :mod:`~kaicity.network.spec` (:class:`CitySpec`, the one city-spec
parser), :mod:`~kaicity.network.loaders` (:func:`load_city`), :mod:`~kaicity.network.download`
(downloads and their cache), :mod:`~kaicity.network.osmxml` (reading and repairing OSM XML),
:mod:`~kaicity.network.tags` (OSM tag rules and speeds), :mod:`~kaicity.network.build` (OSMnx
graph -> City), :mod:`~kaicity.network.nxgraph` (node/edge tables, networkx output),
:mod:`~kaicity.network.graph` (CSR :class:`Graph`), :mod:`~kaicity.network.city` (:class:`City`),
:mod:`~kaicity.network.zones`, :mod:`~kaicity.network.snapping`,
:mod:`~kaicity.network.facilities` and :mod:`~kaicity.network.synthetic` (:func:`synthetic_city`).

The names below are imported on first use, so ``kaicity.network.spec`` (read by the scenario)
stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kaicity.network.city import FACILITY_COLUMNS, City
    from kaicity.network.graph import Graph
    from kaicity.network.loaders import load_city
    from kaicity.network.spec import CitySpec, parse_city_spec
    from kaicity.network.synthetic import synthetic_city

_HOMES = {
    "FACILITY_COLUMNS": "kaicity.network.city",
    "City": "kaicity.network.city",
    "CitySpec": "kaicity.network.spec",
    "Graph": "kaicity.network.graph",
    "load_city": "kaicity.network.loaders",
    "parse_city_spec": "kaicity.network.spec",
    "synthetic_city": "kaicity.network.synthetic",
}

__all__ = ["FACILITY_COLUMNS", "City", "CitySpec", "Graph", "load_city", "parse_city_spec", "synthetic_city"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kaicity.network' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
