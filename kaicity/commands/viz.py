"""``kaicity viz SCENARIO.yaml [--compare OTHER.yaml] [--host H] [--port N] [--start-hour H] [--seed N]``.

Starts the SolaraViz app (``solara run kaicity/viz/app.py --production --no-open``) in a
subprocess, with the scenario paths and overrides in ``KAICITY_VIZ_*`` environment
variables, waits until it answers and prints its URL.  It binds to 127.0.0.1 unless
told otherwise and runs until interrupted (Ctrl-C), stopping the server with it.
A scenario that fails validation is reported here as a warning and on the page.

Before anything starts, the options are checked (one-line error, exit 2): the port
(0..65535, 0 = any free port) must be free on the host, the host must be an address
of this machine, the start hour 0..23 and the seed 0..2**32-1.  The server dies with
this process: SIGTERM or Ctrl-C stop it, and on Linux the kernel sends it SIGKILL when
this process dies in any other way (``PR_SET_PDEATHSIG``), so no orphan keeps the port.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

#: Seconds to wait for the server to answer before giving up.
STARTUP_TIMEOUT_S = 120.0
#: Largest seed (numpy's legacy seeding and most tools take 32-bit seeds).
MAX_SEED = 2**32 - 1
#: One DNS label of a host name (RFC 1123).
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
#: Hosts that mean "every interface".
ANY_HOSTS = ("0.0.0.0", "::", "")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``viz`` sub-command."""
    p = sub.add_parser("viz", help="open the live browser visualization (SolaraViz)",
                       description="Serve the live map, KPIs and charts of a scenario (and optionally a second "
                                   "one side by side) in the browser; prints the URL.")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--compare", metavar="OTHER.yaml", default=None,
                   help="a second scenario stepped in lockstep and shown side by side")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 = any free port)")
    p.add_argument("--start-hour", type=int, default=None, metavar="H",
                   help="clock hour the page opens at: the runs are advanced to it before the page shows "
                        "(default: the first hour with needs in the scenario's needs.hourly_profile)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the run(s), 0..2**32-1 (default: the scenario's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key of both scenarios (dotted path, YAML value), "
                        "e.g. --set population.residents=2000")
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.set_defaults(func=run)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_host(host: str) -> None:
    """Raise :class:`~kaicity.errors.ServeError` unless ``host`` is an IP address or a valid host name."""
    from kaicity.errors import ServeError

    if host == "":
        return
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    if re.fullmatch(r"[0-9.]+", host):
        raise ServeError(f"--host {host!r} is not a valid IPv4 address (four numbers 0..255); "
                         "use e.g. 127.0.0.1 or 0.0.0.0")
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        raise ServeError(f"--host {host!r} is not a valid host name or IP address; use e.g. 127.0.0.1, "
                         "localhost or 0.0.0.0")


def check_port_free(host: str, port: int) -> int:
    """Bind ``host:port`` once (as the server will) and release it; a one-line error when that fails.

    Returns the port (for ``port=0``, a free one the system picked).
    """
    from kaicity.errors import ServeError

    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ServeError(f"--host {host!r} does not resolve to an address; use e.g. 127.0.0.1 or 0.0.0.0") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        # as uvicorn does: a port held only by closed connections (TIME_WAIT) counts as free
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is already in use (another kaicity viz?); stop that "
                                 "program or choose another --port (0 = any free port)") from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ServeError(f"--host {host!r} is not an address of this machine; use 127.0.0.1 "
                                 "(this machine only) or 0.0.0.0 (every interface)") from None
            if exc.errno == errno.EACCES:
                raise ServeError(f"no permission to use port {port} on {host}; choose a --port above 1023") from None
            raise ServeError(f"cannot use {host}:{port} ({exc.strerror}); choose another --host or --port") from None
        return int(s.getsockname()[1])


def check_options(args: argparse.Namespace) -> None:
    """One-line errors for impossible ``--port``, ``--host``, ``--start-hour`` and ``--seed`` values."""
    from kaicity.errors import ServeError

    if not 0 <= args.port <= 65535:
        raise ServeError(f"--port {args.port} is out of range; use 1..65535 (or 0 for any free port)")
    check_host(args.host)
    if args.start_hour is not None and not 0 <= args.start_hour <= 23:
        raise ServeError(f"--start-hour {args.start_hour} is out of range; use a clock hour 0..23")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise ServeError(f"--seed {args.seed} is out of range; use a whole number 0..{MAX_SEED}")


def _outward_ip() -> str | None:
    """This machine's address on its default route (no packet is sent), else its host name's address."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the route
            ip = s.getsockname()[0]
            if ip and not ip.startswith("0."):
                return ip
    except OSError:
        pass
    try:
        ip = socket.gethostbyname(socket.gethostname())
        return ip if not ip.startswith("0.") else None
    except OSError:
        return None


def url_host(host: str) -> str:
    """The host part of a URL that reaches a server bound to ``host`` (never ``0.0.0.0``)."""
    if host in ANY_HOSTS:
        return _outward_ip() or "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def local_url(host: str, port: int) -> str:
    """A URL of the server reachable from this machine (for the start-up check)."""
    if host in ANY_HOSTS:
        return f"http://127.0.0.1:{port}/"
    return f"http://{url_host(host)}:{port}/"


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when its parent dies (``PR_SET_PDEATHSIG``)."""

    def preexec() -> None:
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


def app_path() -> Path:
    """The SolaraViz app file."""
    import kaicity.viz

    return Path(kaicity.viz.__file__).resolve().parent / "app.py"


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line of the app."""
    return [sys.executable, "-m", "solara", "run", str(app_path()), "--host", host, "--port", str(port),
            "--production", "--no-open"]


def server_env(scenario: str, compare: str | None, overrides: dict, start_hour: int | None = None,
               seed: int | None = None) -> dict[str, str]:
    """Environment of the server process: scenario settings, no telemetry, Agg backend."""
    from kaicity.viz.assets import SERVER_ENV

    env = dict(os.environ)
    env.update(SERVER_ENV)
    env["KAICITY_VIZ_SCENARIO"] = scenario
    env.pop("KAICITY_VIZ_COMPARE", None)
    if compare:
        env["KAICITY_VIZ_COMPARE"] = compare
    env["KAICITY_VIZ_OVERRIDES"] = json.dumps(overrides) if overrides else ""
    env["KAICITY_VIZ_START_HOUR"] = "" if start_hour is None else str(int(start_hour))
    env["KAICITY_VIZ_SEED"] = "" if seed is None else str(int(seed))
    return env


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = STARTUP_TIMEOUT_S) -> bool:
    """Poll ``url`` until it answers; False when the server exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


def _check_scenario(path: str, overrides: dict) -> None:
    """Warn (not fail) about a scenario the page will show as an error."""
    from kaicity.errors import KaicityError
    from kaicity.scenario import load_scenario

    try:
        sc = load_scenario(path)
        if overrides:
            sc.with_overrides(overrides)
    except KaicityError as exc:
        print(f"kaicity viz: warning: {exc} (the page shows this error)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Start the server, print its URL, and wait for it (or Ctrl-C)."""
    from kaicity.errors import InputFileError
    from kaicity.scenario import parse_overrides
    from kaicity.viz.assets import ensure_offline_assets

    check_options(args)
    overrides = parse_overrides(args.set)
    paths = []
    for p in (args.scenario, args.compare):
        if p is None:
            continue
        path = Path(p)
        if not path.is_file():
            raise InputFileError(f"scenario file {p} does not exist")
        paths.append(str(path.resolve()))
    for p in paths:
        _check_scenario(p, overrides)
    for problem in ensure_offline_assets(quiet=True):
        print(f"kaicity viz: warning: {problem}", file=sys.stderr)
    port = check_port_free(args.host, args.port)
    url = f"http://{url_host(args.host)}:{port}/"
    if args.host in ANY_HOSTS:
        print(f"kaicity viz: warning: --host {args.host or repr('')} serves every network interface: anyone who "
              f"can reach this machine can open and drive the page ({url}); use --host 127.0.0.1 to keep it "
              "local", file=sys.stderr)
    env = server_env(paths[0], paths[1] if len(paths) > 1 else None, overrides, args.start_hour, args.seed)
    proc = subprocess.Popen(server_command(args.host, port), env=env,
                            preexec_fn=_die_with_parent(os.getpid()) if sys.platform == "linux" else None)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def on_sigterm(signum, frame) -> None:
        # only raise here: waiting inside the handler would dead-lock with an interrupted proc.wait()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if not wait_until_up(local_url(args.host, port), proc):
            stop()
            print(f"kaicity viz: error: the server did not start on {url} (see the messages above)",
                  file=sys.stderr)
            return 1
        print(f"kaicity viz: serving {url}  (Ctrl-C to stop)", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(url)
        return int(proc.wait())
    except KeyboardInterrupt:
        return 0
    finally:
        stop()
