"""Synthetic population: homes, age groups, digital literacy, cars and walking speeds.

One agent may stand for ``scale`` people; every draw here is per agent.  All arrays
share the agent index ``0..n-1``.  Draws come from the ``population`` random stream
only, so two scenarios with the same seed and population settings get the same people.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from kaicity.categories import GROUP_CODE, GROUPS, ZONES
from kaicity.errors import SimulationError
from kaicity.services.random_streams import stream
from kaicity.services.until import UntilArray

_COUNTERS = itertools.count(1)


def _new_counter() -> list[int]:
    """A write counter starting where no other counter of this process can be (2**40 writes apart)."""
    return [next(_COUNTERS) << 40]


class TrackedArray(np.ndarray):
    """An ndarray that counts writes, so derived values are recomputed only after a change.

    :attr:`version` grows on every item assignment (``a[i] = x``, ``a[mask] = y``), every
    in-place ufunc (``a += x``, ``np.clip(a, 0, 1, out=a)``), ``fill``, ``put`` and ``sort``, on
    the array or on any view of it (views share the counter).  It may also grow when nothing
    changed (assigning the same values); it never stays put after a change made through numpy.
    Results of ufuncs are plain arrays.
    """

    def __new__(cls, values) -> TrackedArray:
        obj = np.asarray(values).view(cls)
        obj._version = _new_counter()
        return obj

    def __array_finalize__(self, obj) -> None:
        # views and copies share the counter: a write to a copy may cost a recompute, never a missed change
        self._version = getattr(obj, "_version", None) or _new_counter()

    def __reduce__(self):
        return TrackedArray, (np.asarray(self),)

    @property
    def version(self) -> int:
        """Grows with every write; unique in the process (a new array never repeats an old one's version)."""
        return self._version[0]

    def _wrote(self) -> None:
        self._version[0] += 1

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._wrote()

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [np.asarray(x) if isinstance(x, TrackedArray) else x for x in inputs]
        if out is not None:
            for o in out:
                if isinstance(o, TrackedArray):
                    o._wrote()
            kwargs["out"] = tuple(np.asarray(o) if isinstance(o, TrackedArray) else o for o in out)
        if method == "at" and isinstance(inputs[0], TrackedArray):
            inputs[0]._wrote()  # ufunc.at works on its first operand in place
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result

    def __array_function__(self, func, types, args, kwargs):
        if func in _WRITES_FIRST and args and isinstance(args[0], TrackedArray):
            args[0]._wrote()
        return super().__array_function__(func, types, args, kwargs)

    def fill(self, value) -> None:
        """As :meth:`numpy.ndarray.fill`, counted."""
        super().fill(value)
        self._wrote()

    def put(self, *args, **kwargs) -> None:
        """As :meth:`numpy.ndarray.put`, counted."""
        super().put(*args, **kwargs)
        self._wrote()

    def sort(self, *args, **kwargs) -> None:
        """As :meth:`numpy.ndarray.sort`, counted."""
        super().sort(*args, **kwargs)
        self._wrote()


#: numpy functions that write into their first argument
_WRITES_FIRST = frozenset({np.copyto, np.place, np.put, np.putmask, np.put_along_axis, np.fill_diagonal})


def by_key(obj, key: str):
    """Read ``key`` from a mapping or an attribute container (pydantic model)."""
    if isinstance(obj, Mapping):
        return obj[key]
    return getattr(obj, key)


@dataclass
class Population:
    """Per-agent state arrays (index = agent id).

    Attributes
    ----------
    home : int32 walk-node index of the home.
    zone : int8 zone code of the home (index into ``ZONES``).
    group : int8 age-group code (index into ``GROUPS``); a :class:`TrackedArray`.
    literacy : float64 current digital literacy in [0, 1] (changes with learning); a
        :class:`TrackedArray`, so reporters recompute elderly literacy only after a write.
    literacy0 : float64 initial literacy (decay target).
    car : bool car available.
    speed : float64 walking speed (m/s).
    walk_tolerance_s : float64 longest walk chosen as a mode (s).
    max_trip_s : float64 longest acceptable door-to-door time (s).
    busy_until : float64 time (s) until which the agent is away from home; an :class:`UntilArray`,
        so the residents away at a time are counted from the writes since the last count.
    last_remote_use : float64 time (s) of the last remote-service use (``-inf`` if none).
    u_drt : float64 uniform draw: the agent considers DRT when it is below ``transit.drt.uptake``.
    scale : float people represented by one agent.
    """

    home: np.ndarray
    zone: np.ndarray
    group: np.ndarray
    literacy: np.ndarray
    literacy0: np.ndarray
    car: np.ndarray
    speed: np.ndarray
    walk_tolerance_s: np.ndarray
    max_trip_s: np.ndarray
    busy_until: np.ndarray
    last_remote_use: np.ndarray
    u_drt: np.ndarray
    scale: float = 1.0
    #: derived values and the array versions they were computed at (see :meth:`derived`)
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __setattr__(self, name: str, value) -> None:
        if name in ("literacy", "group") and not isinstance(value, TrackedArray):
            value = TrackedArray(value)
        elif name == "busy_until" and not (isinstance(value, UntilArray) and value._own):
            value = UntilArray(value)  # counts residents away in O(changes) (the away_from_home reporter)
        super().__setattr__(name, value)

    def __getstate__(self) -> dict:
        # cached values are keyed by array versions, which a copy or unpickled object does not keep
        return {**self.__dict__, "_derived": {}}

    def derived(self, name: str, key: tuple, compute):
        """``compute()``, cached under ``name`` until the literacy or group arrays are written or ``key`` changes.

        Parameters
        ----------
        name
            What is cached.
        key
            Further inputs the value depends on (hashable, compared with ``==``).
        compute
            ``compute() -> value``, called only when something it reads may have changed.
        """
        full = (self.literacy.version, self.group.version, key)
        hit = self._derived.get(name)
        if hit is None or hit[0] != full:
            hit = (full, compute())
            self._derived[name] = hit
        return hit[1]

    @property
    def n(self) -> int:
        """Number of agents."""
        return len(self.home)

    @property
    def elderly(self) -> np.ndarray:
        """Boolean mask of elderly agents."""
        return self.group == GROUP_CODE["elderly"]


def _split_counts(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder)."""
    raw = shares / shares.sum() * total
    counts = np.floor(raw).astype(np.int64)
    remainder = total - counts.sum()
    if remainder:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:remainder]] += 1
    return counts


def _beta_params(mean: float, sd: float) -> tuple[float, float]:
    """Beta(a, b) parameters for a mean and standard deviation in (0, 1)."""
    var = sd * sd
    limit = mean * (1 - mean)
    if not 0 < mean < 1 or var <= 0 or var >= limit:
        raise SimulationError(f"literacy mean {mean} / sd {sd} do not define a Beta distribution "
                              f"(need 0 < mean < 1 and sd^2 < mean*(1-mean) = {limit:.4f})")
    k = limit / var - 1
    return mean * k, (1 - mean) * k


def _homes_by_zone(node_zone: np.ndarray, cfg, n: int, rng, report: dict
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Homes spread over zones by ``zone_shares``; elderly odds by ``elderly_zone_multiplier``."""
    shares = np.array([float(by_key(cfg.zone_shares, z)) for z in ZONES])
    nodes_in_zone = [np.flatnonzero(node_zone == i) for i in range(len(ZONES))]
    empty = [ZONES[i] for i in range(len(ZONES)) if len(nodes_in_zone[i]) == 0 and shares[i] > 0]
    if empty:
        report["zones_without_nodes"] = empty
        for i in range(len(ZONES)):
            if len(nodes_in_zone[i]) == 0:
                shares[i] = 0.0
        if shares.sum() == 0:
            shares = np.array([len(z) for z in nodes_in_zone], dtype=float)
    counts = _split_counts(n, shares)
    home = np.empty(n, dtype=np.int32)
    zone = np.empty(n, dtype=np.int8)
    start = 0
    for i, c in enumerate(counts):
        home[start:start + c] = rng.choice(nodes_in_zone[i], size=c) if c else []
        zone[start:start + c] = i
        start += c

    mult = np.array([float(by_key(cfg.elderly_zone_multiplier, z)) for z in ZONES])
    elderly_share = float(cfg.elderly_share)
    child_share = float(cfg.child_share)
    norm = float((shares / shares.sum() * mult).sum()) or 1.0
    p_elderly = np.clip(elderly_share * mult / norm, 0.0, 1.0 - child_share)[zone]
    return home, zone, p_elderly, np.full(n, child_share)


def _homes_by_cells(node_zone: np.ndarray, cells, cfg, n: int, rng, report: dict
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Homes spread over a population layer's features by their counts; elderly (and child) odds per feature.

    ``cells`` is a :class:`kaicity.network.population_file.PopulationCells`.
    """
    node_cell = np.asarray(cells.node_cell)
    total = np.asarray(cells.total, dtype=float)
    order = np.argsort(node_cell, kind="stable")
    bounds = np.searchsorted(node_cell[order], np.arange(len(total) + 1))
    has_node = np.diff(bounds) > 0
    weights = np.where(has_node, total, 0.0)
    if weights.sum() <= 0:
        raise SimulationError("population.source: no populated feature of the layer contains a walk node")
    counts = _split_counts(n, weights)
    home = np.empty(n, dtype=np.int32)
    p_elderly = np.empty(n)
    p_child = np.empty(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        e_share = np.where(total > 0, np.asarray(cells.elderly, dtype=float) / total, 0.0)
        c_share = (np.where(total > 0, np.asarray(cells.child, dtype=float) / total, 0.0)
                   if cells.child is not None else np.full(len(total), float(cfg.child_share)))
    start = 0
    for i in np.flatnonzero(counts):
        c = int(counts[i])
        home[start:start + c] = rng.choice(order[bounds[i]:bounds[i + 1]], size=c)
        p_elderly[start:start + c] = e_share[i]
        p_child[start:start + c] = min(c_share[i], 1.0 - e_share[i])
        start += c
    report["population_source"] = dict(cells.report)
    return home, node_zone[home].astype(np.int8), p_elderly, p_child


def synthesize_population(node_zone: np.ndarray, cfg, seed: int, cells=None) -> tuple[Population, dict]:
    """Draw the agents of a run.

    Parameters
    ----------
    node_zone
        Zone code of every walk-graph node (``city.walk.zone``).
    cfg
        The scenario's ``population`` section.
    seed
        The run's seed.
    cells
        A population layer mapped onto the walk nodes
        (:class:`kaicity.network.population_file.PopulationCells`): homes and elderly odds follow its
        counts.  None: homes by ``zone_shares`` (the synthetic default).

    Returns
    -------
    population : Population
    report : dict
        Notes on adjustments, e.g. zone shares moved because the city has no rural nodes.

    Raises
    ------
    SimulationError
        For an empty population or a city without nodes.
    """
    n = int(cfg.residents)
    if n < 1:
        raise SimulationError("population.residents must be at least 1 (an empty population has no KPIs)")
    if len(node_zone) == 0:
        raise SimulationError("the city has no walkable nodes to place homes on")
    rng = stream(seed, "population")
    report: dict = {}
    if cells is None:
        home, zone, p_elderly, p_child = _homes_by_zone(node_zone, cfg, n, rng, report)
    else:
        home, zone, p_elderly, p_child = _homes_by_cells(node_zone, cells, cfg, n, rng, report)
    u = rng.random(n)
    group = np.full(n, GROUP_CODE["adult"], dtype=np.int8)
    group[u < p_elderly] = GROUP_CODE["elderly"]
    group[(u >= p_elderly) & (u < p_elderly + p_child)] = GROUP_CODE["child"]

    literacy = np.empty(n)
    car = np.empty(n, dtype=bool)
    speed = np.empty(n)
    walk_tol = np.empty(n)
    max_trip = np.empty(n)
    sd_speed = float(cfg.walking_speed_sd_mps)
    for code, g in enumerate(GROUPS):
        m = group == code
        k = int(m.sum())
        lit = by_key(cfg.literacy, g)
        a, b = _beta_params(float(by_key(lit, "mean")), float(by_key(lit, "sd")))
        literacy[m] = rng.beta(a, b, size=k)
        car[m] = rng.random(k) < float(by_key(cfg.car_access, g))
        speed[m] = np.clip(rng.normal(float(by_key(cfg.walking_speed_mps, g)), sd_speed, size=k), 0.5, 2.0)
        walk_tol[m] = float(by_key(cfg.walk_tolerance_min, g)) * 60.0
        max_trip[m] = float(by_key(cfg.max_trip_min, g)) * 60.0

    u_drt = rng.random(n)  # drawn last: adding it shifted no earlier draw
    pop = Population(
        home=home, zone=zone, group=group, literacy=literacy, literacy0=literacy.copy(), car=car,
        speed=speed, walk_tolerance_s=walk_tol, max_trip_s=max_trip,
        busy_until=np.full(n, -np.inf), last_remote_use=np.full(n, -np.inf), u_drt=u_drt,
        scale=float(cfg.scale),
    )
    return pop, report
