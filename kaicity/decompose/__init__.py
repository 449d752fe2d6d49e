"""The AI city's gain taken apart, and the smart city at the AI city's budget (``kaicity compare``).

- :mod:`kaicity.decompose.factorial`: the 2^k factorial design over the components the AI city adds
  to the smart city (DRT, AI remote services, support centres), and the split of each KPI's
  difference into main effects and their interaction (and a Shapley split), with paired intervals.
- :mod:`kaicity.decompose.budget`: the equal-budget rule that gives the smart city the AI city's
  extra cost to spend on its own levers.

Both are pure: scenarios and ``summary.json`` contents in, scenarios and tables out.  The
``compare`` command runs the variants with :func:`kaicity.replicates.run_replicates`; the reports
(:mod:`kaicity.report.decomposition`, :mod:`kaicity.report.budget`) format the tables.
"""

from __future__ import annotations

from kaicity.decompose.budget import BudgetPlan, budget_check, equal_budget_scenario, plan_equal_budget
from kaicity.decompose.factorial import (
    DECOMPOSED_KPIS,
    FACTORS,
    Variant,
    decomposition_table,
    factorial_variants,
    split_effects,
)

__all__ = ["DECOMPOSED_KPIS", "FACTORS", "BudgetPlan", "Variant", "budget_check", "decomposition_table",
           "equal_budget_scenario", "factorial_variants", "plan_equal_budget", "split_effects"]
