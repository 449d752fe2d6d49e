"""Service queues with opening hours: a pool of identical servers, first come first served.

With ``population.scale`` s > 1 one agent stands for s people, so a place must serve agents
at 1/s of its real rate.  :func:`scaled_pool` keeps the real number of servers where the
sample allows (``ceil(servers / s)`` simulated servers) and lengthens the time each agent
*occupies* a server so that the simulated service rate is exactly the real rate divided by
s; the agent's own visit still takes the real service time, and the wait it sees for a free
server is the pool's wait divided by the stretch (:attr:`ServerPool.dilation`), so waits are
real-time waits.  No place is rounded up to one full-rate server.
"""

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


def scaled_pool(servers: int, service_s: float, scale: float) -> tuple[int, float]:
    """Simulated servers and per-agent server occupancy (s) for ``servers`` real servers.

    Parameters
    ----------
    servers
        Real concurrent servers (0 = closed).
    service_s
        Real time per person (s).
    scale
        People per agent (``population.scale``).

    Returns
    -------
    (simulated_servers, occupancy_s)
        ``ceil(servers / scale)`` servers, each agent holding one for
        ``service_s * simulated_servers * scale / servers``, so that
        ``simulated_servers / occupancy_s == servers / (service_s * scale)`` (the real rate
        over the scale).  At scale 1: the real servers and the real service time.
    """
    if servers <= 0:
        return 0, float(service_s)
    if scale <= 1.0:
        return int(servers), float(service_s)
    k = math.ceil(servers / scale - 1e-9)
    return k, float(service_s) * k * scale / servers


class ServerPool:
    """``servers`` identical servers with opening hours; each customer takes ``service_s``.

    Customers are admitted in the order :meth:`admit` is called (the model calls it at
    arrival events, which are processed in time order).  ``occupancy_s`` (default
    ``service_s``) is how long a customer holds a server; it exceeds ``service_s`` when one
    agent stands for several people (see :func:`scaled_pool`).
    """

    def __init__(self, servers: int, service_s: float, open_hour: float, close_hour: float,
                 start_hour: float, occupancy_s: float | None = None) -> None:
        self.servers = int(servers)
        self.service_s = float(service_s)
        self.occupancy_s = float(service_s if occupancy_s is None else occupancy_s)
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

    @property
    def dilation(self) -> float:
        """How much longer an agent holds a server than a person (``occupancy_s / service_s``, >= 1)."""
        return max(self.occupancy_s / self.service_s, 1.0) if self.service_s > 0 else 1.0

    def predicted_start(self, arrival: float) -> float:
        """When a customer arriving at ``arrival`` would start service (``inf`` with no servers).

        The wait for a free server is divided by :attr:`dilation`: a scaled pool runs
        ``dilation`` times slower than the real place, so its queue waits are real waits
        stretched by that factor (a wait for the opening hour is not stretched).
        """
        if self.closed_for_good:
            return math.inf
        free = self._free_at[0]
        if free <= arrival:
            t = arrival
        else:
            t = free if self.dilation == 1.0 else arrival + (free - arrival) / self.dilation
        return next_open_time(t, self.open_hour, self.close_hour, self.start_hour)

    def admit(self, arrival: float) -> tuple[float, float]:
        """Admit a customer; returns ``(start, end)`` of their service."""
        start = self.predicted_start(arrival)
        if math.isinf(start):
            return start, start
        end = start + self.service_s
        held_from = next_open_time(max(arrival, self._free_at[0]), self.open_hour, self.close_hour,
                                   self.start_hour)
        heapq.heapreplace(self._free_at, held_from + self.occupancy_s)
        self.served += 1
        self.busy_s += self.occupancy_s
        return start, end

    def queue_length(self, now: float) -> int:
        """Servers busy beyond ``now`` (a proxy for how full the place is)."""
        return sum(1 for f in self._free_at if f > now)
