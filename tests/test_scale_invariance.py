"""Scale invariance: the same people as agents at scale 1 and as a quarter of the agents at scale 4.

The smart-vs-AI difference in needs met must agree within seed noise.  The tolerance comes
from the seed-to-seed spread measured on this set-up (seeds 1-9, 2,000 people on the small
synthetic city, 20 DRT vans): the AI-minus-smart difference in needs met had a standard
deviation of 0.8 points at scale 1 (2,000 agents) and 3.1 points at scale 4 (500 agents).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from kaicity.model import DRT_MIN_SIMULATED_FLEET, KaiCityModel

PEOPLE = 2000
SEEDS = (1, 2, 3)
#: seed-to-seed SD (points) of the AI-minus-smart difference in needs met, measured (module docstring)
SD_SCALE_1, SD_SCALE_4 = 0.8, 3.1
#: three standard errors of the difference of the two means over SEEDS
TOLERANCE = 3.0 * math.sqrt((SD_SCALE_1 ** 2 + SD_SCALE_4 ** 2) / len(SEEDS))


def _met_share(root, small_city, name: str, seed: int, scale: float) -> float:
    overrides = {"population.residents": round(PEOPLE / scale), "population.scale": scale,
                 "transit.drt.vehicles": 20}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = KaiCityModel(root / "scenarios" / f"{name}.yaml", seed=seed, city=small_city,
                         overrides=overrides).run()
    return 100.0 * m.met_by_delivery.sum() / m.n_needs


def test_smart_vs_ai_difference_is_the_same_at_scale_1_and_4(root, small_city):
    diffs = {}
    for scale in (1.0, 4.0):
        diffs[scale] = np.array([_met_share(root, small_city, "ai_city", s, scale)
                                 - _met_share(root, small_city, "smart_city", s, scale) for s in SEEDS])
    gap = abs(diffs[1.0].mean() - diffs[4.0].mean())
    assert gap <= TOLERANCE, (diffs, TOLERANCE)


def test_a_scaled_run_states_its_fleet_and_warns_below_the_pooling_size(root, small_city):
    with pytest.warns(Warning, match="NOT representative"):
        m = KaiCityModel(root / "scenarios" / "ai_city.yaml", city=small_city,
                         overrides={"population.residents": 500, "population.scale": 4.0,
                                    "support_centres.staff": 2})
    assert m.simulated["drt_vehicles"] == 3 < DRT_MIN_SIMULATED_FLEET
    assert m.simulated["bus_seats_per_run"] == pytest.approx(45 / 4)
    staff = m.simulated["support_centre_staff"]
    assert staff["real"] == 2 and staff["simulated"] == 1
    assert staff["agent_occupancy_min"] == pytest.approx(30.0 * 4 / 2)
    full = KaiCityModel(root / "scenarios" / "ai_city.yaml", city=small_city,
                        overrides={"population.residents": 500})
    assert full.simulated["drt_vehicles"] == 12
    assert not any("NOT representative" in w for w in full.warnings)  # a full-scale fleet: no such warning
