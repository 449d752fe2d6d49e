"""The K-AI City model: a Mesa model built from a scenario and stepped tick by tick.

Per-resident state lives in numpy arrays (:class:`~kaicity.services.population.Population`);
the needs of the whole horizon are drawn up front (:mod:`kaicity.services.needs`).  Each
tick pushes the needs that arise into an event queue and processes events in time order:
a need (the resident chooses a channel and a mode), an arrival at a place (queue and
service, :mod:`kaicity.model.visits`), a return home.  Residents with nothing to do cost
nothing, so a tick's cost grows with events, not with the population.  Building the model
is :mod:`kaicity.model.build`; what becomes of a need is :mod:`kaicity.model.outcomes`.
"""

from __future__ import annotations

import heapq
import math
import warnings
from pathlib import Path

import mesa
import numpy as np

from kaicity import interrupts
from kaicity.agents import Resident
from kaicity.errors import KaicityWarning, SimulationError
from kaicity.metrics import timeseries_reporters
from kaicity.model import build, outcomes, visits
from kaicity.model.cities import city_for, population_cells_for
from kaicity.model.collector import ColumnCollector
from kaicity.model.constants import ARRIVE, NEED, RETURN, TRAINING
from kaicity.model.residents import LazyResidents
from kaicity.network.city import City
from kaicity.scenario import Scenario, load_scenario
from kaicity.services.channel import Channel
from kaicity.services.learning import decay
from kaicity.services.mode import Mode
from kaicity.services.needs import DAY_S, generate_needs, profile_matrix, rate_matrix
from kaicity.services.population import synthesize_population
from kaicity.services.records import NeedLog, VisitLog


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
        self.run_seed = build.check_seed(scenario.seed if seed is None else seed)
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
            self.city.walk.zone, scenario.population, self.run_seed,
            cells=population_cells_for(scenario, self.city))
        build.warn_population_source(self)
        pop = self.population
        self.needs = generate_needs(pop.group, rate_matrix(scenario.needs.daily_rate),
                                    profile_matrix(scenario.needs.hourly_profile, scenario.needs.category_profile),
                                    self.days, self.start_hour, self.run_seed)
        self.expiry_s = float(scenario.needs.expiry_h) * 3600.0
        self.retry_s = float(scenario.needs.retry_min) * 60.0
        build.build_channels(self)
        build.check_facility_counts(self)
        build.build_places(self)
        build.build_training(self)
        build.build_transit(self)
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
        #: every arrival at a place: (trip, place index, arrival time, served), in columns
        self.visits = VisitLog()
        self._used_today = np.zeros(pop.n, dtype=bool)
        build.build_counters(self)
        self.datacollector = ColumnCollector(timeseries_reporters(self))
        self.running = True
        self.datacollector.collect(self)

    # ------------------------------------------------------------ warnings
    def warn(self, message: str) -> None:
        """Report a request the model could not meet exactly: a :class:`KaicityWarning` and a
        line in :attr:`warnings` (written to ``summary.json`` and ``report.md``)."""
        if message not in self.warnings:
            self.warnings.append(message)
            warnings.warn(message, KaicityWarning, stacklevel=2)

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
            self._push(now + travel_s, ARRIVE, trip)

    def arisen(self, trip: int) -> float:
        """When the need (or training wish) behind ``trip`` arose."""
        if trip < self.n_needs:
            return float(self.needs.time[trip])
        return float(self.training_time[trip - self.n_needs])

    def next_open(self, place: int, t: float) -> float:
        """Earliest time >= ``t`` at which place ``place`` is open."""
        return self.places[place].queue.next_open(t)

    def retry_later(self, trip: int, time: float, reason: str, now: float) -> None:
        """Put ``trip`` off to ``time``, or forgo it past its expiry (:func:`.outcomes.retry_later`)."""
        outcomes.retry_later(self, trip, time, reason, now)

    def wait_for_opening(self, trip: int, now: float, arrival: float, place: int) -> None:
        """Set off later so as to arrive just after ``place`` opens (:func:`.outcomes.wait_for_opening`)."""
        outcomes.wait_for_opening(self, trip, now, arrival, place)

    def fail(self, trip: int, raw_reason: str, now: float) -> None:
        """No channel could be tried: forgo now or try again later (:func:`.outcomes.fail`)."""
        outcomes.fail(self, trip, raw_reason, now)

    def forgo(self, trip: int, reason: str, now: float) -> None:
        """The need behind ``trip`` is given up (:func:`.outcomes.forgo`)."""
        outcomes.forgo(self, trip, reason, now)

    def resolve_remotely(self, need: int, channel: Channel, now: float, end: float) -> None:
        """``need`` is resolved by a remote channel from home (:func:`.outcomes.resolve_remotely`)."""
        outcomes.resolve_remotely(self, need, channel, now, end)

    def remote_session(self, need: int, channel: Channel, now: float) -> tuple[bool, float]:
        """Run a remote session for ``need``: (resolved, end time) (:func:`.outcomes.remote_session`)."""
        return outcomes.remote_session(self, need, channel, now)

    def escalate(self, need: int, exclude: int, time: float) -> None:
        """Exclude a failed channel and choose again at ``time`` (:func:`.outcomes.escalate`)."""
        outcomes.escalate(self, need, exclude, time)

    def turn_back(self, resident: Resident, need: int, time: float) -> None:
        """``resident`` goes home the way they came; ``need`` waits till then (:func:`.visits.turn_back`)."""
        visits.turn_back(self, resident, need, time)

    def restart_trip(self, trip: int) -> None:
        """Clear the times of a failed attempt of ``trip`` (:func:`.outcomes.restart_trip`)."""
        outcomes.restart_trip(self, trip)

    # -------------------------------------------------------------- events
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
            if kind == NEED or kind == TRAINING:
                self._dispatch_trip(item, time)
            elif kind == ARRIVE:
                visits.arrive(self, item, time)
            elif kind == RETURN:
                visits.ride_home(self, item, time)
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
            self._push(float(times[need]), NEED, need)
        self._next_need = j
        k = self._next_training
        kt = int(np.searchsorted(self.training_time, t_end, side="left"))
        for trip in range(k, kt):
            self._push(float(self.training_time[trip]), TRAINING, self.n_needs + trip)
        self._next_training = kt
        self._process_until(t_end)
        for svc in self.transit_services:
            for arrival in svc.advance(t_end):
                if arrival.trip_id >= self.log.n:  # a ride home
                    trip = arrival.trip_id - self.log.n
                    self.log.return_legs(trip, arrival.wait_s, arrival.in_vehicle_s, arrival.walk_s)
                    visits.home(self, trip, arrival.time, Mode(svc.mode))
                    continue
                self.log.legs(arrival.trip_id, arrival.wait_s, arrival.in_vehicle_s, arrival.walk_s)
                self._trip_travel[arrival.trip_id] = arrival.time - self.log.t_depart[arrival.trip_id]
                self._push(max(arrival.time, self.now), ARRIVE, arrival.trip_id)
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
