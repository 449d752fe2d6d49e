"""Golden outputs: the shipped scenarios' ``summary.json`` and ``trips.csv`` stay identical.

A change of behaviour regenerates them on purpose (``python tests/golden/regenerate.py``)
and says why in its commit; a refactor leaves them untouched.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("golden_regenerate", Path(__file__).parent / "golden" / "regenerate.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


@pytest.mark.parametrize(("scenario", "seed"), golden.cases(), ids=lambda v: getattr(v, "stem", str(v)))
def test_shipped_scenario_matches_golden_outputs(scenario: Path, seed: int, tmp_path: Path) -> None:
    folder = golden.run_case(scenario, seed, tmp_path)
    problems = golden.differences(folder, golden.case_dir(scenario, seed))
    assert not problems, "golden outputs differ (regenerate on purpose, with the reason in the commit):\n" + \
        "\n\n".join(problems)


def test_every_shipped_scenario_has_golden_outputs() -> None:
    assert len(golden.cases()) == 2 * len(list(golden.SCENARIOS.glob("*.yaml")))
    for scenario, seed in golden.cases():
        for name in golden.PINNED:
            assert (golden.case_dir(scenario, seed) / name).stat().st_size > 0
