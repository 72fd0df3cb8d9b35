"""usagePolicy under the cfx context: signed as RDF, the same on the fast and the reference path.

Issue 12: the issuer's usage policy is part of what it signs, so a node that widens the audience
(or moves `expires`) breaks the proof. The policy reaches RDF through a property-scoped context
in each kind's type-scoped context; the compiled fast path (`signing.fast_rdf`) must give the
very same dataset as pyld for it, also in the server's FAST_PATH_ONLY mode.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas.paths import PACKAGE_DIR
from signing import rdf
from signing.budget import FAST_PATH_ONLY
from signing.canon import canonicalize_nquads, canonicalize_quads
from signing.errors import SigningError, UndefinedTermError, UnsupportedJsonLdError
from signing.keys import PrivateKey
from signing.loader import default_loader
from signing.proofs import sign
from signing.verification import verify

VALID = PACKAGE_DIR / "examples" / "valid"
SHARED = VALID / "product-footprint-power-battery-shared-with-registry.json"
WITHDRAWAL = VALID / "status-update-withdraw-shared-footprint.json"
T0 = datetime(2026, 6, 1, tzinfo=UTC)
NOW = T0 + timedelta(minutes=1)
CFX = "https://w3id.org/cfx/vocab#"
XSD_DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"


@pytest.fixture
def shared(issuer_key: PrivateKey) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SHARED.read_text())
    document.pop("proof", None)
    document["issuer"] = issuer_key.did
    return document


def _canonical_both_ways(document: dict[str, Any]) -> tuple[str, str]:
    loader = default_loader()
    fast = rdf.to_dataset(document, loader, limits=FAST_PATH_ONLY)
    assert isinstance(fast, list), "the fast path must model usagePolicy, not fall back"
    reference = rdf.reference_to_nquads(document, loader)
    return canonicalize_quads(fast), canonicalize_nquads(reference)


def test_usage_policy_rdf_is_byte_identical_on_fast_and_reference_path(
    shared: dict[str, Any],
) -> None:
    fast, reference = _canonical_both_ways(shared)
    assert fast == reference
    assert f'<{CFX}shareWith> "registry"' in fast
    assert f'<{CFX}shareWith> "org:volta-eu"' in fast
    assert f'<{CFX}policyExpires> "2027-12-31T23:59:59+08:00"^^<{XSD_DATE_TIME}>' in fast
    assert f"<{CFX}usagePolicy> _:" in fast  # a node of its own, not flattened into the subject


def test_usage_policy_on_a_status_update_is_byte_identical_too() -> None:
    # Each kind's type-scoped context carries its own copy of the term: check another kind.
    fast, reference = _canonical_both_ways(json.loads(WITHDRAWAL.read_text()))
    assert fast == reference
    assert f'<{CFX}shareWith> "org:volta-eu"' in fast


def test_signing_a_policy_is_the_same_on_both_paths_and_verifies_fast_path_only(
    shared: dict[str, Any], issuer_key: PrivateKey
) -> None:
    options: dict[str, Any] = {"created": T0, "proof_id": "urn:uuid:proof-1"}
    strict = sign(shared, issuer_key, jsonld_limits=FAST_PATH_ONLY, **options)
    assert strict == sign(shared, issuer_key, fast=False, **options)
    assert verify(strict, now=NOW, jsonld_limits=FAST_PATH_ONLY).verified
    assert verify(strict, now=NOW, fast=False).verified


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("shareWith", ["registry", "org:volta-eu", "public"]),  # widened to everyone
        ("shareWith", ["national"]),  # another audience
        ("expires", "2099-12-31T23:59:59+08:00"),  # extended
    ],
)
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
def test_a_node_that_rewrites_the_issuers_policy_breaks_the_proof(
    shared: dict[str, Any], issuer_key: PrivateKey, change: str, value: Any, fast: bool
) -> None:
    signed = sign(shared, issuer_key, created=T0)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["usagePolicy"][change] = value
    assert not verify(tampered, now=NOW, fast=fast).verified


def test_a_node_that_drops_the_policy_breaks_the_proof(
    shared: dict[str, Any], issuer_key: PrivateKey
) -> None:
    # Without its policy the dataset would fall back to the default audience: not the issuer's.
    signed = sign(shared, issuer_key, created=T0)
    tampered = copy.deepcopy(signed)
    del tampered["credentialSubject"]["usagePolicy"]
    assert not verify(tampered, now=NOW, jsonld_limits=FAST_PATH_ONLY).verified


def test_share_with_is_a_set_so_its_order_is_not_signed_under_rdfc(
    shared: dict[str, Any], issuer_key: PrivateKey
) -> None:
    # "@container": "@set": the audience is a set; RDFC signs the set, not the JSON order.
    signed = sign(shared, issuer_key, created=T0)
    reordered = copy.deepcopy(signed)
    reordered["credentialSubject"]["usagePolicy"]["shareWith"].reverse()
    assert verify(reordered, now=NOW, jsonld_limits=FAST_PATH_ONLY).verified


def test_a_term_the_policy_context_does_not_define_is_refused_with_its_pointer(
    shared: dict[str, Any], issuer_key: PrivateKey
) -> None:
    # JSON-LD would silently drop it: signing refuses instead, on the server's path too.
    shared["credentialSubject"]["usagePolicy"]["purpose"] = "research only"
    with pytest.raises(UndefinedTermError) as caught:
        sign(shared, issuer_key, created=T0, jsonld_limits=FAST_PATH_ONLY)
    assert caught.value.pointer == "/credentialSubject/usagePolicy/purpose"
    with pytest.raises(UndefinedTermError):
        sign(shared, issuer_key, created=T0, fast=False)


def test_an_embedded_context_cannot_redefine_the_protected_policy_terms(
    shared: dict[str, Any], issuer_key: PrivateKey
) -> None:
    # A document that re-maps `expires` inside the policy would sign a different statement than
    # the one a reader of the JSON sees; the policy's scoped context is @protected.
    policy = shared["credentialSubject"]["usagePolicy"]
    policy["@context"] = {"expires": "https://evil.example/notExpires"}
    with pytest.raises(SigningError, match="protected term redefinition"):
        sign(shared, issuer_key, created=T0, fast=False)
    with pytest.raises(UnsupportedJsonLdError) as caught:  # the server's mode never gets that far
        sign(shared, issuer_key, created=T0, jsonld_limits=FAST_PATH_ONLY)
    assert caught.value.pointer == "/credentialSubject/usagePolicy/@context"
