"""Scenario overrides: the one parser of ``dotted.key=value`` and the one place they are applied.

:func:`parse_overrides` reads command-line strings (values as YAML) into a mapping;
:func:`apply_overrides` checks every dotted path against the schema (with "did you
mean" suggestions), assigns the values and validates the result.  ``Scenario.with_overrides``
and the commands (``--set KEY=VALUE``) both call :func:`apply_overrides`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kaicity.errors import ScenarioError
from kaicity.scenario.lines import deep_merge, load_yaml_text, to_plain
from kaicity.scenario.loading import plain_value, resolve_city_source, with_provenance
from kaicity.scenario.messages import field_at, list_item_annotation, model_class, translate, unknown_key_message

M = TypeVar("M", bound=BaseModel)


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """Parse command-line style ``key=value`` strings; values are read as YAML.

    ``["population.residents=2000", "ai_services.enabled=false"]`` ->
    ``{"population.residents": 2000, "ai_services.enabled": False}``.

    Raises
    ------
    ScenarioError
        For an item without ``=`` or a value that is not valid YAML.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError(f"override '{item}' must look like dotted.key=value")
        out[key] = parse_value(key, raw)
    return out


def parse_value(key: str, raw: str) -> Any:
    """One override value read as YAML by the scenario's safe loader (no aliases, no control characters).

    An empty value is ``None``.

    Raises
    ------
    ScenarioError
        Naming ``key`` when the value is not valid YAML.
    """
    try:
        return to_plain(load_yaml_text(raw)) if raw.strip() else None
    except ScenarioError as exc:
        shown = raw if len(raw) <= 40 else raw[:37] + "..."
        why = str(exc).removeprefix("YAML syntax error: ")
        raise ScenarioError(f"the value {shown!r} is not valid YAML ({why}); quote text values, "
                            "e.g. key='a: b'", path=key) from None


def apply_overrides(scenario: M, overrides: Mapping[str, Any] | Iterable[str] | None) -> M:
    """A new scenario with some keys changed: the one place overrides are applied.

    Parameters
    ----------
    scenario
        The scenario to change (a :class:`~kaicity.scenario.Scenario`); it is not modified.
    overrides
        ``{dotted.key.path: value}``, e.g. ``{"population.residents": 2000}``, or
        command-line strings ``["population.residents=2000", ...]`` (read by
        :func:`parse_overrides`).  A mapping value is deep-merged into the existing section;
        list items are addressed by index (``needs.hourly_profile.9``).  ``None`` returns
        ``scenario`` unchanged.

    Returns
    -------
    Scenario
        Validated, with the file provenance of ``scenario``.

    Raises
    ------
    ScenarioError
        For an unknown path (with a "did you mean" suggestion), a malformed string or an
        invalid value; the message ends with "(from overrides)".
    """
    if overrides is None:
        return scenario
    if not isinstance(overrides, Mapping):
        if isinstance(overrides, str):
            overrides = [overrides]
        overrides = parse_overrides(overrides)
    root = type(scenario)
    data = scenario.model_dump(mode="python")
    paths = []
    for dotted, value in overrides.items():
        parts = check_override_path(root, str(dotted), data)
        _assign(data, parts, to_plain(plain_value(value)))
        paths.append(parts)
    _clear_alternatives(root, paths, data)
    resolve_city_source(data, {})  # a relative network path in an override: relative to the cwd
    try:
        new = root.model_validate(data)
    except ValidationError as exc:
        raise translate(exc, data, {}, [], root=root, suffix=" (from overrides)") from None
    return with_provenance(new, scenario._file, scenario._files)  # type: ignore[attr-defined]


def check_override_path(root: type[BaseModel], dotted: str, data: dict) -> list[str | int]:
    """Check a dotted path against the schema of ``root``; return its parts (list indexes as ints).

    ``data`` is the scenario as plain data (list lengths are checked against it).
    """
    parts: list[str | int] = []
    ann: Any = root
    node: Any = data
    for raw in dotted.split("."):
        shown_path = ".".join(str(p) for p in [*parts, raw])
        model = model_class(ann)
        if model is not None:
            if raw not in model.model_fields:
                raise ScenarioError(unknown_key_message(raw, model) + " (from overrides)", path=shown_path)
            parts.append(raw)
            ann = model.model_fields[raw].annotation
            node = node.get(raw) if isinstance(node, dict) else None
            continue
        if isinstance(node, list) and raw.lstrip("-").isdigit():
            idx = int(raw)
            if not 0 <= idx < len(node):
                raise ScenarioError(f"index {idx} is out of range: the list has {len(node)} items "
                                    "(from overrides)", path=shown_path)
            parts.append(idx)
            ann = list_item_annotation(ann)
            node = node[idx]
            continue
        parent = ".".join(str(p) for p in parts)
        raise ScenarioError(f"'{parent}' is a single value, not a section; it has no key '{raw}' "
                            "(from overrides)", path=shown_path)
    if not parts:
        raise ScenarioError("empty override key")
    return parts


def _clear_alternatives(root: type[BaseModel], paths: list[list[str | int]], data: dict) -> None:
    """An override of one of a section's alternative keys (its ``ALTERNATIVES``, e.g. a number of
    centres given absolutely or per population) sets the others of its group to null, unless they are
    overridden too: ``--set support_centres.count=6`` works whichever way the file sized them."""
    given = {tuple(p) for p in paths}
    for parts in paths:
        prefix, last = tuple(parts[:-1]), parts[-1]
        section = model_class(field_at(root, prefix)[1]) if prefix else root
        for group in getattr(section, "ALTERNATIVES", ()):
            if last in group:
                for other in group:
                    if other != last and (*prefix, other) not in given:
                        _assign(data, [*prefix, other], None)


def _assign(data: dict, parts: list[str | int], value: Any) -> None:
    """Set ``data[parts]`` to ``value``; a mapping value is deep-merged into a mapping there."""
    node: Any = data
    for part in parts[:-1]:
        nxt = node[part] if isinstance(node, list) else node.get(part)
        if nxt is None:
            nxt = {}
            node[part] = nxt
        node = nxt
    last = parts[-1]
    current = node[last] if isinstance(node, list) else node.get(last)
    if isinstance(value, dict) and isinstance(current, dict):
        value = to_plain(deep_merge(current, value))
    node[last] = value


