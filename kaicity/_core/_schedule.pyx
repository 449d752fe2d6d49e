# cython: language_level=3
"""DRT schedule updates: put a ride into a vehicle's stops, retime a vehicle's stops.

Arrays only, the layout of :mod:`kaicity._core._dispatch` (one row per vehicle, ``S``
stop slots, ``n_stops[v]`` of them used).  :class:`kaicity.services.drt.schedule.Schedule`
owns the arrays and calls these through :mod:`kaicity.dispatch_kernel`; nothing here
raises for bad input (the caller checks the status and the slots).

The arithmetic is done in the order of the Python code it replaced, so the planned times
are bit-identical.
"""

cdef extern from "math.h":
    const double INFINITY

# status bits returned by retime / insert_ride
cdef enum:
    LATE = 1          # a stop starts (pickup) or arrives (drop-off) after its deadline
    OVERLOAD = 2      # the load leaves [0, capacity]

cdef enum:
    PICKUP = 0


cdef int _retime(Py_ssize_t v, double t, int load, int cap, double stop_s, int K,
                 const double[:, ::1] stop_leg, const signed char[:, ::1] stop_kind,
                 const double[:, ::1] stop_earliest, const double[:, ::1] stop_latest,
                 double[:, ::1] stop_arr, double[:, ::1] stop_dep, int[:, ::1] stop_load,
                 double[:, ::1] stop_slack, bint check) noexcept nogil:
    cdef int m, status = 0
    cdef double a, b, after, x
    for m in range(K):
        a = t + stop_leg[v, m]
        if stop_kind[v, m] == PICKUP:
            b = a if a > stop_earliest[v, m] else stop_earliest[v, m]
            load += 1
        else:
            b = a
            load -= 1
        stop_arr[v, m] = a
        t = b + stop_s
        stop_dep[v, m] = t
        stop_load[v, m] = load
        # the slack pass below needs the service start b; keep it in the slack slot for now
        stop_slack[v, m] = b
        if check:
            if (b if stop_kind[v, m] == PICKUP else a) > stop_latest[v, m] + 1e-3:
                status |= LATE
            if load > cap or load < 0:
                status |= OVERLOAD
    # slack: the largest arrival delay at each stop that keeps it and every later stop on time
    after = INFINITY
    for m in range(K - 1, -1, -1):
        b = stop_slack[v, m]
        a = stop_arr[v, m]
        if stop_kind[v, m] == PICKUP:
            x = stop_latest[v, m] - b
            after = (b - a) + (after if after < x else x)
        else:
            x = stop_latest[v, m] - a
            after = after if after < x else x
        stop_slack[v, m] = after
    return status


def retime(Py_ssize_t v, double start_time, int start_load, int capacity, double stop_s, int n_stops,
           const double[:, ::1] stop_leg, const signed char[:, ::1] stop_kind,
           const double[:, ::1] stop_earliest, const double[:, ::1] stop_latest,
           double[:, ::1] stop_arr, double[:, ::1] stop_dep, int[:, ::1] stop_load,
           double[:, ::1] stop_slack, bint check):
    """Recompute vehicle ``v``'s planned arrival, departure, load and slack at each stop.

    Returns a status: 0, or with ``check`` the bits 1 (a stop misses its deadline) and 2
    (the load leaves ``[0, capacity]``).
    """
    cdef int status
    with nogil:
        status = _retime(v, start_time, start_load, capacity, stop_s, n_stops, stop_leg, stop_kind, stop_earliest,
                         stop_latest, stop_arr, stop_dep, stop_load, stop_slack, check)
    return status


def insert_ride(Py_ssize_t v, int i, int j, long long rid, int p, int d, double earliest, double latest_pick,
                double latest_drop, double to_pick, double after_pick, double to_drop, double after_drop,
                double direct_s, double start_time, int start_load, int capacity, double stop_s,
                int[::1] n_stops, int[:, ::1] stop_node, signed char[:, ::1] stop_kind, double[:, ::1] stop_leg,
                double[:, ::1] stop_arr, double[:, ::1] stop_dep, double[:, ::1] stop_earliest,
                double[:, ::1] stop_latest, double[:, ::1] stop_slack, int[:, ::1] stop_load,
                long long[:, ::1] stop_ride):
    """Put ride ``rid`` into vehicle ``v``'s stops (pickup at ``i``, drop-off after ``j``), then retime.

    The caller made sure there are ``n_stops[v] + 2`` slots.  ``to_pick`` ... ``after_drop``
    are the new legs (see :meth:`kaicity.services.drt.schedule.Schedule.insert`); with
    ``j == i`` the leg from the pickup to the drop-off is ``direct_s``.  Returns the status
    of the checked :func:`retime`.
    """
    cdef int K = n_stops[v], m, status
    with nogil:
        # stops after the drop-off move two slots, those between pickup and drop-off one
        for m in range(K - 1, j - 1, -1):
            _move(v, m, m + 2, stop_node, stop_kind, stop_leg, stop_arr, stop_dep, stop_earliest, stop_latest,
                  stop_slack, stop_load, stop_ride)
        for m in range(j - 1, i - 1, -1):
            _move(v, m, m + 1, stop_node, stop_kind, stop_leg, stop_arr, stop_dep, stop_earliest, stop_latest,
                  stop_slack, stop_load, stop_ride)
        _fill(v, i, p, PICKUP, earliest, latest_pick, rid, stop_node, stop_kind, stop_leg, stop_arr, stop_dep,
              stop_earliest, stop_latest, stop_slack, stop_load, stop_ride)
        _fill(v, j + 1, d, 1, -INFINITY, latest_drop, rid, stop_node, stop_kind, stop_leg, stop_arr, stop_dep,
              stop_earliest, stop_latest, stop_slack, stop_load, stop_ride)
        stop_leg[v, i] = to_pick
        if j == i:
            stop_leg[v, i + 1] = direct_s
            if i + 2 < K + 2:
                stop_leg[v, i + 2] = after_drop
        else:
            stop_leg[v, i + 1] = after_pick
            stop_leg[v, j + 1] = to_drop
            if j + 2 < K + 2:
                stop_leg[v, j + 2] = after_drop
        n_stops[v] = K + 2
        status = _retime(v, start_time, start_load, capacity, stop_s, K + 2, stop_leg, stop_kind, stop_earliest,
                         stop_latest, stop_arr, stop_dep, stop_load, stop_slack, True)
    return status


cdef inline void _move(Py_ssize_t v, int src, int dst, int[:, ::1] stop_node, signed char[:, ::1] stop_kind,
                       double[:, ::1] stop_leg, double[:, ::1] stop_arr, double[:, ::1] stop_dep,
                       double[:, ::1] stop_earliest, double[:, ::1] stop_latest, double[:, ::1] stop_slack,
                       int[:, ::1] stop_load, long long[:, ::1] stop_ride) noexcept nogil:
    stop_node[v, dst] = stop_node[v, src]
    stop_kind[v, dst] = stop_kind[v, src]
    stop_leg[v, dst] = stop_leg[v, src]
    stop_arr[v, dst] = stop_arr[v, src]
    stop_dep[v, dst] = stop_dep[v, src]
    stop_earliest[v, dst] = stop_earliest[v, src]
    stop_latest[v, dst] = stop_latest[v, src]
    stop_slack[v, dst] = stop_slack[v, src]
    stop_load[v, dst] = stop_load[v, src]
    stop_ride[v, dst] = stop_ride[v, src]


cdef inline void _fill(Py_ssize_t v, int m, int node, signed char kind, double earliest, double latest,
                       long long rid, int[:, ::1] stop_node, signed char[:, ::1] stop_kind,
                       double[:, ::1] stop_leg, double[:, ::1] stop_arr, double[:, ::1] stop_dep,
                       double[:, ::1] stop_earliest, double[:, ::1] stop_latest, double[:, ::1] stop_slack,
                       int[:, ::1] stop_load, long long[:, ::1] stop_ride) noexcept nogil:
    stop_node[v, m] = node
    stop_kind[v, m] = kind
    stop_leg[v, m] = 0.0
    stop_arr[v, m] = 0.0
    stop_dep[v, m] = 0.0
    stop_earliest[v, m] = earliest
    stop_latest[v, m] = latest
    stop_slack[v, m] = 0.0
    stop_load[v, m] = 0
    stop_ride[v, m] = rid
