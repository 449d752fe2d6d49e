"""The AI city's difference from the smart city taken apart by a paired 2^k factorial design.

The AI city differs from the smart city by up to three components (the factors), each one section
of the scenario: DRT (``transit.drt``), AI remote services (``ai_services``) and support centres
(``support_centres``); :attr:`~kaicity.scenario.Scenario.ai_features` says which are on.  A variant
takes the AI city and switches some components off by giving them the smart city's own section
(so whatever the smart city does to keep a component off, the variant does too, and a component
is switched on with the AI city's own values).  The variant with every component off must then be
the smart city itself, and the one with every component on the AI city itself: both are checked,
and neither is run again.

Each variant runs at the comparison's seeds (common random numbers).  For a KPI ``y`` and seed
``s``, with ``0`` the smart city and ``e_i`` the smart city plus component ``i`` alone:

- total ``T = y(AI) - y(smart)``;
- main effect of ``i``: ``M_i = y(e_i) - y(smart)`` (the component added alone to the smart city);
- interaction ``I = T - sum_i M_i`` (everything the components do only together), so
  ``sum_i M_i + I == T`` at every seed by construction.

The Shapley split (:func:`shapley_values`) is also given: each component's marginal contribution
averaged over the orders in which the components can be added; it is symmetric and adds up to
``T`` exactly, sharing the interaction among the components.  Each part's mean over seeds carries
the Student-t interval of its per-seed values (:func:`kaicity.paired.paired_difference`): every
part is a contrast of paired runs of one seed, so the interval is a paired one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kaicity.errors import ScenarioError
from kaicity.kpi_labels import is_share, kpi_text
from kaicity.paired import CONFIDENCE, flatten_numeric, paired_difference


@dataclass(frozen=True)
class Factor:
    """One component of the AI city: its key (as in ``Scenario.ai_features``), section path and label."""

    key: str
    path: tuple[str, ...]
    label: str


#: The components the AI city adds to the smart city, in the order they are reported.
FACTORS: tuple[Factor, ...] = (
    Factor("drt", ("transit", "drt"), "DRT"),
    Factor("ai_services", ("ai_services",), "AI remote services"),
    Factor("support_centres", ("support_centres",), "support centres"),
)
#: Top-level keys that do not change a run (labels, the default seed, observed targets).
IGNORED_KEYS = ("name", "description", "seed", "targets")
#: KPIs split into parts: (key, label, shown as a percentage), labels from :mod:`kaicity.kpi_labels`.
DECOMPOSED_KPIS: tuple[tuple[str, str, bool], ...] = tuple(
    (key, kpi_text(key), is_share(key)) for key in (
        "overall.met_share", "by_group.elderly.met_share", "by_group.non_elderly.met_share",
        "by_zone.rural.met_share", "overall.time_to_service_min.mean", "by_group.elderly.time_to_service_min.mean",
        "access.by_group.elderly.effective_index", "equity.gini_time_to_service", "cost.total", "cost.per_met_need"))
#: Columns of :func:`decomposition_table` (and of ``decomposition.csv``).
COLUMNS = ("kpi", "label", "percent", "method", "part", "mean", "lo", "hi", "exceeds_noise", "n_seeds")
#: Most differing keys named in an error message.
_MAX_KEYS = 6


@dataclass(frozen=True)
class Variant:
    """One cell of the factorial design.

    Attributes
    ----------
    on
        Which factors are on, in the order of the design's factors.
    name
        Scenario name: the smart city's, the AI city's, or ``<smart>+<factor>+...``.
    folder
        Folder of its runs under ``factorial/`` (``smart`` / ``ai`` for the two scenarios themselves).
    scenario
        The variant's :class:`~kaicity.scenario.Scenario`.
    run
        ``False`` for the all-off and all-on variants: they are the compared scenarios, already run.
    """

    on: tuple[bool, ...]
    name: str
    folder: str
    scenario: Any
    run: bool


def _flat(d: Mapping, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _comparable(data: Mapping) -> dict[str, Any]:
    return _flat({k: v for k, v in data.items() if k not in IGNORED_KEYS})


def _get(data: Mapping, path: Sequence[str]):
    for p in path:
        data = data[p]
    return data


def _set(data: dict, path: Sequence[str], value) -> None:
    for p in path[:-1]:
        data = data[p]
    data[path[-1]] = value


def differing_keys(a: Mapping, b: Mapping) -> list[str]:
    """Dotted keys whose values differ between two scenario dicts (labels, seed and targets aside)."""
    fa, fb = _comparable(a), _comparable(b)
    return [k for k in dict.fromkeys([*fa, *fb]) if fa.get(k, "<unset>") != fb.get(k, "<unset>")]


def design_factors(smart, ai) -> tuple[Factor, ...]:
    """The factors of the design: the components that are off in ``smart`` and on in ``ai``.

    Raises
    ------
    ScenarioError
        When ``smart`` has a component on, or ``ai`` adds none.
    """
    on_smart = [f.key for f in FACTORS if smart.ai_features.get(f.key)]
    if on_smart:
        raise ScenarioError(f"--decompose: the first scenario ({smart.name}) must be the smart city with DRT, AI "
                            f"services and support centres off, but it has {', '.join(on_smart)} on; put the "
                            "smart city first")
    factors = tuple(f for f in FACTORS if ai.ai_features.get(f.key))
    if not factors:
        raise ScenarioError(f"--decompose: {ai.name} has none of DRT, AI services and support centres on, so "
                            "there is no gain to take apart; give the AI city second")
    return factors


def factorial_variants(smart, ai) -> list[Variant]:
    """Every variant of the 2^k design, all-off first; checks that all-off is the smart city.

    Parameters
    ----------
    smart, ai
        The two compared :class:`~kaicity.scenario.Scenario` objects, smart city first.

    Returns
    -------
    list of Variant
        In the order of :func:`itertools.product` over (off, on) per factor; the first is the smart
        city, the last the AI city (both with ``run=False``).

    Raises
    ------
    ScenarioError
        When the scenarios differ in anything but the factors' sections (the message names the
        differing keys), or see :func:`design_factors`.
    """
    from kaicity.scenario import Scenario

    factors = design_factors(smart, ai)
    smart_data, ai_data = smart.to_dict(), ai.to_dict()
    # a component off in both scenarios may keep a different (unused) section: only its switch matters
    other = differing_keys(_variant_data(smart_data, ai_data, FACTORS, (False,) * len(FACTORS)), smart_data)
    if other:
        more = f" (+{len(other) - _MAX_KEYS} more)" if len(other) > _MAX_KEYS else ""
        raise ScenarioError(f"--decompose: {smart.name} and {ai.name} differ in more than "
                            f"{', '.join('.'.join(f.path) for f in FACTORS)}: {', '.join(other[:_MAX_KEYS])}{more}; "
                            "make the two scenarios differ only in those sections")
    variants = []
    for on in itertools.product((False, True), repeat=len(factors)):
        if not any(on):
            variants.append(Variant(on, smart.name, "smart", smart, False))
        elif all(on):
            variants.append(Variant(on, ai.name, "ai", ai, False))
        else:
            keys = [f.key for f, o in zip(factors, on, strict=True) if o]
            data = _variant_data(smart_data, ai_data, factors, on)
            data["name"] = "+".join([smart.name, *keys])
            variants.append(Variant(on, data["name"], "+".join(keys), Scenario.from_dict(data), True))
    return variants


def _variant_data(smart_data: Mapping, ai_data: Mapping, factors: Sequence[Factor], on: Sequence[bool]) -> dict:
    import copy

    data = copy.deepcopy(dict(ai_data))
    for f, o in zip(factors, on, strict=True):
        if not o:
            _set(data, f.path, copy.deepcopy(_get(smart_data, f.path)))
    return data


# ------------------------------------------------------------------ the split
def split_effects(values: Mapping[tuple[bool, ...], np.ndarray], k: int) -> dict[str, np.ndarray]:
    """Main effects, interaction and total of one KPI, per seed.

    Parameters
    ----------
    values
        ``values[on]``: the KPI at each seed (same seed order) of the variant with factors ``on``.
    k
        Number of factors.

    Returns
    -------
    dict
        ``{"main_<i>": M_i, "interaction": I, "total": T}`` as arrays over seeds, with
        ``sum_i M_i + I == T`` (up to floating-point rounding).
    """
    off = np.asarray(values[(False,) * k], dtype=float)
    total = np.asarray(values[(True,) * k], dtype=float) - off
    out = {}
    for i in range(k):
        alone = tuple(j == i for j in range(k))
        out[f"main_{i}"] = np.asarray(values[alone], dtype=float) - off
    out["interaction"] = total - sum(out[f"main_{i}"] for i in range(k))
    out["total"] = total
    return out


def shapley_values(values: Mapping[tuple[bool, ...], np.ndarray], k: int) -> dict[str, np.ndarray]:
    """Shapley split of one KPI's total difference, per seed: ``{"shapley_<i>": phi_i, "total": T}``.

    ``phi_i = sum over sets S without i of |S|! (k-|S|-1)! / k! * (y(S + i) - y(S))``; the
    ``phi_i`` add up to ``T`` (efficiency).
    """
    total = np.asarray(values[(True,) * k], dtype=float) - np.asarray(values[(False,) * k], dtype=float)
    out = {}
    for i in range(k):
        phi = np.zeros_like(total)
        for on in itertools.product((False, True), repeat=k):
            if on[i]:
                continue
            s = sum(on)
            weight = math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
            with_i = tuple(True if j == i else o for j, o in enumerate(on))
            phi = phi + weight * (np.asarray(values[with_i], dtype=float) - np.asarray(values[on], dtype=float))
        out[f"shapley_{i}"] = phi
    out["total"] = total
    return out


def kpi_values(runs: Mapping[tuple[bool, ...], Sequence[Mapping]], key: str) -> dict[tuple[bool, ...], np.ndarray]:
    """``{on: KPI value per seed}`` from ``runs[on]``: each variant's ``summary.json`` contents, one per seed."""
    return {on: np.array([flatten_numeric(s["kpis"]).get(key, math.nan) for s in seed_runs], dtype=float)
            for on, seed_runs in runs.items()}


def decomposition_table(runs: Mapping[tuple[bool, ...], Sequence[Mapping]], factors: Sequence[Factor],
                        kpis: Sequence[tuple[str, str, bool]] = DECOMPOSED_KPIS,
                        confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Each KPI's total difference split into parts, with the paired interval of each part.

    Parameters
    ----------
    runs
        ``runs[on]``: the ``summary.json`` contents of the variant with factors ``on``, one per seed,
        every variant in the same seed order; every one of the 2^k variants present.
    factors
        The design's factors (:func:`design_factors`).
    kpis
        ``(key, label, percent)`` of the KPIs to split; a KPI missing in some variant at some seed
        is skipped.
    confidence
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.  Method ``main_effects``: parts are the factors' keys, then
        ``interaction`` and ``total``; method ``shapley``: the factors' keys and ``total``.  The means
        of the parts of one method add up to the mean of ``total``.
    """
    k = len(factors)
    rows = []
    for key, label, pct in kpis:
        values = kpi_values(runs, key)
        if not all(np.all(np.isfinite(v)) for v in values.values()):
            continue
        for method, parts in (("main_effects", split_effects(values, k)), ("shapley", shapley_values(values, k))):
            for name, per_seed in parts.items():
                part = factors[int(name.rsplit("_", 1)[1])].key if name[-1].isdigit() else name
                p = paired_difference(np.zeros_like(per_seed), per_seed, confidence)
                rows.append((key, label, pct, method, part, p.mean, p.lo, p.hi, p.exceeds_noise, p.n))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["exceeds_noise"] = table["exceeds_noise"].astype("boolean")
    return table
