"""The results of a sweep: ``sweep.csv`` (one row appended per finished cell, resumable) and
its ``sweep.json`` manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kaicity.errors import KaicityError, SweepError

__all__ = ["MANIFEST_FILE", "PLOT_FILE", "RESULTS_FILE", "SWEEP_KPIS", "ResultsFile", "columns", "one_line",
           "scenario_digest"]

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

RESULTS_FILE = "sweep.csv"
MANIFEST_FILE = "sweep.json"
PLOT_FILE = "sweep.png"


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
        return read_json(self.manifest)

    def write_manifest(self, meta: dict) -> None:
        """Write ``sweep.json`` atomically."""
        write_json_atomic(self.manifest, meta)


def read_json(path: Path) -> dict:
    """A JSON manifest as a dict (empty when absent or unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_json_atomic(path: Path, meta: dict) -> None:
    """Write a JSON manifest through a temporary file and a rename (never half-written)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _cell_text(value: Any) -> Any:
    """A value as the csv module should write it (numpy scalars as Python numbers)."""
    if value is None:
        return ""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value
