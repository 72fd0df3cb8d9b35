"""A certifier at the provincial node of a three-node chain (tests/helpers/federation_chain.py)
attesting footprints there, and revoking its attestations: for the tests of attestations that
travel with their footprint (issue 14)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.node import add_client, edit_trust
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from tests.helpers.attestations import attestation_of
from tests.helpers.federation_chain import Chain
from tests.helpers.nodes import example, signed_bytes

CERTIFIER = "cert-body"
BATTERY = "valid/product-footprint-power-battery-with-gec.json"
REVOCATION = "valid/status-update-revoke-attestation.json"


@dataclass(frozen=True)
class Made:
    """A credential submitted at the provincial node: its dataset name, id and exact bytes."""

    name: str
    credential_id: str
    raw: bytes


def register_certifier(chain: Chain) -> PrivateKey:
    """Register the certifier organization at the provincial node (client identity and a fresh
    signing key); the other nodes learn it through delegated trust."""
    key, now = generate_key("ed25519"), datetime.now(UTC)
    paths = chain.provincial.paths
    out = paths.root.parent / CERTIFIER
    add_client(paths, org=CERTIFIER, role=Role.CERTIFIER, out=out, now=now)
    edit_trust(paths, lambda r: r.with_key(CERTIFIER, Role.CERTIFIER, key.did, now))
    chain.provincial.identities[CERTIFIER] = out
    return key


def submit_footprint(chain: Chain, policy: dict[str, Any] | None) -> Made:
    """The exporter's battery footprint (fresh id) with `policy` (None: no usage policy)."""
    document = example(BATTERY)
    subject = document["credentialSubject"]
    subject["id"] = f"urn:uuid:{uuid.uuid4()}"
    subject.pop("usagePolicy", None)
    if policy is not None:
        subject["usagePolicy"] = policy
    raw = signed_bytes(document, chain.exporter_key)
    with chain.provincial.client("exporter") as client:
        name = client.submit(raw).dataset.name
    return Made(name, subject["id"], raw)


def attest(chain: Chain, key: PrivateKey, footprint: bytes, **subject: Any) -> Made:
    """The certifier's attestation of the exact bytes `footprint`, submitted at the provincial
    node (`subject` members are added to its credentialSubject)."""
    document = attestation_of(footprint)
    document["credentialSubject"].update(subject)
    raw = signed_bytes(document, key)
    with chain.provincial.client(CERTIFIER) as client:
        name = client.submit(raw).dataset.name
    return Made(name, document["credentialSubject"]["id"], raw)


def revoke(chain: Chain, key: PrivateKey, attestation: Made) -> None:
    """The certifier revokes `attestation` at the provincial node (signed StatusUpdate)."""
    document = example(REVOCATION)
    subject = document["credentialSubject"]
    subject["id"] = f"urn:uuid:{uuid.uuid4()}"
    subject["targetDatasetId"] = attestation.credential_id
    policy = json.loads(attestation.raw)["credentialSubject"].get("usagePolicy")
    subject.pop("usagePolicy", None)
    if policy is not None:
        subject["usagePolicy"] = policy
    with chain.provincial.client(CERTIFIER) as client:
        client.withdraw(attestation.name, signed_bytes(document, key))
