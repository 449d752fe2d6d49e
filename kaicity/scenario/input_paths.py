"""Input files a scenario names (population layer, facilities file, GTFS feed): paths relative to their YAML.

A relative path is read relative to the scenario file that set it (as ``city.source`` is), so a
scenario and its inputs can move together; ``~`` is expanded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kaicity.scenario.lines import Origin

#: Key paths of input files: (section path, key); the value may also be the path itself (``transit.bus.gtfs``).
INPUT_FILE_KEYS: tuple[tuple[str, ...], ...] = (
    ("population", "source"),
    ("city", "facilities_file"),
    ("transit", "bus", "gtfs"),
)


def _absolute(value: str, key: tuple, origins: Mapping[tuple, Origin]) -> str:
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    set_in = origins.get(key, (None, None))[0]
    base = Path(set_in).resolve().parent if set_in else Path.cwd()
    return str((base / path).resolve())


def resolve_input_paths(data: dict, origins: Mapping[tuple, Origin]) -> None:
    """Make the relative ``path`` of every input file in ``data`` absolute (in place)."""
    for keys in INPUT_FILE_KEYS:
        parent: Any = data
        for k in keys[:-1]:
            parent = parent.get(k) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        value = parent.get(keys[-1])
        if isinstance(value, str) and value:
            parent[keys[-1]] = _absolute(value, keys, origins)
        elif isinstance(value, dict) and isinstance(value.get("path"), str) and value["path"]:
            value["path"] = _absolute(value["path"], (*keys, "path"), origins)
