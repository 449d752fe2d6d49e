"""``python -m kaicity`` runs the command line."""

import sys

from kaicity.cli import main

sys.exit(main())
