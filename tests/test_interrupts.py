"""An interrupt whose exception Python dropped (inside a finalizer or weakref callback) is raised at the next tick."""

from __future__ import annotations

import signal

import pytest

from kaicity import interrupts
from kaicity.cli import _sigterm_as_interrupt
from kaicity.model import KaiCityModel


@pytest.fixture(autouse=True)
def _no_request_left():
    interrupts.clear()
    yield
    interrupts.clear()


def test_check_raises_the_recorded_kind_until_cleared():
    interrupts.check()  # nothing recorded: no-op
    interrupts.request(interrupts.Terminated)
    with pytest.raises(interrupts.Terminated):
        interrupts.check()
    with pytest.raises(interrupts.Terminated):  # still recorded: raised again at every check
        interrupts.check()
    interrupts.clear()
    interrupts.check()


def test_a_dropped_interrupt_stops_the_model_at_its_next_tick(root):
    model = KaiCityModel(root / "scenarios" / "smart_city.yaml",
                         overrides={"population.residents": 200, "city.n_nodes": 1200})
    model.step()
    interrupts.request(KeyboardInterrupt)  # as the signal handler does before its raise is swallowed
    with pytest.raises(KeyboardInterrupt):
        model.step()


def test_the_command_line_handlers_record_the_signal_and_forget_it_after():
    with _sigterm_as_interrupt():
        handler = signal.getsignal(signal.SIGTERM)
        with pytest.raises(interrupts.Terminated):
            handler(signal.SIGTERM, None)
        with pytest.raises(interrupts.Terminated):
            interrupts.check()
    interrupts.check()  # cleared when the command's signal handling ends
