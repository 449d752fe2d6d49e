"""Key performance indicators (model.md section 5): one home for every outcome definition.

Computed from the records the model keeps (the need log, population arrays, bus and DRT
records, counters), one module per concept:

========================  ==============================================================
module                    KPIs
========================  ==============================================================
:mod:`.trips`             ``trips.csv`` (:func:`trips_frame`), one row per need
:mod:`.needs`             met / forgone / pending counts and shares by group, zone,
                          category; met by delivery channel
:mod:`.time`              time to service (mean, median, p95)
:mod:`.access`            the one 15-minute coverage, index, effective access; the
                          ``kaicity access`` table (:func:`.access.coverage`)
:mod:`.equity`            the one Gini (:func:`gini`), elderly / rural gaps
:mod:`.bus`               bus boardings, waits, vehicle-km/-hours, loads
:mod:`.drt`               DRT indicators (delegates to the DRT service for now)
:mod:`.ai`                AI / online uses, energy
:mod:`.inclusion`         elderly literacy and ability to use AI, support centres
:mod:`.cost`              cost by component and item, per met need (overall, elderly),
                          AI carbon
:mod:`.cost_units`        the real units costs are priced on (server-hours, vehicle-hours, ...)
:mod:`.cost_gain`         cost per additional need met against a baseline, over paired seeds
:mod:`.timeseries`        named time-series reporters (:data:`.timeseries.REPORTERS`)
:mod:`.summary`           ``summary.json``'s ``kpis`` (:func:`summarize`)
========================  ==============================================================

Counts of needs are reported per *person*: agent counts times the population scale.
"""

from kaicity.metrics.access import FIFTEEN_MIN_S
from kaicity.metrics.equity import gini
from kaicity.metrics.summary import summarize
from kaicity.metrics.timeseries import REPORTERS, Reporter, timeseries_reporters
from kaicity.metrics.trips import trips_frame

__all__ = ["FIFTEEN_MIN_S", "REPORTERS", "Reporter", "gini", "summarize", "timeseries_reporters", "trips_frame"]
