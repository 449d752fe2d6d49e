"""Digital inclusion: the elderly's literacy and ability to use AI alone, support-centre activity."""

from __future__ import annotations

import numpy as np

from kaicity.categories import GROUPS
from kaicity.metrics._num import num


def able_share(literacy: np.ndarray, required: float) -> float:
    """Share of ``literacy`` values at or above the AI threshold (NaN when empty)."""
    return float((literacy >= required).mean()) if len(literacy) else np.nan


def inclusion_block(model) -> dict:
    """``summary.json``'s ``digital_inclusion``: elderly literacy and AI ability at start and end."""
    pop = model.population
    eld = pop.elderly
    req = float(model.scenario.ai_services.literacy_required)
    scale = pop.scale
    return {
        "elderly_literacy_start": num(pop.literacy0[eld].mean()) if eld.any() else None,
        "elderly_literacy_end": num(pop.literacy[eld].mean()) if eld.any() else None,
        "elderly_able_ai_start": num((pop.literacy0[eld] >= req).mean()) if eld.any() else None,
        "elderly_able_ai_end": num((pop.literacy[eld] >= req).mean()) if eld.any() else None,
        "support_centre_sessions": int(sum(c.sessions for c in model.support_centres)) * scale,
        "training_visits": {g: int(model.training_visits[i]) * scale for i, g in enumerate(GROUPS)},
    }
