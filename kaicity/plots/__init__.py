"""Figures of a run (matplotlib), read by the reports; the model and services never import them.

Figures are built with matplotlib's object API (:func:`subplots` below), never with
``pyplot``: nothing here switches the backend or keeps global figure state, so importing
the reports in Jupyter leaves inline figures working.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

#: Keywords of :func:`subplots` that belong to the Figure rather than to its axes grid.
_FIGURE_KEYWORDS = ("figsize", "dpi", "layout", "facecolor")


def subplots(*args: Any, **kwargs: Any) -> tuple[Figure, Any]:
    """``pyplot.subplots`` without pyplot: a standalone Figure and its axes.

    Takes the same arguments; save with ``fig.savefig(path)`` (no ``close`` needed: the
    figure is freed with its last reference).
    """
    fig = Figure(**{k: kwargs.pop(k) for k in _FIGURE_KEYWORDS if k in kwargs})
    return fig, fig.subplots(*args, **kwargs)
