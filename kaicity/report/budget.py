"""The equal-budget section of ``comparison.md``: the comparison as designed and at equal cost.

The smart city given the AI city's extra budget (:mod:`kaicity.decompose.budget`, run by
``kaicity compare --equal-budget``) is a third column; the AI city is compared with the smart city
as designed and with the equal-budget smart city, each with paired 95% intervals over the seeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from kaicity.kpi_labels import is_share, kpi_text
from kaicity.report.common import _fmt
from kaicity.report.decomposition import fmt_interval

#: File written next to comparison.md.
BUDGET_CSV = "equal_budget.csv"
#: KPIs of the equal-budget table: (key, label, percent), labels from :mod:`kaicity.kpi_labels`.
BUDGET_KPIS = tuple((key, kpi_text(key), is_share(key)) for key in (
    "overall.met_share", "by_group.elderly.met_share", "by_group.non_elderly.met_share", "by_zone.rural.met_share",
    "overall.time_to_service_min.mean", "by_group.elderly.time_to_service_min.mean",
    "access.by_group.elderly.effective_index", "transit.bus.boardings", "transit.bus.wait_mean_min", "cost.total",
    "cost.per_met_need"))


def budget_tables(runs: list[list[Mapping]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paired tables ``AI - smart`` (as designed) and ``AI - equal-budget smart``.

    ``runs[i]`` is ``[smart, ai, equal-budget smart]`` at seed ``i``.
    """
    from kaicity.paired import replicate_table

    designed = replicate_table([[r[0], r[1]] for r in runs])
    equal = replicate_table([[r[2], r[1]] for r in runs])
    return designed, equal


def _diff(table: pd.DataFrame, key: str, name: str, pct: bool) -> str:
    by = table.set_index(["kpi", "scenario"])
    if (key, name) not in by.index:
        return "–"
    r = by.loc[(key, name)]
    text = fmt_interval(r["diff_mean"], pct, r["diff_lo"], r["diff_hi"])
    return f"**{text}**" if not pd.isna(r["exceeds_noise"]) and bool(r["exceeds_noise"]) else text


def _mean(table: pd.DataFrame, key: str, name: str, pct: bool) -> str:
    by = table.set_index(["kpi", "scenario"])
    return _fmt(by.loc[(key, name), "mean"], pct) if (key, name) in by.index else "–"


def budget_line(budget: Mapping) -> str:
    """One sentence: the AI city's needs-met difference as designed and at equal cost."""
    runs = budget["runs"]
    smart, ai = runs[0][0]["scenario"], runs[0][1]["scenario"]
    designed, equal = budget_tables(runs)
    plan = budget["plan"]
    if plan["extra"] <= 0:
        return (f"Equal budget: {ai} costs no more than {smart} ({_fmt(plan['budget'])} vs "
                f"{_fmt(plan['smart_cost'])} KRW), so the comparison as designed is already at equal cost.")
    return (f"Equal budget: with {ai}'s extra {_fmt(plan['extra'])} KRW spent on its own levers "
            f"(×{plan['factor']:.3f}: {'; '.join(plan['notes']) or 'no lever'}), the equal-budget {smart} costs "
            f"{_fmt(_mean_cost(runs, 2))} KRW against {_fmt(plan['budget'])}; {ai} − {smart} in needs met is "
            f"{_diff(designed, 'overall.met_share', ai, True)} as designed and "
            f"{_diff(equal, 'overall.met_share', ai, True)} at equal cost (elderly "
            f"{_diff(designed, 'by_group.elderly.met_share', ai, True)} → "
            f"{_diff(equal, 'by_group.elderly.met_share', ai, True)}).")


def _mean_cost(runs: list[list[Mapping]], j: int) -> float:
    vals = [float((r[j]["kpis"].get("cost") or {}).get("total") or 0.0) for r in runs]
    return sum(vals) / len(vals)


def budget_section(budget: Mapping, out: str | Path) -> list[str]:
    """Write ``equal_budget.csv``; return the Markdown lines of the equal-budget section.

    Parameters
    ----------
    budget
        ``{"plan": BudgetPlan.as_dict(), "runs": [[smart, ai, equal-budget smart] per seed],
        "tries": runs of the equal-budget city (1 or 2), "ok": kept to the budget}``.
    out
        Folder to write into.
    """
    runs = budget["runs"]
    smart, ai, eq = (runs[0][j]["scenario"] for j in range(3))
    designed, equal = budget_tables(runs)
    pd.concat([designed.assign(comparison="as designed"), equal.assign(comparison="equal cost")],
              ignore_index=True).to_csv(Path(out) / BUDGET_CSV, index=False)
    plan = budget["plan"]
    lines = ["## At equal cost", "", budget_line(budget), "",
             f"The rule: {ai}'s budget is its mean total cost over the seeds; {smart} gets the difference to "
             "spend on its levers whose cost its own run shows and which scale in proportion (bus runs; "
             "facility servers when facilities carry a cost), split in proportion to their cost, which scales "
             "every lever by one factor; runs and servers are rounded down. After the run the equal-budget "
             f"city's mean cost must not exceed the budget by more than {100 * plan['tolerance']:.1f}%, else the "
             "increase is shrunk and run once more.", ""]
    lever_costs = ", ".join(f"{k} {_fmt(v)} KRW" for k, v in plan["lever_costs"].items()) or "none"
    lines += [f"Levers (cost in {smart}): {lever_costs}; tries: {budget['tries']}; "
              + ("within budget." if budget["ok"] else "**over budget even after shrinking**; read the equal-cost "
                 "column with that in mind."), ""]
    heads = [smart, ai, f"{eq} (equal cost)", f"{ai} − {smart} (as designed)", f"{ai} − {eq} (equal cost)"]
    lines += ["| KPI | " + " | ".join(heads) + " |", "|---|" + "---|" * len(heads)]
    for key, label, pct in BUDGET_KPIS:
        cells = [_mean(designed, key, smart, pct), _mean(designed, key, ai, pct), _mean(equal, key, eq, pct),
                 _diff(designed, key, ai, pct), _diff(equal, key, ai, pct)]
        if all(c == "–" for c in cells):
            continue
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines
