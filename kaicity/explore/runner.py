"""Running an exploration on Dask: every sample at every seed, each run streamed to the Parquet store.

One *run* is one sample at one seed; for a pair it runs both scenarios on that seed (common random
numbers), so its KPIs are the paired differences second - first.  Runs go to a Dask ``distributed``
cluster through the sweep's helpers (:func:`kaicity.sweep.cluster.connect`: a local cluster of
worker processes, or ``--scheduler``); a failed run is recorded with its error while the others go on;
Ctrl-C keeps the finished runs and ``--resume`` makes only the missing and failed ones.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kaicity.explore.design import DesignTable
from kaicity.explore.store import ResultStore, run_key
from kaicity.sweep.cluster import check_scheduler, check_workers, connect
from kaicity.sweep.results import one_line

__all__ = ["ExploreInterrupted", "RunResult", "columns", "probe", "run_exploration", "run_sample",
           "scheduler_threads"]


class ExploreInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped an exploration; the finished runs are in the store."""

    def __init__(self, path: Path, done: int, runs: int) -> None:
        super().__init__(f"{done} of {runs} runs kept in {path}")
        self.path, self.done, self.runs = path, done, runs


@dataclass
class RunResult:
    """What :func:`run_exploration` did: the results table (latest row per run), runs, skipped, failures."""

    table: pd.DataFrame
    runs: int
    skipped: int = 0
    failures: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def columns(exploration) -> list[str]:
    """The columns of a results row: keys, status, the applied values, the KPIs (``y:``, per scenario)."""
    cols = ["run", "sample", "seed", "status", "error", "seconds"]
    cols += [f"param:{f.key}" for f in exploration.factors]
    cols += [f"y:{k}" for k in exploration.kpis]
    if exploration.paired:
        cols += [f"{sc.name}:{k}" for sc in exploration.scenarios for k in exploration.kpis]
    return cols


def _kpis_of(scenario_data: dict, overrides: dict, seed: int) -> dict[str, float]:
    from kaicity.metrics import summarize
    from kaicity.model import KaiCityModel
    from kaicity.paired import flatten_numeric
    from kaicity.scenario import Scenario

    model = KaiCityModel(Scenario.from_dict(scenario_data), seed=seed, overrides=overrides)
    model.run()
    return flatten_numeric(summarize(model))


def run_sample(scenario_data: list[dict], overrides: list[dict], seed: int, kpis: list[str]) -> dict:
    """Run one sample at one seed (on a worker): every scenario, same seed; return its KPIs.

    Returns
    -------
    dict
        ``{"values": [[kpi values] per scenario], "seconds": wall time}`` (``NaN`` for a KPI a run lacks).
    """
    import warnings

    t0 = time.perf_counter()
    values = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the model's adjustments (e.g. fewer bus lines) are the same per run
        for data, ovr in zip(scenario_data, overrides, strict=True):
            flat = _kpis_of(data, ovr, seed)
            values.append([flat.get(k, math.nan) for k in kpis])
    return {"values": values, "seconds": time.perf_counter() - t0}


def probe(exploration) -> tuple[set[str], float]:
    """Run every scenario once at its nominal values and the first seed (in this process).

    Returns
    -------
    (known KPI keys, seconds per run)
        The numeric KPI keys of the runs (to check the SPEC's ``kpis``) and the wall time of one run
        (one sample at one seed, every scenario) to estimate the exploration's time.
    """
    import warnings

    t0 = time.perf_counter()
    known: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sc in exploration.scenarios:
            known |= set(_kpis_of(sc.to_dict(), {}, exploration.seeds[0]))
    return known, time.perf_counter() - t0


def scheduler_threads(scheduler: str) -> int:
    """How many runs an existing Dask scheduler runs at once: the total threads of its workers.

    Each thread of a worker takes one task (one sample at one seed), so this, not ``--workers``, is
    what divides an exploration's wall time on ``--scheduler``.

    Raises
    ------
    SweepError
        For a malformed address, no scheduler answering, or a scheduler without workers.
    """
    client, _ = connect(scheduler, 1)
    try:
        return max(1, sum(client.nthreads().values()))
    finally:
        client.close()


def _row(exploration, task: dict, values: list[list[float]] | None) -> dict:
    row = {"run": task["key"], "sample": task["sample"], "seed": task["seed"]}
    row.update({f"param:{k}": v for k, v in task["values"].items()})
    if values is None:
        return row
    if exploration.paired:
        for j, sc in enumerate(exploration.scenarios):
            row.update({f"{sc.name}:{k}": v for k, v in zip(exploration.kpis, values[j], strict=True)})
        row.update({f"y:{k}": b - a for k, a, b in zip(exploration.kpis, values[0], values[1], strict=True)})
    else:
        row.update({f"y:{k}": v for k, v in zip(exploration.kpis, values[0], strict=True)})
    return row


def tasks(exploration, design: DesignTable) -> list[dict]:
    """Every run: ``{"key", "sample", "seed", "values"}`` in sample-then-seed order."""
    out = []
    for i, vals in enumerate(design.values.to_dict("records")):
        for seed in exploration.seeds:
            out.append({"key": run_key(i, seed), "sample": i, "seed": seed, "values": vals})
    return out


def run_exploration(exploration, design: DesignTable, out: Path, *, n_workers: int = 2,
                    scheduler: str | None = None, resume: bool = False, overwrite: bool = False,
                    progress: bool = True, processes: bool = True, batch: int = 8) -> RunResult:
    """Run every sample at every seed on Dask, streaming each finished run to ``out/results/``.

    Parameters
    ----------
    exploration
        The checked SPEC (:class:`kaicity.explore.spec.Exploration`).
    design
        Its samples (:func:`kaicity.explore.design.make_design`).
    out
        Output folder.
    n_workers, scheduler
        Local worker processes, or the address of an existing Dask scheduler.
    resume, overwrite
        Keep the runs finished earlier (run the missing and failed ones) / remove earlier results first.
    progress
        Show a progress bar.
    processes
        Local workers as processes (``False``: threads, for tests).
    batch
        Finished runs per Parquet part.

    Raises
    ------
    ExploreError
        For a bad folder, SPEC mismatch on resume, before anything runs.
    SweepError
        For bad ``n_workers`` or ``scheduler``.
    ExploreInterrupted
        On Ctrl-C; the finished runs stay in the store.
    """
    check_workers(n_workers)
    if scheduler is not None:
        check_scheduler(scheduler)
    todo_all = tasks(exploration, design)
    store = ResultStore(Path(out), columns(exploration), batch=batch)
    digest = exploration.digest()
    done = store.prepare(digest, {t["key"] for t in todo_all}, resume=resume, overwrite=overwrite)
    todo = [t for t in todo_all if t["key"] not in done]
    meta = {"spec": exploration.file, "name": exploration.name, "digest": digest, "rows": len(todo_all),
            "scenarios": [sc.name for sc in exploration.scenarios], "design": exploration.design.model_dump()}
    t0 = time.perf_counter()
    failures: list[dict] = []
    if not todo:
        store.start(meta, fresh=not resume)
    else:
        client, cluster = connect(scheduler, min(n_workers, len(todo)), processes=processes)
        try:
            store.start(meta, fresh=not resume)
            failures = _submit(client, store, exploration, todo, len(todo_all), progress=progress, meta=meta)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    seconds = time.perf_counter() - t0
    table = store.read()
    status = "failed" if failures else "complete"
    store.write_manifest({**meta, "status": status, "failed": len(failures), "seconds": round(seconds, 1)})
    return RunResult(table=table, runs=len(todo_all), skipped=len(todo_all) - len(todo), failures=failures,
                     seconds=seconds)


def _submit(client, store: ResultStore, exploration, todo: list[dict], total: int, *, progress: bool,
            meta: dict) -> list[dict]:
    from dask.distributed import as_completed

    data = [sc.to_dict() for sc in exploration.scenarios]
    data_f = client.scatter(data, broadcast=True) if len(todo) > 1 else data
    failures: list[dict] = []
    bar = None
    futures: dict = {}
    try:
        futures = {client.submit(run_sample, data_f, exploration.overrides_for(t["values"]), t["seed"],
                                 exploration.kpis, pure=False): t for t in todo}
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=total, initial=total - len(todo), desc="explore", unit="run")
        for fut in as_completed(futures):
            task = futures.pop(fut)
            try:
                result = fut.result()
                row = _row(exploration, task, result["values"])
                row.update(status="ok", error="", seconds=result["seconds"])
            except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - a failed run, whatever the cause
                row = _row(exploration, task, None)
                row.update(status="error", error=one_line(exc))
                failures.append({"run": task["key"], "values": task["values"], "error": row["error"]})
            store.add(row)
            if bar is not None:
                bar.update(1)
                if failures:
                    bar.set_postfix(failed=len(failures))
    except KeyboardInterrupt:
        client.cancel(list(futures))
        store.flush()
        ok = int((store.read()["status"] == "ok").sum())
        store.write_manifest({**meta, "status": "interrupted"})
        raise ExploreInterrupted(store.dir, ok, total) from None
    finally:
        store.flush()
        if bar is not None:
            bar.close()
    return failures
