"""Plausible ranges of scenario parameters, read from the schema's field metadata.

``doc_field(..., range=(lo, hi))`` stores ``json_schema_extra["range"]`` on a field.  This module
walks the :class:`~kaicity.scenario.Scenario` model along a dotted key (``ai_services.share.healthcare``)
and returns the range of the field it reaches; a key inside a mapping field (a per-category map)
takes the mapping field's range when its own field has none.  It also says whether the field holds
an integer, so a sampled value can be rounded before it is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel

__all__ = ["FieldRange", "field_range"]


@dataclass(frozen=True)
class FieldRange:
    """What the schema says of one numeric key: its documented range (``None`` if none) and type."""

    key: str
    range: tuple[float, float] | None
    integer: bool
    numeric: bool


def _model_of(ann: Any) -> type[BaseModel] | None:
    for arg in (ann, *get_args(ann)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _scalar(ann: Any) -> tuple[bool, bool]:
    """``(numeric, integer)`` for an annotation (``Annotated``/``Optional`` unwrapped)."""
    args = {a for a in (ann, *get_args(ann)) if isinstance(a, type)}
    while get_origin(ann) is not None and get_args(ann) and get_origin(ann) is not list:
        ann = get_args(ann)[0]
        args |= {a for a in (ann, *get_args(ann)) if isinstance(a, type)}
    if bool in args:
        return False, False
    return bool(args & {int, float}), int in args and float not in args


def _extra_range(info) -> tuple[float, float] | None:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    rng = extra.get("range")
    if not rng or isinstance(rng, dict) or extra.get("range_kind", "absolute") != "absolute":
        return None  # per-key, multiplier and profile ranges: parameter_ranges() turns them into values
    return (float(rng[0]), float(rng[1]))


def field_range(key: str, root: type[BaseModel] | None = None) -> FieldRange | None:
    """The schema's range and type of the field at dotted ``key`` (``None`` for an unknown key).

    Parameters
    ----------
    key
        A dotted scenario key, e.g. ``ai_services.literacy_required`` or ``ai_services.resolution.healthcare``.
    root
        The root model (default :class:`~kaicity.scenario.Scenario`).
    """
    if root is None:
        from kaicity.scenario import Scenario

        root = Scenario
    model: type[BaseModel] | None = root
    rng = None
    if root.__name__ == "Scenario":  # the schema's ranges as values of this key (multipliers resolved)
        from kaicity.scenario.ranges import parameter_ranges

        known = parameter_ranges().get(key)
        if known is not None:
            rng = (float(known.lo), float(known.hi))
    ann: Any = None
    for part in key.split("."):
        if model is None or part not in model.model_fields:
            return None
        info = model.model_fields[part]
        rng = rng or _extra_range(info)
        ann = info.annotation
        model = _model_of(ann)
    if model is not None:
        return FieldRange(key, rng, False, False)  # a section, not a value
    numeric, integer = _scalar(ann)
    return FieldRange(key, rng, integer, numeric)
