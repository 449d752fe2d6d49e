"""When each DRT van is on duty (shifts and breaks) and how fast the roads are by hour.

:class:`DutyRoster` turns the scenario's ``fleet_by_hour`` (24 shares of the fleet on duty
by clock hour) and break rule (``break_after_h``, ``break_min``) into on-duty intervals per
van, in simulation seconds.  Van ``k`` is on duty in an hour while ``k < round(share x
vehicles)``, so the first vans work the longest shifts and the last ones only the peaks.
Each continuous stretch of duty is cut into blocks of at most ``break_after_h`` separated by
breaks of ``break_min``; van ``k``'s first block is shortened by up to half a block
(``break_after_h x (1 - k / 2V)``) so that the fleet does not break all at once.

The roster sets, at any time, which vans take new requests (``Schedule.available``) and the
latest time each van's schedule may end (``Schedule.duty_end``): a van going off duty
finishes the riders it has and takes no insertion that would end after its shift or break
starts.  Without ``fleet_by_hour`` every van is on duty all the time (requests are still
limited to the service hours) and no end applies: the behaviour before rosters existed.

:class:`HourFactors` holds the 24 multipliers of drive times by clock hour
(``drive_time_factor_by_hour``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from kaicity.services.needs import DAY_S

if TYPE_CHECKING:
    from kaicity.scenario import DrtSection
    from kaicity.services.drt.schedule import Schedule

#: Off duty for longer than this (s), an idle van drives back to its depot; shorter, it waits where it is.
DEPOT_AFTER_S = 3600.0


class HourFactors:
    """Drive-time multipliers by clock hour (1.3 = 30% slower than the graph's free-flow times).

    Parameters
    ----------
    factors
        24 multipliers, hour 0 first (None: all 1).
    start_hour
        Clock hour at simulation time 0.
    """

    def __init__(self, factors: list[float] | np.ndarray | None, start_hour: float = 0.0) -> None:
        self.values = np.ones(24) if factors is None else np.ascontiguousarray(factors, dtype=np.float64)
        if self.values.shape != (24,) or not (self.values > 0).all():
            raise ValueError("drive-time factors must be 24 positive numbers")
        self.start_hour = float(start_hour)
        self.trivial = bool((self.values == 1.0).all())
        #: Smallest multiplier (at most 1): ``low x free-flow`` bounds every real drive from below.
        self.low = min(float(self.values.min()), 1.0)

    def at(self, t: float) -> float:
        """Multiplier of the clock hour at simulation time ``t`` (s)."""
        h = (t / 3600.0 + self.start_hour) % 24.0
        return float(self.values[min(int(h), 23)])


class DutyRoster:
    """On-duty intervals of every van of a DRT fleet.

    Parameters
    ----------
    n_vehicles
        Vans in the fleet.
    horizon_s
        Length of the run (s); intervals are built one day beyond it.
    start_hour
        Clock hour at time 0.
    fleet_by_hour
        24 shares of the fleet on duty by clock hour, or None (every van always on duty).
    break_after_h, break_min
        Longest continuous duty before a break (None: no breaks) and the break's length.

    Attributes
    ----------
    intervals : list of ndarray
        Per van, an ``(k, 2)`` array of ``[start, end)`` on-duty times (s), sorted; None
        when every van is always on duty.
    """

    def __init__(self, n_vehicles: int, horizon_s: float, start_hour: float = 0.0,
                 fleet_by_hour: list[float] | None = None, break_after_h: float | None = None,
                 break_min: float = 15.0) -> None:
        self.n_vehicles = int(n_vehicles)
        self.start_hour = float(start_hour)
        self.fleet_by_hour = None if fleet_by_hour is None else [float(x) for x in fleet_by_hour]
        self.intervals: list[np.ndarray] | None = None
        if self.fleet_by_hour is not None:
            self.intervals = [self._van_intervals(v, float(horizon_s) + DAY_S, break_after_h, break_min)
                              for v in range(self.n_vehicles)]

    @classmethod
    def from_config(cls, cfg: DrtSection, n_vehicles: int, horizon_s: float, start_hour: float = 0.0
                    ) -> DutyRoster:
        """The roster of the ``transit.drt`` section ``cfg`` for a fleet of ``n_vehicles``."""
        return cls(n_vehicles, horizon_s, start_hour, cfg.fleet_by_hour, cfg.break_after_h, cfg.break_min)

    @property
    def always(self) -> bool:
        """True when every van is on duty all the time (no roster)."""
        return self.intervals is None

    def on_duty_count(self, hour: int) -> int:
        """Vans on duty in clock hour ``hour`` by the roster, before breaks."""
        if self.fleet_by_hour is None:
            return self.n_vehicles
        return int(math.floor(self.fleet_by_hour[int(hour) % 24] * self.n_vehicles + 0.5))

    # ------------------------------------------------------------ construction
    def _van_intervals(self, v: int, until: float, break_after_h: float | None, break_min: float) -> np.ndarray:
        """On-duty ``[start, end)`` intervals of van ``v`` between time 0 and ``until``."""
        shifts: list[list[float]] = []
        k = math.floor(self.start_hour)
        while True:
            a = (k - self.start_hour) * 3600.0
            if a >= until:
                break
            if v < self.on_duty_count(k % 24):
                b = a + 3600.0
                a = max(a, 0.0)
                if shifts and shifts[-1][1] >= a:
                    shifts[-1][1] = b
                elif b > a:
                    shifts.append([a, b])
            k += 1
        if break_after_h is None or break_min <= 0:
            return np.asarray(shifts, dtype=float).reshape(-1, 2)
        block, pause = float(break_after_h) * 3600.0, float(break_min) * 60.0
        first = block * (1.0 - 0.5 * v / max(self.n_vehicles, 1))
        out = []
        for a, b in shifts:
            t, length = a, first
            while t < b:
                end = min(t + length, b)
                out.append((t, end))
                t, length = end + pause, block
        return np.asarray(out, dtype=float).reshape(-1, 2)

    # ------------------------------------------------------------------- state
    def duty_end(self, v: int, t: float) -> float:
        """End of van ``v``'s duty interval holding ``t`` (``inf`` without a roster, NaN off duty)."""
        if self.intervals is None:
            return math.inf
        iv = self.intervals[v]
        k = int(np.searchsorted(iv[:, 0], t, side="right")) - 1
        if k >= 0 and t < iv[k, 1]:
            return float(iv[k, 1])
        return math.nan

    def next_start(self, v: int, t: float) -> float:
        """Start of van ``v``'s next duty interval after ``t`` (``inf`` when none)."""
        if self.intervals is None:
            return t
        iv = self.intervals[v]
        k = int(np.searchsorted(iv[:, 0], t, side="right"))
        return float(iv[k, 0]) if k < len(iv) else math.inf

    def update(self, schedule: Schedule, t: float) -> None:
        """Set which vans take requests at time ``t`` and the latest end of each one's schedule."""
        if self.intervals is None:
            return
        for v in range(self.n_vehicles):
            end = self.duty_end(v, t)
            on = not math.isnan(end)
            schedule.available[v] = 1 if on else 0
            schedule.duty_end[v] = end if on else t

    def on_duty_seconds(self, until: float) -> float | None:
        """Vehicle-seconds on duty between time 0 and ``until`` (None without a roster)."""
        if self.intervals is None:
            return None
        total = 0.0
        for iv in self.intervals:
            if len(iv):
                total += float(np.clip(np.minimum(iv[:, 1], until) - iv[:, 0], 0.0, None).sum())
        return total
