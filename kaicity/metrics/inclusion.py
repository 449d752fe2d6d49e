"""Digital inclusion: the elderly's literacy and ability to use AI alone, support-centre activity."""

from __future__ import annotations

import numpy as np

from kaicity.categories import GROUP_CODE, GROUPS
from kaicity.metrics._num import num


def able_alone(model, literacy: np.ndarray) -> np.ndarray:
    """Which residents could use the AI channel alone at ``literacy``, by their personal thresholds.

    Ability is a trait: resident ``i`` is able when their once-drawn ``traits.u_able[i]`` lies
    below the logistic ability curve at their literacy (``ai_services.literacy_required``,
    ``ability_slope``).
    """
    return _able(model.scenario.ai_services, model.traits.u_able, literacy)


def _able(ai, u_able: np.ndarray, literacy: np.ndarray) -> np.ndarray:
    """``u_able < `` the logistic ability curve at ``literacy`` (elementwise; the one formula of both views)."""
    z = np.clip(-float(ai.ability_slope) * (literacy - float(ai.literacy_required)), -700, 700)
    return u_able < 1.0 / (1.0 + np.exp(z))


def elderly_able_share(model, literacy: np.ndarray) -> float:
    """Share of the elderly able to use AI alone at ``literacy`` (NaN without elderly)."""
    eld = model.population.elderly
    return float(able_alone(model, literacy)[eld].mean()) if eld.any() else np.nan


def _elderly_index(pop) -> np.ndarray:
    """Indices of the elderly, cached until the groups (or literacy) are written."""
    return pop.derived("elderly_index", (), lambda: np.flatnonzero(pop.group == GROUP_CODE["elderly"]))


def elderly_literacy_mean_now(model) -> float:
    """Mean current literacy of the elderly (NaN without elderly), per tick in O(1) while nothing changed.

    Recomputed (the same expression, so the same float) only after the population's
    literacy or groups were written; otherwise the cached value is returned.
    """
    pop = model.population

    def compute() -> float:
        idx = _elderly_index(pop)
        return float(np.asarray(pop.literacy)[idx].mean()) if len(idx) else np.nan

    return pop.derived("elderly_literacy_mean", (), compute)


def elderly_able_share_now(model) -> float:
    """:func:`elderly_able_share` at the current literacy, recomputed only after literacy or groups changed.

    The ability test runs on the elderly only (elementwise the same as on everyone, then
    masked), so the share is the same float as :func:`elderly_able_share`.
    """
    pop = model.population
    ai = model.scenario.ai_services
    u_able = model.traits.u_able
    key = (float(ai.ability_slope), float(ai.literacy_required), id(u_able))

    def compute() -> float:
        idx = _elderly_index(pop)
        if not len(idx):
            return np.nan
        return float(_able(ai, u_able[idx], np.asarray(pop.literacy)[idx]).mean())

    return pop.derived("elderly_able_share", key, compute)


def inclusion_block(model) -> dict:
    """``summary.json``'s ``digital_inclusion``: elderly literacy and AI ability at start and end."""
    pop = model.population
    eld = pop.elderly
    scale = pop.scale
    return {
        "elderly_literacy_start": num(pop.literacy0[eld].mean()) if eld.any() else None,
        "elderly_literacy_end": num(pop.literacy[eld].mean()) if eld.any() else None,
        "elderly_able_ai_start": num(elderly_able_share(model, pop.literacy0)) if eld.any() else None,
        "elderly_able_ai_end": num(elderly_able_share(model, pop.literacy)) if eld.any() else None,
        "support_centre_sessions": int(sum(c.sessions for c in model.support_centres)) * scale,
        "training_visits": {g: int(model.training_visits[i]) * scale for i, g in enumerate(GROUPS)},
    }
