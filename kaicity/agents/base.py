"""The base class of kaicity's Mesa agents: Mesa's agent with ids counted without keeping models alive.

Mesa 3.3 numbers agents from a class-level ``defaultdict`` keyed by the model
(``mesa.Agent._ids``), so every model that ever made an agent stays in memory for the life of
the process: a Dask worker running hundreds of explorations or replicates grew by gigabytes.
Here the counters sit in a dictionary that holds models weakly, shared by all kaicity agent
classes, so ids are numbered exactly as Mesa numbers them (1, 2, ... per model, across
classes) and a finished model is freed.
"""

from __future__ import annotations

import itertools
import weakref

import mesa


class ModelCounters(weakref.WeakKeyDictionary):
    """``model -> itertools.count(1)``, created on first use, holding the model weakly."""

    def __getitem__(self, model) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class KaicityAgent(mesa.Agent):
    """A Mesa agent whose id counter does not keep its model alive."""

    _ids = ModelCounters()
