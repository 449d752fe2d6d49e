"""``kaicity viz SCENARIO.yaml [--compare OTHER.yaml] [--host H] [--port N] [--set KEY=VALUE]``.

Starts the SolaraViz app (``solara run kaicity/viz/app.py --production --no-open``) in a
subprocess, with the scenario paths and overrides in ``KAICITY_VIZ_*`` environment
variables, waits until it answers and prints its URL.  It binds to 127.0.0.1 unless
told otherwise and runs until interrupted (Ctrl-C), stopping the server with it.
A scenario that fails validation is reported here as a warning and on the page.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

#: Seconds to wait for the server to answer before giving up.
STARTUP_TIMEOUT_S = 120.0


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
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key of both scenarios (dotted path, YAML value), "
                        "e.g. --set population.residents=2000")
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.set_defaults(func=run)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def app_path() -> Path:
    """The SolaraViz app file."""
    import kaicity.viz

    return Path(kaicity.viz.__file__).resolve().parent / "app.py"


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line of the app."""
    return [sys.executable, "-m", "solara", "run", str(app_path()), "--host", host, "--port", str(port),
            "--production", "--no-open"]


def server_env(scenario: str, compare: str | None, overrides: dict) -> dict[str, str]:
    """Environment of the server process: scenario settings, no telemetry, Agg backend."""
    from kaicity.viz.assets import SERVER_ENV

    env = dict(os.environ)
    env.update(SERVER_ENV)
    env["KAICITY_VIZ_SCENARIO"] = scenario
    env.pop("KAICITY_VIZ_COMPARE", None)
    if compare:
        env["KAICITY_VIZ_COMPARE"] = compare
    env["KAICITY_VIZ_OVERRIDES"] = json.dumps(overrides) if overrides else ""
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
    port = args.port or free_port(args.host)
    host_for_url = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    url = f"http://{host_for_url}:{port}/"
    proc = subprocess.Popen(server_command(args.host, port),
                            env=server_env(paths[0], paths[1] if len(paths) > 1 else None, overrides))

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
        if not wait_until_up(url, proc):
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
