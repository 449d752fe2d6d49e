"""Exact shortest paths on kaicity street graphs (walk metres, drive seconds).

Thin, validating wrappers over the Cython kernels in :mod:`kaicity._core._dijkstra`,
in the style of :mod:`scipy.sparse.csgraph`: this package checks the inputs and allocates
the outputs; the kernels only read arrays.  Every function takes a
:class:`~kaicity.network.graph.Graph` (e.g. ``city.walk`` or ``city.drive``) and node
indices ``0..n-1`` of that graph.

Results are exact: a time is the float64 sum of edge costs along a shortest path, added
from the source outwards, which is what :func:`scipy.sparse.csgraph.dijkstra` and
networkx compute too (identical on every test network).  A node is within ``limit`` when
its time is ``<= limit``; nodes beyond it, or unreachable, get ``inf``.

``reverse=True`` searches the transposed graph, i.e. gives times *to* the source nodes
(on the directed drive graph: from which nodes can a vehicle reach this pickup, and how
fast).  On an undirected graph it changes nothing.

Many independent searches run in parallel OpenMP threads when the core was built with
OpenMP.  ``threads=None`` allows up to :func:`kaicity._core._info.max_threads` (which
:func:`kaicity._core._info.set_num_threads` changes) but stays on one thread for jobs
too small to gain from more (see :data:`MIN_PARALLEL_S`); ``threads=k`` uses exactly
``k``.  Results are identical for any number of threads.

Performance notes: each graph keeps, in its cache, its validated arrays and a pool of
per-thread work arrays (about 44 bytes per node and thread), so only the first call on a
graph costs O(n + m) extra; a bounded search then costs O(r log r) for the r nodes it
reaches.  Single-source searches on graphs whose edges all cost more than zero use an
exact monotone bucket queue instead of a heap (:data:`BUCKET_MAX_SLOTS`); searches from
several sources at once (:func:`nearest`) use the indexed 4-ary heap.  Graphs of
:data:`LAYOUT_MIN_NODES` nodes or more are searched on a copy
relabelled for memory locality (results use the graph's own indices).  For many origins
and few destinations, ``time_matrix(graph.transpose(), destinations, origins).T`` runs
fewer searches (same times up to the last bit: the costs are added in the other order).

Bad input raises :class:`~kaicity.errors.RoutingError`: negative or NaN edge costs, a
malformed CSR structure, node indices that are out of range or not integers, a negative
or NaN ``limit``, arrays of different lengths.

Example::

    from kaicity import routing
    from kaicity.network import load_city

    city = load_city("synthetic:n=5000,seed=1")
    metres = routing.shortest_times(city.walk, 0)                  # to every walk node
    walk15 = routing.bounded_times(city.walk, [0, 10, 20], 1200.0)  # 15 minutes of walking
    times, which = routing.nearest(city.walk, city.facilities["node"].to_numpy())
    pickup = int(city.walk_to_drive[42])
    reach = routing.bounded_times(city.drive, pickup, 600.0, reverse=True)  # <= 10 min away
    seconds = routing.time_matrix(city.drive, [1, 2, 3], [4, 5])
    path = routing.shortest_path(city.drive, 1, 5)

Layout (one job per module, all private; use the names exported here):

- ``_validation``: checks of a graph's CSR arrays, node indices and limits;
- ``_prepared``: a graph's arrays as the kernels read them (validated, relabelled when
  scattered, bucket plan), cached on the graph;
- ``_execution``: thread count, search order, per-thread work arrays pooled per graph;
- ``_searches`` (:func:`shortest_times`, :func:`bounded_times`), ``_nearest``
  (:func:`nearest`, :func:`nearest_many`), ``_matrix`` (:func:`time_matrix`), ``_paths``
  (:func:`shortest_path`, :func:`shortest_paths`), ``_results`` (:class:`SparseTimes`);
- ``_hierarchy``: :class:`Hierarchy` (a contraction hierarchy built once per graph, then
  full rows by PHAST sweeps, 3-10x cheaper than a full Dijkstra) and :func:`quantized`
  (edge costs on a 1/1024 grid, so every engine's sums agree to the last bit).

The settings :data:`MIN_PARALLEL_S`, :data:`LAYOUT_MIN_NODES`, :data:`LAYOUT_MAX_FAR`,
:data:`BUCKET_MAX_SLOTS`, :data:`BUCKET_MAX_MEDIAN_SPAN` and :data:`BUCKET_WIDTH_MARGIN`
can be read and set here (``kaicity.routing.MIN_PARALLEL_S = 0.0``): setting one sets it
in the module that reads it.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from kaicity.routing import _execution, _prepared
from kaicity.routing._hierarchy import Hierarchy, quantized
from kaicity.routing._matrix import time_matrix
from kaicity.routing._nearest import NO_SOURCE, nearest, nearest_many
from kaicity.routing._paths import shortest_path, shortest_paths
from kaicity.routing._results import SparseTimes
from kaicity.routing._searches import bounded_times, shortest_times

if TYPE_CHECKING:  # at run time: properties of _RoutingPackage
    from kaicity.routing._execution import MIN_PARALLEL_S as MIN_PARALLEL_S
    from kaicity.routing._prepared import BUCKET_MAX_MEDIAN_SPAN as BUCKET_MAX_MEDIAN_SPAN
    from kaicity.routing._prepared import BUCKET_MAX_SLOTS as BUCKET_MAX_SLOTS
    from kaicity.routing._prepared import BUCKET_WIDTH_MARGIN as BUCKET_WIDTH_MARGIN
    from kaicity.routing._prepared import LAYOUT_MAX_FAR as LAYOUT_MAX_FAR
    from kaicity.routing._prepared import LAYOUT_MIN_NODES as LAYOUT_MIN_NODES

__all__ = [
    "NO_SOURCE",
    "Hierarchy",
    "SparseTimes",
    "bounded_times",
    "nearest",
    "nearest_many",
    "quantized",
    "shortest_path",
    "shortest_paths",
    "shortest_times",
    "time_matrix",
]

def _setting(home: types.ModuleType, name: str, doc: str) -> property:
    """A setting of this package, read from and written to the module that uses it."""
    return property(lambda _: getattr(home, name), lambda _, value: setattr(home, name, value), doc=doc)


class _RoutingPackage(types.ModuleType):
    """The type of this package: its settings live in (and are set in) the modules that read them."""

    MIN_PARALLEL_S = _setting(_execution, "MIN_PARALLEL_S", "Least serial estimate (s) worth more threads.")
    LAYOUT_MIN_NODES = _setting(_prepared, "LAYOUT_MIN_NODES", "Least nodes of a graph worth relabelling.")
    LAYOUT_MAX_FAR = _setting(_prepared, "LAYOUT_MAX_FAR", "Share of far edges above which a graph is relabelled.")
    BUCKET_MAX_SLOTS = _setting(_prepared, "BUCKET_MAX_SLOTS", "Most slots of the bucket queue.")
    BUCKET_MAX_MEDIAN_SPAN = _setting(_prepared, "BUCKET_MAX_MEDIAN_SPAN", "Most buckets a median edge spans.")
    BUCKET_WIDTH_MARGIN = _setting(_prepared, "BUCKET_WIDTH_MARGIN", "Bucket width as a share of the shortest edge.")

    def __dir__(self) -> list[str]:
        settings = [k for k, v in vars(_RoutingPackage).items() if isinstance(v, property)]
        return sorted({*super().__dir__(), *settings})


sys.modules[__name__].__class__ = _RoutingPackage
