"""Record the golden outputs of every shipped scenario: ``python tests/golden/regenerate.py``.

Each scenario in ``scenarios/`` runs at :data:`SEEDS` with the small overrides of
:data:`OVERRIDES` (a few seconds each); its ``summary.json`` and ``trips.csv`` go to
``tests/golden/<scenario>-seed<N>/``.  ``tests/test_golden.py`` runs the same cases and
compares them byte for byte, so a change of behaviour shows up as a failing test.  A change
that alters behaviour on purpose regenerates the files with this command and says why in
its commit message.

Run with ``--check`` to compare instead of writing (what the test does, for one process).
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIOS = ROOT / "scenarios"

#: Seeds every scenario is recorded at.
SEEDS: tuple[int, ...] = (1, 2)

#: Overrides that make each case run in seconds (the same for every scenario).
OVERRIDES: dict[str, object] = {
    "population.residents": 800,
    "city.n_nodes": 1500,
    "simulation.days": 1,
}

#: Files of a run folder that are pinned.
PINNED: tuple[str, ...] = ("summary.json", "trips.csv")

def pinned_lines(path: Path) -> list[str]:
    """The lines of a pinned file (summary.json holds no wall-clock time, so every line must match)."""
    return path.read_text().splitlines()


def cases() -> list[tuple[Path, int]]:
    """Every (scenario file, seed) pair that has golden outputs."""
    return [(path, seed) for path in sorted(SCENARIOS.glob("*.yaml")) for seed in SEEDS]


def case_dir(scenario: Path, seed: int) -> Path:
    """The folder holding one case's golden files."""
    return HERE / f"{scenario.stem}-seed{seed}"


def run_case(scenario: Path, seed: int, out: Path) -> Path:
    """Run one case and write its run folder under ``out``; returns the folder."""
    from kaicity.model import KaiCityModel
    from kaicity.report import write_run
    from kaicity.scenario import load_scenario

    model = KaiCityModel(load_scenario(scenario), seed=seed, overrides=dict(OVERRIDES))
    model.run()
    folder = out / f"{scenario.stem}-seed{seed}"
    write_run(model, folder)
    return folder


def differences(produced: Path, golden: Path) -> list[str]:
    """Pinned files that differ between a produced run folder and its golden folder (with a short diff)."""
    problems = []
    for name in PINNED:
        want, got = golden / name, produced / name
        if not want.is_file():
            problems.append(f"{want} is missing: run python tests/golden/regenerate.py")
            continue
        a, b = pinned_lines(want), pinned_lines(got)
        if a != b:
            diff = list(difflib.unified_diff(a, b, str(want), str(got), n=0, lineterm=""))
            problems.append("\n".join(diff[:40]))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the golden files instead of writing")
    args = parser.parse_args(argv)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for scenario, seed in cases():
            folder = run_case(scenario, seed, Path(tmp))
            target = case_dir(scenario, seed)
            if args.check:
                problems = differences(folder, target)
                failures += bool(problems)
                print(f"{target.name}: {'differs' if problems else 'identical'}")
                for p in problems:
                    print(p)
            else:
                target.mkdir(parents=True, exist_ok=True)
                for name in PINNED:
                    (target / name).write_bytes((folder / name).read_bytes())
                print(f"wrote {target.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
