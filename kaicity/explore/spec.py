"""The exploration SPEC: a YAML file naming the scenarios, the uncertain parameters with their
ranges, the policy levers, the KPIs, the design, the seeds and the PRIM questions.

:func:`load_spec` validates the file with pydantic (one-line errors naming the entry, the file and
the line, as for scenarios); :func:`resolve` checks it against the schema and the scenarios
(unknown parameters, ranges outside a parameter's valid domain, questions on KPIs not asked for)
and returns an :class:`Exploration`, everything a run needs.  :func:`check_kpis` checks KPI names
against the keys of a real run's ``summary.json``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from kaicity.errors import ExploreError, ScenarioError
from kaicity.explore.ranges import field_range

__all__ = ["Exploration", "ExploreSpec", "Factor", "Question", "check_kpis", "load_spec", "resolve"]

#: Most seeds per sample.
MAX_SEEDS = 100


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MorrisDesign(_Strict):
    """Morris elementary effects (SALib): ``trajectories`` x (parameters + 1) samples on a ``levels`` grid."""

    method: Literal["morris"]
    trajectories: int = Field(10, ge=2, le=1000, description="Morris trajectories (r)")
    levels: int = Field(4, ge=2, le=20, description="grid levels (p), even is usual")


class SobolDesign(_Strict):
    """Sobol' variance decomposition (SALib Saltelli/Sobol' sequence): ``n`` x (parameters + 2) samples."""

    method: Literal["sobol"]
    n: int = Field(64, ge=2, le=65536, description="base sample size N, a power of 2")
    second_order: Literal[False] = Field(False, description="second-order indices (not supported)")

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, v: int) -> int:
        if v & (v - 1):
            raise ValueError(f"must be a power of 2 (Sobol' sequences), e.g. {1 << (v.bit_length() - 1)} or "
                             f"{1 << v.bit_length()}, got {v}")
        return v


class LhsDesign(_Strict):
    """A Latin hypercube of ``n`` samples (SALib)."""

    method: Literal["lhs"]
    n: int = Field(50, ge=2, le=100_000, description="samples")


Design = Annotated[MorrisDesign | SobolDesign | LhsDesign, Field(discriminator="method")]


class Question(_Strict):
    """A scenario-discovery question for PRIM: when is ``kpi`` below (or above) ``threshold``?"""

    kpi: str
    below: float | None = None
    above: float | None = None
    says: str = Field("", description="the question in words, e.g. 'the AI city meets fewer elderly needs'")
    min_density: float = Field(0.8, gt=0, le=1, description="PRIM threshold: least share of cases in a box")

    @model_validator(mode="after")
    def _one_side(self) -> Question:
        if (self.below is None) == (self.above is None):
            raise ValueError("give exactly one of below: X or above: X")
        return self

    @property
    def threshold(self) -> float:
        """The value the question compares with."""
        return self.below if self.below is not None else self.above  # type: ignore[return-value]

    def text(self) -> str:
        """The question in words (``says``, else ``kpi < threshold``)."""
        op = "<" if self.below is not None else ">"
        return self.says or f"{self.kpi} {op} {self.threshold:g}"


Range = list[float] | None


class ExploreSpec(_Strict):
    """The SPEC file's keys."""

    name: str | None = None
    scenarios: list[str] = Field(min_length=1, max_length=2)
    parameters: dict[str, Range] = Field(min_length=1)
    levers: dict[str, Range] = Field(default_factory=dict)
    kpis: list[str] = Field(min_length=1, max_length=50)
    design: Design
    seeds: int = Field(1, ge=1, le=MAX_SEEDS)
    seed: int | None = Field(None, ge=0, le=2**32 - 1 - MAX_SEEDS)
    sample_seed: int = Field(1, ge=0, le=2**32 - 1, description="seed of the sampler (SALib)")
    overrides: dict[str, Any] = Field(default_factory=dict)
    questions: list[Question] = Field(default_factory=list)

    _file: str | None = PrivateAttr(default=None)
    _files: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("parameters", "levers")
    @classmethod
    def _pairs(cls, v: dict[str, Range]) -> dict[str, Range]:
        for key, rng in v.items():
            if rng is not None and len(rng) != 2:
                raise ValueError(f"{key}: give [lo, hi] or null (the schema's range), got {rng}")
        return v


@dataclass(frozen=True)
class Factor:
    """One sampled dimension: a scenario key, its range, whether it is an integer and a lever."""

    key: str
    lo: float
    hi: float
    integer: bool = False
    lever: bool = False

    def value(self, x: float) -> float | int:
        """The value applied to a scenario for the sampled ``x`` (integers rounded)."""
        return int(round(x)) if self.integer else float(x)


@dataclass
class Exploration:
    """A checked SPEC: the scenarios (with ``overrides`` applied), factors, KPIs, design and seeds."""

    name: str
    file: str
    scenarios: list  # kaicity.scenario.Scenario
    factors: list[Factor]
    kpis: list[str]
    design: MorrisDesign | SobolDesign | LhsDesign
    seeds: list[int]
    sample_seed: int
    questions: list[Question] = field(default_factory=list)

    @property
    def paired(self) -> bool:
        """Two scenarios: every KPI is the difference second - first on the same seed."""
        return len(self.scenarios) == 2

    def overrides_for(self, values: dict[str, float | int]) -> list[dict]:
        """Per scenario, the overrides of one sample: parameters to all, levers to the last scenario."""
        out = []
        for j in range(len(self.scenarios)):
            last = j == len(self.scenarios) - 1
            out.append({f.key: values[f.key] for f in self.factors if last or not f.lever})
        return out

    def digest(self) -> str:
        """SHA-256 of everything that decides the runs (a resumed exploration must match it)."""
        data = {"scenarios": [s.to_dict() for s in self.scenarios], "factors": [vars(f) for f in self.factors],
                "kpis": self.kpis, "design": self.design.model_dump(), "seeds": self.seeds,
                "sample_seed": self.sample_seed}
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def load_spec(path: str | Path) -> ExploreSpec:
    """Read and validate a SPEC file.

    Raises
    ------
    ScenarioError
        For a missing file, bad YAML or an invalid entry; the message names the entry, file and line.
    """
    from kaicity.scenario.loading import load_file

    return load_file(ExploreSpec, path)


def _where(spec: ExploreSpec, entry: str) -> str:
    return f"{spec._file or 'SPEC'}: {entry}"


def _load_scenarios(spec: ExploreSpec, base: Path) -> list:
    from kaicity.scenario import load_scenario

    scenarios = []
    for i, name in enumerate(spec.scenarios):
        path = Path(name).expanduser()
        if not path.is_absolute():
            path = base / path
        if not path.is_file():
            raise ExploreError(f"{_where(spec, f'scenarios.{i}')}: scenario file {name!r} not found (relative "
                               "paths are read from the SPEC's folder)")
        sc = load_scenario(path)
        if spec.overrides:
            try:
                sc = sc.with_overrides(spec.overrides)
            except ScenarioError as exc:
                raise ExploreError(f"{_where(spec, 'overrides')}: {exc}") from None
        if spec.seed is not None:
            sc = sc.with_overrides({"seed": spec.seed})
        scenarios.append(sc)
    if len(scenarios) == 2 and scenarios[0].name == scenarios[1].name:
        raise ExploreError(f"{_where(spec, 'scenarios')}: both scenarios are named {scenarios[0].name!r}; "
                           "give them different name: keys")
    return scenarios


def _factor(spec: ExploreSpec, section: str, key: str, rng: Range, scenarios: list, lever: bool) -> Factor:
    where = _where(spec, f"{section}.{key}")
    info = field_range(key)
    if info is None:
        try:  # the override parser's message has the "did you mean" suggestion
            scenarios[-1].with_overrides({key: 0})
        except ScenarioError as exc:
            raise ExploreError(f"{where}: unknown parameter ({exc})") from None
        raise ExploreError(f"{where}: unknown parameter; give a dotted scenario key such as "
                           "ai_services.literacy_required")
    if not info.numeric:
        raise ExploreError(f"{where}: is not a numeric parameter; only numbers can be explored (make one "
                           "scenario file per variant for other kinds)")
    if rng is None:
        if info.range is None:
            raise ExploreError(f"{where}: the schema documents no plausible range for it; give [lo, hi]")
        lo, hi = info.range
    else:
        lo, hi = float(rng[0]), float(rng[1])
    if not lo < hi:
        raise ExploreError(f"{where}: the range [{lo:g}, {hi:g}] is empty; give [lo, hi] with lo < hi")
    factor = Factor(key, lo, hi, info.integer, lever)
    targets = scenarios[-1:] if lever else scenarios
    for x in (lo, hi):
        for sc in targets:
            try:
                sc.with_overrides({key: factor.value(x)})
            except ScenarioError as exc:
                raise ExploreError(f"{where}: the range [{lo:g}, {hi:g}] leaves the valid domain "
                                   f"({' '.join(str(exc).split())})") from None
    return factor


def resolve(spec: ExploreSpec, base: Path | None = None) -> Exploration:
    """Check ``spec`` against the schema and its scenarios; return the :class:`Exploration`.

    Parameters
    ----------
    spec
        The validated SPEC.
    base
        Folder relative scenario paths are read from (default: the SPEC file's folder).

    Raises
    ------
    ExploreError
        Naming the entry: a missing scenario, a bad override, an unknown or non-numeric parameter, a
        range that is empty or leaves the parameter's valid domain, a key that is both a parameter and a
        lever, a question on a KPI not in ``kpis``.
    """
    if base is None:
        base = Path(spec._file).resolve().parent if spec._file else Path.cwd()
    scenarios = _load_scenarios(spec, base)
    both = set(spec.parameters) & set(spec.levers)
    if both:
        raise ExploreError(f"{_where(spec, 'levers')}: {sorted(both)[0]} is both a parameter and a lever; "
                           "keep it in one of them")
    for key in [*spec.parameters, *spec.levers]:
        if key == "seed" or key in spec.overrides:
            raise ExploreError(f"{_where(spec, 'parameters.' + key)}: is fixed (seed or overrides); "
                               "drop it from one of them")
    factors = [_factor(spec, "parameters", k, r, scenarios, False) for k, r in spec.parameters.items()]
    factors += [_factor(spec, "levers", k, r, scenarios, True) for k, r in spec.levers.items()]
    kpis = list(dict.fromkeys(spec.kpis))
    for i, q in enumerate(spec.questions):
        if q.kpi not in kpis:
            raise ExploreError(f"{_where(spec, f'questions.{i}.kpi')}: {q.kpi!r} is not one of the SPEC's kpis "
                               f"({', '.join(kpis)}); add it to kpis")
    first = int(scenarios[0].seed)
    name = spec.name or (Path(spec._file).stem if spec._file else "explore")
    return Exploration(name=name, file=spec._file or "", scenarios=scenarios, factors=factors, kpis=kpis,
                       design=spec.design, seeds=[first + i for i in range(spec.seeds)],
                       sample_seed=spec.sample_seed, questions=list(spec.questions))


def _parent(key: str) -> str:
    return key.rpartition(".")[0]


def check_kpis(kpis: list[str], known: set[str], file: str = "SPEC") -> None:
    """Refuse a KPI name that is not a numeric key of ``summary.json``'s ``kpis``.

    ``known`` holds the keys of a real run.  A key missing from that run is still accepted when its
    parent exists and its last part appears under the same kind of parent elsewhere (a delivery
    mode or forgone reason that did not happen in that run, e.g. ``by_group.child.met_by_delivery.ai_remote``).

    Raises
    ------
    ExploreError
        Naming the first unknown KPI, with the closest known names.
    """
    parents = {_parent(k) for k in known}
    leaves = {(_parent(k).rpartition(".")[2], k.rpartition(".")[2]) for k in known}
    for i, kpi in enumerate(kpis):
        if kpi in known:
            continue
        parent = _parent(kpi)
        if parent in parents and (parent.rpartition(".")[2], kpi.rpartition(".")[2]) in leaves:
            continue
        close = difflib.get_close_matches(kpi, sorted(known), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else \
            "; KPIs are dotted keys of summary.json's kpis, e.g. by_group.elderly.met_share"
        raise ExploreError(f"{file}: kpis.{i}: unknown KPI {kpi!r}{hint}")
