"""Signing fixtures: a loader that also pins the test contexts, and a session issuer key."""

from __future__ import annotations

import pytest

from signing.keys import PrivateKey, generate_key
from signing.loader import PinnedLoader
from tests.helpers.signing_data import MANIFESTS


@pytest.fixture(scope="session")
def loader() -> PinnedLoader:
    return PinnedLoader(MANIFESTS)


@pytest.fixture(scope="session")
def issuer_key() -> PrivateKey:
    return generate_key("ed25519")
