"""Type stubs of :mod:`kaicity._core._dispatch` (DRT insertion kernels and path profiles).

Arrays are C-contiguous; the DRT service owns the schedules and passes validated arrays.
"""

import numpy as np
import numpy.typing as npt

def best_insertion(
    start_node: npt.NDArray[np.int32],
    start_time: npt.NDArray[np.float64],
    start_load: npt.NDArray[np.int32],
    available: npt.NDArray[np.uint8],
    duty_end: npt.NDArray[np.float64],
    capacity: npt.NDArray[np.int32],
    n_stops: npt.NDArray[np.int32],
    stop_node: npt.NDArray[np.int32],
    stop_kind: npt.NDArray[np.int8],
    stop_leg: npt.NDArray[np.float64],
    stop_arr: npt.NDArray[np.float64],
    stop_dep: npt.NDArray[np.float64],
    stop_earliest: npt.NDArray[np.float64],
    stop_latest: npt.NDArray[np.float64],
    stop_load: npt.NDArray[np.int32],
    to_p: npt.NDArray[np.float64],
    from_p: npt.NDArray[np.float64],
    to_d: npt.NDArray[np.float64],
    from_d: npt.NDArray[np.float64],
    p: int,
    d: int,
    ready: float,
    latest_pick: float,
    latest_drop: float,
    max_ride: float,
    stop_s: float,
    delay_weight: float,
    eps: float,
    hour_factor: npt.NDArray[np.float64],
    start_hour: float,
    out_f: npt.NDArray[np.float64],
    out_i: npt.NDArray[np.int64],
) -> int:
    """Cheapest feasible insertion of one request into ``out_i``/``out_f``; returns the pairs evaluated."""

def path_profile(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    lengths: npt.NDArray[np.float64],
    path: npt.NDArray[np.int32],
    cum_time: npt.NDArray[np.float64],
    cum_len: npt.NDArray[np.float64],
) -> int:
    """Cumulative cost and length along ``path``; returns the first pair without an edge, or -1."""

def insertion_targets(
    start_node: npt.NDArray[np.int32],
    start_time: npt.NDArray[np.float64],
    start_load: npt.NDArray[np.int32],
    available: npt.NDArray[np.uint8],
    capacity: npt.NDArray[np.int32],
    n_stops: npt.NDArray[np.int32],
    stop_node: npt.NDArray[np.int32],
    stop_leg: npt.NDArray[np.float64],
    stop_arr: npt.NDArray[np.float64],
    stop_dep: npt.NDArray[np.float64],
    stop_slack: npt.NDArray[np.float64],
    stop_load: npt.NDArray[np.int32],
    to_p: npt.NDArray[np.float64],
    ready: float,
    latest_pick: float,
    stop_s: float,
    eps: float,
    low_factor: float,
    succ: npt.NDArray[np.int32],
    succ_limit: npt.NDArray[np.float64],
    after: npt.NDArray[np.int32],
    after_info: npt.NDArray[np.float64],
) -> tuple[int, int, int]:
    """Travel times an insertion search needs and their bounds; returns ``(n_succ, n_after, flags)``."""

def drop_limits(
    after_info: npt.NDArray[np.float64],
    n: int,
    to_cap: float,
    from_floor: float,
    stop_s: float,
    low_factor: float,
    eps: float,
    to_limit: npt.NDArray[np.float64],
    from_limit: npt.NDArray[np.float64],
) -> None:
    """Search bounds to and from a drop-off for the first ``n`` stops listed by ``insertion_targets``."""

def fill_at(row: npt.NDArray[np.float64], nodes: npt.NDArray[np.int32], value: float) -> None:
    """``row[nodes] = value``."""

class Searcher:
    """Reusable Dijkstra work arrays for one graph size: bounded dense and multi-target searches."""

    def __init__(self, n: int) -> None:
        """Allocate search arrays for graphs of ``n`` nodes."""
    def use_buckets(self, slots: int, inv_width: float) -> None:
        """Search on the bucket queue (``slots`` a power of two >= 64, ``inv_width`` > 0) or the heap (0)."""
    def bounded(
        self,
        indptr: npt.NDArray[np.int32],
        indices: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float64],
        source: int,
        limit: float,
        out: npt.NDArray[np.float64],
        reached: npt.NDArray[np.int32],
    ) -> int:
        """Times from ``source`` within ``limit`` into ``out``; returns how many nodes ``reached`` lists."""
    def targeted(
        self,
        indptr: npt.NDArray[np.int32],
        indices: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float64],
        source: int,
        targets: npt.NDArray[np.int32],
        limits: npt.NDArray[np.float64],
        out: npt.NDArray[np.float64],
    ) -> int:
        """Times from ``source`` to each target within its limit into ``out``; returns the nodes settled."""
    def targeted_into(
        self,
        indptr: npt.NDArray[np.int32],
        indices: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float64],
        source: int,
        targets: npt.NDArray[np.int32],
        limits: npt.NDArray[np.float64],
        out: npt.NDArray[np.float64],
        row: npt.NDArray[np.float64],
    ) -> int:
        """:meth:`targeted`, then ``row[targets] = out``; returns the nodes settled."""

def path_down(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    to_target: npt.NDArray[np.float64],
    source: int,
    target: int,
    out: npt.NDArray[np.int32],
) -> int:
    """Shortest path ``source -> target`` read off a reverse search row into ``out``; its length or -1."""

def gather_within(
    full: npt.NDArray[np.float64],
    targets: npt.NDArray[np.int32],
    limits: npt.NDArray[np.float64],
    node_limit: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    row: npt.NDArray[np.float64],
) -> None:
    """What ``Searcher.targeted_into`` writes, read off a full row of exact times."""

def within_from_row(
    full: npt.NDArray[np.float64],
    limit: float,
    out: npt.NDArray[np.float64],
    reached: npt.NDArray[np.int32],
) -> int:
    """What ``Searcher.bounded`` writes, read off a full row; returns how many nodes ``reached`` lists."""
