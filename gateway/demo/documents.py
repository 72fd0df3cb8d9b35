"""The credentials of the demo, built from the examples bundled with `schemas` and signed with
the issuer's key. Each kind is made in one function, so a change of the examples lands here."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from typing import Any

from schemas.paths import PACKAGE_DIR
from schemas.resources import bundled_rule_credentials
from signing.keys import PrivateKey
from signing.proofs import sign

EXAMPLES = PACKAGE_DIR / "examples" / "valid"
#: A GB/T 24067 battery footprint citing the battery accounting rule and the Sichuan
#: electricity factor, with green electricity certificates claimed.
BATTERY = EXAMPLES / "product-footprint-power-battery-with-gec.json"
WITHDRAWAL = EXAMPLES / "status-update-withdraw-shared-footprint.json"
ATTESTATION = EXAMPLES / "attestation-aluminium-footprint-verified.json"
NATIONAL_FACTOR = EXAMPLES / "emission-factor-china-electricity-footprint-2023.json"
NATIONAL_RULE_ID = "urn:cfx:accounting-rule:power-battery-national:1.1.0"
#: Shared with the registry: national is named too, since a footprint reaches the registry
#: through the national node, which may only hold and forward what it is an audience of.
SHARED_WITH_REGISTRY = {"shareWith": ["national", "registry"]}
PUBLIC = {"shareWith": ["public"]}
# A GEC id: 17-digit project code, 8-digit generation date, 7-digit certificate sequence
# (federation.md §5.2); `moved_serials` moves the sequence by blocks of 4,000, and past the
# 2,000 blocks a sequence holds, the project code's last five digits.
_PROJECT_TAIL_AT, _SEQUENCE_AT = 12, 25
_BLOCK, _BLOCKS_PER_PROJECT = 4_000, 2_000


def _example(path: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _fresh(document: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    """An unsigned copy issued by `key`'s DID, with a new dataset id."""
    unsigned = copy.deepcopy(document)
    unsigned.pop("proof", None)
    unsigned.pop("id", None)
    unsigned["issuer"] = key.did
    unsigned["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return unsigned


def signed(document: dict[str, Any], key: PrivateKey) -> bytes:
    """`document` signed by `key` (Data Integrity, eddsa-rdfc-2022), as submitted."""
    return json.dumps(sign(document, key), indent=2, ensure_ascii=False).encode()


def battery_footprint(key: PrivateKey, *, shared_with_registry: bool) -> dict[str, Any]:
    """The exporter's battery footprint (unsigned); with `shared_with_registry` its usage policy
    names the registry, without it the default audience applies (issuing and national nodes)."""
    document = _fresh(_example(BATTERY), key)
    subject = document["credentialSubject"]
    subject.pop("usagePolicy", None)
    if shared_with_registry:
        subject["usagePolicy"] = copy.deepcopy(SHARED_WITH_REGISTRY)
    return document


def gec_claims(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A footprint's GEC claims (empty when it has none)."""
    electricity = document.get("credentialSubject", {}).get("electricity", {})
    claims = electricity.get("gecClaims", []) if isinstance(electricity, dict) else []
    return [claim for claim in claims if isinstance(claim, dict)]


def moved_serials(document: dict[str, Any], block: int) -> dict[str, Any]:
    """`document` (changed in place) claiming as many certificates of the same dates, its
    certificate sequences moved up by `block` blocks of 4,000 (past 2,000 blocks, into another
    project): each block >= 1 gives a footprint of the same example that claims certificates
    neither the example nor any other block claims."""
    project, slot = divmod(block, _BLOCKS_PER_PROJECT)
    for claim in gec_claims(document):
        for key in ("firstCertificateId", "lastCertificateId"):
            serial = claim[key]
            tail = int(serial[_PROJECT_TAIL_AT:17]) + project
            sequence = int(serial[_SEQUENCE_AT:]) + slot * _BLOCK  # sizes are kept
            if tail >= 10**5:
                raise ValueError(f"block {block} moves {serial} out of its project code")
            claim[key] = f"{serial[:_PROJECT_TAIL_AT]}{tail:05d}{serial[17:25]}{sequence:07d}"
    return document


def withdrawal(key: PrivateKey, target: dict[str, Any]) -> dict[str, Any]:
    """The exporter's StatusUpdate withdrawing `target` (unsigned), shared as `target` is."""
    document = _fresh(_example(WITHDRAWAL), key)
    subject = document["credentialSubject"]
    subject["targetDatasetId"] = target["credentialSubject"]["id"]
    policy = target["credentialSubject"].get("usagePolicy")
    subject.pop("usagePolicy", None)
    if policy is not None:
        subject["usagePolicy"] = copy.deepcopy(policy)
    return document


def national_rule(key: PrivateKey) -> dict[str, Any]:
    """The national battery accounting rule (the bundled one under a national id), public."""
    document = _fresh(bundled_rule_credentials()["power-battery"], key)
    document["credentialSubject"]["id"] = NATIONAL_RULE_ID
    document["credentialSubject"]["usagePolicy"] = copy.deepcopy(PUBLIC)
    return document


def national_factor(key: PrivateKey) -> dict[str, Any]:
    """The national electricity footprint factor, public."""
    document = _fresh(_example(NATIONAL_FACTOR), key)
    document["credentialSubject"]["usagePolicy"] = copy.deepcopy(PUBLIC)
    return document


def attestation_of(credential: bytes) -> dict[str, Any]:
    """An unsigned attestation (fresh id, the template's issuer) of the footprint `credential`:
    bound to the SHA-256 of these exact bytes and their credentialSubject id, restating the
    headline PCF with its basis. No usage policy: it inherits the footprint's."""
    attested = json.loads(credential)["credentialSubject"]
    pcf = attested["pcf"]
    document = _example(ATTESTATION)
    subject = document["credentialSubject"]
    subject["id"] = f"urn:uuid:{uuid.uuid4()}"
    subject["attestedDatasetId"] = attested["id"]
    subject["attestedDatasetDigest"] = f"sha-256:{hashlib.sha256(credential).hexdigest()}"
    subject["attestedKind"] = attested["type"]
    subject.pop("usagePolicy", None)
    subject["verifiedFigures"] = [
        {
            "path": "/pcf/pcfExcludingBiogenicUptake",
            "value": pcf["pcfExcludingBiogenicUptake"],
            "unit": pcf["declaredUnitOfMeasurement"],
            "declaredUnitAmount": pcf["declaredUnitAmount"],
            "referencePeriodStart": pcf["referencePeriodStart"],
            "referencePeriodEnd": pcf["referencePeriodEnd"],
        }
    ]
    return document


def attestation(key: PrivateKey, credential: bytes) -> dict[str, Any]:
    """The certifier `key`'s attestation of `credential` (unsigned)."""
    document = attestation_of(credential)
    document.pop("proof", None)
    document.pop("id", None)
    document["issuer"] = key.did
    return document


def footprint_for_request(key: PrivateKey, product_id: str, requester: str) -> dict[str, Any]:
    """Another battery footprint (unsigned) for `product_id`, shared down the chain and with the
    `requester` organization itself (a request's answer goes to its clients)."""
    # Its own certificates: blocks far above those the other steps move to (a GEC is claimed once).
    document = moved_serials(battery_footprint(key, shared_with_registry=True), 1_000)
    subject = document["credentialSubject"]
    subject["productIds"] = [product_id]
    subject["usagePolicy"]["shareWith"].append(f"org:{requester}")
    return document
