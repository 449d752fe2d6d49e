"""Street networks: load a city (synthetic, OSM file, GraphML, place or bbox) as CSR graphs.

Modules, one concern each: :mod:`~kaicity.network.graph` (CSR :class:`Graph`),
:mod:`~kaicity.network.city` (:class:`City`), :mod:`~kaicity.network.build` (OSMnx graph ->
City), :mod:`~kaicity.network.zones`, :mod:`~kaicity.network.snapping`,
:mod:`~kaicity.network.facilities`, :mod:`~kaicity.network.loaders` (:func:`load_city`) and
:mod:`~kaicity.network.synthetic` (:func:`synthetic_city`).
"""

from __future__ import annotations

from kaicity.network.city import FACILITY_COLUMNS, City
from kaicity.network.graph import Graph
from kaicity.network.loaders import load_city
from kaicity.network.synthetic import synthetic_city

__all__ = ["FACILITY_COLUMNS", "City", "Graph", "load_city", "synthetic_city"]
