"""Building blocks of the scenario schema: the section base, keyed maps, documented fields.

Every section model derives from :class:`Section` (unknown keys rejected, no silent type
coercion, frozen).  :func:`doc_field` is a :func:`pydantic.Field` that also carries the
unit, source and allowed-values text that :mod:`kaicity.scenario.reference` turns into
``docs/scenarios.md``.  :func:`keyed_map` makes the per-category / group / zone mappings.
A check that blames one sub-key raises :class:`KeyProblem`; :mod:`kaicity.scenario.messages`
turns it into a one-line message naming that key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from kaicity.categories import CATEGORIES, GROUPS, ZONES

#: File endings accepted for ``city.source`` as a street-network file.
NETWORK_FILE_SUFFIXES: tuple[str, ...] = (".osm", ".osm.bz2", ".osm.xml", ".graphml")

#: Tolerance of "shares sum to 1" checks.
SHARE_TOL = 1e-6


class KeyProblem(ValueError):
    """A model-level check that blames one sub-key (``key``) rather than the whole section."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def num_text(x: Any) -> str:
    """Format a number compactly for messages and docs (``8``, ``0.25``, ``2e-05``)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return format(x, "g")
    return str(x)


#: Kinds of plausible range a field's metadata can carry (``json_schema_extra["range_kind"]``):
#:
#: ``absolute``
#:     ``range=(lo, hi)`` on a scalar: the value itself lies in ``[lo, hi]``.
#: ``multiplier``
#:     ``range=(lo, hi)`` on a per-category / group / zone mapping: ONE factor in ``[lo, hi]``
#:     multiplies every key's default at once (each result clipped to the key's own bounds).
#: ``per_key``
#:     ``range={key: (lo, hi), ...}`` on a mapping: each listed key's value lies in its own
#:     absolute ``[lo, hi]`` (for a mapping of records, the key is ``<key>.<field>``, e.g.
#:     ``elderly.mean``); keys not listed are not ranged.
#: ``morning_share``
#:     ``range=(lo, hi)`` on a 24-hour profile (or ``per_key`` on a mapping of profiles): the
#:     share of the day's weight before 12:00 lies in ``[lo, hi]`` (a mapping ``{key: (lo, hi)}`` with
#:     this kind ranges each listed key's profile); :func:`with_morning_share` rescales a profile.
RANGE_KINDS = ("absolute", "multiplier", "per_key", "morning_share")


def _range_text(range_: Any) -> str:
    if isinstance(range_, Mapping):
        return ", ".join(f"{k} {num_text(lo)}-{num_text(hi)}" for k, (lo, hi) in range_.items())
    lo, hi = range_
    return f"{num_text(lo)}-{num_text(hi)}"


def doc_field(default: Any = ..., *, description: str, unit: str = "", source: str = "assumption",
              allowed: str | None = None, factory: Any = None, setting: bool = False,
              range: tuple[float, float] | Mapping[str, tuple[float, float]] | None = None,  # noqa: A002
              range_kind: str | None = None, **constraints: Any) -> Any:
    """A :func:`pydantic.Field` carrying the documentation metadata (unit, source, allowed).

    ``setting=True`` marks a model setting (a choice, not a fact about the world): its source is "-".
    ``range`` is the plausible range of an assumption (to sweep): ``(lo, hi)``, or for a mapping
    ``{key: (lo, hi)}``; ``range_kind`` says how to read it (one of :data:`RANGE_KINDS`; default
    ``absolute`` for a pair, ``per_key`` for a mapping).  Both are stored in the metadata
    (``range``, ``range_kind``) and the range is appended to the source text.
    """
    extra: dict[str, Any] = {"unit": unit, "source": "-" if setting else source}
    if range is not None:
        if isinstance(range, Mapping):
            extra["range"] = {str(k): [float(lo), float(hi)] for k, (lo, hi) in range.items()}
            kind = range_kind or "per_key"
        else:
            lo, hi = range
            extra["range"] = [lo, hi]
            kind = range_kind or "absolute"
        assert kind in RANGE_KINDS, kind
        extra["range_kind"] = kind
        label = {"multiplier": "plausible range x", "morning_share": "plausible share before noon "}.get(
            kind, "plausible range ")
        extra["source"] = f"{extra['source']}; {label}{_range_text(range)}"
    if allowed is not None:
        extra["allowed"] = allowed
    if factory is not None:
        return Field(default_factory=factory, description=description, json_schema_extra=extra,
                     **constraints)
    return Field(default, description=description, json_schema_extra=extra, **constraints)


def morning_share(profile: list[float]) -> float:
    """Share of a 24-hour profile's weight in hours 0-11 (before noon)."""
    return math.fsum(profile[:12]) / math.fsum(profile)


def with_morning_share(profile: list[float], share: float) -> list[float]:
    """The profile rescaled so that ``share`` of its weight lies before noon (shape kept within each half).

    Raises ``ValueError`` when one half of the profile is all zero but ``share`` asks for weight there.
    """
    am, pm = math.fsum(profile[:12]), math.fsum(profile[12:])
    if (am == 0 and share > 0) or (pm == 0 and share < 1):
        raise ValueError("the profile has no weight in one half of the day; its morning share cannot change")
    a = share / am if am else 0.0
    b = (1.0 - share) / pm if pm else 0.0
    return [v * a for v in profile[:12]] + [v * b for v in profile[12:]]


class Section(BaseModel):
    """Base of every scenario section: unknown keys rejected, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_default=True)


class KeyedMap(Section):
    """A mapping with one fixed key per category / group / zone (missing keys take defaults).

    Read it like a dict: ``scenario.ai_services.share["healthcare"]``.
    """

    KIND: ClassVar[str] = "key"
    KEYS: ClassVar[tuple[str, ...]] = ()

    def __getitem__(self, key: str) -> Any:
        if key not in self.KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        """The values keyed by name, in canonical order."""
        return {k: getattr(self, k) for k in self.KEYS}

    def values_in_order(self) -> list[Any]:
        """The values in canonical order (``CATEGORIES``, ``GROUPS`` or ``ZONES``)."""
        return [getattr(self, k) for k in self.KEYS]


class CategoryMap(KeyedMap):
    """One value per service category (:data:`~kaicity.categories.CATEGORIES`)."""

    KIND: ClassVar[str] = "category"
    KEYS: ClassVar[tuple[str, ...]] = CATEGORIES


class GroupMap(KeyedMap):
    """One value per age group (:data:`~kaicity.categories.GROUPS`)."""

    KIND: ClassVar[str] = "group"
    KEYS: ClassVar[tuple[str, ...]] = GROUPS


class ZoneMap(KeyedMap):
    """One value per zone (:data:`~kaicity.categories.ZONES`)."""

    KIND: ClassVar[str] = "zone"
    KEYS: ClassVar[tuple[str, ...]] = ZONES


_KEYED_BASES: dict[str, type[KeyedMap]] = {
    "category": CategoryMap, "group": GroupMap, "zone": ZoneMap}


def keyed_map(name: str, kind: str, defaults: Mapping[str, Any], annotation: Any,
              doc: str, allowed: str | None = None, **constraints: Any) -> type[KeyedMap]:
    """Make a :class:`KeyedMap` subclass with one field per key of ``kind``.

    ``defaults`` gives each key's default; a model class as default means "its defaults".
    ``allowed`` overrides the generated "allowed values" text of each key.
    """
    if allowed is not None:
        constraints["json_schema_extra"] = {"allowed": allowed}
    base = _KEYED_BASES[kind]
    assert set(defaults) == set(base.KEYS), (name, sorted(defaults))
    fields: dict[str, Any] = {}
    for key in base.KEYS:
        default = defaults[key]
        if isinstance(default, type) and issubclass(default, BaseModel):
            fields[key] = (annotation if annotation is not None else default,
                           Field(default_factory=default))
        else:
            fields[key] = (annotation, Field(default, **constraints))
    assert name not in globals(), f"duplicate model name {name}"
    model = create_model(name, __base__=base, __doc__=doc, __module__=__name__, **fields)
    globals()[name] = model  # importable by name, so scenarios pickle (e.g. to Dask workers)
    return model


def _check_hours(value: list[float]) -> list[float]:
    open_, close = value
    if not 0 <= open_ < close <= 24:
        raise ValueError(
            f"expected {HOURS_ALLOWED}, got [{num_text(open_)}, {num_text(close)}]")
    return value


HOURS_ALLOWED = "[open, close) hours with 0 <= open < close <= 24"

#: ``[open, close)`` hours of a day, e.g. ``[9, 18]``; ``close`` may be 24.
HourPair = Annotated[list[float], Field(min_length=2, max_length=2), AfterValidator(_check_hours)]


def normalise_profile(values: list[float]) -> list[float]:
    """Scale 24 hourly weights to sum to 1 (kept as given when they already do)."""
    total = math.fsum(values)
    if total <= 0:
        raise ValueError("the 24 hourly weights are all zero; give at least one hour a positive weight")
    if abs(total - 1.0) <= 1e-9:  # already normalised: keep as is so to_dict/from_dict round-trips
        return list(values)
    return [v / total for v in values]


#: 24 non-negative weights, normalised to sum to 1.
HourlyProfile = Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=24, max_length=24),
                          AfterValidator(normalise_profile)]

ZoneName = Literal["core", "suburb", "rural"]
assert get_args(ZoneName) == ZONES


def looks_like_network_file(source: str) -> bool:
    """True when ``city.source`` names a file (a network suffix or a path separator), not a place."""
    low = source.lower()
    return low.endswith(NETWORK_FILE_SUFFIXES) or "/" in source or "\\" in source

