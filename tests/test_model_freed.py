"""A finished model is freed: nothing kaicity or Mesa keeps holds it (a Dask worker runs hundreds)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from kaicity.agents.base import KaicityAgent, ModelCounters
from kaicity.model import KaiCityModel
from kaicity.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_a_run_model_is_garbage_once_dropped():
    scenario = load_scenario(SCENARIOS / "ai_city.yaml").with_overrides(
        {"population.residents": 300, "simulation.days": 1, "city.n_nodes": 800})
    model = KaiCityModel(scenario)
    model.run()
    assert len(model.agents) > 0
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_ids_count_per_model_across_agent_classes_from_one():
    counters = ModelCounters()

    class Owner:
        pass

    a, b = Owner(), Owner()
    assert [next(counters[a]) for _ in range(3)] == [1, 2, 3]
    assert next(counters[b]) == 1 and next(counters[a]) == 4
    del a
    gc.collect()
    assert len(counters) == 1
    assert isinstance(KaicityAgent._ids, ModelCounters)
