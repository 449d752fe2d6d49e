"""Per-tick reporters in O(1) or O(changes) (issue 17 item 1): the time series stays identical.

A multi-day ``ai_city`` run (DRT, support centres teaching, daily literacy decay) records its
time series twice at every tick: with the shipped reporters and with the previous, recounting
implementations kept below as references.  The two CSVs must be byte-identical, and the
incremental counters must equal a recount after every tick.
"""

from __future__ import annotations

import pickle
from collections import Counter

import mesa
import numpy as np
import pytest

from kaicity.metrics.inclusion import elderly_able_share
from kaicity.metrics.timeseries import ELDERLY, timeseries_reporters
from kaicity.model import KaiCityModel
from kaicity.scenario import load_scenario
from kaicity.services.drt.log import REASONS, DRTLog, TripOutcomes
from kaicity.services.population import TrackedArray
from kaicity.services.until import UntilArray

SMALL = {
    "city.n_nodes": 1500,
    "population.residents": 2500,
    "simulation.days": 3,
    "simulation.tick_minutes": 10.0,
    "transit.drt.vehicles": 3,
    "transit.drt.uptake": 1.0,  # many requests on few vans: rejections for drt_rejected to count
    "learning.decay_per_day": 0.2,  # a decay that moves literacy every night
    "support_centres.assisted_literacy_gain": 0.08,  # assisted sessions teach too: literacy moves by day
    "ai_services.share": {"healthcare": 0.35, "education": 0.5, "welfare": 0.6, "daily": 0.3},  # the optimistic
    "ai_services.literacy_required": 0.45,  # ends of their ranges: many assisted sessions, so centres teach
}


# --- the previous implementations (references) -------------------------------------------------

def _old_literacy_elderly_mean(m) -> float:
    pop = m.population
    eld = np.asarray(pop.group) == ELDERLY
    return float(np.asarray(pop.literacy)[eld].mean()) if eld.any() else np.nan


def _old_able_ai_elderly_share(m) -> float:
    return elderly_able_share(m, np.asarray(m.population.literacy))


def _old_drt_rejected(m) -> int:
    return sum(1 for s in m.drt.log.trips.values() if s in REASONS)


def _old_away_from_home(m) -> int:
    return int((np.asarray(m.population.busy_until) > m.now).sum())


OLD = {"literacy_elderly_mean": _old_literacy_elderly_mean, "able_ai_elderly_share": _old_able_ai_elderly_share,
       "drt_rejected": _old_drt_rejected, "away_from_home": _old_away_from_home}


class _Both:
    """Stands in for the model's DataCollector: collects with the new and the old reporters."""

    def __init__(self, new: mesa.DataCollector, old: mesa.DataCollector) -> None:
        self.new, self.old, self.ticks, self.literacy_writes = new, old, 0, 0
        self._last_version = None

    def collect(self, model) -> None:
        self.new.collect(model)
        self.old.collect(model)
        self.ticks += 1
        version = model.population.literacy.version
        self.literacy_writes += self._last_version is not None and version != self._last_version
        self._last_version = version
        # the counters equal a recount after every tick
        assert model.drt.log.n_rejected == _old_drt_rejected(model)
        assert model.drt.log.trips.n_rejected == sum(Counter(model.drt.log.trips.values())[r] for r in REASONS)

    def get_model_vars_dataframe(self):
        return self.new.get_model_vars_dataframe()


@pytest.fixture(scope="module")
def both(root):
    scenario = load_scenario(root / "scenarios" / "ai_city.yaml").with_overrides(SMALL)
    model = KaiCityModel(scenario)
    new = model.datacollector
    reporters = dict(timeseries_reporters(model))
    reporters.update(OLD)
    old = mesa.DataCollector(model_reporters=reporters)
    old.collect(model)  # the build's first row, as the model's own collector has it
    model.datacollector = _Both(new, old)
    model.run()
    return model, new.get_model_vars_dataframe(), old.get_model_vars_dataframe()


def test_timeseries_csv_is_byte_identical_to_the_recounting_reporters(both, tmp_path) -> None:
    model, new, old = both
    assert list(new.columns) == list(old.columns)
    new.to_csv(tmp_path / "new.csv")
    old.to_csv(tmp_path / "old.csv")
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
    # the run exercised what the reporters track: rejections, teaching or decay, several days
    assert new["drt_rejected"].iloc[-1] > 0
    assert new["literacy_elderly_mean"].nunique() > 1
    assert new["time_h"].iloc[-1] >= 48
    assert new["away_from_home"].nunique() > 10
    # away_from_home was counted from the writes, not recounted: the count was never stale after the build
    assert isinstance(model.population.busy_until, UntilArray) and not model.population.busy_until._count.stale


def test_literacy_is_rewritten_on_few_ticks_only(both) -> None:
    model, new, _ = both
    collector = model.datacollector
    assert collector.ticks == len(new) - 1
    assert 0 < collector.literacy_writes < collector.ticks


def test_the_cached_values_follow_a_write_and_a_decay(both) -> None:
    model, _, _ = both
    reporters = timeseries_reporters(model)
    pop = model.population
    eld = np.flatnonzero(np.asarray(pop.group) == ELDERLY)
    before = reporters["literacy_elderly_mean"](model)
    pop.literacy[eld[0]] = 1.0 - pop.literacy[eld[0]] / 2  # as Resident.literacy's setter writes
    assert reporters["literacy_elderly_mean"](model) == _old_literacy_elderly_mean(model) != before
    np.multiply(pop.literacy, 0.5, out=pop.literacy)  # an in-place ufunc counts as a write too
    assert reporters["literacy_elderly_mean"](model) == _old_literacy_elderly_mean(model)
    assert reporters["able_ai_elderly_share"](model) == _old_able_ai_elderly_share(model)


def test_tracked_array_counts_every_numpy_write() -> None:
    a = TrackedArray(np.zeros(6))
    writes = [lambda: a.__setitem__(1, 2.0), lambda: a.__setitem__(a > 1, 3.0), lambda: a[2:4].__setitem__(0, 1.0),
              lambda: a.__iadd__(1.0), lambda: np.add.at(a, [0, 0], 1.0), lambda: np.copyto(a, 5.0),
              lambda: a.fill(0.0), lambda: np.clip(a, 0, 1, out=a)]
    for write in writes:
        version = a.version
        write()
        assert a.version > version
    version = a.version
    assert isinstance(a + 1, np.ndarray) and not isinstance(a + 1, TrackedArray)
    float(a.mean()), a[a > 0], a.copy()
    assert a.version == version  # reads do not count
    b = pickle.loads(pickle.dumps(a))
    assert isinstance(b, TrackedArray) and np.array_equal(b, a)


def test_trip_outcomes_count_rejections_through_every_write() -> None:
    log = DRTLog(trips={1: "capacity", 2: "booked"})
    t = log.trips
    assert isinstance(t, TripOutcomes) and log.n_rejected == 1
    t[2] = "outside_hours"
    t[1] = "offered"  # a rejection replaced by an offer
    t.update({3: "unreachable", 4: "booked"})
    t.setdefault(5, "same_stop")
    t.setdefault(3, "booked")  # present: unchanged
    assert log.n_rejected == sum(1 for s in t.values() if s in REASONS) == 3
    t.pop(2)
    del t[3]
    assert log.n_rejected == sum(1 for s in t.values() if s in REASONS) == 1
    copy = pickle.loads(pickle.dumps(log))
    assert copy.n_rejected == 1 and dict(copy.trips) == dict(t)
    t.clear()
    assert log.n_rejected == 0


def test_until_array_counts_like_a_recount_through_random_writes() -> None:
    rng = np.random.default_rng(7)
    n = 300
    a = UntilArray(np.full(n, -np.inf))
    now = 0.0
    for step in range(400):
        for _ in range(rng.integers(0, 12)):
            i = int(rng.integers(-n, n))
            kind = rng.random()
            # future and past times, inf (travelling), repeats of the same time, NaN
            a[i] = (np.inf if kind < 0.15 else now + rng.integers(-3, 30) if kind < 0.9
                    else a[i] if kind < 0.97 else np.nan)
        now += float(rng.integers(0, 4))
        assert a.count_after(now) == int((np.asarray(a) > now).sum()), step
    assert not a._count.stale  # every write above was tracked one by one


def test_until_array_recounts_after_untracked_writes_and_a_pickle() -> None:
    a = UntilArray(np.arange(10.0))
    assert a.count_after(3.0) == 6
    writes = [lambda: a.__setitem__(slice(0, 5), 20.0), lambda: a[5:7].__setitem__(0, 50.0),
              lambda: a.__setitem__(a > 20, np.inf), lambda: np.copyto(a, 4.0), lambda: a.fill(30.0),
              lambda: np.minimum(a, 3.5, out=a), lambda: a.copy().__setitem__(0, 99.0)]
    for write in writes:
        write()
        assert a._count.stale
        assert a.count_after(3.0) == int((np.asarray(a) > 3.0).sum())
    assert a.count_after(1.0) == int((np.asarray(a) > 1.0).sum())  # the clock going back recounts
    b = pickle.loads(pickle.dumps(a))
    assert isinstance(b, UntilArray) and np.array_equal(b, a) and b.count_after(1.0) == a.count_after(1.0)
    assert not isinstance(a > 1, UntilArray) and a[:3].count_after(0.0) == 3  # a view counts by recounting
