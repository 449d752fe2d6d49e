# cython: language_level=3
"""Accessibility kernels on CSR arrays: nearest facility per category, facilities within a radius.

Arrays only: ``indptr``/``indices`` int32, ``weights`` float64 (>= 0, never NaN), node
indices int32 and in range.  :mod:`kaicity.accessibility` checks all of that, builds the
per-category source lists and allocates the outputs; nothing here raises for bad input.
Outputs are category-major, shape ``(C, n)``: one contiguous row per category, so threads
working on different categories never write to the same cache lines.

Both kernels search *from the facilities* (pass the transpose of a directed graph to get
node -> facility distances):

* :func:`nearest_by_category` -- one multi-source Dijkstra per category (``prange`` over
  categories), the routing core's ``search_nearest`` (``_dijkstra.pxd``): the nearest
  facility of a node is the lowest-ranked one (rank = position in its category's list)
  whose own distance equals the minimum, exactly, float rounding included.
* :func:`counts_within` -- one bounded Dijkstra per distinct facility node (``prange`` over
  sources, dynamic schedule), in chunks.  Each search appends its settled ``(node, dist)``
  pairs to its thread's buffer; then the chunk is accumulated into the ``(C, n)`` outputs
  in source order (``prange`` over categories).  Every float sum is therefore taken in the
  same order (ascending source, within a source its settling order) whatever the number of
  threads or the chunking, and results are bit-identical for any thread count.  Work is
  O(sum over sources of reached * log reached); per-thread scratch is reset only on the
  nodes a search touched.

Distances are left-to-right float64 sums along paths (``dist[u] + w``), exactly as
:func:`scipy.sparse.csgraph.dijkstra` and networkx compute them; a node is within a limit
when its distance is ``<= limit``.
"""

from cython.parallel cimport parallel, prange, threadid
from libc.math cimport exp
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, realloc

from kaicity._core._dijkstra cimport Workspace, search_nearest, ws_free, ws_init
from kaicity._core._heap cimport IndexedHeap, heap_clear, heap_free, heap_init, heap_pop, heap_update
from kaicity._core._types cimport INF, NO_NODE, index_t, weight_t

#: decay codes of :func:`counts_within`
DECAY_NONE = 0
DECAY_LINEAR = 1
DECAY_EXP = 2

# entries of a thread's result buffer allocated at first (grows by doubling)
cdef Py_ssize_t BUF_START = 1 << 14


cdef inline int _n_threads(int requested, Py_ssize_t n_tasks) noexcept nogil:
    if requested < 1:
        requested = 1
    if n_tasks < requested:
        return <int> (n_tasks if n_tasks > 0 else 1)
    return requested


# ------------------------------------------------------------------------------ nearest
def nearest_by_category(const index_t[::1] indptr, const index_t[::1] indices,
                        const weight_t[::1] weights, const index_t[::1] src_node,
                        const int64_t[::1] src_id, const index_t[::1] cat_ptr, weight_t limit,
                        weight_t[:, ::1] dist_out, int64_t[:, ::1] id_out, int num_threads=1):
    """Distance to, and id of, the nearest source of each category, for every node.

    Parameters
    ----------
    indptr, indices, weights
        CSR graph searched *from* the sources (the transpose of a directed graph).
    src_node, src_id
        Sources grouped by category: category ``c`` owns ``cat_ptr[c]:cat_ptr[c + 1]``,
        in rank order (ties go to the lower rank).  ``src_id`` is reported in ``id_out``.
    cat_ptr
        Offsets, length ``C + 1``.
    limit
        Nodes farther than ``limit`` from every source of a category get ``INF`` / ``-1``.
    dist_out, id_out
        Outputs of shape ``(C, n)``, overwritten.
    num_threads
        OpenMP threads (categories run in parallel).

    Returns
    -------
    bool
        False when a thread could not allocate its scratch (the caller raises MemoryError).
    """
    cdef Py_ssize_t C = cat_ptr.shape[0] - 1
    cdef index_t n = <index_t> (indptr.shape[0] - 1)
    cdef Py_ssize_t c
    cdef index_t v, r, lo
    cdef int nt = _n_threads(num_threads, C)
    cdef int failed = 0
    cdef int* failed_p = &failed
    cdef Workspace* ws = NULL
    cdef index_t* rank = NULL
    cdef weight_t* drow
    cdef int64_t* irow
    cdef const index_t* ip = &indptr[0]
    cdef const index_t* ix = NULL
    cdef const weight_t* wt = NULL
    cdef const index_t* sn = NULL
    cdef const int64_t* sid = NULL
    if C <= 0 or n <= 0:
        return True
    if indices.shape[0] > 0:
        ix = &indices[0]
        wt = &weights[0]
    if src_node.shape[0] > 0:
        sn = &src_node[0]
        sid = &src_id[0]
    with nogil, parallel(num_threads=nt):
        ws = <Workspace*> malloc(sizeof(Workspace))
        rank = <index_t*> malloc(<size_t> n * sizeof(index_t))
        if ws != NULL and ws_init(ws, n) != 0:
            free(ws)
            ws = NULL
        for c in prange(C, schedule="dynamic"):
            if ws == NULL or rank == NULL:
                failed_p[0] = 1
                continue
            drow = &dist_out[c, 0]
            irow = &id_out[c, 0]
            lo = cat_ptr[c]
            search_nearest(ip, ix, wt, sn + lo, cat_ptr[c + 1] - lo, limit, drow, rank, ws)
            for v in range(n):
                r = rank[v]
                if r == NO_NODE:
                    irow[v] = -1
                else:
                    irow[v] = sid[lo + r]
        if ws != NULL:
            ws_free(ws)
            free(ws)
        free(rank)
    return failed == 0


# --------------------------------------------------------------------- counts in radius
cdef struct Scratch:
    weight_t* dist      # n; INF on every node outside the current search
    IndexedHeap heap
    index_t* nodes      # settled nodes of this thread's searches in the current chunk
    weight_t* dists     # their distances
    Py_ssize_t size
    Py_ssize_t cap
    char pad[128]       # keeps the next thread's Scratch (heap.size is written on every pop) off these cache lines


cdef int _scratch_init(Scratch* sc, index_t n) noexcept nogil:
    cdef index_t i
    sc.size = 0
    sc.cap = BUF_START
    sc.dist = <weight_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(weight_t))
    sc.nodes = <index_t*> malloc(<size_t> sc.cap * sizeof(index_t))
    sc.dists = <weight_t*> malloc(<size_t> sc.cap * sizeof(weight_t))
    if heap_init(&sc.heap, n, False) != 0 or sc.dist == NULL or sc.nodes == NULL or sc.dists == NULL:
        return -1
    for i in range(n):
        sc.dist[i] = INF
    return 0


cdef void _scratch_free(Scratch* sc) noexcept nogil:
    free(sc.dist)
    free(sc.nodes)
    free(sc.dists)
    heap_free(&sc.heap)
    sc.dist = NULL
    sc.nodes = NULL
    sc.dists = NULL


cdef int _grow(Scratch* sc) noexcept nogil:
    cdef Py_ssize_t cap = sc.cap * 2
    cdef void* p = realloc(sc.nodes, <size_t> cap * sizeof(index_t))
    if p == NULL:
        return -1
    sc.nodes = <index_t*> p
    p = realloc(sc.dists, <size_t> cap * sizeof(weight_t))
    if p == NULL:
        return -1
    sc.dists = <weight_t*> p
    sc.cap = cap
    return 0


cdef Py_ssize_t _bounded(const index_t* indptr, const index_t* indices, const weight_t* weights,
                         index_t source, weight_t radius, Scratch* sc) noexcept nogil:
    """Dijkstra from ``source`` within ``radius``; appends settled (node, dist) to the buffer.

    Returns the number appended, or -1 when the buffer could not grow (scratch left clean).
    """
    cdef weight_t* dist = sc.dist
    cdef IndexedHeap* heap = &sc.heap
    cdef Py_ssize_t start = sc.size
    cdef Py_ssize_t size = start
    cdef Py_ssize_t cap = sc.cap
    cdef index_t* out_nodes = sc.nodes
    cdef weight_t* out_dists = sc.dists
    cdef Py_ssize_t i
    cdef index_t u, v, e
    cdef weight_t d, nd
    dist[source] = 0.0
    heap_update(heap, source, 0.0)
    # every node pushed is <= radius and is popped, so the settled list is the touched list
    while heap.size > 0:
        u = heap_pop(heap, &d)
        if size == cap:
            sc.size = size
            if _grow(sc) != 0:
                dist[u] = INF
                for i in range(heap.size):
                    dist[heap.nodes[i]] = INF
                heap_clear(heap)
                for i in range(start, size):
                    dist[sc.nodes[i]] = INF
                sc.size = start
                return -1
            cap = sc.cap
            out_nodes = sc.nodes
            out_dists = sc.dists
        out_nodes[size] = u
        out_dists[size] = d
        size += 1
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + weights[e]
            v = indices[e]
            if nd < dist[v] and nd <= radius:
                dist[v] = nd
                heap_update(heap, v, nd)
    for i in range(start, size):
        dist[out_nodes[i]] = INF
    sc.size = size
    return size - start


def counts_within(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                  const index_t[::1] src_node, const index_t[:, ::1] mult, weight_t radius,
                  int decay, weight_t beta, index_t[:, ::1] count_out, weight_t[:, ::1] weight_out,
                  int num_threads=1, Py_ssize_t budget=4_000_000):
    """Facilities of each category within ``radius`` of every node, and their decayed sum.

    Parameters
    ----------
    indptr, indices, weights
        CSR graph searched *from* the sources (the transpose of a directed graph).
    src_node
        Distinct source nodes (S,); the order fixes the summation order.
    mult
        ``(S, C)`` number of facilities of category ``c`` at ``src_node[s]``.
    radius
        Search radius (a node is counted when its distance is ``<= radius``).
    decay, beta
        ``DECAY_NONE`` (``weight_out`` untouched), ``DECAY_LINEAR`` (weight ``1 - d / radius``,
        1 when ``radius == 0``) or ``DECAY_EXP`` (weight ``exp(-beta * d)``).
    count_out, weight_out
        ``(C, n)`` accumulators (zeroed by the caller); ``weight_out`` may be ``(C, 0)``
        without decay.
    num_threads
        OpenMP threads.
    budget
        Soft cap on buffered ``(node, dist)`` entries per chunk (memory ~ 12 bytes each).

    Returns
    -------
    bool
        False when memory ran out (the caller raises MemoryError).
    """
    cdef Py_ssize_t S = src_node.shape[0]
    cdef Py_ssize_t C = mult.shape[1]
    cdef index_t n = <index_t> (indptr.shape[0] - 1)
    cdef int nt = _n_threads(num_threads, S)
    cdef int ntc = _n_threads(num_threads, C)
    cdef Scratch* scr
    cdef Py_ssize_t* rec_off
    cdef index_t* rec_cnt
    cdef int* rec_thr
    cdef Py_ssize_t s0 = 0
    cdef Py_ssize_t chunk, max_chunk, jj, i, off, got, total, done_entries = 0
    cdef Py_ssize_t c
    cdef int t, k
    cdef int failed = 0
    cdef int* failed_p = &failed
    cdef index_t m, cnt
    cdef index_t* crow
    cdef weight_t* wrow
    cdef weight_t fm
    cdef Scratch* sc
    cdef const index_t* ip = &indptr[0]
    cdef const index_t* ix = NULL
    cdef const weight_t* wt = NULL
    if S == 0 or C == 0 or n <= 0:
        return True
    if indices.shape[0] > 0:
        ix = &indices[0]
        wt = &weights[0]
    max_chunk = 8192
    if max_chunk > S:
        max_chunk = S
    scr = <Scratch*> malloc(nt * sizeof(Scratch))
    rec_off = <Py_ssize_t*> malloc(max_chunk * sizeof(Py_ssize_t))
    rec_cnt = <index_t*> malloc(max_chunk * sizeof(index_t))
    rec_thr = <int*> malloc(max_chunk * sizeof(int))
    if scr == NULL or rec_off == NULL or rec_cnt == NULL or rec_thr == NULL:
        free(scr)
        free(rec_off)
        free(rec_cnt)
        free(rec_thr)
        return False
    for k in range(nt):
        scr[k].dist = NULL
        scr[k].nodes = NULL
        scr[k].dists = NULL
        scr[k].heap.keys = NULL
        scr[k].heap.ties = NULL
        scr[k].heap.nodes = NULL
        scr[k].heap.pos = NULL
    for k in range(nt):
        if _scratch_init(&scr[k], n) != 0:
            failed = 1
    # first chunk: as many sources as fit the budget if each reached every node
    chunk = budget // n
    if chunk < 4 * nt:
        chunk = 4 * nt
    try:
        while s0 < S and not failed:
            if chunk > S - s0:
                chunk = S - s0
            if chunk > max_chunk:
                chunk = max_chunk
            # phase A: searches in parallel, results into per-thread buffers
            with nogil, parallel(num_threads=nt):
                for jj in prange(chunk, schedule="dynamic"):
                    t = threadid()
                    sc = &scr[t]
                    off = sc.size
                    got = _bounded(ip, ix, wt, src_node[s0 + jj], radius, sc)
                    if got < 0:
                        failed_p[0] = 1
                        got = 0
                    rec_thr[jj] = t
                    rec_off[jj] = off
                    rec_cnt[jj] = <index_t> got
            if failed:
                break
            # phase B: accumulate in source order, categories in parallel
            with nogil, parallel(num_threads=ntc):
                for c in prange(C, schedule="static"):
                    crow = &count_out[c, 0]
                    wrow = NULL
                    if decay != 0:
                        wrow = &weight_out[c, 0]
                    for jj in range(chunk):
                        m = mult[s0 + jj, c]
                        if m == 0:
                            continue
                        sc = &scr[rec_thr[jj]]
                        off = rec_off[jj]
                        cnt = rec_cnt[jj]
                        fm = <weight_t> m
                        for i in range(off, off + cnt):
                            crow[sc.nodes[i]] += m
                            if decay == 1:
                                if radius > 0:
                                    wrow[sc.nodes[i]] += fm * (1.0 - sc.dists[i] / radius)
                                else:
                                    wrow[sc.nodes[i]] += fm
                            elif decay == 2:
                                wrow[sc.nodes[i]] += fm * exp(-beta * sc.dists[i])
            total = 0
            for k in range(nt):
                total += scr[k].size
                scr[k].size = 0
            done_entries += total
            s0 += chunk
            # next chunk: as many sources as fit the buffer budget at the mean reach so far
            chunk = budget // (done_entries // s0 + 1)
            if chunk < nt:
                chunk = nt
    finally:
        for k in range(nt):
            _scratch_free(&scr[k])
        free(scr)
        free(rec_off)
        free(rec_cnt)
        free(rec_thr)
    return failed == 0
