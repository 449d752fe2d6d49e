"""The kaicity.model package: the old import paths, modules of one concern, and the model's face to its agents."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

import kaicity.model
from kaicity.model import EXCLUDE_AI, KaiCityModel, build, cities, constants, core, outcomes, residents, visits
from kaicity.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kaicity" / "model"
TINY = {"city.n_nodes": 600, "population.residents": 300, "simulation.days": 1}


@pytest.fixture(scope="module")
def model() -> KaiCityModel:
    return KaiCityModel(load_scenario(ROOT / "scenarios" / "ai_city.yaml").with_overrides(TINY))


def _longest_class(tree: ast.Module) -> int:
    return max((n.end_lineno - n.lineno + 1 for n in ast.walk(tree) if isinstance(n, ast.ClassDef)), default=0)


def test_the_names_imported_from_kaicity_model_are_the_objects_of_their_modules():
    assert kaicity.model.KaiCityModel is core.KaiCityModel
    assert kaicity.model.LazyResidents is residents.LazyResidents
    assert kaicity.model.city_for is cities.city_for
    assert kaicity.model._cached_city is cities._cached_city
    assert kaicity.model.check_seed is build.check_seed
    for name in ("DRT_MIN_SIMULATED_FLEET", "MAX_SEED", "EXCLUDE_AI", "EXCLUDE_ONLINE", "EXCLUDE_CENTRE"):
        assert getattr(kaicity.model, name) == getattr(constants, name)
    assert set(kaicity.model.__all__) <= set(dir(kaicity.model))


def test_every_model_module_stays_small_and_the_model_class_under_400_lines():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {m.stem for m in modules} >= {"core", "build", "visits", "outcomes", "residents"}
    for module in modules:
        text = module.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, module.name
        assert _longest_class(ast.parse(text)) <= 400, module.name


def _names_agents_read_on_the_model() -> set[str]:
    """Attributes the agents read on ``m`` / ``model`` / ``self.model`` (found in their source)."""
    names = set()
    for path in (ROOT / "kaicity" / "agents").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("m", "model") or \
                    isinstance(owner, ast.Attribute) and owner.attr == "model":
                names.add(node.attr)
    return names


def test_what_the_agents_call_on_the_model_is_still_on_it(model):
    names = _names_agents_read_on_the_model()
    assert {"depart", "fail", "escalate", "wait_for_opening", "turn_back", "defer"} <= names
    missing = sorted(n for n in names if not hasattr(model, n))
    assert not missing


def test_the_delegates_act_on_the_model(model):
    need = 0
    queued = len(model._events)
    model.escalate(need, EXCLUDE_AI, 10.0)
    assert model.excluded[need] & EXCLUDE_AI
    assert len(model._events) == queued + 1
    assert (10.0, constants.NEED, need) in [(t, kind, item) for t, _, kind, item in model._events]
    group = model.population.group[model.owner(need)]
    before = int(model.forgone_by_group[group])
    model.forgo(need, "queue_full", 10.0)
    assert model.forgone_by_group[group] == before + 1
    model.log.travel_s[need] = 5.0
    model.restart_trip(need)
    assert math.isnan(model.log.travel_s[need])


def test_outcomes_and_visits_are_plain_functions_of_the_model():
    for module in (build, outcomes, visits):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        assert not [n for n in tree.body if isinstance(n, ast.ClassDef)], module.__name__
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name != "check_seed"]
        assert funcs and all(f.args.args[0].arg == "model" for f in funcs), module.__name__
