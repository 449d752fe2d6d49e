"""Type stubs of :mod:`kaicity._core._info` (build information of the Cython core)."""

def openmp_enabled() -> bool:
    """Return True when the core was compiled with OpenMP."""

def max_threads() -> int:
    """Number of threads a ``prange`` loop may use (1 in a serial build)."""

def set_num_threads(n: int) -> None:
    """Set the number of OpenMP threads for later kernels (no effect in a serial build)."""
