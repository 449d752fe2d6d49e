"""Key performance indicators (model.md section 5), by group and zone, plus the time series.

:func:`summarize` turns a finished :class:`~kaicity.model.KaiCityModel` into the
``kpis`` of ``summary.json``; :func:`trips_frame` gives one row per need
(``trips.csv``); :func:`timeseries_reporters` feeds Mesa's DataCollector.
Counts of needs are reported per *person*: agent counts times the population scale.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kaicity.categories import CATEGORIES, GROUP_CODE, GROUPS, ZONES
from kaicity.services.channel import able_probability
from kaicity.services.population import by_key
from kaicity.services.records import CHANNEL_NAMES, DELIVERIES, MODE_NAMES, Outcome
from kaicity.services.visits import FORGONE_REASONS

FIFTEEN_MIN_S = 900.0


def gini(values: np.ndarray) -> float | None:
    """Gini coefficient of non-negative values (0 = equal, 1 = one holds all); None when empty."""
    v = np.sort(np.asarray(values, dtype=float))
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0 or v.sum() == 0:
        return None if n == 0 else 0.0
    cum = np.cumsum(v)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)


def _num(x) -> float | None:
    """JSON-friendly float (None for nan/inf)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# ------------------------------------------------------------------ trips
def trips_frame(model) -> pd.DataFrame:
    """One row per service need: who, where, what, how it was delivered, times and outcome.

    Times are minutes since the start of the run; ``time_to_service_min`` is wait +
    travel + queue until service starts.  Needs served after the horizon count as pending.
    """

    needs, log, pop = model.needs, model.log, model.population
    n = len(needs)
    res = needs.resident
    outcome = log.outcome[:n].copy()
    late = (outcome == Outcome.MET) & (log.t_start[:n] > model.horizon_s)
    outcome[late] = Outcome.PENDING
    channel = np.array([CHANNEL_NAMES.get(int(c), "") for c in log.channel[:n]], dtype=object)
    mode = np.array([MODE_NAMES[int(m)] for m in log.mode[:n]], dtype=object)
    delivery = np.where(channel == "facility", mode, channel)
    tts = (log.t_start[:n] - needs.time) / 60.0
    tts[outcome != Outcome.MET] = np.nan
    queue = (log.t_start[:n] - log.t_arrive[:n]) / 60.0
    return pd.DataFrame({
        "need": np.arange(n),
        "resident": res,
        "group": np.asarray(GROUPS, dtype=object)[pop.group[res]],
        "zone": np.asarray(ZONES, dtype=object)[pop.zone[res]],
        "category": np.asarray(CATEGORIES, dtype=object)[needs.category],
        "channel": channel,
        "mode": mode,
        "delivery": np.where(outcome == Outcome.MET, delivery, ""),
        "outcome": np.asarray(["pending", "met", "forgone"], dtype=object)[outcome],
        "reason": [log.reason.get(i, "") for i in range(n)],
        "t_need_min": needs.time / 60.0,
        "t_depart_min": log.t_depart[:n] / 60.0,
        "t_arrive_min": log.t_arrive[:n] / 60.0,
        "t_start_min": log.t_start[:n] / 60.0,
        "wait_min": log.wait_s[:n] / 60.0,
        "travel_min": log.travel_s[:n] / 60.0,
        "queue_min": queue,
        "time_to_service_min": tts,
        **log.return_columns(n),
    })


def _needs_block(df: pd.DataFrame, scale: float) -> dict:
    """Counts, shares and time-to-service of a subset of needs."""
    n = len(df)
    met = df[df["outcome"] == "met"]
    tts = met["time_to_service_min"].to_numpy(dtype=float)
    by_delivery = met["delivery"].value_counts()
    return {
        "needs": n * scale,
        "met": len(met) * scale,
        "forgone": int((df["outcome"] == "forgone").sum()) * scale,
        "pending": int((df["outcome"] == "pending").sum()) * scale,
        "met_share": _num(len(met) / n) if n else None,
        "unmet_share": _num((df["outcome"] == "forgone").sum() / n) if n else None,
        "time_to_service_min": {
            "mean": _num(tts.mean()) if len(tts) else None,
            "median": _num(np.median(tts)) if len(tts) else None,
            "p95": _num(np.percentile(tts, 95)) if len(tts) else None,
        },
        "met_by_delivery": {k: int(v) * scale for k, v in by_delivery.items()},
        "forgone_by_reason": forgone_by_reason(df, scale),
    }


def forgone_by_reason(df: pd.DataFrame, scale: float) -> dict:
    """Forgone needs per reason of :data:`~kaicity.services.visits.FORGONE_REASONS` (every reason listed)."""
    counts = df.loc[df["outcome"] == "forgone", "reason"].value_counts()
    return {r: int(counts.get(r, 0)) * scale for r in FORGONE_REASONS}


# --------------------------------------------------------------- access
def walk_times(model) -> np.ndarray:
    """Walking time (s) from every resident's home to the nearest open facility, ``[resident, category]``."""
    pop = model.population
    return np.column_stack([acc.walk_m[pop.home] / pop.speed for acc in model.facility_access])


def access_block(model) -> dict:
    """15-minute coverage and index by group and zone, and effective access (AI remote and DRT)."""
    pop, sc = model.population, model.scenario
    wt = walk_times(model)
    within = wt <= FIFTEEN_MIN_S
    ai = sc.ai_services
    able = np.array([able_probability(float(l), float(ai.literacy_required), float(ai.ability_slope))
                     for l in pop.literacy]) if ai.enabled else np.zeros(pop.n)
    share = np.array([float(by_key(ai.share, c)) for c in CATEGORIES]) if ai.enabled else np.zeros(len(CATEGORIES))
    remote = np.outer(able, share)
    effective = np.maximum(within.astype(float), remote)
    if model.drt is not None:
        drt = model.drt.kpis()
        wait = (drt.get("wait_min") or {}).get("mean")
        if wait is not None:
            # door to door by DRT = the run's mean wait + the drive, counted with the probability of acceptance
            accepted = 1.0 - float(drt.get("rejection_rate") or 0.0)
            drive = np.column_stack([acc.car_s[model.city.walk_to_drive[pop.home]] for acc in model.facility_access])
            served = model.drt.serves_zone(pop.zone)
            drt_ok = (drive + wait * 60.0 <= FIFTEEN_MIN_S) & served[:, None]
            effective = np.maximum(effective, drt_ok * accepted)

    def block(mask: np.ndarray) -> dict:
        if not mask.any():
            return {"residents": 0}
        cov = {c: _num(within[mask, i].mean()) for i, c in enumerate(CATEGORIES)}
        eff = {c: _num(effective[mask, i].mean()) for i, c in enumerate(CATEGORIES)}
        return {
            "residents": int(mask.sum()) * pop.scale,
            "coverage_15min": cov,
            "index_15min": _num(within[mask].mean()),
            "effective_access": eff,
            "effective_index": _num(effective[mask].mean()),
        }

    out = {"overall": block(np.ones(pop.n, dtype=bool))}
    out["by_group"] = {"elderly": block(pop.elderly), "non_elderly": block(~pop.elderly)}
    out["by_group"].update({g: block(pop.group == GROUP_CODE[g]) for g in ("child", "adult")})
    out["by_zone"] = {z: block(pop.zone == i) for i, z in enumerate(ZONES)}
    finite = wt[np.isfinite(wt)]
    out["gini_nearest_walk_time"] = gini(finite)
    return out


# --------------------------------------------------------------- summary
def _ratio(a, b) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return _num(a / b)


def summarize(model, trips: pd.DataFrame | None = None) -> dict:
    """All KPIs of a finished run as a JSON-serialisable dict (``summary.json``'s ``kpis``)."""
    df = trips_frame(model) if trips is None else trips
    pop, sc = model.population, model.scenario
    scale = pop.scale
    overall = _needs_block(df, scale)
    by_group = {"elderly": _needs_block(df[df["group"] == "elderly"], scale),
                "non_elderly": _needs_block(df[df["group"] != "elderly"], scale)}
    by_group.update({g: _needs_block(df[df["group"] == g], scale) for g in ("child", "adult")})
    by_zone = {z: _needs_block(df[df["zone"] == z], scale) for z in ZONES}
    by_category = {c: _needs_block(df[df["category"] == c], scale) for c in CATEGORIES}

    transit = {}
    if model.bus is not None:
        transit["bus"] = model.bus.kpis(model.now)
    if model.drt is not None:
        transit["drt"] = model.drt.kpis()

    eld = pop.elderly
    req = float(sc.ai_services.literacy_required)
    ai = {
        "enabled": bool(sc.ai_services.enabled),
        "uses": int(model.ai_uses.sum()) * scale,
        "uses_by_category": {c: int(model.ai_uses[i]) * scale for i, c in enumerate(CATEGORIES)},
        "share_of_needs": _num(model.ai_uses.sum() / max(len(df), 1)),
        "energy_kwh": model.ai_energy_wh / 1000.0 * scale,
        "online_uses": int(model.online_uses.sum()) * scale,
    }
    inclusion = {
        "elderly_literacy_start": _num(pop.literacy0[eld].mean()) if eld.any() else None,
        "elderly_literacy_end": _num(pop.literacy[eld].mean()) if eld.any() else None,
        "elderly_able_ai_start": _num((pop.literacy0[eld] >= req).mean()) if eld.any() else None,
        "elderly_able_ai_end": _num((pop.literacy[eld] >= req).mean()) if eld.any() else None,
        "support_centre_sessions": int(sum(c.sessions for c in model.support_centres)) * scale,
        "training_visits": {g: int(model.training_visits[i]) * scale for i, g in enumerate(GROUPS)},
    }

    met = df[df["outcome"] == "met"]
    tts_e = by_group["elderly"]["time_to_service_min"]["mean"]
    tts_o = by_group["non_elderly"]["time_to_service_min"]["mean"]
    equity = {
        "gini_time_to_service": gini(met["time_to_service_min"].to_numpy(dtype=float)),
        "elderly_vs_non_elderly_time_ratio": _ratio(tts_e, tts_o),
        "elderly_vs_non_elderly_unmet_ratio": _ratio(by_group["elderly"]["unmet_share"],
                                                    by_group["non_elderly"]["unmet_share"]),
        "rural_vs_core_time_ratio": _ratio(by_zone["rural"]["time_to_service_min"]["mean"],
                                           by_zone["core"]["time_to_service_min"]["mean"]),
        "rural_vs_core_unmet_ratio": _ratio(by_zone["rural"]["unmet_share"], by_zone["core"]["unmet_share"]),
    }

    costs = sc.costs
    bus_cost = 0.0
    if "bus" in transit:
        bus_cost = transit["bus"]["vehicle_km"] * float(costs.bus_per_km) + \
            transit["bus"]["vehicle_hours"] * float(costs.bus_per_hour)
    drt_cost = 0.0
    if "drt" in transit:
        # with population.scale > 1 the simulated fleet is the real one divided by the scale
        drt_cost = (float(transit["drt"].get("vehicle_km", 0.0)) * float(costs.drt_per_km)
                    + float(transit["drt"].get("vehicle_hours", 0.0)) * float(costs.drt_per_hour)) * scale
    hours = sc.support_centres.opening_hours
    staff_hours = len(model.support_centres) * int(sc.support_centres.staff) * \
        (float(hours[1]) - float(hours[0])) * model.days
    staff_cost = staff_hours * float(costs.staff_per_hour)
    ai_cost = ai["energy_kwh"] * float(costs.electricity_per_kwh) + ai["uses"] * float(costs.ai_per_use)
    total = bus_cost + drt_cost + staff_cost + ai_cost
    cost = {
        "currency": "KRW",
        "bus": bus_cost, "drt": drt_cost, "support_centre_staff": staff_cost, "ai_services": ai_cost,
        "support_centre_staff_hours": staff_hours,
        "total": total,
        "per_met_need": _num(total / overall["met"]) if overall["met"] else None,
    }
    return {
        "overall": overall,
        "by_group": by_group,
        "by_zone": by_zone,
        "by_category": by_category,
        "access": access_block(model),
        "transit": transit,
        "ai": ai,
        "digital_inclusion": inclusion,
        "equity": equity,
        "cost": cost,
    }


# ------------------------------------------------------------ time series
def timeseries_reporters(model) -> dict:
    """Model reporters for Mesa's DataCollector, recorded every tick (cumulative counts)."""

    eld = GROUP_CODE["elderly"]
    others = [i for i in range(len(GROUPS)) if i != eld]
    req = float(model.scenario.ai_services.literacy_required)
    elderly_mask = model.population.elderly
    reporters = {
        "time_h": lambda m: m.now / 3600.0,
        "needs_arisen": lambda m: m.n_arisen,
        "met": lambda m: int(m.met_by_delivery.sum()),
        "forgone": lambda m: int(m.forgone_by_group.sum()),
        "forgone_elderly": lambda m: int(m.forgone_by_group[eld]),
        "forgone_others": lambda m: int(m.forgone_by_group[others].sum()),
        "tts_mean_elderly_min": lambda m: (m.tts_sum_by_group[eld] / 60.0 / m.met_by_delivery[:, eld].sum()
                                           if m.met_by_delivery[:, eld].sum() else np.nan),
        "tts_mean_others_min": lambda m: (m.tts_sum_by_group[others].sum() / 60.0
                                          / m.met_by_delivery[:, others].sum()
                                          if m.met_by_delivery[:, others].sum() else np.nan),
        "literacy_elderly_mean": lambda m: float(m.population.literacy[elderly_mask].mean())
        if elderly_mask.any() else np.nan,
        "able_ai_elderly_share": lambda m: float((m.population.literacy[elderly_mask] >= req).mean())
        if elderly_mask.any() else np.nan,
        "away_from_home": lambda m: int((m.population.busy_until > m.now).sum()),
        "ai_energy_kwh": lambda m: m.ai_energy_wh / 1000.0,
    }
    for d_i, d in enumerate(DELIVERIES):
        reporters[f"met_{d}_elderly"] = (lambda i: lambda m: int(m.met_by_delivery[i, eld]))(d_i)
        reporters[f"met_{d}_others"] = (lambda i: lambda m: int(m.met_by_delivery[i, others].sum()))(d_i)
    if model.drt is not None:
        reporters.update(model.drt.timeseries_reporters())
    return reporters
