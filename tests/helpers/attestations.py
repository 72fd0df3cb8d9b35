"""Attestations as a certifier makes them: bound to the exact bytes of a signed credential (the
one binding rule, schemas/attestation.py), restating the figures those bytes hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.client import ClientError
from gateway.demo import documents
from gateway.node import edit_trust
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from tests.helpers.nodes import Harness

TEMPLATE = "valid/attestation-aluminium-footprint-verified.json"
PCF_FIGURE = "/pcf/pcfExcludingBiogenicUptake"


def attestation_of(credential: bytes) -> dict[str, Any]:
    """An unsigned attestation (fresh id) of the footprint `credential`: its digest is that of
    these exact bytes, its id the credentialSubject id, its one figure the headline PCF."""
    return documents.attestation_of(credential)


def trusted_certifier(h: Harness, org: str = "cert-body") -> PrivateKey:
    """A new signing key of the harness's certifier organization `org`, trusted from now."""
    key = generate_key("ed25519")
    now = datetime.now(UTC)
    edit_trust(h.paths, lambda r: r.with_key(org, Role.CERTIFIER, key.did, now))
    return key


def refusal(h: Harness, who: str, credential: bytes) -> ClientError:
    """The typed error refusing `who`'s submission of `credential`; nothing was logged."""
    before = h.log_size()
    with h.client(who) as client, pytest.raises(ClientError) as err:
        client.submit(credential)
    assert h.log_size() == before
    return err.value
