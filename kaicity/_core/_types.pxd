# Dtypes and sentinels of the Cython core, defined once.
# Every kernel uses these names; the Python side mirrors them in kaicity/_core/constants.py.
from libc.math cimport INFINITY

ctypedef int index_t          # node / edge index (numpy int32)
ctypedef double weight_t      # edge cost, time or distance (numpy float64)

cdef weight_t INF = INFINITY  # unreachable / beyond the search limit
cdef index_t NO_NODE = -1     # "no predecessor" / "no source within limit"
