"""Lookups by id once ids are unique per organization only: whose rule and whose dataset counts.

- A footprint citing an accounting rule id is checked against the first rule published here under
  that id that still counts: a later rule from another organization can neither reinterpret nor
  block it (gateway.intake `_rules_cited_by`).
- An attestation names an id and a digest but no organization: of the datasets held under that
  id, the digest picks the attested one (gateway.attestation_binding).
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc

from gateway.node import add_client, edit_trust, load_node_key
from gateway.trust import Role
from schemas.resources import bundled_rule_credentials
from signing.keys import PrivateKey, generate_key
from tests.helpers.attestations import attestation_of, refusal, trusted_certifier
from tests.helpers.nodes import Harness, example

BUNDLED = "urn:cfx:accounting-rule:power-battery:1.0.0"
STRICT = "urn:cfx:accounting-rule:power-battery-no-gec:1.0.0"
BATTERY = "valid/product-footprint-power-battery-with-gec.json"


def _member(h: Harness, tmp: Path, org: str, role: Role) -> PrivateKey:
    """Register `org` with a client identity (named after it) and a signing key."""
    key = generate_key("ed25519")
    now = datetime.now(UTC)
    h.identities[org] = tmp / org
    add_client(h.paths, org=org, role=role, out=h.identities[org], now=now)
    edit_trust(h.paths, lambda r: r.with_key(org, role, key.did, now))
    return key


def _rule(gec_accepted: bool) -> dict[str, Any]:
    rule: dict[str, Any] = copy.deepcopy(bundled_rule_credentials()["power-battery"])
    rule["credentialSubject"]["id"] = STRICT
    rule["credentialSubject"]["gecAccepted"] = gec_accepted
    return rule


def _battery_citing(rule_id: str, dataset_id: str | None = None) -> dict[str, Any]:
    document = example(BATTERY)
    document["credentialSubject"]["id"] = dataset_id or f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"]["accountingRuleId"] = rule_id
    return document


def test_later_rule_under_the_same_id_from_another_org_changes_nothing(
    fresh_harness: Harness, tmp_path: Path
):
    h = fresh_harness
    rival = _member(h, tmp_path, "rival-repo", Role.REPOSITORY)
    with h.client("admin") as admin:
        admin.submit(h.sign(_rule(gec_accepted=False), load_node_key(h.paths)))
    with h.client("rival-repo") as client:  # a lax rule under the operator's id is stored...
        client.submit(h.sign(_rule(gec_accepted=True), rival))
    # ...but footprints citing the id are still checked against the rule published first.
    err = refusal(h, "exporter", h.sign(_battery_citing(STRICT)))
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "RULE_VIOLATION")
    assert "GEC_NOT_ACCEPTED" in {v.reason for v in err.violations}
    # The rival's own footprints cite the same id with the same meaning: no private shadowing.
    err = refusal(h, "rival-repo", h.sign(_battery_citing(STRICT), rival))
    assert "GEC_NOT_ACCEPTED" in {v.reason for v in err.violations}


def test_attestation_digest_picks_the_attested_dataset_among_organizations(
    fresh_harness: Harness, tmp_path: Path
):
    h = fresh_harness
    rival = _member(h, tmp_path, "rival-cells", Role.EXPORTER)
    certifier = trusted_certifier(h)
    dataset_id = f"urn:uuid:{uuid.uuid4()}"
    theirs = h.sign(_battery_citing(BUNDLED, dataset_id), rival)
    mine = h.sign(_battery_citing(BUNDLED, dataset_id))
    with h.client("rival-cells") as client:
        rival_name = client.submit(theirs).dataset.name
    with h.client() as client:
        client.submit(mine)

    def attestation(credential: bytes) -> bytes:
        return h.sign(attestation_of(credential), certifier)

    with h.client("certifier") as client:
        assert client.submit(attestation(mine)).dataset.name
        assert client.submit(attestation(theirs)).dataset.name
    unheld = attestation_of(mine)
    unheld["credentialSubject"]["attestedDatasetDigest"] = f"sha-256:{'ab' * 32}"
    err = refusal(h, "certifier", h.sign(unheld, certifier))
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "ATTESTED_DATASET_NOT_HELD")
    assert rival_name not in f"{err.message} {err.metadata}"
