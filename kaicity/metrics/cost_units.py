"""The real units a run's costs are priced on: server-hours, vehicle-hours and -km, staff-hours, sessions.

Every count is of real things (people, vehicles, places), not agents, so a run at
``population.scale`` s > 1 reports what the real city runs:

- facilities and support centres are real places with their real servers or staff (the queues
  only slow each server down by the scale, :func:`kaicity.services.queues.scaled_pool`): their
  hours do not depend on the scale;
- bus runs follow the real timetable: their vehicle-hours and -km do not depend on the scale;
- the simulated DRT fleet is the real one divided by the scale: its vehicle-hours, -km and
  -days are multiplied by the scale;
- sessions (AI, online) and residents are agents: multiplied by the scale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kaicity.categories import CATEGORIES
from kaicity.services.channel import Channel


@dataclass(frozen=True)
class CostUnits:
    """Real units of one run that the prices of ``scenario.costs`` multiply (all >= 0).

    Attributes
    ----------
    facility_server_hours
        Server-hours of open facilities by category: facilities x real servers x opening hours x days.
    bus_vehicle_hours, bus_vehicle_km
        Bus runs' hours and km in service.
    drt_vehicle_hours, drt_vehicle_km, drt_vehicle_days
        The real DRT fleet's service hours, km and vehicle-days.
    centre_staff_hours, centre_days
        Support centres' staff x opening hours x days, and centres x days.
    online_sessions, online_resident_days
        Online sessions (failed ones too) and real residents x days while online services exist.
    ai_sessions, ai_resident_days
        AI sessions by category (at home and assisted at a centre, failed ones too) and real residents
        x days while AI services exist.
    ai_energy_kwh
        IT energy of the AI sessions (before the data centre's PUE).
    """

    facility_server_hours: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0.0))
    bus_vehicle_hours: float = 0.0
    bus_vehicle_km: float = 0.0
    drt_vehicle_hours: float = 0.0
    drt_vehicle_km: float = 0.0
    drt_vehicle_days: float = 0.0
    centre_staff_hours: float = 0.0
    centre_days: float = 0.0
    online_sessions: float = 0.0
    online_resident_days: float = 0.0
    ai_sessions: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0.0))
    ai_resident_days: float = 0.0
    ai_energy_kwh: float = 0.0

    def as_dict(self) -> dict:
        """The counts as plain data (``summary.json``'s ``cost.units``)."""
        return asdict(self)


def _hours(pair) -> float:
    return float(pair[1]) - float(pair[0])


def facility_server_hours(model) -> dict[str, float]:
    """Server-hours of open facilities per category: open facilities x real servers x opening hours x days.

    The real servers per facility are the ones the queues simulate (``model.simulated["facility_servers"]``,
    from :func:`kaicity.services.queues.servers_for_capacity`); a closed category (zero capacity) has none.
    """
    fac = model.scenario.facilities
    servers = model.simulated.get("facility_servers", {})
    open_by_cat = dict.fromkeys(CATEGORIES, 0)
    for place in model.places:
        if place.category in open_by_cat and place.is_open_for_service:
            open_by_cat[place.category] += 1
    return {cat: float(open_by_cat[cat] * int(servers.get(cat, {}).get("real", 0))
                       * _hours(fac.opening_hours[cat]) * model.days) for cat in CATEGORIES}


def cost_units(model, transit: dict, ai: dict) -> CostUnits:
    """Gather the real units of a finished run.

    Parameters
    ----------
    model
        Its ``scenario``, ``places``, ``support_centres``, ``simulated``, ``remote``, ``days`` and
        ``population`` (``n``, ``scale``).
    transit
        ``summary.json``'s ``transit`` (``bus`` and ``drt`` KPIs when present).
    ai
        :func:`kaicity.metrics.ai.ai_block` (its ``energy_kwh``, already in real people).
    """
    sc, scale, days = model.scenario, float(model.population.scale), int(model.days)
    resident_days = model.population.n * scale * days
    bus, drt = transit.get("bus", {}), transit.get("drt", {})
    centres = len(model.support_centres)
    ai_attempts = model.remote[Channel.AI_REMOTE].attempts
    return CostUnits(
        facility_server_hours=facility_server_hours(model),
        bus_vehicle_hours=float(bus.get("vehicle_hours", 0.0)),
        bus_vehicle_km=float(bus.get("vehicle_km", 0.0)),
        drt_vehicle_hours=float(drt.get("vehicle_hours", 0.0)) * scale,
        drt_vehicle_km=float(drt.get("vehicle_km", 0.0)) * scale,
        drt_vehicle_days=float(drt.get("vehicles", 0)) * scale * days,
        centre_staff_hours=centres * int(sc.support_centres.staff) * _hours(sc.support_centres.opening_hours) * days,
        centre_days=float(centres * days),
        online_sessions=float(model.remote[Channel.ONLINE].attempts.sum()) * scale,
        online_resident_days=resident_days if sc.online_services.enabled else 0.0,
        ai_sessions={c: float(ai_attempts[i]) * scale for i, c in enumerate(CATEGORIES)},
        ai_resident_days=resident_days if sc.ai_services.enabled else 0.0,
        ai_energy_kwh=float(ai.get("energy_kwh", 0.0)),
    )
