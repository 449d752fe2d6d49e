"""What becomes of a need: met remotely, put off, tried again on another channel, or forgone.

Plain functions on the model; :class:`~kaicity.model.KaiCityModel` exposes those the agents
call as methods of the same name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kaicity.model.constants import NEED
from kaicity.services.channel import Channel
from kaicity.services.mode import Mode
from kaicity.services.records import DELIVERIES
from kaicity.services.visits import FORGONE_REASONS, classify_mode_failure, departure_for_opening, expires

if TYPE_CHECKING:
    from kaicity.model.core import KaiCityModel


def retry_later(model: KaiCityModel, trip: int, time: float, reason: str, now: float) -> None:
    """Put ``trip`` off to ``time`` (the resident decides again then), or forgo it for ``reason``
    when that is after the need's expiry (``needs.expiry_h``)."""
    if expires(model.arisen(trip), time, model.expiry_s):
        model.forgo(trip, reason, now)
        return
    model.log.retries[trip] += 1
    model._push(time, NEED, trip)


def wait_for_opening(model: KaiCityModel, trip: int, now: float, arrival: float, place: int) -> None:
    """The trip would reach ``place`` at ``arrival`` while it is closed: set off later so as to
    arrive just after it opens (the resident waits at home meanwhile)."""
    opens = model.next_open(place, arrival)
    model.retry_later(trip, departure_for_opening(now, arrival, opens), "closed", now)


def fail(model: KaiCityModel, trip: int, raw_reason: str, now: float) -> None:
    """No channel could be tried: forgo at once for a lasting reason, else try again
    ``needs.retry_min`` later (:func:`~kaicity.services.visits.classify_mode_failure`)."""
    reason, retry = classify_mode_failure(raw_reason)
    if retry and not model.is_training(trip):
        model.retry_later(trip, now + model.retry_s, reason, now)
    else:
        model.forgo(trip, reason, now)


def forgo(model: KaiCityModel, trip: int, reason: str, now: float) -> None:
    """The need behind ``trip`` is given up (``reason`` from :data:`FORGONE_REASONS`)."""
    assert reason in FORGONE_REASONS, reason
    model.log.forgone(trip, reason)
    if not model.is_training(trip):
        model.forgone_by_group[model.population.group[model.owner(trip)]] += 1


def resolve_remotely(model: KaiCityModel, need: int, channel: Channel, now: float, end: float) -> None:
    """``need`` is resolved by the AI or online channel from home, the session ending at ``end``."""
    cat = int(model.needs.category[need])
    (model.ai_uses if channel is Channel.AI_REMOTE else model.online_uses)[cat] += 1
    wait = end - now
    model.log.plan(need, channel, Mode.NONE, -1, now)
    model.log.met(need, now, end, end)
    model.log.travel_s[need] = 0.0
    model.log.wait_s[need] = wait
    count_met(model, need, channel.value, end - model.needs.time[need])


def remote_session(model: KaiCityModel, need: int, channel: Channel, now: float) -> tuple[bool, float]:
    """Run a remote session for ``need`` (AI or online, from home) starting at the channel's next
    opening; returns whether it resolved the need and when it ended."""
    svc = model.remote[channel]
    cat = int(model.needs.category[need])
    start = svc.next_start(now)
    end = start + svc.session_s(cat)
    if channel is Channel.AI_REMOTE:
        model.ai_energy_wh += float(model.scenario.ai_services.energy_wh_per_use)
    model._used_today[model.owner(need)] = True
    return svc.works(cat, start, float(model.u_resolve[need])), end


def escalate(model: KaiCityModel, need: int, exclude: int, time: float) -> None:
    """``need`` failed on a channel: exclude it and let the resident choose again at ``time`` (from home)."""
    model.excluded[need] |= exclude
    model._push(time, NEED, need)


def restart_trip(model: KaiCityModel, trip: int) -> None:
    """Clear the times of a failed attempt of ``trip`` before the resident tries another place
    (the last leg's travel time stays: it times the way home if no other place is tried)."""
    for arr in (model.log.travel_s, model.log.wait_s, model.log.in_vehicle_s, model.log.walk_s,
                model.log.t_arrive, model.log.t_start, model.log.t_end):
        arr[trip] = np.nan


def count_met(model: KaiCityModel, need: int, delivery: str, tts: float) -> None:
    """Count ``need`` as met by ``delivery`` (a channel or mode name) after ``tts`` seconds."""
    g = model.population.group[model.owner(need)]
    model.met_by_delivery[DELIVERIES.index(delivery), g] += 1
    model.tts_sum_by_group[g] += tts
