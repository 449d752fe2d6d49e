"""Need records (:mod:`kaicity.services.records`): state transitions of one need and the code tables."""

from __future__ import annotations

import numpy as np
import pytest

from kaicity.services.channel import Channel
from kaicity.services.mode import Mode
from kaicity.services.records import (
    CHANNEL_CODE,
    CHANNEL_NAMES,
    DELIVERIES,
    MODE_CODE,
    MODE_NAMES,
    NeedLog,
    Outcome,
)


def test_a_new_log_is_all_pending_with_no_channel_and_no_times():
    log = NeedLog(4)
    assert np.all(log.outcome == Outcome.PENDING)
    assert np.all(log.channel == -1) and np.all(log.mode == MODE_CODE[Mode.NONE]) and np.all(log.place == -1)
    for times in (log.t_depart, log.t_arrive, log.t_start, log.t_end, log.wait_s, log.travel_s):
        assert np.isnan(times).all()
    assert log.reason == {}


def test_planned_then_met_facility_trip_records_travel_from_departure_to_arrival():
    log = NeedLog(3)
    log.plan(1, Channel.FACILITY, Mode.WALK, place=7, depart=100.0)
    assert log.outcome[1] == Outcome.PENDING          # planning alone does not settle a need
    log.met(1, arrive=700.0, start=760.0, end=1660.0)
    assert log.outcome[1] == Outcome.MET
    assert CHANNEL_NAMES[int(log.channel[1])] == "facility" and MODE_NAMES[int(log.mode[1])] == "walk"
    assert log.place[1] == 7
    assert (log.t_arrive[1], log.t_start[1], log.t_end[1]) == (700.0, 760.0, 1660.0)
    assert log.travel_s[1] == 600.0
    assert log.outcome[0] == log.outcome[2] == Outcome.PENDING   # other needs untouched


def test_transit_legs_set_the_travel_time_and_met_keeps_it():
    log = NeedLog(1)
    log.plan(0, Channel.FACILITY, Mode.DRT, place=2, depart=0.0)
    log.legs(0, wait_s=300.0, in_vehicle_s=900.0, walk_s=60.0)
    log.met(0, arrive=1400.0, start=1400.0, end=2000.0)       # arrival includes slack the legs do not
    assert log.travel_s[0] == 1260.0
    assert (log.wait_s[0], log.in_vehicle_s[0], log.walk_s[0]) == (300.0, 900.0, 60.0)


def test_remote_session_without_departure_has_no_travel_time():
    log = NeedLog(1)
    log.met(0, arrive=50.0, start=50.0, end=350.0)
    assert log.outcome[0] == Outcome.MET and np.isnan(log.travel_s[0])


def test_forgone_need_keeps_its_reason_and_optional_arrival():
    log = NeedLog(2)
    log.forgone(0, "too_far")
    log.plan(1, Channel.FACILITY, Mode.BUS, place=3, depart=10.0)
    log.forgone(1, "queue", arrive=900.0)
    assert list(log.outcome) == [Outcome.FORGONE, Outcome.FORGONE]
    assert log.reason == {0: "too_far", 1: "queue"}
    assert np.isnan(log.t_arrive[0]) and log.t_arrive[1] == 900.0
    assert np.isnan(log.t_start).all()


@pytest.mark.parametrize(("codes", "names", "enum"), [
    (CHANNEL_CODE, CHANNEL_NAMES, Channel), (MODE_CODE, MODE_NAMES, Mode),
])
def test_code_tables_are_a_bijection_that_fits_int8(codes, names, enum):
    assert set(codes) == set(enum)
    assert sorted(codes.values()) == list(range(len(enum)))
    assert {names[code]: member for member, code in codes.items()} == {m.value: m for m in enum}
    assert max(codes.values()) < np.iinfo(np.int8).max


def test_deliveries_are_the_travel_modes_and_remote_channels():
    modes = {m.value for m in Mode if m is not Mode.NONE}
    remote = {c.value for c in Channel if c is not Channel.FACILITY}
    assert set(DELIVERIES) == modes | remote and len(DELIVERIES) == len(set(DELIVERIES))
