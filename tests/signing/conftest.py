"""Shared fixtures: the vector folder and a loader that also pins the W3C examples context.

The W3C vectors use https://www.w3.org/ns/credentials/examples/v2, which is not in the production
manifest; tests/vectors/test-contexts-manifest.json pins it (and undefined-terms/v2) on top.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.paths import CONTEXTS_MANIFEST
from signing.loader import PinnedLoader

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
TEST_MANIFEST = VECTORS / "test-contexts-manifest.json"


@pytest.fixture(scope="session")
def loader() -> PinnedLoader:
    return PinnedLoader([CONTEXTS_MANIFEST, TEST_MANIFEST])
