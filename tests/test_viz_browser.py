"""The live visualization in a real browser: ``kaicity viz`` served, driven in Debian's headless Chromium.

Each test starts ``kaicity viz`` on a free port (its own process group, output in a log
file), opens the page through Playwright with ``/usr/bin/chromium`` and steps the model
with the Step button.  Every request that does not go to the local server is blocked
and recorded: the page must render offline.  Every uncaught page error
(``pageerror``) and every console error fails the test, and the first page is loaded
several times to catch intermittent ones (ECharts' "Initialize failed: invalid dom" came
on about half the loads).  Screenshots land in pytest's tmp_path.
Runs are small (2,500-node city, 1,500 residents) and start at 08:00 so that residents
travel from the first step.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "population.residents=1500", "--set", "city.n_nodes=2500", "--set", "simulation.start_hour=8"]
#: Flags from docs (mesa-notes): headless Chromium in a container, no background traffic.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
STEP_TEXT = re.compile(r"^Step: \d+$")
#: Page loads of one server in the load test.
LOADS = 5

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium); "
                                                      "`apt-get install -y chromium` (.ci/run does it)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright python package is not installed")


def _free_port() -> int:
    from kaicity.commands.viz import free_port

    return free_port()


@contextmanager
def serve(tmp_path: Path, *args: str, timeout: float = 90.0) -> Iterator[str]:
    """Run ``kaicity viz ARGS`` on a free port; yields its URL and stops it by process group."""
    log = tmp_path / f"server-{time.monotonic_ns()}.log"
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "kaicity", "viz", *args, "--port", str(_free_port())]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None:
            text = log.read_text(errors="replace")
            m = re.search(r"serving (http://\S+)", text)
            if m:
                url = m.group(1)
            elif proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"kaicity viz did not start (exit {proc.poll()}):\n{text[-3000:]}")
            else:
                time.sleep(0.2)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@contextmanager
def open_page(browser, url: str) -> Iterator[tuple]:
    """A page on ``url`` with every non-local request blocked and recorded; yields (page, problems)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    problems: list[str] = []
    base = url.rstrip("/")

    def route(r) -> None:
        u = r.request.url
        if u.startswith(base) or u.startswith(("data:", "blob:")):
            r.continue_()
        else:
            problems.append(f"external request {u}")
            r.abort()

    page.route("**/*", route)
    page.on("response", lambda resp: problems.append(f"HTTP {resp.status} {resp.url}") if resp.status >= 400
            else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console error: {msg.text}") if msg.type == "error" else None)
    page.goto(url)
    try:
        yield page, problems
    finally:
        context.close()


def shot(page, selector: str) -> bytes:
    """Screenshot of one element, retried while the page re-mounts it (Vue may replace the node)."""
    for _ in range(10):
        try:
            return page.locator(selector).first.screenshot(timeout=10_000)
        except sync_api.Error:
            page.wait_for_timeout(300)
    return page.locator(selector).first.screenshot(timeout=10_000)


def settle(page, charts: int = 4) -> None:
    """Wait until the maps and every chart have been drawn once."""
    page.locator("img.kaicity-map-static").first.wait_for(timeout=60_000)
    sync_api.expect(page.locator(".kaicity-chart canvas")).to_have_count(charts, timeout=60_000)
    page.wait_for_timeout(500)


def step(page, n: int, start: int = 0) -> None:
    expect = sync_api.expect
    for i in range(start + 1, start + n + 1):
        page.get_by_role("button", name="Step").click()
        expect(page.get_by_text(STEP_TEXT)).to_have_text(f"Step: {i}", timeout=30_000)


def kpi(page, key: str, run: str = "0") -> str:
    return page.locator(f'td[data-kpi="{key}"][data-run="{run}"]').first.inner_text()


def test_single_scenario_in_chromium(browser, tmp_path):
    # the scenario (SMALL) starts at 08:00; the page opens at 09:00, after 60 one-minute steps
    with serve(tmp_path, "scenarios/ai_city.yaml", *SMALL, "--start-hour", "9") as url:
        for load in range(LOADS - 1):  # fresh page loads: page and console errors are intermittent
            with open_page(browser, url) as (page, problems):
                settle(page)
                page.wait_for_timeout(300)
                assert problems == [], f"load {load + 1}: {problems}"
        with open_page(browser, url) as (page, problems):
            check_single_page(page, problems, tmp_path)


def check_single_page(page, problems: list, tmp_path: Path) -> None:
    """Title, start hour, visible slider values, stepping, jump to an hour; no page or console error."""
    page.locator("img.kaicity-map-0").wait_for(timeout=60_000)
    settle(page)
    assert page.title() == "kaicity: ai_city"
    sync_api.expect(page.get_by_text(STEP_TEXT)).to_have_text("Step: 60")
    sync_api.expect(page.locator(".kaicity-caption-0")).to_contain_text("09:00")
    # every slider shows its value without being touched (Vuetify's thumb label)
    residents = page.locator(".v-input__slider", has_text="Residents (ai_city)")
    sync_api.expect(residents.locator(".v-slider__thumb-label")).to_be_visible()
    sync_api.expect(residents.locator(".v-slider__thumb-label")).to_have_text("1500")
    labels = page.locator(".v-slider__thumb-label")
    assert labels.count() >= 6  # play and render intervals, four scenario controls, jump to hour
    for i in range(labels.count()):
        sync_api.expect(labels.nth(i)).to_be_visible()
    before_png = shot(page, "img.kaicity-map-0")
    before_arisen = kpi(page, "needs_arisen")
    step(page, 4, start=60)
    sync_api.expect(page.locator(".kaicity-caption-0")).to_contain_text("09:04")
    after_arisen = kpi(page, "needs_arisen")
    assert int(after_arisen.replace(",", "")) > int(before_arisen.replace(",", "")) > 0
    assert shot(page, "img.kaicity-map-0") != before_png, "the map's agent layer did not change after 4 steps"
    page.screenshot(path=str(tmp_path / "viz_single.png"), full_page=True)
    # jump: the hour slider (at the start hour) one notch on, then the button
    hour = page.locator(".v-input__slider", has_text="Jump to hour").locator("[role=slider]")
    sync_api.expect(hour).to_have_attribute("aria-valuenow", "9")
    hour.focus()
    page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Jump to 10:00").click()
    sync_api.expect(page.locator(".kaicity-caption-0")).to_contain_text("10:00", timeout=30_000)
    sync_api.expect(page.get_by_text(STEP_TEXT)).to_have_text("Step: 120")
    assert problems == []


def test_compare_side_by_side_in_chromium(browser, tmp_path):
    with serve(tmp_path, "scenarios/smart_city.yaml", "--compare", "scenarios/ai_city.yaml", *SMALL) as url, \
            open_page(browser, url) as (page, problems):
        page.locator("img.kaicity-map-1").wait_for(timeout=60_000)
        settle(page)
        assert page.locator("img.kaicity-map-0").count() == 1
        sync_api.expect(page.locator("text=KPI difference")).to_be_visible()
        sync_api.expect(page.locator("th.kaicity-kpi-diff")).to_have_text("ai_city − smart_city")
        sync_api.expect(page.locator(".kaicity-kpi-legend")).to_contain_text("Green: better in ai_city")
        assert page.title() == "kaicity: smart_city vs ai_city"
        maps = [shot(page, f"img.kaicity-map-{i}") for i in (0, 1)]
        step(page, 3)
        sync_api.expect(page.locator(".kaicity-caption-0")).to_contain_text("08:03")
        sync_api.expect(page.locator(".kaicity-caption-1")).to_contain_text("08:03")
        assert [shot(page, f"img.kaicity-map-{i}") for i in (0, 1)] != maps
        # same people, same needs: the needs that arose agree, the difference column says so
        assert kpi(page, "needs_arisen", "0") == kpi(page, "needs_arisen", "1") != "0"
        assert kpi(page, "needs_arisen", "diff") in ("+0", "0")
        page.screenshot(path=str(tmp_path / "viz_compare.png"), full_page=True)
        assert problems == []


def test_bad_scenario_shows_error_in_chromium(browser, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {ROOT / 'scenarios' / 'smart_city.yaml'}\npopulation:\n  elderly_share: 1.7\n")
    with serve(tmp_path, str(bad)) as url, open_page(browser, url) as (page, problems):
        alert = page.get_by_text(re.compile(r"population\.elderly_share"))
        alert.first.wait_for(timeout=60_000)
        assert "bad.yaml" in page.content()
        page.screenshot(path=str(tmp_path / "viz_error.png"), full_page=True)
        assert problems == []
