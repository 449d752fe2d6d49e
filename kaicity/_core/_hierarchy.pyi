"""Type stubs of :mod:`kaicity._core._hierarchy` (contraction hierarchy, PHAST rows)."""

import numpy as np
import numpy.typing as npt

def contract(
    indptr: npt.NDArray[np.int32],
    indices: npt.NDArray[np.int32],
    weights: npt.NDArray[np.float64],
    max_settle: int,
    rank: npt.NDArray[np.int32],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """Contract every node; fills ``rank`` and returns the tails, heads and costs of all arcs."""

class Sweeper:
    """Work arrays of PHAST rows on a hierarchy of ``n`` nodes numbered by descending rank."""

    def __init__(self, n: int) -> None:
        """Allocate sweep arrays for hierarchies of ``n`` nodes."""
    def row(
        self,
        up_ptr: npt.NDArray[np.int32],
        up_idx: npt.NDArray[np.int32],
        up_cost: npt.NDArray[np.float64],
        down_ptr: npt.NDArray[np.int32],
        down_idx: npt.NDArray[np.int32],
        down_cost: npt.NDArray[np.float64],
        source: int,
        order: npt.NDArray[np.int32],
        out: npt.NDArray[np.float64],
    ) -> None:
        """Times from position ``source`` to every node, written to ``out[order[pos]]``."""
