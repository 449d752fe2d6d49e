"""Type stubs of :mod:`kaicity._core._access` (accessibility kernels on CSR arrays).

Outputs are preallocated by :mod:`kaicity.accessibility` and overwritten in place.
"""

import numpy as np
import numpy.typing as npt

#: decay codes of :func:`counts_within`
DECAY_NONE: int
DECAY_LINEAR: int
DECAY_EXP: int

def nearest_by_category(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    src_node: npt.NDArray[np.int32],
    src_id: npt.NDArray[np.int64],
    cat_ptr: npt.NDArray[np.int32],
    limit: float,
    dist_out: npt.NDArray[np.float64],
    id_out: npt.NDArray[np.int64],
    num_threads: int = 1,
) -> bool:
    """Fill ``(C, n)`` distance to, and id of, the nearest source per category; False when out of memory."""

def counts_within(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    src_node: npt.NDArray[np.int32],
    mult: npt.NDArray[np.int32],
    radius: float,
    decay: int,
    beta: float,
    count_out: npt.NDArray[np.int32],
    weight_out: npt.NDArray[np.float64],
    num_threads: int = 1,
    budget: int = 4_000_000,
) -> bool:
    """Accumulate ``(C, n)`` facility counts within ``radius`` and their decayed sum; False when out of memory."""
