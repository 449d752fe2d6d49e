"""The plausible ranges of the scenario's assumptions, read from the schema's field metadata.

Every parameter that is an assumption carries ``range=...`` on its :func:`~kaicity.scenario.fields.doc_field`
(see :data:`~kaicity.scenario.fields.RANGE_KINDS` for how a range is read: an absolute ``[lo, hi]``,
one multiplier for a whole per-category / group / zone mapping, per-key absolute ranges, or the
share of a day's profile before noon).  :func:`parameter_ranges` lists them, keyed by the dotted
path a ``--set`` override takes, for sensitivity analysis and exploration; :func:`unsourced_fields`
lists the fields that have neither a source nor a range (the schema test keeps it empty).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kaicity.scenario.fields import KeyedMap
from kaicity.scenario.messages import model_class
from kaicity.scenario.schema import Scenario


@dataclass(frozen=True)
class ParamRange:
    """The plausible range of one parameter.

    Attributes
    ----------
    lo, hi
        Bounds of the range (a factor for ``kind == "multiplier"``, a share before noon for
        ``morning_share``, else the value itself).
    kind
        ``absolute``, ``multiplier`` or ``morning_share`` (``per_key`` ranges are listed key by key,
        as ``absolute`` or ``morning_share`` ranges of ``<map>.<key>``).
    default
        The default value (a factor of 1 for ``multiplier``; the mapping's defaults are in the schema).
    source
        The field's source text (which says what is sourced and what is assumed).
    """

    lo: float
    hi: float
    kind: str
    default: Any
    source: str


def _extra(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return None if info.is_required() else info.default


def schema_fields(model: type[BaseModel] = Scenario, prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """Every leaf field of ``model`` as ``(dotted key, FieldInfo)``, descending into sub-sections.

    Per-category / group / zone mappings are leaves (their range sits on the mapping's field).
    """
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        sub = model_class(info.annotation)
        if sub is not None and not issubclass(sub, KeyedMap):
            yield from schema_fields(sub, key + ".")
        else:
            yield key, info


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value[part] if isinstance(value, KeyedMap) else getattr(value, part)
    return value


def parameter_ranges() -> dict[str, ParamRange]:
    """Every ranged parameter of the scenario schema with its range, kind and default.

    Returns
    -------
    dict of str to ParamRange
        Keyed by the dotted path an override takes: ``transit.drt.uptake`` (absolute),
        ``population.car_access`` (one multiplier for every key), ``ai_services.share.healthcare``
        (a key of a per-key range), ``population.literacy.elderly.mean``.

    Examples
    --------
    >>> r = parameter_ranges()["ai_services.literacy_required"]
    >>> (r.lo, r.hi, r.kind)
    (0.45, 0.65, 'absolute')
    """
    out: dict[str, ParamRange] = {}
    for key, info in schema_fields():
        extra = _extra(info)
        if "range" not in extra:
            continue
        kind, rng, source = extra["range_kind"], extra["range"], str(extra.get("source", ""))
        default = _default(info)
        if isinstance(rng, dict):  # per-key ranges: per_key (absolute) or morning_share
            sub_kind = "absolute" if kind == "per_key" else kind
            for sub, (lo, hi) in rng.items():
                value = _dig(default, sub) if default is not None else None
                out[f"{key}.{sub}"] = ParamRange(float(lo), float(hi), sub_kind, value, source)
        else:
            lo, hi = rng
            out[key] = ParamRange(float(lo), float(hi), kind, 1.0 if kind == "multiplier" else default, source)
    return out


def is_sourced(info: FieldInfo) -> bool:
    """True when a field is a setting, names a source that is not an assumption, or carries a range."""
    extra = _extra(info)
    source = str(extra.get("source", "assumption")).strip()
    return source == "-" or "range" in extra or not source.lower().startswith("assumption")


def unsourced_fields(skip: tuple[str, ...] = ()) -> list[str]:
    """Dotted keys of the fields with neither a setting mark, a non-assumption source nor a range.

    ``skip`` holds dotted prefixes (sections) to leave out.
    """
    return [key for key, info in schema_fields()
            if not key.startswith(skip) and not is_sourced(info)]
