"""``kaicity explore``: which conclusions survive uncertainty in the assumptions.

A SPEC names the scenarios (one, or a pair whose KPIs are paired differences on the same seed), the
uncertain parameters with their ranges (the schema's documented ranges by default), policy levers,
the KPIs and a design (Morris, Sobol' or a Latin hypercube, sampled with SALib).  The runs go to Dask
and stream to a Parquet dataset (resumable, failures recorded per run); the answers are Morris and
Sobol' indices with confidence intervals (SALib) and PRIM boxes (EMA Workbench) with a sentence each.

Modules, one concern each: ``ranges`` (schema ranges), ``spec`` (the SPEC and its checks), ``design``
(samples, size and time checks), ``store`` (Parquet results), ``runner`` (Dask), ``analysis``
(indices, PRIM), ``figures`` and ``report``.
"""

from kaicity.explore.design import (
    DesignTable,
    check_max_runs,
    check_time_budget,
    describe_size,
    estimate_minutes,
    make_design,
    n_runs,
)
from kaicity.explore.ranges import FieldRange, field_range
from kaicity.explore.report import Answers, analyse, write_report
from kaicity.explore.runner import ExploreInterrupted, RunResult, probe, run_exploration
from kaicity.explore.spec import Exploration, ExploreSpec, check_kpis, load_spec, resolve

__all__ = ["Answers", "DesignTable", "Exploration", "ExploreInterrupted", "ExploreSpec", "FieldRange", "RunResult",
           "analyse", "check_kpis", "check_max_runs", "check_time_budget", "describe_size", "estimate_minutes",
           "field_range", "load_spec", "make_design", "n_runs", "probe", "resolve", "run_exploration",
           "write_report"]
