# cython: language_level=3
"""DRT dispatch kernels: best insertion of a request into vehicle schedules, path profiles.

Arrays only.  :mod:`kaicity.services.dispatch` owns the schedules and calls these with
validated, C-contiguous arrays; nothing here raises for bad input.

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

from kaicity._core._types cimport INF, index_t, weight_t

# result flags (out_i[3])
cdef enum:
    FLAG_TIME_OK = 1      # some vehicle can start the pickup by latest_pick
    FLAG_CAP_OK = 2       # ... with a free seat
    FLAG_FEASIBLE = 4     # ... and without breaking any deadline


def best_insertion(const index_t[::1] start_node, const weight_t[::1] start_time,
                   const int[::1] start_load, const unsigned char[::1] available,
                   const int[::1] capacity, const int[::1] n_stops,
                   const index_t[:, ::1] stop_node, const signed char[:, ::1] stop_kind,
                   const weight_t[:, ::1] stop_leg, const weight_t[:, ::1] stop_arr,
                   const weight_t[:, ::1] stop_dep, const weight_t[:, ::1] stop_earliest,
                   const weight_t[:, ::1] stop_latest, const int[:, ::1] stop_load,
                   const weight_t[::1] to_p, const weight_t[::1] from_p,
                   const weight_t[::1] to_d, const weight_t[::1] from_d,
                   index_t p, index_t d, weight_t ready, weight_t latest_pick,
                   weight_t latest_drop, weight_t max_ride, weight_t stop_s,
                   weight_t delay_weight, weight_t eps,
                   weight_t[::1] out_f, long long[::1] out_i):
    """Cheapest feasible insertion of one request over all available vehicles.

    Writes ``out_i = [vehicle, i, j, flags]`` (vehicle -1 when none is feasible) and
    ``out_f = [cost, pickup start, pickup departure, drop-off arrival]``.  Ties go to the
    lowest vehicle index, then the earliest positions.  ``to_p[x]`` is the travel time
    from node ``x`` to ``p`` (INF when unknown or too far), ``from_p[x]`` from ``p`` to
    ``x``, and likewise for ``d``.  Returns the number of (i, j) pairs evaluated.
    """
    cdef Py_ssize_t n_veh = start_node.shape[0]
    cdef Py_ssize_t v
    cdef int K, i, j, m, cap, loadi, flags = 0
    cdef index_t ni, cur_node
    cdef weight_t depi, t, arr_p, begin_p, dep_p, cur_dep, pre_delay, tdd, arr_d, dep_d
    cdef weight_t old_end, new_end, suf_delay, arr, begin, ndep, leg, cost, pd
    cdef weight_t best_cost = INF, best_begin = INF, best_dep = INF, best_arr = INF
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
            j = i
            while True:
                # ---- drop-off right after position j (the pickup itself when j == i)
                tdd = pd if j == i else to_d[cur_node]
                if tdd != INF:
                    arr_d = cur_dep + tdd
                    if arr_d - dep_p <= max_ride + eps and arr_d <= latest_drop + eps:
                        evaluated += 1
                        dep_d = arr_d + stop_s
                        ok = True
                        suf_delay = 0.0
                        new_end = dep_d
                        unchanged = False
                        ndep = dep_d
                        for m in range(j + 1, K + 1):
                            if m == j + 1:
                                leg = from_d[stop_node[v, m - 1]]
                                if leg == INF:
                                    ok = False
                                    break
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
