"""Benchmark :mod:`kaicity.routing` against scipy.sparse.csgraph, igraph and networkx.

Usage::

    .venv/bin/python benchmarks/bench_routing.py [--quick] [--networks mapo,synthetic-50k]
                                                 [--repeat R] [--json PATH]

Networks: every real Seoul extract in ``../shared/data/osm`` (skipped, with a message,
when that folder is absent) and synthetic cities of 10k, 50k and 200k nodes.

Cases (walk graph unless stated; sources drawn at random with a fixed seed, the same
for every method):

``one_to_all``
    One full search; the next call uses the next of 256 random sources.
``one_bounded``
    One search bounded to 1.2 km (15 minutes of walking).  kaicity and scipy return a
    dense row (``limit=``); networkx uses ``cutoff=``; igraph has no cutoff, so it runs a
    full search.  ``kaicity-sparse`` is :func:`kaicity.routing.bounded_times` (sparse
    result) for reference.
``bounded_1000``
    1,000 searches bounded to 1.2 km.  kaicity returns the sparse result
    (:func:`~kaicity.routing.bounded_times`, all threads); scipy gets ``limit=`` and
    100 sources per call (a dense 1000 x n result does not fit in memory at 200k nodes;
    its chunks are discarded, which favours scipy); igraph runs full searches;
    networkx uses ``cutoff=``.  Slow peers are timed on a subset of the sources and
    scaled linearly (marked ``*``).  Also reports the memory of the sparse result.
``nearest_5cat``
    Multi-source nearest for 5 categories (5 random source sets of ~1% of the nodes).
    kaicity: :func:`~kaicity.routing.nearest_many` (times and the nearest source's index,
    deterministic ties); scipy: ``min_only=True, return_predecessors=True`` per set (times
    and sources); igraph: a virtual super-source joined to the set by zero-cost edges
    (graphs built outside the timing), times only; networkx:
    ``multi_source_dijkstra_path_length``, times only.
``matrix_500``
    A 500 x 500 travel-time matrix on the drive graph.  kaicity:
    :func:`~kaicity.routing.time_matrix` (searches stop when all destinations are settled);
    scipy: full searches from the origins, 100 per call, columns picked; igraph:
    ``distances(source, target)``; networkx: one search per origin (subset, scaled).

kaicity runs with its default ``threads=None`` (up to all OpenMP threads, one thread for
jobs too small to gain from more).  networkx is skipped above 50,000 nodes.  Every method
gets one untimed warm-up call; times are medians of round-robin samples, and a method
whose call takes less than 20 ms is timed in batches of back-to-back calls, as
:mod:`timeit` does (``MIN_SAMPLE_S``; see ``measure`` in ``_common.py``).  Targets checked: kaicity
at least 2x faster than scipy and 50x faster than networkx on ``one_to_all`` and
``bounded_1000`` on every network, and a ``bounded_1000`` result whose memory is
O(nodes reached) (12 bytes per reached pair) instead of 1000 x n x 8 bytes; the
per-thread work arrays add 44 bytes per node and thread.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Method,
    Network,
    Results,
    bench_parser,
    chunks,
    measure,
    optional_import,
    repeat_count,
    select_networks,
)
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from kaicity import routing  # noqa: E402
from kaicity._core import _info  # noqa: E402

NX_MAX_NODES = 50_000
WALK_LIMIT_M = 1200.0
N_BOUNDED = 1000
N_MATRIX = 500
N_CATEGORIES = 5
SCIPY_CHUNK = 100
N_ONE_SOURCES = 256
MIN_SAMPLE_S = 0.02


# ------------------------------------------------------------------------------- peers
def igraph_graph(ig, g):
    """The CSR edges as a directed igraph Graph with a ``weight`` edge attribute."""
    if ig is None:
        return None
    tails = g.edge_tails()
    G = ig.Graph(n=g.n_nodes, edges=np.column_stack([tails, g.indices]).tolist(), directed=True)
    G.es["weight"] = g.weights.tolist()
    return G


def networkx_graph(nx, g):
    """The CSR edges as a networkx DiGraph (None above :data:`NX_MAX_NODES`)."""
    if nx is None or g.n_nodes > NX_MAX_NODES:
        return None
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n_nodes))
    G.add_weighted_edges_from(zip(g.edge_tails().tolist(), g.indices.tolist(), g.weights.tolist(), strict=True))
    return G


def rotating(fn, items):
    """A zero-argument callable that calls ``fn`` on the next item each time."""
    it = itertools.cycle(list(items))
    return lambda: fn(next(it))


def subset_size(n_nodes: int, total: int, small: int, large: int) -> int:
    """How many of ``total`` independent searches a slow peer runs (the rest is scaled)."""
    return total if n_nodes <= 10_000 else min(total, small if n_nodes <= NX_MAX_NODES else large)


# ------------------------------------------------------------------------------- cases
def run_network(net: Network, results: Results, repeat: int, peers: dict, threads: int) -> None:
    """All cases on one network (walk-graph cases, then the drive matrix)."""
    city = net.load()
    rng = np.random.default_rng(12345)
    walk_cases(net, city.walk, results, repeat, peers, threads, rng)
    drive_matrix(net, city.drive, results, repeat, peers, threads, rng)
    net.unload()


def walk_cases(net: Network, walk, results: Results, repeat: int, peers: dict, threads: int,
               rng: np.random.Generator) -> None:
    nx, ig = peers["networkx"], peers["igraph"]
    A = walk.to_scipy()
    Gi = igraph_graph(ig, walk)
    Gx = networkx_graph(nx, walk)
    n = walk.n_nodes
    one_sources = rng.integers(0, n, N_ONE_SOURCES).tolist()

    # one-to-all
    methods = {
        "kaicity": rotating(lambda s: routing.shortest_times(walk, s), one_sources),
        "scipy": rotating(lambda s: dijkstra(A, directed=True, indices=s), one_sources),
    }
    if Gi is not None:
        methods["igraph"] = rotating(lambda s: Gi.distances(source=[s], weights="weight", mode="out"),
                                     one_sources)
    if Gx is not None:
        methods["networkx"] = rotating(lambda s: nx.single_source_dijkstra_path_length(Gx, s, weight="weight"),
                                       one_sources)
    row = results.add("one_to_all", net, n, measure(methods, repeat, min_sample_s=MIN_SAMPLE_S))
    results.check(row, "scipy", 2.0, "kaicity >= 2x scipy")
    if Gx is not None:
        results.check(row, "networkx", 50.0, "kaicity >= 50x networkx")

    # one bounded search (1.2 km)
    lim = WALK_LIMIT_M
    methods = {
        "kaicity": rotating(lambda s: routing.shortest_times(walk, s, limit=lim), one_sources),
        "scipy": rotating(lambda s: dijkstra(A, directed=True, indices=s, limit=lim), one_sources),
    }
    if Gi is not None:
        methods["igraph"] = Method(rotating(lambda s: Gi.distances(source=[s], weights="weight", mode="out"),
                                            one_sources), note="no cutoff in igraph: full search")
    if Gx is not None:
        methods["networkx"] = rotating(
            lambda s: nx.single_source_dijkstra_path_length(Gx, s, cutoff=lim, weight="weight"), one_sources)
    methods["kaicity-sparse"] = rotating(lambda s: routing.bounded_times(walk, s, lim), one_sources)
    results.add("one_bounded", net, n, measure(methods, repeat * 3, min_sample_s=MIN_SAMPLE_S))

    # 1,000 bounded searches (1.2 km)
    src = rng.integers(0, n, N_BOUNDED)
    sparse = routing.bounded_times(walk, src, lim)
    methods = {
        "kaicity": lambda: routing.bounded_times(walk, src, lim),
        "scipy": lambda: [dijkstra(A, directed=True, indices=c, limit=lim) for c in chunks(src, SCIPY_CHUNK)],
    }
    if Gi is not None:
        k = subset_size(n, N_BOUNDED, 100, 40)
        methods["igraph"] = Method(
            lambda: [Gi.distances(source=c.tolist(), weights="weight", mode="out") for c in chunks(src[:k], 10)],
            scale=N_BOUNDED / k, note="no cutoff in igraph: full searches")
    if Gx is not None:
        k = subset_size(n, N_BOUNDED, 200, 200)
        methods["networkx"] = Method(
            lambda: [nx.single_source_dijkstra_path_length(Gx, int(s), cutoff=lim, weight="weight")
                     for s in src[:k]], scale=N_BOUNDED / k)
    dense_bytes = N_BOUNDED * n * 8
    workspace_bytes = 44 * n * threads
    row = results.add("bounded_1000", net, n, measure(methods, repeat, min_sample_s=MIN_SAMPLE_S),
                      result_bytes=sparse.nbytes, dense_result_bytes=dense_bytes,
                      workspace_bytes=workspace_bytes, reached_per_source=sparse.nnz / N_BOUNDED)
    results.check(row, "scipy", 2.0, "kaicity >= 2x scipy")
    if Gx is not None:
        results.check(row, "networkx", 50.0, "kaicity >= 50x networkx")
    # the sparse result holds 12 bytes per (search, reached node) plus the row pointers:
    # O(nodes reached), not O(1000 x n) (on a small graph a 1.2 km search reaches everything)
    results.check_value(row, "bounded_1000 memory O(reached), not O(1000 x n)",
                        sparse.nbytes <= 12 * sparse.nnz + 8 * (N_BOUNDED + 1),
                        detail=f"{sparse.nbytes / 1e6:.1f} MB for {sparse.nnz:,} reached pairs; dense "
                               f"{dense_bytes / 1e6:.1f} MB; workspaces {workspace_bytes / 1e6:.1f} MB",
                        result_bytes=sparse.nbytes, dense_result_bytes=dense_bytes,
                        reached_pairs=sparse.nnz, workspace_bytes=workspace_bytes)

    # nearest of 5 categories (5 source sets of ~1% of the nodes)
    size = max(1, n // 100)
    sets = [rng.choice(n, size=size, replace=False) for _ in range(N_CATEGORIES)]
    methods = {
        "kaicity": lambda: routing.nearest_many(walk, sets),
        "scipy": lambda: [dijkstra(A, directed=True, indices=s, min_only=True, return_predecessors=True)
                          for s in sets],
    }
    if Gi is not None:
        aug = []
        for s in sets:
            Ga = Gi.copy()
            Ga.add_vertices(1)
            Ga.add_edges([(n, int(v)) for v in s], attributes={"weight": [0.0] * len(s)})
            aug.append(Ga)
        methods["igraph"] = Method(lambda: [Ga.distances(source=[n], weights="weight", mode="out") for Ga in aug],
                                   note="super-source; times only")
    if Gx is not None:
        methods["networkx"] = Method(
            lambda: [nx.multi_source_dijkstra_path_length(Gx, set(s.tolist()), weight="weight") for s in sets],
            note="times only")
    results.add("nearest_5cat", net, n, measure(methods, repeat, min_sample_s=MIN_SAMPLE_S), sources_per_set=size)


def drive_matrix(net: Network, drive, results: Results, repeat: int, peers: dict, threads: int,
                 rng: np.random.Generator) -> None:
    nx, ig = peers["networkx"], peers["igraph"]
    nd = drive.n_nodes
    Ad = drive.to_scipy()
    org = rng.choice(nd, size=N_MATRIX, replace=nd < N_MATRIX)
    dst = rng.choice(nd, size=N_MATRIX, replace=nd < N_MATRIX)
    methods = {
        "kaicity": lambda: routing.time_matrix(drive, org, dst),
        "scipy": lambda: [dijkstra(Ad, directed=True, indices=c)[:, dst] for c in chunks(org, SCIPY_CHUNK)],
    }
    Gdi = igraph_graph(ig, drive)
    if Gdi is not None:
        k = subset_size(nd, N_MATRIX, 100, 25)
        uniq, inverse = np.unique(dst, return_inverse=True)     # igraph refuses repeated targets
        methods["igraph"] = Method(lambda: np.asarray(Gdi.distances(source=org[:k].tolist(), target=uniq.tolist(),
                                                                    weights="weight", mode="out"))[:, inverse],
                                   scale=N_MATRIX / k)
    Gdx = networkx_graph(nx, drive)
    if Gdx is not None:
        k = subset_size(nd, N_MATRIX, 25, 25)

        def nx_matrix():
            out = np.full((k, len(dst)), np.inf)
            for i, s in enumerate(org[:k].tolist()):
                d = nx.single_source_dijkstra_path_length(Gdx, s, weight="weight")
                out[i] = [d.get(t, np.inf) for t in dst.tolist()]
            return out

        methods["networkx"] = Method(nx_matrix, scale=N_MATRIX / k)
    results.add("matrix_500", net.name + " (drive)", nd, measure(methods, repeat, min_sample_s=MIN_SAMPLE_S))


def main(argv: list[str] | None = None) -> int:
    args = bench_parser(__doc__.splitlines()[0]).parse_args(argv)
    repeat = repeat_count(args)
    threads = int(_info.max_threads())
    peers = {"networkx": optional_import("networkx"), "igraph": optional_import("igraph")}
    results = Results("routing")
    print(f"# kaicity routing benchmark: OpenMP {_info.openmp_enabled()}, {threads} threads, "
          f"{repeat} repeats", flush=True)
    for net in select_networks(args):
        run_network(net, results, repeat, peers, threads)
        print(f"# done {net.name}", flush=True)
    print()
    results.print_table()
    results.write_json(args.json, settings={"repeat": repeat, "threads": threads, "quick": args.quick,
                                            "walk_limit_m": WALK_LIMIT_M, "n_bounded": N_BOUNDED,
                                            "n_matrix": N_MATRIX, "n_categories": N_CATEGORIES,
                                            "networkx_max_nodes": NX_MAX_NODES})
    failed = [t for t in results.targets if t["pass"] is False]
    print(f"# {len(results.targets) - len(failed)}/{len(results.targets)} targets met", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
