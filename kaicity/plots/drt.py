"""DRT figures: occupancy over the day and the distribution of waits."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kaicity.metrics.drt import load_series, occupancy_by_hour, waits_min
from kaicity.services.drt import DRTService


def plot_drt(service: DRTService, out_dir: str | Path) -> list[str]:
    """Write ``drt_occupancy.png`` and ``drt_waits.png`` into ``out_dir``; returns their names."""
    from kaicity.plots import subplots

    rules, log, clock = service.rules, service.log, service.schedule.clock
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    grid, load = load_series(log, clock, step_s=300.0)
    fig, (ax1, ax2) = subplots(1, 2, figsize=(11, 4))
    hours = grid / 3600.0 + rules.start_hour
    ax1.plot(hours, load / rules.n_vehicles, color="#ff7f00")
    ax1.set_xlabel("clock hour")
    ax1.set_ylabel("riders on board per vehicle")
    ax1.set_title(f"DRT occupancy ({rules.n_vehicles} vehicles x {rules.seats} seats)")
    occ = occupancy_by_hour(log, rules, clock)
    ax2.bar([int(h) for h in occ], [v or 0.0 for v in occ.values()], color="#ff7f00")
    ax2.set_xlabel("clock hour")
    ax2.set_ylabel("mean riders on board per vehicle")
    ax2.set_title("Occupancy by hour")
    fig.tight_layout()
    fig.savefig(out / "drt_occupancy.png", dpi=110)
    names.append("drt_occupancy.png")

    wait = waits_min(service.schedule.rides)
    fig, ax = subplots(figsize=(6, 4))
    if len(wait):
        ax.hist(wait, bins=np.arange(0.0, max(rules.max_wait_s / 60.0, float(wait.max())) + 1.0, 1.0),
                color="#ff7f00", alpha=0.8)
        ax.axvline(float(wait.mean()), color="k", label=f"mean {wait.mean():.1f} min")
    for ref in (10.0, 15.0):
        ax.axvline(ref, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel("wait for pickup (min)")
    ax.set_ylabel("rides")
    ax.set_title("DRT waits")
    if len(wait):
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "drt_waits.png", dpi=110)
    names.append("drt_waits.png")
    return names
