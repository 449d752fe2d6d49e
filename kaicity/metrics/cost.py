"""Cost of a run (KRW): every service both cities run, priced on real units, per met need, and AI carbon.

Components (each a sum of items, each item = a count of real units x a price of ``scenario.costs``;
the counts are :class:`~kaicity.metrics.cost_units.CostUnits`, reported beside the costs):

=================  =================================================================================
``facilities``     server-hours x ``facility_staff_per_server`` x ``facility_wage_per_hour`` (by category)
                   x (1 + ``facility_overhead_share``)
``bus``            vehicle-hours x ``bus_per_hour`` + vehicle-km x ``bus_per_km``
``drt``            vehicle-hours x ``drt_per_hour`` + vehicle-km x ``drt_per_km``
                   + vehicle-days x ``drt_platform_per_vehicle_day``
``support_centres`` staff-hours x ``staff_per_hour`` + centre-days x ``centre_rent_per_day``
``online``         sessions x ``online_per_use`` + resident-days x ``online_platform_per_resident_day``
``ai``             sessions x ``ai_per_use`` + resident-days x ``ai_platform_per_resident_day``
                   + sessions x ``ai_signoff_min`` / 60 x ``clinician_per_hour`` (by category)
                   + IT kWh x ``data_centre_pue`` x ``electricity_per_kwh``
=================  =================================================================================

``carbon_kg`` is the AI compute's carbon: IT kWh x PUE x ``grid_kg_co2e_per_kwh``.

Cost per met need: ``total / met needs``.  A group's cost per met need shares the total among the
groups by their share of the needs (the services stand ready for every need, whoever has it):
``total x group needs / all needs / group met needs``; a group that gets fewer of its needs met
pays more per need met.
"""

from __future__ import annotations

from kaicity.metrics._num import num
from kaicity.metrics.cost_units import CostUnits, cost_units

#: The components of ``summary.json``'s ``cost``, in report order.
COMPONENTS: tuple[str, ...] = ("facilities", "bus", "drt", "support_centres", "online", "ai")


def price_items(units: CostUnits, costs) -> dict[str, float]:
    """Each cost item (KRW) of a run: a count of real units times its price.

    Parameters
    ----------
    units
        The run's real units.
    costs
        The scenario's :class:`~kaicity.scenario.CostsSection`.
    """
    staff = sum(h * float(costs.facility_staff_per_server[c]) * float(costs.facility_wage_per_hour[c])
                for c, h in units.facility_server_hours.items())
    signoff = sum(n * float(costs.ai_signoff_min[c]) / 60.0 * float(costs.clinician_per_hour)
                  for c, n in units.ai_sessions.items())
    return {
        "facility_staff": staff,
        "facility_overhead": staff * float(costs.facility_overhead_share),
        "bus_hours": units.bus_vehicle_hours * float(costs.bus_per_hour),
        "bus_km": units.bus_vehicle_km * float(costs.bus_per_km),
        "drt_hours": units.drt_vehicle_hours * float(costs.drt_per_hour),
        "drt_km": units.drt_vehicle_km * float(costs.drt_per_km),
        "drt_platform": units.drt_vehicle_days * float(costs.drt_platform_per_vehicle_day),
        "centre_staff": units.centre_staff_hours * float(costs.staff_per_hour),
        "centre_rent": units.centre_days * float(costs.centre_rent_per_day),
        "online_sessions": units.online_sessions * float(costs.online_per_use),
        "online_platform": units.online_resident_days * float(costs.online_platform_per_resident_day),
        "ai_sessions": sum(units.ai_sessions.values()) * float(costs.ai_per_use),
        "ai_platform": units.ai_resident_days * float(costs.ai_platform_per_resident_day),
        "ai_signoff": signoff,
        "ai_energy": units.ai_energy_kwh * float(costs.data_centre_pue) * float(costs.electricity_per_kwh),
    }


#: Which items make up each component.
ITEMS: dict[str, tuple[str, ...]] = {
    "facilities": ("facility_staff", "facility_overhead"),
    "bus": ("bus_hours", "bus_km"),
    "drt": ("drt_hours", "drt_km", "drt_platform"),
    "support_centres": ("centre_staff", "centre_rent"),
    "online": ("online_sessions", "online_platform"),
    "ai": ("ai_sessions", "ai_platform", "ai_signoff", "ai_energy"),
}


def per_met_need(total: float, needs: dict) -> tuple[float | None, float | None]:
    """Cost per met need overall and for the elderly (the attribution of the module docstring).

    Parameters
    ----------
    total
        The run's total cost.
    needs
        :func:`kaicity.metrics.needs.need_sections` (``overall`` and ``by_group.elderly``: ``needs``, ``met``).
    """
    overall = needs["overall"]
    per = num(total / overall["met"]) if overall["met"] else None
    eld = needs["by_group"]["elderly"]
    if not overall["needs"] or not eld["met"]:
        return per, None
    return per, num(total * eld["needs"] / overall["needs"] / eld["met"])


def cost_from_units(units: CostUnits, costs, needs: dict) -> dict:
    """``summary.json``'s ``cost`` from a run's units, its prices and its needs (see the module docstring)."""
    items = price_items(units, costs)
    parts = {name: sum(items[i] for i in ITEMS[name]) for name in COMPONENTS}
    total = sum(parts.values())
    per, per_elderly = per_met_need(total, needs)
    return {
        "currency": "KRW",
        **parts,
        "total": total,
        "per_met_need": per,
        "per_met_need_elderly": per_elderly,
        "carbon_kg": units.ai_energy_kwh * float(costs.data_centre_pue) * float(costs.grid_kg_co2e_per_kwh),
        "items": items,
        "units": units.as_dict(),
    }


def cost_block(model, transit: dict, ai: dict, needs: dict) -> dict:
    """``summary.json``'s ``cost`` of a finished run.

    Parameters
    ----------
    model
        The finished model (see :func:`kaicity.metrics.cost_units.cost_units`).
    transit
        ``summary.json``'s ``transit``.
    ai
        :func:`kaicity.metrics.ai.ai_block`.
    needs
        :func:`kaicity.metrics.needs.need_sections`.
    """
    return cost_from_units(cost_units(model, transit, ai), model.scenario.costs, needs)
