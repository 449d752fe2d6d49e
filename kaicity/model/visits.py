"""A visit to a place and the way home: arrival (queue and service), leaving, a ride home, home again.

Plain functions on the model, called by its event loop (:mod:`kaicity.model.core`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from kaicity.agents import AISupportCentre
from kaicity.model.constants import EXCLUDE_AI, EXCLUDE_CENTRE, FREE, RETURN
from kaicity.model.outcomes import count_met
from kaicity.services.channel import Channel
from kaicity.services.mode import Mode
from kaicity.services.records import MODE_CODE, MODE_NAMES
from kaicity.services.transit import TripRequest
from kaicity.services.visits import keep_waiting_for_ride

if TYPE_CHECKING:
    from kaicity.agents import Resident
    from kaicity.model.core import KaiCityModel


def turn_back(model: KaiCityModel, resident: Resident, need: int, time: float) -> None:
    """``resident``, turned away at ``time`` and unable to go on, goes home by the way that brought
    them (:func:`leave`); ``need`` is chosen for again once they are home."""
    model.defer(resident, need)
    leave(model, need, time)


def arrive(model: KaiCityModel, trip: int, time: float) -> None:
    """The traveller of ``trip`` reaches its place at ``time``: queue and service, or turned away
    (on to another place, or home to try again later)."""
    resident = model.residents[model.owner(trip)]
    place_index = int(model.log.place[trip])
    place = model.places[place_index]
    travel = model._trip_travel[trip]
    if not math.isfinite(travel):
        travel = time - model.log.t_depart[trip]
        model._trip_travel[trip] = travel
    admitted = place.admit(time, model.max_queue_s)
    model.visits.append((trip, place_index, time, admitted is not None))
    centre_need = isinstance(place, AISupportCentre) and not model.is_training(trip)
    if admitted is None and centre_need:
        # a full centre: the visitor goes on to a facility (or home, to choose again)
        resident.busy_until = math.inf
        model.excluded[trip] |= EXCLUDE_CENTRE
        model.centre_turned_away.append(trip)
        model.restart_trip(trip)
        resident.go_on(trip, time, place.node)
        return
    if admitted is None:
        model.log.t_arrive[trip] = time
        leave(model, trip, time)
        if model.is_training(trip):
            model.forgo(trip, "queue_full", time)
        else:  # turned away: home, and try again later
            model.retry_later(trip, time + model.retry_s, "queue_full", time)
        return
    start, end = admitted
    model.log.met(trip, time, start, end)
    if isinstance(place, AISupportCentre):
        training = model.is_training(trip)
        resident.literacy = place.teach(resident.literacy, training=training)
        model._used_today[resident.index] = True
        if training:
            model.training_visits[model.population.group[resident.index]] += 1
        elif not model.remote[Channel.AI_REMOTE].works(int(model.needs.category[trip]), start,
                                                       float(model.u_resolve[trip])):
            # the assisted AI session did not resolve the need: on to a facility after it
            model.ai_energy_wh += float(model.scenario.ai_services.energy_wh_per_use)
            resident.busy_until = math.inf
            model.excluded[trip] |= EXCLUDE_AI | EXCLUDE_CENTRE
            model.restart_trip(trip)
            model.log.outcome[trip] = 0
            resident.go_on(trip, end, place.node)
            return
        else:
            model.ai_energy_wh += float(model.scenario.ai_services.energy_wh_per_use)
            count_met(model, trip, Channel.SUPPORT_CENTRE.value, start - model.needs.time[trip])
    else:
        count_met(model, trip, MODE_NAMES[int(model.log.mode[trip])], start - model.needs.time[trip])
    leave(model, trip, end)


def leave(model: KaiCityModel, trip: int, time: float) -> None:
    """The visit of ``trip`` is over at ``time``: the way home by the mode that brought the resident.

    Walkers and drivers are home after the outbound travel time again; transit riders book a
    ride home (:func:`ride_home`).
    """
    mode = Mode(MODE_NAMES[int(model.log.mode[trip])])
    model.residents[model.owner(trip)].busy_until = math.inf
    if mode in (Mode.BUS, Mode.DRT):
        model._return_asked[trip] = time
        ride_home(model, trip, time)
    else:
        home(model, trip, time + float(model._trip_travel[trip]), mode)


def ride_home(model: KaiCityModel, trip: int, time: float) -> None:
    """Book the way home of a transit rider (a request like any other, competing for seats and vans).

    When every service rejects it, the resident asks again ``needs.retry_min`` later while
    waiting is still shorter than walking home; otherwise walks (or, when home is not walkable,
    gets a lift as long as the way out, counted as ``car``).
    """
    resident = model.residents[model.owner(trip)]
    p = model.population
    place = model.places[int(model.log.place[trip])]
    request = TripRequest(model.log.n + trip, resident.index, place.node, resident.home, time,
                          resident.walking_speed, resident.walking_speed * p.walk_tolerance_s[resident.index])
    quotes = [(svc.quote(request), svc) for svc in model.transit_services if resident.considers(svc.mode)]
    offers = sorted(((q.arrive_time, svc.mode, svc) for q, svc in quotes if q.accepted), key=lambda o: o[:2])
    rejected = sorted({q.reason for q, _ in quotes if not q.accepted and q.reason})
    for _, mode, svc in offers:
        booking = svc.book(request)
        if booking.accepted:
            model.log.ret_mode[trip] = MODE_CODE[Mode(mode)]
            return
        rejected.append(str(booking.reason))
    waited = time - float(model._return_asked[trip])
    walk = float(model._fallback_home_s[trip])
    mode = Mode.WALK if math.isfinite(walk) else Mode.CAR  # not walkable: a lift as long as the way out
    fallback = walk if mode is Mode.WALK else float(model._trip_travel[trip])
    if keep_waiting_for_ride(waited, model.retry_s, fallback):
        model._push(time + model.retry_s, RETURN, trip)
        return
    note = ("walked:" if mode is Mode.WALK else "lift:") + (",".join(sorted(set(rejected))) or "no_service")
    home(model, trip, time + fallback, mode, note)


def home(model: KaiCityModel, trip: int, t_home: float, mode: Mode, note: str = "") -> None:
    """The resident of ``trip`` is home at ``t_home``."""
    resident = model.residents[model.owner(trip)]
    model.log.went_home(trip, mode, t_home, note)
    resident.busy_until = t_home
    model._push(t_home, FREE, resident.index)
