"""Time :func:`kaicity.network.synthetic.synthetic_city` at several sizes.

Usage::

    .venv/bin/python benchmarks/bench_synthetic.py [N ...] [--repeat R] [--seed S]

Prints, per size, the best and median wall time of ``R`` builds, node and edge counts and the
zone shares.  The target is a 200,000-node city in under 20 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from kaicity.network.synthetic import synthetic_city

DEFAULT_SIZES = (2_000, 10_000, 50_000, 200_000)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES), help="target node counts")
    parser.add_argument("--repeat", type=int, default=3, help="builds per size (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = []

    print(f"{'target':>9} {'nodes':>9} {'edges':>9} {'best s':>8} {'median s':>9}  core/suburb/rural")
    for n in args.sizes:
        times = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            G = synthetic_city(n, seed=args.seed)
            times.append(time.perf_counter() - t0)
        nodes = G.number_of_nodes()
        zones = Counter(z for _, z in G.nodes(data="zone"))
        shares = "/".join(f"{zones[z] / nodes:.3f}" for z in ("core", "suburb", "rural"))
        print(f"{n:>9,} {nodes:>9,} {G.number_of_edges():>9,} {min(times):>8.2f} "
              f"{statistics.median(times):>9.2f}  {shares}", flush=True)
        rows.append({"target": n, "nodes": nodes, "edges": G.number_of_edges(), "best_s": min(times),
                     "median_s": statistics.median(times), "zone_shares": shares})
        del G
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows}, indent=2))


if __name__ == "__main__":
    main()
