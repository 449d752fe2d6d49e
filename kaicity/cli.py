"""The ``kaicity`` command line.

Each sub-command lives in its own module under :mod:`kaicity.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking
the parsed arguments and returning an exit code.  User mistakes (any
:class:`~kaicity.errors.KaicityError`) are printed as one line on stderr with exit
code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import NoReturn

from kaicity import __version__, interrupts
from kaicity.errors import KaicityError, KaicityWarning
from kaicity.interrupts import Terminated

#: Sub-command modules under kaicity.commands, in the order ``kaicity --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = ("network", "access", "validate", "run", "compare", "sweep", "explore", "viz")


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``kaicity run: error: ...``) and exit 2.

    Sub-command parsers inherit the class (``add_subparsers`` builds them with ``type(self)``).
    """

    def error(self, message: str) -> NoReturn:
        """Print one line naming the command and what is wrong, then exit with code 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command registered."""
    parser = OneLineErrorParser(
        prog="kaicity",
        description="Agent-based simulator of a Korean AI city: smart-city vs AI-city service delivery.",
    )
    parser.add_argument("--version", action="version", version=f"kaicity {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"kaicity.commands.{name}").register(sub)
    return parser


def _raise_terminated(signum, frame) -> None:
    interrupts.request(Terminated)
    raise Terminated()


def _raise_interrupt(signum, frame) -> None:
    interrupts.request(KeyboardInterrupt)
    raise KeyboardInterrupt()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` and SIGINT :class:`KeyboardInterrupt`
    (even when started with SIGINT ignored, as background jobs are); main thread only, restored after.

    Both are also recorded in :mod:`kaicity.interrupts`, so a raise that Python drops (inside a
    finalizer or weakref callback) is raised again at the model's next tick."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old_term = signal.signal(signal.SIGTERM, _raise_terminated)
    old_int = signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)
        interrupts.clear()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        with warnings.catch_warnings(), _sigterm_as_interrupt():
            default_show = warnings.showwarning

            def show(message, category, filename, lineno, file=None, line=None):  # one line, no source
                if issubclass(category, KaicityWarning):
                    print(f"kaicity {args.command}: warning: {message}", file=sys.stderr)
                else:
                    default_show(message, category, filename, lineno, file, line)

            warnings.showwarning = show
            return int(args.func(args) or 0)
    except KaicityError as exc:
        print(f"kaicity {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an error raised while a signal unwound the command is still the signal
        cause = interrupted_by(exc)
        if cause is None:
            raise
        print("terminated" if isinstance(cause, Terminated) else "interrupted", file=sys.stderr)
        return 143 if isinstance(cause, Terminated) else 130


def interrupted_by(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM in ``exc``'s chain of causes and contexts, if any.

    A library's clean-up code can fail while an interrupt unwinds through it (tqdm's write lock,
    for one, is released in a ``finally`` that fails when the signal arrived before the lock was
    made); the command was still interrupted, and its exit code says so.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
