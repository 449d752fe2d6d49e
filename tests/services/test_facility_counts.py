"""A partial ``city.facility_counts`` keeps the builder's default for the categories it leaves out.

docs/scenarios.md promises "null or a missing category = the builder's default", but the
model hands the whole pydantic section (``None`` for every unset category) to the facility
builder, which rejects ``None``.  Known bug (issue 12); the fix belongs with the scenario /
city-spec work (``CitySection.explicit_facility_counts`` already gives the right mapping).
"""

from __future__ import annotations

from kaicity.categories import CATEGORIES
from kaicity.model import city_for
from kaicity.scenario import load_scenario

SMALL = {"city.n_nodes": 600, "city.city_seed": 3}


def test_partial_facility_counts_keep_the_builder_defaults_for_other_categories(root):
    base = load_scenario(root / "scenarios" / "smart_city.yaml")
    default = city_for(base.with_overrides(SMALL)).facilities["category"].value_counts()
    partial = base.with_overrides({**SMALL, "city.facility_counts": {"healthcare": 5}})
    assert partial.city.explicit_facility_counts == {"healthcare": 5}
    counts = city_for(partial).facilities["category"].value_counts()
    assert counts["healthcare"] == 5
    for c in CATEGORIES:
        if c != "healthcare":
            assert counts.get(c, 0) == default.get(c, 0), c
