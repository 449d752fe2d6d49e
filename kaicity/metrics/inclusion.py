"""Digital inclusion: the elderly's literacy and ability to use AI alone, support-centre activity."""

from __future__ import annotations

import numpy as np

from kaicity.categories import GROUPS
from kaicity.metrics._num import num


def able_alone(model, literacy: np.ndarray) -> np.ndarray:
    """Which residents could use the AI channel alone at ``literacy``, by their personal thresholds.

    Ability is a trait: resident ``i`` is able when their once-drawn ``traits.u_able[i]`` lies
    below the logistic ability curve at their literacy (``ai_services.literacy_required``,
    ``ability_slope``).
    """
    ai = model.scenario.ai_services
    z = np.clip(-float(ai.ability_slope) * (literacy - float(ai.literacy_required)), -700, 700)
    return model.traits.u_able < 1.0 / (1.0 + np.exp(z))


def elderly_able_share(model, literacy: np.ndarray) -> float:
    """Share of the elderly able to use AI alone at ``literacy`` (NaN without elderly)."""
    eld = model.population.elderly
    return float(able_alone(model, literacy)[eld].mean()) if eld.any() else np.nan


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
