"""Interrupt requests (Ctrl-C, SIGTERM) that cannot be lost.

Python drops an exception that a signal handler raises while a finalizer or a weakref
callback runs (it prints "Exception ignored in ..." and goes on), and Mesa keeps its agents
in weak collections: a run could then carry on after Ctrl-C.  The command line's signal
handlers therefore also *record* the request here, and long loops (the model's ticks) call
:func:`check`, which raises it again.  This module imports nothing from kaicity.
"""

from __future__ import annotations


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that commands clean up (e.g. remove a partial output folder)."""


_requested: type[KeyboardInterrupt] | None = None


def request(kind: type[KeyboardInterrupt]) -> None:
    """Record an interrupt of ``kind`` (:class:`KeyboardInterrupt` or :class:`Terminated`)."""
    global _requested
    _requested = kind


def clear() -> None:
    """Forget a recorded interrupt (a command's signal handling has ended)."""
    global _requested
    _requested = None


def check() -> None:
    """Raise the recorded interrupt, if any (cheap: call it once per tick of a long loop)."""
    if _requested is not None:
        raise _requested()
