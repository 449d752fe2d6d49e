# cython: language_level=3
# distutils: language = c++
"""Contraction hierarchy of a street graph and PHAST one-to-all sweeps over it.

Arrays only; :mod:`kaicity.routing._hierarchy` validates, renumbers and owns the results.

* :func:`contract` orders the nodes (lazy updates of edge difference + contracted
  neighbours + level, the classic heuristic of Geisberger et al. 2008) and contracts
  them in that order, adding a shortcut ``u -> w`` of cost ``c(u, v) + c(v, w)`` for
  each pair of neighbours of the contracted node ``v`` unless a witness search (a
  Dijkstra from ``u`` avoiding ``v`` and contracted nodes, capped at ``max_settle``
  settled nodes) finds a path at most that long.  A capped witness search can only add
  shortcuts that are not needed, never miss one, so the hierarchy stays exact.
  It returns every node's rank and every arc (original or shortcut) once.
* :class:`Sweeper` computes one full row (Delling et al. 2011, "PHAST"): a Dijkstra
  from the source over the arcs that lead *up* the hierarchy, then one pass over the
  nodes from the highest rank down, each taking ``min(dist[x] + c)`` over its arcs from
  higher nodes.  Nodes are numbered by descending rank, so the pass reads the arrays in
  order.

Times equal a plain Dijkstra's when the sums of edge costs are exact in float64 (e.g.
costs on a binary grid such as multiples of 1/1024 s); otherwise they may differ from it
in the last bits, as any change of summation order does.
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libcpp.vector cimport vector

from kaicity._core._heap cimport IndexedHeap, heap_clear, heap_free, heap_init, heap_pop, heap_update
from kaicity._core._types cimport INF, NO_NODE, index_t, weight_t


cdef struct Arc:
    index_t node
    weight_t cost


cdef struct Witness:
    IndexedHeap heap
    weight_t* dist
    index_t* touched
    Py_ssize_t n_touched


cdef inline void _add_arc(vector[vector[Arc]]& outs, vector[vector[Arc]]& ins, index_t u, index_t w,
                          weight_t c) noexcept nogil:
    """Arc ``u -> w`` of cost ``c``, or a cheaper cost for the arc already there."""
    cdef size_t k
    cdef Arc a
    for k in range(outs[u].size()):
        if outs[u][k].node == w:
            if c < outs[u][k].cost:
                outs[u][k].cost = c
                for k in range(ins[w].size()):
                    if ins[w][k].node == u:
                        ins[w][k].cost = c
                        break
            return
    a.node = w
    a.cost = c
    outs[u].push_back(a)
    a.node = u
    ins[w].push_back(a)


cdef void _witness(Witness* ws, vector[vector[Arc]]& outs, const unsigned char* contracted, index_t source,
                   index_t avoid, weight_t limit, Py_ssize_t max_settle) noexcept nogil:
    """Times from ``source`` over uncontracted nodes other than ``avoid``, up to ``limit`` (left in ``ws.dist``)."""
    cdef index_t u, w
    cdef weight_t d, nd
    cdef size_t k
    cdef Py_ssize_t settled = 0
    ws.dist[source] = 0.0
    ws.touched[ws.n_touched] = source
    ws.n_touched += 1
    heap_update(&ws.heap, source, 0.0)
    while ws.heap.size > 0:
        u = heap_pop(&ws.heap, &d)
        if d > limit or settled >= max_settle:
            break
        settled += 1
        for k in range(outs[u].size()):
            w = outs[u][k].node
            if w == avoid or contracted[w]:
                continue
            nd = d + outs[u][k].cost
            if nd < ws.dist[w]:
                if ws.dist[w] == INF:
                    ws.touched[ws.n_touched] = w
                    ws.n_touched += 1
                ws.dist[w] = nd
                heap_update(&ws.heap, w, nd)
    heap_clear(&ws.heap)


cdef inline void _witness_reset(Witness* ws) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(ws.n_touched):
        ws.dist[ws.touched[k]] = INF
    ws.n_touched = 0


cdef Py_ssize_t _contract_node(Witness* ws, vector[vector[Arc]]& outs, vector[vector[Arc]]& ins,
                               const unsigned char* contracted, index_t v, bint apply, Py_ssize_t max_settle,
                               Py_ssize_t* degree) noexcept nogil:
    """Shortcuts that contracting ``v`` needs (added when ``apply``); ``degree`` gets its live in + out arcs."""
    cdef size_t a, b
    cdef index_t u, w
    cdef weight_t c1, c2, top = 0.0
    cdef Py_ssize_t count = 0, deg = 0
    cdef vector[Arc] ins_v = ins[v]     # copies: adding shortcuts may grow the lists of v's neighbours
    cdef vector[Arc] outs_v = outs[v]
    for b in range(outs_v.size()):
        if not contracted[outs_v[b].node]:
            deg += 1
            if outs_v[b].cost > top:
                top = outs_v[b].cost
    for a in range(ins_v.size()):
        u = ins_v[a].node
        if contracted[u]:
            continue
        deg += 1
        c1 = ins_v[a].cost
        _witness(ws, outs, contracted, u, v, c1 + top, max_settle)
        for b in range(outs_v.size()):
            w = outs_v[b].node
            if w == u or contracted[w]:
                continue
            c2 = outs_v[b].cost
            if ws.dist[w] > c1 + c2:
                count += 1
                if apply:
                    _add_arc(outs, ins, u, w, c1 + c2)
        _witness_reset(ws)
    degree[0] = deg
    return count


cdef inline void _mark_neighbours(vector[Arc]& arcs, const unsigned char* contracted, index_t* deleted,
                                  index_t* level, index_t above) noexcept nogil:
    """Each live neighbour in ``arcs`` lost one more neighbour and sits at least at level ``above``."""
    cdef size_t k
    cdef index_t x
    for k in range(arcs.size()):
        x = arcs[k].node
        if not contracted[x]:
            deleted[x] += 1
            if level[x] < above:
                level[x] = above


def contract(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
             Py_ssize_t max_settle, index_t[::1] rank):
    """Contract every node of the CSR graph; fills ``rank`` and returns ``(tails, heads, costs)`` of all arcs.

    Self-loops are dropped and parallel arcs keep their cheapest cost.  ``max_settle``
    caps each witness search (larger: fewer shortcuts, slower preprocessing).
    """
    cdef index_t n = <index_t> (indptr.shape[0] - 1)
    cdef vector[vector[Arc]] outs
    cdef vector[vector[Arc]] ins
    cdef unsigned char* contracted = <unsigned char*> malloc(<size_t> (n if n > 0 else 1))
    cdef index_t* deleted = <index_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(index_t))
    cdef index_t* level = <index_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(index_t))
    cdef Witness ws
    cdef IndexedHeap order
    cdef index_t u, v, r = 0
    cdef int64_t e
    cdef size_t k
    cdef Py_ssize_t deg, sc, m = 0
    cdef weight_t prio, key
    ws.dist = <weight_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(weight_t))
    ws.touched = <index_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(index_t))
    ws.n_touched = 0
    cdef bint heaps_ok = heap_init(&ws.heap, n, False) == 0   # a failed init leaves a heap safe to free
    heaps_ok = heap_init(&order, n, False) == 0 and heaps_ok
    try:
        if (not heaps_ok or contracted == NULL or deleted == NULL or level == NULL or ws.dist == NULL
                or ws.touched == NULL):
            raise MemoryError("kaicity hierarchy: cannot allocate contraction arrays")
        with nogil:
            outs.resize(n)
            ins.resize(n)
            for u in range(n):
                contracted[u] = 0
                deleted[u] = 0
                level[u] = 0
                ws.dist[u] = INF
            for u in range(n):
                for e in range(indptr[u], indptr[u + 1]):
                    if indices[e] != u:
                        _add_arc(outs, ins, u, indices[e], weights[e])
            for v in range(n):
                sc = _contract_node(&ws, outs, ins, contracted, v, False, max_settle, &deg)
                heap_update(&order, v, <weight_t> (sc - deg))
            while order.size > 0:
                v = heap_pop(&order, &key)
                sc = _contract_node(&ws, outs, ins, contracted, v, False, max_settle, &deg)
                prio = <weight_t> (sc - deg + deleted[v] + level[v])
                if order.size > 0 and prio > order.keys[0]:   # lazy update: not the best any more
                    heap_update(&order, v, prio)
                    continue
                _contract_node(&ws, outs, ins, contracted, v, True, max_settle, &deg)
                contracted[v] = 1
                rank[v] = r
                r += 1
                _mark_neighbours(outs[v], contracted, deleted, level, level[v] + 1)
                _mark_neighbours(ins[v], contracted, deleted, level, level[v] + 1)
            for u in range(n):
                m += <Py_ssize_t> outs[u].size()
    finally:
        free(contracted)
        free(deleted)
        free(level)
        free(ws.dist)
        free(ws.touched)
        heap_free(&ws.heap)
        heap_free(&order)
    import numpy as np
    tails_a = np.empty(m, dtype=np.int32)
    heads_a = np.empty(m, dtype=np.int32)
    costs_a = np.empty(m, dtype=np.float64)
    cdef index_t[::1] tails = tails_a
    cdef index_t[::1] heads = heads_a
    cdef weight_t[::1] costs = costs_a
    m = 0
    with nogil:
        for u in range(n):
            for k in range(outs[u].size()):
                tails[m] = u
                heads[m] = outs[u][k].node
                costs[m] = outs[u][k].cost
                m += 1
    return tails_a, heads_a, costs_a


cdef class Sweeper:
    """Work arrays of PHAST rows on a hierarchy of ``n`` nodes numbered by descending rank."""

    cdef IndexedHeap heap
    cdef weight_t* dist
    cdef index_t n

    def __cinit__(self, index_t n):
        self.n = n
        self.dist = <weight_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(weight_t))
        if self.dist == NULL or heap_init(&self.heap, n, False) != 0:
            raise MemoryError("kaicity hierarchy: cannot allocate sweep arrays")

    def __dealloc__(self):
        free(self.dist)
        heap_free(&self.heap)

    def row(self, const index_t[::1] up_ptr, const index_t[::1] up_idx, const weight_t[::1] up_cost,
            const index_t[::1] down_ptr, const index_t[::1] down_idx, const weight_t[::1] down_cost,
            index_t source, const index_t[::1] order, weight_t[::1] out):
        """Times from ``source`` (a position) to every node, written to ``out[order[pos]]``.

        ``up_*``: for each position, its arcs to higher nodes (smaller positions) to search
        from the source; ``down_*``: for each position, its arcs from higher nodes to sweep.
        ``order[pos]`` is the graph's own index of the node at position ``pos``.
        """
        cdef index_t n = self.n, u, w, e
        cdef weight_t d, nd, best
        cdef weight_t* dist = self.dist
        with nogil:
            for u in range(n):
                dist[u] = INF
            dist[source] = 0.0
            heap_update(&self.heap, source, 0.0)
            while self.heap.size > 0:   # upward search
                u = heap_pop(&self.heap, &d)
                for e in range(up_ptr[u], up_ptr[u + 1]):
                    w = up_idx[e]
                    nd = d + up_cost[e]
                    if nd < dist[w]:
                        dist[w] = nd
                        heap_update(&self.heap, w, nd)
            for u in range(n):   # downward sweep, highest rank first
                best = dist[u]
                for e in range(down_ptr[u], down_ptr[u + 1]):
                    nd = dist[down_idx[e]] + down_cost[e]
                    if nd < best:
                        best = nd
                dist[u] = best
                out[order[u]] = best
