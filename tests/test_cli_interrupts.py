"""An error raised while Ctrl-C or SIGTERM unwinds a command still exits as that signal (130 / 143)."""

from __future__ import annotations

import pytest

from kaicity import cli
from kaicity.commands import run as run_command
from kaicity.interrupts import Terminated


def _fails_while_unwinding(signal_kind):
    def command(args):
        try:
            raise signal_kind()
        finally:  # clean-up code that breaks under the signal, as tqdm's write lock can
            raise AttributeError("type object 'tqdm_asyncio' has no attribute '_lock'")

    return command


@pytest.mark.parametrize(("kind", "code", "word"), [(KeyboardInterrupt, 130, "interrupted"),
                                                    (Terminated, 143, "terminated")])
def test_error_raised_during_an_interrupt_exits_as_the_interrupt(monkeypatch, capsys, kind, code, word):
    monkeypatch.setattr(run_command, "run", _fails_while_unwinding(kind))
    assert cli.main(["run", "scenarios/smart_city.yaml"]) == code
    assert capsys.readouterr().err.strip().endswith(word)


def test_other_errors_are_not_taken_for_interrupts(monkeypatch):
    def command(args):
        raise AttributeError("a real bug")

    monkeypatch.setattr(run_command, "run", command)
    with pytest.raises(AttributeError, match="a real bug"):
        cli.main(["run", "scenarios/smart_city.yaml"])


def test_interrupted_by_follows_causes_and_contexts():
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as inner:
            raise ValueError("during") from inner
    except ValueError as exc:
        assert isinstance(cli.interrupted_by(exc), KeyboardInterrupt)
    assert cli.interrupted_by(ValueError("plain")) is None
