"""What happened to every need: channel, mode, times and outcome (the rows of ``trips.csv``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import IntEnum

import numpy as np

from kaicity.services.channel import Channel
from kaicity.services.columns import Column
from kaicity.services.mode import Mode

CHANNELS: tuple[Channel, ...] = tuple(Channel)
MODES: tuple[Mode, ...] = tuple(Mode)
CHANNEL_CODE = {c: i for i, c in enumerate(CHANNELS)}
MODE_CODE = {m: i for i, m in enumerate(MODES)}
#: Code in :attr:`NeedLog.channel` / :attr:`NeedLog.mode` -> the name written to ``trips.csv``.
CHANNEL_NAMES: dict[int, str] = {code: c.value for c, code in CHANNEL_CODE.items()}
MODE_NAMES: dict[int, str] = {code: m.value for m, code in MODE_CODE.items()}
#: How a met need was delivered: the mode for facility trips, else the channel.
DELIVERIES: tuple[str, ...] = ("walk", "car", "bus", "drt", "ai_remote", "online", "support_centre")


class Outcome(IntEnum):
    """Final state of a need."""

    PENDING = 0
    MET = 1
    FORGONE = 2


class NeedLog:
    """Per-need outcome arrays (index = need id), filled as the run goes.

    Times are simulation seconds (``nan`` when not reached).  ``reason`` holds the reason of
    forgone needs (one of :data:`kaicity.services.visits.FORGONE_REASONS`); ``retries`` counts
    the times a need was put off (closed place, rejected transit, full queue).  The ``ret_*``
    arrays describe the way home after the last visit: its mode, when the resident was home,
    the transit leg times and ``ret_note`` (e.g. ``"walked:capacity"`` when the ride home was
    rejected and the resident walked).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.outcome = np.zeros(n, dtype=np.int8)
        self.channel = np.full(n, -1, dtype=np.int8)
        self.mode = np.full(n, MODE_CODE[Mode.NONE], dtype=np.int8)
        self.place = np.full(n, -1, dtype=np.int32)
        nan = np.full(n, np.nan)
        self.t_depart = nan.copy()
        self.t_arrive = nan.copy()
        self.t_start = nan.copy()
        self.t_end = nan.copy()
        self.wait_s = nan.copy()
        self.in_vehicle_s = nan.copy()
        self.walk_s = nan.copy()
        self.travel_s = nan.copy()
        self.reason: dict[int, str] = {}
        self.retries = np.zeros(n, dtype=np.int32)
        self.ret_mode = np.full(n, MODE_CODE[Mode.NONE], dtype=np.int8)
        self.t_home = nan.copy()
        self.ret_wait_s = nan.copy()
        self.ret_in_vehicle_s = nan.copy()
        self.ret_walk_s = nan.copy()
        self.ret_note: dict[int, str] = {}

    def plan(self, i: int, channel: Channel, mode: Mode, place: int, depart: float) -> None:
        """A trip (or remote session) has been chosen for need ``i``."""
        self.channel[i] = CHANNEL_CODE[channel]
        self.mode[i] = MODE_CODE[mode]
        self.place[i] = place
        self.t_depart[i] = depart

    def met(self, i: int, arrive: float, start: float, end: float) -> None:
        """Need ``i`` is served from ``start`` to ``end`` after arriving at ``arrive``."""
        self.outcome[i] = Outcome.MET
        self.t_arrive[i] = arrive
        self.t_start[i] = start
        self.t_end[i] = end
        if np.isnan(self.travel_s[i]) and not np.isnan(self.t_depart[i]):
            self.travel_s[i] = arrive - self.t_depart[i]

    def forgone(self, i: int, reason: str, arrive: float = np.nan) -> None:
        """Need ``i`` is given up for ``reason``."""
        self.outcome[i] = Outcome.FORGONE
        self.t_arrive[i] = arrive
        self.reason[i] = reason

    def legs(self, i: int, wait_s: float, in_vehicle_s: float, walk_s: float) -> None:
        """Transit leg times of need ``i``."""
        self.wait_s[i] = wait_s
        self.in_vehicle_s[i] = in_vehicle_s
        self.walk_s[i] = walk_s
        self.travel_s[i] = wait_s + in_vehicle_s + walk_s

    def went_home(self, i: int, mode: Mode, t_home: float, note: str = "") -> None:
        """The resident of trip ``i`` is home at ``t_home`` after travelling by ``mode``."""
        self.ret_mode[i] = MODE_CODE[mode]
        self.t_home[i] = t_home
        if note:
            self.ret_note[i] = note

    def return_legs(self, i: int, wait_s: float, in_vehicle_s: float, walk_s: float) -> None:
        """Transit leg times of the way home of trip ``i``."""
        self.ret_wait_s[i] = wait_s
        self.ret_in_vehicle_s[i] = in_vehicle_s
        self.ret_walk_s[i] = walk_s

    def return_columns(self, n: int) -> dict[str, object]:
        """Columns of ``trips.csv`` about retries and the way home, for the first ``n`` trips."""
        return {
            "retries": self.retries[:n],
            "return_mode": np.array([MODE_NAMES[int(m)] for m in self.ret_mode[:n]], dtype=object),
            "t_home_min": self.t_home[:n] / 60.0,
            "return_wait_min": self.ret_wait_s[:n] / 60.0,
            "return_note": [self.ret_note.get(i, "") for i in range(n)],
        }


class VisitLog(Sequence):
    """Every arrival at a place, ``(trip, place index, arrival time, served)``, kept in four columns.

    Reads as the list of tuples it replaces (``len``, indexing, iteration) at 17 bytes a visit
    instead of ~150 as Python objects.
    """

    def __init__(self) -> None:
        self.trip = Column(np.int64)
        self.place = Column(np.int32)
        self.time = Column(np.float64)
        self.served = Column(np.bool_)

    def append(self, visit: tuple[int, int, float, bool]) -> None:
        """Record one arrival ``(trip, place, time, served)``."""
        trip, place, time, served = visit
        self.trip.append(trip)
        self.place.append(place)
        self.time.append(time)
        self.served.append(served)

    def __len__(self) -> int:
        return len(self.trip)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(zip(self.trip[index], self.place[index], self.time[index], self.served[index], strict=True))
        return self.trip[index], self.place[index], self.time[index], self.served[index]

    def __iter__(self) -> Iterator[tuple[int, int, float, bool]]:
        return zip(self.trip, self.place, self.time, self.served, strict=True)
