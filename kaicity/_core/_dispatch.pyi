"""Type stubs of the DRT dispatch kernels (:mod:`kaicity._core._dispatch`).

Services call them through the typed wrapper :mod:`kaicity.dispatch_kernel`.
"""

import numpy as np
from numpy.typing import NDArray

_I32 = NDArray[np.int32]
_F64 = NDArray[np.float64]

def best_insertion(start_node: _I32, start_time: _F64, start_load: _I32, available: NDArray[np.uint8],
                   capacity: _I32, n_stops: _I32, stop_node: _I32, stop_kind: NDArray[np.int8], stop_leg: _F64,
                   stop_arr: _F64, stop_dep: _F64, stop_earliest: _F64, stop_latest: _F64, stop_load: _I32,
                   to_p: _F64, from_p: _F64, to_d: _F64, from_d: _F64, p: int, d: int, ready: float,
                   latest_pick: float, latest_drop: float, max_ride: float, stop_s: float, delay_weight: float,
                   eps: float, out_f: _F64, out_i: NDArray[np.int64]) -> int: ...
def path_profile(indptr: _I32, indices: _I32, weights: _F64, lengths: _F64, path: _I32, cum_time: _F64,
                 cum_len: _F64) -> int: ...
def insertion_targets(start_node: _I32, start_time: _F64, start_load: _I32, available: NDArray[np.uint8],
                      capacity: _I32, n_stops: _I32, stop_node: _I32, stop_leg: _F64, stop_arr: _F64,
                      stop_dep: _F64, stop_slack: _F64, stop_load: _I32, to_p: _F64, ready: float,
                      latest_pick: float, stop_s: float, eps: float, succ: _I32, succ_limit: _F64, after: _I32,
                      after_info: _F64) -> tuple[int, int, int]: ...
def path_down(indptr: _I32, indices: _I32, weights: _F64, to_target: _F64, source: int, target: int,
              out: _I32) -> int: ...

class Searcher:
    def __init__(self, n: int) -> None: ...
    def bounded(self, indptr: _I32, indices: _I32, weights: _F64, source: int, limit: float, out: _F64,
                reached: _I32) -> int: ...
    def targeted(self, indptr: _I32, indices: _I32, weights: _F64, source: int, targets: _I32, limits: _F64,
                 out: _F64) -> int: ...
