"""Running a sweep: every cell of the grid on a Dask cluster, each appended to the results file
as it finishes (failed cells recorded, Ctrl-C keeps the finished ones)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kaicity.sweep.cluster import check_scheduler, check_workers, connect
from kaicity.sweep.params import cell_key, check_params, check_size, grid, validate_grid
from kaicity.sweep.results import SWEEP_KPIS, ResultsFile, columns, one_line, scenario_digest

__all__ = ["SweepInterrupted", "SweepResult", "run_point", "run_sweep"]


@dataclass
class SweepResult:
    """What a sweep did.

    Attributes
    ----------
    table
        One row per cell in grid order (failed cells have status ``error`` and no KPIs).
    path
        The results file.
    cells
        Cells in the grid.
    skipped
        Cells finished by an earlier run and skipped (``resume``).
    failures
        ``{"overrides", "seed", "error"}`` of every failed cell.
    """

    table: pd.DataFrame
    path: Path
    cells: int
    skipped: int = 0
    failures: list[dict] = field(default_factory=list)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped a sweep; the finished cells are in ``path``."""

    def __init__(self, path: Path, done: int, cells: int) -> None:
        super().__init__(f"{done} of {cells} cells kept in {path}")
        self.path, self.done, self.cells = path, done, cells


def run_point(scenario_data: dict, overrides: dict, seed: int) -> dict:
    """Run one sweep cell (executed on a worker) and return its headline KPIs."""
    from kaicity.metrics import summarize
    from kaicity.model import KaiCityModel
    from kaicity.report import flatten
    from kaicity.scenario import Scenario

    scenario = Scenario.from_dict(scenario_data)
    model = KaiCityModel(scenario, seed=seed, overrides=overrides)
    model.run()
    flat = flatten(summarize(model))
    row = {**{f"param.{k}": v for k, v in overrides.items()}, "seed": seed}
    row.update({k: flat.get(k) for k in SWEEP_KPIS})
    return row


def run_sweep(scenario, params: Sequence[tuple[str, list]], seeds: Iterable[int], *, out: Path | None = None,
              n_workers: int = 2, scheduler: str | None = None, resume: bool = False, overwrite: bool = False,
              progress: bool = True, processes: bool = True) -> SweepResult:
    """Run every cell of the grid on a Dask distributed cluster, appending each to ``out/sweep.csv``.

    Parameters
    ----------
    scenario
        The base :class:`~kaicity.scenario.Scenario`.
    params
        ``[(dotted key, [values...]), ...]``; every key, value and point is validated before anything runs.
    seeds
        Seeds run at every point.
    out
        Output folder of ``sweep.csv``/``sweep.json``; ``None`` uses a temporary folder.
    n_workers
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler
        Address of an existing Dask scheduler; ``None`` starts a local cluster.
    resume
        Skip cells already finished in ``out/sweep.csv``; run the rest, failed cells included.
    overwrite
        Remove an earlier sweep's files first.  Without ``resume`` or ``overwrite`` a results file that
        already holds cells is refused.
    progress
        Show a progress bar (cells finished, failures counted).
    processes
        Local workers as processes (``False``: threads of this process, for tests and debugging).

    Raises
    ------
    KaicityError
        For a bad grid, folder or scheduler, before any cell runs.
    SweepInterrupted
        On Ctrl-C; the finished cells stay in the results file.
    """
    if out is None:
        import tempfile

        out = Path(tempfile.mkdtemp(prefix="kaicity-sweep-"))
    seeds = [int(s) for s in seeds]
    check_params(params)
    check_size(params, len(seeds))
    check_workers(n_workers)
    validate_grid(scenario, params)
    cells = grid(params, seeds)
    for c in cells:
        c["key"] = cell_key(c["overrides"], c["seed"])
    digest = scenario_digest(scenario)
    results = ResultsFile(Path(out), columns(params))
    done = results.prepare(cells, digest, resume=resume, overwrite=overwrite)
    if scheduler is not None:
        check_scheduler(scheduler)
    todo = [c for c in cells if c["key"] not in done]
    meta = {"scenario": scenario.name, "scenario_sha256": digest, "params": dict(params), "seeds": seeds,
            "cells": len(cells)}
    failures: list[dict] = []
    if not todo:
        results.start(meta, fresh=not resume)
    else:
        client, cluster = connect(scheduler, min(n_workers, len(todo)), processes=processes)
        try:
            results.start(meta, fresh=not resume)  # only now: a failed connection leaves the folder as it was
            failures = _run_cells(client, results, scenario.to_dict(), todo, len(cells), progress=progress,
                                  meta=meta)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    table = results.finish(cells)
    status = "failed" if failures else "complete"
    results.write_manifest({**meta, "status": status, "ok": len(cells) - len(failures), "failed": len(failures)})
    return SweepResult(table=table, path=results.path, cells=len(cells), skipped=len(cells) - len(todo),
                       failures=failures)


def _run_cells(client, results: ResultsFile, data: dict, todo: list[dict], total: int, *, progress: bool,
               meta: dict) -> list[dict]:
    """Submit ``todo`` to ``client``, append each cell as it finishes; return the failures."""
    from dask.distributed import as_completed

    failures: list[dict] = []
    bar = None
    futures: dict = {}
    try:
        futures = {client.submit(run_point, data, c["overrides"], c["seed"], pure=False): c for c in todo}
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=total, initial=total - len(todo), desc="sweep", unit="cell")
        for fut in as_completed(futures):
            cell = futures.pop(fut)
            row = {**{f"param.{k}": v for k, v in cell["overrides"].items()}, "seed": cell["seed"],
                   "cell": cell["key"]}
            try:
                row.update(fut.result(), status="ok", error="")
            except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - a failed cell, whatever the cause
                error = one_line(exc)
                row.update(status="error", error=error)
                failures.append({"overrides": cell["overrides"], "seed": cell["seed"], "error": error})
            results.append(row)
            if bar is not None:
                bar.update(1)
                if failures:
                    bar.set_postfix(failed=len(failures))
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
            bar = None
        client.cancel(list(futures))
        ok, failed = results.counts()
        results.write_manifest({**meta, "status": "interrupted", "ok": ok, "failed": failed})
        raise SweepInterrupted(results.path, ok, total) from None
    finally:
        if bar is not None:
            bar.close()
    return failures
