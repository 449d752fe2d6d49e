"""Python mirror of ``_types.pxd``: dtypes and sentinels of the Cython core."""

import numpy as np

INDEX_DTYPE = np.int32
WEIGHT_DTYPE = np.float64
NO_NODE = -1
