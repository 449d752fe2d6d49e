"""Make ``docs/img/viz.png``: the live visualization in headless Chromium, after some steps.

``python docs/make_screenshot.py [--out docs/img/viz.png] [--steps 90]`` (``make screenshot``).

Starts ``kaicity viz scenarios/smart_city.yaml --compare scenarios/ai_city.yaml`` on a
free port (from 07:00 so the morning is under way), opens it in Debian's Chromium
through Playwright with every non-local request blocked (the page renders offline),
plays until the step counter reaches ``--steps``, pauses, and saves a palette PNG small
enough for the README (< 300 kB).  Needs ``/usr/bin/chromium`` (``apt-get install -y
chromium``) and the ``playwright`` Python package; never ``playwright install``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
MAX_BYTES = 300_000


def start_server(args: list[str], log: Path, timeout: float = 180.0) -> tuple[subprocess.Popen, str]:
    """Start ``kaicity viz ARGS`` (own process group); returns the process and its URL."""
    from kaicity.commands.viz import free_port

    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "kaicity", "viz", *args, "--port", str(free_port())]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        m = re.search(r"serving (http://\S+)", log.read_text(errors="replace"))
        if m:
            return proc, m.group(1)
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise SystemExit(f"kaicity viz did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's process group (SIGTERM, then SIGKILL)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def shrink_png(png: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """A palette (256-colour) PNG of ``png``, scaled down until it is under ``max_bytes``."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    scale = 1.0
    while True:
        im = img if scale == 1.0 else img.resize((int(img.width * scale), int(img.height * scale)),
                                                 Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buf, format="PNG", optimize=True)
        if buf.tell() < max_bytes or scale < 0.4:
            return buf.getvalue()
        scale *= 0.85


def capture(url: str, steps: int, width: int, height: int) -> bytes:
    """Open ``url``, play to ``steps`` steps, pause, and return a PNG screenshot of the viewport."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        base = url.rstrip("/")
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                   else r.abort())
        page.goto(url)
        page.locator("img.kaicity-map").first.wait_for(timeout=120_000)
        counter = page.get_by_text(re.compile(r"^Step: \d+$"))
        page.get_by_role("button", name="▶").click()
        deadline = time.monotonic() + 600
        while int(counter.inner_text().split(":")[1]) < steps:
            if time.monotonic() > deadline:
                raise SystemExit("the page did not reach the requested step in 10 minutes")
            page.wait_for_timeout(250)
        page.get_by_role("button", name="❚❚").click()
        expect(page.get_by_role("button", name="Step")).to_be_enabled()
        page.wait_for_timeout(1500)  # let the last images and charts arrive
        png = page.screenshot(full_page=False)
        browser.close()
    return png


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "viz.png")
    ap.add_argument("--scenario", default="scenarios/smart_city.yaml")
    ap.add_argument("--compare", default="scenarios/ai_city.yaml", help="second scenario ('' for none)")
    ap.add_argument("--steps", type=int, default=90, help="steps (minutes) to play before the screenshot")
    ap.add_argument("--set", action="append", default=["simulation.start_hour=7"], metavar="KEY=VALUE",
                    help="scenario overrides (default: simulation.start_hour=7)")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1760)
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 1
    for sig in (signal.SIGTERM, signal.SIGHUP):  # run the `finally` below (stop the server) when killed
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    viz_args = [args.scenario] + (["--compare", args.compare] if args.compare else [])
    for item in args.set:
        viz_args += ["--set", item]
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(viz_args, Path(tmp) / "server.log")
        try:
            png = capture(url, args.steps, args.width, args.height)
        finally:
            stop_server(proc)
    small = shrink_png(png)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(small)
    print(f"wrote {args.out} ({len(small) / 1000:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
