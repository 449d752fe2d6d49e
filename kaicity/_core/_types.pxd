# Dtypes and sentinels of the Cython core, defined once.
# Every kernel uses these names; the Python side mirrors them in kaicity/_core/constants.py.
#
# The sentinels are compile-time constants (a C macro and an enum): a plain ``cdef``
# variable assigned in a .pxd is never initialised in the modules that cimport it
# (Cython warns "Assignment in pxd file will not be executed" and it reads as 0).

ctypedef int index_t          # node / edge index (numpy int32)
ctypedef double weight_t      # edge cost, time or distance (numpy float64)

cdef extern from *:
    """
    #include <math.h>
    #define KAICITY_INF ((double) INFINITY)
    """
    const weight_t INF "KAICITY_INF"   # unreachable / beyond the search limit

cdef enum:
    NO_NODE = -1              # "no predecessor" / "no source within limit"

# Read prefetch hint (a no-op on compilers without __builtin_prefetch): kernels use it to
# start loading the next heap top's adjacency while they relax the current node's edges.
cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define KAICITY_PREFETCH(p) __builtin_prefetch((const void*) (p), 0, 3)
    #else
    #define KAICITY_PREFETCH(p) ((void) 0)
    #endif
    """
    void prefetch "KAICITY_PREFETCH"(const void* p) noexcept nogil
