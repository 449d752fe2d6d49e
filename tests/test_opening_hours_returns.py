"""Opening hours, need-time profiles, retries and forgone reasons, return trips (issue 13, items 4-5).

Behaviour is checked on small runs of the shipped scenarios (a few thousand residents), over
every visit and every trip of the run, not on hand-picked cases.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from kaicity.categories import CATEGORIES
from kaicity.metrics import summarize, trips_frame
from kaicity.metrics.drt import drt_kpis
from kaicity.model import KaiCityModel
from kaicity.services.mode import Mode
from kaicity.services.needs import generate_needs, profile_matrix
from kaicity.services.queues import ServerPool
from kaicity.services.records import MODE_CODE, Outcome
from kaicity.services.visits import (
    FORGONE_REASONS,
    classify_mode_failure,
    departure_for_opening,
    keep_waiting_for_ride,
)

H = 3600.0


def _run(scenario: str, **overrides) -> KaiCityModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KaiCityModel(scenario, overrides=overrides).run()


@pytest.fixture(scope="module")
def ai_3days() -> KaiCityModel:
    """The AI city (buses, DRT, support centres) for three days with 2,500 residents."""
    return _run("scenarios/ai_city.yaml", **{"population.residents": 2500, "simulation.days": 3})


@pytest.fixture(scope="module")
def smart_1day() -> KaiCityModel:
    return _run("scenarios/smart_city.yaml", **{"population.residents": 3000})


# ------------------------------------------------------------------ pure rules
def test_forgone_reasons_of_mode_failures_come_from_the_closed_list():
    assert classify_mode_failure("unreachable") == ("unreachable", False)
    assert classify_mode_failure("too_far") == ("too_far", False)
    assert classify_mode_failure("transit_rejected:no_stop_within_walk") == ("no_transit_in_reach", False)
    assert classify_mode_failure("transit_rejected:no_stop_within_walk,outside_zone") == (
        "no_transit_in_reach", False)
    # a full van or no run at this hour may pass: try again
    assert classify_mode_failure("transit_rejected:capacity,no_stop_within_walk") == ("transit_rejected", True)
    assert classify_mode_failure("transit_rejected:no_run_in_service") == ("transit_rejected", True)
    for raw in ("x", "transit_rejected:", "no_facility"):
        assert classify_mode_failure(raw)[0] in FORGONE_REASONS


def test_departure_for_opening_lands_the_same_trip_at_the_opening():
    pool = ServerPool(1, 600.0, 9.0, 18.0, start_hour=0.0)
    now, travel = 20 * H, 25 * 60.0  # 20:00, a 25-minute trip to a place that closed at 18:00
    depart = departure_for_opening(now, now + travel, pool.next_open(now + travel))
    assert pool.is_open(depart + travel)
    assert depart + travel == pytest.approx(33 * H, abs=2.0)  # 09:00 the next day
    assert not pool.is_open(18 * H) and pool.is_open(9 * H) and pool.is_open(18 * H - 1)


def test_waiting_for_a_ride_home_stops_when_walking_is_quicker():
    assert keep_waiting_for_ride(0.0, 1800.0, 3600.0)
    assert not keep_waiting_for_ride(1800.0, 1800.0, 3600.0)
    assert not keep_waiting_for_ride(0.0, 1800.0, math.inf)


def test_need_times_follow_each_categorys_profile():
    general = np.r_[np.zeros(8), np.ones(12), np.zeros(4)]
    healthcare = np.r_[np.zeros(8), np.ones(4), np.zeros(12)]  # 08-12 h only
    profiles = profile_matrix(general, {"healthcare": healthcare, **{c: None for c in CATEGORIES[1:]}})
    group = np.repeat(np.arange(3), 400).astype(np.int8)
    rates = np.full((len(CATEGORIES), 3), 0.5)
    needs = generate_needs(group, rates, profiles, days=4, start_hour=0.0, seed=3)
    hour = (needs.time / H) % 24
    hc = needs.category == CATEGORIES.index("healthcare")
    assert hc.sum() > 500 and (~hc).sum() > 500
    assert ((hour[hc] >= 8) & (hour[hc] < 12)).all()
    assert ((hour[~hc] >= 8) & (hour[~hc] < 20)).all() and (hour[~hc] >= 12).any()
    # one profile for all categories draws exactly what a shared profile did
    same = generate_needs(group, rates, general, days=4, start_hour=0.0, seed=3)
    tiled = generate_needs(group, rates, profile_matrix(general), days=4, start_hour=0.0, seed=3)
    np.testing.assert_array_equal(same.time, tiled.time)


# ---------------------------------------------------------------- opening hours
def test_no_arrival_at_a_closed_place(ai_3days):
    m = ai_3days
    assert len(m.visits) > 1000
    kinds = {type(m.places[p]).__name__ for _, p, _, _ in m.visits}
    assert kinds == {"ServiceFacility", "AISupportCentre"}
    closed = [(trip, m.places[p].category, (t / H + m.start_hour) % 24) for trip, p, t, _ in m.visits
              if not m.places[p].queue.is_open(t)]
    assert closed == []
    # every recorded arrival of the log (met or turned away) too
    arrived = np.flatnonzero(np.isfinite(m.log.t_arrive) & (m.log.place >= 0))
    assert all(m.places[int(m.log.place[i])].queue.is_open(float(m.log.t_arrive[i])) for i in arrived)


def test_a_need_arising_while_closed_is_met_at_the_next_opening_with_the_wait_counted(ai_3days):
    m = ai_3days
    df = trips_frame(m)
    n = m.n_needs
    met_trip = (m.log.outcome[:n] == Outcome.MET) & (m.log.place[:n] >= 0)
    late = [i for i in np.flatnonzero(met_trip)
            if not m.places[int(m.log.place[i])].queue.is_open(float(m.needs.time[i]))]
    assert len(late) > 20
    for i in late:
        place = m.places[int(m.log.place[i])]
        opens = place.queue.next_open(float(m.needs.time[i]))
        assert m.log.t_depart[i] >= m.needs.time[i]
        assert m.log.t_arrive[i] >= opens
        assert df.loc[i, "time_to_service_min"] * 60.0 >= opens - m.needs.time[i] - 1e-6


# ------------------------------------------------------------- forgone reasons
def test_forgone_needs_have_a_reason_from_the_closed_list_reported_by_group():
    # one 10-hour session per clinic and no queue allowed: most clinic visits are turned away
    m = _run("scenarios/smart_city.yaml", **{
        "population.residents": 1500, "facilities.service_min.healthcare": 600.0,
        "facilities.capacity_per_hour.healthcare": 0.1,
        "facilities.max_queue_min": 0.0, "needs.expiry_h": 6.0})
    df = trips_frame(m)
    forgone = df[df["outcome"] == "forgone"]
    assert set(forgone["reason"]) <= set(FORGONE_REASONS)
    assert (forgone["reason"] == "queue_full").sum() > 5
    assert (df.loc[df["outcome"] != "forgone", "reason"] == "").all()
    expired = forgone[forgone["reason"] == "queue_full"]
    assert (expired["retries"] >= 1).all()  # turned away, retried, then expired
    k = summarize(m, df)
    for block in [k["overall"], *k["by_group"].values(), *k["by_zone"].values()]:
        assert set(block["forgone_by_reason"]) == set(FORGONE_REASONS)
        assert sum(block["forgone_by_reason"].values()) == block["forgone"]
    assert k["by_group"]["elderly"]["forgone_by_reason"]["queue_full"] > 0


def test_needs_are_conserved(ai_3days, smart_1day):
    for m in (ai_3days, smart_1day):
        k = summarize(m)
        for block in [k["overall"], *k["by_group"].values(), *k["by_zone"].values()]:
            assert block["needs"] == block["met"] + block["forgone"] + block["pending"]
        assert k["overall"]["needs"] == m.n_needs * m.population.scale
        # a pending need is one still waiting, travelling or queued at the end, never a lost one
        n = m.n_needs
        pending = m.log.outcome[:n] == Outcome.PENDING
        assert not any(i in m.log.reason for i in np.flatnonzero(pending))


# ---------------------------------------------------------------- return trips
def _outbound(m: KaiCityModel, mode: Mode) -> np.ndarray:
    """Trips served after travelling by ``mode`` and finished before the end of the run."""
    log = m.log
    return np.flatnonzero((log.mode == MODE_CODE[mode]) & (log.outcome == Outcome.MET)
                          & (log.t_end < m.horizon_s - 3 * H))


def test_every_served_transit_trip_has_a_way_home(ai_3days, smart_1day):
    for m, modes in ((ai_3days, (Mode.DRT, Mode.BUS)), (smart_1day, (Mode.BUS,))):
        log = m.log
        for mode in modes:
            trips = _outbound(m, mode)
            assert len(trips) > 5, mode
            assert (log.ret_mode[trips] != MODE_CODE[Mode.NONE]).all()
            assert (log.t_home[trips] >= log.t_end[trips]).all()
            by_transit = trips[np.isin(log.ret_mode[trips], [MODE_CODE[Mode.BUS], MODE_CODE[Mode.DRT]])]
            assert len(by_transit) >= 0.8 * len(trips)
            assert np.isfinite(log.ret_in_vehicle_s[by_transit]).all()
            others = np.setdiff1d(trips, by_transit)  # a rejected ride home: walked or got a lift, noted
            assert all(log.ret_note.get(int(i), "").split(":")[0] in ("walked", "lift") for i in others)


def test_walkers_and_drivers_are_busy_until_home(ai_3days):
    m, log = ai_3days, ai_3days.log
    for mode in (Mode.WALK, Mode.CAR):
        trips = _outbound(m, mode)
        assert len(trips) > 50
        assert (log.ret_mode[trips] == MODE_CODE[mode]).all()
        np.testing.assert_allclose(log.t_home[trips] - log.t_end[trips], log.travel_s[trips])


def test_transit_counts_both_legs(ai_3days, smart_1day):
    m = ai_3days
    drt = drt_kpis(m.drt)
    out_drt = int((m.log.mode == MODE_CODE[Mode.DRT]).sum())
    home_drt = int((m.log.ret_mode == MODE_CODE[Mode.DRT]).sum())
    assert home_drt > 0.8 * out_drt
    booked = sum(1 for status in m.drt.log.trips.values() if status == "booked")
    assert booked == len(m.drt.rides) >= out_drt + home_drt - 5  # rides still booked at the end
    assert len(m.drt.rides) > 1.8 * out_drt
    assert drt["requests"] >= len(m.drt.rides)
    s = smart_1day
    out_bus = int((s.log.mode == MODE_CODE[Mode.BUS]).sum())
    home_bus = int((s.log.ret_mode == MODE_CODE[Mode.BUS]).sum())
    assert s.bus.boardings == out_bus + home_bus
    assert s.bus.boardings > 1.8 * out_bus
