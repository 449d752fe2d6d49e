"""Sweeps that keep what they did: streaming results, resume, failed cells, Ctrl-C, bad arguments.

Bookkeeping tests run the cells on threads of this process (``processes=False``); the failing-cell
and Ctrl-C tests run ``kaicity sweep`` on real worker processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import kaicity.sweep.runner as sweep_mod
from kaicity.cli import main
from kaicity.errors import SweepError
from kaicity.scenario import load_scenario
from kaicity.sweep import MAX_CELLS, MAX_SEEDS, run_sweep

ROOT = Path(__file__).resolve().parents[1]
AI_CITY = ROOT / "scenarios" / "ai_city.yaml"
SMART_CITY = ROOT / "scenarios" / "smart_city.yaml"
TINY = {"population.residents": 200, "city.n_nodes": 1000, "simulation.days": 1}
TINY_ARGS = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
PARAMS = [("support_centres.count", [0, 4]), ("transit.drt.vehicles", [2, 6])]


@pytest.fixture(scope="module")
def tiny():
    """The AI city, shrunk so that one cell runs in well under a second."""
    return load_scenario(AI_CITY).with_overrides(TINY)


def _sweep(scenario, out, **kw):
    kw = {"n_workers": 1, "processes": False, "progress": False, **kw}
    return run_sweep(scenario, kw.pop("params", PARAMS), kw.pop("seeds", [42]), out=out, **kw)


def _data_lines(path: Path) -> list[str]:
    return path.read_text().splitlines()[1:]


# ---------------------------------------------------------------------------- resume
def test_resume_skips_finished_cells_and_ends_equal_to_an_uninterrupted_sweep(tmp_path, tiny):
    whole = _sweep(tiny, tmp_path / "whole")
    assert whole.cells == 4 and not whole.failures and whole.skipped == 0
    assert (whole.table["status"] == "ok").all() and whole.table["overall.met_share"].notna().all()
    reference = (tmp_path / "whole" / "sweep.csv").read_bytes()

    # An interrupted sweep: two cells finished in completion order, the last row torn by a kill.
    part = tmp_path / "part"
    part.mkdir()
    header, *rows = reference.decode().splitlines(keepends=True)
    (part / "sweep.csv").write_text(header + rows[3] + rows[0] + rows[2][:40])
    with pytest.raises(SweepError, match="already holds 2 cells.*--resume.*--overwrite"):
        _sweep(tiny, part)
    resumed = _sweep(tiny, part, resume=True)
    assert resumed.skipped == 2 and resumed.cells == 4
    assert (part / "sweep.csv").read_bytes() == reference
    assert json.loads((part / "sweep.json").read_text())["status"] == "complete"
    pd.testing.assert_frame_equal(resumed.table, whole.table)

    # Nothing left to do: a second resume runs no cell and keeps the table.
    again = _sweep(tiny, part, resume=True)
    assert again.skipped == 4 and (part / "sweep.csv").read_bytes() == reference


def test_overwrite_starts_afresh_and_resume_refuses_another_grid_or_scenario(tmp_path, tiny):
    out = tmp_path / "s"
    params = [("support_centres.count", [0, 4])]
    first = _sweep(tiny, out, params=params, seeds=[42])
    (out / "sweep.png").write_bytes(b"stale")
    with pytest.raises(SweepError, match="cells that are not in this grid"):
        _sweep(tiny, out, params=[("support_centres.count", [4])], seeds=[42], resume=True)
    with pytest.raises(SweepError, match="other columns than this sweep"):
        _sweep(tiny, out, params=[("transit.drt.vehicles", [2])], seeds=[42], resume=True)
    with pytest.raises(SweepError, match="another scenario"):
        _sweep(tiny.with_overrides({"population.residents": 300}), out, params=params, seeds=[42], resume=True)
    again = _sweep(tiny, out, params=[("support_centres.count", [4])], seeds=[42], overwrite=True)
    assert again.cells == 1 and list(again.table["param.support_centres.count"]) == [4]
    assert not (out / "sweep.png").exists()  # the earlier sweep's files are gone
    assert first.table.loc[1, "cost.total"] == again.table.loc[0, "cost.total"]


# ---------------------------------------------------------------------------- failed cells
_FAILED_ONCE: set[int] = set()


def _fails_once_for_seed_43(scenario_data, overrides, seed):
    """A worker whose first run of each seed-43 cell fails (a stand-in for a transient fault)."""
    if seed == 43 and overrides["support_centres.count"] not in _FAILED_ONCE:
        _FAILED_ONCE.add(overrides["support_centres.count"])
        raise RuntimeError("disk full\nwhile writing")
    return _REAL_RUN_POINT(scenario_data, overrides, seed)


_REAL_RUN_POINT = sweep_mod.run_point


def test_a_failing_cell_is_recorded_the_rest_go_on_and_resume_reruns_it(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(sweep_mod, "run_point", _fails_once_for_seed_43)
    _FAILED_ONCE.clear()
    params = [("support_centres.count", [0, 4])]
    res = _sweep(tiny, tmp_path, params=params, seeds=[42, 43])
    assert sorted((f["overrides"]["support_centres.count"], f["seed"]) for f in res.failures) == [(0, 43), (4, 43)]
    t = res.table
    bad = t[t["status"] == "error"]
    assert list(bad["seed"]) == [43, 43] and list(bad["param.support_centres.count"]) == [0, 4]
    assert (bad["error"] == "RuntimeError: disk full while writing").all()
    assert bad["overall.met_share"].isna().all()
    assert t.loc[t["status"] == "ok", "overall.met_share"].notna().sum() == 2
    assert json.loads((tmp_path / "sweep.json").read_text())["status"] == "failed"

    fixed = _sweep(tiny, tmp_path, params=params, seeds=[42, 43], resume=True)
    assert fixed.skipped == 2 and not fixed.failures
    assert (fixed.table["status"] == "ok").all() and len(_data_lines(tmp_path / "sweep.csv")) == 4


def test_cli_failed_cells_on_worker_processes_exit_1_and_are_listed(tmp_path, capsys):
    out = tmp_path / "fail"
    # a cell that passes the scenario's checks (the file exists) but fails when its city is loaded
    bad = (tmp_path / "broken.graphml").resolve()
    bad.write_text("not graphml")
    code = main(["sweep", str(AI_CITY), "--param", f"city.source=synthetic,{bad}", "--seeds", "1",
                 "--workers", "1", "--out", str(out), "--quiet", *TINY_ARGS])
    assert code == 1
    err = capsys.readouterr().err
    assert "1 of 2 cells failed" in err and f"city.source={bad} seed=42" in err and "--resume" in err
    assert "Traceback" not in err
    t = pd.read_csv(out / "sweep.csv")
    assert list(t["status"]) == ["ok", "error"] and list(t["seed"]) == [42, 42]
    assert t.loc[1, "error"].startswith(f"{bad}: not a readable OSMnx GraphML file")
    assert t.loc[0, "overall.met_share"] > 0 and pd.isna(t.loc[1, "overall.met_share"])
    assert (out / "sweep.png").stat().st_size > 0


# ---------------------------------------------------------------------------- Ctrl-C
def _sweep_process(out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "kaicity", "sweep", str(AI_CITY), "--param", "support_centres.count=0,4",
           "--seeds", "2", "--workers", "1", "--out", str(out), "--quiet", *TINY_ARGS, *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def _wait_for(condition, what: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_ctrl_c_keeps_finished_cells_closes_the_cluster_and_resume_completes(tmp_path):
    out = tmp_path / "int"
    proc = _sweep_process(out)
    results = out / "sweep.csv"
    try:
        _wait_for(lambda: results.exists() and len(_data_lines(results)) >= 1 or proc.poll() is not None,
                  "the first finished cell")
        assert proc.poll() is None, proc.communicate()[1]
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Traceback" not in err and "--resume" in err
    kept = pd.read_csv(results)
    assert 1 <= len(kept) < 4 and (kept["status"] == "ok").all()
    assert f"{len(kept)} of 4 cells kept" in err
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"
    _wait_for(lambda: _group_gone(proc.pid), "the Dask workers to exit", limit=60)

    resumed = _sweep_process(out, "--resume")
    stdout, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert f"4 cells ({len(kept)} kept from an earlier run)" in stdout
    final = pd.read_csv(results)
    assert len(final) == 4 and (final["status"] == "ok").all()
    assert list(zip(final["param.support_centres.count"], final["seed"], strict=True)) == [
        (c, s) for c in (0, 4) for s in (42, 43)]
    for _, row in kept.iterrows():  # the kept cells are in the final table unchanged
        same = final[final["cell"] == row["cell"]].iloc[0]
        assert same["cost.total"] == row["cost.total"]


# ---------------------------------------------------------------------------- bad arguments
BAD_ARGUMENTS = {
    "workers below 1": (["--workers", "0"], "--workers must be at least 1, got 0"),
    "too many workers": (["--workers", "100000"], "more than 4 per CPU core"),
    "no seeds": (["--seeds", "0"], "--seeds must be at least 1, got 0"),
    "absurd seeds": (["--seeds", str(MAX_SEEDS + 1)], f"more than the limit of {MAX_SEEDS:,} seeds"),
    "too many cells": (["--seeds", str(MAX_SEEDS), "--param", "support_centres.count=" + ",".join(
        map(str, range(11)))], f"the grid has 110,000 cells (11 values x 10,000 seeds), more than the limit of "
                               f"{MAX_CELLS:,}"),
    "seed as a param": (["--param", "seed=1,2"], "the seed is swept with --seeds"),
    "key twice": (["--param", "support_centres.count=1", "--param", "support_centres.count=2"],
                  "--param support_centres.count is given twice"),
    "key in --set and --param": (["--set", "support_centres.count=2", "--param", "support_centres.count=1,3"],
                                 "both fixed with --set and swept with --param"),
    "list value": (["--param", "needs.hourly_profile=[0.1,0.2]"], "list- or mapping-valued parameters cannot"),
    "mapping value": (["--param", "support_centres.count=a: 1"], "list- or mapping-valued parameters cannot"),
    "value twice": (["--param", "support_centres.count=1,2,1"], "the value '1' is listed twice"),
    "invalid YAML": (["--param", "name='unterminated"], "is not valid YAML"),
    "no values": (["--param", "support_centres.count="], "no values given"),
    "typo in key": (["--param", "support_centers.count=1,2"], "did you mean 'support_centres'"),
    "bad value": (["--param", "support_centres.count=1,-3"], "support_centres.count: must be an integer"),
    "bad point": (["--param", "transit.drt.vehicles=0,2", "--param", "transit.drt.enabled=false,true"],
                  "grid point transit.drt.vehicles=0, transit.drt.enabled=True:"),
    "seeds past 2^32-1": (["--set", "seed=4294967295", "--seeds", "2"], "go past the largest seed 4294967295"),
    "resume and overwrite": (["--resume", "--overwrite"], "--resume and --overwrite contradict"),
    "malformed scheduler": (["--scheduler", "tcp://127.0.0.1:99999"], "is not a Dask scheduler address"),
    "scheduler scheme": (["--scheduler", "http://127.0.0.1:8786"], "is not a Dask scheduler address"),
    "unreachable scheduler": (["--scheduler", "tcp://127.0.0.1:1"],
                              "--scheduler tcp://127.0.0.1:1: no Dask scheduler answered within 5 s"),
}


@pytest.mark.parametrize("args,message", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_are_one_line_exit_2_before_anything_runs(args, message, tmp_path, capsys):
    out = tmp_path / "out"
    params = [] if "--param" in args else ["--param", "support_centres.count=0,4"]
    code = main(["sweep", str(SMART_CITY), *params, *args, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("kaicity sweep: error: ")
    assert message in err
    assert not (out / "sweep.csv").exists()


def test_out_problems_are_found_before_the_cluster_starts(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for out, message in ((a_file, "is a file; give a folder"), (a_file / "sub", f"lies under the file {a_file}")):
        code = main(["sweep", str(SMART_CITY), "--param", "support_centres.count=0", "--out", str(out), "--quiet"])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and message in err


def test_a_scheduler_without_workers_is_one_line(tmp_path, capsys):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, protocol="tcp://", dashboard_address=":0") as cluster:
        code = main(["sweep", str(SMART_CITY), "--param", "support_centres.count=0,4", "--scheduler",
                     cluster.scheduler_address, "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "the scheduler has no workers" in err and not (tmp_path / "out" / "sweep.csv").exists()
