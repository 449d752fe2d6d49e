# cython: language_level=3
# Single-source Dijkstra building blocks on CSR arrays, for other kernels to cimport:
#
#     from kaicity._core._dijkstra cimport Workspace, Workspaces, search_bounded, ws_reset
#
# A ``Workspace`` holds one thread's reusable work arrays: ``dist`` (INF on every node
# between searches), ``pred``, the list of ``touched`` nodes and an indexed heap (see
# _heap.pxd).  Nothing is re-initialised in O(n) per search: ``ws_reset`` puts INF back
# only on the touched nodes, so a bounded search costs O(reached log reached).
# ``Workspaces`` (a Python-visible owner of one Workspace per thread) lets a caller keep
# them alive across calls; :mod:`kaicity.routing` pools them per graph.
from libc.stdint cimport int64_t

from kaicity._core._buckets cimport BucketQueue
from kaicity._core._heap cimport IndexedHeap
from kaicity._core._types cimport index_t, weight_t


cdef struct Workspace:
    # the pads keep the hot fields (heap.size, n_touched) of neighbouring threads'
    # workspaces in an array on different cache lines (no false sharing)
    char _pad_head[64]
    weight_t* dist      # n; INF on every node outside the current search
    index_t* pred       # n; predecessor on the current search tree (valid on touched nodes)
    index_t* touched    # nodes whose dist became finite in the current search
    index_t n_touched
    index_t n
    IndexedHeap heap    # with ties (usable in plain and lexicographic order)
    BucketQueue bq      # used instead of the heap by single-source searches when configured
    char _pad_tail[64]


# A growable per-thread result buffer (bounded-search rows, paths), kept by Workspaces so
# that its memory (already faulted in) is reused by the next call.
cdef struct OutBuf:
    char _pad_head[64]  # one buffer per thread in an array: no false sharing on size
    index_t* nodes
    weight_t* times     # NULL for buffers that hold nodes only
    Py_ssize_t size
    Py_ssize_t cap      # entries allocated in ``nodes``
    Py_ssize_t tcap     # entries allocated in ``times``
    char _pad_tail[64]


cdef class Workspaces:
    cdef Workspace* ws
    cdef OutBuf* bufs   # one per workspace
    cdef readonly int count
    cdef readonly index_t n
    cdef readonly int64_t bucket_slots
    cdef readonly weight_t inv_width


cdef int ws_init(Workspace* ws, index_t n) noexcept nogil
cdef void ws_free(Workspace* ws) noexcept nogil
cdef void ws_reset(Workspace* ws) noexcept nogil

# Single-source searches use the Workspace's bucket queue (_buckets.pxd) when it is
# configured for the graph (``Workspaces.use_buckets``), else the indexed heap; both give
# the same times.

# Dijkstra from ``source`` into a dense ``dist`` row (n entries, INF on entry) and, when
# not NULL, ``pred`` (NO_NODE on entry); nodes farther than ``limit`` stay INF.  The
# Workspace's queues must be empty; they are empty again on return.  Returns the number
# of settled nodes.
cdef index_t search_dense(const index_t* indptr, const index_t* indices, const weight_t* weights,
                          index_t source, weight_t limit, weight_t* dist, index_t* pred,
                          Workspace* ws) noexcept nogil

# Dijkstra from ``source`` within ``limit`` in a clean Workspace.  The settled nodes are
# ``ws.touched[:count]`` in non-decreasing time (equal times by node index with the
# bucket queue, in heap order with the heap), their times in ``ws.dist`` (no
# predecessors: use search_targets for paths).  Returns ``count``; the caller reads the
# result, then calls ``ws_reset``.
cdef index_t search_bounded(const index_t* indptr, const index_t* indices, const weight_t* weights,
                            index_t source, weight_t limit, Workspace* ws) noexcept nogil

# Dijkstra from ``source`` in a clean Workspace that stops as soon as ``n_targets``
# distinct nodes flagged in ``is_target`` are settled (when ``is_target`` is NULL: as
# soon as node ``target`` is settled), or nothing within ``limit`` is left.  Target times
# are then final in ``ws.dist`` (INF when not reached) with the tree in ``ws.pred``.
# Returns the number of targets settled.  The caller calls ``ws_reset`` afterwards.
cdef index_t search_targets(const index_t* indptr, const index_t* indices, const weight_t* weights,
                            index_t source, weight_t limit, const unsigned char* is_target,
                            index_t n_targets, index_t target, Workspace* ws) noexcept nogil

# Multi-source search for the nearest of ``sources[:k]`` into dense rows ``times`` and
# ``which`` (n entries each, overwritten): ``which[v]`` is the lowest index ``s`` whose
# own single-source time to ``v`` equals ``times[v]``.  Returns 1 when the exact
# tie-repair pass was needed, else 0.  The Workspace must be clean; it is clean on return.
cdef int search_nearest(const index_t* indptr, const index_t* indices, const weight_t* weights,
                        const index_t* sources, index_t k, weight_t limit, weight_t* times,
                        index_t* which, Workspace* ws) noexcept nogil
