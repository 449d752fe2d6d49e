"""The cost parts of the reports: the run's cost table and the comparison's cost per additional need met.

The numbers come from :mod:`kaicity.metrics.cost` (``summary.json``'s ``cost``) and
:mod:`kaicity.metrics.cost_gain`; this module only words and tabulates them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from kaicity.kpi_labels import COST_COMPONENTS, kpi_text
from kaicity.metrics.cost import COMPONENTS
from kaicity.metrics.cost_gain import CostGain, cost_gains
from kaicity.report.common import _fmt, kpi_row

#: Cost rows of the comparison table: (key, label, format) as in :data:`kaicity.report.comparison.HEADLINE`.
COST_HEADLINE = [kpi_row(k) for k in ("cost.total", "cost.per_met_need", "cost.per_met_need_elderly", "cost.carbon_kg")]

#: Plain names of the components (:data:`kaicity.kpi_labels.COST_COMPONENTS`) and the units each one is
#: counted in (``cost.units`` keys).
LABELS = COST_COMPONENTS
UNITS: dict[str, tuple[tuple[str, str], ...]] = {
    "facilities": (("facility_server_hours", "server-hours"),),
    "bus": (("bus_vehicle_hours", "vehicle-hours"), ("bus_vehicle_km", "vehicle-km")),
    "drt": (("drt_vehicle_hours", "vehicle-hours"), ("drt_vehicle_km", "vehicle-km"),
            ("drt_vehicle_days", "vehicle-days")),
    "support_centres": (("centre_staff_hours", "staff-hours"), ("centre_days", "centre-days")),
    "online": (("online_sessions", "sessions"), ("online_resident_days", "resident-days")),
    "ai": (("ai_sessions", "sessions"), ("ai_resident_days", "resident-days"), ("ai_energy_kwh", "IT kWh")),
}
#: Kinds of the ratio rows of ``comparison.csv``.
GAIN_KPIS = {"overall": "cost.per_additional_met_need", "elderly": "cost.per_additional_met_need_elderly"}
GAIN_METHOD = ("Cost per additional need met = mean paired difference in total cost / mean paired difference in "
               "needs met (people); the bracket is a delta-method 95% interval (Student t, n - 1 degrees of "
               "freedom). For the elderly the whole cost difference is set against the elderly's extra needs met "
               "alone, so it is an upper bound of what each extra elderly need costs. No ratio is given when the "
               "extra needs met are not above seed noise.")


def _count(units: Mapping, key: str) -> float:
    v = units.get(key, 0.0)
    return float(sum(v.values())) if isinstance(v, Mapping) else float(v or 0.0)


def run_cost_lines(cost: Mapping) -> list[str]:
    """``report.md``'s cost section: each component with its real units, the total, per met need and carbon."""
    units = cost.get("units", {})
    total = cost.get("total") or 0.0
    lines = ["## Cost (KRW, over the run)", "", "| component | cost | share | counted in |", "|---|---|---|---|"]
    for name in COMPONENTS:
        value = cost.get(name) or 0.0
        counted = "; ".join(f"{_fmt(_count(units, k))} {label}" for k, label in UNITS[name])
        share = _fmt(value / total, True) if total else "–"
        lines.append(f"| {LABELS[name]} | {_fmt(value)} | {share} | {counted} |")
    lines += [f"| **total** | **{_fmt(total)}** | | |", "",
              f"- per met need {_fmt(cost.get('per_met_need'))}; per met elderly need "
              f"{_fmt(cost.get('per_met_need_elderly'))} (the total shared among groups by their share of needs)",
              f"- AI compute carbon {_fmt(cost.get('carbon_kg'), digits=1)} kg CO2e", ""]
    return lines


def cost_explain_line(a: Mapping, b: Mapping) -> str | None:
    """One finding on cost (flattened ``kpis`` of baseline ``a`` and scenario ``b``): totals and what differs."""
    c0, c1 = a.get("cost.total"), b.get("cost.total")
    if c0 is None or c1 is None:
        return None
    parts = []
    for name in COMPONENTS:
        d = (b.get(f"cost.{name}") or 0.0) - (a.get(f"cost.{name}") or 0.0)
        if abs(d) >= 0.005 * max(abs(c0), 1.0):
            parts.append((abs(d), f"{LABELS[name]} {'+' if d > 0 else '-'}{_fmt(abs(d))}"))
    parts.sort(reverse=True)
    verdict = "costs more" if c1 > c0 else ("costs less" if c1 < c0 else "costs the same")
    change = f" ({_fmt(100 * (c1 - c0) / c0, digits=1)}%)" if c0 else ""
    return (f"- Cost: it {verdict}: {_fmt(c0)} → {_fmt(c1)} KRW per run{change}; per met need "
            f"{_fmt(a.get('cost.per_met_need'))} → {_fmt(b.get('cost.per_met_need'))} KRW"
            + (f" (by component: {', '.join(p for _, p in parts)})" if parts else "") + ".")


def _gain_cell(g: CostGain) -> str:
    if g.reason is not None:
        return "–"
    text = _fmt(g.ratio, digits=0)
    if math.isfinite(g.lo):
        text += f" ({_fmt(g.lo, digits=0)} to {_fmt(g.hi, digits=0)})"
    return text


def gain_table_rows(runs: Sequence[Sequence[Mapping]]) -> list[str]:
    """Rows of ``comparison.md``'s table: cost per additional need met, overall and elderly (baseline cell ``–``)."""
    gains = cost_gains(runs)
    if not gains:
        return []
    rows = []
    for group, key in GAIN_KPIS.items():
        cells = ["–"] + [_fmt(g[group].ratio, digits=0) if g[group].reason is None else "n/a"
                         for g in gains.values()]
        cells += [_gain_cell(g[group]) if g[group].reason is None else g[group].reason for g in gains.values()]
        rows.append(f"| {kpi_text(key)} | " + " | ".join(cells) + " |")
    return rows


def gain_text(runs: Sequence[Sequence[Mapping]]) -> list[str]:
    """``comparison.md``'s words on cost per additional need met, one line per scenario and group."""
    gains = cost_gains(runs)
    if not gains:
        return []
    base = runs[0][0]["scenario"]
    lines = [f"### Cost per additional need met (against {base})", ""]
    for name, by_group in gains.items():
        for group, g in by_group.items():
            need = "need" if group == "overall" else "elderly need"
            extra = f"{'+' if g.d_met >= 0 else ''}{_fmt(g.d_met, digits=0)} {need}s met for " \
                    f"{'+' if g.d_cost >= 0 else ''}{_fmt(g.d_cost, digits=0)} KRW"
            if g.reason is not None:
                who = "residents" if group == "overall" else "the elderly"
                lines.append(f"- {name} {g.reason} for {who} ({extra}), so a cost per additional {need} met is "
                             "not meaningful.")
            else:
                interval = f"95% interval {_fmt(g.lo, digits=0)} to {_fmt(g.hi, digits=0)}; " \
                    if math.isfinite(g.lo) else ""
                lines.append(f"- {name}: {_fmt(g.ratio, digits=0)} KRW per additional {need} met ({interval}{extra}).")
    lines += ["", GAIN_METHOD, ""]
    return lines


def gain_csv_rows(runs: Sequence[Sequence[Mapping]]) -> pd.DataFrame:
    """Rows of ``comparison.csv`` (columns of :data:`kaicity.paired.COLUMNS`): the ratio in ``mean`` and
    ``diff_mean``, its interval in ``diff_lo``/``diff_hi``, ``exceeds_noise`` whether the extra needs met
    exceed seed noise; ``NaN`` ratio when it is not meaningful."""
    rows = []
    for name, by_group in cost_gains(runs).items():
        for group, g in by_group.items():
            above = None if g.n < 2 else g.reason is None
            rows.append((GAIN_KPIS[group], name, g.ratio, g.ratio, g.lo, g.hi, above, g.n))
    frame = pd.DataFrame(rows, columns=["kpi", "scenario", "mean", "diff_mean", "diff_lo", "diff_hi",
                                        "exceeds_noise", "n_seeds"])
    frame["exceeds_noise"] = frame["exceeds_noise"].astype("boolean")
    return frame


__all__ = ["COST_HEADLINE", "GAIN_KPIS", "cost_explain_line", "gain_csv_rows", "gain_table_rows",
           "gain_text", "run_cost_lines"]
