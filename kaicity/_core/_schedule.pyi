"""Type stubs of :mod:`kaicity._core._schedule` (DRT schedule updates on the dispatch arrays).

Arrays are C-contiguous, in the layout of :mod:`kaicity._core._dispatch`.
"""

import numpy as np
import numpy.typing as npt

def retime(
    v: int,
    start_time: float,
    start_load: int,
    capacity: int,
    stop_s: float,
    n_stops: int,
    stop_leg: npt.NDArray[np.float64],
    stop_kind: npt.NDArray[np.int8],
    stop_earliest: npt.NDArray[np.float64],
    stop_latest: npt.NDArray[np.float64],
    stop_arr: npt.NDArray[np.float64],
    stop_dep: npt.NDArray[np.float64],
    stop_load: npt.NDArray[np.int32],
    stop_slack: npt.NDArray[np.float64],
    check: bool,
) -> int:
    """Recompute vehicle ``v``'s arrival, departure, load and slack; returns the status bits (1 late, 2 load)."""

def insert_ride(
    v: int,
    i: int,
    j: int,
    rid: int,
    p: int,
    d: int,
    earliest: float,
    latest_pick: float,
    latest_drop: float,
    to_pick: float,
    after_pick: float,
    to_drop: float,
    after_drop: float,
    direct_s: float,
    start_time: float,
    start_load: int,
    capacity: int,
    stop_s: float,
    n_stops: npt.NDArray[np.int32],
    stop_node: npt.NDArray[np.int32],
    stop_kind: npt.NDArray[np.int8],
    stop_leg: npt.NDArray[np.float64],
    stop_arr: npt.NDArray[np.float64],
    stop_dep: npt.NDArray[np.float64],
    stop_earliest: npt.NDArray[np.float64],
    stop_latest: npt.NDArray[np.float64],
    stop_slack: npt.NDArray[np.float64],
    stop_load: npt.NDArray[np.int32],
    stop_ride: npt.NDArray[np.int64],
) -> int:
    """Put a ride into vehicle ``v``'s stops and retime (checked); returns the status bits."""
