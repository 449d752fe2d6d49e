"""Where AI support centres go: near the elderly, at the centre, or spread uniformly."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kaicity.errors import SimulationError
from kaicity.network.city import City
from kaicity.services.population import Population

PLACEMENTS = ("by_elderly", "central", "uniform")


def _spread(x: np.ndarray, y: np.ndarray, weight: np.ndarray, k: int, min_gap_m: float) -> list[int]:
    """Greedy weighted picks: best remaining candidate whose distance to every pick exceeds ``min_gap_m``.

    When the gap rule leaves too few candidates it is halved until ``k`` picks exist.
    """
    order = np.argsort(-weight, kind="stable")
    if k >= len(order):  # every candidate is needed: no spacing to choose
        return [int(i) for i in order]
    gap = min_gap_m
    while True:
        picks: list[int] = []
        for i in order:
            if all((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 >= gap * gap for j in picks):
                picks.append(int(i))
                if len(picks) == k:
                    return picks
        if gap < 1.0:
            return picks
        gap /= 2.0


def place_support_centres(city: City, population: Population, count: int, placement: str,
                          rng: np.random.Generator, warn: Callable[[str], None] | None = None) -> np.ndarray:
    """Walk-graph nodes of ``count`` AI support centres.

    Parameters
    ----------
    city, population
        Where people live.
    count
        Number of centres (0 gives none).
    placement
        ``"by_elderly"``: at the homes of the most elderly residents, spread out
        (greedy, at least ~1.5 km apart where possible); ``"central"``: at the nodes
        nearest the population centroid, spread the same way; ``"uniform"``: random
        walk nodes (from ``rng``).
    rng
        The ``support_centres`` random stream.
    warn
        Called with a one-line message when fewer than ``count`` centres can be placed
        (each centre needs its own node: a walk node for ``uniform``, a home node
        otherwise); the centres that fit are placed.

    Returns
    -------
    numpy.ndarray
        Walk-node indices, at most ``count`` of them, all distinct.
    """
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if placement not in PLACEMENTS:
        raise SimulationError(f"support_centres.placement {placement!r} is not one of {PLACEMENTS}")
    nodes = _place(city, population, count, placement, rng)
    if len(nodes) < count and warn is not None:
        where = ("walk nodes in the city" if placement == "uniform" else
                 "distinct home nodes" + (" of elderly residents" if placement == "by_elderly"
                                          and population.elderly.any() else ""))
        warn(f"support_centres.count: {count:,} centres requested but only {len(nodes):,} placed: placement "
             f"{placement!r} puts each centre on its own node and there are {len(nodes):,} {where}")
    return nodes


def _place(city: City, population: Population, count: int, placement: str,
           rng: np.random.Generator) -> np.ndarray:
    walk = city.walk
    if placement == "uniform":
        return rng.choice(walk.n_nodes, size=min(count, walk.n_nodes), replace=False)
    if placement == "by_elderly":
        homes = population.home[population.elderly]
        if len(homes) == 0:
            homes = population.home
        nodes, counts = np.unique(homes, return_counts=True)
        # weight a home node by the elderly living within ~800 m (a smoothed density)
        from scipy.spatial import cKDTree

        tree = cKDTree(np.column_stack([walk.x[homes], walk.y[homes]]))
        weight = np.array([len(n) for n in tree.query_ball_point(
            np.column_stack([walk.x[nodes], walk.y[nodes]]), r=800.0)], dtype=float)
        picks = _spread(walk.x[nodes], walk.y[nodes], weight, count, 1500.0)
        return nodes[picks]
    homes = population.home
    cx, cy = walk.x[homes].mean(), walk.y[homes].mean()
    nodes = np.unique(homes)
    weight = -np.hypot(walk.x[nodes] - cx, walk.y[nodes] - cy)
    picks = _spread(walk.x[nodes], walk.y[nodes], weight, count, 800.0)
    return nodes[picks]
