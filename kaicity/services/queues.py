"""Service queues with opening hours: a pool of identical servers, first come first served."""

from __future__ import annotations

import heapq
import math

DAY_S = 86_400.0


def next_open_time(t: float, open_hour: float, close_hour: float, start_hour: float) -> float:
    """Earliest time >= ``t`` (simulation seconds) at which a place with these hours is open.

    Parameters
    ----------
    t
        Simulation time (s); time 0 is clock hour ``start_hour``.
    open_hour, close_hour
        Opening hours ``[open, close)`` in clock hours (``close`` may be 24).
    start_hour
        Clock hour at simulation time 0.
    """
    if close_hour - open_hour >= 24:
        return t
    clock = (t + start_hour * 3600.0) % DAY_S
    o, c = open_hour * 3600.0, close_hour * 3600.0
    if o <= clock < c:
        return t
    wait = (o - clock) % DAY_S
    return t + wait


def servers_for_capacity(capacity_per_hour: float, service_min: float) -> int:
    """Concurrent servers needed to serve ``capacity_per_hour`` people taking ``service_min`` each.

    Zero capacity gives zero servers (a closed facility); any positive capacity at least one.
    """
    if capacity_per_hour <= 0:
        return 0
    return max(1, round(capacity_per_hour * service_min / 60.0))


class ServerPool:
    """``servers`` identical servers with opening hours; each customer takes ``service_s``.

    Customers are admitted in the order :meth:`admit` is called (the model calls it at
    arrival events, which are processed in time order).
    """

    def __init__(self, servers: int, service_s: float, open_hour: float, close_hour: float,
                 start_hour: float) -> None:
        self.servers = int(servers)
        self.service_s = float(service_s)
        self.open_hour = float(open_hour)
        self.close_hour = float(close_hour)
        self.start_hour = float(start_hour)
        self._free_at: list[float] = [0.0] * max(self.servers, 0)
        heapq.heapify(self._free_at)
        self.served = 0
        self.busy_s = 0.0

    @property
    def closed_for_good(self) -> bool:
        """True when the pool has no servers (zero capacity)."""
        return self.servers <= 0

    def is_open(self, t: float) -> bool:
        """Whether the place is open at time ``t`` (``[open, close)`` of the clock)."""
        return not self.closed_for_good and self.next_open(t) == t

    def next_open(self, t: float) -> float:
        """Earliest time >= ``t`` at which the place is open (``inf`` with no servers)."""
        if self.closed_for_good:
            return math.inf
        return next_open_time(t, self.open_hour, self.close_hour, self.start_hour)

    def predicted_start(self, arrival: float) -> float:
        """When a customer arriving at ``arrival`` would start service (``inf`` with no servers)."""
        if self.closed_for_good:
            return math.inf
        t = max(arrival, self._free_at[0])
        return next_open_time(t, self.open_hour, self.close_hour, self.start_hour)

    def admit(self, arrival: float) -> tuple[float, float]:
        """Admit a customer; returns ``(start, end)`` of their service."""
        start = self.predicted_start(arrival)
        if math.isinf(start):
            return start, start
        end = start + self.service_s
        heapq.heapreplace(self._free_at, end)
        self.served += 1
        self.busy_s += self.service_s
        return start, end

    def queue_length(self, now: float) -> int:
        """Servers busy beyond ``now`` (a proxy for how full the place is)."""
        return sum(1 for f in self._free_at if f > now)
