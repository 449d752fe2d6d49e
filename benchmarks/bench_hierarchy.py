"""Benchmark the contraction hierarchy's PHAST rows against full Dijkstra searches (kaicity, scipy).

Usage::

    .venv/bin/python benchmarks/bench_hierarchy.py [--quick] [--networks mapo,synthetic-50k]
                                                   [--repeat R] [--json PATH]

On each drive graph (Seoul extracts when ``../shared/data/osm`` exists, synthetic cities
of 10k, 50k and 200k nodes), with the costs the DRT dispatcher uses
(:func:`kaicity.routing.quantized`):

``build``
    Contracting the graph once (:class:`kaicity.routing.Hierarchy`), one run, CPU seconds;
    also the arcs of the hierarchy per edge of the graph.
``one_to_all``
    One full row from the next of 256 random sources, all on one thread:
    ``kaicity-phast`` (:meth:`Hierarchy.row`, the baseline), ``kaicity`` (Dijkstra,
    :func:`kaicity.routing.shortest_times`, ``threads=1``), ``scipy``
    (``scipy.sparse.csgraph.dijkstra``, dense row).  Every row is checked equal to
    Dijkstra's to the last bit before timing.

The dispatcher switches to PHAST rows when its first searches settle at least
``HIERARCHY_MIN_SHARE`` of the graph (:mod:`kaicity.services.drt.travel`); this
benchmark gives the cost ratio that threshold rests on.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, bench_parser, measure, repeat_count, select_networks  # noqa: E402
from bench_routing import rotating  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from kaicity import routing  # noqa: E402
from kaicity.services.drt.travel import HIERARCHY_MIN_SHARE  # noqa: E402

N_SOURCES = 256


def peers(g, h, sources: list[int]) -> dict:
    """The three ways to a full row from the next source, as zero-argument callables."""
    A = g.to_scipy()
    out = np.empty(g.n_nodes)
    return {
        "kaicity-phast": rotating(lambda s: h.row(s, False, out), sources),
        "kaicity": rotating(lambda s: routing.shortest_times(g, s, threads=1), sources),
        "scipy": rotating(lambda s: dijkstra(A, directed=True, indices=s), sources),
    }


def main() -> int:
    args = bench_parser(__doc__.splitlines()[0]).parse_args()
    repeat = repeat_count(args)
    results = Results("contraction hierarchy rows", baseline="kaicity-phast")
    for net in select_networks(args):
        city = net.load()
        g = routing.quantized(city.drive)
        t0 = time.process_time()
        h = routing.Hierarchy(g)
        build_s = time.process_time() - t0
        sources = np.random.default_rng(7).integers(0, g.n_nodes, N_SOURCES).tolist()
        for s in sources[:8]:
            for reverse in (False, True):
                if not np.array_equal(h.row(s, reverse), routing.shortest_times(g, s, reverse=reverse, threads=1)):
                    raise SystemExit(f"{net.name}: PHAST row of {s} (reverse={reverse}) differs from Dijkstra")
        methods = peers(g, h, sources)
        row = results.add("one_to_all", net, g.n_nodes, measure(methods, repeat, min_sample_s=0.02),
                          build_cpu_s=build_s, arcs_per_edge=h.n_arcs / g.n_edges)
        print(f"# {net.name}: {g.n_nodes:,} drive nodes, hierarchy built in {build_s:.2f} CPU s, "
              f"{h.n_arcs / g.n_edges:.2f} arcs per edge", flush=True)
        results.check(row, "kaicity", 1.0 / HIERARCHY_MIN_SHARE,
                      f"a PHAST row costs <= {HIERARCHY_MIN_SHARE} of a full Dijkstra (the switch threshold)")
        net.unload()
    results.print_table()
    results.write_json(args.json)
    failed = [t for t in results.targets if t["pass"] is False]
    print(f"# {len(results.targets) - len(failed)}/{len(results.targets)} targets met", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
