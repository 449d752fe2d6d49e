"""Benchmark: fixed-route bus quotes per second, the indexed quote against the full scan it replaced.

A model of ``scenarios/ai_city.yaml`` (``--residents``, one simulated day by default) is run while
every ``quote`` and ``book`` its residents send the bus service is recorded.  The recorded sequence
is then replayed, from empty buses, on the service (``indexed``: per-walk-node stop index, issue 17)
and on :class:`Reference` (``full scan``: the algorithm before, every pattern scanned per request;
``tests/bus_full_scan.py``, the test's oracle), alternating in the same process, and every booking is
compared.  CPU time (``time.process_time``) per request is reported, with the load average beside it.

    python benchmarks/bench_bus.py [--residents 10000] [--days 1] [--city-nodes 20000] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from kaicity.services.transit import Booking, TripRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from bus_full_scan import Reference  # noqa: E402  (the old full scan, also the test's oracle)


def record(residents: int, days: int, city_nodes: int, scenario: str):
    """Run the model and return its bus service and the ``(kind, request)`` calls it received."""
    from kaicity.model import KaiCityModel
    from kaicity.scenario import load_scenario

    sc = load_scenario(ROOT / scenario).with_overrides({
        "population.residents": residents, "population.scale": 1.0, "simulation.days": days,
        "city.n_nodes": city_nodes})
    model = KaiCityModel(sc)
    bus = model.bus
    calls: list[tuple[str, TripRequest]] = []
    quote, book = bus.quote, bus.book

    def rec_quote(req):
        calls.append(("q", req))
        return quote(req)

    def rec_book(req):
        calls.append(("b", req))
        return book(req)

    bus.quote, bus.book = rec_quote, rec_book
    c0 = time.process_time()
    model.run()
    run_cpu = time.process_time() - c0
    bus.quote, bus.book = quote, book
    return bus, calls, run_cpu


def replay(fn_quote, fn_book, calls) -> tuple[list[Booking], float]:
    out = []
    c0 = time.process_time()
    for kind, req in calls:
        out.append(fn_quote(req) if kind == "q" else fn_book(req))
    return out, time.process_time() - c0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--city-nodes", type=int, default=20_000)
    ap.add_argument("--scenario", default="scenarios/ai_city.yaml")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    bus, calls, run_cpu = record(args.residents, args.days, args.city_nodes, args.scenario)
    for p in bus.patterns:
        p.loads[:] = 0
    bus.boardings_by_stop.clear()
    bus._arrivals.clear()
    ref = Reference(bus)
    new, t_new = replay(bus.quote, bus.book, calls)
    old, t_old = replay(lambda r: ref.best(r)[0], ref.book, calls)
    same = new == old and all(np.array_equal(p.loads, q.loads) for p, q in zip(bus.patterns, ref.patterns,
                                                                               strict=True))
    n = max(len(calls), 1)
    row = {"residents": args.residents, "days": args.days, "city_nodes": bus.city.walk.n_nodes,
           "patterns": len(bus.patterns), "stops": int(sum(len(p.stops) for p in bus.patterns)),
           "requests": len(calls), "books": sum(k == "b" for k, _ in calls),
           "model_run_cpu_s": run_cpu, "indexed_cpu_s": t_new, "full_scan_cpu_s": t_old,
           "indexed_us_per_request": 1e6 * t_new / n, "full_scan_us_per_request": 1e6 * t_old / n,
           "speedup": t_old / max(t_new, 1e-12), "identical": same, "load_average": os.getloadavg(),
           "machine": machine_info()}
    print(f"{row['patterns']} patterns, {row['stops']} stops, {len(calls):,} requests "
          f"({row['books']:,} books) from {args.residents:,} residents x {args.days} day(s)")
    print(f"indexed   {row['indexed_us_per_request']:9.1f} CPU us/request")
    print(f"full scan {row['full_scan_us_per_request']:9.1f} CPU us/request   speed-up {row['speedup']:.1f}x, "
          f"identical bookings: {same}, load average {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(row, indent=2, default=str))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
