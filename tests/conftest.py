"""Suite-wide settings.

Under CI (the `CI` environment variable, set by `.ci/run`'s caller) hypothesis runs derandomized:
the same examples every run, so a landing is never decided by which random examples were drawn.
Developers' runs keep exploring new examples; a failure prints the seed to reproduce it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
