# cython: language_level=3
"""Build information of the Cython core: is OpenMP compiled in, how many threads."""

IF KAICITY_OPENMP:
    cimport openmp


def openmp_enabled():
    """Return True when the core was compiled with OpenMP."""
    IF KAICITY_OPENMP:
        return True
    ELSE:
        return False


def max_threads():
    """Number of threads a ``prange`` loop may use (1 in a serial build)."""
    IF KAICITY_OPENMP:
        return openmp.omp_get_max_threads()
    ELSE:
        return 1


def set_num_threads(int n):
    """Set the number of OpenMP threads for later kernels (no effect in a serial build)."""
    IF KAICITY_OPENMP:
        if n < 1:
            raise ValueError("number of threads must be >= 1")
        openmp.omp_set_num_threads(n)
