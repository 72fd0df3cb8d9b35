"""Signing fixtures: loaders that also pin the test contexts, and a session issuer key."""

from __future__ import annotations

import pytest

from signing.keys import PrivateKey, generate_key
from signing.loader import PinnedLoader
from tests.helpers.signing_data import MANIFESTS
from tests.helpers.w3c_vectors import EMPLOY_MANIFESTS


@pytest.fixture(scope="session")
def loader() -> PinnedLoader:
    return PinnedLoader(MANIFESTS)


@pytest.fixture(scope="session")
def issuer_key() -> PrivateKey:
    return generate_key("ed25519")


@pytest.fixture(scope="module")
def employ_loader() -> PinnedLoader:
    """Also pins the citizenship context reconstructed for the W3C "employ" vectors."""
    return PinnedLoader(EMPLOY_MANIFESTS)
