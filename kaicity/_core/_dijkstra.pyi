"""Type stubs of :mod:`kaicity._core._dijkstra` (exact shortest-path kernels on CSR arrays).

Arrays are C-contiguous; :mod:`kaicity.routing` validates them and allocates the outputs.
"""

import numpy as np
import numpy.typing as npt

class Workspaces:
    """Reusable work arrays for searches on graphs of ``n`` nodes, one set per thread."""

    @property
    def count(self) -> int:
        """Number of per-thread workspaces allocated."""
    @property
    def n(self) -> int:
        """Number of nodes of the graphs searched."""
    @property
    def bucket_slots(self) -> int:
        """Bucket-queue slots (0 when searches run on the heap)."""
    @property
    def inv_width(self) -> float:
        """1 / bucket width (0.0 selects the heap)."""
    def __init__(self, n: int, count: int = 1) -> None:
        """Allocate ``count`` workspaces for graphs of ``n`` nodes."""
    def use_buckets(self, slots: int, inv_width: float) -> None:
        """Run single-source searches on the bucket queue (``inv_width > 0``) or on the heap."""
    def ensure(self, count: int) -> None:
        """Make sure at least ``count`` per-thread workspaces exist."""

def dense_times(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int32],
    limit: float,
    out: npt.NDArray[np.float64],
    pred: npt.NDArray[np.int32] | None,
    work: Workspaces,
    num_threads: int = 1,
    min_parallel_s: float = 0.0,
    perm: npt.NDArray[np.int32] | None = None,
    order: npt.NDArray[np.intp] | None = None,
) -> int:
    """Times from each source to every node into ``out[i, :]``; returns the number of threads used."""

def dense_time(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    source: int,
    limit: float,
    out: npt.NDArray[np.float64],
    work: Workspaces,
    perm: npt.NDArray[np.int32] | None = None,
) -> None:
    """One search from ``source`` into ``out`` (n entries): the serial fast path."""

def sparse_times(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int32],
    limit: float,
    work: Workspaces,
    num_threads: int = 1,
    min_parallel_s: float = 0.0,
    order: npt.NDArray[np.intp] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """Bounded searches as CSR arrays ``(indptr, nodes, times)``, each row in settling order."""

def sparse_time(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    source: int,
    limit: float,
    work: Workspaces,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """One bounded search: ``(nodes, times)`` in settling order (serial fast path)."""

def paths(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int32],
    targets: npt.NDArray[np.int32],
    work: Workspaces,
    num_threads: int = 1,
    min_parallel_s: float = 0.0,
    order: npt.NDArray[np.intp] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Shortest paths ``sources[i] -> targets[i]`` as CSR arrays ``(indptr, nodes)`` (empty row: unreachable)."""

def target_times(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    sources: npt.NDArray[np.int32],
    targets: npt.NDArray[np.int32],
    is_target: npt.NDArray[np.uint8],
    n_unique: int,
    limit: float,
    out: npt.NDArray[np.float64],
    work: Workspaces,
    num_threads: int = 1,
    min_parallel_s: float = 0.0,
    order: npt.NDArray[np.intp] | None = None,
) -> int:
    """``out[i, j]`` = time from ``sources[i]`` to ``targets[j]``; returns the number of threads used."""

def nearest_sets(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    set_ptr: npt.NDArray[np.int64],
    set_sources: npt.NDArray[np.int32],
    limit: float,
    times: npt.NDArray[np.float64],
    which: npt.NDArray[np.int32],
    work: Workspaces,
    num_threads: int = 1,
    min_parallel_s: float = 0.0,
) -> int:
    """Nearest source of each node for several source sets; returns how many sets needed the tie repair."""
