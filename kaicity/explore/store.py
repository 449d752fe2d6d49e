"""The results of an exploration: a Parquet dataset written as runs finish, and its manifest.

Finished runs are written in small batches, each an own file ``results/part-<n>.parquet`` (written to a
temporary name, then renamed, so a kill leaves either a whole part or none).  A run that is written
again (a failed run retried by ``--resume``) is read back as its latest row.  ``explore.json`` holds the
SPEC's digest (a resume must use the same SPEC) and the status.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from kaicity.errors import ExploreError
from kaicity.sweep.results import read_json, write_json_atomic

__all__ = ["MANIFEST", "RESULTS_DIR", "ResultStore", "run_key"]

RESULTS_DIR = "results"
MANIFEST = "explore.json"


def run_key(sample: int, seed: int) -> str:
    """The stable key of one run (a sample at a seed; a pair's two scenarios are one run)."""
    return f"{int(sample)}@{int(seed)}"


class ResultStore:
    """``out/results/*.parquet`` and ``out/explore.json``.

    Parameters
    ----------
    out
        The output folder.
    columns
        The columns of a results row, in order (see :func:`kaicity.explore.runner.columns`).
    batch
        Rows kept in memory before a part is written (also written every ``flush_s`` seconds).
    """

    def __init__(self, out: Path, columns: list[str], *, batch: int = 8, flush_s: float = 30.0) -> None:
        self.out = Path(out)
        self.dir = self.out / RESULTS_DIR
        self.manifest = self.out / MANIFEST
        self.columns = columns
        self.batch, self.flush_s = batch, flush_s
        self._rows: list[dict] = []
        self._last = time.monotonic()
        self._seq = 0

    # ------------------------------------------------------------------ before running
    def parts(self) -> list[Path]:
        """The finished part files, in the order they were written."""
        return sorted(self.dir.glob("part-*.parquet")) if self.dir.is_dir() else []

    def read(self) -> pd.DataFrame:
        """Every run written so far, the latest row per run (empty frame with the columns if none)."""
        parts = self.parts()
        if not parts:
            return pd.DataFrame(columns=self.columns)
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        return frame.drop_duplicates("run", keep="last").reset_index(drop=True)

    def prepare(self, digest: str, keys: set[str], *, resume: bool, overwrite: bool) -> set[str]:
        """Check the folder; return the keys of runs finished (status ok) earlier.

        Raises
        ------
        ExploreError
            ``--resume`` with ``--overwrite``; ``--out`` a file; earlier results without ``--resume`` or
            ``--overwrite``; on resume, results of another SPEC.
        """
        if resume and overwrite:
            raise ExploreError("--resume and --overwrite contradict each other; pass one of them")
        if self.out.exists() and not self.out.is_dir():
            raise ExploreError(f"--out {self.out} is a file; give a folder")
        if overwrite or not self.parts():
            return set()
        if not resume:
            raise ExploreError(f"{self.dir} already holds results of an earlier exploration; pass --resume to "
                               "finish it or --overwrite to start afresh")
        meta = self.read_manifest()
        if meta.get("digest") not in (None, digest):
            raise ExploreError(f"{self.dir} was made from another SPEC (other scenarios, parameters, kpis, design "
                               "or seeds); resume with the same SPEC, or pass --overwrite")
        done = self.read()
        self._seq = len(self.parts())
        return {k for k, s in zip(done["run"], done["status"], strict=True) if s == "ok" and k in keys}

    def start(self, meta: dict, *, fresh: bool) -> None:
        """Create the folder (emptied when ``fresh``) and write the manifest."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if fresh:
            for p in [*self.dir.glob("part-*.parquet"), *self.dir.glob(".part-*")]:
                p.unlink()
            self._seq = 0
        self.write_manifest({**meta, "status": "running"})

    # ------------------------------------------------------------------ while running
    def add(self, row: dict) -> None:
        """Keep one finished run; write a part when the batch is full or old enough."""
        self._rows.append(row)
        if len(self._rows) >= self.batch or time.monotonic() - self._last >= self.flush_s:
            self.flush()

    def flush(self) -> None:
        """Write the rows kept so far as one part file (atomically: temporary name, then rename)."""
        self._last = time.monotonic()
        if not self._rows:
            return
        frame = pd.DataFrame(self._rows).reindex(columns=self.columns)
        for col in self.columns:
            if col in ("sample", "seed"):
                frame[col] = frame[col].astype("int64")
            elif col not in ("run", "status", "error"):
                frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        frame[["run", "status", "error"]] = frame[["run", "status", "error"]].fillna("").astype(str)
        name = f"part-{self._seq:06d}.parquet"
        tmp = self.dir / f".{name}.{os.getpid()}.tmp"
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, self.dir / name)
        self._seq += 1
        self._rows = []

    # ------------------------------------------------------------------ manifest
    def read_manifest(self) -> dict:
        """The manifest's content (``{}`` when missing or unreadable)."""
        return read_json(self.manifest)

    def write_manifest(self, meta: dict) -> None:
        """Write the manifest atomically."""
        self.out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.manifest, meta)
