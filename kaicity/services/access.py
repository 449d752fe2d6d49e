"""Where the nearest open place of a kind is, on foot and by car, from every home.

One :class:`PlaceAccess` per facility category (and one for AI support centres) wraps
the nearest-place table of :func:`kaicity.accessibility.nearest_facility_times` (the one
that ``kaicity access`` and the 15-minute KPIs use) on the walk graph (metres) and on the
drive graph (seconds *to* the nearest place), so each decision is an array lookup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kaicity.accessibility import nearest_facility_times
from kaicity.network.city import City
from kaicity.network.graph import Graph

#: Minutes added to every car trip for parking and walking from the car (assumption).
CAR_ACCESS_S = 180.0


@dataclass(frozen=True)
class AccessInfo:
    """Nearest places from one home: on foot (place, its walk node, metres) and by car (place, seconds)."""

    walk_place: int
    walk_node: int
    walk_m: float
    car_place: int
    car_s: float


def nearest_table(graph: Graph, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost from every node *to* its nearest place, and which place (index into ``nodes``; -1 if none).

    One column of :func:`kaicity.accessibility.nearest_facility_times` with the places as
    facilities (``facility_id`` = position), so ties go to the lowest position.
    """
    places = pd.DataFrame({"category": "place", "node": np.asarray(nodes, dtype=np.int64),
                           "facility_id": np.arange(len(nodes), dtype=np.int64)})
    table = nearest_facility_times(graph, places, categories=("place",))
    return table.distance[:, 0], table.facility[:, 0]


class PlaceAccess:
    """Nearest-place tables for a set of places.

    Parameters
    ----------
    city
        The city.
    walk_nodes, drive_nodes
        Walk- and drive-graph node of each place (only places that are open for service).
    place_ids
        Identifier reported for each place (e.g. its index in the model's facility list).
    """

    def __init__(self, city: City, walk_nodes: np.ndarray, drive_nodes: np.ndarray, place_ids: np.ndarray):
        self.city = city
        self.place_ids = np.asarray(place_ids, dtype=np.int64)
        self.walk_nodes = np.asarray(walk_nodes, dtype=np.int64)
        n_walk, n_drive = city.walk.n_nodes, city.drive.n_nodes
        if len(self.place_ids) == 0:
            self.walk_m = np.full(n_walk, np.inf)
            self.walk_which = np.full(n_walk, -1, dtype=np.int64)
            self.car_s = np.full(n_drive, np.inf)
            self.car_which = np.full(n_drive, -1, dtype=np.int64)
            return
        self.walk_m, self.walk_which = nearest_table(city.walk, self.walk_nodes)
        self.car_s, self.car_which = nearest_table(city.drive, np.asarray(drive_nodes, dtype=np.int64))

    @property
    def empty(self) -> bool:
        """True when there is no open place."""
        return len(self.place_ids) == 0

    def lookup(self, home: int) -> AccessInfo:
        """Nearest places from walk node ``home``."""
        wi = int(self.walk_which[home])
        d = int(self.city.walk_to_drive[home])
        ci = int(self.car_which[d])
        walk_place = int(self.place_ids[wi]) if wi >= 0 else -1
        walk_node = int(self.walk_nodes[wi]) if wi >= 0 else (int(self.walk_nodes[ci]) if ci >= 0 else -1)
        car_place = int(self.place_ids[ci]) if ci >= 0 else -1
        car_s = float(self.car_s[d]) + CAR_ACCESS_S if ci >= 0 else math.inf
        return AccessInfo(walk_place, walk_node, float(self.walk_m[home]), car_place, car_s)
