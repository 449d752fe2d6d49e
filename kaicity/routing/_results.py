"""Results of many bounded searches, stored sparsely (:class:`SparseTimes`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["SparseTimes"]


@dataclass(frozen=True, eq=False)
class SparseTimes:
    """Times of many bounded searches, as CSR-like arrays (memory O(nodes reached)).

    Row ``i`` (search ``i``) is ``nodes[indptr[i]:indptr[i + 1]]`` with times
    ``times[indptr[i]:indptr[i + 1]]``: every node within the limit, in the order the
    search settled them (non-decreasing time), the source itself first at time 0.

    Attributes
    ----------
    indptr : ndarray of int64, shape (k + 1,)
    nodes : ndarray of int32, shape (nnz,)
    times : ndarray of float64, shape (nnz,)
    n_nodes : int
        Number of nodes of the graph searched (the column count of :meth:`to_scipy`).
    """

    indptr: np.ndarray
    nodes: np.ndarray
    times: np.ndarray
    n_nodes: int

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        """Total number of (search, node) pairs stored."""
        return int(self.indptr[-1])

    @property
    def nbytes(self) -> int:
        """Bytes held by the three arrays."""
        return int(self.indptr.nbytes + self.nodes.nbytes + self.times.nbytes)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Nodes reached by search ``i`` and their times (views, settling order)."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.nodes[lo:hi], self.times[lo:hi]

    def counts(self) -> np.ndarray:
        """Number of nodes reached by each search."""
        return np.diff(self.indptr)

    def to_scipy(self) -> sp.csr_matrix:
        """A ``(k, n_nodes)`` ``csr_matrix`` of times (sources' own zeros stored explicitly).

        Column indices within a row are in settling order, not sorted.
        """
        return sp.csr_matrix((self.times, self.nodes, self.indptr), shape=(len(self), self.n_nodes))

    def to_dense(self) -> np.ndarray:
        """A ``(k, n_nodes)`` array with ``inf`` for nodes not reached (O(k n) memory)."""
        out = np.full((len(self), self.n_nodes), np.inf)
        rows = np.repeat(np.arange(len(self)), self.counts())
        out[rows, self.nodes] = self.times
        return out

