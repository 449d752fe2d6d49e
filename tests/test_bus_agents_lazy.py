"""Bus run agents are made when read, numbered as the list of every run was (issue 17)."""

from __future__ import annotations

import mesa
import pytest

from kaicity.agents import FixedRouteBus
from kaicity.model.buses import LazyBuses
from kaicity.scenario import load_scenario
from kaicity.services.bus import BusNetwork


def test_lazy_bus_agents_match_the_list_of_every_run(root, small_city):
    cfg = load_scenario(root / "scenarios" / "smart_city.yaml").transit.bus
    net = BusNetwork(small_city, cfg, 2 * 86_400.0, 0.0)
    model = mesa.Model(seed=1)
    buses = LazyBuses(model, net)
    every = [(pi, k) for pi, p in enumerate(net.patterns) for k in range(len(p.run_starts))]
    assert len(buses) == len(every) and buses.created == 0
    assert len(model.agents_by_type.get(FixedRouteBus, [])) == 0  # nothing registered with Mesa yet
    for i in (0, len(every) // 2, len(every) - 1, -1):
        bus = buses[i]
        assert (bus.pattern, bus.run) == every[i]
        assert buses[i] is bus  # made once
        assert bus.departure == net.patterns[bus.pattern].run_starts[bus.run]
    assert buses.created == 3 and len(model.agents_by_type[FixedRouteBus]) == 3
    assert [(b.pattern, b.run) for b in buses[:5]] == every[:5]
    with pytest.raises(IndexError):
        buses[len(every)]
