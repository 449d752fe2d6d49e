"""Build script for kaicity's Cython core (``kaicity/_core``).

Every ``kaicity/_core/*.pyx`` becomes an extension module, compiled with numpy's
headers and ``-O3``.  OpenMP is used when the compiler accepts ``-fopenmp``; otherwise
the build is serial and the ``prange`` loops run on one thread.  Set
``KAICITY_NO_OPENMP=1`` to force a serial build.  ``KAICITY_SKIP_CORE=1`` builds no
extension at all: the Makefile sets it for the editable install and then builds the core
in place (``setup.py build_ext --inplace``) against the virtual environment's numpy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from glob import glob
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup


def compiler_has_openmp() -> bool:
    """Return True when the C compiler builds and links a tiny OpenMP program."""
    if os.environ.get("KAICITY_NO_OPENMP"):
        return False
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "omp.c"
        src.write_text("#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")
        result = subprocess.run(
            [cc, "-fopenmp", str(src), "-o", str(Path(tmp) / "omp")],
            capture_output=True,
        )
        return result.returncode == 0


OPENMP = compiler_has_openmp()
compile_args = ["-O3"] + (["-fopenmp"] if OPENMP else [])
link_args = ["-fopenmp"] if OPENMP else []
if not OPENMP:
    print("kaicity: building the Cython core without OpenMP (serial)", file=sys.stderr)

extensions = [
    Extension(
        "kaicity._core." + Path(pyx).stem,
        [pyx],
        include_dirs=[np.get_include()],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    for pyx in sorted(glob("kaicity/_core/*.pyx"))
]

SKIP_CORE = bool(os.environ.get("KAICITY_SKIP_CORE"))

setup(
    ext_modules=[] if SKIP_CORE else cythonize(
        extensions,
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
        compile_time_env={"KAICITY_OPENMP": OPENMP},
    ),
)
