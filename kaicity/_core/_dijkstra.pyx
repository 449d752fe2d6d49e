# cython: language_level=3
"""Exact shortest-path kernels on CSR arrays (indexed-heap Dijkstra, OpenMP over searches).

Arrays only: ``indptr``/``indices`` int32 (a valid CSR structure, indices in range),
``weights`` float64 (>= 0 or +inf, never NaN or -0.0 issues: ``+0.0`` and ``-0.0`` are
both zero), node and source indices int32 in range, outputs C-contiguous with the right
shapes.  :mod:`kaicity.routing` checks all of that and allocates the outputs; nothing
here raises for bad input.

Every kernel that runs many independent searches spreads them over OpenMP threads
(``prange``, dynamic schedule), each with its own :class:`Workspaces` slot.  A search
writes only its own output slots, and its result does not depend on the thread that runs
it, so results are identical for any thread count.

Times are left-to-right float64 sums along paths (``dist[u] + w``), the same arithmetic
as :func:`scipy.sparse.csgraph.dijkstra`; a node is within ``limit`` when its time is
``<= limit``.  Because float addition is monotone, Dijkstra's ``dist[v]`` is exactly the
minimum over all paths of that sum, whichever implementation computes it.
"""

from cython.parallel cimport parallel, prange, threadid
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy

import numpy as np

from kaicity._core._heap cimport (
    heap_clear,
    heap_free,
    heap_init,
    heap_pop,
    heap_pop_lex,
    heap_push_lex,
    heap_update,
)
from kaicity._core._types cimport INF, NO_NODE, index_t, weight_t

# unit roundoff of float64 (2**-53): bounds how far apart two path sums can be and still
# round to the same value further down the path (the exact tie rule of search_nearest)
cdef weight_t UNIT_ROUNDOFF = 1.1102230246251565e-16


# ----------------------------------------------------------------------------- workspace
cdef int ws_init(Workspace* ws, index_t n) noexcept nogil:
    cdef index_t i
    cdef size_t cap = <size_t> (n if n > 0 else 1)
    ws.n = n
    ws.n_touched = 0
    ws.dist = <weight_t*> calloc(cap, sizeof(weight_t))
    ws.pred = <index_t*> calloc(cap, sizeof(index_t))
    ws.touched = <index_t*> calloc(cap, sizeof(index_t))
    if heap_init(&ws.heap, n, True) != 0 or ws.dist == NULL or ws.pred == NULL or ws.touched == NULL:
        ws_free(ws)
        return -1
    for i in range(n):
        ws.dist[i] = INF
        ws.pred[i] = NO_NODE
    return 0


cdef void ws_free(Workspace* ws) noexcept nogil:
    free(ws.dist)
    free(ws.pred)
    free(ws.touched)
    ws.dist = NULL
    ws.pred = NULL
    ws.touched = NULL
    heap_free(&ws.heap)


cdef void ws_reset(Workspace* ws) noexcept nogil:
    cdef index_t i
    for i in range(ws.n_touched):
        ws.dist[ws.touched[i]] = INF
    ws.n_touched = 0
    heap_clear(&ws.heap)


cdef class Workspaces:
    """Reusable work arrays for searches on graphs of ``n`` nodes, one set per thread.

    Allocating them costs O(n) per thread; after that every search resets only what it
    touched.  Not thread-safe: one Python thread at a time may pass a given object to
    the kernels (:mod:`kaicity.routing` keeps a pool per graph).

    Parameters
    ----------
    n
        Number of nodes of the graphs searched.
    count
        Number of threads to prepare for (grown later with :meth:`ensure`).
    """

    def __cinit__(self, index_t n, int count=1):
        self.ws = NULL
        self.count = 0
        self.n = n
        self.ensure(count)

    def ensure(self, int count):
        """Make sure at least ``count`` per-thread workspaces exist."""
        cdef int i
        cdef Workspace* grown
        if count <= self.count:
            return
        grown = <Workspace*> realloc(self.ws, <size_t> count * sizeof(Workspace))
        if grown == NULL:
            raise MemoryError("kaicity routing: cannot allocate search workspaces")
        self.ws = grown
        for i in range(self.count, count):
            if ws_init(&self.ws[i], self.n) != 0:
                raise MemoryError(f"kaicity routing: cannot allocate search workspaces for {self.n} nodes")
            self.count = i + 1

    def __dealloc__(self):
        cdef int i
        if self.ws != NULL:
            for i in range(self.count):
                ws_free(&self.ws[i])
            free(self.ws)
            self.ws = NULL


# ------------------------------------------------------------------------ single searches
cdef index_t search_dense(const index_t* indptr, const index_t* indices, const weight_t* weights,
                          index_t source, weight_t limit, weight_t* dist, index_t* pred,
                          IndexedHeap* heap) noexcept nogil:
    cdef weight_t d, nd
    cdef index_t u, v, e
    cdef index_t count = 0
    dist[source] = 0.0
    heap_update(heap, source, 0.0)
    while heap.size > 0:
        u = heap_pop(heap, &d)
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + weights[e]
            v = indices[e]
            # a settled v has dist[v] <= d <= nd: it is never pushed again
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                if pred != NULL:
                    pred[v] = u
                heap_update(heap, v, nd)
    return count


cdef index_t search_bounded(const index_t* indptr, const index_t* indices, const weight_t* weights,
                            index_t source, weight_t limit, Workspace* ws) noexcept nogil:
    cdef weight_t d, nd
    cdef index_t u, v, e
    cdef weight_t* dist = ws.dist
    cdef index_t* pred = ws.pred
    cdef index_t* settled = ws.touched
    cdef IndexedHeap* heap = &ws.heap
    cdef index_t count = 0
    dist[source] = 0.0
    pred[source] = NO_NODE
    heap_update(heap, source, 0.0)
    # every node pushed is within the limit and gets popped: touched == settled
    while heap.size > 0:
        u = heap_pop(heap, &d)
        settled[count] = u
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + weights[e]
            v = indices[e]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                pred[v] = u
                heap_update(heap, v, nd)
    ws.n_touched = count
    return count


cdef index_t search_targets(const index_t* indptr, const index_t* indices, const weight_t* weights,
                            index_t source, weight_t limit, const unsigned char* is_target,
                            index_t n_targets, index_t target, Workspace* ws) noexcept nogil:
    cdef weight_t d, nd
    cdef index_t u, v, e
    cdef weight_t* dist = ws.dist
    cdef index_t* pred = ws.pred
    cdef index_t* touched = ws.touched
    cdef IndexedHeap* heap = &ws.heap
    cdef index_t n_touched = 1
    cdef index_t found = 0
    dist[source] = 0.0
    pred[source] = NO_NODE
    touched[0] = source
    heap_update(heap, source, 0.0)
    while heap.size > 0:
        u = heap_pop(heap, &d)
        if is_target != NULL:
            if is_target[u]:
                found += 1
        elif u == target:
            found += 1
        if found >= n_targets:
            break
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + weights[e]
            v = indices[e]
            if nd < dist[v] and nd <= limit:
                if dist[v] == INF:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = nd
                pred[v] = u
                heap_update(heap, v, nd)
    ws.n_touched = n_touched
    return found


cdef int search_nearest(const index_t* indptr, const index_t* indices, const weight_t* weights,
                        const index_t* sources, index_t k, weight_t limit, weight_t* times,
                        index_t* which, Workspace* ws) noexcept nogil:
    # Phase 1: one multi-source search with labels (time, source index) compared
    # lexicographically.  Its times are exact (the minimum over sources of each source's
    # own time).  Its ``which`` is the lowest tying source except when float rounding
    # makes two sums equal further down a path though they differ at an earlier node
    # (e.g. 1 + 1e17 == 0 + 1e17): there the label of the lower source was dropped early.
    # Every such case leaves a trace: a label of a lower source losing to one of a higher
    # source by a margin ``gap`` no larger than the rounding error that can accumulate
    # over a path, ``eps`` below.  Only then, phase 2 recomputes ``which`` exactly:
    # sources in index order, each searching only where it still ties (time within eps
    # of the optimum) and stopping at nodes already claimed by a lower source.
    cdef index_t n = ws.n
    cdef IndexedHeap* heap = &ws.heap
    cdef weight_t* dist = ws.dist
    cdef index_t* saved = ws.pred
    cdef index_t* touched = ws.touched
    cdef index_t u, v, e, s, su, wv, node, n_touched, x
    cdef weight_t d, nd, dv, p
    cdef weight_t min_gap = INF
    cdef weight_t tmax = 0.0
    cdef weight_t eps
    for x in range(n):
        times[x] = INF
        which[x] = NO_NODE
    for s in range(k):
        node = sources[s]
        if which[node] == NO_NODE:      # a duplicate source keeps the lowest index
            times[node] = 0.0
            which[node] = s
            heap_push_lex(heap, node, 0.0, s)
    while heap.size > 0:
        u = heap_pop_lex(heap, &d, &su)
        if d > tmax:
            tmax = d
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + weights[e]
            if not nd <= limit:
                continue
            v = indices[e]
            dv = times[v]
            wv = which[v]
            if nd < dv or (nd == dv and su < wv):
                if wv != NO_NODE and wv < su and dv - nd < min_gap:
                    min_gap = dv - nd       # a lower source's label loses (by dv - nd)
                times[v] = nd
                which[v] = su
                heap_push_lex(heap, v, nd, su)
            elif su < wv and nd - dv < min_gap:
                min_gap = nd - dv           # a lower source's label loses (by nd - dv)
    # a tie at the end of a path needs gap <= (path length) * 2u * tmax / (1 - u)
    eps = 4.0 * UNIT_ROUNDOFF * (<weight_t> n) * tmax
    if not min_gap <= eps:
        return 0

    # Phase 2 (rare): exact ``which`` given the exact ``times``.
    for x in range(n):
        saved[x] = which[x]
        which[x] = NO_NODE
    for s in range(k):
        node = sources[s]
        if which[node] != NO_NODE:      # claimed by a lower source: it dominates s here
            continue
        dist[node] = 0.0
        touched[0] = node
        n_touched = 1
        heap_update(heap, node, 0.0)
        while heap.size > 0:
            x = heap_pop(heap, &p)
            if which[x] != NO_NODE:     # a lower source ties here, hence downstream too
                continue
            if p == times[x]:
                which[x] = s
            for e in range(indptr[x], indptr[x + 1]):
                nd = p + weights[e]
                v = indices[e]
                if nd < dist[v] and nd <= limit and nd <= times[v] + eps:
                    if dist[v] == INF:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    heap_update(heap, v, nd)
        ws.n_touched = n_touched
        ws_reset(ws)
    for x in range(n):
        if which[x] == NO_NODE and times[x] < INF:
            which[x] = saved[x]         # unreachable in theory; keep phase 1's answer
        saved[x] = NO_NODE
    return 1


# --------------------------------------------------------------- per-thread output buffers
cdef struct OutBuf:
    index_t* nodes
    weight_t* times     # NULL for buffers that hold nodes only
    Py_ssize_t size
    Py_ssize_t cap


cdef int outbuf_reserve(OutBuf* b, Py_ssize_t extra, bint with_times) noexcept nogil:
    """Make room for ``extra`` more entries; returns -1 when out of memory."""
    cdef Py_ssize_t cap = b.cap
    cdef void* p
    if b.size + extra <= cap:
        return 0
    if cap < 4096:
        cap = 4096
    while cap < b.size + extra:
        cap *= 2
    p = realloc(b.nodes, <size_t> cap * sizeof(index_t))
    if p == NULL:
        return -1
    b.nodes = <index_t*> p
    if with_times:
        p = realloc(b.times, <size_t> cap * sizeof(weight_t))
        if p == NULL:
            return -1
        b.times = <weight_t*> p
    b.cap = cap
    return 0


cdef void outbufs_free(OutBuf* bufs, int count) noexcept nogil:
    cdef int t
    if bufs == NULL:
        return
    for t in range(count):
        free(bufs[t].nodes)
        free(bufs[t].times)
    free(bufs)


cdef inline int _threads(int requested, Workspaces work, Py_ssize_t n_tasks) noexcept:
    cdef int nt = requested
    if nt > work.count:
        nt = work.count
    if nt > n_tasks:
        nt = <int> n_tasks
    return nt if nt >= 1 else 1


cdef object _gather(OutBuf* bufs, Py_ssize_t k, const int[::1] owner, const Py_ssize_t[::1] offset,
                    const Py_ssize_t[::1] count, bint with_times):
    """Concatenate each task's segment, in task order, into fresh numpy arrays."""
    cdef Py_ssize_t i, total = 0
    for i in range(k):
        total += count[i]
    indptr = np.zeros(k + 1, dtype=np.int64)
    if k:
        np.cumsum(np.asarray(count), out=indptr[1:])
    nodes = np.empty(total, dtype=np.int32)
    times = np.empty(total if with_times else 0, dtype=np.float64)
    cdef index_t[::1] nodes_v = nodes
    cdef weight_t[::1] times_v = times
    cdef long long[::1] ptr_v = indptr
    cdef OutBuf* b
    with nogil:
        for i in range(k):
            if count[i] == 0:
                continue
            b = &bufs[owner[i]]
            memcpy(&nodes_v[ptr_v[i]], &b.nodes[offset[i]], <size_t> count[i] * sizeof(index_t))
            if with_times:
                memcpy(&times_v[ptr_v[i]], &b.times[offset[i]], <size_t> count[i] * sizeof(weight_t))
    return indptr, nodes, times


# ---------------------------------------------------------------------- Python kernels
def dense_times(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                const index_t[::1] sources, weight_t limit, weight_t[:, ::1] out,
                index_t[:, ::1] pred, Workspaces work, int num_threads=1):
    """Times from ``sources[i]`` to every node into ``out[i, :]`` (INF beyond ``limit``).

    ``pred`` is None or has the shape of ``out``: it receives the predecessor of each
    reached node on the search tree (NO_NODE for the source and unreached nodes).
    """
    cdef Py_ssize_t k = sources.shape[0]
    cdef index_t n = <index_t> (indptr.shape[0] - 1)
    cdef Py_ssize_t i
    cdef index_t j
    cdef int tid = 0
    cdef int nt = _threads(num_threads, work, k)
    cdef bint want_pred = pred is not None
    cdef Workspace* wss = work.ws
    cdef const index_t* ip = &indptr[0]
    cdef const index_t* ix = &indices[0]
    cdef const weight_t* wt = &weights[0]
    cdef weight_t* row
    cdef index_t* prow
    if k == 0:
        return
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for i in prange(k, schedule="dynamic"):
            row = &out[i, 0]
            for j in range(n):
                row[j] = INF
            prow = NULL
            if want_pred:
                prow = &pred[i, 0]
                for j in range(n):
                    prow[j] = NO_NODE
            search_dense(ip, ix, wt, sources[i], limit, row, prow, &wss[tid].heap)


def dense_time(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
               index_t source, weight_t limit, weight_t[::1] out, Workspaces work):
    """One search from ``source`` into ``out`` (n entries; the serial fast path)."""
    cdef index_t j
    cdef index_t n = <index_t> (indptr.shape[0] - 1)
    with nogil:
        for j in range(n):
            out[j] = INF
        search_dense(&indptr[0], &indices[0], &weights[0], source, limit, &out[0], NULL,
                     &work.ws[0].heap)


cdef void _sparse_task(const index_t* ip, const index_t* ix, const weight_t* wt, index_t source,
                       weight_t limit, Workspace* ws, OutBuf* buf, int tid, Py_ssize_t i,
                       int* owner, Py_ssize_t* offset, Py_ssize_t* count, int* failed) noexcept nogil:
    cdef index_t c, j
    c = search_bounded(ip, ix, wt, source, limit, ws)
    if outbuf_reserve(buf, c, True) != 0:
        failed[0] = 1
        count[i] = 0
    else:
        memcpy(&buf.nodes[buf.size], ws.touched, <size_t> c * sizeof(index_t))
        for j in range(c):
            buf.times[buf.size + j] = ws.dist[ws.touched[j]]
        owner[i] = tid
        offset[i] = buf.size
        count[i] = c
        buf.size += c
    ws_reset(ws)


def sparse_times(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 const index_t[::1] sources, weight_t limit, Workspaces work, int num_threads=1):
    """Bounded searches, result as CSR arrays ``(indptr int64, nodes int32, times float64)``.

    Row ``i`` lists the nodes within ``limit`` of ``sources[i]`` in settling order
    (non-decreasing time), with their times.  Memory is O(total reached), never k x n.
    """
    cdef Py_ssize_t k = sources.shape[0]
    cdef Py_ssize_t i
    cdef int tid = 0
    cdef int nt = _threads(num_threads, work, k)
    cdef Workspace* wss = work.ws
    cdef const index_t* ip = &indptr[0]
    cdef const index_t* ix = &indices[0]
    cdef const weight_t* wt = &weights[0]
    owner_a = np.zeros(k, dtype=np.int32)
    offset_a = np.zeros(k, dtype=np.intp)
    count_a = np.zeros(k, dtype=np.intp)
    cdef int[::1] owner = owner_a
    cdef Py_ssize_t[::1] offset = offset_a
    cdef Py_ssize_t[::1] count = count_a
    cdef int failed = 0
    cdef int* failed_p = &failed
    cdef OutBuf* bufs = <OutBuf*> calloc(nt, sizeof(OutBuf))
    if bufs == NULL:
        raise MemoryError("kaicity routing: cannot allocate result buffers")
    try:
        if k > 0:
            with nogil, parallel(num_threads=nt):
                tid = threadid()
                for i in prange(k, schedule="dynamic"):
                    _sparse_task(ip, ix, wt, sources[i], limit, &wss[tid], &bufs[tid], tid, i,
                                 &owner[0], &offset[0], &count[0], failed_p)
        if failed:
            raise MemoryError("kaicity routing: out of memory while storing bounded search results")
        return _gather(bufs, k, owner, offset, count, True)
    finally:
        outbufs_free(bufs, nt)


cdef void _targets_task(const index_t* ip, const index_t* ix, const weight_t* wt, index_t source,
                        weight_t limit, const unsigned char* is_target, index_t n_unique,
                        const index_t* targets, Py_ssize_t n_cols, weight_t* row,
                        Workspace* ws) noexcept nogil:
    cdef Py_ssize_t j
    search_targets(ip, ix, wt, source, limit, is_target, n_unique, NO_NODE, ws)
    for j in range(n_cols):
        row[j] = ws.dist[targets[j]]
    ws_reset(ws)


def target_times(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 const index_t[::1] sources, const index_t[::1] targets,
                 const unsigned char[::1] is_target, index_t n_unique, weight_t limit,
                 weight_t[:, ::1] out, Workspaces work, int num_threads=1):
    """``out[i, j]`` = time from ``sources[i]`` to ``targets[j]``; each search stops once
    the ``n_unique`` distinct target nodes (flagged in ``is_target``) are settled."""
    cdef Py_ssize_t k = sources.shape[0]
    cdef Py_ssize_t n_cols = targets.shape[0]
    cdef Py_ssize_t i
    cdef int tid = 0
    cdef int nt = _threads(num_threads, work, k)
    cdef Workspace* wss = work.ws
    cdef const index_t* ip = &indptr[0]
    cdef const index_t* ix = &indices[0]
    cdef const weight_t* wt = &weights[0]
    cdef const index_t* tg = &targets[0] if n_cols > 0 else NULL
    if k == 0 or n_cols == 0:
        return
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for i in prange(k, schedule="dynamic"):
            _targets_task(ip, ix, wt, sources[i], limit, &is_target[0], n_unique, tg, n_cols,
                          &out[i, 0], &wss[tid])


cdef void _path_task(const index_t* ip, const index_t* ix, const weight_t* wt, index_t source,
                     index_t target, Workspace* ws, OutBuf* buf, int tid, Py_ssize_t i,
                     int* owner, Py_ssize_t* offset, Py_ssize_t* count, int* failed) noexcept nogil:
    cdef index_t length = 0
    cdef index_t v
    cdef Py_ssize_t j
    owner[i] = tid
    offset[i] = buf.size
    count[i] = 0
    if search_targets(ip, ix, wt, source, INF, NULL, 1, target, ws) == 1:
        v = target
        while v != NO_NODE:
            length += 1
            v = ws.pred[v]
        if outbuf_reserve(buf, length, False) != 0:
            failed[0] = 1
        else:
            v = target
            j = buf.size + length - 1
            while v != NO_NODE:
                buf.nodes[j] = v
                j -= 1
                v = ws.pred[v]
            count[i] = length
            buf.size += length
    ws_reset(ws)


def paths(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
          const index_t[::1] sources, const index_t[::1] targets, Workspaces work, int num_threads=1):
    """Shortest paths ``sources[i] -> targets[i]`` as CSR arrays ``(indptr int64, nodes int32)``.

    Row ``i`` is the node sequence from source to target (empty when unreachable); each
    search stops when its target is settled.
    """
    cdef Py_ssize_t k = sources.shape[0]
    cdef Py_ssize_t i
    cdef int tid = 0
    cdef int nt = _threads(num_threads, work, k)
    cdef Workspace* wss = work.ws
    cdef const index_t* ip = &indptr[0]
    cdef const index_t* ix = &indices[0]
    cdef const weight_t* wt = &weights[0]
    owner_a = np.zeros(k, dtype=np.int32)
    offset_a = np.zeros(k, dtype=np.intp)
    count_a = np.zeros(k, dtype=np.intp)
    cdef int[::1] owner = owner_a
    cdef Py_ssize_t[::1] offset = offset_a
    cdef Py_ssize_t[::1] count = count_a
    cdef int failed = 0
    cdef int* failed_p = &failed
    cdef OutBuf* bufs = <OutBuf*> calloc(nt, sizeof(OutBuf))
    if bufs == NULL:
        raise MemoryError("kaicity routing: cannot allocate result buffers")
    try:
        if k > 0:
            with nogil, parallel(num_threads=nt):
                tid = threadid()
                for i in prange(k, schedule="dynamic"):
                    _path_task(ip, ix, wt, sources[i], targets[i], &wss[tid], &bufs[tid], tid, i,
                               &owner[0], &offset[0], &count[0], failed_p)
        if failed:
            raise MemoryError("kaicity routing: out of memory while storing paths")
        indptr_out, nodes, _ = _gather(bufs, k, owner, offset, count, False)
        return indptr_out, nodes
    finally:
        outbufs_free(bufs, nt)


def nearest_sets(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 const long long[::1] set_ptr, const index_t[::1] set_sources, weight_t limit,
                 weight_t[:, ::1] times, index_t[:, ::1] which, Workspaces work, int num_threads=1):
    """Nearest source of each node for several source sets (row ``i``: set ``i``).

    Set ``i`` is ``set_sources[set_ptr[i]:set_ptr[i + 1]]``.  ``times[i, v]`` is the time
    from the nearest source of the set (INF beyond ``limit``), ``which[i, v]`` the lowest
    position in the set among sources at exactly that time (NO_NODE when none).  Returns
    the number of sets that needed the exact tie-repair pass.
    """
    cdef Py_ssize_t k = set_ptr.shape[0] - 1
    cdef Py_ssize_t i
    cdef int tid = 0
    cdef int nt = _threads(num_threads, work, k)
    cdef Workspace* wss = work.ws
    cdef const index_t* ip = &indptr[0]
    cdef const index_t* ix = &indices[0]
    cdef const weight_t* wt = &weights[0]
    cdef const index_t* src = &set_sources[0] if set_sources.shape[0] > 0 else NULL
    cdef int repaired = 0
    if k <= 0:
        return 0
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for i in prange(k, schedule="dynamic"):
            repaired += search_nearest(ip, ix, wt, src + set_ptr[i],
                                       <index_t> (set_ptr[i + 1] - set_ptr[i]), limit,
                                       &times[i, 0], &which[i, 0], &wss[tid])
    return repaired
