# cython: language_level=3
"""DRT dispatch kernels: best insertion of a request into vehicle schedules, path profiles.

Arrays only.  :mod:`kaicity.services.drt` owns the schedules and calls these through the
typed wrapper :mod:`kaicity.dispatch_kernel` with validated, C-contiguous arrays; nothing
here raises for bad input.

Schedule layout (one row per vehicle, ``S`` stop slots, ``n_stops[v]`` of them used):

* position 0 is the vehicle's *diversion point*: the node ``start_node[v]`` it can next
  change course at, the time ``start_time[v]`` it is there and free to leave, and the
  load ``start_load[v]`` it leaves with;
* position ``m >= 1`` is stop ``m - 1``: drive node ``stop_node``, kind ``stop_kind``
  (0 pickup, 1 drop-off), travel time ``stop_leg`` from the previous position, planned
  arrival ``stop_arr``, departure ``stop_dep`` (service start + ``stop_s``), earliest
  service start ``stop_earliest`` (a pickup waits for its rider), deadline
  ``stop_latest`` (latest service start of a pickup, latest arrival of a drop-off), and
  ``stop_load`` on board when leaving.

A request is a pickup at drive node ``p`` (rider ready at ``ready``) and a drop-off at
``d``.  Inserting the pickup after position ``i`` and the drop-off after position
``j >= i`` is feasible when the pickup starts by ``latest_pick``, the ride (drop-off
arrival minus pickup departure) is at most ``max_ride``, the drop-off arrives by
``latest_drop``, the load stays within ``capacity`` while the rider is on board, and
every later stop still meets its deadline.  Its cost is the added vehicle time (later
end of the schedule) plus ``delay_weight`` times the added passenger delay: the later
drop-off arrivals of riders already assigned, plus the new rider's wait and excess ride
time over the direct ride.
"""

from libc.math cimport NAN, fmod
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc

from kaicity._core._buckets cimport (
    BucketQueue,
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
from kaicity._core._heap cimport IndexedHeap, heap_clear, heap_free, heap_init, heap_pop, heap_update
from kaicity._core._types cimport INF, NO_NODE, index_t, weight_t

# result flags (out_i[3])
cdef enum:
    FLAG_TIME_OK = 1      # some vehicle can start the pickup by latest_pick
    FLAG_CAP_OK = 2       # ... with a free seat
    FLAG_FEASIBLE = 4     # ... and without breaking any deadline


cdef inline weight_t _factor(const weight_t[::1] hour_factor, weight_t t, weight_t start_hour) noexcept nogil:
    """Drive-time multiplier of the clock hour at simulation time ``t`` (s)."""
    cdef weight_t h = fmod(t / 3600.0 + start_hour, 24.0)
    cdef int k
    if h < 0:
        h += 24.0
    k = <int> h
    if k > 23:
        k = 23
    elif k < 0:
        k = 0
    return hour_factor[k]


def best_insertion(const index_t[::1] start_node, const weight_t[::1] start_time,
                   const int[::1] start_load, const unsigned char[::1] available,
                   const weight_t[::1] duty_end, const int[::1] capacity, const int[::1] n_stops,
                   const index_t[:, ::1] stop_node, const signed char[:, ::1] stop_kind,
                   const weight_t[:, ::1] stop_leg, const weight_t[:, ::1] stop_arr,
                   const weight_t[:, ::1] stop_dep, const weight_t[:, ::1] stop_earliest,
                   const weight_t[:, ::1] stop_latest, const int[:, ::1] stop_load,
                   const weight_t[::1] to_p, const weight_t[::1] from_p,
                   const weight_t[::1] to_d, const weight_t[::1] from_d,
                   index_t p, index_t d, weight_t ready, weight_t latest_pick,
                   weight_t latest_drop, weight_t max_ride, weight_t stop_s,
                   weight_t delay_weight, weight_t eps,
                   const weight_t[::1] hour_factor, weight_t start_hour,
                   weight_t[::1] out_f, long long[::1] out_i):
    """Cheapest feasible insertion of one request over all available vehicles.

    Writes ``out_i = [vehicle, i, j, flags]`` (vehicle -1 when none is feasible) and
    ``out_f = [cost, pickup start, pickup departure, drop-off arrival, leg to the pickup,
    leg from the pickup to the next stop, leg to the drop-off, leg from the drop-off to the
    next stop]`` (NaN where there is no such leg).  Ties go to the lowest vehicle index,
    then the earliest positions.  ``to_p[x]`` is the free-flow travel time from node ``x``
    to ``p`` (INF when unknown or too far), ``from_p[x]`` from ``p`` to ``x``, and likewise
    for ``d``; a new leg's time is its free-flow time times ``hour_factor`` of the clock
    hour it starts in (``start_hour`` = clock hour at time 0).  The legs already planned
    (``stop_leg``) keep their times.  A vehicle takes no insertion whose schedule would end
    (last departure) after its ``duty_end``.  Returns the number of (i, j) pairs evaluated.
    """
    cdef Py_ssize_t n_veh = start_node.shape[0]
    cdef Py_ssize_t v
    cdef int K, i, j, m, cap, loadi, flags = 0
    cdef index_t ni, cur_node
    cdef weight_t depi, t, arr_p, begin_p, dep_p, cur_dep, pre_delay, tdd, arr_d, dep_d
    cdef weight_t old_end, new_end, suf_delay, arr, begin, ndep, leg, cost, pd
    cdef weight_t best_cost = INF, best_begin = INF, best_dep = INF, best_arr = INF
    cdef weight_t leg_ip, leg_pn, leg_dn, best_ip = NAN, best_pn = NAN, best_jd = NAN, best_dn = NAN
    cdef long long best_v = -1, best_i = -1, best_j = -1, evaluated = 0
    cdef bint ok, unchanged

    pd = from_p[d]
    for v in range(n_veh):
        if not available[v]:
            continue
        K = n_stops[v]
        cap = capacity[v]
        old_end = stop_dep[v, K - 1] if K > 0 else start_time[v]
        for i in range(K + 1):
            if i == 0:
                ni = start_node[v]
                depi = start_time[v]
                loadi = start_load[v]
            else:
                ni = stop_node[v, i - 1]
                depi = stop_dep[v, i - 1]
                loadi = stop_load[v, i - 1]
            t = to_p[ni]
            if t == INF:
                continue
            t = t * _factor(hour_factor, depi, start_hour)
            arr_p = depi + t
            begin_p = arr_p if arr_p > ready else ready
            if begin_p > latest_pick + eps:
                continue
            flags |= FLAG_TIME_OK
            if loadi + 1 > cap:
                continue
            flags |= FLAG_CAP_OK
            dep_p = begin_p + stop_s
            pre_delay = 0.0
            cur_dep = dep_p
            cur_node = p
            leg_pn = NAN
            j = i
            while True:
                # ---- drop-off right after position j (the pickup itself when j == i)
                tdd = pd if j == i else to_d[cur_node]
                if tdd != INF:
                    tdd = tdd * _factor(hour_factor, cur_dep, start_hour)
                    arr_d = cur_dep + tdd
                    if arr_d - dep_p <= max_ride + eps and arr_d <= latest_drop + eps:
                        evaluated += 1
                        dep_d = arr_d + stop_s
                        ok = True
                        suf_delay = 0.0
                        new_end = dep_d
                        unchanged = False
                        ndep = dep_d
                        leg_dn = NAN
                        for m in range(j + 1, K + 1):
                            if m == j + 1:
                                leg = from_d[stop_node[v, m - 1]]
                                if leg == INF:
                                    ok = False
                                    break
                                leg = leg * _factor(hour_factor, ndep, start_hour)
                                leg_dn = leg
                            else:
                                leg = stop_leg[v, m - 1]
                            arr = ndep + leg
                            if stop_kind[v, m - 1] == 1:
                                if arr > stop_latest[v, m - 1] + eps:
                                    ok = False
                                    break
                                suf_delay += arr - stop_arr[v, m - 1]
                                begin = arr
                            else:
                                begin = arr if arr > stop_earliest[v, m - 1] else stop_earliest[v, m - 1]
                                if begin > stop_latest[v, m - 1] + eps:
                                    ok = False
                                    break
                            ndep = begin + stop_s
                            if ndep <= stop_dep[v, m - 1]:
                                unchanged = True   # the shift is absorbed: the rest is as before
                                break
                        if ok:
                            new_end = old_end if unchanged else ndep
                            if new_end > duty_end[v] + eps:
                                ok = False   # the van would still be serving after its shift ends
                        if ok:
                            flags |= FLAG_FEASIBLE
                            cost = (new_end - old_end) + delay_weight * (
                                pre_delay + suf_delay + (begin_p - ready) + (arr_d - dep_p - pd))
                            if cost < best_cost:
                                best_cost = cost
                                best_v = v
                                best_i = i
                                best_j = j
                                best_begin = begin_p
                                best_dep = dep_p
                                best_arr = arr_d
                                best_ip = t
                                best_pn = leg_pn
                                best_jd = tdd
                                best_dn = leg_dn
                # ---- carry the new rider past stop j + 1
                j += 1
                if j > K:
                    break
                if stop_load[v, j - 1] + 1 > cap:
                    break
                if j == i + 1:
                    leg = from_p[stop_node[v, j - 1]]
                    if leg == INF:
                        break
                    leg = leg * _factor(hour_factor, cur_dep, start_hour)
                    leg_pn = leg
                else:
                    leg = stop_leg[v, j - 1]
                arr = cur_dep + leg
                if stop_kind[v, j - 1] == 1:
                    if arr > stop_latest[v, j - 1] + eps:
                        break
                    pre_delay += arr - stop_arr[v, j - 1]
                    begin = arr
                else:
                    begin = arr if arr > stop_earliest[v, j - 1] else stop_earliest[v, j - 1]
                    if begin > stop_latest[v, j - 1] + eps:
                        break
                if arr - dep_p > max_ride + eps:
                    break   # the new rider's ride is already too long
                cur_dep = begin + stop_s
                cur_node = stop_node[v, j - 1]
    out_i[0] = best_v
    out_i[1] = best_i
    out_i[2] = best_j
    out_i[3] = flags
    out_f[0] = best_cost
    out_f[1] = best_begin
    out_f[2] = best_dep
    out_f[3] = best_arr
    out_f[4] = best_ip
    out_f[5] = best_pn
    out_f[6] = best_jd
    out_f[7] = best_dn
    return evaluated


def path_profile(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 const weight_t[::1] lengths, const index_t[::1] path,
                 weight_t[::1] cum_time, weight_t[::1] cum_len):
    """Cumulative edge cost and length along ``path`` (cheapest edge of each consecutive pair).

    ``cum_time[0] = cum_len[0] = 0``; both have ``len(path)`` entries.  Returns the index
    of the first pair with no edge, or -1 when the path is connected.
    """
    cdef Py_ssize_t k, n = path.shape[0]
    cdef index_t u, w, e, best
    cdef weight_t bw
    if n == 0:
        return -1
    cum_time[0] = 0.0
    cum_len[0] = 0.0
    for k in range(n - 1):
        u = path[k]
        w = path[k + 1]
        best = -1
        bw = INF
        for e in range(indptr[u], indptr[u + 1]):
            if indices[e] == w and weights[e] < bw:
                bw = weights[e]
                best = e
        if best < 0:
            return k
        cum_time[k + 1] = cum_time[k] + weights[best]
        cum_len[k + 1] = cum_len[k] + lengths[best]
    return -1


def insertion_targets(const index_t[::1] start_node, const weight_t[::1] start_time,
                      const int[::1] start_load, const unsigned char[::1] available,
                      const int[::1] capacity, const int[::1] n_stops,
                      const index_t[:, ::1] stop_node, const weight_t[:, ::1] stop_leg,
                      const weight_t[:, ::1] stop_arr, const weight_t[:, ::1] stop_dep,
                      const weight_t[:, ::1] stop_slack, const int[:, ::1] stop_load,
                      const weight_t[::1] to_p, weight_t ready, weight_t latest_pick, weight_t stop_s,
                      weight_t eps, weight_t low_factor, index_t[::1] succ, weight_t[::1] succ_limit,
                      index_t[::1] after, weight_t[:, ::1] after_info):
    """Which travel times an insertion search will need, and how far each may be.

    A position (diversion point or stop) is *open* when the vehicle can start the pickup
    from there by ``latest_pick`` and has a free seat there.  ``stop_slack`` is the
    largest arrival delay a stop absorbs without breaking a deadline of its own or of a
    later stop, so every bound below is admissible (an insertion needing a longer drive
    is infeasible anyway).  ``to_p`` holds free-flow times; ``low_factor`` (at most 1) is the
    smallest drive-time multiplier of any hour, so ``low_factor x to_p`` bounds the real
    drive from below and the bounds stay admissible.

    * For each open position followed by a stop: ``succ`` gets that stop's node and
      ``succ_limit`` the longest drive from the pickup to it that keeps it on time.
    * From a vehicle's first open position on, every stop ``m`` goes into ``after``, with
      ``after_info[k] = (arrival + slack of m, departure of the position before m,
      departure of m, cap)``, where ``cap`` is the longest drive from ``m`` to a drop-off
      squeezed in before the next stop (``slack + leg - stop_s`` of the next stop; INF
      after the last stop).

    Returns ``(n_succ, n_after, flags)``, flags 1 = some position reaches the pickup in
    time, 2 = some position is open.
    """
    cdef Py_ssize_t n_veh = start_node.shape[0]
    cdef Py_ssize_t v
    cdef int K, i, m, flags = 0, first
    cdef Py_ssize_t ns = 0, na = 0
    cdef index_t ni
    cdef weight_t depi, t, begin
    cdef int loadi
    for v in range(n_veh):
        if not available[v]:
            continue
        K = n_stops[v]
        first = -1
        for i in range(K + 1):
            if i == 0:
                ni = start_node[v]
                depi = start_time[v]
                loadi = start_load[v]
            else:
                ni = stop_node[v, i - 1]
                depi = stop_dep[v, i - 1]
                loadi = stop_load[v, i - 1]
            t = to_p[ni]
            if t == INF:
                continue
            t = t * low_factor
            if depi + t > latest_pick + eps:
                continue
            flags |= 1
            if loadi + 1 > capacity[v]:
                continue
            flags |= 2
            if first < 0:
                first = i
            if i < K:
                begin = depi + t
                if begin < ready:
                    begin = ready
                succ[ns] = stop_node[v, i]
                succ_limit[ns] = stop_arr[v, i] + stop_slack[v, i] - (begin + stop_s)
                ns += 1
        if first >= 0:
            for m in range(first, K):
                after[na] = stop_node[v, m]
                after_info[na, 0] = stop_arr[v, m] + stop_slack[v, m]
                after_info[na, 1] = start_time[v] if m == 0 else stop_dep[v, m - 1]
                after_info[na, 2] = stop_dep[v, m]
                if m + 1 < K:
                    after_info[na, 3] = stop_slack[v, m + 1] + stop_leg[v, m + 1] - stop_s
                else:
                    after_info[na, 3] = INF
                na += 1
    return ns, na, flags


def drop_limits(const weight_t[:, ::1] after_info, Py_ssize_t n, weight_t to_cap, weight_t from_floor,
                weight_t stop_s, weight_t low_factor, weight_t eps, weight_t[::1] to_limit, weight_t[::1] from_limit):
    """Search bounds to and from a drop-off for the first ``n`` stops listed by :func:`insertion_targets`.

    ``to_limit[k] = min(to_cap - departure of k, cap of k) / low_factor + eps``: a drive
    from stop ``k`` to the drop-off within the rider's max ride (``to_cap`` = latest pickup
    + stop time + max ride) and the next stop's slack; ``from_limit[k] = (arrival + slack of
    k - max(from_floor, departure before k + stop_s)) / low_factor + eps``: a drive from the
    drop-off to stop ``k`` that keeps it on time (``from_floor`` = earliest drop-off
    departure).  Same arithmetic, in the same order, as the numpy expressions it replaced.
    """
    cdef Py_ssize_t k
    cdef weight_t a, b
    for k in range(n):
        a = to_cap - after_info[k, 2]
        b = after_info[k, 3]
        to_limit[k] = (a if (a < b or a != a) else b) / low_factor + eps   # np.minimum, NaN included
        a = after_info[k, 1] + stop_s
        b = from_floor if (from_floor > a or from_floor != from_floor) else a
        from_limit[k] = (after_info[k, 0] - b) / low_factor + eps


def fill_at(weight_t[::1] row, const index_t[::1] nodes, weight_t value):
    """``row[nodes] = value`` (scratch rows put back to INF after a search)."""
    cdef Py_ssize_t k
    with nogil:
        for k in range(nodes.shape[0]):
            row[nodes[k]] = value


cdef class Searcher:
    """Reusable Dijkstra work arrays for one graph size: bounded dense and multi-target searches.

    ``dist`` is ``INF`` everywhere between calls (only touched nodes are reset), so a
    search costs O(reached log reached), never O(n).  After :meth:`use_buckets` the
    searches run on the exact bucket queue of ``_buckets.pxd`` (the same times, whatever
    the settling order within a bucket) and fall back to the heap if a time ever leaves
    the bucket window.
    """

    cdef IndexedHeap heap
    cdef BucketQueue bq
    cdef weight_t* dist
    cdef index_t* touched
    cdef index_t* slot
    cdef index_t n
    cdef Py_ssize_t n_touched

    def __cinit__(self, index_t n):
        cdef index_t i
        self.n = n
        self.n_touched = 0
        self.dist = <weight_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(weight_t))
        self.touched = <index_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(index_t))
        self.slot = <index_t*> malloc(<size_t> (n if n > 0 else 1) * sizeof(index_t))
        if (self.dist == NULL or self.touched == NULL or self.slot == NULL or heap_init(&self.heap, n, False) != 0
                or bq_init(&self.bq, n) != 0):
            raise MemoryError("kaicity dispatch: cannot allocate search arrays")
        for i in range(n):
            self.dist[i] = INF
            self.slot[i] = NO_NODE

    def __dealloc__(self):
        free(self.dist)
        free(self.touched)
        free(self.slot)
        heap_free(&self.heap)
        bq_free(&self.bq)

    def use_buckets(self, int64_t slots, weight_t inv_width):
        """Search on the bucket queue (``slots`` a power of two >= 64, ``inv_width`` = 1 / bucket
        width below the shortest edge; see ``kaicity.routing._bucket_plan``), or on the heap (0)."""
        if inv_width > 0.0 and (slots < 64 or (slots & (slots - 1)) != 0):
            raise ValueError(f"bucket slots must be a power of two >= 64, got {slots}")
        if bq_configure(&self.bq, slots, inv_width) != 0:
            raise MemoryError(f"kaicity dispatch: cannot allocate {slots} search buckets")

    cdef void _reset(self) noexcept nogil:
        cdef Py_ssize_t k
        for k in range(self.n_touched):
            self.dist[self.touched[k]] = INF
        self.n_touched = 0
        heap_clear(&self.heap)
        bq_clear(&self.bq)

    cdef int _relax_bq(self, const index_t* indptr, const index_t* indices, const weight_t* weights, index_t u,
                       weight_t d, weight_t bound, int64_t cur) noexcept nogil:
        """Relax ``u``'s edges (settled at ``d`` from bucket ``cur``) up to ``bound``; -1 off the window."""
        cdef weight_t nd, dw
        cdef index_t w, e
        cdef int64_t b
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + weights[e]
            w = indices[e]
            dw = self.dist[w]
            if nd < dw and nd <= bound:
                b = bq_bucket(&self.bq, nd)
                if b <= cur or b - cur >= self.bq.B:
                    return -1
                if dw == INF:
                    self.touched[self.n_touched] = w
                    self.n_touched += 1
                else:
                    bq_remove(&self.bq, w, bq_bucket(&self.bq, dw))
                self.dist[w] = nd
                bq_insert(&self.bq, w, b)
        return 0

    cdef Py_ssize_t _bounded_bq(self, const index_t* indptr, const index_t* indices, const weight_t* weights,
                                index_t source, weight_t limit, weight_t[::1] out,
                                index_t[::1] reached) noexcept nogil:
        """The bucket version of :meth:`bounded`; -1 when a time left the window (nothing kept)."""
        cdef index_t u, x
        cdef Py_ssize_t count = 0
        cdef int64_t cur = 0
        self.dist[source] = 0.0
        self.touched[self.n_touched] = source
        self.n_touched += 1
        bq_insert(&self.bq, source, 0)
        while self.bq.size > 0:
            cur = bq_next_bucket(&self.bq, cur)
            u = bq_take(&self.bq, cur)
            while u != NO_NODE:
                x = self.bq.next[u]
                self.bq.size -= 1
                out[u] = self.dist[u]
                reached[count] = u
                count += 1
                if self._relax_bq(indptr, indices, weights, u, self.dist[u], limit, cur) < 0:
                    for x in range(count):
                        out[reached[x]] = INF
                    return -1
                u = x
        return count

    def bounded(self, const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                index_t source, weight_t limit, weight_t[::1] out, index_t[::1] reached):
        """Times from ``source`` to every node within ``limit``, written into ``out`` (INF on entry).

        The nodes written are listed in ``reached`` (size n); returns their number, so the
        caller can put ``INF`` back on exactly those entries.
        """
        cdef weight_t d, nd
        cdef index_t u, w, e
        cdef Py_ssize_t count = -1
        with nogil:
            if self.bq.inv_width > 0.0:
                count = self._bounded_bq(&indptr[0], &indices[0], &weights[0], source, limit, out, reached)
                self._reset()
        if count >= 0:
            return count
        count = 0
        with nogil:
            self.dist[source] = 0.0
            self.touched[self.n_touched] = source
            self.n_touched += 1
            heap_update(&self.heap, source, 0.0)
            while self.heap.size > 0:
                u = heap_pop(&self.heap, &d)
                out[u] = d
                reached[count] = u
                count += 1
                for e in range(indptr[u], indptr[u + 1]):
                    nd = d + weights[e]
                    w = indices[e]
                    if nd < self.dist[w] and nd <= limit:
                        if self.dist[w] == INF:
                            self.touched[self.n_touched] = w
                            self.n_touched += 1
                        self.dist[w] = nd
                        heap_update(&self.heap, w, nd)
            self._reset()
        return count

    def targeted(self, const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                 index_t source, const index_t[::1] targets, const weight_t[::1] limits, weight_t[::1] out):
        """Times from ``source`` to each target within its limit (``out[k]``, INF beyond).

        The search stops as soon as every target is settled or the frontier has passed the
        largest limit of the targets still unsettled.  A node listed several times gets
        its time in every entry when it is within the largest of its limits.  Returns the
        number of nodes settled.
        """
        cdef Py_ssize_t nt = targets.shape[0], settled = -1
        cdef weight_t* lim = <weight_t*> malloc(<size_t> (nt if nt > 0 else 1) * sizeof(weight_t))
        cdef unsigned char* done = <unsigned char*> malloc(<size_t> (nt if nt > 0 else 1))
        if lim == NULL or done == NULL:
            free(lim)
            free(done)
            raise MemoryError("kaicity dispatch: cannot allocate target arrays")
        with nogil:
            if self.bq.inv_width > 0.0:
                settled = self._targeted_run(&indptr[0], &indices[0], &weights[0], source, targets, limits, out,
                                             lim, done, True)
            if settled < 0:
                settled = self._targeted_run(&indptr[0], &indices[0], &weights[0], source, targets, limits, out,
                                             lim, done, False)
        free(lim)
        free(done)
        return settled

    def targeted_into(self, const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
                      index_t source, const index_t[::1] targets, const weight_t[::1] limits, weight_t[::1] out,
                      weight_t[::1] row):
        """:meth:`targeted`, then ``row[targets[k]] = out[k]`` for every target (``row`` has n entries)."""
        cdef Py_ssize_t k, settled = self.targeted(indptr, indices, weights, source, targets, limits, out)
        for k in range(targets.shape[0]):
            row[targets[k]] = out[k]
        return settled

    cdef Py_ssize_t _targeted_run(self, const index_t* indptr, const index_t* indices, const weight_t* weights,
                                  index_t source, const index_t[::1] targets, const weight_t[::1] limits,
                                  weight_t[::1] out, weight_t* lim, unsigned char* done,
                                  bint buckets) noexcept nogil:
        """One attempt of :meth:`targeted` on the bucket queue or the heap; -1 when the buckets fail."""
        cdef Py_ssize_t k, nt = targets.shape[0], settled = 0, left = 0
        cdef weight_t d, nd, reach = -INF
        cdef index_t u, w, e, s, x
        cdef int64_t cur = 0
        cdef bint failed = False
        for k in range(nt):
            out[k] = INF
            done[k] = 1
            lim[k] = -INF
        for k in range(nt):
            s = self.slot[targets[k]]
            if s == NO_NODE:
                s = <index_t> k
                self.slot[targets[k]] = s
            if limits[k] > lim[s]:
                lim[s] = limits[k]
        for k in range(nt):
            if self.slot[targets[k]] == <index_t> k and lim[k] >= 0:
                done[k] = 0
                left += 1
        for k in range(nt):
            if not done[k] and lim[k] > reach:
                reach = lim[k]
        if left > 0:
            self.dist[source] = 0.0
            self.touched[self.n_touched] = source
            self.n_touched += 1
            if buckets:
                bq_insert(&self.bq, source, 0)
            else:
                heap_update(&self.heap, source, 0.0)
        if buckets:
            while left > 0 and self.bq.size > 0 and not failed:
                cur = bq_next_bucket(&self.bq, cur)
                u = bq_take(&self.bq, cur)
                while u != NO_NODE:
                    x = self.bq.next[u]
                    self.bq.size -= 1
                    d = self.dist[u]
                    if d <= reach and left > 0:   # beyond every target left: not needed
                        settled += 1
                        reach = _settle_target(self.slot[u], d, out, lim, done, &left, reach, nt)
                        if self._relax_bq(indptr, indices, weights, u, d, reach, cur) < 0:
                            failed = True
                            break
                    u = x
        else:
            while left > 0 and self.heap.size > 0:
                u = heap_pop(&self.heap, &d)
                if d > reach:
                    break
                settled += 1
                reach = _settle_target(self.slot[u], d, out, lim, done, &left, reach, nt)
                for e in range(indptr[u], indptr[u + 1]):
                    nd = d + weights[e]
                    w = indices[e]
                    if nd < self.dist[w] and nd <= reach:
                        if self.dist[w] == INF:
                            self.touched[self.n_touched] = w
                            self.n_touched += 1
                        self.dist[w] = nd
                        heap_update(&self.heap, w, nd)
        if not failed:   # every entry of a node gets its time (found within the node's largest limit)
            for k in range(nt):
                out[k] = out[self.slot[targets[k]]]
        for k in range(nt):
            self.slot[targets[k]] = NO_NODE
        self._reset()
        return -1 if failed else settled


cdef inline weight_t _settle_target(index_t s, weight_t d, weight_t[::1] out, const weight_t* lim,
                                    unsigned char* done, Py_ssize_t* left, weight_t reach,
                                    Py_ssize_t nt) noexcept nogil:
    """Node of target slot ``s`` (NO_NODE: not a target) settled at ``d``; returns the new reach."""
    cdef Py_ssize_t k
    if s == NO_NODE or done[s]:
        return reach
    done[s] = 1
    left[0] -= 1
    if d <= lim[s]:
        out[s] = d   # provisional: entry s holds the node's time until the end
    if lim[s] >= reach:   # the farthest target left: shrink the radius
        reach = -INF
        for k in range(nt):
            if not done[k] and lim[k] > reach:
                reach = lim[k]
    return reach


def path_down(const index_t[::1] indptr, const index_t[::1] indices, const weight_t[::1] weights,
              const weight_t[::1] to_target, index_t source, index_t target, index_t[::1] out):
    """A shortest path ``source -> target`` read off exact times to ``target`` (a reverse search row).

    From each node it takes the first out-edge ``(u, w)`` with ``to_target[w] + weight ==
    to_target[u]``, an edge of the reverse search's tree, so the path's edge costs add up
    to ``to_target[source]``.  Writes the nodes into ``out`` (size n) and returns their
    number, or -1 when ``target`` cannot be reached that way.
    """
    cdef Py_ssize_t n = out.shape[0], k = 0
    cdef index_t u = source, w, e, nxt
    cdef weight_t here
    if to_target[source] == INF:
        return -1
    out[0] = u
    while u != target:
        here = to_target[u]
        nxt = NO_NODE
        for e in range(indptr[u], indptr[u + 1]):
            w = indices[e]
            if to_target[w] + weights[e] == here:
                nxt = w
                break
        k += 1
        if nxt == NO_NODE or k >= n:
            return -1
        u = nxt
        out[k] = u
    return k + 1


def gather_within(const weight_t[::1] full, const index_t[::1] targets, const weight_t[::1] limits,
                  weight_t[::1] node_limit, weight_t[::1] out, weight_t[::1] row):
    """What :meth:`Searcher.targeted_into` writes, read off a full row ``full`` of exact times.

    ``out[k]`` is the time of ``targets[k]`` when it is within the largest limit given for
    that node (INF otherwise), and ``row[targets[k]] = out[k]``.  ``node_limit`` (one
    entry per node) must be ``-INF`` everywhere on entry and is left so.
    """
    cdef Py_ssize_t k, nt = targets.shape[0]
    cdef index_t t
    cdef weight_t d
    with nogil:
        for k in range(nt):
            t = targets[k]
            if limits[k] > node_limit[t]:
                node_limit[t] = limits[k]
        for k in range(nt):
            t = targets[k]
            d = full[t]
            out[k] = d if d <= node_limit[t] else INF
            row[t] = out[k]
        for k in range(nt):
            node_limit[targets[k]] = -INF


def within_from_row(const weight_t[::1] full, weight_t limit, weight_t[::1] out, index_t[::1] reached):
    """What :meth:`Searcher.bounded` writes, read off a full row: ``out[u] = full[u]`` where
    ``full[u] <= limit``; those nodes are listed in ``reached``, and their number returned."""
    cdef Py_ssize_t u, count = 0, n = full.shape[0]
    cdef weight_t d
    with nogil:
        for u in range(n):
            d = full[u]
            if d <= limit and d < INF:
                out[u] = d
                reached[count] = <index_t> u
                count += 1
    return count
