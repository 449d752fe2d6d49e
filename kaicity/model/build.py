"""Building a model from its scenario: remote channels, places, training wishes, transit and counters.

Plain functions called once by :class:`~kaicity.model.KaiCityModel` while it is made; each sets
attributes on the model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from kaicity.agents import AISupportCentre, DRTVehicle, ServiceFacility
from kaicity.categories import CATEGORIES, GROUPS
from kaicity.errors import SimulationError
from kaicity.model.buses import LazyBuses
from kaicity.model.cities import bus_timetable_for
from kaicity.model.constants import DRT_MIN_SIMULATED_FLEET, MAX_SEED
from kaicity.services.access import PlaceAccess
from kaicity.services.bus import BusNetwork
from kaicity.services.channel import Channel
from kaicity.services.drt import DRTService
from kaicity.services.drt.stops import served_walk_mask
from kaicity.services.facility_rows import own_capacity_and_hours
from kaicity.services.learning import training_schedule
from kaicity.services.placement import place_support_centres
from kaicity.services.population import by_key
from kaicity.services.queues import scaled_pool, servers_for_capacity
from kaicity.services.random_streams import stream
from kaicity.services.records import DELIVERIES
from kaicity.services.remote import RemoteService, draw_traits, resolution_draws

if TYPE_CHECKING:
    from kaicity.model.core import KaiCityModel


def check_seed(seed) -> int:
    """Return ``seed`` as an int in 0..2**32-1, else raise a one-line :class:`SimulationError`."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise SimulationError(f"seed {seed!r} is not a whole number in 0..{MAX_SEED}; pass one in that range")
    return int(seed)


def warn_scaled(model: KaiCityModel, key: str, asked: int, simulated: int, unit: str, extra: str = "",
                force: bool = False) -> None:
    """Warn when a count divided by ``population.scale`` stands for > 20% more or less than asked
    (or always with ``force``); ``extra`` is appended to the one-line message."""
    scale = model.population.scale
    real = simulated * scale
    if force or abs(real - asked) > 0.2 * asked:
        model.warn(f"{key}: {asked:,} {unit} at population.scale {scale:g} are simulated as {simulated:,} "
                   f"(the count divided by the scale, at least 1), i.e. {real:,.0f} real {unit}; "
                   "use a multiple of the scale or a smaller scale" + extra)


def check_facility_counts(model: KaiCityModel) -> None:
    """Warn for each category whose requested synthetic facility count was not met."""
    asked = model.scenario.city.explicit_facility_counts or {}
    fac = model.city.facilities
    if not asked or "source" not in fac.columns:
        return
    for cat, n in asked.items():
        got = int(((fac["category"] == cat) & (fac["source"] == "synthetic")).sum())
        if 0 < got < n:
            model.warn(f"city.facility_counts.{cat}: {n:,} facilities requested but only {got:,} placed "
                       f"(one per walk node; the city has {model.city.walk.n_nodes:,})")


def warn_population_source(model: KaiCityModel) -> None:
    """Warn when a population layer's people live in features without a walk node (they are left out)."""
    note = model.population_report.get("population_source")
    if note and note.get("people_left_out"):
        share = note["people_left_out"] / note["people"]
        model.warn(f"population.source: {note['people_left_out']:,.0f} people ({share:.1%}) live in features "
                   f"with no walk node (first: feature {note['first_left_out']}) and are left out; "
                   "clip the layer to the city or load a larger network")
    if note:
        kept = note["people"] - note["people_left_out"]
        people = model.population.n * model.population.scale
        if abs(people - kept) > 0.2 * kept:
            model.warn(f"population.source: the layer houses {kept:,.0f} people on the network but "
                       f"population.residents x scale is {people:,.0f}; set scale to about "
                       f"{kept / model.population.n:,.3g} so totals are real people")


def build_channels(model: KaiCityModel) -> None:
    """The two remote channels (same rules, their own parameters) and the residents' traits."""
    sc = model.scenario
    model.remote = {
        Channel.AI_REMOTE: RemoteService(Channel.AI_REMOTE, sc.ai_services, model.horizon_s, model.start_hour,
                                         model.run_seed),
        Channel.ONLINE: RemoteService(Channel.ONLINE, sc.online_services, model.horizon_s, model.start_hour,
                                      model.run_seed),
    }
    model.traits = draw_traits(model.population.n, model.run_seed)
    model.u_resolve = resolution_draws(len(model.needs), model.run_seed)
    model.excluded = np.zeros(len(model.needs), dtype=np.uint8)
    #: needs whose visitor a closed or full support centre turned away (they went on)
    model.centre_turned_away = []
    model.ai_uses = np.zeros(len(CATEGORIES), dtype=np.int64)
    model.online_uses = np.zeros(len(CATEGORIES), dtype=np.int64)


def build_places(model: KaiCityModel) -> None:
    """The facilities of each category and the AI support centres (Mesa agents), and where each can be reached."""
    sc, city = model.scenario, model.city
    fac = sc.facilities
    model.max_queue_s = float(fac.max_queue_min) * 60.0
    model.places = []
    model.facility_access = []
    for cat in CATEGORIES:
        rows = city.facilities_of(cat)
        service_min = float(by_key(fac.service_min, cat))
        # real servers; the facility serves agents at 1/scale of their rate (queues.scaled_pool)
        servers = servers_for_capacity(float(by_key(fac.capacity_per_hour, cat)), service_min)
        hours = tuple(float(h) for h in by_key(fac.opening_hours, cat))
        model.simulated.setdefault("facility_servers", {})[cat] = pool_note(model, servers, service_min)
        ids, wn, dn = [], [], []
        for row in rows.itertuples(index=False):
            own_servers, own_hours = own_capacity_and_hours(row, service_min, servers, hours)
            agent = ServiceFacility(model, cat, row.node, row.drive_node, own_servers, service_min, own_hours,
                                    str(row.name), scale=model.population.scale)
            model.places.append(agent)
            if agent.is_open_for_service:
                ids.append(len(model.places) - 1)
                wn.append(row.node)
                dn.append(row.drive_node)
        model.facility_access.append(PlaceAccess(city, np.array(wn), np.array(dn), np.array(ids)))
    centres = sc.support_centres
    model.simulated["support_centre_staff"] = pool_note(model, int(centres.staff), float(centres.session_min))
    model.support_centres = []
    nodes = place_support_centres(city, model.population, centres.centres_for(sc.population.people),
                                  str(centres.placement),
                                  stream(model.run_seed, "support_centres"), warn=model.warn)
    ids, wn, dn = [], [], []
    for k, node in enumerate(nodes):
        agent = AISupportCentre(model, int(node), int(city.walk_to_drive[node]), int(centres.staff),
                                float(centres.session_min), tuple(float(h) for h in centres.opening_hours),
                                float(centres.literacy_gain), name=f"AI support centre {k + 1}",
                                scale=model.population.scale,
                                assisted_gain=float(centres.assisted_literacy_gain))
        model.places.append(agent)
        model.support_centres.append(agent)
        if agent.is_open_for_service:
            ids.append(len(model.places) - 1)
            wn.append(agent.node)
            dn.append(agent.drive_node)
    model.centre_access = PlaceAccess(city, np.array(wn), np.array(dn), np.array(ids))
    model.has_support_centres = not model.centre_access.empty


def pool_note(model: KaiCityModel, servers: int, service_min: float) -> dict:
    """Real and simulated servers of one place and the minutes an agent holds a server."""
    k, occupancy_s = scaled_pool(servers, service_min * 60.0, model.population.scale)
    return {"real": servers, "simulated": k, "agent_occupancy_min": occupancy_s / 60.0}


def build_training(model: KaiCityModel) -> None:
    """Voluntary training courses at support centres (drawn from their own random stream)."""
    rates = np.array([float(by_key(model.scenario.support_centres.training_rate_per_day, g)) for g in GROUPS])
    pop = model.population
    if not model.has_support_centres or rates.sum() == 0:
        model.training_time = np.zeros(0)
        model.training_resident = np.zeros(0, dtype=np.int32)
        return
    centres = model.scenario.support_centres
    clock, resident = training_schedule(rates[pop.group], model.days, tuple(centres.opening_hours),
                                        int(centres.course_sessions), int(centres.course_interval_days),
                                        stream(model.run_seed, "training"))
    t = clock - model.start_hour * 3600.0
    t = np.where(t < 0, t + model.horizon_s, t)
    order = np.argsort(t, kind="stable")
    model.training_time = t[order]
    model.training_resident = resident[order]


def build_transit(model: KaiCityModel) -> None:
    """The bus network (a Mesa agent per bus run) and the DRT service, when the scenario enables them."""
    sc = model.scenario
    model.transit_services = []
    model.bus = None
    model.drt = None
    model.drt_vehicles = []
    max_walk = float(max(by_key(sc.population.walk_tolerance_min, g) for g in GROUPS)) * 60.0 * 2.0
    scale = model.population.scale
    if sc.transit.bus.enabled:
        bus_cfg = sc.transit.bus
        # one agent is `scale` riders: a run holds capacity/scale agents on average (as in MATSim)
        timetable = bus_timetable_for(sc, model.city)
        model.bus = BusNetwork(model.city, bus_cfg, model.horizon_s, model.start_hour, max_walk_m=max_walk,
                               scale=scale, timetable=timetable)
        if timetable is not None:
            model.simulated["bus_gtfs"] = dict(timetable.report)
        model.simulated["bus_seats_per_run"] = float(bus_cfg.capacity) / scale
        model.bus.coverage_homes = model.population.home
        if model.bus.lines_built < model.bus.lines_requested:
            key = ("transit.bus.gtfs" if timetable is not None else
                   "transit.bus.n_lines" if bus_cfg.lines == "auto" else "transit.bus.lines")
            model.warn(f"{key}: {model.bus.lines_requested:,} bus lines requested but only "
                       f"{model.bus.lines_built:,} could be built on this street network")
        model.transit_services.append(model.bus)
        model.buses = LazyBuses(model, model.bus)  # one agent per run, made when read
    if sc.transit.drt.enabled:
        build_drt(model, scale)
    model.transit_by_mode = {svc.mode: svc for svc in model.transit_services}


def build_drt(model: KaiCityModel, scale: float) -> None:
    """The DRT service (the fleet shrinks with the sample) and a Mesa agent per van.

    The fleet is ``transit.drt.vehicles`` real vans divided by the scale, or ``vehicles_per_1000``
    per 1,000 residents of the service area (the agents whose home DRT serves: scale cancels).
    When agents are a sample (``population.scale`` > 1) and the simulated fleet is below
    :data:`DRT_MIN_SIMULATED_FLEET` vans, pooling and waits no longer behave like the real (larger)
    fleet's: the run says so in its warnings (report.md and summary.json).  At scale 1 the simulated
    fleet is the real one, however small (a town of 8,000 at Shucle's density has one van), so no
    warning is given.
    """
    drt_cfg = model.scenario.transit.drt
    transit_poor = None
    if model.bus is not None:  # transit-poor: no bus stop within the bus catchment
        transit_poor = model.bus.stop_walk_m() > model.bus.coverage_walk_m
    area = served_walk_mask(model.city, drt_cfg, transit_poor)
    area_agents = int(area[model.population.home].sum())
    model.simulated["drt_area_residents"] = area_agents * scale
    if drt_cfg.vehicles is None:
        vehicles = max(1, round(drt_cfg.per_1000 * area_agents / 1000.0))
        if vehicles < DRT_MIN_SIMULATED_FLEET and scale != 1.0:
            warn_small_fleet(model, "transit.drt.vehicles_per_1000", vehicles, area_agents)
    elif scale != 1.0:  # the fleet shrinks with the sample; report what was simulated
        vehicles = max(1, round(drt_cfg.vehicles / scale))
        small = vehicles < DRT_MIN_SIMULATED_FLEET
        warn_scaled(model, "transit.drt.vehicles", int(drt_cfg.vehicles), vehicles, "vehicles", force=small,
                    extra=f"; {SMALL_FLEET}" if small else "")
    else:
        vehicles = int(drt_cfg.vehicles)
    drt_cfg = drt_cfg.model_copy(update={"vehicles": vehicles, "vehicles_per_1000": None})
    model.population_report["drt_vehicles_simulated"] = vehicles
    model.simulated["drt_vehicles"] = vehicles
    model.drt = DRTService(model.city, drt_cfg, horizon_s=model.horizon_s, start_hour=model.start_hour,
                           rng=stream(model.run_seed, "drt"), people=float(model.scenario.population.people),
                           homes=model.population.home, population_scale=float(model.population.scale),
                           transit_poor=transit_poor)
    model.drt_vehicles = [DRTVehicle(model, van) for van in model.drt.vehicles]
    model.transit_services.append(model.drt)


#: Why a fleet below :data:`DRT_MIN_SIMULATED_FLEET` simulated vans is flagged.
SMALL_FLEET = (f"below {DRT_MIN_SIMULATED_FLEET} simulated vans pooling and waits do not behave like a real fleet: "
               "DRT results of this run are NOT representative")


def warn_small_fleet(model: KaiCityModel, key: str, vehicles: int, area_agents: int) -> None:
    """Warn that a simulated fleet below :data:`DRT_MIN_SIMULATED_FLEET` vans is not representative,
    and say how to fix it."""
    drt = model.scenario.transit.drt
    if drt.vehicles is None:
        need = math.ceil(DRT_MIN_SIMULATED_FLEET * 1000.0 / drt.per_1000)
        fix = (f"simulate at least {need:,} resident agents in the service area (more population.residents "
               "or more transit.drt.zones)")
    else:
        fix = f"give at least {DRT_MIN_SIMULATED_FLEET} vans"
    model.warn(f"{key}: {vehicles} simulated van(s) for {area_agents:,} resident agents of the service area; "
               f"{SMALL_FLEET}; {fix}")


def build_counters(model: KaiCityModel) -> None:
    """The running totals the time series read (needs arisen, met by delivery, forgone, energy)."""
    n_groups = len(GROUPS)
    model.n_arisen = 0
    model.met_by_delivery = np.zeros((len(DELIVERIES), n_groups), dtype=np.int64)
    model.forgone_by_group = np.zeros(n_groups, dtype=np.int64)
    model.tts_sum_by_group = np.zeros(n_groups)
    model.training_visits = np.zeros(n_groups, dtype=np.int64)
    model.ai_energy_wh = 0.0
