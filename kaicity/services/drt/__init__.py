"""AI-dispatched demand-responsive transit (DRT), after MATSim's DRT contrib.

One job per module, all sharing one :class:`~kaicity.services.drt.schedule.Schedule`:

* :mod:`.service`: :class:`DRTService`, the facade implementing
  :class:`~kaicity.services.transit.TransitService` (quote, book, advance);
* :mod:`.rules`: the dispatch rules read from the scenario's ``transit.drt`` section;
* :mod:`.schedule`: the shared state (per-vehicle stop arrays, rides, legs, clock);
* :mod:`.stops`: served zones, virtual stops, depots, walks to and from stops;
* :mod:`.travel`: exact drive times (row cache, bounded searches, paths);
* :mod:`.insertion`: request evaluation and commit (the insertion heuristic);
* :mod:`.batch`: re-assignment of a window's requests;
* :mod:`.rebalancing`: demand forecast and rebalancing of idle vehicles;
* :mod:`.vehicles`: the vans driving their schedules;
* :mod:`.log`: the records (the indicators computed from them live in :mod:`kaicity.metrics.drt`).

Rejection reasons: ``outside_hours``, ``outside_zone``, ``no_stop_within_walk``,
``same_stop``, ``unreachable``, ``no_vehicle_within_max_wait``, ``capacity``,
``detour_of_others`` (:data:`REASONS`).  Plots live with the reports
(:mod:`kaicity.plots.drt`); the Mesa agent over each van with the
agents (``agents/drt.py``, ``DRTVehicle``).
"""

from kaicity.services.drt.log import REASONS
from kaicity.services.drt.schedule import DEPOT, DROPOFF, PICKUP, RELOCATE, STOP, Leg, Ride, Schedule
from kaicity.services.drt.service import DRTService
from kaicity.services.drt.vehicles import Van

__all__ = ["DEPOT", "DROPOFF", "PICKUP", "REASONS", "RELOCATE", "STOP", "DRTService", "Leg", "Ride", "Schedule",
           "Van"]
