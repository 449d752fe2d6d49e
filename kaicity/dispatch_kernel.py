"""Typed wrapper of the DRT dispatch kernels in :mod:`kaicity._core._dispatch`.

The twin of :mod:`kaicity.routing` for the dispatcher: services call these functions and
:class:`DispatchSearcher` with a :class:`~kaicity.network.graph.Graph` and a schedule
(any object with the arrays of :class:`ScheduleArrays`), never ``_core`` directly.  The
kernels read arrays only and trust their shapes; the schedule keeps them C-contiguous
with the dtypes listed in :class:`ScheduleArrays`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from kaicity._core import _dispatch, _schedule
from kaicity.errors import SimulationError
from kaicity.network.graph import Graph
from kaicity.routing import Hierarchy
from kaicity.routing._prepared import bucket_plan

#: Result flags of :func:`best_insertion` and :func:`insertion_targets`.
FLAG_TIME_OK = 1     # some vehicle can start the pickup by the latest pickup
FLAG_CAP_OK = 2      # ... with a free seat
FLAG_FEASIBLE = 4    # ... and without breaking any deadline
#: Status bits of :func:`insert_ride` and :func:`retime` (with ``check``).
LATE = 1             # a stop starts (pickup) or arrives (drop-off) after its deadline
OVERLOAD = 2         # the load leaves [0, capacity]


#: Drive-time multipliers of a day without time-of-day speeds.
_ONES_24 = np.ones(24)


class ScheduleArrays(Protocol):
    """The per-vehicle schedule arrays the kernels read (``V`` vehicles, ``S`` stop slots).

    ``start_node`` (int32), ``start_time`` (float64), ``start_load`` (int32), ``available``
    (uint8), ``duty_end`` (float64: no insertion may end the schedule later), ``capacity``
    (int32), ``n_stops`` (int32) have shape ``(V,)``; ``stop_node``
    (int32), ``stop_kind`` (int8), ``stop_leg``, ``stop_arr``, ``stop_dep``,
    ``stop_earliest``, ``stop_latest``, ``stop_slack`` (float64) and ``stop_load`` (int32)
    have shape ``(V, S)``.  See :mod:`kaicity._core._dispatch` for their meaning.
    """

    start_node: np.ndarray
    start_time: np.ndarray
    start_load: np.ndarray
    available: np.ndarray
    duty_end: np.ndarray
    capacity: np.ndarray
    n_stops: np.ndarray
    stop_node: np.ndarray
    stop_kind: np.ndarray
    stop_leg: np.ndarray
    stop_arr: np.ndarray
    stop_dep: np.ndarray
    stop_earliest: np.ndarray
    stop_latest: np.ndarray
    stop_slack: np.ndarray
    stop_load: np.ndarray


class DispatchSearcher:
    """Reusable bounded and multi-target searches on one graph (and its reverse).

    Parameters
    ----------
    graph
        The drive graph (seconds).
    buckets
        Search on the exact bucket queue when the graph's edge costs allow it (the same
        times as the heap, ~1.3x faster on street graphs), else on the heap.
    hierarchy
        When given (a :class:`~kaicity.routing.Hierarchy` of ``graph``), every search is
        read off a PHAST full row instead of a Dijkstra search: the same times when the
        graph's costs sum exactly (:func:`~kaicity.routing.quantized`), and the same
        entries written, so the choice never changes a result, only its speed.
    """

    def __init__(self, graph: Graph, buckets: bool = True, hierarchy: Hierarchy | None = None) -> None:
        gt = graph.transpose()
        self._fwd = (graph.indptr, graph.indices, graph.weights)
        self._rev = (gt.indptr, gt.indices, gt.weights)
        self._searcher = _dispatch.Searcher(graph.n_nodes)
        if buckets:
            plan = bucket_plan(graph.weights)   # the reverse graph has the same edge costs
            self._searcher.use_buckets(plan["bucket_slots"], plan["inv_width"])
        self.n_nodes = graph.n_nodes
        self.hierarchy: Hierarchy | None = None
        #: Searches run and nodes they settled (reached, for bounded ones) with Dijkstra so far.
        self.searches = 0
        self.settled = 0
        if hierarchy is not None:
            self.use_hierarchy(hierarchy)

    def use_hierarchy(self, hierarchy: Hierarchy) -> None:
        """Read every later search off PHAST rows of ``hierarchy`` (a hierarchy of this graph)."""
        if hierarchy.n_nodes != self.n_nodes:
            raise SimulationError(f"hierarchy has {hierarchy.n_nodes} nodes, the graph {self.n_nodes}")
        self.hierarchy = hierarchy
        self._full = np.empty(self.n_nodes)
        self._node_limit = np.full(self.n_nodes, -np.inf)

    def full_row(self, source: int, reverse: bool) -> np.ndarray | None:
        """A new full row from (``reverse``: to) ``source`` read off the hierarchy, or None without one."""
        if self.hierarchy is None:
            return None
        return self.hierarchy.row(source, reverse)

    def bounded(self, source: int, limit: float, reverse: bool, out: np.ndarray, reached: np.ndarray) -> int:
        """Times from (``reverse``: to) ``source`` within ``limit``, written into ``out`` (``inf`` on entry).

        Returns the number of nodes written; they are listed in ``reached[:count]``.
        """
        if self.hierarchy is not None:
            self.hierarchy.row(source, reverse, self._full)
            return int(_dispatch.within_from_row(self._full, float(limit), out, reached))
        indptr, indices, weights = self._rev if reverse else self._fwd
        count = int(self._searcher.bounded(indptr, indices, weights, int(source), float(limit), out, reached))
        self.searches += 1
        self.settled += count
        return count

    def targeted(self, source: int, targets: np.ndarray, limits: np.ndarray, reverse: bool,
                 out: np.ndarray) -> None:
        """Times from (``reverse``: to) ``source`` to each target within its own limit, into ``out``."""
        if self.hierarchy is not None:
            self.targeted_into(source, targets, limits, reverse, out, np.full(len(self._full), np.inf))
            return
        indptr, indices, weights = self._rev if reverse else self._fwd
        self._searcher.targeted(indptr, indices, weights, int(source), targets, limits, out)

    def targeted_into(self, source: int, targets: np.ndarray, limits: np.ndarray, reverse: bool,
                      out: np.ndarray, row: np.ndarray) -> None:
        """:meth:`targeted`, then also ``row[targets] = out`` (``row`` has one entry per node)."""
        if self.hierarchy is not None:
            self.hierarchy.row(source, reverse, self._full)
            _dispatch.gather_within(self._full, targets, limits, self._node_limit, out, row)
            return
        indptr, indices, weights = self._rev if reverse else self._fwd
        self.settled += int(self._searcher.targeted_into(indptr, indices, weights, int(source), targets, limits,
                                                         out, row))
        self.searches += 1


def insertion_targets(s: ScheduleArrays, to_p: np.ndarray, ready: float, latest_pick: float, stop_s: float,
                      eps: float, succ: np.ndarray, succ_limit: np.ndarray, after: np.ndarray,
                      after_info: np.ndarray, low_factor: float = 1.0) -> tuple[int, int, int]:
    """Which travel times an insertion search needs, and how far each may be.

    ``low_factor`` (<= 1) is the smallest drive-time multiplier of any hour (``to_p`` holds
    free-flow times).  Fills ``succ``/``succ_limit`` and ``after``/``after_info`` (see
    :func:`kaicity._core._dispatch.insertion_targets`) and returns ``(n_succ, n_after, flags)``.
    """
    ns, na, flags = _dispatch.insertion_targets(
        s.start_node, s.start_time, s.start_load, s.available, s.capacity, s.n_stops, s.stop_node, s.stop_leg,
        s.stop_arr, s.stop_dep, s.stop_slack, s.stop_load, to_p, ready, latest_pick, stop_s, eps,
        min(float(low_factor), 1.0), succ, succ_limit, after, after_info)
    return int(ns), int(na), int(flags)


def drop_limits(after_info: np.ndarray, n: int, to_cap: float, from_floor: float, stop_s: float,
                low_factor: float, eps: float, to_limit: np.ndarray, from_limit: np.ndarray) -> None:
    """Search bounds to (``to_limit``) and from (``from_limit``) a drop-off for the stops of :func:`insertion_targets`.

    For the first ``n`` rows of ``after_info``: ``to_limit = min(to_cap - departure, cap) /
    low_factor + eps`` and ``from_limit = (arrival + slack - max(from_floor, departure before
    + stop_s)) / low_factor + eps`` (see :func:`kaicity._core._dispatch.drop_limits`).
    """
    _dispatch.drop_limits(after_info, int(n), float(to_cap), float(from_floor), float(stop_s), float(low_factor),
                          float(eps), to_limit, from_limit)


def fill_at(row: np.ndarray, nodes: np.ndarray, value: float) -> None:
    """``row[nodes] = value`` for a float64 row and int32 nodes (a loop in C; numpy's fancy
    assignment converts the indices first and was ~4x slower on reached sets of thousands)."""
    _dispatch.fill_at(row, np.ascontiguousarray(nodes, dtype=np.int32), float(value))


def best_insertion(s: ScheduleArrays, rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], p: int,
                   d: int, ready: float, latest_pick: float, latest_drop: float, max_ride: float, stop_s: float,
                   delay_weight: float, eps: float, out_f: np.ndarray, out_i: np.ndarray,
                   hour_factor: np.ndarray | None = None, start_hour: float = 0.0) -> int:
    """Cheapest feasible insertion of the request ``p -> d`` over every available vehicle.

    ``rows`` are the free-flow travel times ``(to_p, from_p, to_d, from_d)``; a new leg
    takes ``hour_factor`` (24 multipliers, default all 1) of the clock hour it starts in
    times its free-flow time (``start_hour``: clock hour at time 0).  Writes ``out_i =
    [vehicle, i, j, flags]`` (vehicle -1 when none) and ``out_f`` (length 8) ``= [cost,
    pickup start, pickup departure, drop-off arrival, leg to the pickup, leg from the
    pickup to the next stop, leg to the drop-off, leg from the drop-off to the next stop]``;
    returns the number of insertions evaluated.
    """
    to_p, from_p, to_d, from_d = rows
    if hour_factor is None:
        hour_factor = _ONES_24
    if len(out_f) < 8:
        raise ValueError(f"out_f needs 8 entries, got {len(out_f)}")
    return int(_dispatch.best_insertion(
        s.start_node, s.start_time, s.start_load, s.available, s.duty_end, s.capacity, s.n_stops, s.stop_node,
        s.stop_kind, s.stop_leg, s.stop_arr, s.stop_dep, s.stop_earliest, s.stop_latest, s.stop_load, to_p, from_p,
        to_d, from_d, int(p), int(d), ready, latest_pick, latest_drop, max_ride, stop_s, delay_weight, eps,
        np.ascontiguousarray(hour_factor, dtype=np.float64), float(start_hour), out_f, out_i))


def retime(s: ScheduleArrays, v: int, stop_s: float, check: bool = False) -> int:
    """Recompute vehicle ``v``'s planned arrival, departure, load and slack at each stop, in place.

    Returns 0, or with ``check`` the status bits :data:`LATE` and :data:`OVERLOAD`.
    """
    v = int(v)
    return int(_schedule.retime(
        v, float(s.start_time[v]), int(s.start_load[v]), int(s.capacity[v]), float(stop_s), int(s.n_stops[v]),
        s.stop_leg, s.stop_kind, s.stop_earliest, s.stop_latest, s.stop_arr, s.stop_dep, s.stop_load,
        s.stop_slack, bool(check)))


def insert_ride(s: ScheduleArrays, v: int, i: int, j: int, rid: int, nodes: tuple[int, int], earliest: float,
                latest: tuple[float, float], legs: tuple[float, float, float, float], direct_s: float,
                stop_s: float) -> int:
    """Put ride ``rid`` into vehicle ``v``'s stops (pickup at ``i``, drop-off after ``j``) and retime, in place.

    ``s`` also needs ``stop_ride`` (int64, ``(V, S)``) and ``n_stops[v] + 2`` slots.  See
    :meth:`kaicity.services.drt.schedule.Schedule.insert` for the arguments.  Returns the
    status of the checked :func:`retime`.
    """
    v = int(v)
    to_pick, after_pick, to_drop, after_drop = legs
    return int(_schedule.insert_ride(
        v, int(i), int(j), int(rid), int(nodes[0]), int(nodes[1]), float(earliest), float(latest[0]),
        float(latest[1]), float(to_pick), float(after_pick), float(to_drop), float(after_drop), float(direct_s),
        float(s.start_time[v]), int(s.start_load[v]), int(s.capacity[v]), float(stop_s), s.n_stops, s.stop_node,
        s.stop_kind, s.stop_leg, s.stop_arr, s.stop_dep, s.stop_earliest, s.stop_latest, s.stop_slack, s.stop_load,
        s.stop_ride))


def path_down(graph: Graph, to_target: np.ndarray, source: int, target: int, buf: np.ndarray) -> np.ndarray | None:
    """A shortest path ``source -> target`` read off the exact times ``to_target`` (a reverse row).

    Returns a copy of the path's nodes, or None when ``target`` cannot be reached that way.
    ``buf`` is a work array of ``graph.n_nodes`` int32.
    """
    k = _dispatch.path_down(graph.indptr, graph.indices, graph.weights, to_target, int(source), int(target), buf)
    return buf[:k].copy() if k > 0 else None


def path_profile(graph: Graph, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative seconds and metres along the path ``nodes`` (cheapest edge of each pair).

    Raises
    ------
    SimulationError
        When two consecutive nodes are not joined by an edge.
    """
    cum_t = np.empty(len(nodes))
    cum_m = np.empty(len(nodes))
    if _dispatch.path_profile(graph.indptr, graph.indices, graph.weights, graph.lengths, nodes, cum_t, cum_m) >= 0:
        raise SimulationError("DRT: a shortest path is not connected")
    return cum_t, cum_m
