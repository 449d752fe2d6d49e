"""Cython kernels on arrays only (CSR graphs, float64 costs, int32 indices).

Nothing here knows about cities, agents or scenarios; :mod:`kaicity.routing` and
:mod:`kaicity.accessibility` are the validating Python wrappers.
"""
