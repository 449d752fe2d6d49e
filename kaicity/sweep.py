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
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import itertools
import json
import math
import os
import signal
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kaicity.errors import KaicityError, ScenarioError, SweepError

#: KPIs collected for every sweep point (dotted paths into summary.json's ``kpis``).
SWEEP_KPIS: tuple[str, ...] = (
    "overall.met_share",
    "overall.unmet_share",
    "overall.time_to_service_min.mean",
    "by_group.elderly.met_share",
    "by_group.elderly.time_to_service_min.mean",
    "by_group.non_elderly.met_share",
    "by_group.non_elderly.time_to_service_min.mean",
    "by_zone.rural.met_share",
    "by_zone.rural.time_to_service_min.mean",
    "access.by_group.elderly.effective_index",
    "equity.gini_time_to_service",
    "equity.elderly_vs_non_elderly_time_ratio",
    "digital_inclusion.elderly_literacy_end",
    "ai.uses",
    "ai.energy_kwh",
    "transit.drt.wait_min.mean",
    "transit.drt.rejection_rate",
    "cost.total",
    "cost.per_met_need",
)

#: Most seeds per point (``--seeds``).
MAX_SEEDS = 10_000
#: Most cells (points x seeds) in one sweep.
MAX_CELLS = 100_000
#: Most local worker processes per CPU core (the runs are CPU-bound; more only costs memory).
MAX_WORKERS_PER_CPU = 4
#: Seconds to wait for an existing scheduler to answer, and then for its first worker.
CONNECT_TIMEOUT_S = 5.0
#: Largest seed a scenario accepts.
MAX_SEED = 2**32 - 1

RESULTS_FILE = "sweep.csv"
MANIFEST_FILE = "sweep.json"
PLOT_FILE = "sweep.png"

_LIST_HINT = ("list- or mapping-valued parameters cannot be swept; sweep one list item by its index "
              "(e.g. --param needs.hourly_profile.9=0.05,0.1) or make one scenario file per variant")


# --------------------------------------------------------------------------------------
# Arguments and the grid
# --------------------------------------------------------------------------------------
def parse_param(text: str) -> tuple[str, list]:
    """``"key=v1,v2,v3"`` -> ``("key", [v1, v2, v3])`` with YAML-parsed scalar values.

    Raises
    ------
    ScenarioError
        Without ``=``, with no values, for ``seed`` (swept with ``--seeds``), for a value
        that is not valid YAML, a list or mapping value, or a value listed twice.
    """
    from kaicity.scenario.overrides import parse_value

    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--param expects KEY=V1,V2,..., got {text!r}")
    if key == "seed":
        raise ScenarioError("--param seed=...: the seed is swept with --seeds N (seeds are the scenario's "
                            "seed + 0..N-1); set the first one with --set seed=S")
    if raw.strip()[:1] in ("[", "{"):
        raise ScenarioError(f"--param {key}={raw}: {_LIST_HINT}")
    values = []
    for piece in raw.split(","):
        if piece.strip() == "":
            continue
        value = parse_value(key, piece)
        if isinstance(value, list | dict):
            raise ScenarioError(f"--param {key}={piece}: {_LIST_HINT}")
        if any(cell_key({"v": value}, 0) == cell_key({"v": v}, 0) for v in values):
            raise ScenarioError(f"--param {key}: the value {piece.strip()!r} is listed twice")
        values.append(value)
    if not values:
        raise ScenarioError(f"--param {key}: no values given (expected {key}=V1,V2,...)")
    return key, values


def check_params(params: Sequence[tuple[str, list]], fixed: Iterable[str] = ()) -> None:
    """Refuse an empty grid, a key given in two ``--param``s, or a key also fixed with ``--set``."""
    if not params:
        raise ScenarioError("sweep needs at least one --param KEY=V1,V2,...")
    seen: set[str] = set()
    fixed = set(fixed)
    for key, _ in params:
        if key == "seed":
            raise ScenarioError("--param seed=...: the seed is swept with --seeds N, not with --param")
        if key in seen:
            raise ScenarioError(f"--param {key} is given twice; list all its values in one --param {key}=V1,V2,...")
        if key in fixed:
            raise ScenarioError(f"{key} is both fixed with --set and swept with --param; drop one of them")
        seen.add(key)


def check_size(params: Sequence[tuple[str, list]], n_seeds: int) -> int:
    """Refuse too many seeds or cells before the grid is built; return the number of cells."""
    if n_seeds < 1:
        raise SweepError(f"--seeds must be at least 1, got {n_seeds}")
    if n_seeds > MAX_SEEDS:
        raise SweepError(f"--seeds {n_seeds:,} is more than the limit of {MAX_SEEDS:,} seeds per point")
    counts = [len(v) for _, v in params]
    cells = math.prod(counts) * n_seeds
    if cells > MAX_CELLS:
        shape = " x ".join(f"{c:,}" for c in counts)
        raise SweepError(f"the grid has {cells:,} cells ({shape} values x {n_seeds:,} seeds), more than the "
                         f"limit of {MAX_CELLS:,}; sweep fewer values or seeds")
    return cells


def check_workers(n_workers: int) -> None:
    """Refuse fewer than one local worker, or more than :data:`MAX_WORKERS_PER_CPU` per core."""
    if n_workers < 1:
        raise SweepError(f"--workers must be at least 1, got {n_workers}")
    cpus = os.cpu_count() or 1
    if n_workers > MAX_WORKERS_PER_CPU * cpus:
        raise SweepError(f"--workers {n_workers:,} is more than {MAX_WORKERS_PER_CPU} per CPU core "
                         f"({cpus} cores here); use at most {MAX_WORKERS_PER_CPU * cpus}")


def sweep_seeds(scenario, n_seeds: int) -> list[int]:
    """The seeds of every point: the scenario's seed + 0..n_seeds-1 (all valid seeds)."""
    first = int(scenario.seed)
    if first + n_seeds - 1 > MAX_SEED:
        raise SweepError(f"seeds {first} + 0..{n_seeds - 1} go past the largest seed {MAX_SEED}; "
                         "lower the scenario's seed (--set seed=S) or --seeds")
    return [first + i for i in range(n_seeds)]


def grid(params: Sequence[tuple[str, list]], seeds: Iterable[int]) -> list[dict]:
    """Cartesian product of parameter values times seeds: a list of ``{"overrides", "seed"}``."""
    keys = [k for k, _ in params]
    seeds = list(seeds)
    points = []
    for values in itertools.product(*[v for _, v in params]):
        for seed in seeds:
            points.append({"overrides": dict(zip(keys, values, strict=True)), "seed": int(seed)})
    return points


def validate_grid(scenario, params: Sequence[tuple[str, list]]) -> None:
    """Apply every value, then every point, to ``scenario``: a typo or a bad value fails here, once."""
    for key, values in params:
        for value in values:
            scenario.with_overrides({key: value})
    if len(params) > 1:
        keys = [k for k, _ in params]
        for values in itertools.product(*[v for _, v in params]):
            overrides = dict(zip(keys, values, strict=True))
            try:
                scenario.with_overrides(overrides)
            except ScenarioError as exc:
                raise ScenarioError(f"grid point {describe(overrides)}: {exc}") from None


def cell_key(overrides: dict, seed: int) -> str:
    """The stable key of a cell: canonical JSON of its overrides and seed."""
    return json.dumps({"overrides": overrides, "seed": int(seed)}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str)


def describe(overrides: dict, seed: int | None = None) -> str:
    """``"a.b=1, c=x seed=42"``: a cell as a user would type it."""
    text = ", ".join(f"{k}={v}" for k, v in overrides.items())
    return text if seed is None else f"{text} seed={seed}"


def columns(params: Sequence[tuple[str, list]]) -> list[str]:
    """The results file's columns, in order."""
    return [*(f"param.{k}" for k, _ in params), "seed", "status", "error", *SWEEP_KPIS, "cell"]


def scenario_digest(scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (a resumed sweep must use the same scenario)."""
    text = json.dumps(scenario.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def one_line(exc: BaseException) -> str:
    """An exception as one line: its message for kaicity's own errors, else ``Type: message``."""
    text = str(exc) if isinstance(exc, KaicityError) else f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text[:497] + "..." if len(text) > 500 else text


# --------------------------------------------------------------------------------------
# The results file
# --------------------------------------------------------------------------------------
class ResultsFile:
    """``sweep.csv`` (one row appended per finished cell) and its ``sweep.json`` manifest.

    Parameters
    ----------
    out
        The output folder.
    cols
        The columns, from :func:`columns`.
    """

    def __init__(self, out: Path, cols: list[str]) -> None:
        self.out = Path(out)
        self.path = self.out / RESULTS_FILE
        self.manifest = self.out / MANIFEST_FILE
        self.cols = cols

    # ---- before the cluster starts ---------------------------------------------------
    def check_folder(self) -> None:
        """Refuse an ``--out`` that is a file, lies under a file or cannot be written."""
        for parent in [self.out, *self.out.parents]:
            if parent.exists():
                if not parent.is_dir():
                    what = "is a file" if parent == self.out else f"lies under the file {parent}"
                    raise SweepError(f"--out {self.out} {what}; give a folder")
                if not os.access(parent, os.W_OK | os.X_OK):
                    raise SweepError(f"--out {self.out}: {parent} is not writable; choose another --out")
                break
        for name in (RESULTS_FILE, MANIFEST_FILE):
            if (self.out / name).is_dir():
                raise SweepError(f"--out {self.out}: {name} is a folder; remove it or choose another --out")

    def _rows(self) -> list[list[str]]:
        """Header and rows of the file, without a last line torn by a kill while it was written."""
        if not self.path.exists():
            return []
        text = self.path.read_text(encoding="utf-8")
        if not text.endswith("\n"):
            text = text[:text.rfind("\n") + 1]
        return list(csv.reader(io.StringIO(text, newline="")))

    def read(self) -> list[list[str]]:
        """The complete data rows already in the file."""
        rows = self._rows()
        if not rows:
            return []
        if rows[0] != self.cols:
            missing = [c for c in self.cols if c not in rows[0]]
            extra = [c for c in rows[0] if c not in self.cols]
            diff = "; ".join(x for x in (f"missing {', '.join(missing)}" if missing else "",
                                         f"unexpected {', '.join(extra)}" if extra else "") if x)
            raise SweepError(f"{self.path} has other columns than this sweep ({diff or 'another order'}); "
                             "resume with the same --param keys, or pass --overwrite")
        return [r for r in rows[1:] if len(r) == len(self.cols)]

    def prepare(self, cells: list[dict], digest: str, *, resume: bool, overwrite: bool) -> set[str]:
        """Check what is in the folder; return the keys of cells finished (status ok) earlier.

        Raises
        ------
        SweepError
            A non-empty results file without ``resume``/``overwrite``; on resume, a file of another
            scenario or with cells outside this grid.
        """
        if resume and overwrite:
            raise SweepError("--resume and --overwrite contradict each other; pass one of them")
        self.check_folder()
        if overwrite or not self.path.exists():
            return set()
        if not resume:
            n = max(len(self._rows()) - 1, 0)
            if n == 0:
                return set()
            raise SweepError(f"{self.path} already holds {n:,} cells of an earlier sweep; pass --resume to "
                             "finish it or --overwrite to start afresh")
        meta = self.read_manifest()
        if meta.get("scenario_sha256") not in (None, digest):
            raise SweepError(f"{self.path} was made from another scenario (or other --set values); resume with "
                             "the same scenario, or pass --overwrite")
        rows = self.read()
        keys = {c["key"] for c in cells}
        i_key, i_status = self.cols.index("cell"), self.cols.index("status")
        stray = {r[i_key] for r in rows} - keys
        if stray:
            raise SweepError(f"{self.path} holds {len(stray):,} cells that are not in this grid (other --param "
                             "values or --seeds); resume with the same grid, or pass --overwrite")
        latest = {r[i_key]: r[i_status] for r in rows}
        return {k for k, status in latest.items() if status == "ok"}

    # ---- while it runs ---------------------------------------------------------------
    def start(self, meta: dict, *, fresh: bool) -> None:
        """Remove an earlier sweep's files (``fresh``) or a torn last line; write header and manifest."""
        self.out.mkdir(parents=True, exist_ok=True)
        if fresh:
            for name in (RESULTS_FILE, MANIFEST_FILE, PLOT_FILE):
                (self.out / name).unlink(missing_ok=True)
        if self.path.exists():
            data = self.path.read_bytes()
            if data and not data.endswith(b"\n"):
                with self.path.open("r+b") as fh:
                    fh.truncate(data.rfind(b"\n") + 1)
        if not self.path.exists() or self.path.stat().st_size == 0:
            with self.path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerow(self.cols)
        self.write_manifest({**meta, "status": "running"})

    def append(self, row: dict) -> None:
        """Append one finished cell and flush it to disk."""
        with self.path.open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerow([_cell_text(row.get(c)) for c in self.cols])
            fh.flush()
            os.fsync(fh.fileno())

    def counts(self) -> tuple[int, int]:
        """Cells in the file whose latest row is ``ok``, and those whose latest row is an error."""
        i_key, i_status = self.cols.index("cell"), self.cols.index("status")
        latest = {r[i_key]: r[i_status] for r in self.read()}
        ok = sum(status == "ok" for status in latest.values())
        return ok, len(latest) - ok

    def finish(self, cells: list[dict]) -> pd.DataFrame:
        """Rewrite the file in grid order, one row (the latest) per cell; return it as a table."""
        order = {c["key"]: i for i, c in enumerate(cells)}
        i_key = self.cols.index("cell")
        latest: dict[str, list[str]] = {}
        for r in self.read():
            latest[r[i_key]] = r
        rows = sorted((r for k, r in latest.items() if k in order), key=lambda r: order[r[i_key]])
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(self.cols)
            w.writerows(rows)
        os.replace(tmp, self.path)
        return pd.read_csv(self.path)

    def read_manifest(self) -> dict:
        """``sweep.json`` as a dict (empty when absent or unreadable)."""
        try:
            return json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def write_manifest(self, meta: dict) -> None:
        """Write ``sweep.json`` atomically."""
        tmp = self.manifest.with_name(self.manifest.name + ".tmp")
        tmp.write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.manifest)


def _cell_text(value: Any) -> Any:
    """A value as the csv module should write it (numpy scalars as Python numbers)."""
    if value is None:
        return ""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------
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


def check_scheduler(address: str) -> None:
    """Refuse a malformed scheduler address (``tcp://host:port``) before connecting."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, loc = parse_address(address)
        if scheme not in ("tcp", "tls"):
            raise ValueError(f"the scheme must be tcp:// or tls://, not {scheme}://")
        host, port = parse_host_port(loc)
        if not host or not 0 < int(port) < 65536:
            raise ValueError("it needs a host and a port in 1-65535")
    except (ValueError, TypeError) as exc:
        raise SweepError(f"--scheduler {address!r} is not a Dask scheduler address like tcp://host:8786 "
                         f"({' '.join(str(exc).split())})") from None


def _ignore_sigint():
    """Ignore SIGINT (in the main thread only); return the handler to restore, or ``None``."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_IGN)


def connect(scheduler: str | None, n_workers: int, *, processes: bool = True):
    """A Dask client on ``scheduler`` (with a connect timeout) or on a new local cluster.

    Returns
    -------
    (client, cluster)
        ``cluster`` is ``None`` for an existing scheduler.
    """
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler is None:
        # Workers start with SIGINT ignored: a Ctrl-C in the terminal (sent to the whole process group)
        # stops this process, which then closes the cluster, instead of crashing every worker with a
        # traceback (a Ctrl-C during these seconds of start-up is lost).  A dashboard on a free port
        # (":0") avoids a warning when 8787 is taken.
        previous = _ignore_sigint()
        try:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        return Client(cluster), cluster
    check_scheduler(scheduler)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the address's fault
        raise SweepError(f"--scheduler {scheduler}: no Dask scheduler answered within {CONNECT_TIMEOUT_S:g} s "
                         f"({one_line(exc)}); start one (dask scheduler) or check the address") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except Exception:  # noqa: BLE001
        client.close()
        raise SweepError(f"--scheduler {scheduler}: the scheduler has no workers; start some "
                         f"(dask worker {scheduler})") from None
    return client, None


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


# --------------------------------------------------------------------------------------
# Plot
# --------------------------------------------------------------------------------------
def plot_sweep(df: pd.DataFrame, out: Path) -> list[str]:
    """Line plots of headline KPIs against the first swept parameter (mean over seeds, finished cells)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if "status" in df.columns:
        df = df[df["status"] == "ok"]
    params = [c for c in df.columns if c.startswith("param.")]
    if not params or df.empty:
        return []
    x = params[0]
    others = params[1:]
    kpis = ["by_group.elderly.met_share", "by_group.non_elderly.met_share",
            "by_group.elderly.time_to_service_min.mean", "equity.elderly_vs_non_elderly_time_ratio"]
    fig, axes = plt.subplots(1, len(kpis), figsize=(4.2 * len(kpis), 3.6))
    groups = df.groupby(others) if others else [((), df)]
    for key, sub in groups:
        mean = sub.groupby(x)[kpis].mean(numeric_only=True)
        label = ", ".join(f"{o.removeprefix('param.')}={v}" for o, v in
                          zip(others, key if isinstance(key, tuple) else (key,), strict=False)) or "mean"
        for ax, k in zip(axes, kpis, strict=True):
            ax.plot(mean.index, mean[k], marker="o", label=label)
    for ax, k in zip(axes, kpis, strict=True):
        ax.set_title(k, fontsize=9)
        ax.set_xlabel(x.removeprefix("param."))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    Path(out).mkdir(parents=True, exist_ok=True)
    fig.savefig(Path(out) / PLOT_FILE, dpi=110)
    plt.close(fig)
    return [PLOT_FILE]
