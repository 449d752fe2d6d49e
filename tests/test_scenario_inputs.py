"""Hostile scenario input (alias bombs, control characters, deep nesting, symlink loops, huge files),
scenario names that would be paths, and requests the model adjusts (reported, never silent)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from kaicity import cli
from kaicity.errors import KaicityWarning, ScenarioError
from kaicity.scenario import Scenario, load_scenario, parse_overrides
from kaicity.scenario.lines import MAX_DEPTH, MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    """The one-line message of loading ``path``; also checks ``kaicity validate`` exits 2 without a traceback."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def cli_error(capsys, *argv: str) -> str:
    """Run the CLI in-process; assert exit 2 and a one-line error without a traceback; return it."""
    code = cli.main(list(argv))
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def billion_laughs(levels: int = 12) -> str:
    """A YAML alias bomb: 10 ** levels strings when expanded, a few hundred bytes written."""
    lines = ["name: bomb", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# YAML aliases
# --------------------------------------------------------------------------------------
def test_alias_bomb_is_refused_in_a_fresh_process_within_the_timeout(tmp_path):
    """Expanding 10**12 strings would take days and terabytes; refusing aliases answers at once."""
    path = write(tmp_path, "bomb.yaml", billion_laughs())
    proc = subprocess.run([sys.executable, "-m", "kaicity", "validate", str(path)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "bomb.yaml:3:" in proc.stderr and "aliases (*a0)" in proc.stderr and "extends" in proc.stderr


@pytest.mark.parametrize("text, line", [
    ("name: x\nbase: &b {residents: 10}\npopulation:\n  <<: *b\n", 4),  # merge key
    ("name: x\ndescription: &d hello\nseed: *d\n", 3),
])
def test_every_alias_is_refused_with_file_and_line(tmp_path, text, line, capsys):
    path = write(tmp_path, "alias.yaml", text)
    message = load_error(path)
    assert message.startswith(f"{path.name}:{line}:") or f"alias.yaml:{line}:" in message
    assert "aliases" in message
    assert "aliases" in cli_error(capsys, "validate", str(path))


def test_an_anchor_without_alias_is_harmless(tmp_path):
    assert load_scenario(write(tmp_path, "anchor.yaml", "name: &n anchored\n")).name == "anchored"


# --------------------------------------------------------------------------------------
# characters and encodings
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, line, shown", [
    ("name: x\n\ndescription: a\x00b\n", 3, "U+0000 (NUL)"),            # raw NUL in the file
    ("name: x\ndescription: a\x1bb\n", 2, "U+001B (ESC)"),              # raw escape character
    ("name: x\ndescription: a\x7fb\n", 2, "U+007F (DEL)"),
    ('name: x\ndescription: "a\\0b"\n', 2, "U+0000 (NUL)"),             # escaped NUL in a value
    ('name: x\ndescription: "\\e[31mred"\n', 2, "U+001B (ESC)"),
    ('name: "a\\x01b"\n', 1, "U+0001"),
])
def test_control_characters_are_refused_naming_file_and_line(tmp_path, text, line, shown, capsys):
    path = write(tmp_path, "ctl.yaml", text)
    message = load_error(path)
    assert f"ctl.yaml:{line}:" in message and shown in message
    assert shown in cli_error(capsys, "validate", str(path))


def test_tabs_and_line_breaks_in_values_are_allowed(tmp_path):
    sc = load_scenario(write(tmp_path, "ok.yaml", 'name: x\ndescription: "a\\tb\\r\\nc"\n'))
    assert sc.description == "a\tb\r\nc"


def test_non_utf8_bytes_are_refused_with_their_line(tmp_path, capsys):
    path = write(tmp_path, "latin1.yaml", "name: x\ndescription: café\n".encode("latin-1"))
    message = load_error(path)
    assert "latin1.yaml:2:" in message and "not a UTF-8 text file" in message and "0xe9" in message
    assert "UTF-8" in cli_error(capsys, "validate", str(path))


def test_a_file_over_the_size_cap_is_refused_before_parsing(tmp_path, capsys):
    path = write(tmp_path, "huge.yaml", "name: x\n" + "#" * MAX_FILE_BYTES + "\n")
    message = load_error(path)
    assert "huge.yaml" in message and f"{MAX_FILE_BYTES:,} bytes" in message
    assert "larger than" in cli_error(capsys, "validate", str(path))


# --------------------------------------------------------------------------------------
# nesting
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["lists", "mappings", "block"])
def test_very_deep_nesting_is_an_error_not_a_recursion_error(tmp_path, kind, capsys):
    if kind == "lists":
        body = "description: " + "[" * 10_000 + "]" * 10_000
    elif kind == "mappings":
        body = "description: " + "{a: " * 10_000 + "1" + "}" * 10_000
    else:
        body = "description:\n" + "".join(" " * i + "a:\n" for i in range(1, 400)) + " " * 400 + "a: 1"
    path = write(tmp_path, "deep.yaml", "name: x\n" + body + "\n")
    message = load_error(path)
    assert "deep.yaml:" in message and f"more than {MAX_DEPTH} levels" in message
    assert "levels" in cli_error(capsys, "validate", str(path))


def test_nesting_within_the_limit_still_loads(tmp_path):
    deep = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)
    assert load_scenario(write(tmp_path, "ok.yaml", f"name: x\ntargets: {{}}\n# {deep}\n")).name == "x"
    with pytest.raises(ScenarioError, match="expected"):  # parsed fine, then refused by the schema
        load_scenario(write(tmp_path, "deep_ok.yaml", f"name: x\ndescription: {deep}\n"))


# --------------------------------------------------------------------------------------
# --set values
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, shown", [
    ("[&a [1, 2], *a]", "aliases"),
    ("[" * 5000 + "]" * 5000, "levels"),
    ("{a: [}", "not valid YAML"),
    ('"a\\0b"', "U+0000"),
])
def test_bad_set_values_are_one_line_errors(value, shown, capsys):
    with pytest.raises(ScenarioError) as info:
        parse_overrides([f"description={value}"])
    assert shown in str(info.value) and "description" in str(info.value) and "\n" not in str(info.value)
    scenario = str(ROOT / "scenarios" / "smart_city.yaml")
    assert shown in cli_error(capsys, "run", scenario, "--set", f"description={value}")


# --------------------------------------------------------------------------------------
# extends through symbolic links
# --------------------------------------------------------------------------------------
@pytest.fixture
def links(tmp_path):
    if not hasattr(os, "symlink"):
        pytest.skip("no symbolic links on this platform")
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    (tmp_path / "self.yaml").symlink_to("self.yaml")
    return tmp_path


@pytest.mark.parametrize("name, chain", [("a.yaml", "a.yaml -> b.yaml -> a.yaml"),
                                         ("self.yaml", "self.yaml -> self.yaml")])
def test_a_scenario_path_whose_links_loop_names_the_chain(links, name, chain, capsys, monkeypatch):
    monkeypatch.chdir(links)
    message = load_error(links / name)
    assert f"symbolic link loop {chain}" in message
    assert chain in cli_error(capsys, "validate", name)


@pytest.mark.parametrize("target, chain", [("a.yaml", "a.yaml -> b.yaml -> a.yaml"),
                                           ("self.yaml", "self.yaml -> self.yaml")])
def test_extends_through_a_link_loop_names_the_extends_line_and_the_chain(links, target, chain, capsys,
                                                                         monkeypatch):
    monkeypatch.chdir(links)
    path = write(links, "child.yaml", f"name: child\n# a comment\nextends: {target}\n")
    message = load_error(path)
    assert message.startswith("child.yaml:3: extends: symbolic link loop") and chain in message
    assert chain in cli_error(capsys, "validate", "child.yaml")


def test_an_extends_cycle_through_a_link_is_a_cycle(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "base.yaml", "name: base\nextends: link.yaml\n")
    (tmp_path / "link.yaml").symlink_to("base.yaml")
    message = load_error(tmp_path / "base.yaml")
    assert "extends: cycle" in message and "base.yaml" in message


def test_a_link_to_a_real_scenario_still_loads(tmp_path):
    write(tmp_path, "real.yaml", "name: real\n")
    (tmp_path / "link.yaml").symlink_to("real.yaml")
    assert load_scenario(write(tmp_path, "child.yaml", "name: c\nextends: link.yaml\n")).name == "c"


# --------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------
BAD_NAMES = ["a/b", "../escape", "/etc", "..", ".", "a\\b", "C:evil", "", "   ", "tab\there", "nul\x00",
             "line\nbreak", "x" * 121, "가" * 41]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_is_not_a_plain_label_is_refused_naming_the_key(name):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict({"name": name})
    message = str(info.value)
    assert message.startswith("name: ") and "\n" not in message


@pytest.mark.parametrize("name", ["../escape", "/abs/path", "a/b"])
def test_bad_names_from_files_and_overrides_name_file_line_and_key(tmp_path, name, capsys):
    path = write(tmp_path, "n.yaml", f"# comment\nname: '{name}'\n")
    message = load_error(path)
    assert message.startswith("n.yaml:2: name: ") or "n.yaml:2: name: " in message
    assert "not a path" in message
    assert "name: " in cli_error(capsys, "validate", str(path))
    good = load_scenario(write(tmp_path, "good.yaml", "name: good\n"))
    with pytest.raises(ScenarioError, match="^name: "):
        good.with_overrides({"name": name})
    assert "name: " in cli_error(capsys, "run", str(tmp_path / "good.yaml"), "--set", f"name={name}",
                                 "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["세종_AI", "ai_city", "AI city (Mapo) v2", "x" * 120, "가" * 40, "a.b", "..x"])
def test_plain_labels_stay_valid(name):
    assert Scenario.from_dict({"name": name}).name == name


def test_shipped_scenario_names_are_valid():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert load_scenario(path).name == path.stem


# --------------------------------------------------------------------------------------
# adjusted requests are reported
# --------------------------------------------------------------------------------------
TINY = {"city.n_nodes": 500, "population.residents": 300, "simulation.days": 1,
        "simulation.tick_minutes": 15.0}


@pytest.fixture(scope="module")
def clamped(tmp_path_factory):
    """A tiny AI city asking for more than it can have; run and written once."""
    from kaicity.model import KaiCityModel
    from kaicity.report import write_run

    sc = load_scenario(ROOT / "scenarios" / "ai_city.yaml").with_overrides({
        **TINY, "support_centres.count": 10_000, "population.scale": 10.0, "transit.drt.vehicles": 6,
        "transit.drt.vehicles_per_1000": None,
        "transit.bus.capacity": 3, "transit.bus.n_lines": 1000, "city.facilities": "synthetic",
        "city.facility_counts": {"healthcare": 100_000}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = KaiCityModel(sc).run()
    out = tmp_path_factory.mktemp("clamped")
    summary = write_run(model, out)
    return model, [w for w in caught if issubclass(w.category, KaicityWarning)], summary, out


# (bus seats are not clamped: runs hold capacity/scale agents on average, see summary["simulated"])
@pytest.mark.parametrize("key", ["support_centres.count", "transit.drt.vehicles",
                                 "transit.bus.n_lines", "city.facility_counts.healthcare"])
def test_each_clamp_is_warned_and_written_to_summary_and_report(clamped, key):
    model, caught, summary, out = clamped
    [message] = [w for w in model.warnings if w.startswith(key + ":")]
    assert "\n" not in message
    assert message in [str(w.message) for w in caught]
    on_disk = json.loads((out / "summary.json").read_text())
    assert message in on_disk["warnings"] == summary["warnings"]
    assert f"- {message}" in (out / "report.md").read_text()


def test_clamp_messages_say_what_was_asked_and_what_was_done(clamped):
    model, *_ = clamped
    by_key = {w.split(":")[0]: w for w in model.warnings}
    placed = len(model.support_centres)
    assert 0 < placed < 10_000
    assert f"10,000 centres requested but only {placed:,} placed" in by_key["support_centres.count"]
    assert "6 vehicles at population.scale 10 are simulated as 1" in by_key["transit.drt.vehicles"]
    assert "10 real vehicles" in by_key["transit.drt.vehicles"]
    assert "NOT representative" in by_key["transit.drt.vehicles"]  # 1 simulated van: too few to pool
    assert model.simulated["bus_seats_per_run"] == pytest.approx(3 / 10)  # seats as a rate, not clamped
    built = model.bus.lines_built
    assert f"1,000 bus lines requested but only {built:,}" in by_key["transit.bus.n_lines"]
    n_health = sum(1 for p in model.places if getattr(p, "category", None) == "healthcare")
    assert f"100,000 facilities requested but only {n_health:,} placed" \
        in by_key["city.facility_counts.healthcare"]


def test_a_run_that_gets_what_it_asks_has_no_warnings(tmp_path):
    from kaicity.model import KaiCityModel
    from kaicity.report import write_run

    # (6 auto bus lines do not fit a 500-node city: only 4 can be built, which is warned; nor does the
    # per-1,000 fleet give this tiny town the 5 vans a representative DRT result needs)
    sc = load_scenario(ROOT / "scenarios" / "ai_city.yaml").with_overrides(
        {**TINY, "transit.bus.n_lines": 2, "transit.drt.vehicles": 5, "transit.drt.vehicles_per_1000": None})
    with warnings.catch_warnings():
        warnings.simplefilter("error", KaicityWarning)
        model = KaiCityModel(sc).run()
    summary = write_run(model, tmp_path)
    assert model.warnings == [] and summary["warnings"] == []
    assert "## Warnings" not in (tmp_path / "report.md").read_text()


def test_the_cli_prints_each_clamp_as_one_warning_line(tmp_path, capsys):
    code = cli.main(["run", str(ROOT / "scenarios" / "smart_city.yaml"), "--quiet", "--out", str(tmp_path / "o"),
                     *[f"--set={k}={v}" for k, v in TINY.items()], "--set", "support_centres.count=10000"])
    err = capsys.readouterr().err
    assert code == 0
    lines = [ln for ln in err.splitlines() if "warning" in ln]
    assert lines and all(ln.startswith("kaicity run: warning: ") for ln in lines)
    assert any(ln.startswith("kaicity run: warning: support_centres.count: 10,000 centres requested")
               for ln in lines)
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["warnings"] == [
        ln.removeprefix("kaicity run: warning: ") for ln in lines]
