"""Output folders you can trust (issue 11, items 3 and 6, seed and --set of item 5).

Safe folder names, --out checked before work, atomic runs that leave nothing complete-looking
when interrupted (Ctrl-C, SIGTERM), no mixing with an earlier run, no files in the current
directory, bad seeds and --set values, and the paired / not-paired line of comparison.md.
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

from kaicity.cli import main
from kaicity.errors import InputFileError, ScenarioError, SimulationError
from kaicity.outdir import MARKER, atomic_output, child_folder, safe_component, scenario_folders

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
TINY = ["--set", "city.n_nodes=2000", "--set", "population.residents=300", "--set", "simulation.tick_minutes=10"]


def _one_line_error(capsys, *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for n in needles:
        assert n in err, (n, err)
    return err


def _run(out: Path, *extra: str) -> int:
    return main(["run", str(SCEN / "smart_city.yaml"), "--out", str(out), "--quiet", *TINY, *extra])


# ------------------------------------------------------------------ names -> folders
@pytest.mark.parametrize("name", ["../../etc", "/abs/path", "a/b", "..", ".", ".hidden", "a\x00b\nc", "",
                                  "x" * 500, "C:\\win", "서울 AI 도시"])
def test_scenario_name_gives_one_safe_component(name, tmp_path):
    comp = safe_component(name)
    assert comp and comp not in (".", "..") and not comp.startswith(".")
    assert "/" not in comp and "\\" not in comp and "\x00" not in comp and "\n" not in comp
    assert len(comp) <= 80
    folder = child_folder(tmp_path, name)
    assert folder.parent == tmp_path and folder.resolve().parent == tmp_path.resolve()


def test_plain_names_are_kept():
    assert safe_component("smart_city") == "smart_city"
    assert safe_component("서울_ai-2.0") == "서울_ai-2.0"


@pytest.mark.parametrize("names", [["Smart", "smart"], ["a/b", "a_b"], ["x y", "x/y"], ["../a", "a"]])
def test_two_scenarios_sharing_a_folder_are_refused(names):
    with pytest.raises(ScenarioError, match="would share the output folder"):
        scenario_folders(names)


def test_compare_refuses_names_sharing_a_folder_before_running(tmp_path, capsys):
    files = []
    for i, name in enumerate(["Town", "town"]):
        f = tmp_path / f"s{i}.yaml"
        f.write_text(f"extends: {SCEN / 'smart_city.yaml'}\nname: {name}\n")
        files.append(str(f))
    out = tmp_path / "cmp"
    assert main(["compare", *files, "--out", str(out), "--quiet", *TINY]) == 2
    _one_line_error(capsys, "'Town'", "'town'", "share the output folder")
    assert not out.exists() and not list(tmp_path.glob(".cmp*"))


# ------------------------------------------------------------------ --out checks before work
@pytest.fixture
def no_simulation(monkeypatch):
    """Make building a model fail loudly, to prove a check happened before the simulation."""
    import kaicity.model

    def boom(*a, **k):
        raise AssertionError("the simulation started")

    monkeypatch.setattr(kaicity.model, "KaiCityModel", boom)


def test_out_is_a_file(tmp_path, capsys, no_simulation):
    f = tmp_path / "results.txt"
    f.write_text("mine")
    assert _run(f) == 2
    _one_line_error(capsys, str(f), "is a file")
    assert f.read_text() == "mine"


def test_out_under_a_file(tmp_path, capsys, no_simulation):
    f = tmp_path / "results.txt"
    f.write_text("mine")
    assert main(["compare", str(SCEN / "smart_city.yaml"), str(SCEN / "ai_city.yaml"),
                 "--out", str(f / "sub" / "cmp"), "--quiet", *TINY]) == 2
    _one_line_error(capsys, str(f), "is a file")


def test_out_cannot_be_created(tmp_path, capsys, no_simulation):
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        out = locked / "run"
    elif Path("/sys").is_dir():
        out = Path("/sys/kaicity-test-out")  # even root cannot make folders in sysfs
    else:  # pragma: no cover
        pytest.skip("no unwritable folder for root")
    assert _run(out) == 2
    _one_line_error(capsys, str(out), "cannot create the output folder")


def test_out_containing_the_current_directory_is_refused(tmp_path, monkeypatch, capsys, no_simulation):
    monkeypatch.chdir(tmp_path)
    assert _run(Path(".")) == 2
    _one_line_error(capsys, "would contain the current directory")


# ------------------------------------------------------------------ stale files never mix
def test_non_empty_out_is_refused_and_overwrite_replaces_it(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "stale.csv").write_text("old")
    assert _run(out) == 2
    _one_line_error(capsys, str(out), "--overwrite")
    assert (out / "stale.csv").exists() and not (out / "summary.json").exists()
    # --overwrite never deletes a folder kaicity did not write
    assert _run(out, "--overwrite") == 2
    _one_line_error(capsys, MARKER, "will not delete")
    assert (out / "stale.csv").exists()

    (out / "stale.csv").unlink()
    assert _run(out) == 0  # an empty folder is fine
    first = json.loads((out / "summary.json").read_text())
    (out / "stale.csv").write_text("old")
    assert _run(out) == 2
    capsys.readouterr()
    assert _run(out, "--overwrite", "--seed", "7") == 0
    assert not (out / "stale.csv").exists()
    again = json.loads((out / "summary.json").read_text())
    assert again["seed"] == 7 != first["seed"]
    assert json.loads((out / MARKER).read_text())["kind"] == "run"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial/old folders left


def test_failure_inside_leaves_nothing(tmp_path):
    out = tmp_path / "r"
    with pytest.raises(RuntimeError), atomic_output(out) as tmp:
        (tmp / "summary.json").write_text("{}")
        raise RuntimeError("failed half way")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "f").write_text("")
    with pytest.raises(InputFileError, match="is a file"), atomic_output(tmp_path / "f" / "x"):
        pass


# ------------------------------------------------------------------ nothing in the current directory
def test_network_and_access_write_under_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["network", "synthetic:n=600,seed=1"]) == 0
    assert main(["access", "synthetic:n=600,seed=1", "--residents", "500"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out/network/network.png").stat().st_size > 0
    assert (tmp_path / "out/access/access_map.png").stat().st_size > 0
    assert len(pd.read_csv(tmp_path / "out/access/access_coverage.csv")) > 0
    assert "out/access/access_coverage.csv" in capsys.readouterr().out
    # a second access run with --no-map cannot leave the first run's map beside its table
    assert main(["access", "synthetic:n=600,seed=1", "--residents", "500", "--no-map"]) == 2
    _one_line_error(capsys, "--overwrite")
    assert main(["access", "synthetic:n=600,seed=1", "--residents", "500", "--no-map", "--overwrite"]) == 0
    assert not (tmp_path / "out/access/access_map.png").exists()


def test_run_default_out_is_under_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(SCEN / "smart_city.yaml"), "--quiet", *TINY]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "smart_city" / "summary.json").is_file()


# ------------------------------------------------------------------ seeds and --set
@pytest.mark.parametrize("seed", ["-1", str(2**32), "1.5", "abc", "1e3"])
def test_bad_seed_is_a_usage_error(seed, capsys):
    for cmd in (["run", str(SCEN / "smart_city.yaml")],
                ["compare", str(SCEN / "smart_city.yaml"), str(SCEN / "ai_city.yaml")]):
        with pytest.raises(SystemExit) as exc:
            main([*cmd, f"--seed={seed}"])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "--seed" in err and "0..4294967295" in err and "Traceback" not in err


def test_largest_seed_is_accepted(tmp_path):
    assert _run(tmp_path / "r", "--seed", str(2**32 - 1)) == 0
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["seed"] == 2**32 - 1


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "3", True])
def test_model_refuses_bad_seed(seed):
    from kaicity.model import KaiCityModel
    from kaicity.scenario import load_scenario

    with pytest.raises(SimulationError, match=r"0\.\.4294967295") as exc:
        KaiCityModel(load_scenario(SCEN / "smart_city.yaml"), seed=seed)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("value, needle", [("[1,", "not valid YAML"), ("{a: 1", "not valid YAML"),
                                           ("a: b: c", "not valid YAML"), ("'open", "not valid YAML"),
                                           ("bad\x01char", "not valid YAML"),
                                           ("[&a [1, 2], *a]", "aliases (*a) are not allowed")])
def test_bad_set_value_is_one_line_naming_the_key(value, needle, tmp_path, capsys, no_simulation):
    out = tmp_path / "r"
    assert main(["run", str(SCEN / "smart_city.yaml"), "--out", str(out),
                 "--set", f"population.residents={value}"]) == 2
    _one_line_error(capsys, "population.residents", needle)
    assert not out.exists()


def test_set_without_key_is_refused(capsys, no_simulation):
    assert main(["run", str(SCEN / "smart_city.yaml"), "--set", "=3"]) == 2
    _one_line_error(capsys, "must look like dotted.key=value")


# ------------------------------------------------------------------ paired or not
def test_compare_says_runs_are_paired(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(SCEN / "smart_city.yaml"), str(SCEN / "ai_city.yaml"), "--out", str(out),
                 "--seed", "5", "--seeds", "1", "--quiet", *TINY]) == 0
    printed = capsys.readouterr().out
    md = (out / "comparison.md").read_text()
    head = md.split("| KPI |")[0]
    assert "Paired runs" in head and "seed 5" in head and "Not paired" not in md
    assert "Paired runs" in printed
    table = pd.read_csv(out / "comparison.csv").set_index(["kpi", "scenario"])
    assert float(table.loc[("paired", "smart_city"), "mean"]) == 1
    assert float(table.loc[("paired", "ai_city"), "mean"]) == 1
    assert is_complete_run(out / "smart_city") and is_complete_run(out / "ai_city")
    assert "(ai_city/report.md)" in md


def is_complete_run(folder: Path) -> bool:
    return (folder / MARKER).is_file() and (folder / "summary.json").is_file()


def test_compare_says_runs_are_not_paired(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(SCEN / "ai_city.yaml"), str(SCEN / "rural_smart.yaml"), "--out", str(out),
                 "--seeds", "1", "--quiet", *TINY]) == 0
    printed = capsys.readouterr().out
    md = (out / "comparison.md").read_text()
    head = md.split("| KPI |")[0]
    assert "**Not paired:**" in head and "Paired runs" not in md
    assert "rural_smart differs from ai_city in city, population" in head
    assert "not from service delivery alone" in head and "not from service delivery alone" in printed
    table = pd.read_csv(out / "comparison.csv").set_index(["kpi", "scenario"])
    assert float(table.loc[("paired", "ai_city"), "mean"]) == 1
    assert float(table.loc[("paired", "rural_smart"), "mean"]) == 0


def test_pairing_names_each_differing_section():
    from kaicity.report import pairing
    from kaicity.scenario import load_scenario

    base = load_scenario(SCEN / "smart_city.yaml")
    others = [base.with_overrides({"transit.drt.enabled": True}),
              base.with_overrides({"needs.daily_rate.healthcare.elderly": 0.5}),
              base.with_overrides({"population.elderly_share": 0.3})]
    summaries = [{"seed": 1, "scenario": s.name} for s in [base, *others]]
    diffs = pairing(summaries, [base, *others])
    assert diffs[0] == [] and diffs[1] == []
    assert diffs[2] == ["needs"]
    assert diffs[3] == ["population"]
    summaries[1]["seed"] = 2
    assert pairing(summaries, [base, *others])[1] == ["seed"]


# ------------------------------------------------------------------ interrupted run and compare
def _cli(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "kaicity", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(proc: subprocess.Popen, ready, what: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not ready():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the command ended before {what}: {proc.returncode}\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            proc.communicate()
            pytest.fail(f"waited too long for {what}")
        time.sleep(0.05)


def _nothing_complete_looking(parent: Path, name: str) -> None:
    assert not (parent / name).exists()
    assert [p.name for p in parent.iterdir() if p.name.startswith(f".{name}")] == []
    assert not list(parent.rglob(MARKER)) and not list(parent.rglob("summary.json"))


SIGNALS = ((signal.SIGINT, 130), (signal.SIGTERM, 143))


def _interrupt_both(start, ready, what: str, folder: str, tmp_path: Path) -> None:
    """Start one command per signal (side by side, to halve the wait), interrupt each once ``ready``."""
    procs = []
    for sig, code in SIGNALS:
        work = tmp_path / sig.name
        work.mkdir()
        procs.append((sig, code, work, start(work)))
    for sig, _code, work, proc in procs:
        _wait_for(proc, lambda w=work: ready(w), what)
        proc.send_signal(sig)
    for sig, code, work, proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == code, (sig, err)
        assert "Traceback" not in err
        _nothing_complete_looking(work, folder)


def test_interrupted_run_leaves_nothing(tmp_path):
    def start(work: Path) -> subprocess.Popen:
        return _cli(["run", str(SCEN / "ai_city.yaml"), "--out", "r", "--quiet", "--days", "365",
                     "--set", "city.n_nodes=2000", "--set", "population.residents=300"], work)

    # the partial folder is made once the scenario is read, before the city is built and the model runs
    _interrupt_both(start, lambda w: any(w.glob(".r.partial-*")), "the partial folder appeared", "r", tmp_path)


def test_interrupted_compare_leaves_nothing(tmp_path):
    short = tmp_path / "short.yaml"
    short.write_text(f"extends: {SCEN / 'smart_city.yaml'}\nsimulation:\n  days: 1\n")
    long = tmp_path / "long.yaml"
    long.write_text(f"extends: {SCEN / 'ai_city.yaml'}\nsimulation:\n  days: 365\n")

    def start(work: Path) -> subprocess.Popen:
        return _cli(["compare", str(short), str(long), "--out", "cmp", "--quiet", *TINY[:4]], work)

    # interrupt once the first scenario's run at the first seed is complete inside the partial folder (the
    # second is running on another Dask worker)
    _interrupt_both(start, lambda w: any(w.glob(f".cmp.partial-*/seed-*/smart_city/{MARKER}")),
                    "the first run finished", "cmp", tmp_path)
