"""Cython kernels on arrays only (CSR graphs, float64 costs, int32 indices).

Nothing here knows about cities, agents or scenarios; :mod:`kaicity.routing` and
:mod:`kaicity.accessibility` are the validating Python wrappers.
"""

import os as _os

# Idle OpenMP threads spin at barriers by default; on a machine whose cores are busy with other
# work that made two threads 2-6x slower than one (measured). Passive waiting avoids it.
_os.environ.setdefault("OMP_WAIT_POLICY", "passive")
