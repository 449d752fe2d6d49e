# cython: language_level=3
"""Exact shortest-path kernels on CSR arrays (indexed-heap Dijkstra, OpenMP over searches).

Arrays only: ``indptr``/``indices`` int32 (a valid CSR structure, indices in range),
``weights`` float64 ``>= 0`` (``+inf`` acts as a missing edge; never NaN), node and source
indices int32 in range, outputs C-contiguous with the right shapes.
:mod:`kaicity.routing` checks all of that and allocates the outputs; nothing here
raises for bad input.

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
from libc.stdint cimport int64_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy, memset

from time import perf_counter as _perf_counter

import numpy as np

from kaicity._core._buckets cimport (
    bq_bucket,
    bq_clear,
    bq_configure,
    bq_free,
    bq_init,
    bq_insert,
    bq_next_bucket,
    bq_remove,
    bq_take,
)
from kaicity._core._heap cimport (
    heap_clear,
    heap_free,
    heap_init,
    heap_pop,
    heap_update,
)
from kaicity._core._types cimport INF, NO_NODE, index_t, prefetch, weight_t

# unit roundoff of float64 (2**-53): bounds how far apart two path sums can be and still
# round to the same value further down the path (the exact tie rule of search_nearest)
cdef weight_t UNIT_ROUNDOFF = 1.1102230246251565e-16


# Memory prefetching.  A search is bound by cache misses on the edges of each node it
# settles.  Two hints hide most of them (measured on a 200k-node city: 19 -> 11.5 ms):
# when a node first enters the heap its edges are requested (it is popped a while later,
# and the frontier's edges fit in L2), and after relaxing a node the edges of the new heap
# top (the next node popped) are requested too.
cdef inline void _prefetch_edges(const index_t* indptr, const index_t* indices, const weight_t* weights,
                                 index_t v) noexcept nogil:
    cdef index_t e0 = indptr[v]
    prefetch(&indices[e0])
    prefetch(&weights[e0])


cdef inline void _prefetch_top(const IndexedHeap* heap, const index_t* indptr, const index_t* indices,
                               const weight_t* weights) noexcept nogil:
    if heap.size > 0:
        _prefetch_edges(indptr, indices, weights, heap.nodes[0])


# ----------------------------------------------------------------------------- workspace
cdef int ws_init(Workspace* ws, index_t n) noexcept nogil:
    cdef index_t i
    cdef size_t cap = <size_t> (n if n > 0 else 1)
    ws.n = n
    ws.n_touched = 0
    ws.dist = <weight_t*> calloc(cap, sizeof(weight_t))
    ws.pred = <index_t*> calloc(cap, sizeof(index_t))
    ws.touched = <index_t*> calloc(cap, sizeof(index_t))
    ws.heap.keys = NULL
    ws.heap.ties = NULL
    ws.heap.nodes = NULL
    ws.heap.pos = NULL
    if (bq_init(&ws.bq, n) != 0 or heap_init(&ws.heap, n, True) != 0 or ws.dist == NULL
            or ws.pred == NULL or ws.touched == NULL):
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
    bq_free(&ws.bq)


cdef void ws_reset(Workspace* ws) noexcept nogil:
    cdef index_t i
    for i in range(ws.n_touched):
        ws.dist[ws.touched[i]] = INF
    ws.n_touched = 0
    heap_clear(&ws.heap)
    if ws.bq.size != 0:
        bq_clear(&ws.bq)


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
        self.bufs = NULL
        self.count = 0
        self.n = n
        self.bucket_slots = 0
        self.inv_width = 0.0
        self.ensure(count)

    def use_buckets(self, int64_t slots, weight_t inv_width):
        """Run single-source searches on the bucket queue (``_buckets.pxd``), or on the heap.

        ``inv_width`` is 1 / the bucket width (a width below the graph's shortest edge;
        0 selects the heap) and ``slots`` a power of two >= 64 above
        ``longest edge * inv_width + 1``.  :mod:`kaicity.routing` derives both from the
        graph (``_bucket_plan``) and calls this on every loan.
        """
        cdef int i
        if inv_width > 0.0 and (slots < 64 or slots & (slots - 1)):
            raise ValueError(f"bucket slots must be a power of two >= 64, got {slots}")
        if slots == self.bucket_slots and inv_width == self.inv_width:
            return
        for i in range(self.count):
            if bq_configure(&self.ws[i].bq, slots, inv_width) != 0:
                raise MemoryError(f"kaicity routing: cannot allocate {slots} search buckets")
        self.bucket_slots = slots
        self.inv_width = inv_width

    def ensure(self, int count):
        """Make sure at least ``count`` per-thread workspaces exist."""
        cdef int i
        cdef Workspace* grown
        if count <= self.count:
            return
        cdef OutBuf* grown_bufs
        grown = <Workspace*> realloc(self.ws, <size_t> count * sizeof(Workspace))
        if grown == NULL:
            raise MemoryError("kaicity routing: cannot allocate search workspaces")
        self.ws = grown
        grown_bufs = <OutBuf*> realloc(self.bufs, <size_t> count * sizeof(OutBuf))
        if grown_bufs == NULL:
            raise MemoryError("kaicity routing: cannot allocate result buffers")
        self.bufs = grown_bufs
        for i in range(self.count, count):
            memset(&self.bufs[i], 0, sizeof(OutBuf))
        for i in range(self.count, count):
            if ws_init(&self.ws[i], self.n) != 0:
                raise MemoryError(f"kaicity routing: cannot allocate search workspaces for {self.n} nodes")
            self.count = i + 1
            if bq_configure(&self.ws[i].bq, self.bucket_slots, self.inv_width) != 0:
                raise MemoryError(f"kaicity routing: cannot allocate {self.bucket_slots} search buckets")

    def __dealloc__(self):
        cdef int i
        if self.ws != NULL:
            for i in range(self.count):
                ws_free(&self.ws[i])
            free(self.ws)
            self.ws = NULL
        if self.bufs != NULL:
            for i in range(self.count):
                outbuf_release(&self.bufs[i])
            free(self.bufs)
            self.bufs = NULL


# ------------------------------------------------------------------------ single searches
# Each search has a heap version and a bucket-queue version (see _buckets.pxd).  The
# bucket version returns -1 if a time ever fell outside the bucket window (a float-safety
# net that never fires on graphs the wrapper configures buckets for); the dispatcher then
# discards its partial state and reruns the search on the heap.

cdef void _bq_abort(Workspace* ws, weight_t* dist) noexcept nogil:
    """After a failed bucket search: un-time every node still queued and empty the queue."""
    cdef BucketQueue* q = &ws.bq
    cdef int64_t s
    cdef index_t v
    for s in range(q.B):
        v = q.head[s]
        while v != NO_NODE:
            dist[v] = INF
            v = q.next[v]
    bq_clear(q)


cdef inline void _sort_by_time(index_t* nodes, index_t count, const weight_t* dist) noexcept nogil:
    """Insertion sort of a short run of settled nodes by (time, node)."""
    cdef index_t i, j, v
    cdef weight_t t
    for i in range(1, count):
        v = nodes[i]
        t = dist[v]
        j = i - 1
        while j >= 0 and (dist[nodes[j]] > t or (dist[nodes[j]] == t and nodes[j] > v)):
            nodes[j + 1] = nodes[j]
            j -= 1
        nodes[j + 1] = v


cdef inline void _relax_heap(const index_t* indptr, const index_t* indices, const weight_t* weights,
                             index_t u, weight_t d, weight_t limit, weight_t* dist, index_t* pred,
                             index_t* touched, index_t* n_touched, IndexedHeap* heap) noexcept nogil:
    """Relax the edges of ``u`` (settled at ``d``) into the heap, then prefetch the next top.

    ``pred`` and ``touched`` are optional (NULL); newly timed nodes are appended to
    ``touched`` at ``n_touched[0]``, which is advanced.  A settled node ``v`` has
    ``dist[v] <= d <= nd``, so it is never pushed again.
    """
    cdef weight_t nd
    cdef index_t v, e
    for e in range(indptr[u], indptr[u + 1]):
        nd = d + weights[e]
        v = indices[e]
        if nd < dist[v] and nd <= limit:
            if dist[v] == INF:
                if touched != NULL:
                    touched[n_touched[0]] = v
                    n_touched[0] += 1
                _prefetch_edges(indptr, indices, weights, v)
            dist[v] = nd
            if pred != NULL:
                pred[v] = u
            heap_update(heap, v, nd)
    _prefetch_top(heap, indptr, indices, weights)


cdef index_t _dense_heap(const index_t* indptr, const index_t* indices, const weight_t* weights,
                         index_t source, weight_t limit, weight_t* dist, index_t* pred,
                         IndexedHeap* heap) noexcept nogil:
    cdef weight_t d
    cdef index_t u
    cdef index_t count = 0
    dist[source] = 0.0
    heap_update(heap, source, 0.0)
    while heap.size > 0:
        u = heap_pop(heap, &d)
        count += 1
        _relax_heap(indptr, indices, weights, u, d, limit, dist, pred, NULL, NULL, heap)
    return count


cdef inline int _relax_buckets(const index_t* indptr, const index_t* indices, const weight_t* weights,
                               index_t u, weight_t d, weight_t limit, int64_t cur, weight_t* dist,
                               index_t* pred, index_t* touched, index_t* n_touched,
                               BucketQueue* q) noexcept nogil:
    """Relax the edges of ``u`` (settled at ``d`` from bucket ``cur``) into the bucket queue.

    ``pred`` and ``touched`` are optional (NULL); newly timed nodes are appended to
    ``touched`` at ``n_touched[0]``, which is advanced.  Returns 0, or -1 when a time
    falls outside the bucket window (the caller then reruns the search on the heap).
    """
    cdef weight_t nd, dv
    cdef index_t v, e
    cdef int64_t b
    for e in range(indptr[u], indptr[u + 1]):
        nd = d + weights[e]
        v = indices[e]
        dv = dist[v]
        if nd < dv and nd <= limit:
            b = bq_bucket(q, nd)
            if b <= cur or b - cur >= q.B:
                return -1
            if dv == INF:
                if touched != NULL:
                    touched[n_touched[0]] = v
                    n_touched[0] += 1
                _prefetch_edges(indptr, indices, weights, v)
            else:
                bq_remove(q, v, bq_bucket(q, dv))
            dist[v] = nd
            if pred != NULL:
                pred[v] = u
            bq_insert(q, v, b)
    return 0


cdef index_t _dense_buckets(const index_t* indptr, const index_t* indices, const weight_t* weights,
                            index_t source, weight_t limit, weight_t* dist, index_t* pred,
                            BucketQueue* q) noexcept nogil:
    cdef index_t u, x
    cdef index_t count = 0
    cdef int64_t cur = 0
    dist[source] = 0.0
    bq_insert(q, source, 0)
    while q.size > 0:
        cur = bq_next_bucket(q, cur)
        u = bq_take(q, cur)
        while u != NO_NODE:              # the bucket's members are final: any order
            x = q.next[u]
            q.size -= 1
            count += 1
            if _relax_buckets(indptr, indices, weights, u, dist[u], limit, cur, dist, pred, NULL, NULL, q) < 0:
                return -1
            u = x
    return count


cdef index_t search_dense(const index_t* indptr, const index_t* indices, const weight_t* weights,
                          index_t source, weight_t limit, weight_t* dist, index_t* pred,
                          Workspace* ws) noexcept nogil:
    cdef index_t count, j
    if ws.bq.inv_width > 0.0:
        count = _dense_buckets(indptr, indices, weights, source, limit, dist, pred, &ws.bq)
        if count >= 0:
            return count
        bq_clear(&ws.bq)
        for j in range(ws.n):
            dist[j] = INF
            if pred != NULL:
                pred[j] = NO_NODE
    return _dense_heap(indptr, indices, weights, source, limit, dist, pred, &ws.heap)


cdef index_t _bounded_heap(const index_t* indptr, const index_t* indices, const weight_t* weights,
                           index_t source, weight_t limit, Workspace* ws) noexcept nogil:
    cdef weight_t d
    cdef index_t u
    cdef weight_t* dist = ws.dist
    cdef index_t* settled = ws.touched
    cdef IndexedHeap* heap = &ws.heap
    cdef index_t count = 0
    dist[source] = 0.0
    heap_update(heap, source, 0.0)
    # every node pushed is within the limit and gets popped: touched == settled
    while heap.size > 0:
        u = heap_pop(heap, &d)
        settled[count] = u
        count += 1
        _relax_heap(indptr, indices, weights, u, d, limit, dist, NULL, NULL, NULL, heap)
    ws.n_touched = count
    return count


cdef index_t _bounded_buckets(const index_t* indptr, const index_t* indices, const weight_t* weights,
                              index_t source, weight_t limit, Workspace* ws) noexcept nogil:
    cdef index_t u, x, first
    cdef weight_t* dist = ws.dist
    cdef index_t* settled = ws.touched
    cdef BucketQueue* q = &ws.bq
    cdef index_t count = 0
    cdef int64_t cur = 0
    dist[source] = 0.0
    bq_insert(q, source, 0)
    while q.size > 0:
        cur = bq_next_bucket(q, cur)
        u = bq_take(q, cur)
        first = count
        while u != NO_NODE:
            x = q.next[u]
            q.size -= 1
            settled[count] = u
            count += 1
            if _relax_buckets(indptr, indices, weights, u, dist[u], limit, cur, dist, NULL, NULL, NULL, q) < 0:
                ws.n_touched = count
                return -1
            u = x
        if count - first > 1:
            _sort_by_time(settled + first, count - first, dist)
    ws.n_touched = count
    return count


cdef index_t search_bounded(const index_t* indptr, const index_t* indices, const weight_t* weights,
                            index_t source, weight_t limit, Workspace* ws) noexcept nogil:
    cdef index_t count
    if ws.bq.inv_width > 0.0:
        count = _bounded_buckets(indptr, indices, weights, source, limit, ws)
        if count >= 0:
            return count
        _bq_abort(ws, ws.dist)
        ws_reset(ws)
    return _bounded_heap(indptr, indices, weights, source, limit, ws)


cdef index_t _targets_heap(const index_t* indptr, const index_t* indices, const weight_t* weights,
                           index_t source, weight_t limit, const unsigned char* is_target,
                           index_t n_targets, index_t target, Workspace* ws) noexcept nogil:
    cdef weight_t d
    cdef index_t u
    cdef IndexedHeap* heap = &ws.heap
    cdef index_t found = 0
    ws.dist[source] = 0.0
    ws.pred[source] = NO_NODE
    ws.touched[0] = source
    ws.n_touched = 1
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
        _relax_heap(indptr, indices, weights, u, d, limit, ws.dist, ws.pred, ws.touched, &ws.n_touched, heap)
    return found


cdef index_t _targets_buckets(const index_t* indptr, const index_t* indices, const weight_t* weights,
                              index_t source, weight_t limit, const unsigned char* is_target,
                              index_t n_targets, index_t target, Workspace* ws) noexcept nogil:
    cdef index_t u, x
    cdef weight_t* dist = ws.dist
    cdef BucketQueue* q = &ws.bq
    cdef index_t found = 0
    cdef int64_t cur = 0
    dist[source] = 0.0
    ws.pred[source] = NO_NODE
    ws.touched[0] = source
    ws.n_touched = 1
    bq_insert(q, source, 0)
    while q.size > 0:
        cur = bq_next_bucket(q, cur)
        u = bq_take(q, cur)
        while u != NO_NODE:
            x = q.next[u]
            q.size -= 1
            if is_target != NULL:
                if is_target[u]:
                    found += 1
            elif u == target:
                found += 1
            if found >= n_targets:     # queued nodes left: ws_reset empties the queue
                return found
            if _relax_buckets(indptr, indices, weights, u, dist[u], limit, cur, dist, ws.pred, ws.touched,
                              &ws.n_touched, q) < 0:
                return -1
            u = x
    return found


cdef index_t search_targets(const index_t* indptr, const index_t* indices, const weight_t* weights,
                            index_t source, weight_t limit, const unsigned char* is_target,
                            index_t n_targets, index_t target, Workspace* ws) noexcept nogil:
    cdef index_t found
    if ws.bq.inv_width > 0.0:
        found = _targets_buckets(indptr, indices, weights, source, limit, is_target, n_targets, target, ws)
        if found >= 0:
            return found
        ws_reset(ws)        # every node timed is in ``touched``
    return _targets_heap(indptr, indices, weights, source, limit, is_target, n_targets, target, ws)


cdef int search_nearest(const index_t* indptr, const index_t* indices, const weight_t* weights,
                        const index_t* sources, index_t k, weight_t limit, weight_t* times,
                        index_t* which, Workspace* ws) noexcept nogil:
    # Phase 1: one multi-source search whose labels (time, source index) are compared
    # lexicographically: a label replaces another when it is smaller.  The heap is keyed
    # on time only; a node that gets an equal-time label from a lower source after it was
    # settled (possible only along zero-cost or rounded-away edges) is simply pushed again,
    # so every node ends with the smallest label that reaches it.  Its times are exact (the
    # minimum over sources of each source's own time), and so is ``which`` unless float
    # rounding makes two sums equal further down a path though they differ at an earlier
    # node (e.g. 1 + 1e17 == 0 + 1e17): there the lower source's label was dropped early.
    # Every such case leaves a trace, a lower source's label losing to a higher source's by
    # a margin ``gap`` no larger than the rounding error that can build up along a path
    # (``eps`` below).  Only then, phase 2 recomputes ``which`` exactly: sources in index
    # order, each searching only where it still ties (within eps of the optimum) and
    # stopping at nodes already claimed by a lower source.
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
        if which[node] == NO_NODE:      # a repeated source node keeps its lowest index
            times[node] = 0.0
            which[node] = s
            heap_update(heap, node, 0.0)
    while heap.size > 0:
        u = heap_pop(heap, &d)
        su = which[u]
        if d > tmax:
            tmax = d
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + weights[e]
            v = indices[e]
            dv = times[v]
            if nd < dv:
                if nd > limit:
                    continue
                if dv == INF:
                    _prefetch_edges(indptr, indices, weights, v)
                elif dv - nd < min_gap:
                    wv = which[v]
                    if wv != NO_NODE and wv < su:
                        min_gap = dv - nd   # a lower source's label loses, by dv - nd
                times[v] = nd
                which[v] = su
                heap_update(heap, v, nd)
            elif nd == dv:
                wv = which[v]
                if su < wv:                 # same time, lower source: it wins
                    which[v] = su
                    heap_update(heap, v, nd)
            elif nd - dv < min_gap and su < which[v]:
                min_gap = nd - dv           # a lower source's label loses, by nd - dv
        _prefetch_top(heap, indptr, indices, weights)
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
#: result buffers larger than this (bytes) are released after a call instead of being kept
cdef Py_ssize_t OUTBUF_KEEP_BYTES = 64 * 1024 * 1024


cdef int outbuf_reserve(OutBuf* b, Py_ssize_t extra, bint with_times) noexcept nogil:
    """Make room for ``extra`` more entries (in ``times`` too when ``with_times``);
    returns -1 when out of memory."""
    cdef Py_ssize_t need = b.size + extra
    cdef Py_ssize_t cap
    cdef void* p
    if need > b.cap:
        cap = b.cap if b.cap >= 4096 else 4096
        while cap < need:
            cap *= 2
        p = realloc(b.nodes, <size_t> cap * sizeof(index_t))
        if p == NULL:
            return -1
        b.nodes = <index_t*> p
        b.cap = cap
    if with_times and need > b.tcap:
        cap = b.cap if b.cap >= need else need
        p = realloc(b.times, <size_t> cap * sizeof(weight_t))
        if p == NULL:
            return -1
        b.times = <weight_t*> p
        b.tcap = cap
    return 0


cdef void outbuf_release(OutBuf* b) noexcept nogil:
    free(b.nodes)
    free(b.times)
    b.nodes = NULL
    b.times = NULL
    b.size = 0
    b.cap = 0
    b.tcap = 0


ctypedef void (*task_fn)(void* ctx, Py_ssize_t i, int tid) noexcept nogil


cdef int _drive(task_fn fn, void* ctx, Py_ssize_t k, int nt, double min_parallel_s,
                const Py_ssize_t* order=NULL) except -1:
    """Run tasks ``0..k-1`` on up to ``nt`` threads; returns the thread count used.

    ``order`` (optional) is the sequence in which tasks are started, e.g. sources sorted
    by node index, so that consecutive searches reuse each other's cached graph regions;
    it does not change any result.  With ``min_parallel_s > 0`` the first tasks (1/16th,
    at least one) run serially as a probe, and threads are used for the rest only when it
    would take longer than ``min_parallel_s`` serially: waking idle OpenMP threads costs
    microseconds on a quiet machine but milliseconds on a busy one, more than a small job.
    """
    cdef Py_ssize_t i
    cdef Py_ssize_t k0 = 0
    cdef int tid = 0
    cdef double t0, estimate
    if k <= 0:
        return 1
    if nt > k:
        nt = <int> k
    if nt > 1 and min_parallel_s > 0:
        k0 = k // 16 if k >= 16 else 1
        t0 = _perf_counter()
        with nogil:
            for i in range(k0):
                fn(ctx, order[i] if order != NULL else i, 0)
        estimate = (_perf_counter() - t0) / k0 * (k - k0)
        if estimate < min_parallel_s:
            nt = 1
    if nt <= 1:
        with nogil:
            for i in range(k0, k):
                fn(ctx, order[i] if order != NULL else i, 0)
        return 1
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for i in prange(k0, k, schedule="dynamic"):
            fn(ctx, order[i] if order != NULL else i, tid)
    return nt


cdef inline const Py_ssize_t* _order_ptr(const Py_ssize_t[::1] order, Py_ssize_t k) except? NULL:
    if order is None:
        return NULL
    if order.shape[0] != k:
        raise ValueError(f"order has {order.shape[0]} entries, expected {k}")
    return &order[0] if k > 0 else NULL


cdef int _threads(int requested, Workspaces work) noexcept:
    cdef int nt = requested
    if nt > work.count:
        nt = work.count
    return nt if nt >= 1 else 1


cdef struct Csr:
    const index_t* indptr
    const index_t* indices
    const weight_t* weights
    index_t n


cdef inline Csr _csr(const index_t[::1] indptr, const index_t[::1] indices,
                     const weight_t[::1] weights) noexcept:
    cdef Csr g
    g.indptr = &indptr[0]
    g.indices = &indices[0]
    g.weights = &weights[0]
    g.n = <index_t> (indptr.shape[0] - 1)
    return g


cdef object _gather(OutBuf* bufs, Py_ssize_t k, const int[::1] owner, const Py_ssize_t[::1] offset,
                    const Py_ssize_t[::1] count, bint with_times, int nt):
    """Concatenate each task's segment, in task order, into fresh numpy arrays (on ``nt``
    threads when there is more than about a megabyte to copy)."""
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
    if total == 0:
        return indptr, nodes, times
    if total < 100_000:
        nt = 1
    with nogil:
        for i in prange(k, schedule="static", num_threads=nt):
            _copy_segment(bufs, i, owner, offset, count, ptr_v, nodes_v, times_v, with_times)
    return indptr, nodes, times


cdef inline void _copy_segment(OutBuf* bufs, Py_ssize_t i, const int[::1] owner, const Py_ssize_t[::1] offset,
                               const Py_ssize_t[::1] count, const long long[::1] ptr,
                               index_t[::1] nodes, weight_t[::1] times, bint with_times) noexcept nogil:
    cdef OutBuf* b
    if count[i] == 0:
        return
    b = &bufs[owner[i]]
    memcpy(&nodes[ptr[i]], &b.nodes[offset[i]], <size_t> count[i] * sizeof(index_t))
    if with_times:
        memcpy(&times[ptr[i]], &b.times[offset[i]], <size_t> count[i] * sizeof(weight_t))


# ---------------------------------------------------------------------- Python kernels
cdef struct DenseCtx:
    Csr g
    const index_t* sources
    const index_t* perm
    weight_t limit
    weight_t* out
    index_t* pred
    Workspace* wss


cdef void _dense_one(Csr* g, index_t source, const index_t* perm, weight_t limit, weight_t* row,
                     index_t* prow, Workspace* ws) noexcept nogil:
    """One dense search into ``row``.

    Without ``perm`` the row itself is the distance array.  With it (the graph is a copy
    relabelled for memory locality, its node ``u`` being node ``perm[u]`` of the row), the
    search runs in the workspace and the nodes it reached are scattered into the row.
    """
    cdef index_t n = g.n
    cdef index_t j, u, r
    for j in range(n):
        row[j] = INF
    if perm == NULL:
        if prow != NULL:
            for j in range(n):
                prow[j] = NO_NODE
        search_dense(g.indptr, g.indices, g.weights, source, limit, row, prow, ws)
        return
    r = search_bounded(g.indptr, g.indices, g.weights, source, limit, ws)
    for j in range(r):
        u = ws.touched[j]
        row[perm[u]] = ws.dist[u]
    ws_reset(ws)


cdef void _dense_task(void* p, Py_ssize_t i, int tid) noexcept nogil:
    cdef DenseCtx* c = <DenseCtx*> p
    _dense_one(&c.g, c.sources[i], c.perm, c.limit, c.out + i * c.g.n,
               c.pred + i * c.g.n if c.pred != NULL else NULL, &c.wss[tid])


def dense_times(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                const index_t[::1] sources, weight_t limit, weight_t[:, ::1] out,
                index_t[:, ::1] pred, Workspaces work, int num_threads=1, double min_parallel_s=0.0,
                const index_t[::1] perm=None, const Py_ssize_t[::1] order=None):
    """Times from ``sources[i]`` to every node into ``out[i, :]`` (INF beyond ``limit``).

    ``pred`` is None or has the shape of ``out``: it receives the predecessor of each
    reached node on the search tree (NO_NODE for the source and unreached nodes).
    ``perm`` (optional, not with ``pred``): the graph is a relabelled copy whose node ``u``
    is column ``perm[u]`` of the output.  ``order``: optional order in which to start the
    searches (see ``_drive``).  Returns the number of threads used.
    """
    cdef DenseCtx c
    cdef Py_ssize_t k = sources.shape[0]
    if pred is not None and perm is not None:
        raise ValueError("dense_times: pred and perm cannot be combined")
    if k == 0:
        return 1
    c.g = _csr(indptr, indices, weights)
    c.sources = &sources[0]
    c.perm = &perm[0] if perm is not None else NULL
    c.limit = limit
    c.out = &out[0, 0]
    c.pred = &pred[0, 0] if pred is not None else NULL
    c.wss = work.ws
    return _drive(_dense_task, &c, k, _threads(num_threads, work), min_parallel_s, _order_ptr(order, k))


def dense_time(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
               index_t source, weight_t limit, weight_t[::1] out, Workspaces work,
               const index_t[::1] perm=None):
    """One search from ``source`` into ``out`` (n entries): the serial fast path."""
    cdef Csr g = _csr(indptr, indices, weights)
    cdef const index_t* pp = &perm[0] if perm is not None else NULL
    with nogil:
        _dense_one(&g, source, pp, limit, &out[0], NULL, &work.ws[0])


cdef struct OutCtx:
    Csr g
    const index_t* sources
    const index_t* targets
    weight_t limit
    Workspace* wss
    OutBuf* bufs
    int* owner
    Py_ssize_t* offset
    Py_ssize_t* count
    int* failed


cdef void _sparse_task(void* p, Py_ssize_t i, int tid) noexcept nogil:
    cdef OutCtx* c = <OutCtx*> p
    cdef Workspace* ws = &c.wss[tid]
    cdef OutBuf* buf = &c.bufs[tid]
    cdef index_t r, j, v
    r = search_bounded(c.g.indptr, c.g.indices, c.g.weights, c.sources[i], c.limit, ws)
    c.owner[i] = tid
    c.offset[i] = buf.size
    c.count[i] = 0
    if outbuf_reserve(buf, r, True) != 0:
        c.failed[0] = 1
    else:
        memcpy(&buf.nodes[buf.size], ws.touched, <size_t> r * sizeof(index_t))
        for j in range(r):              # copy the times and reset them in one pass
            v = ws.touched[j]
            buf.times[buf.size + j] = ws.dist[v]
            ws.dist[v] = INF
        ws.n_touched = 0
        c.count[i] = r
        buf.size += r
    ws_reset(ws)


cdef void _path_task(void* p, Py_ssize_t i, int tid) noexcept nogil:
    cdef OutCtx* c = <OutCtx*> p
    cdef Workspace* ws = &c.wss[tid]
    cdef OutBuf* buf = &c.bufs[tid]
    cdef index_t target = c.targets[i]
    cdef index_t length = 0
    cdef index_t v
    cdef Py_ssize_t j
    c.owner[i] = tid
    c.offset[i] = buf.size
    c.count[i] = 0
    if search_targets(c.g.indptr, c.g.indices, c.g.weights, c.sources[i], c.limit, NULL, 1, target, ws) == 1:
        v = target
        while v != NO_NODE:
            length += 1
            v = ws.pred[v]
        if outbuf_reserve(buf, length, False) != 0:
            c.failed[0] = 1
        else:
            v = target
            j = buf.size + length - 1
            while v != NO_NODE:
                buf.nodes[j] = v
                j -= 1
                v = ws.pred[v]
            c.count[i] = length
            buf.size += length
    ws_reset(ws)


cdef object _run_buffered(task_fn fn, OutCtx* c, Py_ssize_t k, Workspaces work, int num_threads,
                          double min_parallel_s, bint with_times, str what, const Py_ssize_t* order):
    """Run per-thread-buffered tasks, then gather their segments in task order."""
    cdef int nt = _threads(num_threads, work)
    cdef int failed = 0
    owner_a = np.zeros(k, dtype=np.int32)
    offset_a = np.zeros(k, dtype=np.intp)
    count_a = np.zeros(k, dtype=np.intp)
    cdef int[::1] owner = owner_a
    cdef Py_ssize_t[::1] offset = offset_a
    cdef Py_ssize_t[::1] count = count_a
    cdef OutBuf* bufs = work.bufs      # empty: every call leaves them with size 0
    cdef int t
    try:
        if k > 0:
            c.wss = work.ws
            c.bufs = bufs
            c.owner = &owner[0]
            c.offset = &offset[0]
            c.count = &count[0]
            c.failed = &failed
            _drive(fn, c, k, nt, min_parallel_s, order)
        if failed:
            raise MemoryError(f"kaicity routing: out of memory while storing {what}")
        return _gather(bufs, k, owner, offset, count, with_times, nt)
    finally:
        for t in range(nt):     # keep the (already paged-in) memory for the next call, unless huge
            bufs[t].size = 0
            if bufs[t].cap * <Py_ssize_t> sizeof(index_t) + bufs[t].tcap * <Py_ssize_t> sizeof(weight_t) \
                    > OUTBUF_KEEP_BYTES:
                outbuf_release(&bufs[t])


def sparse_times(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 const index_t[::1] sources, weight_t limit, Workspaces work, int num_threads=1,
                 double min_parallel_s=0.0, const Py_ssize_t[::1] order=None):
    """Bounded searches, result as CSR arrays ``(indptr int64, nodes int32, times float64)``.

    Row ``i`` lists the nodes within ``limit`` of ``sources[i]`` in settling order
    (non-decreasing time), with their times.  Memory is O(total reached), never k x n.
    """
    cdef OutCtx c
    c.g = _csr(indptr, indices, weights)
    c.sources = &sources[0] if sources.shape[0] > 0 else NULL
    c.targets = NULL
    c.limit = limit
    return _run_buffered(_sparse_task, &c, sources.shape[0], work, num_threads, min_parallel_s, True,
                         "bounded search results", _order_ptr(order, sources.shape[0]))


def sparse_time(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                index_t source, weight_t limit, Workspaces work):
    """One bounded search: ``(nodes int32, times float64)`` in settling order (serial fast path)."""
    cdef Workspace* ws = &work.ws[0]
    cdef index_t r, j
    with nogil:
        r = search_bounded(&indptr[0], &indices[0], &weights[0], source, limit, ws)
    nodes = np.empty(r, dtype=np.int32)
    times = np.empty(r, dtype=np.float64)
    cdef index_t[::1] nv = nodes
    cdef weight_t[::1] tv = times
    with nogil:
        for j in range(r):
            nv[j] = ws.touched[j]
            tv[j] = ws.dist[ws.touched[j]]
        ws_reset(ws)
    return nodes, times


def paths(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
          const index_t[::1] sources, const index_t[::1] targets, Workspaces work, int num_threads=1,
          double min_parallel_s=0.0, const Py_ssize_t[::1] order=None):
    """Shortest paths ``sources[i] -> targets[i]`` as CSR arrays ``(indptr int64, nodes int32)``.

    Row ``i`` is the node sequence from source to target (empty when unreachable); each
    search stops when its target is settled.
    """
    cdef OutCtx c
    c.g = _csr(indptr, indices, weights)
    c.sources = &sources[0] if sources.shape[0] > 0 else NULL
    c.targets = &targets[0] if targets.shape[0] > 0 else NULL
    c.limit = INF
    indptr_out, nodes, _ = _run_buffered(_path_task, &c, sources.shape[0], work, num_threads,
                                         min_parallel_s, False, "paths", _order_ptr(order, sources.shape[0]))
    return indptr_out, nodes


cdef struct TargetCtx:
    Csr g
    const index_t* sources
    const index_t* targets
    Py_ssize_t n_cols
    const unsigned char* is_target
    index_t n_unique
    weight_t limit
    weight_t* out
    Workspace* wss


cdef void _targets_task(void* p, Py_ssize_t i, int tid) noexcept nogil:
    cdef TargetCtx* c = <TargetCtx*> p
    cdef Workspace* ws = &c.wss[tid]
    cdef weight_t* row = c.out + i * c.n_cols
    cdef Py_ssize_t j
    search_targets(c.g.indptr, c.g.indices, c.g.weights, c.sources[i], c.limit, c.is_target, c.n_unique,
                   NO_NODE, ws)
    for j in range(c.n_cols):
        row[j] = ws.dist[c.targets[j]]
    ws_reset(ws)


def target_times(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 const index_t[::1] sources, const index_t[::1] targets,
                 const unsigned char[::1] is_target, index_t n_unique, weight_t limit,
                 weight_t[:, ::1] out, Workspaces work, int num_threads=1, double min_parallel_s=0.0,
                 const Py_ssize_t[::1] order=None):
    """``out[i, j]`` = time from ``sources[i]`` to ``targets[j]``; each search stops once
    the ``n_unique`` distinct target nodes (flagged in ``is_target``) are settled."""
    cdef TargetCtx c
    cdef Py_ssize_t k = sources.shape[0]
    if k == 0 or targets.shape[0] == 0:
        return 1
    c.g = _csr(indptr, indices, weights)
    c.sources = &sources[0]
    c.targets = &targets[0]
    c.n_cols = targets.shape[0]
    c.is_target = &is_target[0]
    c.n_unique = n_unique
    c.limit = limit
    c.out = &out[0, 0]
    c.wss = work.ws
    return _drive(_targets_task, &c, k, _threads(num_threads, work), min_parallel_s, _order_ptr(order, k))


cdef struct NearestCtx:
    Csr g
    const long long* set_ptr
    const index_t* set_sources
    weight_t limit
    weight_t* times
    index_t* which
    unsigned char* repaired
    Workspace* wss


cdef void _nearest_task(void* p, Py_ssize_t i, int tid) noexcept nogil:
    cdef NearestCtx* c = <NearestCtx*> p
    cdef index_t n = c.g.n
    c.repaired[i] = <unsigned char> search_nearest(
        c.g.indptr, c.g.indices, c.g.weights, c.set_sources + c.set_ptr[i],
        <index_t> (c.set_ptr[i + 1] - c.set_ptr[i]), c.limit, c.times + i * n, c.which + i * n, &c.wss[tid])


def nearest_sets(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 const long long[::1] set_ptr, const index_t[::1] set_sources, weight_t limit,
                 weight_t[:, ::1] times, index_t[:, ::1] which, Workspaces work, int num_threads=1,
                 double min_parallel_s=0.0):
    """Nearest source of each node for several source sets (row ``i``: set ``i``).

    Set ``i`` is ``set_sources[set_ptr[i]:set_ptr[i + 1]]``.  ``times[i, v]`` is the time
    from the nearest source of the set (INF beyond ``limit``), ``which[i, v]`` the lowest
    position in the set among sources at exactly that time (NO_NODE when none).  Returns
    the number of sets that needed the exact tie-repair pass.
    """
    cdef NearestCtx c
    cdef Py_ssize_t k = set_ptr.shape[0] - 1
    if k <= 0 or indptr.shape[0] <= 1:
        return 0
    repaired = np.zeros(k, dtype=np.uint8)
    cdef unsigned char[::1] rep = repaired
    c.g = _csr(indptr, indices, weights)
    c.set_ptr = &set_ptr[0]
    c.set_sources = &set_sources[0] if set_sources.shape[0] > 0 else NULL
    c.limit = limit
    c.times = &times[0, 0]
    c.which = &which[0, 0]
    c.repaired = &rep[0]
    c.wss = work.ws
    _drive(_nearest_task, &c, k, _threads(num_threads, work), min_parallel_s)
    return int(repaired.sum())
