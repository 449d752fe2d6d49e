"""The Dask cluster of a sweep: a new local one or an existing scheduler, checked before use."""

from __future__ import annotations

import os
import signal
import threading

from kaicity.errors import SweepError
from kaicity.sweep.results import one_line

__all__ = ["CONNECT_TIMEOUT_S", "MAX_WORKERS_PER_CPU", "check_scheduler", "check_workers", "connect"]

#: Most local worker processes per CPU core (the runs are CPU-bound; more only costs memory).
MAX_WORKERS_PER_CPU = 4
#: Seconds to wait for an existing scheduler to answer, and then for its first worker.
CONNECT_TIMEOUT_S = 5.0


def check_workers(n_workers: int) -> None:
    """Refuse fewer than one local worker, or more than :data:`MAX_WORKERS_PER_CPU` per core."""
    if n_workers < 1:
        raise SweepError(f"--workers must be at least 1, got {n_workers}")
    cpus = os.cpu_count() or 1
    if n_workers > MAX_WORKERS_PER_CPU * cpus:
        raise SweepError(f"--workers {n_workers:,} is more than {MAX_WORKERS_PER_CPU} per CPU core "
                         f"({cpus} cores here); use at most {MAX_WORKERS_PER_CPU * cpus}")


def check_scheduler(address: str) -> None:
    """Refuse a malformed scheduler address (``tcp://host:port``) before connecting."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, loc = parse_address(address)
        if scheme not in ("tcp", "tls"):
            raise ValueError(f"the scheme must be tcp:// or tls://, not {scheme}://")
        host, port = parse_host_port(loc)
        if not host or not 0 < int(port) < 65536:
            raise ValueError("it needs a host and a port in 1-65535")
    except (ValueError, TypeError) as exc:
        raise SweepError(f"--scheduler {address!r} is not a Dask scheduler address like tcp://host:8786 "
                         f"({' '.join(str(exc).split())})") from None


def _ignore_sigint():
    """Ignore SIGINT (in the main thread only); return the handler to restore, or ``None``."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_IGN)


def connect(scheduler: str | None, n_workers: int, *, processes: bool = True):
    """A Dask client on ``scheduler`` (with a connect timeout) or on a new local cluster.

    Returns
    -------
    (client, cluster)
        ``cluster`` is ``None`` for an existing scheduler.
    """
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler is None:
        # Workers start with SIGINT ignored: a Ctrl-C in the terminal (sent to the whole process group)
        # stops this process, which then closes the cluster, instead of crashing every worker with a
        # traceback (a Ctrl-C during these seconds of start-up is lost).  A dashboard on a free port
        # (":0") avoids a warning when 8787 is taken.
        previous = _ignore_sigint()
        try:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        return Client(cluster), cluster
    check_scheduler(scheduler)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the address's fault
        raise SweepError(f"--scheduler {scheduler}: no Dask scheduler answered within {CONNECT_TIMEOUT_S:g} s "
                         f"({one_line(exc)}); start one (dask scheduler) or check the address") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except Exception:  # noqa: BLE001
        client.close()
        raise SweepError(f"--scheduler {scheduler}: the scheduler has no workers; start some "
                         f"(dask worker {scheduler})") from None
    return client, None
