"""`python -m gateway.cli`: the same as the `cfx` console script."""

import sys

from gateway.cli import main

sys.exit(main())
