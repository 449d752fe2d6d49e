"""Residents: who they are lives in the model's population arrays; what they do lives here.

A :class:`Resident` acts only when an event concerns it: a need arises, it reaches a
place, or it comes home.  Elderly residents are residents whose age group is
``"elderly"`` (slower, lower literacy, more healthcare and welfare needs).
"""

from __future__ import annotations

import math

import mesa

from kaicity.categories import GROUPS, ZONES
from kaicity.services.channel import Channel, choose_channel
from kaicity.services.mode import Mode, choose_mode
from kaicity.services.transit import TripRequest


class Resident(mesa.Agent):
    """One agent of the synthetic population (standing for ``model.population.scale`` people).

    Parameters
    ----------
    model
        The :class:`kaicity.model.KaiCityModel`.
    index
        Row of this resident in the model's population arrays.
    """

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    # ------------------------------------------------------------ state views
    @property
    def home(self) -> int:
        """Walk-graph node of the home."""
        return int(self.model.population.home[self.index])

    @property
    def zone(self) -> str:
        """Zone of the home."""
        return ZONES[self.model.population.zone[self.index]]

    @property
    def group(self) -> str:
        """Age group: child, adult or elderly."""
        return GROUPS[self.model.population.group[self.index]]

    @property
    def literacy(self) -> float:
        """Digital literacy in [0, 1]."""
        return float(self.model.population.literacy[self.index])

    @literacy.setter
    def literacy(self, value: float) -> None:
        self.model.population.literacy[self.index] = min(1.0, max(0.0, value))

    @property
    def walking_speed(self) -> float:
        """Walking speed (m/s)."""
        return float(self.model.population.speed[self.index])

    @property
    def has_car(self) -> bool:
        """Whether a car is available."""
        return bool(self.model.population.car[self.index])

    @property
    def busy_until(self) -> float:
        """Time until which the resident is away (``inf`` while the return time is unknown)."""
        return float(self.model.population.busy_until[self.index])

    @busy_until.setter
    def busy_until(self, value: float) -> None:
        self.model.population.busy_until[self.index] = value

    def considers(self, mode: str) -> bool:
        """Whether the resident would use a transit mode: DRT needs uptake and, for app booking, literacy."""
        if mode != "drt":
            return True
        cfg = self.model.scenario.transit.drt
        return (self.model.population.u_drt[self.index] < cfg.uptake
                and self.literacy >= cfg.booking_literacy_required)

    # -------------------------------------------------------------- behaviour
    def handle_need(self, need: int, now: float) -> None:
        """A need arises (or a deferred one comes due): choose a channel and act on it."""
        m = self.model
        if self.busy_until > now:
            m.defer(self, need)
            return
        cat = int(m.needs.category[need])
        channel = choose_channel(
            self.literacy, float(m.needs.u_serve[need]), float(m.needs.u_able[need]),
            m.ai_channels[cat], m.online_channels[cat], m.has_support_centres,
        )
        if channel in (Channel.AI_REMOTE, Channel.ONLINE):
            self.use_remote_service(need, channel, now)
            return
        if channel is Channel.SUPPORT_CENTRE and self.travel(need, m.centre_access, Channel.SUPPORT_CENTRE, now):
            return
        self.travel(need, m.facility_access[cat], Channel.FACILITY, now, final=True)

    def handle_training(self, trip: int, now: float) -> None:
        """A voluntary digital-training visit to the nearest AI support centre."""
        if self.busy_until > now:
            self.model.defer(self, trip)
            return
        self.travel(trip, self.model.centre_access, Channel.SUPPORT_CENTRE, now, final=True)

    def use_remote_service(self, need: int, channel: Channel, now: float) -> None:
        """Resolve a need remotely (AI or online) from home."""
        m = self.model
        m.population.last_remote_use[self.index] = now
        m.resolve_remotely(need, channel, now)

    def travel(self, trip: int, access, channel: Channel, now: float, final: bool = False) -> bool:
        """Choose a mode to the place ``access`` leads to and set off.

        Returns False when no mode fits (the need is then forgone if ``final``, otherwise
        the caller tries another channel).
        """
        m = self.model
        info = access.lookup(self.home)
        if info.walk_place < 0 and info.car_place < 0:
            if final:
                m.forgo(trip, "no_facility", now)
            return False
        p = m.population
        walk_node = info.walk_node
        walk_s = info.walk_m / self.walking_speed
        car_s = info.car_s if self.has_car else math.inf
        quotes = []
        if walk_s > p.walk_tolerance_s[self.index] and car_s > p.max_trip_s[self.index]:
            # buses may take the rider to ANY place of the kind: door-to-door time decides
            request = TripRequest(trip, self.index, self.home, walk_node, now, self.walking_speed,
                                  self.walking_speed * p.walk_tolerance_s[self.index], dest_access=access)
            quotes = [svc.quote(request) for svc in m.transit_services if self.considers(svc.mode)]
        choice = choose_mode(walk_s, car_s, quotes, p.walk_tolerance_s[self.index], p.max_trip_s[self.index])
        if choice.mode is Mode.NONE:
            if final:
                m.forgo(trip, choice.reason or "too_far", now)
            return False
        if choice.mode in (Mode.BUS, Mode.DRT):
            svc = m.transit_by_mode[choice.mode.value]
            booking = svc.book(request)  # transit is only chosen from quotes for this same request
            if not booking.accepted:
                if final:
                    m.forgo(trip, f"transit_rejected:{booking.reason}", now)
                return False
            place = booking.place if booking.place >= 0 else (
                info.walk_place if info.walk_place >= 0 else info.car_place)
            m.depart(self, trip, channel, choice.mode, place, now, travel_s=math.inf)
            return True
        place = info.car_place if choice.mode is Mode.CAR else info.walk_place
        m.depart(self, trip, channel, choice.mode, place, now, travel_s=choice.travel_s)
        return True
