"""Calibrate digital-literacy learning against the national programme and the NIA elderly index.

Runs the AI city (``scenarios/ai_city.yaml``) for ``--days`` days at a small sample of the
same town (``--residents`` agents standing for the scenario's real population) and prints, per seed
and on average:

- the yearly **reach** of training (share of residents who attended a training session, per
  year) and the shares of trainees aged 65+ and 60+, against MSIT 디지털배움터: 1.1-1.9% of
  residents a year, 58-66% aged 60+;
- the elderly mean literacy and the **index** ``100 x elderly mean / adult mean`` (the NIA
  디지털정보격차 convention: general public = 100) at the end of each day, and its pace in
  points per year, against +1.4 a year (64.3 in 2019 -> 71.4 in 2024).

Rules for the values (documented in ``docs/validation.md``, "Digital literacy and training"):

- training rates: closed form from the programme's midpoints (``--rates`` prints them);
- gain per session: the secant rule on the index pace over ``--days`` days between two gains
  (``--gains``), on the same seeds, then rounded; never tuned toward an AI-vs-smart result.

Buses and DRT are switched off by default (``--transit`` keeps them): the script reports how many
assisted sessions the centres gave, so the effect of that shortcut can be checked with
``--transit`` on a short run.

Usage::

    .venv/bin/python benchmarks/calibrate_learning.py --days 365 --residents 500 --seeds 1 2
    .venv/bin/python benchmarks/calibrate_learning.py --rates
    .venv/bin/python benchmarks/calibrate_learning.py --days 365 --gains 0.05 0.15 --seeds 1 2
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: Targets (../shared/docs/parameters.md): MSIT 디지털배움터 and NIA 디지털정보격차 실태조사.
TRAINEES_PER_YEAR = (545_000, 996_000)
KOREA_PEOPLE = 51.7e6
REACH = tuple(t / KOREA_PEOPLE for t in TRAINEES_PER_YEAR)       # 1.05% - 1.93% a year
SHARE_60 = (0.58, 0.66)
INDEX_2019, INDEX_2024 = 64.3, 71.4
PACE = (INDEX_2024 - INDEX_2019) / 5.0                            # +1.42 points a year


def closed_form_rates(shares: dict[str, float], reach: float = sum(REACH) / 2,
                      share_60: float = sum(SHARE_60) / 2) -> dict[str, float]:
    """Training courses per person per day that give ``reach`` and ``share_60`` (children: 0).

    With E, A the elderly and adult trainees a year per resident: ``E + A = reach`` and
    ``E + f A = share_60 * reach`` (``f``: the adults aged 60-64), so
    ``E = reach (share_60 - f) / (1 - f)`` and ``A = reach (1 - share_60) / (1 - f)``.
    """
    from kaicity.services.learning import ADULTS_60_TO_64 as f

    elderly = reach * (share_60 - f) / (1.0 - f)
    adult = reach * (1.0 - share_60) / (1.0 - f)
    return {"child": 0.0, "adult": adult / 365.0 / shares["adult"], "elderly": elderly / 365.0 / shares["elderly"]}


def closed_form_gain(scenario, pace: float = PACE, days: int = 365) -> float:
    """Gain per training session that makes the index rise ``pace`` points in ``days`` days.

    A course of ``k`` sessions closes ``G = 1 - (1 - g)^k`` of a trainee's gap ``1 - L``; group g's
    mean then rises by ``days * rate_g * (1 - mean_g) * G * R``, where ``R = (1 - exp(-d T)) / (d T)``
    is the share of a gain still there at the end when courses start uniformly over ``T = days``
    and unused literacy decays at ``d`` a day (residents who use a remote service on a day keep
    it that day: ignored, so ``R`` is a slight underestimate).  ``G`` is found by root finding on
    the index ``100 x elderly mean / adult mean`` (adults train too, which lowers the index).
    """
    from scipy.optimize import brentq

    sc = scenario.support_centres
    d = float(scenario.learning.decay_per_day)
    retention = (1.0 - math.exp(-d * days)) / (d * days) if d > 0 else 1.0
    mean = {g: float(scenario.population.literacy[g].mean) for g in ("adult", "elderly")}
    rate = {g: float(sc.training_rate_per_day[g]) for g in ("adult", "elderly")}

    def rise(course_gain: float) -> float:
        new = {g: mean[g] + days * rate[g] * (1.0 - mean[g]) * course_gain * retention for g in mean}
        return 100.0 * (new["elderly"] / new["adult"] - mean["elderly"] / mean["adult"]) - pace

    if rise(1.0) < 0:
        return math.nan  # even a course that teaches everything is too slow
    course = brentq(rise, 0.0, 1.0)
    return 1.0 - (1.0 - course) ** (1.0 / int(sc.course_sessions))


def index(literacy: np.ndarray, group: np.ndarray) -> float:
    """``100 x elderly mean / adult mean`` (general public = 100, as NIA's index)."""
    from kaicity.categories import GROUPS

    eld, adult = group == GROUPS.index("elderly"), group == GROUPS.index("adult")
    return float(100.0 * literacy[eld].mean() / literacy[adult].mean())


def run_one(scenario, seed: int) -> dict:
    """One run: reach, trainee shares, assisted sessions and the daily literacy trajectory."""
    from kaicity.categories import GROUPS
    from kaicity.model import KaiCityModel
    from kaicity.services.learning import trainee_shares

    model = KaiCityModel(scenario, seed=seed)
    pop = model.population
    eld = pop.group == GROUPS.index("elderly")
    days = int(scenario.simulation.days)
    ticks_per_day = int(round(1440 / float(scenario.simulation.tick_minutes)))
    lit = [float(np.asarray(pop.literacy)[eld].mean())]
    idx = [index(np.asarray(pop.literacy), np.asarray(pop.group))]
    for _ in range(days):
        for _ in range(ticks_per_day):
            if model.running:
                model.step()
        lit.append(float(np.asarray(pop.literacy)[eld].mean()))
        idx.append(index(np.asarray(pop.literacy), np.asarray(pop.group)))
    trained = np.zeros(pop.n, dtype=bool)
    for trip, _place, _time, admitted in model.visits:
        if admitted and model.is_training(trip):
            trained[model.owner(trip)] = True
    per_year = 365.0 / days
    trainees = {g: float(trained[pop.group == i].sum()) / pop.n * per_year for i, g in enumerate(GROUPS)}
    sessions = sum(c.sessions for c in model.support_centres)
    training = sum(c.training_sessions for c in model.support_centres)
    return {"seed": seed, **trainee_shares(trainees), "n_trainees": int(trained.sum()),
            "elderly_trainees": int(trained[eld].sum()), "training_sessions": training,
            "assisted_sessions": sessions - training, "centres": len(model.support_centres),
            "elderly_literacy": lit, "index": idx, "pace": (idx[-1] - idx[0]) * per_year}


def scenario_for(args, gain: float | None = None):
    """The AI city at ``args.residents`` agents for the same real population, for ``args.days`` days."""
    from kaicity.scenario import load_scenario

    base = load_scenario(ROOT / "scenarios" / "ai_city.yaml")
    people = base.population.people
    over = {"simulation.days": args.days, "simulation.tick_minutes": 15.0,
            "population.residents": args.residents, "population.scale": people / args.residents}
    if not args.transit:
        over.update({"transit.bus.enabled": False, "transit.drt.enabled": False})
    if gain is not None:
        over["support_centres.literacy_gain"] = gain
    return base.with_overrides(over)


def summarize(runs: list[dict]) -> dict:
    """Means over seeds (and the seeds' spread of the pace)."""
    keys = ("reach", "share_65", "share_60", "pace", "assisted_sessions", "training_sessions")
    out = {k: float(np.mean([r[k] for r in runs])) for k in keys}
    out["pace_sd"] = float(np.std([r["pace"] for r in runs], ddof=1)) if len(runs) > 1 else math.nan
    out["elderly_literacy"] = np.mean([r["elderly_literacy"] for r in runs], axis=0).tolist()
    out["index"] = np.mean([r["index"] for r in runs], axis=0).tolist()
    return out


def report(label: str, s: dict, days: int) -> None:
    """Print one summary against the targets."""
    ok = lambda x, lo, hi: "ok" if lo <= x <= hi else "OUT"  # noqa: E731
    print(f"[{label}]")
    print(f"  reach per year      {100 * s['reach']:.2f}%   target {100 * REACH[0]:.2f}-{100 * REACH[1]:.2f}% "
          f"{ok(s['reach'], *REACH)}")
    print(f"  trainees aged 65+   {100 * s['share_65']:.1f}%")
    print(f"  trainees aged 60+   {100 * s['share_60']:.1f}%   target 58-66% {ok(s['share_60'], *SHARE_60)}")
    print(f"  sessions            {s['training_sessions']:.0f} training, {s['assisted_sessions']:.0f} assisted "
          f"(agents, {days} days)")
    lit, idx = s["elderly_literacy"], s["index"]
    marks = sorted({d for d in (0, 1, 7, 30, 90, 180, 365) if d <= days} | {days})
    print("  day  elderly literacy  index")
    for d in marks:
        print(f"  {d:>3}  {lit[d]:.4f}            {idx[d]:.2f}")
    print(f"  index pace          {s['pace']:+.2f} points/year (sd over seeds {s['pace_sd']:.2f}); "
          f"target +{PACE:.2f}")


def plot(out: dict, path: Path) -> None:
    """The index over the run per gain, with the NIA pace from the same start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label, s in out.items():
        if isinstance(s, dict):
            ax.plot(np.arange(len(s["index"])), s["index"], label=f"model, {label}")
            start = s["index"][0]
    days = np.arange(len(s["index"]))
    ax.plot(days, start + PACE * days / 365.0, "k--", label=f"NIA pace +{PACE:.2f}/year (2019-2024)")
    ax.set_xlabel("day")
    ax.set_ylabel("elderly index (adult = 100)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--residents", type=int, default=500, help="agents (the real population is kept)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--gains", type=float, nargs=2, default=None,
                        help="two gains per session: secant rule for the gain giving the target pace")
    parser.add_argument("--transit", action="store_true", help="keep buses and DRT (slower)")
    parser.add_argument("--rates", action="store_true", help="print the closed-form training rates and exit")
    parser.add_argument("--json", type=Path, default=None, help="write the summaries here")
    parser.add_argument("--png", type=Path, default=None, help="plot the index trajectory here")
    args = parser.parse_args(argv)

    from kaicity.scenario import load_scenario
    from kaicity.services.learning import trainee_shares, yearly_trainees

    sc = load_scenario(ROOT / "scenarios" / "ai_city.yaml")
    shares = sc.population.group_shares
    rates = closed_form_rates(shares)
    implied = trainee_shares(yearly_trainees(rates, shares))
    print("closed-form rates (courses/person/day):", {g: f"{r:.3g}" for g, r in rates.items()},
          f"-> reach {100 * implied['reach']:.2f}%/year, 60+ {100 * implied['share_60']:.1f}%")
    shipped = {g: float(sc.support_centres.training_rate_per_day[g]) for g in shares}
    s = trainee_shares(yearly_trainees(shipped, shares))
    print("shipped rates:", shipped, f"-> reach {100 * s['reach']:.2f}%/year, 65+ {100 * s['share_65']:.1f}%, "
          f"60+ {100 * s['share_60']:.1f}%")
    g = closed_form_gain(sc)
    print(f"closed-form gain per session for +{PACE:.2f} points/year: {g:.4f} "
          f"({int(sc.support_centres.course_sessions)} sessions a course, decay "
          f"{float(sc.learning.decay_per_day):g}/day); without decay: "
          f"{closed_form_gain(sc.with_overrides({'learning.decay_per_day': 0.0})):.4f}")
    if args.rates:
        return 0
    out: dict = {}
    gains = args.gains or [None]
    for gain in gains:
        t0 = time.perf_counter()
        runs = [run_one(scenario_for(args, gain), seed) for seed in args.seeds]
        label = f"gain {gain if gain is not None else sc.support_centres.literacy_gain}"
        out[label] = summarize(runs)
        report(label + f", {time.perf_counter() - t0:.0f} s", out[label], args.days)
    if args.gains:
        (g1, g2), (p1, p2) = args.gains, [out[f"gain {g}"]["pace"] for g in args.gains]
        best = g1 + (PACE - p1) * (g2 - g1) / (p2 - p1)
        print(f"secant: gain {best:.4f} per session gives +{PACE:.2f} points/year")
        out["secant_gain"] = best
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    if args.png:
        plot(out, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
