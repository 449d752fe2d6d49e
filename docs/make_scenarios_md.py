"""Regenerate the generated parts of ``docs/scenarios.md`` from the scenario models.

The key reference (every dotted key with its meaning, unit, default, allowed range and
source) comes from the pydantic field metadata, rendered by :mod:`kaicity.scenario.reference`,
and the table of shipped scenarios from ``scenarios/*.yaml``, so the document cannot drift
from the code.  Hand-written text outside the ``<!-- BEGIN GENERATED: ... -->`` /
``<!-- END GENERATED: ... -->`` markers is kept.

Usage::

    .venv/bin/python docs/make_scenarios_md.py          # rewrite docs/scenarios.md
    .venv/bin/python docs/make_scenarios_md.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from kaicity.scenario import load_scenario
from kaicity.scenario.reference import reference_markdown

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenarios.md"
SCENARIOS = ROOT / "scenarios"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


#: The key reference: one table per top-level section (from the schema's field metadata).
render_keys = reference_markdown


def render_shipped() -> str:
    """Headline parameters of every shipped scenario."""
    out = ["| file | extends | people (agents x scale) | 65+ | AI services | support centres | DRT | "
           "bus headway core / rural |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for path in sorted(SCENARIOS.glob("*.yaml")):
        s = load_scenario(path)
        parent = Path(s.files[1]).name if len(s.files) > 1 else "-"
        pop = s.population
        drt = s.transit.drt
        bus = s.transit.bus
        fleet = f"{drt.vehicles}" if drt.vehicles is not None else f"{drt.per_1000:g}/1,000 residents"
        drt_text = (f"{fleet} x {drt.capacity} seats, {drt.mode.replace('_', ' ')}"
                    if drt.enabled else "off")
        out.append("| " + " | ".join(_cell(x) for x in (
            f"`{path.name}`", f"`{parent}`" if parent != "-" else "-",
            f"{pop.people:,.0f} ({pop.residents:,} x {pop.scale:g})", f"{pop.elderly_share:.1%}",
            "on" if s.ai_services.enabled else "off", str(s.support_centres.centres_for(s.population.people)), drt_text,
            f"{bus.urban_headway_min:g} / {bus.rural_headway_min:g} min")) + " |")
    return "\n".join(out) + "\n"


BLOCKS = {"keys": render_keys, "shipped": render_shipped}


def render(text: str) -> str:
    """Return ``text`` with every generated block replaced by its fresh rendering."""
    for name, fn in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} [^>]*-->\n)(.*?)(<!-- END GENERATED: {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{DOC}: missing the '{name}' generated-block markers")
        body = fn()
        text = pattern.sub(lambda m, body=body: m.group(1) + "\n" + body + "\n" + m.group(3), text)
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``docs/scenarios.md`` (or, with ``--check``, report whether it is stale)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/scenarios.md is out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print(f"{DOC.relative_to(ROOT)} is out of date: run .venv/bin/python docs/make_scenarios_md.py",
                  file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        DOC.write_text(fresh, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
