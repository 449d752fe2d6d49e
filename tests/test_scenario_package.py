"""The kaicity.scenario package: one override parser, defaults stated once, modules of one job."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from kaicity import accessibility
from kaicity.cli import main
from kaicity.errors import ScenarioError
from kaicity.scenario import PopulationSection, Scenario, apply_overrides, load_scenario, parse_overrides

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kaicity" / "scenario"


@pytest.fixture(scope="module")
def ai_city() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "ai_city.yaml")


def test_apply_overrides_takes_strings_or_a_mapping_and_agrees_with_with_overrides(ai_city):
    items = ["population.residents=321", "transit.drt.rebalancing={enabled: false}", "needs.hourly_profile.9=0.5"]
    from_strings = apply_overrides(ai_city, items)
    from_mapping = apply_overrides(ai_city, parse_overrides(items))
    assert from_strings == from_mapping == ai_city.with_overrides(parse_overrides(items))
    assert from_strings.population.residents == 321
    assert from_strings.transit.drt.rebalancing.enabled is False
    assert from_strings.transit.drt.rebalancing.interval_min == ai_city.transit.drt.rebalancing.interval_min
    assert from_strings.file == ai_city.file and from_strings.files == ai_city.files
    assert ai_city.population.residents != 321  # the input is not modified


def test_apply_overrides_of_nothing_is_the_scenario_itself(ai_city):
    assert apply_overrides(ai_city, None) is ai_city
    assert apply_overrides(ai_city, "seed=5").seed == 5  # one string is one override, not characters


@pytest.mark.parametrize(("overrides", "expected"), [
    (["population.resident=5"], r"did you mean 'residents'\? \(from overrides\)"),
    (["population.residents"], r"must look like dotted\.key=value"),
    ({"population.residents": "many"}, r"expected an integer .* got the text 'many' \(from overrides\)"),
    ({"needs.hourly_profile.24": 1}, r"index 24 is out of range: the list has 24 items"),
])
def test_apply_overrides_mistakes_are_one_line_scenario_errors(ai_city, overrides, expected):
    with pytest.raises(ScenarioError, match=expected) as info:
        apply_overrides(ai_city, overrides)
    assert "\n" not in str(info.value)


def test_scenarios_pickle_with_the_section_classes_in_their_new_modules(ai_city):
    again = pickle.loads(pickle.dumps(ai_city))
    assert again == ai_city
    assert type(again.transit.drt).__module__ == "kaicity.scenario.schema_transit"
    assert type(again.population.walking_speed_mps).__module__ == "kaicity.scenario.fields"


def test_accessibility_defaults_are_the_schema_defaults():
    pop = PopulationSection()
    assert accessibility.DEFAULT_ELDERLY_SHARE == pop.elderly_share
    assert accessibility.DEFAULT_CHILD_SHARE == pop.child_share
    assert {g: accessibility.DEFAULT_SPEEDS[g] for g in pop.walking_speed_mps.KEYS} == \
        pop.walking_speed_mps.as_dict()


def test_access_command_defaults_to_the_schema_population(tmp_path, capsys):
    assert main(["access", "synthetic:n=600,seed=2", "--no-map", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{PopulationSection().residents:,} residents sampled" in out


def _longest_class(tree: ast.Module) -> int:
    return max((n.end_lineno - n.lineno + 1 for n in ast.walk(tree) if isinstance(n, ast.ClassDef)), default=0)


def test_every_scenario_module_has_one_job_and_stays_small():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {m.stem for m in modules} >= {"schema", "loading", "overrides", "messages", "reference", "lines"}
    for module in modules:
        text = module.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 600, module.name
        assert _longest_class(ast.parse(text)) <= 400, module.name
