"""The K-AI City model: a Mesa model built from a scenario and stepped tick by tick.

Per-resident state lives in numpy arrays (:class:`~kaicity.services.population.Population`);
the needs of the whole horizon are drawn up front (:mod:`kaicity.services.needs`).  Each
tick pushes the needs that arise into an event queue and processes events in time order:
a need (the resident chooses a channel and a mode), an arrival at a place (queue and
service), a return home.  Residents with nothing to do cost nothing, so a tick's cost
grows with events, not with the population.
"""

from __future__ import annotations

import heapq
import math
import operator
import warnings
from collections.abc import Iterator, Sequence
from functools import lru_cache, partial
from pathlib import Path

import mesa
import numpy as np

from kaicity import interrupts
from kaicity.agents import AISupportCentre, DRTVehicle, FixedRouteBus, Resident, ServiceFacility
from kaicity.categories import CATEGORIES, GROUPS
from kaicity.errors import KaicityWarning, SimulationError
from kaicity.metrics import timeseries_reporters
from kaicity.network import load_city
from kaicity.network.city import City
from kaicity.network.spec import CitySpec
from kaicity.scenario import Scenario, load_scenario
from kaicity.services.access import PlaceAccess
from kaicity.services.bus import BusNetwork
from kaicity.services.channel import Channel
from kaicity.services.drt import DRTService
from kaicity.services.learning import decay
from kaicity.services.mode import Mode
from kaicity.services.needs import DAY_S, generate_needs, profile_matrix, rate_matrix
from kaicity.services.placement import place_support_centres
from kaicity.services.population import by_key, synthesize_population
from kaicity.services.queues import scaled_pool, servers_for_capacity
from kaicity.services.random_streams import stream
from kaicity.services.records import DELIVERIES, MODE_CODE, MODE_NAMES, NeedLog
from kaicity.services.remote import RemoteService, draw_traits, resolution_draws
from kaicity.services.transit import TransitService, TripRequest
from kaicity.services.visits import (
    FORGONE_REASONS,
    classify_mode_failure,
    departure_for_opening,
    expires,
    keep_waiting_for_ride,
)

_NEED, _ARRIVE, _FREE, _TRAINING, _RETURN = 0, 1, 2, 3, 4
#: Bits of :attr:`KaiCityModel.excluded`: channels a need has already failed on.
EXCLUDE_AI, EXCLUDE_ONLINE, EXCLUDE_CENTRE = 1, 2, 4


@lru_cache(maxsize=8)
def _cached_city(spec: CitySpec, facilities: str, counts: tuple | None, placement: str) -> City:
    # the model routes on the CSR arrays only: its networkx graphs (which cost more memory than the rest
    # of the city) are built only if someone reads city.G_walk / G_drive
    options = {"facilities": facilities, "placement": placement,
               "facility_counts": dict(counts) if counts else None}
    city = load_city(spec, keep_networkx=False, **options)
    city.networkx_loader = partial(load_city, spec, keep_networkx=True, **options)
    return city


def city_for(scenario: Scenario) -> City:
    """The City a scenario runs on, shared by every scenario with the same city spec and facility options."""
    c = scenario.city
    explicit = c.explicit_facility_counts  # null categories take the builder's default
    counts = tuple(sorted(explicit.items())) if explicit else None
    return _cached_city(c.spec(), str(c.facilities), counts, str(c.facility_placement))


#: Fewest simulated DRT vans at which pooling and waits still behave like the real fleet's
#: (assumption: with fewer, one busy van decides every wait); below it a scaled run warns loudly.
DRT_MIN_SIMULATED_FLEET = 5

#: Largest run seed (numpy's SeedSequence and Mesa take any non-negative int; 32 bits keeps runs portable).
MAX_SEED = 2**32 - 1


def check_seed(seed) -> int:
    """Return ``seed`` as an int in 0..2**32-1, else raise a one-line :class:`SimulationError`."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise SimulationError(f"seed {seed!r} is not a whole number in 0..{MAX_SEED}; pass one in that range")
    return int(seed)


class LazyResidents(Sequence):
    """The model's :class:`Resident` agents, each made the first time something reads it.

    A resident's state lives in the population arrays, and most residents of a big run
    never act (1M never-stepped ``Resident`` objects cost ~3 s and ~0.5 GB), so
    ``model.residents[i]`` creates agent ``i`` (registering it with Mesa) on first access
    and returns that same object afterwards.  Consequently Mesa's ``model.agents`` and
    ``agents_by_type[Resident]`` hold the residents that have acted (or been read) so
    far, not the whole population; ``len(model.residents)`` is the population and
    iterating over ``model.residents`` creates every agent.

    Parameters
    ----------
    model
        The model the agents belong to.
    n
        Number of residents.
    """

    def __init__(self, model: mesa.Model, n: int) -> None:
        self._model = model
        self._agents: list[Resident | None] = [None] * int(n)
        self.created = 0

    def __len__(self) -> int:
        return len(self._agents)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = operator.index(index)
        agent = self._agents[i]       # IndexError and negative indices as for a list
        if agent is None:
            i %= len(self._agents)
            agent = self._agents[i] = Resident(self._model, i)
            self.created += 1
        return agent

    def __iter__(self) -> Iterator[Resident]:
        for i in range(len(self)):
            yield self[i]


class KaiCityModel(mesa.Model):
    """A smart-city or AI-city run.

    Parameters
    ----------
    scenario
        A :class:`~kaicity.scenario.Scenario` or the path of a scenario YAML file.
    seed
        Overrides the scenario's seed.
    city
        A prepared City (default: built from the scenario's ``city`` section, cached).
    overrides
        Dotted-path overrides applied to the scenario, e.g. ``{"population.residents": 2000}``.

    Attributes
    ----------
    population, needs, log
        Per-agent arrays, the needs of the horizon, and what happened to each need.
    residents : LazyResidents
        The Resident agents, made on first use (see :class:`LazyResidents`).
    now : float
        Simulation time in seconds since the start (clock hour ``start_hour``).
    """

    def __init__(self, scenario: Scenario | str | Path, *, seed: int | None = None, city: City | None = None,
                 overrides: dict | None = None) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if overrides:
            scenario = scenario.with_overrides(overrides)
        self.scenario = scenario
        self.run_seed = check_seed(scenario.seed if seed is None else seed)
        super().__init__(seed=self.run_seed)
        sim = scenario.simulation
        self.tick_s = float(sim.tick_minutes) * 60.0
        self.start_hour = float(sim.start_hour)
        self.days = int(sim.days)
        self.horizon_s = self.days * DAY_S
        self.now = 0.0
        self.city = city if city is not None else city_for(scenario)
        if self.city.walk.n_nodes == 0:
            raise SimulationError("the city has no walkable nodes")
        #: one line per request the model adjusted (see :meth:`warn`); summary.json's ``warnings``
        self.warnings: list[str] = []
        #: capacities as simulated (after population.scale): summary.json's ``simulated``
        self.simulated: dict = {}

        self.population, self.population_report = synthesize_population(
            self.city.walk.zone, scenario.population, self.run_seed)
        pop = self.population
        self.needs = generate_needs(pop.group, rate_matrix(scenario.needs.daily_rate),
                                    profile_matrix(scenario.needs.hourly_profile, scenario.needs.category_profile),
                                    self.days, self.start_hour, self.run_seed)
        self.expiry_s = float(scenario.needs.expiry_h) * 3600.0
        self.retry_s = float(scenario.needs.retry_min) * 60.0
        self._build_channels()
        self._check_facility_counts()
        self._build_places()
        self._build_training()
        self._build_transit()
        self.residents = LazyResidents(self, pop.n)
        self.log = NeedLog(len(self.needs) + len(self.training_time))
        self._events: list[tuple[float, int, int, int]] = []
        self._seq = 0
        self._next_need = 0
        self._next_training = 0
        self._deferred: dict[int, list[int]] = {}
        self._trip_travel = np.full(self.log.n, np.nan)
        #: walking time home from each trip's place (the way home when a ride home is rejected)
        self._fallback_home_s = np.full(self.log.n, np.inf)
        self._return_asked = np.full(self.log.n, np.nan)
        #: every arrival at a place: (trip, place index, arrival time, served)
        self.visits: list[tuple[int, int, float, bool]] = []
        self._used_today = np.zeros(pop.n, dtype=bool)
        self._build_counters()
        self.datacollector = mesa.DataCollector(model_reporters=timeseries_reporters(self))
        self.running = True
        self.datacollector.collect(self)

    # ------------------------------------------------------------ building
    def warn(self, message: str) -> None:
        """Report a request the model could not meet exactly: a :class:`KaicityWarning` and a
        line in :attr:`warnings` (written to ``summary.json`` and ``report.md``)."""
        if message not in self.warnings:
            self.warnings.append(message)
            warnings.warn(message, KaicityWarning, stacklevel=2)

    def _warn_scaled(self, key: str, asked: int, simulated: int, unit: str, extra: str = "",
                     force: bool = False) -> None:
        """Warn when a count divided by ``population.scale`` stands for > 20% more or less than asked
        (or always with ``force``); ``extra`` is appended to the one-line message."""
        scale = self.population.scale
        real = simulated * scale
        if force or abs(real - asked) > 0.2 * asked:
            self.warn(f"{key}: {asked:,} {unit} at population.scale {scale:g} are simulated as {simulated:,} "
                      f"(the count divided by the scale, at least 1), i.e. {real:,.0f} real {unit}; "
                      "use a multiple of the scale or a smaller scale" + extra)

    def _check_facility_counts(self) -> None:
        """Warn for each category whose requested synthetic facility count was not met."""
        asked = self.scenario.city.explicit_facility_counts or {}
        fac = self.city.facilities
        if not asked or "source" not in fac.columns:
            return
        for cat, n in asked.items():
            got = int(((fac["category"] == cat) & (fac["source"] == "synthetic")).sum())
            if 0 < got < n:
                self.warn(f"city.facility_counts.{cat}: {n:,} facilities requested but only {got:,} placed "
                          f"(one per walk node; the city has {self.city.walk.n_nodes:,})")

    def _build_channels(self) -> None:
        """The two remote channels (same rules, their own parameters) and the residents' traits."""
        sc = self.scenario
        self.remote = {
            Channel.AI_REMOTE: RemoteService(Channel.AI_REMOTE, sc.ai_services, self.horizon_s, self.start_hour,
                                             self.run_seed),
            Channel.ONLINE: RemoteService(Channel.ONLINE, sc.online_services, self.horizon_s, self.start_hour,
                                          self.run_seed),
        }
        self.traits = draw_traits(self.population.n, self.run_seed)
        self.u_resolve = resolution_draws(len(self.needs), self.run_seed)
        self.excluded = np.zeros(len(self.needs), dtype=np.uint8)
        #: needs whose visitor a closed or full support centre turned away (they went on)
        self.centre_turned_away: list[int] = []
        self.ai_uses = np.zeros(len(CATEGORIES), dtype=np.int64)
        self.online_uses = np.zeros(len(CATEGORIES), dtype=np.int64)

    def _build_places(self) -> None:
        sc, city = self.scenario, self.city
        fac = sc.facilities
        self.max_queue_s = float(fac.max_queue_min) * 60.0
        self.places: list[ServiceFacility] = []
        self.facility_access: list[PlaceAccess] = []
        for cat in CATEGORIES:
            rows = city.facilities_of(cat)
            service_min = float(by_key(fac.service_min, cat))
            # real servers; the facility serves agents at 1/scale of their rate (queues.scaled_pool)
            servers = servers_for_capacity(float(by_key(fac.capacity_per_hour, cat)), service_min)
            hours = tuple(float(h) for h in by_key(fac.opening_hours, cat))
            self.simulated.setdefault("facility_servers", {})[cat] = self._pool_note(servers, service_min)
            ids, wn, dn = [], [], []
            for row in rows.itertuples(index=False):
                agent = ServiceFacility(self, cat, row.node, row.drive_node, servers, service_min, hours,
                                        str(row.name), scale=self.population.scale)
                self.places.append(agent)
                if agent.is_open_for_service:
                    ids.append(len(self.places) - 1)
                    wn.append(row.node)
                    dn.append(row.drive_node)
            self.facility_access.append(PlaceAccess(city, np.array(wn), np.array(dn), np.array(ids)))
        centres = sc.support_centres
        self.simulated["support_centre_staff"] = self._pool_note(int(centres.staff), float(centres.session_min))
        self.support_centres: list[AISupportCentre] = []
        nodes = place_support_centres(city, self.population, int(centres.count), str(centres.placement),
                                      stream(self.run_seed, "support_centres"), warn=self.warn)
        ids, wn, dn = [], [], []
        for k, node in enumerate(nodes):
            agent = AISupportCentre(self, int(node), int(city.walk_to_drive[node]), int(centres.staff),
                                    float(centres.session_min), tuple(float(h) for h in centres.opening_hours),
                                    float(centres.literacy_gain), name=f"AI support centre {k + 1}",
                                    scale=self.population.scale)
            self.places.append(agent)
            self.support_centres.append(agent)
            if agent.is_open_for_service:
                ids.append(len(self.places) - 1)
                wn.append(agent.node)
                dn.append(agent.drive_node)
        self.centre_access = PlaceAccess(city, np.array(wn), np.array(dn), np.array(ids))
        self.has_support_centres = not self.centre_access.empty

    def _pool_note(self, servers: int, service_min: float) -> dict:
        """Real and simulated servers of one place and the minutes an agent holds a server."""
        k, occupancy_s = scaled_pool(servers, service_min * 60.0, self.population.scale)
        return {"real": servers, "simulated": k, "agent_occupancy_min": occupancy_s / 60.0}

    def _build_training(self) -> None:
        """Voluntary training visits to support centres (drawn from their own random stream)."""
        rates = np.array([float(by_key(self.scenario.support_centres.training_rate_per_day, g)) for g in GROUPS])
        pop = self.population
        if not self.has_support_centres or rates.sum() == 0:
            self.training_time = np.zeros(0)
            self.training_resident = np.zeros(0, dtype=np.int32)
            return
        rng = stream(self.run_seed, "training")
        counts = rng.poisson(rates[pop.group] * self.days)
        resident = np.repeat(np.arange(pop.n, dtype=np.int32), counts)
        hours = self.scenario.support_centres.opening_hours
        day = rng.integers(0, self.days, size=len(resident))
        clock = day * DAY_S + rng.uniform(float(hours[0]), float(hours[1]) - 1.0, size=len(resident)) * 3600.0
        t = clock - self.start_hour * 3600.0
        t = np.where(t < 0, t + self.horizon_s, t)
        order = np.argsort(t, kind="stable")
        self.training_time = t[order]
        self.training_resident = resident[order]

    def _build_transit(self) -> None:
        sc = self.scenario
        self.transit_services: list[TransitService] = []
        self.bus = None
        self.drt = None
        self.drt_vehicles: list[DRTVehicle] = []
        max_walk = float(max(by_key(sc.population.walk_tolerance_min, g) for g in GROUPS)) * 60.0 * 2.0
        scale = self.population.scale
        if sc.transit.bus.enabled:
            bus_cfg = sc.transit.bus
            # one agent is `scale` riders: a run holds capacity/scale agents on average (as in MATSim)
            self.bus = BusNetwork(self.city, bus_cfg, self.horizon_s, self.start_hour, max_walk_m=max_walk,
                                  scale=scale)
            self.simulated["bus_seats_per_run"] = float(bus_cfg.capacity) / scale
            self.bus.coverage_homes = self.population.home
            if self.bus.lines_built < self.bus.lines_requested:
                key = "transit.bus.n_lines" if bus_cfg.lines == "auto" else "transit.bus.lines"
                self.warn(f"{key}: {self.bus.lines_requested:,} bus lines requested but only "
                          f"{self.bus.lines_built:,} could be built on this street network")
            self.transit_services.append(self.bus)
            self.buses = [FixedRouteBus(self, self.bus, pi, k) for pi, p in enumerate(self.bus.patterns)
                          for k in range(len(p.run_starts))]
        if sc.transit.drt.enabled:
            self._build_drt(scale)
        self.transit_by_mode = {svc.mode: svc for svc in self.transit_services}

    def _build_drt(self, scale: float) -> None:
        """The DRT service (the fleet shrinks with the sample) and a Mesa agent per van.

        Below :data:`DRT_MIN_SIMULATED_FLEET` simulated vans pooling and waits no longer behave
        like the real fleet's: the run says so in its warnings (report.md and summary.json).
        """
        drt_cfg = self.scenario.transit.drt
        vehicles = int(drt_cfg.vehicles)
        if scale != 1.0:  # the fleet shrinks with the sample; report what was simulated
            vehicles = max(1, round(drt_cfg.vehicles / scale))
            small = vehicles < DRT_MIN_SIMULATED_FLEET
            self._warn_scaled("transit.drt.vehicles", int(drt_cfg.vehicles), vehicles, "vehicles", force=small,
                              extra=(f"; below {DRT_MIN_SIMULATED_FLEET} simulated vans pooling and waits do not "
                                     "behave like the real fleet: DRT results of this run are NOT representative"
                                     if small else ""))
            drt_cfg = drt_cfg.model_copy(update={"vehicles": vehicles})
        self.population_report["drt_vehicles_simulated"] = vehicles
        self.simulated["drt_vehicles"] = vehicles
        self.drt = DRTService(self.city, drt_cfg, horizon_s=self.horizon_s, start_hour=self.start_hour,
                              rng=stream(self.run_seed, "drt"), people=float(self.scenario.population.people),
                              homes=self.population.home, population_scale=float(self.population.scale))
        self.drt_vehicles = [DRTVehicle(self, van) for van in self.drt.vehicles]
        self.transit_services.append(self.drt)

    def _build_counters(self) -> None:
        n_groups = len(GROUPS)
        self.n_arisen = 0
        self.met_by_delivery = np.zeros((len(DELIVERIES), n_groups), dtype=np.int64)
        self.forgone_by_group = np.zeros(n_groups, dtype=np.int64)
        self.tts_sum_by_group = np.zeros(n_groups)
        self.training_visits = np.zeros(n_groups, dtype=np.int64)
        self.ai_energy_wh = 0.0

    # ------------------------------------------------------------- helpers
    @property
    def n_needs(self) -> int:
        """Number of service needs in the horizon (training visits excluded)."""
        return len(self.needs)

    @property
    def clock_hour(self) -> float:
        """Clock hour of day at the current time."""
        return ((self.now / 3600.0) + self.start_hour) % 24.0

    def owner(self, trip: int) -> int:
        """Resident index of a need or training trip."""
        if trip < self.n_needs:
            return int(self.needs.resident[trip])
        return int(self.training_resident[trip - self.n_needs])

    def is_training(self, trip: int) -> bool:
        """True for voluntary training visits (not service needs)."""
        return trip >= self.n_needs

    def _push(self, time: float, kind: int, item: int) -> None:
        heapq.heappush(self._events, (time, self._seq, kind, item))
        self._seq += 1

    # ------------------------------------------------ called by agents
    def defer(self, resident: Resident, trip: int) -> None:
        """Hold a need until ``resident`` is home again."""
        self._deferred.setdefault(resident.index, []).append(trip)

    def depart(self, resident: Resident, trip: int, channel: Channel, mode: Mode, place: int, now: float,
               travel_s: float, fallback_home_s: float = math.inf) -> None:
        """``resident`` leaves for ``place``; with a known travel time its arrival is scheduled.

        ``fallback_home_s`` is how long walking home from the place takes (``inf`` when not
        walkable), used when a ride home is rejected.
        """
        self.log.plan(trip, channel, mode, place, now)
        self._fallback_home_s[trip] = fallback_home_s
        self._trip_travel[trip] = np.nan  # a need tried again starts afresh
        for times in (self.log.travel_s, self.log.wait_s, self.log.in_vehicle_s, self.log.walk_s):
            times[trip] = np.nan
        resident.busy_until = math.inf
        if math.isfinite(travel_s):
            self._trip_travel[trip] = travel_s
            self.log.travel_s[trip] = travel_s
            self._push(now + travel_s, _ARRIVE, trip)

    def arisen(self, trip: int) -> float:
        """When the need (or training wish) behind ``trip`` arose."""
        if trip < self.n_needs:
            return float(self.needs.time[trip])
        return float(self.training_time[trip - self.n_needs])

    def next_open(self, place: int, t: float) -> float:
        """Earliest time >= ``t`` at which place ``place`` is open."""
        return self.places[place].queue.next_open(t)

    def retry_later(self, trip: int, time: float, reason: str, now: float) -> None:
        """Put ``trip`` off to ``time`` (the resident decides again then), or forgo it for ``reason``
        when that is after the need's expiry (``needs.expiry_h``)."""
        if expires(self.arisen(trip), time, self.expiry_s):
            self.forgo(trip, reason, now)
            return
        self.log.retries[trip] += 1
        self._push(time, _NEED, trip)

    def wait_for_opening(self, trip: int, now: float, arrival: float, place: int) -> None:
        """The trip would reach ``place`` at ``arrival`` while it is closed: set off later so as to
        arrive just after it opens (the resident waits at home meanwhile)."""
        opens = self.next_open(place, arrival)
        self.retry_later(trip, departure_for_opening(now, arrival, opens), "closed", now)

    def fail(self, trip: int, raw_reason: str, now: float) -> None:
        """No channel could be tried: forgo at once for a lasting reason, else try again
        ``needs.retry_min`` later (:func:`~kaicity.services.visits.classify_mode_failure`)."""
        reason, retry = classify_mode_failure(raw_reason)
        if retry and not self.is_training(trip):
            self.retry_later(trip, now + self.retry_s, reason, now)
        else:
            self.forgo(trip, reason, now)

    def forgo(self, trip: int, reason: str, now: float) -> None:
        """The need behind ``trip`` is given up (``reason`` from :data:`FORGONE_REASONS`)."""
        assert reason in FORGONE_REASONS, reason
        self.log.forgone(trip, reason)
        if not self.is_training(trip):
            self.forgone_by_group[self.population.group[self.owner(trip)]] += 1

    def resolve_remotely(self, need: int, channel: Channel, now: float, end: float) -> None:
        """``need`` is resolved by the AI or online channel from home, the session ending at ``end``."""
        cat = int(self.needs.category[need])
        (self.ai_uses if channel is Channel.AI_REMOTE else self.online_uses)[cat] += 1
        wait = end - now
        self.log.plan(need, channel, Mode.NONE, -1, now)
        self.log.met(need, now, end, end)
        self.log.travel_s[need] = 0.0
        self.log.wait_s[need] = wait
        self._count_met(need, channel.value, end - self.needs.time[need])

    def remote_session(self, need: int, channel: Channel, now: float) -> tuple[bool, float]:
        """Run a remote session for ``need`` (AI or online, from home) starting at the channel's next
        opening; returns whether it resolved the need and when it ended."""
        svc = self.remote[channel]
        cat = int(self.needs.category[need])
        start = svc.next_start(now)
        end = start + svc.session_s(cat)
        if channel is Channel.AI_REMOTE:
            self.ai_energy_wh += float(self.scenario.ai_services.energy_wh_per_use)
        self._used_today[self.owner(need)] = True
        return svc.works(cat, start, float(self.u_resolve[need])), end

    def escalate(self, need: int, exclude: int, time: float) -> None:
        """``need`` failed on a channel: exclude it and let the resident choose again at ``time`` (from home)."""
        self.excluded[need] |= exclude
        self._push(time, _NEED, need)

    def turn_back(self, resident: Resident, need: int, time: float) -> None:
        """``resident``, turned away at ``time`` and unable to go on, goes home by the way that brought
        them (:meth:`_leave`); ``need`` is chosen for again once they are home."""
        self.defer(resident, need)
        self._leave(need, time)

    def restart_trip(self, trip: int) -> None:
        """Clear the times of a failed attempt of ``trip`` before the resident tries another place
        (the last leg's travel time stays: it times the way home if no other place is tried)."""
        for arr in (self.log.travel_s, self.log.wait_s, self.log.in_vehicle_s, self.log.walk_s,
                    self.log.t_arrive, self.log.t_start, self.log.t_end):
            arr[trip] = np.nan

    def _count_met(self, need: int, delivery: str, tts: float) -> None:
        g = self.population.group[self.owner(need)]
        self.met_by_delivery[DELIVERIES.index(delivery), g] += 1
        self.tts_sum_by_group[g] += tts

    # -------------------------------------------------------------- events
    def _arrive(self, trip: int, time: float) -> None:
        resident = self.residents[self.owner(trip)]
        place_index = int(self.log.place[trip])
        place = self.places[place_index]
        travel = self._trip_travel[trip]
        if not math.isfinite(travel):
            travel = time - self.log.t_depart[trip]
            self._trip_travel[trip] = travel
        admitted = place.admit(time, self.max_queue_s)
        self.visits.append((trip, place_index, time, admitted is not None))
        centre_need = isinstance(place, AISupportCentre) and not self.is_training(trip)
        if admitted is None and centre_need:
            # a full centre: the visitor goes on to a facility (or home, to choose again)
            resident.busy_until = math.inf
            self.excluded[trip] |= EXCLUDE_CENTRE
            self.centre_turned_away.append(trip)
            self.restart_trip(trip)
            resident.go_on(trip, time, place.node)
            return
        if admitted is None:
            self.log.t_arrive[trip] = time
            self._leave(trip, time)
            if self.is_training(trip):
                self.forgo(trip, "queue_full", time)
            else:  # turned away: home, and try again later
                self.retry_later(trip, time + self.retry_s, "queue_full", time)
            return
        start, end = admitted
        self.log.met(trip, time, start, end)
        if isinstance(place, AISupportCentre):
            training = self.is_training(trip)
            resident.literacy = place.teach(resident.literacy, training=training)
            self._used_today[resident.index] = True
            if training:
                self.training_visits[self.population.group[resident.index]] += 1
            elif not self.remote[Channel.AI_REMOTE].works(int(self.needs.category[trip]), start,
                                                          float(self.u_resolve[trip])):
                # the assisted AI session did not resolve the need: on to a facility after it
                self.ai_energy_wh += float(self.scenario.ai_services.energy_wh_per_use)
                resident.busy_until = math.inf
                self.excluded[trip] |= EXCLUDE_AI | EXCLUDE_CENTRE
                self.restart_trip(trip)
                self.log.outcome[trip] = 0
                resident.go_on(trip, end, place.node)
                return
            else:
                self.ai_energy_wh += float(self.scenario.ai_services.energy_wh_per_use)
                self._count_met(trip, Channel.SUPPORT_CENTRE.value, start - self.needs.time[trip])
        else:
            self._count_met(trip, MODE_NAMES[int(self.log.mode[trip])],
                            start - self.needs.time[trip])
        self._leave(trip, end)

    # ------------------------------------------------------------ way home
    def _leave(self, trip: int, time: float) -> None:
        """The visit of ``trip`` is over at ``time``: the way home by the mode that brought the resident.

        Walkers and drivers are home after the outbound travel time again; transit riders book a
        ride home (:meth:`_ride_home`).
        """
        mode = Mode(MODE_NAMES[int(self.log.mode[trip])])
        self.residents[self.owner(trip)].busy_until = math.inf
        if mode in (Mode.BUS, Mode.DRT):
            self._return_asked[trip] = time
            self._ride_home(trip, time)
        else:
            self._home(trip, time + float(self._trip_travel[trip]), mode)

    def _ride_home(self, trip: int, time: float) -> None:
        """Book the way home of a transit rider (a request like any other, competing for seats and vans).

        When every service rejects it, the resident asks again ``needs.retry_min`` later while
        waiting is still shorter than walking home; otherwise walks (or, when home is not walkable,
        gets a lift as long as the way out, counted as ``car``).
        """
        resident = self.residents[self.owner(trip)]
        p = self.population
        place = self.places[int(self.log.place[trip])]
        request = TripRequest(self.log.n + trip, resident.index, place.node, resident.home, time,
                              resident.walking_speed, resident.walking_speed * p.walk_tolerance_s[resident.index])
        quotes = [(svc.quote(request), svc) for svc in self.transit_services if resident.considers(svc.mode)]
        offers = sorted(((q.arrive_time, svc.mode, svc) for q, svc in quotes if q.accepted), key=lambda o: o[:2])
        rejected = sorted({q.reason for q, _ in quotes if not q.accepted and q.reason})
        for _, mode, svc in offers:
            booking = svc.book(request)
            if booking.accepted:
                self.log.ret_mode[trip] = MODE_CODE[Mode(mode)]
                return
            rejected.append(str(booking.reason))
        waited = time - float(self._return_asked[trip])
        walk = float(self._fallback_home_s[trip])
        mode = Mode.WALK if math.isfinite(walk) else Mode.CAR  # not walkable: a lift as long as the way out
        fallback = walk if mode is Mode.WALK else float(self._trip_travel[trip])
        if keep_waiting_for_ride(waited, self.retry_s, fallback):
            self._push(time + self.retry_s, _RETURN, trip)
            return
        note = ("walked:" if mode is Mode.WALK else "lift:") + (",".join(sorted(set(rejected))) or "no_service")
        self._home(trip, time + fallback, mode, note)

    def _home(self, trip: int, t_home: float, mode: Mode, note: str = "") -> None:
        """The resident of ``trip`` is home at ``t_home``."""
        resident = self.residents[self.owner(trip)]
        self.log.went_home(trip, mode, t_home, note)
        resident.busy_until = t_home
        self._push(t_home, _FREE, resident.index)

    def _free(self, index: int, time: float) -> None:
        resident = self.residents[index]
        if resident.busy_until > time:
            return
        pending = self._deferred.pop(index, [])
        for trip in pending:
            self._dispatch_trip(trip, time)

    def _dispatch_trip(self, trip: int, time: float) -> None:
        resident = self.residents[self.owner(trip)]
        if self.is_training(trip):
            resident.handle_training(trip, time)
        else:
            resident.handle_need(trip, time)

    def _process_until(self, t_end: float) -> None:
        events = self._events
        while events and events[0][0] < t_end:
            time, _, kind, item = heapq.heappop(events)
            if kind == _NEED or kind == _TRAINING:
                self._dispatch_trip(item, time)
            elif kind == _ARRIVE:
                self._arrive(item, time)
            elif kind == _RETURN:
                self._ride_home(item, time)
            else:
                self._free(item, time)

    def step(self) -> None:
        """Advance the simulation by one tick."""
        interrupts.check()  # a Ctrl-C or SIGTERM whose exception Python dropped is raised here
        if self.now >= self.horizon_s:
            self.running = False
            return
        t_end = min(self.now + self.tick_s, self.horizon_s)
        times = self.needs.time
        i = self._next_need
        j = int(np.searchsorted(times, t_end, side="left"))
        self.n_arisen += j - i
        for need in range(i, j):
            self._push(float(times[need]), _NEED, need)
        self._next_need = j
        k = self._next_training
        kt = int(np.searchsorted(self.training_time, t_end, side="left"))
        for trip in range(k, kt):
            self._push(float(self.training_time[trip]), _TRAINING, self.n_needs + trip)
        self._next_training = kt
        self._process_until(t_end)
        for svc in self.transit_services:
            for arrival in svc.advance(t_end):
                if arrival.trip_id >= self.log.n:  # a ride home
                    trip = arrival.trip_id - self.log.n
                    self.log.return_legs(trip, arrival.wait_s, arrival.in_vehicle_s, arrival.walk_s)
                    self._home(trip, arrival.time, Mode(svc.mode))
                    continue
                self.log.legs(arrival.trip_id, arrival.wait_s, arrival.in_vehicle_s, arrival.walk_s)
                self._trip_travel[arrival.trip_id] = arrival.time - self.log.t_depart[arrival.trip_id]
                self._push(max(arrival.time, self.now), _ARRIVE, arrival.trip_id)
        self._process_until(t_end)
        if math.floor(t_end / DAY_S) > math.floor(self.now / DAY_S) or t_end >= self.horizon_s:
            self._end_of_day()
        self.now = t_end
        self.datacollector.collect(self)
        if self.now >= self.horizon_s:
            self.running = False

    def _end_of_day(self) -> None:
        decay(self.population.literacy, self.population.literacy0,
              float(self.scenario.learning.decay_per_day), self._used_today)
        self._used_today[:] = False

    def run(self, progress: bool = False) -> KaiCityModel:
        """Step to the horizon (with a progress bar when ``progress``); returns self."""
        n_ticks = int(math.ceil((self.horizon_s - self.now) / self.tick_s))
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_ticks, desc=self.scenario.name, unit="tick", leave=False)
        while self.running:
            self.step()
            if progress:
                bar.update(1)
        if progress:
            bar.close()
        return self

