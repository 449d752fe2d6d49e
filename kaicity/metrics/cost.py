"""Cost of a run (KRW): buses, DRT, support-centre staff and AI services, per met need."""

from __future__ import annotations

from kaicity.metrics._num import num


def cost_block(model, transit: dict, ai: dict, met: float) -> dict:
    """``summary.json``'s ``cost``.

    Parameters
    ----------
    model
        Its ``scenario`` (``costs``, ``support_centres``), ``support_centres``, ``days`` and
        ``population.scale``.
    transit
        ``summary.json``'s ``transit`` (``bus`` and ``drt`` KPIs when present).
    ai
        :func:`kaicity.metrics.ai.ai_block`.
    met
        Met needs (people).
    """
    sc = model.scenario
    costs = sc.costs
    bus_cost = 0.0
    if "bus" in transit:
        bus_cost = transit["bus"]["vehicle_km"] * float(costs.bus_per_km) + \
            transit["bus"]["vehicle_hours"] * float(costs.bus_per_hour)
    drt_cost = 0.0
    if "drt" in transit:
        # with population.scale > 1 the simulated fleet is the real one divided by the scale
        drt_cost = (float(transit["drt"].get("vehicle_km", 0.0)) * float(costs.drt_per_km)
                    + float(transit["drt"].get("vehicle_hours", 0.0)) * float(costs.drt_per_hour)) \
            * model.population.scale
    hours = sc.support_centres.opening_hours
    staff_hours = len(model.support_centres) * int(sc.support_centres.staff) * \
        (float(hours[1]) - float(hours[0])) * model.days
    staff_cost = staff_hours * float(costs.staff_per_hour)
    ai_cost = ai["energy_kwh"] * float(costs.electricity_per_kwh) + ai["uses"] * float(costs.ai_per_use)
    total = bus_cost + drt_cost + staff_cost + ai_cost
    return {
        "currency": "KRW",
        "bus": bus_cost, "drt": drt_cost, "support_centre_staff": staff_cost, "ai_services": ai_cost,
        "support_centre_staff_hours": staff_hours,
        "total": total,
        "per_met_need": num(total / met) if met else None,
    }
