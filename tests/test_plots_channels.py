"""The shared channel palette: one colour per channel in every panel, one legend per figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from kaicity.categories import GROUPS
from kaicity.errors import KaicityError
from kaicity.model import DELIVERIES
from kaicity.plots.channels import CHANNEL_COLOURS, CHANNEL_LABELS, channel_shares, plot_channel_shares
from kaicity.report import comparison as comparison_report
from kaicity.report import run as run_report


def _trips(channels: list[str], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    outcome = rng.choice(["met", "forgone", "pending"], n, p=[0.8, 0.1, 0.1])
    return pd.DataFrame({
        "group": rng.choice(list(GROUPS), n),
        "outcome": outcome,
        "delivery": np.where(outcome == "met", rng.choice(channels, n), ""),
    })


def test_palette_covers_every_channel_once() -> None:
    assert tuple(CHANNEL_COLOURS) == DELIVERIES
    assert tuple(CHANNEL_LABELS) == DELIVERIES
    assert len({to_hex(c) for c in CHANNEL_COLOURS.values()}) == len(DELIVERIES)
    assert run_report.DELIVERY_COLOURS is CHANNEL_COLOURS
    assert comparison_report.DELIVERY_COLOURS is CHANNEL_COLOURS


def test_channel_shares_has_every_channel_in_order() -> None:
    trips = _trips(["walk", "bus"], seed=1)
    shares = channel_shares(trips)
    assert list(shares.columns) == list(DELIVERIES)
    assert list(shares.index) == [g for g in GROUPS if g in set(trips["group"])]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert (shares.drop(columns=["walk", "bus"]) == 0).all().all()
    met = trips[trips["outcome"] == "met"]
    for group, row in shares.iterrows():
        sub = met[met["group"] == group]
        assert row["walk"] == pytest.approx((sub["delivery"] == "walk").mean())


def test_panels_share_colours_and_one_legend() -> None:
    smart = channel_shares(_trips(["walk", "car", "bus", "online"], seed=2))
    ai = channel_shares(_trips(["walk", "drt", "ai_remote", "support_centre"], seed=3))
    fig = plot_channel_shares({"smart_city": smart, "ai_city": ai})
    try:
        colours: dict[str, set[str]] = {}
        for ax in fig.axes:
            assert ax.get_legend() is None
            for container in ax.containers:
                colours.setdefault(container.get_label(), set()).update(
                    to_hex(p.get_facecolor()) for p in container.patches)
        assert set(colours) == {"walk", "car", "bus", "online", "drt", "ai_remote", "support_centre"}
        for channel, seen in colours.items():
            assert seen == {to_hex(CHANNEL_COLOURS[channel])}, channel
        assert len(fig.legends) == 1
        legend = fig.legends[0]
        used = [c for c in DELIVERIES if c in colours]
        assert [t.get_text() for t in legend.get_texts()] == [CHANNEL_LABELS[c] for c in used]
        assert [to_hex(h.get_facecolor()) for h in legend.legend_handles] == [to_hex(CHANNEL_COLOURS[c]) for c in used]
    finally:
        plt.close(fig)


def test_bad_input_is_a_kaicity_error() -> None:
    with pytest.raises(KaicityError, match="no panels"):
        plot_channel_shares({})
    with pytest.raises(KaicityError, match="delivery"):
        channel_shares(pd.DataFrame({"group": ["adult"], "outcome": ["met"]}))
