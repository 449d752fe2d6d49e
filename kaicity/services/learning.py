"""Digital-literacy learning (support-centre visits) and decay (disuse)."""

from __future__ import annotations

import numpy as np


def train(literacy: float, gain: float) -> float:
    """Literacy after one assisted session: ``L + gain * (1 - L)`` (diminishing returns)."""
    return min(1.0, literacy + gain * (1.0 - literacy))


def decay(literacy: np.ndarray, initial: np.ndarray, rate: float, used: np.ndarray) -> None:
    """Relax unused literacy toward its initial level, in place.

    Parameters
    ----------
    literacy
        Current literacy per agent (modified in place).
    initial
        Initial literacy per agent (the level skills fall back to).
    rate
        Fraction of the gain above ``initial`` lost per day of disuse.
    used
        Mask of agents who used a remote service that day: their literacy stays.
    """
    idle = ~used & (literacy > initial)
    literacy[idle] = initial[idle] + (literacy[idle] - initial[idle]) * (1.0 - rate)
