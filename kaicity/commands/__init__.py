"""Sub-commands of the ``kaicity`` command line, one module each (see :mod:`kaicity.cli`)."""
