"""Residents: who they are lives in the model's population arrays; what they do lives here.

A :class:`Resident` acts only when an event concerns it: a need arises, it reaches a
place, or it comes home.  Elderly residents are residents whose age group is
``"elderly"`` (slower, lower literacy, more healthcare and welfare needs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kaicity.agents.base import KaicityAgent
from kaicity.categories import GROUPS, ZONES
from kaicity.services.access import AccessInfo
from kaicity.services.channel import Channel, Option, rank_channels
from kaicity.services.mode import Mode, ModeChoice, choose_mode
from kaicity.services.queues import next_open_time
from kaicity.services.transit import TripRequest

#: Bits of the model's ``excluded`` array (mirrors kaicity.model: AI, online, support centre).
_EX_AI, _EX_ONLINE, _EX_CENTRE = 1, 2, 4


@dataclass(frozen=True)
class TripPlan:
    """Where a trip would go from ``origin`` and how (``choice.mode`` is NONE when out of reach).

    ``quoted`` is False for a plan made without asking transit services (then ``request`` is
    set when transit would be considered, and the trip is quoted and booked only when tried).
    """

    info: AccessInfo
    choice: ModeChoice
    request: TripRequest | None
    quoted: bool = True

    @property
    def place(self) -> int:
        """The place the chosen mode leads to (-1 when none)."""
        if self.choice.mode is Mode.CAR:
            return self.info.car_place
        return self.info.walk_place if self.info.walk_place >= 0 else self.info.car_place


class Resident(KaicityAgent):
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
        """A need arises (or a deferred or escalated one comes due): choose a channel and act on it."""
        if self.busy_until > now:
            self.model.defer(self, need)
            return
        self.seek_service(need, now, self.home)

    def seek_service(self, need: int, now: float, origin: int) -> bool:
        """Compare the channels open from ``origin`` and try them best first (see
        :func:`kaicity.services.channel.rank_channels`).

        Remote channels are open only from home.  Nobody travels to a closed place: from home a
        trip that would arrive while its place is closed waits for the opening (counted as tried);
        from elsewhere it is not made.  Returns False when none could be tried (from home the need
        is then forgone with the facility trip's reason, or tried again later when the obstacle
        may pass, :meth:`~kaicity.model.KaiCityModel.fail`).
        """
        m = self.model
        cat = int(m.needs.category[need])
        excluded = int(m.excluded[need])
        options: list[Option] = []
        plans: dict[Channel, TripPlan] = {}
        if origin == self.home:
            for channel, bit in ((Channel.AI_REMOTE, _EX_AI), (Channel.ONLINE, _EX_ONLINE)):
                if not excluded & bit and self._remote_open(need, channel, cat, alone=True):
                    svc = m.remote[channel]
                    options.append(Option(channel, svc.next_start(now) - now + svc.session_s(cat),
                                          svc.success(cat)))
        if (m.has_support_centres and not excluded & (_EX_AI | _EX_CENTRE)
                and self._remote_open(need, Channel.AI_REMOTE, cat, alone=False)):
            plans[Channel.SUPPORT_CENTRE] = plan = self.plan_trip(need, m.centre_access, now, origin, quote=False)
            options.append(Option(Channel.SUPPORT_CENTRE, self._expected_visit_s(plan, now),
                                  m.remote[Channel.AI_REMOTE].success(cat)))
        plans[Channel.FACILITY] = plan = self.plan_trip(need, m.facility_access[cat], now, origin, quote=False)
        options.append(Option(Channel.FACILITY, self._expected_visit_s(plan, now), 1.0))
        reason = plan.choice.reason or "no_facility"
        for option in rank_channels(options):
            if option.channel in (Channel.AI_REMOTE, Channel.ONLINE):
                self.use_remote_service(need, option.channel, now)
                return True
            plan = plans[option.channel]
            at_home = origin == self.home
            if at_home and self.wait_if_closed_beyond_reach(need, plan, now):
                return True
            if not plan.quoted:  # transit is asked only for the trip actually tried
                access = m.centre_access if option.channel is Channel.SUPPORT_CENTRE else m.facility_access[cat]
                plan = self.plan_trip(need, access, now, origin)
            failure = self.go(need, plan, option.channel, now, at_home=at_home)
            if failure is None:
                return True
            if option.channel is Channel.FACILITY:
                reason = failure
        if origin == self.home:
            m.fail(need, reason, now)  # forgone for a lasting reason, else tried again later
        return False

    def go_on(self, need: int, now: float, origin: int) -> None:
        """After a failed visit at ``origin`` (a full centre, or an unresolved assisted session): go on
        to an open facility from there, or else go home by the way that brought the resident
        (:meth:`~kaicity.model.KaiCityModel.turn_back`) and choose again once home."""
        if self.seek_service(need, now, origin):
            return
        self.model.turn_back(self, need, now)

    def _remote_open(self, need: int, channel: Channel, cat: int, alone: bool) -> bool:
        """The channel takes this need on, the resident is willing and (``alone``) able to use it."""
        m = self.model
        svc = m.remote[channel]
        group = int(m.population.group[self.index])
        if not svc.takes_on(cat, group, float(m.needs.u_serve[need]), float(m.traits.u_accept[self.index, cat])):
            return False
        return not alone or svc.able(cat, self.literacy, float(m.traits.u_able[self.index]))

    def _expected_visit_s(self, plan: TripPlan, now: float) -> float:
        """Expected time until a visit resolves the need: travel, wait for opening, service.

        A trip that would need public transport (not yet quoted) is estimated at the drive time
        to the place (with the car-access allowance), or the long walk when it fits and is shorter.
        """
        travel = plan.choice.travel_s if plan.choice.mode is not Mode.NONE else math.inf
        place = plan.place
        if not plan.quoted and plan.request is not None and self.model.transit_services:
            if plan.info.car_s < travel:
                travel, place = plan.info.car_s, plan.info.car_place
        if not math.isfinite(travel) or place < 0:
            return math.inf
        queue = self.model.places[place].queue
        arrive = now + travel
        start = next_open_time(arrive, queue.open_hour, queue.close_hour, queue.start_hour)
        return start - now + queue.service_s

    def handle_training(self, trip: int, now: float) -> None:
        """A voluntary digital-training visit to the nearest AI support centre."""
        if self.busy_until > now:
            self.model.defer(self, trip)
            return
        self.travel(trip, self.model.centre_access, Channel.SUPPORT_CENTRE, now, final=True)

    def use_remote_service(self, need: int, channel: Channel, now: float) -> None:
        """Use a remote channel (AI or online) from home; on failure the need escalates when the
        session ends (the session's time counts in its time to service)."""
        m = self.model
        m.population.last_remote_use[self.index] = now
        ok, end = m.remote_session(need, channel, now)
        if ok:
            m.resolve_remotely(need, channel, now, end)
        else:
            m.escalate(need, _EX_AI if channel is Channel.AI_REMOTE else _EX_ONLINE, end)

    def plan_trip(self, trip: int, access, now: float, origin: int | None = None, quote: bool = True) -> TripPlan:
        """The mode the resident would take from ``origin`` (default home) to the place ``access`` leads to.

        Transit is quoted (not booked) when ``quote``; otherwise the plan is made without transit
        (``quoted`` False) so that choosing a channel asks no transit service for offers."""
        m = self.model
        origin = self.home if origin is None else int(origin)
        info = access.lookup(origin)
        if info.walk_place < 0 and info.car_place < 0:
            return TripPlan(info, ModeChoice(Mode.NONE, math.inf, None, "no_facility"), None)
        p = m.population
        walk_s = info.walk_m / self.walking_speed
        car_s = info.car_s if self.has_car else math.inf
        quotes, request = [], None
        if walk_s > p.walk_tolerance_s[self.index] and car_s > p.max_trip_s[self.index]:
            # transit may take the rider to ANY place of the kind: door-to-door time decides
            request = TripRequest(trip, self.index, origin, info.walk_node, now, self.walking_speed,
                                  self.walking_speed * p.walk_tolerance_s[self.index], dest_access=access)
            if quote:
                quotes = [svc.quote(request) for svc in m.transit_services if self.considers(svc.mode)]
        choice = choose_mode(walk_s, car_s, quotes, p.walk_tolerance_s[self.index], p.max_trip_s[self.index])
        return TripPlan(info, choice, request, quoted=quote or request is None)

    def wait_if_closed_beyond_reach(self, trip: int, plan: TripPlan, now: float) -> bool:
        """When the nearest place of ``plan`` stays closed for longer than any trip the resident would
        make, wait at home for its opening (:meth:`~kaicity.model.KaiCityModel.wait_for_opening`)
        without asking transit for offers; returns whether the trip was put off."""
        info = plan.info
        nearest = info.walk_place if info.walk_place >= 0 else info.car_place
        if nearest < 0 or (plan.quoted and plan.choice.mode is Mode.NONE):  # out of reach for good
            return False
        m = self.model
        limit = float(m.population.max_trip_s[self.index])
        if m.next_open(nearest, now) - now <= limit:
            return False
        m.wait_for_opening(trip, now, now + limit, nearest)
        return True

    def go(self, trip: int, plan: TripPlan, channel: Channel, now: float, at_home: bool = True) -> str | None:
        """Set off as planned; returns None, or why not (no mode fits, transit rejected the booking,
        the place would be closed on arrival).

        Nobody travels to a closed place: the arrival of a walk or drive is known, that of a
        transit ride lies between the offer without waiting and its promised latest arrival (both
        must be open).  From home (``at_home``) such a trip is put off so as to arrive at the next
        opening (:meth:`~kaicity.model.KaiCityModel.wait_for_opening`) and counts as made;
        elsewhere it is not made (``"closed"``).
        """
        m = self.model
        mode = plan.choice.mode
        if mode is Mode.NONE:
            return plan.choice.reason or "too_far"
        place = plan.place
        if mode in (Mode.BUS, Mode.DRT):
            offer = plan.choice.booking
            if offer.place >= 0:  # transit may lead to another place of the kind than the nearest on foot
                place = offer.place
            arrivals = (now + offer.walk_s + offer.in_vehicle_s, offer.arrive_time)
        else:
            arrivals = (now + plan.choice.travel_s,)
        for arrival in arrivals:
            if m.next_open(place, arrival) > arrival:
                if not at_home:
                    return "closed"
                m.wait_for_opening(trip, now, arrival, place)
                return None
        # walking home from the place, if a ride home is rejected (the last leg's walk)
        walk_home_s = plan.info.walk_m / self.walking_speed if plan.info.walk_place >= 0 else math.inf
        if mode in (Mode.BUS, Mode.DRT):
            booking = m.transit_by_mode[mode.value].book(plan.request)
            if not booking.accepted:
                return f"transit_rejected:{booking.reason}"
            if booking.place >= 0:
                place = booking.place
            m.depart(self, trip, channel, mode, place, now, travel_s=math.inf, fallback_home_s=walk_home_s)
            return None
        m.depart(self, trip, channel, mode, place, now, travel_s=plan.choice.travel_s, fallback_home_s=walk_home_s)
        return None

    def travel(self, trip: int, access, channel: Channel, now: float, final: bool = False) -> bool:
        """Choose a mode to the place ``access`` leads to and set off (or wait at home for it to open).

        Returns False when no mode fits (if ``final`` the model then forgoes the trip or tries it
        again later, :meth:`~kaicity.model.KaiCityModel.fail`).
        """
        plan = self.plan_trip(trip, access, now, quote=False)
        if self.wait_if_closed_beyond_reach(trip, plan, now):
            return True
        if not plan.quoted:
            plan = self.plan_trip(trip, access, now)
        failure = self.go(trip, plan, channel, now)
        if failure is None:
            return True
        if final:
            self.model.fail(trip, failure, now)
        return False
