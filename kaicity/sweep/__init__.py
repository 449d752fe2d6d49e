"""Parameter sweeps: many paired runs over a grid of scenario overrides and seeds.

Runs go to a Dask ``distributed`` cluster: a local one by default (``n_workers``
processes on this machine), or an existing scheduler (``scheduler="tcp://host:8786"``)
when a sweep outgrows one machine.  Every point runs with the same seeds, so
differences between points come from the parameters alone.

A *cell* is one parameter point run with one seed.  Each finished cell is appended to
``sweep.csv`` at once (a fixed column order: ``param.*``, ``seed``, ``status``,
``error``, the KPIs of :data:`SWEEP_KPIS`, ``cell``), so an interrupted sweep keeps
what it did.  The ``cell`` column is the cell's key, the canonical JSON of its
overrides and seed; ``resume=True`` skips every cell whose latest row has status
``ok`` and runs the rest (failed cells included).  A failing cell is recorded with
status ``error`` and a one-line message while the other cells go on.  When the sweep
ends the file is rewritten in grid order, one row per cell, so a resumed sweep's table
equals an uninterrupted one's.  ``sweep.json`` beside it records the scenario digest,
the grid and the sweep's state (``running``, ``interrupted``, ``complete`` or
``failed``), written last.

Layout: :mod:`~kaicity.sweep.params` (``--param`` parsing, argument checks, seeds, points, cell
keys), :mod:`~kaicity.sweep.results` (the results file and manifest: append, resume, final
order), :mod:`~kaicity.sweep.cluster` (the Dask cluster), :mod:`~kaicity.sweep.runner`
(:func:`run_sweep`) and :mod:`~kaicity.sweep.plot` (``sweep.png``).  Every public name of
those modules is exported here.
"""

from __future__ import annotations

from kaicity.sweep.cluster import CONNECT_TIMEOUT_S, MAX_WORKERS_PER_CPU, check_scheduler, check_workers, connect
from kaicity.sweep.params import (
    MAX_CELLS,
    MAX_SEED,
    MAX_SEEDS,
    cell_key,
    check_params,
    check_size,
    describe,
    grid,
    parse_param,
    sweep_seeds,
    validate_grid,
)
from kaicity.sweep.plot import plot_sweep
from kaicity.sweep.results import (
    MANIFEST_FILE,
    PLOT_FILE,
    RESULTS_FILE,
    SWEEP_KPIS,
    ResultsFile,
    columns,
    one_line,
    scenario_digest,
)
from kaicity.sweep.runner import SweepInterrupted, SweepResult, run_point, run_sweep

__all__ = [
    "CONNECT_TIMEOUT_S",
    "MANIFEST_FILE",
    "MAX_CELLS",
    "MAX_SEED",
    "MAX_SEEDS",
    "MAX_WORKERS_PER_CPU",
    "PLOT_FILE",
    "RESULTS_FILE",
    "SWEEP_KPIS",
    "ResultsFile",
    "SweepInterrupted",
    "SweepResult",
    "cell_key",
    "check_params",
    "check_scheduler",
    "check_size",
    "check_workers",
    "columns",
    "connect",
    "describe",
    "grid",
    "one_line",
    "parse_param",
    "plot_sweep",
    "run_point",
    "run_sweep",
    "scenario_digest",
    "sweep_seeds",
    "validate_grid",
]
