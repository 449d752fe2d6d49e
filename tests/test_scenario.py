"""Scenario loading, validation, ``extends`` chains, overrides and error messages."""

from __future__ import annotations

import importlib.util
import math
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from kaicity.categories import CATEGORIES, GROUPS, ZONES
from kaicity.errors import KaicityError, ScenarioError
from kaicity.scenario import Scenario, load_scenario, parse_overrides, schema_reference

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
AI_SWITCHES_OFF = {"ai_services.enabled": False, "support_centres.count": 0, "transit.drt.enabled": False}
AI_SECTIONS = ("ai_services", "support_centres", "transit.drt")
KEY_LINE = re.compile(r"^\s*[A-Za-z_]\w*\s*:")


def write(folder: Path, name: str, text: str) -> Path:
    """Write a YAML file (creating folders) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def leaf_diff(a, b, prefix: str = "") -> set[str]:
    """Dotted paths of the leaves that differ between two plain trees."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: set[str] = set()
        for key in set(a) | set(b):
            out |= leaf_diff(a.get(key), b.get(key), f"{prefix}{key}.")
        return out
    return set() if a == b else {prefix.rstrip(".")}


def in_sections(path: str, sections) -> bool:
    return any(path == s or path.startswith(s + ".") for s in sections)


def load_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert "\n" not in str(err), "a scenario error must fit on one line"
    return err


# --------------------------------------------------------------------------------------
# shipped scenarios
# --------------------------------------------------------------------------------------
def test_expected_scenarios_are_shipped():
    names = {p.name for p in SHIPPED}
    assert {"smart_city.yaml", "ai_city.yaml", "rural_smart.yaml", "rural_ai.yaml",
            "sejong_shucle.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_validates_and_round_trips(path):
    sc = load_scenario(path)
    assert sc.name == path.stem
    assert sc.description
    assert sc.file is not None and Path(sc.file).resolve() == path.resolve()
    again = Scenario.from_dict(sc.to_dict())
    assert again == sc
    assert again.to_dict() == sc.to_dict()
    assert Scenario.from_dict(yaml.safe_load(sc.to_yaml())) == sc
    assert math.isclose(sum(sc.needs.hourly_profile), 1.0, rel_tol=0, abs_tol=1e-12)


def test_scenario_pickles_for_worker_processes():
    sc = load_scenario(SCENARIOS / "sejong_shucle.yaml")
    again = pickle.loads(pickle.dumps(sc))
    assert again == sc and again.files == sc.files


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_documents_its_values(path):
    """Every line that sets a number in a shipped scenario carries a comment, or its parent line does."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        body = line.split("#", 1)[0]
        if not KEY_LINE.match(body) or not any(ch.isdigit() for ch in body.split(":", 1)[1]):
            continue  # not a key line (e.g. description text), or no number set
        key = body.split(":", 1)[0].strip()
        if key in {"seed", "city_seed", "days", "start_hour", "tick_minutes", "residents", "n_nodes"}:
            continue  # run settings, not facts
        indent = len(line) - len(line.lstrip())
        parents = [ln for ln in lines[:i] if ln.strip() and len(ln) - len(ln.lstrip()) < indent]
        assert "#" in line or (parents and "#" in parents[-1]), f"{path.name}:{i + 1}: no source comment"


def test_smart_city_is_the_small_demo_baseline():
    sc = load_scenario(SCENARIOS / "smart_city.yaml")
    assert sc.files == (sc.file,)
    assert sc.city.is_synthetic and 4000 <= sc.city.n_nodes <= 8000
    assert 6000 <= sc.population.residents <= 10000 and sc.simulation.days == 1
    assert sc.ai_features == {"ai_services": False, "support_centres": False, "drt": False}
    assert sc.online_services.enabled and sc.transit.bus.enabled and sc.transit.bus.lines == "auto"


def test_ai_city_only_adds_ai_services_centres_and_drt():
    smart = load_scenario(SCENARIOS / "smart_city.yaml")
    ai = load_scenario(SCENARIOS / "ai_city.yaml")
    assert ai.files[1:] == smart.files
    diff = leaf_diff(smart.to_dict(), ai.to_dict())
    assert {"ai_services.enabled", "support_centres.count", "transit.drt.enabled"} <= diff
    assert all(in_sections(p, (*AI_SECTIONS, "name", "description")) for p in diff), sorted(diff)
    assert ai.ai_features == {"ai_services": True, "support_centres": True, "drt": True}
    assert ai.transit.drt.vehicles is None and ai.transit.drt.per_1000 == 0.12 and ai.transit.drt.capacity == 11
    assert ai.support_centres.centres_for(ai.population.people) >= 1  # 1.93 per 100k, at least one
    # switching the three AI features off gives exactly the smart city
    off = ai.with_overrides({**AI_SWITCHES_OFF, "name": smart.name, "description": smart.description})
    assert off == smart


def test_rural_pair_only_differs_in_ai_features():
    smart = load_scenario(SCENARIOS / "rural_smart.yaml")
    ai = load_scenario(SCENARIOS / "rural_ai.yaml")
    diff = leaf_diff(smart.to_dict(), ai.to_dict())
    assert diff and all(in_sections(p, (*AI_SECTIONS, "name", "description")) for p in diff), sorted(diff)
    off = ai.with_overrides(AI_SWITCHES_OFF)
    rest = leaf_diff(smart.to_dict(), off.to_dict())
    assert all(in_sections(p, (*AI_SECTIONS, "name", "description")) for p in rest), sorted(rest)
    assert smart.ai_features == {"ai_services": False, "support_centres": False, "drt": False}
    assert off.ai_features == smart.ai_features


def test_rural_county_is_super_aged_rural_and_poorly_served_by_bus():
    sc = load_scenario(SCENARIOS / "rural_smart.yaml")
    pop = sc.population
    assert pop.elderly_share >= 0.40
    assert pop.zone_shares["rural"] == max(pop.zone_shares.values_in_order())
    bus = sc.transit.bus
    open_h, close_h = bus.service_hours
    departures = math.ceil((close_h - open_h) * 60 / bus.rural_headway_min)
    assert departures == 6  # 6 buses a day in 군 (JKST 2022)
    assert bus.stop_spacing_m["rural"] == 1528
    text = (SCENARIOS / "rural_smart.yaml").read_text(encoding="utf-8")
    assert "의성군" in text and "JKST" in text


def test_sejong_shucle_headline_parameters():
    sc = load_scenario(SCENARIOS / "sejong_shucle.yaml")
    assert [Path(f).name for f in sc.files] == ["sejong_shucle.yaml", "ai_city.yaml", "smart_city.yaml"]
    assert sc.population.people == pytest.approx(128_000, rel=0.02)
    drt = sc.transit.drt
    assert drt.enabled and drt.vehicles == 12 and drt.capacity == 11
    assert drt.service_hours == [6, 24] and drt.mode == "virtual_stops"
    assert drt.virtual_stops_per_1000_people * sc.population.people / 1000 == pytest.approx(300, rel=0.02)
    rides = next(t for t in sc.targets if t.kpi == "transit.drt.rides_per_day")
    assert 400 <= rides.observed <= 600 and rides.source
    assert sc.ai_services.enabled and sc.support_centres.centres_for(sc.population.people) > 0


# --------------------------------------------------------------------------------------
# defaults and accessors
# --------------------------------------------------------------------------------------
def test_defaults_and_accessors():
    sc = Scenario.from_dict({"name": "x"})
    assert sc.file is None and sc.files == ()
    assert sc.ai_services.share["healthcare"] == 0.005
    assert list(sc.ai_services.share.as_dict()) == list(CATEGORIES)
    assert list(sc.population.car_access.as_dict()) == list(GROUPS)
    assert list(sc.population.zone_shares.as_dict()) == list(ZONES)
    assert sc.population.literacy["elderly"].mean == 0.5
    assert sum(sc.population.group_shares.values()) == pytest.approx(1.0)
    assert sc.simulation.ticks_per_day == 1440 and sc.simulation.n_ticks == 1440
    assert sc.facilities.opening_hours["daily"] == [7, 23]
    assert sc.needs.daily_rate["healthcare"]["elderly"] == 0.07
    with pytest.raises(KeyError):
        sc.ai_services.share["hospital"]


def test_missing_category_keys_take_their_defaults():
    sc = Scenario.from_dict({"name": "x", "ai_services": {"share": {"welfare": 0.9}},
                             "needs": {"daily_rate": {"healthcare": {"elderly": 0.2}}}})
    assert sc.ai_services.share.as_dict() == {"healthcare": 0.005, "education": 0.1, "welfare": 0.9,
                                             "daily": 0.1, "culture": 0.0}
    assert sc.needs.daily_rate["healthcare"].as_dict() == {"child": 0.02, "adult": 0.025, "elderly": 0.2}
    sc2 = Scenario.from_dict({"name": "x", "population": {"literacy": {"elderly": {"mean": 0.6}}}})
    assert sc2.population.literacy["elderly"].sd == 0.18  # the elderly default, not another group's


def test_hourly_profile_is_normalised():
    weights = [0] * 6 + [1, 2, 3, 4] + [0] * 14
    sc = Scenario.from_dict({"name": "x", "needs": {"hourly_profile": weights}})
    assert sum(sc.needs.hourly_profile) == pytest.approx(1.0)
    assert sc.needs.hourly_profile[9] == pytest.approx(0.4)
    assert Scenario.from_dict(sc.to_dict()) == sc
    for bad, words in (([0] * 24, "all zero"), ([1] * 23, "exactly 24 items"), ([1] * 23 + [-1], ">= 0")):
        with pytest.raises(ScenarioError, match="needs.hourly_profile") as info:
            Scenario.from_dict({"name": "x", "needs": {"hourly_profile": bad}})
        assert words in str(info.value)


def test_schema_reference_covers_every_section():
    rows = schema_reference()
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys))
    for section in Scenario.model_fields:
        assert any(k == section or k.startswith(section + ".") for k in keys), section
    assert all(r["description"] and r["allowed"] and r["source"] for r in rows)
    by_key = {r["key"]: r for r in rows}
    assert by_key["population.elderly_share"]["source"].startswith("행정안전부")
    assert by_key["population.walking_speed_mps.<group>"]["unit"] == "m/s"


def test_docs_are_up_to_date():
    spec = importlib.util.spec_from_file_location("make_scenarios_md", ROOT / "docs" / "make_scenarios_md.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert module.render(current) == current, "run: .venv/bin/python docs/make_scenarios_md.py"


# --------------------------------------------------------------------------------------
# extends
# --------------------------------------------------------------------------------------
def test_extends_chain_deep_merges_child_wins_lists_replaced(tmp_path):
    write(tmp_path, "grand.yaml", """\
name: grand
population:
  residents: 100
  literacy:
    elderly: {mean: 0.4, sd: 0.1}
  car_access: {adult: 0.5}
needs:
  hourly_profile: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
transit:
  drt:
    zones: [core, suburb, rural]
""")
    write(tmp_path, "mid/parent.yaml", """\
extends: ../grand.yaml
name: parent
population:
  literacy:
    elderly: {mean: 0.45}
""")
    child = write(tmp_path, "mid/deeper/child.yaml", """\
extends: ../parent.yaml
name: child
population:
  residents: 300
needs:
  hourly_profile: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
transit:
  drt:
    zones: [rural]
""")
    sc = load_scenario(child)
    assert sc.name == "child"
    assert sc.population.residents == 300                       # child wins
    assert sc.population.literacy["elderly"].mean == 0.45       # parent over grandparent
    assert sc.population.literacy["elderly"].sd == 0.1          # grandparent kept by the deep merge
    assert sc.population.car_access["adult"] == 0.5
    assert sc.needs.hourly_profile[9] == 1.0                    # lists are replaced, not merged
    assert sc.transit.drt.zones == ["rural"]
    assert [Path(f).name for f in sc.files] == ["child.yaml", "parent.yaml", "grand.yaml"]
    assert "extends" not in sc.to_dict()


def test_from_dict_resolves_extends_relative_to_file(tmp_path):
    write(tmp_path, "base.yaml", "name: base\npopulation: {residents: 42}\n")
    sc = Scenario.from_dict({"extends": "base.yaml", "name": "kid"}, file=tmp_path / "kid.yaml")
    assert sc.name == "kid" and sc.population.residents == 42
    shipped = Scenario.from_dict({"extends": "ai_city.yaml", "name": "mine"}, file=SCENARIOS / "mine.yaml")
    assert shipped.transit.drt.enabled and shipped.name == "mine"


def test_city_source_path_is_relative_to_the_yaml_that_set_it(tmp_path):
    net = write(tmp_path, "base/data/town.graphml", "<graphml/>")
    write(tmp_path, "base/base.yaml", "name: base\ncity:\n  source: data/town.graphml\n")
    child = write(tmp_path, "elsewhere/child.yaml", "extends: ../base/base.yaml\nname: child\n")
    assert Path(load_scenario(child).city.source) == net.resolve()
    # a place name or `synthetic` is left alone
    sc = Scenario.from_dict({"name": "x", "city": {"source": "Mapo-gu, Seoul, South Korea"}})
    assert sc.city.source == "Mapo-gu, Seoul, South Korea" and not sc.city.is_synthetic


def test_missing_network_file_names_city_source_and_line(tmp_path):
    path = write(tmp_path, "s.yaml", "name: x\ncity:\n  source: nowhere/town.osm\n")
    err = load_error(path)
    assert err.key_path == "city.source" and err.line == 3
    assert "town.osm: file not found" in str(err)


def test_missing_extends_file(tmp_path):
    path = write(tmp_path, "s.yaml", "name: x\nseed: 1\nextends: nope.yaml\n")
    err = load_error(path)
    assert err.key_path == "extends" and err.line == 3 and err.file == str(path.resolve())
    assert "file not found" in str(err) and "nope.yaml" in str(err)


def test_extends_cycle_is_rejected(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    err = load_error(a)
    assert err.key_path == "extends" and "cycle" in str(err)
    assert err.file == str((tmp_path / "b.yaml").resolve()) and err.line == 2
    assert "a.yaml -> b.yaml -> a.yaml" in str(err).replace(str(tmp_path.resolve()) + "/", "")
    me = write(tmp_path, "me.yaml", "name: me\nextends: me.yaml\n")
    assert "cycle" in str(load_error(me))


def test_error_in_inherited_key_names_the_parent_file(tmp_path):
    parent = write(tmp_path, "parent.yaml", "name: parent\npopulation:\n  residents: -1\n")
    child = write(tmp_path, "kids/child.yaml", "extends: ../parent.yaml\nname: child\n")
    err = load_error(child)
    assert err.file == str(parent.resolve()) and err.line == 3
    assert err.key_path == "population.residents"
    assert str(err).startswith(f"{parent.resolve()}:3: population.residents:")
    # once the child overrides the key, the error (if any) names the child
    write(tmp_path, "kids/child.yaml", "extends: ../parent.yaml\nname: child\npopulation:\n  residents: 0\n")
    err = load_error(child)
    assert err.file == str(child.resolve()) and err.line == 4


# --------------------------------------------------------------------------------------
# one-line errors naming key, file and line
# --------------------------------------------------------------------------------------
BAD = [
    ("typo_key", "name: x\npopluation:\n  residents: 3\n",
     "popluation", 2, ["unknown key 'popluation'", "did you mean 'population'?"]),
    ("nested_typo", "name: x\npopulation:\n  resident: 3\n",
     "population.resident", 3, ["did you mean 'residents'?"]),
    ("negative_count", "name: x\npopulation:\n  residents: -5\n",
     "population.residents", 3, ["an integer in [1, ", "got -5"]),
    ("wrong_type", 'name: x\npopulation:\n  residents: "many"\n',
     "population.residents", 3, ["expected an integer", "got the text 'many'"]),
    ("float_count", "name: x\npopulation:\n  residents: 2000.0\n",
     "population.residents", 3, ["expected an integer", "2000.0"]),
    ("quoted_number", "name: x\npopulation:\n  scale: '2'\n",
     "population.scale", 3, ["expected a number", "remove the quotes"]),
    ("bool_count", "name: x\nsupport_centres:\n  staff: true\n",
     "support_centres.staff", 3, ["expected an integer", "got true"]),
    ("unknown_category", "name: x\nai_services:\n  share:\n    healthcare: 0.3\n    hospital: 0.2\n",
     "ai_services.share.hospital", 5,
     ["unknown category 'hospital'", "healthcare, education, welfare, daily, culture"]),
    ("category_typo", "name: x\nfacilities:\n  service_min: {helthcare: 10}\n",
     "facilities.service_min.helthcare", 3, ["did you mean 'healthcare'?"]),
    ("unknown_group", "name: x\npopulation:\n  car_access:\n    senior: 0.2\n",
     "population.car_access.senior", 4, ["unknown group 'senior'", "child, adult, elderly"]),
    ("unknown_zone", "name: x\ntransit:\n  drt:\n    zones:\n      - core\n      - rurla\n",
     "transit.drt.zones.1", 6, ["unknown zone 'rurla'", "did you mean 'rural'?"]),
    ("shares_sum", "name: x\npopulation:\n  zone_shares: {core: 0.5, suburb: 0.3, rural: 0.1}\n",
     "population.zone_shares", 3, ["must sum to 1", "0.9"]),
    ("group_shares", "name: x\npopulation:\n  elderly_share: 0.9\n  child_share: 0.2\n",
     "population.child_share", 4, ["exceeds 1"]),
    ("bad_hours_order", "name: x\nfacilities:\n  opening_hours:\n    daily: [18, 9]\n",
     "facilities.opening_hours.daily", 4, ["0 <= open < close <= 24", "[18, 9]"]),
    ("bad_hours_range", "name: x\nsupport_centres:\n  opening_hours: [9, 25]\n",
     "support_centres.opening_hours", 3, ["0 <= open < close <= 24"]),
    ("bad_hours_length", "name: x\ntransit:\n  bus:\n    service_hours: [6]\n",
     "transit.bus.service_hours", 4, ["exactly 2 items", "[open, close)"]),
    ("deep_range", "name: x\npopulation:\n  literacy:\n    elderly:\n      mean: 1.5\n",
     "population.literacy.elderly.mean", 5, ["in (0, 1)", "got 1.5"]),
    ("beta_infeasible", "name: x\npopulation:\n  literacy:\n    elderly: {mean: 0.1, sd: 0.4}\n",
     "population.literacy.elderly.sd", 4, ["too large for a Beta"]),
    ("literal", "name: x\ntransit:\n  drt:\n    mode: door2door\n",
     "transit.drt.mode", 4, ["'door_to_door', 'virtual_stops'", "did you mean 'door_to_door'?"]),
    ("yaml_1e3", "name: x\npopulation:\n  scale: 1e3\n",
     "population.scale", 3, ["decimal point"]),
    ("tick", "name: x\nsimulation:\n  tick_minutes: 7\n",
     "simulation.tick_minutes", 3, ["does not divide a day"]),
    ("drt_without_fleet", "name: x\ntransit:\n  drt:\n    enabled: true\n    vehicles: 0\n",
     "transit.drt.vehicles", 5, ["0 vehicles"]),
    ("section_not_mapping", "name: x\npopulation: 5\n",
     "population", 2, ["expected a mapping", "got 5"]),
    ("missing_name", "seed: 3\n", "name", None, ["required key is missing"]),
    ("bus_line", "name: x\ntransit:\n  bus:\n    lines:\n      - name: l1\n"
                 "        stops: [[127.0, 37.5], [227.0, 37.5]]\n        headway_min: 10\n",
     "transit.bus.lines.0.stops.1", 6, ["not a [lon, lat] pair"]),
]


@pytest.mark.parametrize(("text", "key", "line", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_scenario_gives_one_line_error_naming_key_file_and_line(tmp_path, text, key, line, words):
    path = write(tmp_path, "bad.yaml", text)
    err = load_error(path)
    assert isinstance(err, KaicityError)
    assert err.key_path == key
    assert err.file == str(path.resolve())
    assert err.line == line
    msg = str(err)
    prefix = f"{path.resolve()}:{line}: {key}: " if line else f"{path.resolve()}: {key}: "
    assert msg.startswith(prefix), msg
    for w in words:
        assert w in msg, msg
    assert "more)" not in msg


def test_several_errors_report_the_first_by_line_and_count_the_rest(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
name: x
population:
  residents: -1
  elderly_share: 2
ai_services:
  enabld: true
""")
    err = load_error(path)
    assert err.line == 3 and err.key_path == "population.residents"
    assert str(err).endswith("(+2 more)")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("name: x\nseed: 1\n  bad: 2\n", 3, "YAML syntax error"),
    ("name: x\npopulation:\n  residents: [1, 2\n", 4, "started at line 3"),
    ("name: x\nseed: 1\nname: y\n", 3, "duplicate key 'name' (first at line 1)"),
], ids=["indent", "unclosed", "duplicate"])
def test_yaml_syntax_error_is_a_scenario_error_with_line(tmp_path, text, line, words):
    path = write(tmp_path, "bad.yaml", text)
    err = load_error(path)
    assert err.line == line and err.file == str(path.resolve())
    assert words in str(err)


@pytest.mark.parametrize(("text", "words"), [("", "empty"), ("- a\n- b\n", "mapping")], ids=["empty", "list"])
def test_file_that_is_not_a_mapping(tmp_path, text, words):
    assert words in str(load_error(write(tmp_path, "bad.yaml", text)))


def test_missing_scenario_file(tmp_path):
    err = load_error(tmp_path / "nope.yaml")
    assert "not found" in str(err) and err.file == str((tmp_path / "nope.yaml").resolve())


# --------------------------------------------------------------------------------------
# overrides
# --------------------------------------------------------------------------------------
def test_with_overrides_returns_a_new_validated_scenario():
    base = load_scenario(SCENARIOS / "smart_city.yaml")
    new = base.with_overrides({"population.residents": 2000, "ai_services.enabled": True,
                               "ai_services.share.healthcare": np.float64(0.5),
                               "simulation.days": np.int64(2), "needs.hourly_profile.3": 0.5,
                               "transit.drt": {"enabled": True, "vehicles": 3}})
    assert new.population.residents == 2000 and base.population.residents == 8000
    assert new.ai_services.enabled and new.ai_services.share["healthcare"] == 0.5
    assert new.simulation.days == 2
    assert new.needs.hourly_profile[3] > 0 and sum(new.needs.hourly_profile) == pytest.approx(1)
    assert new.transit.drt.enabled and new.transit.drt.vehicles == 3
    assert new.transit.drt.capacity == base.transit.drt.capacity  # a mapping value is merged
    assert new.file == base.file
    assert base.with_overrides({}) == base


@pytest.mark.parametrize(("overrides", "key", "words"), [
    ({"popluation.residents": 1}, "popluation", "did you mean 'population'?"),
    ({"population.resident": 1}, "population.resident", "did you mean 'residents'?"),
    ({"ai_services.share.helthcare": 0.1}, "ai_services.share.helthcare", "did you mean 'healthcare'?"),
    ({"population.residents.x": 1}, "population.residents.x", "single value"),
    ({"needs.hourly_profile.30": 1}, "needs.hourly_profile.30", "out of range"),
    ({"population.residents": "many"}, "population.residents", "expected an integer"),
    ({"population.zone_shares.core": 0.9}, "population.zone_shares", "must sum to 1"),
])
def test_bad_override_names_the_key(overrides, key, words):
    base = Scenario.from_dict({"name": "x"})
    with pytest.raises(ScenarioError) as info:
        base.with_overrides(overrides)
    err = info.value
    assert err.key_path == key and words in str(err) and "\n" not in str(err)


def test_parse_overrides():
    assert parse_overrides(["population.residents=2000", "ai_services.enabled=false",
                            "transit.drt.zones=[rural]", "name = demo"]) == {
        "population.residents": 2000, "ai_services.enabled": False,
        "transit.drt.zones": ["rural"], "name": "demo"}
    with pytest.raises(ScenarioError, match="dotted.key=value"):
        parse_overrides(["population.residents"])


def test_from_dict_accepts_tuples_and_numpy_scalars():
    sc = Scenario.from_dict({"name": "x", "population": {"residents": np.int64(5)},
                             "support_centres": {"opening_hours": (8, 17)},
                             "city": {"facility_counts": {"daily": 3}}})
    assert sc.population.residents == 5 and type(sc.population.residents) is int
    assert sc.support_centres.opening_hours == [8, 17]
    assert sc.city.explicit_facility_counts == {"daily": 3}
    assert sc.city.facility_counts["healthcare"] is None  # the builder's default
