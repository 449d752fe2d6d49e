"""Input checks of the routing functions: a graph's CSR arrays, node indices and limits.

Every check raises :class:`~kaicity.errors.RoutingError` with one line naming the input.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from kaicity._core.constants import INDEX_DTYPE, WEIGHT_DTYPE
from kaicity.errors import RoutingError

__all__ = ["BOOL_TYPES", "INT_TYPES", "check_csr", "check_limit", "check_node", "check_nodes"]


def check_csr(graph: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        indptr, indices, weights = graph.indptr, graph.indices, graph.weights
    except AttributeError:
        raise RoutingError(f"expected a kaicity Graph (indptr, indices, weights), got "
                           f"{type(graph).__name__}") from None
    name = getattr(graph, "name", "graph")
    arrays = []
    for label, arr, dtype in (("indptr", indptr, INDEX_DTYPE), ("indices", indices, INDEX_DTYPE),
                              ("weights", weights, WEIGHT_DTYPE)):
        arr = np.asarray(arr)
        if arr.ndim != 1:
            raise RoutingError(f"{name}: {label} must be one-dimensional, got shape {arr.shape}")
        kind = "iu" if dtype is INDEX_DTYPE else "iuf"
        if arr.dtype.kind not in kind:
            raise RoutingError(f"{name}: {label} has dtype {arr.dtype}, expected {np.dtype(dtype).name}")
        if arr.dtype != dtype:
            if dtype is INDEX_DTYPE and len(arr) and (arr.min() < np.iinfo(dtype).min
                                                      or arr.max() > np.iinfo(dtype).max):
                raise RoutingError(f"{name}: {label} does not fit in {np.dtype(dtype).name}")
            arr = arr.astype(dtype)
        arrays.append(np.ascontiguousarray(arr))
    indptr, indices, weights = arrays
    n = len(indptr) - 1
    m = len(indices)
    if n < 0:
        raise RoutingError(f"{name}: indptr is empty (it needs n + 1 entries)")
    if indptr[0] != 0 or indptr[-1] != m or np.any(np.diff(indptr) < 0):
        raise RoutingError(f"{name}: indptr is not a valid CSR row pointer for {m} edges")
    if len(weights) != m:
        raise RoutingError(f"{name}: {len(weights)} weights for {m} edges (indices)")
    if m and (indices.min() < 0 or indices.max() >= n):
        raise RoutingError(f"{name}: an edge points outside nodes 0..{n - 1}")
    if m:
        if np.isnan(weights).any():
            raise RoutingError(f"{name}: edge weights contain NaN")
        if (weights < 0).any():
            raise RoutingError(f"{name}: edge weights must be >= 0 (min is {weights.min()})")
    return indptr, indices, weights


BOOL_TYPES = (bool, np.bool_)
INT_TYPES = (int, np.integer)


def check_node(value: Any, n: int, what: str) -> int:
    """One node index in ``0..n-1``."""
    if type(value) is int and 0 <= value < n:     # the common case, without the checks below
        return value
    if isinstance(value, BOOL_TYPES):
        raise RoutingError(f"{what} must be an integer node index, got {value!r}")
    try:
        i = operator.index(value)
    except TypeError:
        raise RoutingError(f"{what} must be an integer node index, got {value!r}") from None
    if not 0 <= i < n:
        raise RoutingError(f"{what} {i} is out of range: the graph has nodes 0..{n - 1}")
    return i


def check_nodes(values: Any, n: int, what: str) -> np.ndarray:
    """A 1-D int32 array of node indices in ``0..n-1``."""
    arr = np.asarray(values)
    if arr.dtype == object:
        flat = arr.ravel().tolist()
        if any(isinstance(v, BOOL_TYPES) for v in flat):
            raise RoutingError(f"{what} must be integer node indices, not booleans")
        try:
            arr = np.asarray([operator.index(v) for v in flat], dtype=np.int64).reshape(arr.shape)
        except (TypeError, OverflowError):
            raise RoutingError(f"{what} must be integer node indices") from None
    if arr.ndim != 1:
        raise RoutingError(f"{what} must be a one-dimensional sequence of node indices, "
                           f"got shape {arr.shape}")
    if arr.size == 0:
        return np.empty(0, dtype=INDEX_DTYPE)
    if arr.dtype.kind not in "iu":
        raise RoutingError(f"{what} must be integer node indices, got dtype {arr.dtype}")
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise RoutingError(f"{what}: node index {arr[bad][0]} is out of range: the graph has nodes "
                           f"0..{n - 1}")
    return np.ascontiguousarray(arr, dtype=INDEX_DTYPE)


def check_limit(limit: Any) -> float:
    if type(limit) is float and limit >= 0:     # the common case (NaN fails and is reported below)
        return limit
    try:
        value = float(limit)
    except (TypeError, ValueError):
        raise RoutingError(f"limit must be a number >= 0, got {limit!r}") from None
    if not value >= 0:
        raise RoutingError(f"limit must be a number >= 0, got {limit!r}")
    return value

