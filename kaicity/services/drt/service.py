"""The DRT service facade: quote, book, advance, report.

:class:`DRTService` implements :class:`~kaicity.services.transit.TransitService` for a
fleet of vans by composing the parts of this package around one shared
:class:`~kaicity.services.drt.schedule.Schedule`: the service area and its stops
(:mod:`.stops`), exact travel times (:mod:`.travel`), insertion (:mod:`.insertion`), batch
re-assignment (:mod:`.batch`), rebalancing (:mod:`.rebalancing`), the vans
(:mod:`.vehicles`) and the records (:mod:`.log`); the indicators computed from the records
live in :mod:`kaicity.metrics.drt`.

Times are seconds since the start of the simulation; ``schedule.clock`` is the time the
vehicles were last advanced to.  A request's ready time is ``max(request.time, clock)``
plus the walk to the pickup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kaicity import routing
from kaicity.errors import SimulationError
from kaicity.network.city import City
from kaicity.services.drt.batch import Batcher
from kaicity.services.drt.duty import DEPOT_AFTER_S, DutyRoster, HourFactors
from kaicity.services.drt.insertion import Inserter, Plan
from kaicity.services.drt.log import DRTLog
from kaicity.services.drt.rebalancing import Rebalancer
from kaicity.services.drt.rules import DRTRules
from kaicity.services.drt.schedule import DEPOT, Ride, Schedule
from kaicity.services.drt.stops import ServiceArea
from kaicity.services.drt.travel import TravelTimes
from kaicity.services.drt.vehicles import Van
from kaicity.services.transit import Arrival, Booking, TransitService, TripRequest, VehicleState

if TYPE_CHECKING:
    from kaicity.scenario import DrtSection


class DRTService(TransitService):
    """A DRT fleet with an insertion-heuristic dispatcher (MATSim's DRT, Bischoff et al. 2017).

    Parameters
    ----------
    city
        The city: vehicles drive ``city.drive``; riders walk ``city.walk``.
    cfg
        The scenario's ``transit.drt`` section.
    horizon_s
        Length of the run (s).
    start_hour
        Clock hour at time 0.
    rng
        Random generator (depots, stops placed by demand).
    people
        Real people in the run (sizes virtual stops given per 1,000 people), or None.
    homes
        Walk node of each resident's home (stops and depots where people live), or None
        (then spread over the served drive nodes).
    population_scale
        Real people per resident agent (for rides per day, scaled).
    trace
        Keep every driven path piece and served stop in ``log.trace`` and ``log.stop_log``.
    row_cache_mb
        Memory for cached travel-time rows (forward and reverse searches per node).
    max_walk_search_m
        Longest walk to a virtual stop searched (m); each request also has its own limit.
    depots
        Drive node of each vehicle's depot (default: spread over the served area in
        proportion to the homes there, by weighted k-means).
    transit_poor
        Boolean mask over walk nodes of the places without a bus stop within the bus catchment
        (served when ``cfg.zones`` lists ``transit_poor``); None = no buses, every place.
    hierarchy
        Search engine of the dispatcher (:class:`~kaicity.services.drt.travel.TravelTimes`):
        True PHAST rows of a contraction hierarchy, False Dijkstra, None chosen by the width
        of the first searches.  The drive graph's times are put on a 1/1024 s grid
        (:func:`kaicity.routing.quantized`) so both engines give the same times and
        the same plans.

    The fleet is ``cfg.vehicles``, else ``cfg.vehicles_per_1000`` per 1,000 real people whose home
    lies in the service area (``homes`` x ``population_scale``).

    Attributes
    ----------
    rules, area, schedule, log, travel, inserter, batcher, rebalancer
        The parts (see the module docstring).
    factors : HourFactors
        Drive-time multipliers by clock hour (``drive_time_factor_by_hour``).
    roster : DutyRoster
        When each van is on duty (``fleet_by_hour``, breaks).
    vehicles : list of Van
        The vans (``schedule.vans``).
    """

    mode = "drt"

    def __init__(self, city: City, cfg: DrtSection, *, horizon_s: float, start_hour: float = 0.0,
                 rng: np.random.Generator | None = None, people: float | None = None,
                 homes: np.ndarray | None = None, population_scale: float = 1.0, trace: bool = False,
                 row_cache_mb: float = 256.0, max_walk_search_m: float = 5000.0,
                 depots: np.ndarray | list[int] | None = None, transit_poor: np.ndarray | None = None,
                 hierarchy: bool | None = None) -> None:
        self.city = city
        # drive times on a 1/1024 s grid: sums are exact, so Dijkstra and the hierarchy agree to the last bit
        self.graph = routing.quantized(city.drive)
        self.cfg = cfg
        self.horizon_s = float(horizon_s)
        self.population_scale = float(population_scale)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.area = ServiceArea(city, cfg, self.rng, people=people, homes=homes,
                                max_walk_search_m=max_walk_search_m, transit_poor=transit_poor)
        fleet = cfg.fleet_for(self.area.served_people(people, population_scale))
        self.rules = rules = DRTRules.from_config(cfg, start_hour, n_vehicles=fleet)
        if rules.n_vehicles < 1:
            raise SimulationError("DRT needs at least one vehicle")
        depots = self.area.depots(rules.n_vehicles) if depots is None else depots
        depots = np.asarray(depots, dtype=np.int32)
        V, n = rules.n_vehicles, self.graph.n_nodes
        if depots.shape != (V,) or depots.min() < 0 or depots.max() >= n:
            raise SimulationError(f"DRT depots must be {V} drive-node indices, got {depots.tolist()[:10]}")
        self.schedule = Schedule(depots, rules.seats, rules.stop_s)
        self.log = DRTLog(trace_enabled=bool(trace))
        self.travel = TravelTimes(self.graph, row_cache_mb, hierarchy)
        self.factors = HourFactors(cfg.drive_time_factor_by_hour, start_hour)
        self.roster = DutyRoster.from_config(cfg, V, self.horizon_s, start_hour)
        self.schedule.vans = [Van(v, int(depots[v]), rules.seats, rules.hours, self.schedule, self.log, self.travel,
                                  self.factors) for v in range(V)]
        self.rebalancer = Rebalancer(self.graph, self.area.served_drive, cfg.rebalancing)
        self.inserter = Inserter(self.schedule, self.travel, self.area, rules, self.log, self.factors,
                                 None if self.roster.always else self.roster)
        self.batcher = Batcher(rules.batch_s, self.schedule, self.inserter, self.log, rules.delay_weight)
        self._quote_cache: tuple[TripRequest, int, Plan] | None = None

    # ------------------------------------------------------------- state
    @property
    def vehicles(self) -> list[Van]:
        """The vans."""
        return self.schedule.vans

    @property
    def rides(self) -> list[Ride]:
        """Every accepted ride, by ride id."""
        return self.schedule.rides

    @property
    def clock(self) -> float:
        """Time the vehicles were last advanced to (s)."""
        return self.schedule.clock

    @property
    def capacity(self) -> np.ndarray:
        """Seats of each vehicle."""
        return self.schedule.capacity

    @property
    def stops(self) -> np.ndarray:
        """Virtual stops (drive nodes; empty door to door)."""
        return self.area.stops

    def serves_zone(self, zone_codes: np.ndarray) -> np.ndarray:
        """Boolean array: whether DRT serves each zone code (riders whose trip starts there)."""
        return self.area.serves_zone(zone_codes)

    def forecast(self, now: float) -> np.ndarray:
        """Expected requests per rebalancing cell in the next forecast window."""
        return self.rebalancer.forecast(now)

    # --------------------------------------------------------- interface
    def _register(self, request: TripRequest, plan: Plan) -> None:
        """Count a trip the first time it asks (quote or booking): demand forecast, busy nodes."""
        if int(request.trip_id) in self.log.trips:
            return
        if plan.reason not in ("outside_hours", "outside_zone") and plan.p >= 0:
            self.rebalancer.record_demand(plan.p, max(float(request.time), self.schedule.clock))
        if plan.p >= 0:
            self.travel.count_use(plan.p)
            self.travel.count_use(plan.d)

    def quote(self, request: TripRequest) -> Booking:
        """Best offer for ``request`` (the cheapest feasible insertion); nothing is committed.

        A rejected quote still counts as a request (``kpis()["rejections"]``) and as demand
        for the rebalancing forecast: the rider asked and got no offer.
        """
        plan = self.inserter.evaluate(request)
        self._quote_cache = (request, self.schedule.version, plan)
        self._register(request, plan)
        self.log.trips[int(request.trip_id)] = "offered" if plan.accepted else plan.reason
        return plan.booking(self.rules.stop_s)

    def book(self, request: TripRequest) -> Booking:
        """Insert ``request`` into the best schedule, or reject it with a reason.

        Right after :meth:`quote` of the same request (nothing changed since), the quoted
        insertion is committed without searching again.
        """
        cached = self._quote_cache
        if cached is not None and cached[1] == self.schedule.version and cached[0] == request:
            plan = cached[2]
        else:
            plan = self.inserter.evaluate(request)
        self._quote_cache = None
        self._register(request, plan)
        if not plan.accepted:
            self.log.trips[int(request.trip_id)] = plan.reason
            self.log.book_rejections[plan.reason] += 1
            return plan.booking(self.rules.stop_s)
        ride = self.inserter.commit(plan)
        self.log.trips[int(request.trip_id)] = "booked"
        if self.rules.batch_s > 0:
            self.batcher.add(ride.rid, max(float(request.time), self.schedule.clock))
        return plan.booking(self.rules.stop_s)

    def advance(self, now: float) -> list[Arrival]:
        """Move every vehicle to ``now``; riders dropped off since the last call."""
        now = float(now)
        s = self.schedule
        if self.batcher.due(now):
            self.batcher.flush()
        for van in s.vans:
            if van.leg is None and s.n_stops[van.index] == 0:
                if van.t_free < now:
                    van.t_free = now
                s.start_time[van.index] = van.t_free
                continue
            van.drive_until(now)
        s.clock = max(s.clock, now)
        s.version += 1
        if not self.roster.always:
            self.roster.update(s, now)
        if self.rules.in_hours(now):
            on_duty = s.vans if self.roster.always else [van for van in s.vans if s.available[van.index]]
            self.rebalancer.step(now, on_duty, s, self.travel, self.log)
            if len(on_duty) < len(s.vans):   # off duty: back to the depot unless back on duty soon
                for van in s.vans:
                    if (not s.available[van.index] and van.idle and van.node != van.depot
                            and self.roster.next_start(van.index, now) - now > DEPOT_AFTER_S):
                        van.head_to(van.depot, now, DEPOT)
        else:
            for van in s.vans:
                if van.idle and van.node != van.depot:
                    van.head_to(van.depot, now, DEPOT)
        return self.log.take_arrivals()

    # ----------------------------------------------------------- outputs
    def vehicle_state(self, now: float) -> VehicleState:
        """Positions (interpolated on the current edge), loads and capacities of the vehicles."""
        g = self.graph
        vans = self.schedule.vans
        x, y = np.empty(len(vans)), np.empty(len(vans))
        for k, van in enumerate(vans):
            u, w, f = van.position(now)
            x[k] = g.x[u] + f * (g.x[w] - g.x[u])
            y[k] = g.y[u] + f * (g.y[w] - g.y[u])
        load = np.array([len(van.onboard) for van in vans], dtype=np.int32)
        return VehicleState(x, y, load, self.schedule.capacity.copy())
