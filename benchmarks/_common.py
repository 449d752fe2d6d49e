"""Shared helpers of the kaicity benchmarks: networks, timing medians, tables and JSON.

A benchmark script builds its cases on top of this module::

    from _common import Results, bench_parser, measure, select_networks

    args = bench_parser("my benchmark").parse_args()
    results = Results("my benchmark")
    for net in select_networks(args):
        city = net.load()
        stats = measure({"kaicity": lambda: ..., "scipy": lambda: ...}, repeat=args.repeat)
        results.add("case", net, stats)
    results.print_table()
    results.write_json(args.json)

Timing: every method gets one untimed warm-up call, then ``repeat`` timed calls run
round-robin across methods (so a burst of load from other processes hits all methods
alike) and the **median** wall time is reported (the JSON also has the minimum and the
median process CPU time, which show how much a busy machine stretched the wall times).
Each timed call starts right after ``os.sched_yield()``, so short calls are rarely cut by
the scheduler when other processes compete for the cores.  A method
whose single call exceeds a time budget is repeated fewer times (at least once).
Methods that run many independent searches may be timed on a subset of them and scaled
linearly (``scale``); the JSON records it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED_OSM = Path(os.environ.get("KAICITY_SHARED_OSM", ROOT.parent / "shared" / "data" / "osm"))

#: Real Seoul extracts (in ../shared/data/osm when present).
SEOUL_FILES: tuple[str, ...] = (
    "seoul_central_drive.graphml",
    "seoul_mapo_gongdeok.osm",
    "seoul_songpa_jamsil_asan.osm",
)
#: Synthetic city sizes (nodes) of the full benchmark, and of ``--quick``.
SYNTHETIC_SIZES: tuple[int, ...] = (10_000, 50_000, 200_000)
QUICK_SYNTHETIC_SIZES: tuple[int, ...] = (10_000,)
QUICK_SEOUL_FILES: tuple[str, ...] = ("seoul_mapo_gongdeok.osm",)


# ---------------------------------------------------------------------------- networks
@dataclass
class Network:
    """A benchmark network: a Seoul extract or a synthetic city, loaded on demand.

    Attributes
    ----------
    name : str
        Short name used in tables and JSON (``seoul_mapo_gongdeok``, ``synthetic-50k``).
    spec : str
        What :func:`kaicity.network.load_city` loads.
    kind : str
        ``"seoul"`` or ``"synthetic"``.
    """

    name: str
    spec: str
    kind: str
    _city: Any = field(default=None, repr=False)

    def load(self):
        """The :class:`~kaicity.network.city.City` (loaded once, then cached)."""
        if self._city is None:
            from kaicity.network import load_city

            t0 = time.perf_counter()
            self._city = load_city(self.spec)
            print(f"# loaded {self.name}: walk {self._city.walk.n_nodes:,} nodes, drive "
                  f"{self._city.drive.n_nodes:,} nodes ({time.perf_counter() - t0:.1f} s)", flush=True)
        return self._city

    def unload(self) -> None:
        """Drop the cached city (frees memory between networks)."""
        self._city = None


def _size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def all_networks(quick: bool = False) -> list[Network]:
    """Seoul extracts (when ``../shared/data/osm`` exists) and synthetic cities, small first."""
    nets: list[Network] = []
    if SHARED_OSM.is_dir():
        for f in QUICK_SEOUL_FILES if quick else SEOUL_FILES:
            if (SHARED_OSM / f).is_file():
                nets.append(Network(f.split(".")[0], str(SHARED_OSM / f), "seoul"))
    else:
        print(f"# skipping the real Seoul networks: {SHARED_OSM} is absent (only in the team's checkout)",
              flush=True)
    for n in QUICK_SYNTHETIC_SIZES if quick else SYNTHETIC_SIZES:
        nets.append(Network(f"synthetic-{_size_label(n)}", f"synthetic:n={n},seed=1", "synthetic"))
    return nets


def select_networks(args: argparse.Namespace) -> list[Network]:
    """Networks chosen by ``--quick`` / ``--networks`` (substring match on names)."""
    nets = all_networks(quick=args.quick and not args.networks)
    if args.networks:
        wanted = [w.strip() for w in args.networks.split(",") if w.strip()]
        nets = [n for n in all_networks(quick=False) if any(w in n.name for w in wanted)]
        if not nets:
            names = ", ".join(n.name for n in all_networks(quick=False))
            raise SystemExit(f"--networks {args.networks!r} matches none of: {names}")
    return nets


# ------------------------------------------------------------------------------ timing
@dataclass
class Timing:
    """Timed runs of one method."""

    times: list[float]
    scale: float = 1.0
    note: str = ""
    extra: dict = field(default_factory=dict)
    cpu_times: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median seconds per call, times ``scale``."""
        return statistics.median(self.times) * self.scale


@dataclass
class Method:
    """A method to time: ``fn()`` is one call; ``scale`` multiplies its time (subset runs)."""

    fn: Callable[[], Any]
    scale: float = 1.0
    note: str = ""


def _yield_cpu() -> None:
    """Give up the CPU before a timed call, so that on a busy machine a short call starts
    with a fresh scheduler time slice instead of being preempted half-way at random."""
    if hasattr(os, "sched_yield"):
        os.sched_yield()


def measure(methods: dict[str, Callable[[], Any] | Method], repeat: int = 5, budget_s: float = 20.0,
            warmup: bool = True, min_sample_s: float = 0.0) -> dict[str, Timing]:
    """Median-of-``repeat`` timings of several methods, run round-robin.

    Parameters
    ----------
    methods
        Name -> zero-argument callable (or :class:`Method`).
    repeat
        Timed samples per method.
    budget_s
        A method stops being repeated once its total timed time exceeds this budget.
    warmup
        One untimed call of each method first (one-time set-up: imports, caches); its
        time is kept as ``extra["first_call_s"]``.
    min_sample_s
        When > 0, a method whose single call is shorter than this is timed in batches, as
        :mod:`timeit` does: each sample runs ``number`` back-to-back calls (``number`` set
        once from a probe call so that a sample lasts about ``min_sample_s``, at most
        10,000) and records their mean.  Microsecond calls are then measured at their
        steady-state cost, not dominated by the timer and by caches cooled by the other
        methods' samples.  ``number`` is kept as ``extra["calls_per_sample"]``.
    """
    ms = {k: m if isinstance(m, Method) else Method(m) for k, m in methods.items()}
    out = {k: Timing([], m.scale, m.note) for k, m in ms.items()}
    number = dict.fromkeys(ms, 1)
    if warmup:
        for k, m in ms.items():
            t0 = time.perf_counter()
            m.fn()
            out[k].extra["first_call_s"] = (time.perf_counter() - t0) * m.scale
    if min_sample_s > 0:
        for k, m in ms.items():
            t0 = time.perf_counter()
            m.fn()
            probe = time.perf_counter() - t0
            number[k] = max(1, min(10_000, int(min_sample_s / max(probe, 1e-7))))
            out[k].extra["calls_per_sample"] = number[k]
    for _ in range(max(1, repeat)):
        for k, m in ms.items():
            if out[k].times and sum(out[k].times) * number[k] > budget_s:
                continue
            fn, calls = m.fn, number[k]
            _yield_cpu()
            c0 = time.process_time()
            t0 = time.perf_counter()
            for _ in range(calls):
                fn()
            out[k].times.append((time.perf_counter() - t0) / calls)
            out[k].cpu_times.append((time.process_time() - c0) / calls)
    return out


# ----------------------------------------------------------------------------- results
@dataclass
class Row:
    case: str
    network: str
    nodes: int
    timings: dict[str, Timing]
    info: dict = field(default_factory=dict)


class Results:
    """Collects timings per (case, network); prints a table and writes JSON.

    Parameters
    ----------
    title
        Benchmark name (JSON ``benchmark``).
    baseline
        Method every ratio is relative to (``ratio = method median / baseline median``,
        so a ratio of 3 means the baseline is 3x faster).
    """

    def __init__(self, title: str, baseline: str = "kaicity") -> None:
        self.title = title
        self.baseline = baseline
        self.rows: list[Row] = []
        self.targets: list[dict] = []

    def add(self, case: str, network: Network | str, nodes: int, timings: dict[str, Timing],
            **info: Any) -> Row:
        """Record one case on one network (``info``: extra JSON fields, e.g. memory)."""
        row = Row(case, network if isinstance(network, str) else network.name, nodes, timings, info)
        self.rows.append(row)
        return row

    def ratio(self, row: Row, method: str) -> float | None:
        base = row.timings.get(self.baseline)
        other = row.timings.get(method)
        if base is None or other is None or base.median <= 0:
            return None
        return other.median / base.median

    def check(self, row: Row, method: str, at_least: float, what: str) -> bool | None:
        """Record a target "``baseline`` is at least ``at_least`` x faster than ``method``"."""
        r = self.ratio(row, method)
        ok = None if r is None else r >= at_least
        self.targets.append({"case": row.case, "network": row.network, "target": what, "method": method,
                             "at_least": at_least, "ratio": r, "pass": ok})
        return ok

    def check_value(self, row: Row, what: str, ok: bool, **fields: Any) -> bool:
        """Record a target that is a plain yes/no (e.g. a memory bound)."""
        self.targets.append({"case": row.case, "network": row.network, "target": what, "pass": bool(ok),
                             **fields})
        return bool(ok)

    # ------------------------------------------------------------------ output
    def methods(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            for m in row.timings:
                if m not in seen:
                    seen.append(m)
        if self.baseline in seen:
            seen.remove(self.baseline)
            seen.insert(0, self.baseline)
        return seen

    def print_table(self, file=None) -> None:
        """One line per (case, network): median ms of each method and its ratio to the baseline."""
        file = file or sys.stdout
        methods = self.methods()
        head = f"{'case':<16} {'network':<28} {'nodes':>8}"
        for m in methods:
            head += f" {m + ' ms':>13}" + ("" if m == self.baseline else f" {'x':>6}")
        print(head, file=file)
        print("-" * len(head), file=file)
        for row in self.rows:
            line = f"{row.case:<16} {row.network:<28} {row.nodes:>8,}"
            for m in methods:
                t = row.timings.get(m)
                if t is None:
                    line += f" {'-':>13}" + ("" if m == self.baseline else f" {'':>6}")
                    continue
                mark = "*" if t.scale != 1.0 else ""
                line += f" {t.median * 1e3:>12.3f}{mark or ' '}"
                if m != self.baseline:
                    r = self.ratio(row, m)
                    line += f" {r:>6.1f}" if r is not None else f" {'':>6}"
            print(line, file=file)
        print(f"(median of repeated runs; 'x' = method time / {self.baseline} time; "
              "* = timed on a subset of the searches and scaled linearly)", file=file)
        if self.targets:
            print("\ntargets:", file=file)
            for t in self.targets:
                status = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
                detail = f"ratio {t['ratio']:.1f}" if t.get("ratio") is not None else t.get("detail", "")
                print(f"  {status} {t['case']:<16} {t['network']:<28} {t['target']} ({detail})", file=file)
        file.flush()

    def to_dict(self, settings: dict | None = None) -> dict:
        rows = []
        for row in self.rows:
            methods = {}
            for m, t in row.timings.items():
                methods[m] = {
                    "median_s": t.median,
                    "min_s": min(t.times) * t.scale if t.times else None,
                    # process CPU time (all threads): shows how much a busy machine slowed a run
                    "median_cpu_s": statistics.median(t.cpu_times) * t.scale if t.cpu_times else None,
                    "runs": len(t.times),
                    "times_s": [x * t.scale for x in t.times],
                    f"ratio_to_{self.baseline}": self.ratio(row, m),
                    **({"scaled_from_fraction": 1.0 / t.scale} if t.scale != 1.0 else {}),
                    **({"note": t.note} if t.note else {}),
                    **t.extra,
                }
            rows.append({"case": row.case, "network": row.network, "nodes": row.nodes, **row.info,
                         "methods": methods})
        return {"benchmark": self.title, "baseline": self.baseline, "machine": machine_info(),
                "settings": settings or {}, "results": rows, "targets": self.targets}

    def write_json(self, path: str | Path | None, settings: dict | None = None) -> None:
        """Write :meth:`to_dict` to ``path`` (nothing when ``path`` is None)."""
        if not path:
            return
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(settings), indent=2, default=_json_default))
        print(f"# wrote {path}", flush=True)


def _json_default(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


# ----------------------------------------------------------------------------- machine
def machine_info() -> dict:
    """CPU, core count, Python and library versions, OpenMP threads of the kaicity core."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu": platform.processor() or "",
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        info["load_avg"] = os.getloadavg()
    except OSError:
        pass
    versions = {}
    for mod in ("numpy", "scipy", "networkx", "igraph", "kaicity"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - a missing optional peer is fine
            versions[mod] = None
    info["versions"] = versions
    try:
        from kaicity._core import _info

        info["openmp"] = bool(_info.openmp_enabled())
        info["threads"] = int(_info.max_threads())
    except ImportError:
        pass
    return info


def bench_parser(description: str) -> argparse.ArgumentParser:
    """Common options: ``--quick``, ``--networks``, ``--repeat``, ``--json``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="one Seoul network and the 10k synthetic city, "
                                                         "fewer repeats")
    p.add_argument("--networks", default="", help="comma-separated substrings of network names "
                                                   "(e.g. 'mapo,synthetic-50k')")
    p.add_argument("--repeat", type=int, default=None, help="timed runs per method (default 7, quick 3)")
    p.add_argument("--json", default=None, metavar="PATH", help="write the results as JSON")
    return p


def repeat_count(args: argparse.Namespace, full: int = 7, quick: int = 3) -> int:
    """``--repeat`` if given, else the default for full or quick runs."""
    return args.repeat if args.repeat else (quick if args.quick else full)


def optional_import(name: str):
    """Import a peer library, or return None (with a note) when it is not installed."""
    try:
        return __import__(name)
    except ImportError:
        print(f"# {name} is not installed: its columns are skipped (`make bench` installs it)", flush=True)
        return None


def chunks(seq: Sequence, size: int) -> list[Sequence]:
    """``seq`` cut into consecutive pieces of at most ``size``."""
    return [seq[i:i + size] for i in range(0, len(seq), size)]
