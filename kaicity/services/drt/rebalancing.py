"""Predictive rebalancing of idle DRT vehicles toward forecast demand.

Every ``interval_min``, idle vehicles are spread over square grid cells of ``cell_m`` in
proportion to forecast demand (moving average of recent requests per cell, blended with
the same time of day on previous days) by a minimum-travel-time assignment (MATSim's
demand-proportional target, alpha = 1, beta = 0).  With rebalancing off, idle vehicles
stay where they are.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linear_sum_assignment

from kaicity import routing
from kaicity.network.graph import Graph
from kaicity.services.drt.log import DRTLog
from kaicity.services.drt.schedule import RELOCATE, Schedule
from kaicity.services.drt.stops import grid_cells
from kaicity.services.drt.travel import TravelTimes
from kaicity.services.needs import DAY_S

if TYPE_CHECKING:
    from kaicity.scenario import RebalancingSection
    from kaicity.services.drt.vehicles import Van



class Rebalancer:
    """Demand history, forecast and rebalancing rounds.

    Parameters
    ----------
    graph
        The drive graph.
    served_drive
        Drive nodes in the served zones (they make the cells).
    cfg
        The ``transit.drt.rebalancing`` section.

    Attributes
    ----------
    node_cell : ndarray of int64
        Cell of each drive node (-1 outside the served zones).
    n_cells : int
        Number of cells.
    """

    def __init__(self, graph: Graph, served_drive: np.ndarray, cfg: RebalancingSection) -> None:
        self.graph = graph
        self.enabled = bool(cfg.enabled)
        self.interval_s = float(cfg.interval_min) * 60.0
        self.window_s = float(cfg.window_min) * 60.0
        self.cell_m = float(cfg.cell_m)
        self._build_cells(served_drive)
        self.demand = DemandHistory(self.n_cells, self.window_s)
        self._pick_count = np.zeros(graph.n_nodes, dtype=np.int64)
        self._next = 0.0

    def _build_cells(self, served: np.ndarray) -> None:
        g = self.graph
        cells = np.full(g.n_nodes, -1, dtype=np.int64)
        cells[served] = grid_cells(g.x[served], g.y[served], self.cell_m)
        self.node_cell = cells
        self.n_cells = int(cells.max()) + 1
        order = np.argsort(cells[served], kind="stable")
        self._cell_nodes = np.split(served[order], np.cumsum(np.bincount(cells[served], minlength=self.n_cells))[:-1])
        cx = np.bincount(cells[served], weights=g.x[served], minlength=self.n_cells)
        cy = np.bincount(cells[served], weights=g.y[served], minlength=self.n_cells)
        cnt = np.bincount(cells[served], minlength=self.n_cells)
        self._cell_centre = np.empty(self.n_cells, dtype=np.int32)
        for c in range(self.n_cells):
            nodes = self._cell_nodes[c]
            d2 = (g.x[nodes] - cx[c] / cnt[c]) ** 2 + (g.y[nodes] - cy[c] / cnt[c]) ** 2
            self._cell_centre[c] = nodes[int(np.argmin(d2))]

    def record_demand(self, pickup: int, time: float) -> None:
        """A request asked for a pickup at drive node ``pickup`` at ``time``."""
        cell = int(self.node_cell[pickup])
        if cell >= 0:
            self.demand.add(time, cell)
        self._pick_count[pickup] += 1

    def forecast(self, now: float) -> np.ndarray:
        """Expected requests per cell in the next ``window_min``.

        The count of the last window (moving average) blended half-and-half with the mean
        count of the same upcoming window on previous days, when there are any.
        """
        return self.demand.forecast(now)

    def cell_node(self, cell: int) -> int:
        """Where a vehicle waits in ``cell``: its most requested pickup node, else its centre node."""
        nodes = self._cell_nodes[cell]
        counts = self._pick_count[nodes]
        if counts.max() > 0:
            return int(nodes[int(np.argmax(counts))])
        return int(self._cell_centre[cell])

    def targets(self, forecast: np.ndarray, n_free: int) -> np.ndarray:
        """Vehicles wanted per cell: ``n_free`` spread in proportion to ``forecast`` (largest remainders)."""
        raw = forecast / forecast.sum() * n_free
        target = np.floor(raw).astype(np.int64)
        rest = n_free - int(target.sum())
        if rest > 0:
            target[np.argsort(-(raw - target), kind="stable")[:rest]] += 1
        return target

    def step(self, now: float, vans: list[Van], schedule: Schedule, travel: TravelTimes, log: DRTLog) -> None:
        """Rebalance at ``now`` when enabled and a round is due."""
        if self.enabled and now >= self._next:
            self._next = now + self.interval_s
            self.rebalance(now, vans, schedule, travel, log)

    def rebalance(self, now: float, vans: list[Van], schedule: Schedule, travel: TravelTimes, log: DRTLog) -> None:
        """Send idle vehicles toward cells of forecast demand (minimum total travel time)."""
        f = self.forecast(now)
        total = f.sum()
        if total <= 0:
            return
        idle = [van for van in vans if van.idle]
        moving = [van for van in vans if van.leg is not None and van.leg.purpose == RELOCATE
                  and schedule.n_stops[van.index] == 0]
        if not idle:
            return
        # position as many free vehicles as requests are expected in the window; the others stay
        n_free = min(len(idle) + len(moving), int(round(total)))
        if n_free <= 0:
            return
        target = self.targets(f, n_free)
        current = np.zeros(self.n_cells, dtype=np.int64)
        for van in moving:
            c = self.node_cell[int(van.leg.nodes[-1])]
            if c >= 0:
                current[c] += 1
        by_cell: dict[int, list[Van]] = {}
        for van in idle:
            c = int(self.node_cell[van.node])
            by_cell.setdefault(c, []).append(van)
            if c >= 0:
                current[c] += 1
        movers: list[Van] = list(by_cell.get(-1, []))
        for c, group in sorted(by_cell.items()):
            if c >= 0 and current[c] > target[c]:
                movers.extend(group[: int(current[c] - target[c])])
        need = np.maximum(target - current, 0)
        slots = np.repeat(np.arange(self.n_cells), need)
        if not movers or not len(slots):
            return
        slot_nodes = np.array([self.cell_node(int(c)) for c in slots], dtype=np.int32)
        origins = np.array([van.node for van in movers], dtype=np.int32)
        cost = self._costs(origins, slot_nodes, travel)
        rows, cols = linear_sum_assignment(cost)
        for r, c in zip(rows, cols, strict=True):
            if cost[r, c] >= 1e12:
                continue
            van = movers[r]
            if int(slot_nodes[c]) != van.node:
                van.head_to(int(slot_nodes[c]), now, RELOCATE)
                log.rebalancing_moves += 1

    def _costs(self, origins: np.ndarray, slot_nodes: np.ndarray, travel: TravelTimes) -> np.ndarray:
        """Drive times from each origin to each slot node (1e12 beyond the forecast window).

        Cached rows are reused; the rest is one search per distinct slot node (reverse) or
        per distinct vehicle position, whichever side has fewer entries (the same searches
        and times as one search per entry), on as many threads as pay
        (:func:`kaicity.routing.time_matrix` with ``threads=None``).
        """
        cost = np.empty((len(origins), len(slot_nodes)))
        reverse = True
        todo = []
        for c, node in enumerate(slot_nodes.tolist()):
            row = travel.rows.get((node, True))
            if row is not None:
                cost[:, c] = row[origins]
            else:
                todo.append(c)
        if todo:
            reverse = len(todo) <= len(origins)
            if reverse:   # one reverse search per distinct slot node
                nodes, inv = np.unique(slot_nodes[todo], return_inverse=True)
                times = routing.time_matrix(self.graph.transpose(), nodes, np.unique(origins),
                                            limit=self.window_s, threads=None)
                cost[:, todo] = times[inv][:, np.searchsorted(np.unique(origins), origins)].T
            else:         # one forward search per distinct vehicle position (cached rows first)
                cost[:, todo] = self._forward(origins, slot_nodes[todo], travel)
        return np.where(np.isfinite(cost), cost, 1e12)

    def _forward(self, origins: np.ndarray, targets: np.ndarray, travel: TravelTimes) -> np.ndarray:
        """Times from each origin to each target: cached forward rows, else searches."""
        nodes, inv = np.unique(origins, return_inverse=True)
        uniq_t, tinv = np.unique(targets, return_inverse=True)
        times = np.empty((len(nodes), len(uniq_t)))
        todo = []
        for r, node in enumerate(nodes.tolist()):
            row = travel.rows.get((node, False))
            if row is not None:
                times[r] = np.where(row[uniq_t] <= self.window_s, row[uniq_t], np.inf)
            else:
                todo.append(r)
        if todo:
            times[todo] = routing.time_matrix(self.graph, nodes[todo], uniq_t, limit=self.window_s, threads=None)
        return times[inv][:, tinv]


class DemandHistory:
    """Requests per rebalancing cell over time, with the forecast kept as running aggregates.

    :meth:`forecast` equals, value for value, the count of the last window plus the mean
    count of the same upcoming window on each previous day, computed from scratch.  Times
    are kept sorted (an out-of-order record is put in its place) so a window's count is
    two binary searches and a ``bincount`` of the requests in it.  For integer-valued
    times (whole seconds, as the model's ticks are) the previous days' sum is kept per
    time of day and extended by the days completed since its last use, so a forecast
    costs O(requests in the windows it adds), not O(history).

    Parameters
    ----------
    n_cells
        Number of cells.
    window_s
        Forecast window (s).
    """

    def __init__(self, n_cells: int, window_s: float) -> None:
        self.n_cells = int(n_cells)
        self.window_s = float(window_s)
        self._t = np.empty(1024)
        self._c = np.empty(1024, dtype=np.int64)
        self._n = 0
        # time of day -> (previous days summed, their counts per cell); valid while no record lands before _horizon
        self._memo: dict[float, tuple[int, np.ndarray]] = {}
        self._horizon = -math.inf

    def __len__(self) -> int:
        return self._n

    def add(self, time: float, cell: int) -> None:
        """Record a request in ``cell`` at ``time``.

        A record earlier than the last goes in its sorted place, after the records of the same
        time (where a stable sort would put it): it moves only the few later records, where
        re-sorting the whole history at the next count cost O(history) each time.
        """
        n = self._n
        if n == len(self._t):
            self._t = np.concatenate([self._t, np.empty(n)])
            self._c = np.concatenate([self._c, np.empty(n, dtype=np.int64)])
        if time < self._horizon:    # lands in a window already summed: start the sums again
            self._memo.clear()
            self._horizon = -math.inf
        k = n
        if n and time < self._t[n - 1]:
            k = int(np.searchsorted(self._t[:n], time, side="right"))
            self._t[k + 1:n + 1] = self._t[k:n]
            self._c[k + 1:n + 1] = self._c[k:n]
        self._t[k] = time
        self._c[k] = cell
        self._n = n + 1

    def count(self, start: float, end: float) -> np.ndarray:
        """Requests per cell with ``start <= time < end`` (int64)."""
        t = self._t[:self._n]
        lo, hi = np.searchsorted(t, [start, end], side="left")
        return np.bincount(self._c[lo:max(lo, hi)], minlength=self.n_cells)

    def forecast(self, now: float) -> np.ndarray:
        """Expected requests per cell in the ``window_s`` after ``now`` (see the class docstring)."""
        W = self.window_s
        recent = self.count(now - W, now).astype(float)
        days = int(now // DAY_S)
        if days == 0:
            return recent
        return 0.5 * recent + 0.5 * self._history(now, days) / days

    def _history(self, now: float, days: int) -> np.ndarray:
        """Sum over ``k = 1..days`` of the counts in ``[now - k * DAY_S, now - k * DAY_S + window_s)``."""
        W = self.window_s
        exact = float(now).is_integer() and float(W).is_integer() and abs(now) + W < 2.0**52
        if not exact:
            hist = np.zeros(self.n_cells)
            for k in range(1, days + 1):
                a = now - k * DAY_S
                hist += self.count(a, a + W)
            return hist
        phase = now - days * DAY_S        # exact: whole seconds
        done, sums = self._memo.get(phase, (0, None))
        if sums is None or done > days:
            done, sums = 0, np.zeros(self.n_cells, dtype=np.int64)
        else:
            sums = sums.copy()
        for j in range(done, days):       # day j's window starts at j * DAY_S + phase = now - (days - j) * DAY_S
            a = now - (days - j) * DAY_S
            sums += self.count(a, a + W)
            self._horizon = max(self._horizon, a + W)
        if done <= days:
            self._memo[phase] = (days, sums)
        return sums.astype(float)
