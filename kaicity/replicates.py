"""Paired replicates: every scenario of a comparison run at the same seeds, in parallel on Dask.

Seed ``s`` is given to every scenario (common random numbers per seed), so each seed is one paired
comparison; :mod:`kaicity.paired` turns the seeds into means and intervals of paired differences.
Runs go to a Dask ``distributed`` cluster through the sweep's helpers
(:func:`kaicity.sweep.cluster.connect`): a local cluster of worker processes by default, or an
existing scheduler.  A worker runs the model and writes its outputs into a private temporary
folder, then sends the files back, so workers on other machines need no shared file system; this
process writes each run into ``<out>/seed-<s>/<scenario>/`` (``<out>/<scenario>/`` for one seed) as
it finishes, marked complete last.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kaicity.errors import SweepError
from kaicity.paired import seed_folder
from kaicity.sweep.cluster import check_scheduler, check_workers, connect

__all__ = ["MAX_SEEDS", "Replicate", "replicate_seeds", "run_one", "run_replicates", "seed_folder"]

#: Most seeds of one comparison (``--seeds``); the same limit as a sweep's seeds per point.
MAX_SEEDS = 10_000
#: Largest seed a scenario accepts.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Replicate:
    """One finished run: its seed, scenario index, ``summary.json`` content and wall time (s)."""

    seed: int
    index: int
    summary: dict
    seconds: float


def replicate_seeds(first: int, n_seeds: int) -> list[int]:
    """The seeds ``first, first + 1, ..., first + n_seeds - 1``, checked like a sweep's.

    Raises
    ------
    SweepError
        For fewer than 1 or more than :data:`MAX_SEEDS` seeds, or seeds past ``2**32 - 1``.
    """
    if n_seeds < 1:
        raise SweepError(f"--seeds must be at least 1, got {n_seeds}")
    if n_seeds > MAX_SEEDS:
        raise SweepError(f"--seeds {n_seeds:,} is more than the limit of {MAX_SEEDS:,} seeds")
    if first + n_seeds - 1 > MAX_SEED:
        raise SweepError(f"seeds {first} + 0..{n_seeds - 1} go past the largest seed {MAX_SEED}; "
                         "lower --seed or --seeds")
    return [first + i for i in range(n_seeds)]


def run_one(scenario_data: dict, seed: int) -> dict:
    """Run one scenario at one seed (on a worker) and return its output files.

    Returns
    -------
    dict
        ``{"files": {relative path: bytes}, "seconds": wall time}``: every file
        :func:`kaicity.report.write_run` wrote.
    """
    import tempfile

    from kaicity.model import KaiCityModel
    from kaicity.report import write_run
    from kaicity.scenario import Scenario

    t0 = time.perf_counter()
    model = KaiCityModel(Scenario.from_dict(scenario_data), seed=seed)
    model.run()
    with tempfile.TemporaryDirectory(prefix="kaicity-replicate-") as tmp:
        write_run(model, Path(tmp))
        files = {p.relative_to(tmp).as_posix(): p.read_bytes() for p in sorted(Path(tmp).rglob("*")) if p.is_file()}
    return {"files": files, "seconds": time.perf_counter() - t0}


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    from kaicity.outdir import mark_complete

    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    mark_complete(folder, "run")


def run_replicates(scenarios: Sequence, seeds: Sequence[int], out: Path, folders: Sequence[str], *,
                   n_workers: int = 2, scheduler: str | None = None, progress: bool = True,
                   processes: bool = True, report: Callable[[Replicate], None] | None = None) -> list[list[dict]]:
    """Run every scenario at every seed on Dask; write each run into ``out`` as it finishes.

    Parameters
    ----------
    scenarios
        The :class:`~kaicity.scenario.Scenario` objects, the baseline first.
    seeds
        Seeds run by every scenario.
    out
        Folder to write into: run ``j`` at seed ``s`` goes to ``out / seed_folder(s) / folders[j]``.
    folders
        One folder name per scenario.
    n_workers
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); ``None`` starts a local cluster.
    progress
        Show a progress bar over finished runs.
    processes
        Local workers as processes (``False``: threads of this process, for tests and debugging).
    report
        Called in this process with each finished :class:`Replicate`.

    Returns
    -------
    list of list of dict
        ``runs[i][j]``: the ``summary.json`` content of scenario ``j`` at ``seeds[i]``.

    Raises
    ------
    SweepError
        For a bad ``n_workers`` or ``scheduler``, before anything runs.
    KaicityError
        The first failed run's error (the other runs are cancelled).
    KeyboardInterrupt
        On Ctrl-C; the unfinished runs are cancelled.
    """
    from dask.distributed import as_completed

    seeds = [int(s) for s in seeds]
    check_workers(n_workers)
    if scheduler is not None:
        check_scheduler(scheduler)
    out = Path(out)
    tasks = [(i, j) for i in range(len(seeds)) for j in range(len(scenarios))]
    data = [sc.to_dict() for sc in scenarios]
    runs: list[list[dict | None]] = [[None] * len(scenarios) for _ in seeds]
    client, cluster = connect(scheduler, min(n_workers, len(tasks)), processes=processes)
    bar = None
    futures: dict = {}
    try:
        futures = {client.submit(run_one, data[j], seeds[i], pure=False): (i, j) for i, j in tasks}
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(tasks), desc="compare", unit="run")
        for fut in as_completed(futures):
            i, j = futures.pop(fut)
            try:
                result = fut.result()
            except asyncio.CancelledError:  # pragma: no cover - the cluster went away
                raise SweepError(f"run of {scenarios[j].name} at seed {seeds[i]} was cancelled by the "
                                 "Dask cluster (a worker died?); try again with fewer --workers") from None
            _write_files(out / seed_folder(seeds[i], len(seeds)) / folders[j], result["files"])
            runs[i][j] = json.loads(result["files"]["summary.json"])
            if bar is not None:
                bar.update(1)
            if report is not None:
                report(Replicate(seeds[i], j, runs[i][j], result["seconds"]))
    finally:
        if bar is not None:
            bar.close()
        if futures:
            client.cancel(list(futures))
        client.close()
        if cluster is not None:
            cluster.close()
    return runs  # type: ignore[return-value]
