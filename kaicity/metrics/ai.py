"""AI and online services: uses (people), share of needs, energy."""

from __future__ import annotations

from kaicity.categories import CATEGORIES
from kaicity.metrics._num import num
from kaicity.services.channel import Channel


def ai_block(model, n_needs: int) -> dict:
    """``summary.json``'s ``ai``: uses by category, share of needs, energy and online uses.

    Parameters
    ----------
    model
        Its ``scenario``, counters ``ai_uses`` / ``online_uses`` (per category), ``ai_energy_wh``
        and ``population.scale``.
    n_needs
        Needs of the run (the denominator of ``share_of_needs``).
    """
    scale = model.population.scale
    return {
        "enabled": bool(model.scenario.ai_services.enabled),
        "uses": int(model.ai_uses.sum()) * scale,
        "uses_by_category": {c: int(model.ai_uses[i]) * scale for i, c in enumerate(CATEGORIES)},
        "share_of_needs": num(model.ai_uses.sum() / max(n_needs, 1)),
        "energy_kwh": model.ai_energy_wh / 1000.0 * scale,
        "online_uses": int(model.online_uses.sum()) * scale,
        "failed_sessions": int(model.remote[Channel.AI_REMOTE].failures.sum()) * scale,
        "online_failed_sessions": int(model.remote[Channel.ONLINE].failures.sum()) * scale,
    }
