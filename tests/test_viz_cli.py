"""``kaicity viz`` as a command: option checks before anything starts, and a server that dies with its parent.

The option checks run in-process (no server starts).  The lifetime tests start the real
command in a subprocess on a free port, wait for "serving", kill it and check that the
port is free again (no orphaned Solara server holds it).
"""

from __future__ import annotations

import errno
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kaicity.cli import main
from kaicity.commands.viz import free_port

ROOT = Path(__file__).resolve().parents[1]
SMART = str(ROOT / "scenarios" / "smart_city.yaml")
SMALL = ["--set", "population.residents=600", "--set", "city.n_nodes=900"]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["viz", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--port", "65536", "--port 65536 is out of range"),
    ("--port", "-1", "--port -1 is out of range"),
    ("--host", "a b", "not a valid host name"),
    ("--host", "999.1.1.1", "not a valid IPv4 address"),
    ("--host", "-bad-.example", "not a valid host name"),
    ("--seed", "-1", "--seed -1 is out of range"),
    ("--seed", str(2**32), f"--seed {2**32} is out of range"),
    ("--start-hour", "24", "--start-hour 24 is out of range"),
])
def test_bad_option_is_a_one_line_error(capsys, option, value, words):
    code, out, err = run_cli(capsys, SMART, f"{option}={value}")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kaicity viz: error: ") and words in lines[0]


def test_largest_seed_and_hours_pass_the_option_check():
    from argparse import Namespace

    from kaicity.commands.viz import check_options

    for seed, hour in ((0, 0), (2**32 - 1, 23)):
        check_options(Namespace(port=8765, host="127.0.0.1", start_hour=hour, seed=seed))


def test_host_that_is_not_this_machine_is_refused(capsys):
    code, _, err = run_cli(capsys, SMART, "--host", "192.0.2.254", "--port", "0")  # TEST-NET-1, not ours
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "not an address of this machine" in err


def test_port_in_use_is_refused_before_serving(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, out, err = run_cli(capsys, SMART, "--port", str(port))
    assert code == 2
    assert "serving" not in out + err
    [line] = err.strip().splitlines()
    assert f"port {port} on 127.0.0.1 is already in use" in line


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            assert exc.errno == errno.EADDRINUSE
            return False
        return True


def start_viz(tmp_path: Path, *args: str, timeout: float = 90.0) -> tuple[subprocess.Popen, str, Path]:
    """``kaicity viz`` in its own session; returns the process, its URL and its log."""
    log = tmp_path / "viz.log"
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", MPLBACKEND="Agg")
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kaicity", "viz", SMART, *SMALL, *args], cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text(errors="replace")
        m = re.search(r"serving (http://\S+)", text)
        if m:
            return proc, m.group(1), log
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"kaicity viz did not start (exit {proc.poll()}):\n{text[-3000:]}")
        time.sleep(0.2)


def kill_group(proc: subprocess.Popen) -> None:
    """Kill whatever is left of the test's process group (an orphaned server too)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=20)


def wait_port_free(port: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_is_free(port):
            return True
        time.sleep(0.2)
    return port_is_free(port)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_viz_leaves_no_server_holding_the_port(tmp_path, sig):
    port = free_port()
    proc, url, log = start_viz(tmp_path, "--port", str(port))
    try:
        assert url == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
        assert not port_is_free(port)
        proc.send_signal(sig)  # only the kaicity process, not its group: the server must follow by itself
        proc.wait(timeout=20)
        assert wait_port_free(port), f"a server still holds port {port} after {sig.name}:\n{log.read_text()[-2000:]}"
    finally:
        kill_group(proc)


def test_any_interface_warns_and_prints_a_working_url(tmp_path):
    port = free_port("0.0.0.0")
    proc, url, log = start_viz(tmp_path, "--host", "0.0.0.0", "--port", str(port))
    try:
        assert "0.0.0.0" not in url and url.endswith(f":{port}/")
        text = log.read_text()
        assert re.search(r"warning: --host 0\.0\.0\.0 .*reach this machine", text)
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
    finally:
        kill_group(proc)
