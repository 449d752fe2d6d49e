"""The fixed-route bus quote before issue 17: every pattern scanned per request (a test oracle and a benchmark peer).

:class:`Reference` is the straightforward algorithm the service used before its per-walk-node stop
index: a walk table per pattern, the egress of every pattern computed for every request, every
pattern scanned, the first run found by ``searchsorted(run_starts + offset)``.  It keeps its own copy
of the seat loads.  ``tests/test_bus_quote_exact.py`` requires the service to book exactly what it
books; ``benchmarks/bench_bus.py`` times the service against it.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from kaicity import routing
from kaicity.services.bus import BusNetwork
from kaicity.services.transit import Booking, TripRequest


class Reference:
    """The quote of a :class:`BusNetwork` by scanning every pattern (own copy of the seat loads)."""

    def __init__(self, net: BusNetwork):
        self.net = net
        self.patterns = copy.deepcopy(net.patterns)
        self.access = [routing.nearest(net.city.walk, p.stop_walk, limit=net.max_walk_m) for p in self.patterns]
        self.transfers: dict[tuple[int, int], list[tuple[int, int]]] = {}
        if net.max_transfers >= 1:
            where: dict[int, list[tuple[int, int]]] = {}
            for pi, pat in enumerate(self.patterns):
                for i, node in enumerate(pat.stops):
                    where.setdefault(int(node), []).append((pi, i))
            for visits in where.values():
                for p, i in visits:
                    for q, j in visits:
                        if p != q and i > 0 and j < len(self.patterns[q].stops) - 1:
                            self.transfers.setdefault((p, q), []).append((i, j))

    def egress(self, pi: int, req: TripRequest) -> tuple[np.ndarray, np.ndarray]:
        pat = self.patterns[pi]
        n = len(pat.stops)
        if req.dest_access is not None:
            acc = req.dest_access
            walk_m = np.asarray(acc.walk_m)[pat.stop_walk].astype(float)
            which = np.asarray(acc.walk_which)[pat.stop_walk]
            place = np.where(which >= 0, acc.place_ids[np.maximum(which, 0)], -1)
            node = np.where(which >= 0, acc.walk_nodes[np.maximum(which, 0)], -1)
            walk_m[(which < 0) | (walk_m > req.max_walk_m)] = np.inf
            return walk_m, np.column_stack([place, node])
        walk_m = np.full(n, np.inf)
        dist, which = self.access[pi]
        a = int(which[req.destination])
        if a >= 0 and dist[req.destination] <= req.max_walk_m:
            walk_m[a] = dist[req.destination]
        return walk_m, np.full((n, 2), -1, dtype=np.int64)

    @staticmethod
    def first_run(pat, b: int, a: int, ready: float) -> int:
        deps = pat.run_starts + pat.offsets[b]
        k = int(np.searchsorted(deps, ready))
        while k < len(deps) and pat.loads[k, b:a].max() >= pat.seats[k]:
            k += 1
        return k if k < len(deps) else -1

    def legs_to(self, pat, b: int, ready: float, egress: np.ndarray, speed: float):
        best = (math.inf, -1, -1, math.inf)
        for a in np.flatnonzero(np.isfinite(egress)):
            if a <= b:
                continue
            k = self.first_run(pat, b, int(a), ready)
            if k < 0:
                continue
            dep = pat.run_starts[k] + pat.offsets[b]
            arrive = dep + pat.offsets[a] - pat.offsets[b] + egress[a] / speed
            if arrive < best[0]:
                best = (arrive, k, int(a), dep)
        return best

    def best(self, req: TripRequest):
        speed = req.walk_speed
        boards, egress = {}, {}
        for pi in range(len(self.patterns)):
            dist, which = self.access[pi]
            b = int(which[req.origin])
            if b >= 0 and dist[req.origin] <= req.max_walk_m:
                boards[pi] = (b, float(dist[req.origin]))
            e = self.egress(pi, req)
            if np.isfinite(e[0]).any():
                egress[pi] = e
        best = None
        for pi, (b, walk_in) in boards.items():
            pat = self.patterns[pi]
            at_stop = req.time + walk_in / speed
            if pi in egress:
                arrive, k, a, dep = self.legs_to(pat, b, at_stop, egress[pi][0], speed)
                if k >= 0 and (best is None or (arrive, 0) < best[:2]):
                    best = (arrive, 0, [(pi, k, b, a)], dep - at_stop, pat.offsets[a] - pat.offsets[b],
                            walk_in + egress[pi][0][a], *egress[pi][1][a])
            for qi in egress:
                for i, j in self.transfers.get((pi, qi), ()):
                    if i <= b:
                        continue
                    k1 = self.first_run(pat, b, i, at_stop)
                    if k1 < 0:
                        continue
                    dep1 = pat.run_starts[k1] + pat.offsets[b]
                    ride1 = pat.offsets[i] - pat.offsets[b]
                    q = self.patterns[qi]
                    arrive, k2, a2, dep2 = self.legs_to(q, j, dep1 + ride1 + self.net.transfer_s,
                                                        egress[qi][0], speed)
                    if k2 < 0 or (best is not None and (arrive, 1) >= best[:2]):
                        continue
                    wait = (dep1 - at_stop) + (dep2 - dep1 - ride1)
                    best = (arrive, 1, [(pi, k1, b, i), (qi, k2, j, a2)], wait,
                            ride1 + (q.offsets[a2] - q.offsets[j]), walk_in + egress[qi][0][a2], *egress[qi][1][a2])
        if best is None:
            reason = "no_run_in_service" if boards and egress else "no_stop_within_walk"
            return Booking(False, "bus", reason=reason), None
        arrive, transfers, legs, wait, ride, walk_m, place, node = best
        return Booking(True, "bus", float(arrive), float(wait), float(ride), float(walk_m / speed), None,
                       legs[0][0] * 1_000_000 + legs[0][1], place=int(place), destination=int(node),
                       transfers=transfers), legs

    def book(self, req: TripRequest) -> Booking:
        booking, legs = self.best(req)
        for pi, k, b, a in legs or ():
            self.patterns[pi].loads[k, b:a] += 1
        return booking
