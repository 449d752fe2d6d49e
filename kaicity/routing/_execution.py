"""How the searches run: thread count, search order and per-thread work arrays pooled per graph."""

from __future__ import annotations

import numpy as np

from kaicity._core import _dijkstra
from kaicity._core._info import max_threads, openmp_enabled
from kaicity.errors import RoutingError
from kaicity.network.graph import Graph
from kaicity.routing._prepared import Prepared
from kaicity.routing._validation import INT_TYPES

__all__ = ["MIN_PARALLEL_S", "WorkspaceLoan", "borrow", "locality_order", "plan_threads"]

_POOL_KEY = "routing.workspaces"


#: With ``threads=None``, a job runs on several threads only when its serial estimate
#: (from timing its first searches) exceeds this many seconds: waking idle OpenMP threads
#: costs tens of microseconds on a quiet machine (passive waiting) and up to milliseconds
#: on a busy one.  Measured on 2 cores: 1,000 bounded walk searches on Seoul Songpa took
#: 7.4 ms on one thread and 3.3 ms on two; 100 of them 0.69 and 0.40 ms.
MIN_PARALLEL_S = 0.002
_OPENMP = bool(openmp_enabled())


def plan_threads(threads: int | None) -> tuple[int, float]:
    """``(thread count, min_parallel_s)`` for the kernels."""
    if threads is None:
        return max(1, int(max_threads())), MIN_PARALLEL_S
    if isinstance(threads, bool) or not isinstance(threads, INT_TYPES) or threads < 1:
        raise RoutingError(f"threads must be a positive integer or None, got {threads!r}")
    # a serial build runs prange loops on one thread: don't allocate work arrays for more
    return (int(threads) if _OPENMP else 1), 0.0


def locality_order(nodes: np.ndarray) -> np.ndarray | None:
    """Order in which to run searches from ``nodes``: by node index, so that consecutive
    searches start near each other and find the graph already in cache (results do not
    depend on it)."""
    return np.argsort(nodes, kind="stable").astype(np.intp) if len(nodes) > 1 else None


def borrow(graph: Graph, g: Prepared, threads: int) -> tuple[list, _dijkstra.Workspaces]:
    """``(pool, work)``: work arrays for ``threads`` threads taken from the graph's pool
    (or new); the caller appends ``work`` back to ``pool`` when done."""
    cache = getattr(graph, "_cache", None)
    pool: list = cache.setdefault(_POOL_KEY, []) if isinstance(cache, dict) else []
    try:
        work = pool.pop()
    except IndexError:
        work = _dijkstra.Workspaces(g.n, threads)
    if work.count < threads:
        work.ensure(threads)
    work.use_buckets(g.bucket_slots, g.inv_width)
    return pool, work


class WorkspaceLoan:
    """Borrow per-thread work arrays from a pool kept on the graph (O(n) set-up once per graph).

    A pool, not a single object: two Python threads routing on the same graph at once get
    different workspaces.
    """

    __slots__ = ("pool", "work")

    def __init__(self, graph: Graph, g: Prepared, threads: int) -> None:
        self.pool, self.work = borrow(graph, g, threads)

    def __enter__(self) -> _dijkstra.Workspaces:
        return self.work

    def __exit__(self, *exc: object) -> None:
        self.pool.append(self.work)

