"""The equal-budget rule: the smart city spends the AI city's extra cost on its own levers.

The rule (``kaicity compare --equal-budget``):

1. **Budget.**  From the paired smart and AI runs, the AI city's budget is its mean total cost
   over the seeds, ``B = mean_s cost_AI(s)``, and the extra it spends
   ``extra = B - mean_s cost_smart(s)`` (``summary["kpis"]["cost"]["total"]``).  A budget is set in
   advance, so it is the expected cost, not each seed's.
2. **Levers.**  The smart city's levers are those of its cost components whose cost is known from
   the smart run and grows in proportion to the lever: ``bus`` (more runs: shorter headways; bus
   cost is vehicle-km and vehicle-hours, linear in runs) and, when the run's cost has such a
   component, ``facilities`` (more servers per facility: higher ``capacity_per_hour``).  Online
   services are not a lever: their cost follows demand, which is not known in advance.
3. **Split.**  ``extra`` is split in proportion to each lever's share of the smart city's cost, which
   scales every lever by the same factor ``f = 1 + extra / (sum of the levers' costs)``.  Runs and
   servers are whole numbers, so each is rounded *down*: a line with ``n`` runs a day gets
   ``floor(n f)`` runs (headway ``span / (n' - 0.5)``, which gives exactly ``n'`` departures in the
   service hours), a facility category with ``m`` servers gets ``floor(m f)`` servers.  The rule
   never plans to spend more than ``extra``.
4. **Check.**  After the run, the equal-budget smart city's mean cost must not exceed ``B`` by more
   than :data:`TOLERANCE` (0.5% of ``B``: runs cut short by the end of the horizon make the bus
   cost not exactly linear in runs).  If it does, ``f - 1`` is shrunk by the
   overshoot and the run repeated once (:func:`budget_check`, ``shrink``).

When the AI city costs no more than the smart city (``extra <= 0``) there is nothing to spend and
the equal-budget smart city is the smart city itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Most the equal-budget smart city's mean cost may exceed the AI city's, as a share of the latter.
TOLERANCE = 0.005
#: Cost components read as the facility lever (the first present is used).
FACILITY_KEYS = ("facilities", "facility")


@dataclass(frozen=True)
class BudgetPlan:
    """What the equal-budget rule gives the smart city.

    Attributes
    ----------
    budget
        The AI city's mean total cost (KRW), the budget to match.
    smart_cost
        The smart city's mean total cost (KRW).
    extra
        ``budget - smart_cost``: what the smart city may spend on its levers.
    lever_costs
        Mean smart-city cost of each lever used (KRW), by cost component.
    factor
        Scale ``f`` of every lever, after ``shrink`` (1 when there is nothing to spend).
    shrink
        Share of ``f - 1`` kept (1 on the first try; below 1 after an overshoot).
    overrides
        Scenario overrides that apply the levers (``{dotted key: value}``).
    notes
        One line per lever saying what changed.
    """

    budget: float
    smart_cost: float
    extra: float
    lever_costs: dict[str, float]
    factor: float
    shrink: float = 1.0
    overrides: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """Plain data for the report."""
        return {"budget": self.budget, "smart_cost": self.smart_cost, "extra": self.extra,
                "lever_costs": dict(self.lever_costs), "factor": self.factor, "shrink": self.shrink,
                "overrides": {k: v for k, v in self.overrides.items() if k != "transit.bus.lines"},
                "notes": list(self.notes), "tolerance": TOLERANCE}


def mean_cost(runs: Sequence[Mapping], component: str = "total") -> float:
    """Mean over seeds of ``summary["kpis"]["cost"][component]`` (a missing component counts 0)."""
    return float(np.mean([float((s["kpis"].get("cost") or {}).get(component) or 0.0) for s in runs]))


def _runs_a_day(span_min: float, headway_min: float) -> int:
    return max(1, math.ceil(span_min / headway_min - 1e-9))


def _headway_for(span_min: float, headway_min: float, factor: float) -> tuple[float, int, int]:
    """New headway giving ``floor(n * factor)`` departures a day instead of ``n``; (headway, n, n')."""
    n = _runs_a_day(span_min, headway_min)
    n_new = max(n, math.floor(n * factor + 1e-9))
    if n_new == n:
        return headway_min, n, n
    return min(1440.0, span_min / (n_new - 0.5)), n, n_new


def _bus_overrides(smart, factor: float) -> tuple[dict, list[str]]:
    bus = smart.transit.bus
    span = (float(bus.service_hours[1]) - float(bus.service_hours[0])) * 60.0
    if bus.lines == "auto":
        out, notes = {}, []
        for kind in ("urban", "rural"):
            old = float(getattr(bus, f"{kind}_headway_min"))
            new, n, n_new = _headway_for(span, old, factor)
            if n_new > n:
                out[f"transit.bus.{kind}_headway_min"] = new
            notes.append(f"{kind} bus headway {old:g} → {new:.1f} min ({n} → {n_new} runs a day per line)")
        return out, notes
    lines = [line.model_dump(mode="python") if hasattr(line, "model_dump") else dict(line) for line in bus.lines]
    runs = [0, 0]
    for line in lines:
        new, n, n_new = _headway_for(span, float(line["headway_min"]), factor)
        line["headway_min"] = new
        runs[0] += n
        runs[1] += n_new
    return {"transit.bus.lines": lines}, [f"bus runs a day over all lines {runs[0]} → {runs[1]}"]


def _facility_overrides(smart, factor: float) -> tuple[dict, list[str]]:
    from kaicity.services.queues import servers_for_capacity

    fac = smart.facilities
    out, servers = {}, [0, 0]
    for cat, cap in fac.capacity_per_hour.model_dump().items():
        if cap <= 0:
            continue  # a closed category stays closed
        minutes = float(getattr(fac.service_min, cat))
        m = servers_for_capacity(float(cap), minutes)
        m_new = max(m, math.floor(m * factor + 1e-9))
        servers[0] += m
        servers[1] += m_new
        if m_new > m:
            out[f"facilities.capacity_per_hour.{cat}"] = m_new * 60.0 / minutes
    return out, [f"facility servers over the categories {servers[0]} → {servers[1]} per facility"]


def plan_equal_budget(smart, smart_runs: Sequence[Mapping], ai_runs: Sequence[Mapping],
                      shrink: float = 1.0) -> BudgetPlan:
    """Apply the equal-budget rule (module docstring) to the paired smart and AI runs.

    Parameters
    ----------
    smart
        The smart city's :class:`~kaicity.scenario.Scenario`.
    smart_runs, ai_runs
        ``summary.json`` contents of the smart and the AI city, one per seed.
    shrink
        Share of the planned lever increase ``f - 1`` to keep (below 1 after an overshoot).

    Returns
    -------
    BudgetPlan
    """
    budget, smart_cost = mean_cost(ai_runs), mean_cost(smart_runs)
    extra = budget - smart_cost
    levers: dict[str, float] = {}
    if smart.transit.bus.enabled and mean_cost(smart_runs, "bus") > 0:
        levers["bus"] = mean_cost(smart_runs, "bus")
    fkey = next((k for k in FACILITY_KEYS if mean_cost(smart_runs, k) > 0), None)
    if fkey is not None:
        levers[fkey] = mean_cost(smart_runs, fkey)
    if extra <= 0 or not levers:
        return BudgetPlan(budget, smart_cost, extra, levers, 1.0, shrink)
    factor = 1.0 + shrink * extra / sum(levers.values())
    overrides, notes = {}, []
    if "bus" in levers:
        o, n = _bus_overrides(smart, factor)
        overrides.update(o)
        notes += n
    if fkey is not None:
        o, n = _facility_overrides(smart, factor)
        overrides.update(o)
        notes += n
    return BudgetPlan(budget, smart_cost, extra, levers, factor, shrink, overrides, tuple(notes))


def equal_budget_scenario(smart, plan: BudgetPlan):
    """The smart city with the plan's levers applied, named ``<smart>_equal_budget``."""
    return smart.with_overrides({**plan.overrides, "name": f"{smart.name}_equal_budget"})


def budget_check(plan: BudgetPlan, eq_runs: Sequence[Mapping]) -> tuple[bool, float]:
    """Whether the equal-budget runs keep to the budget, and the shrink for one more try.

    Returns
    -------
    (bool, float)
        ``ok``: the mean cost is at most ``budget * (1 + TOLERANCE)``; ``shrink``: the share of
        ``f - 1`` to keep on a second try (``plan.shrink`` when ok), so that the extra actually
        spent, scaled down, fits the extra allowed (with 1% to spare).
    """
    cost = mean_cost(eq_runs)
    if cost <= plan.budget * (1.0 + TOLERANCE):
        return True, plan.shrink
    spent = cost - plan.smart_cost
    return False, plan.shrink * max(0.0, 0.99 * plan.extra / spent) if spent > 0 else 0.0
