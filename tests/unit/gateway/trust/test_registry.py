"""Trust registry decisions, edits and the signed trust file (R3 revocation, key rotation)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.domain import DatasetKind
from gateway.trust import (
    ISSUABLE_KINDS,
    RegistryConflictError,
    RevokedKeyError,
    Role,
    RoleNotAllowedError,
    ThresholdNotMetError,
    TrustFileError,
    TrustRegistry,
    TrustSignatureError,
    UnknownKeyError,
    UnknownOrganizationError,
    load_trust_file,
    save_trust_file,
    verify_registry,
)
from gateway.trust.signed_file import sign_registry
from signing.keys import generate_key

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=1)
EXPORTER_DID = "did:key:z6MkExporterKey1"
CERTIFIER_DID = "did:key:z6MkCertifierKey1"
SAN = "spiffe://cfx/org/sichuan-pv/exporter"


@pytest.fixture
def registry() -> TrustRegistry:
    return (
        TrustRegistry()
        .with_key("sichuan-pv", Role.EXPORTER, EXPORTER_DID, T0)
        .with_identity("sichuan-pv", Role.EXPORTER, SAN, T0)
        .with_key("cqc", Role.CERTIFIER, CERTIFIER_DID, T0)
    )


def test_registered_key_may_issue_its_roles_kinds(registry: TrustRegistry):
    org = registry.authorize_issuer(EXPORTER_DID, DatasetKind.PRODUCT_FOOTPRINT, LATER)
    assert org.name == "sichuan-pv"
    # A verification method id resolves to its controller DID.
    vm = f"{EXPORTER_DID}#z6MkExporterKey1"
    assert registry.authorize_issuer(vm, DatasetKind.STATUS_UPDATE, LATER).name == "sichuan-pv"


def test_unknown_key_is_refused(registry: TrustRegistry):
    with pytest.raises(UnknownKeyError) as info:
        registry.authorize_issuer("did:key:z6MkStranger", DatasetKind.PRODUCT_FOOTPRINT, LATER)
    assert info.value.reason == "KEY_NOT_TRUSTED"


def test_key_is_not_trusted_before_it_was_added(registry: TrustRegistry):
    with pytest.raises(UnknownKeyError):
        registry.authorize_issuer(
            EXPORTER_DID, DatasetKind.PRODUCT_FOOTPRINT, T0 - timedelta(seconds=1)
        )


@pytest.mark.parametrize(
    ("did", "kind"),
    [
        (EXPORTER_DID, DatasetKind.EMISSION_FACTOR),
        (EXPORTER_DID, DatasetKind.ATTESTATION),
        (CERTIFIER_DID, DatasetKind.PRODUCT_FOOTPRINT),
        (CERTIFIER_DID, DatasetKind.ACCOUNTING_RULE),
    ],
)
def test_role_not_allowed_for_kind_is_refused(registry: TrustRegistry, did, kind):
    with pytest.raises(RoleNotAllowedError) as info:
        registry.authorize_issuer(did, kind, LATER)
    assert info.value.reason == "ROLE_NOT_ALLOWED"


def test_revoked_key_is_refused_even_for_a_backdated_time(registry: TrustRegistry):
    revoked = registry.revoke_key(EXPORTER_DID, LATER)
    with pytest.raises(RevokedKeyError) as info:
        revoked.authorize_issuer(EXPORTER_DID, DatasetKind.PRODUCT_FOOTPRINT, LATER)
    assert info.value.reason == "KEY_REVOKED"
    with pytest.raises(RevokedKeyError):
        revoked.authorize_issuer(EXPORTER_DID, DatasetKind.PRODUCT_FOOTPRINT, T0)


def test_key_rotation_adds_new_and_revokes_old(registry: TrustRegistry):
    new_did = "did:key:z6MkExporterKey2"
    rotated = registry.with_key("sichuan-pv", Role.EXPORTER, new_did, LATER).revoke_key(
        EXPORTER_DID, LATER
    )
    assert rotated.authorize_issuer(new_did, DatasetKind.PRODUCT_FOOTPRINT, LATER).name == (
        "sichuan-pv"
    )
    with pytest.raises(RevokedKeyError):
        rotated.authorize_issuer(EXPORTER_DID, DatasetKind.PRODUCT_FOOTPRINT, LATER)
    assert rotated.version == registry.version + 2


def test_a_did_cannot_belong_to_two_organizations(registry: TrustRegistry):
    with pytest.raises(RegistryConflictError):
        registry.with_key("other", Role.REPOSITORY, EXPORTER_DID, LATER)
    with pytest.raises(RegistryConflictError):
        registry.with_identity("other", Role.REPOSITORY, SAN, LATER)


def test_peer_san_maps_to_its_organization_until_revoked(registry: TrustRegistry):
    org = registry.organization_for_peer(SAN)
    assert org is not None
    assert org.name == "sichuan-pv"
    assert registry.organization_for_peer("spiffe://cfx/org/sichuan-pv/certifier") is None
    assert registry.organization_for_peer_identities(["localhost", SAN]) == org
    assert registry.revoke_identity(SAN, LATER).organization_for_peer(SAN) is None


def test_read_permissions_follow_roles(registry: TrustRegistry):
    exporter = registry.organization("sichuan-pv")
    certifier = registry.organization("cqc")
    assert registry.can_read(certifier, DatasetKind.PRODUCT_FOOTPRINT, "sichuan-pv")
    assert registry.can_read(exporter, DatasetKind.EMISSION_FACTOR)
    assert registry.can_read(exporter, DatasetKind.PRODUCT_FOOTPRINT, "sichuan-pv")
    assert not registry.can_read(exporter, DatasetKind.PRODUCT_FOOTPRINT, "another-exporter")
    assert not registry.can_read(None, DatasetKind.EMISSION_FACTOR)


def test_registry_operator_may_issue_every_kind():
    assert ISSUABLE_KINDS[Role.REGISTRY_OPERATOR] == frozenset(DatasetKind)
    reg = TrustRegistry().with_key("op", Role.REGISTRY_OPERATOR, "did:key:z6MkOp", T0)
    for kind in DatasetKind:
        assert reg.authorize_issuer("did:key:z6MkOp", kind, LATER).name == "op"


def test_dict_round_trip_is_symmetric(registry: TrustRegistry):
    revoked = registry.revoke_key(EXPORTER_DID, LATER)
    data = revoked.to_dict()
    assert TrustRegistry.from_dict(data) == revoked
    assert TrustRegistry.from_dict(json.loads(json.dumps(data))).to_dict() == data


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("version"),
        lambda d: d.update(extra=1),
        lambda d: d.update(format="cfx-trust-registry/9"),
        lambda d: d.update(version=-1),
        lambda d: d.update(version=True),
        lambda d: d["organizations"][0].update(roles=["emperor"]),
        lambda d: d["organizations"][0].update(name="Not A Slug"),
        lambda d: d["organizations"][0]["keys"][0].update(added_at="yesterday"),
        lambda d: d["organizations"][0]["keys"][0].update(did="not-a-did"),
        lambda d: d["organizations"][0].update(keys="did:key:z"),
        lambda d: d["organizations"].append(dict(d["organizations"][0])),
    ],
)
def test_malformed_registry_dict_raises_the_domain_error(registry: TrustRegistry, mutate):
    data = json.loads(json.dumps(registry.to_dict()))
    mutate(data)
    with pytest.raises(TrustFileError):
        TrustRegistry.from_dict(data)


def test_unknown_organization_lookup_is_typed(registry: TrustRegistry):
    with pytest.raises(UnknownOrganizationError):
        registry.organization("nobody")
    with pytest.raises(UnknownKeyError):
        registry.revoke_key("did:key:z6MkNobody", LATER)


# -- signed file -------------------------------------------------------------------------------


def test_signed_file_round_trip(tmp_path: Path, registry: TrustRegistry):
    key = generate_key("ed25519")
    path = tmp_path / "trust.json"
    save_trust_file(path, registry, key)
    assert load_trust_file(path, key.public_key) == registry


def test_tampered_trust_file_is_refused(registry: TrustRegistry):
    key = generate_key("ed25519")
    document = json.loads(sign_registry(registry, key))
    # An attacker adds themselves as registry operator.
    document["signed"]["organizations"][0]["roles"].append("registry_operator")
    with pytest.raises(TrustSignatureError) as info:
        verify_registry(json.dumps(document).encode(), key.public_key)
    assert info.value.reason == "TRUST_FILE_SIGNATURE_INVALID"


def test_reformatted_trust_file_still_verifies(registry: TrustRegistry):
    key = generate_key("ed25519")
    document = json.loads(sign_registry(registry, key))
    compact = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    assert verify_registry(compact, key.public_key) == registry


def test_trust_file_signed_by_another_key_is_refused(registry: TrustRegistry):
    node_key, intruder = generate_key("ed25519"), generate_key("ed25519")
    with pytest.raises(TrustSignatureError):
        verify_registry(sign_registry(registry, intruder), node_key.public_key)


def test_signature_moved_to_the_node_keyid_is_refused(registry: TrustRegistry):
    node_key, intruder = generate_key("ed25519"), generate_key("ed25519")
    document = json.loads(sign_registry(registry, intruder))
    document["signatures"][0]["keyid"] = node_key.did
    with pytest.raises(TrustSignatureError):
        verify_registry(json.dumps(document).encode(), node_key.public_key)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b'{"signed": {}, "signatures": [], "signed": {}}',
        b'{"signed": {}}',
        b'{"signed": {}, "signatures": "x"}',
        b'{"signed": {}, "signatures": [{"keyid": "KEYID", "sig": "!!"}]}',
    ],
)
def test_malformed_trust_file_raises_the_domain_error(data: bytes):
    key = generate_key("ed25519")
    with pytest.raises(TrustFileError):
        verify_registry(data.replace(b"KEYID", key.did.encode()), key.public_key)


def test_missing_trust_file_raises_the_domain_error(tmp_path: Path):
    with pytest.raises(TrustFileError):
        load_trust_file(tmp_path / "absent.json", generate_key("ed25519").public_key)


# -- thresholds (R1) ---------------------------------------------------------------------------

K1, K2, K3 = "did:key:z6MkRepoKey1", "did:key:z6MkRepoKey2", "did:key:z6MkRepoKey3"


@pytest.fixture
def two_of_three() -> TrustRegistry:
    registry = TrustRegistry()
    for did in (K1, K2, K3):
        registry = registry.with_key("cn-repo", Role.REPOSITORY, did, T0)
    return registry.with_threshold("cn-repo", 2)


@pytest.mark.parametrize(
    ("signers", "ok"),
    [
        ([K1, K2], True),
        ([K1, K2, K3], True),
        ([K3, f"{K1}#z6MkRepoKey1"], True),  # a verification method counts as its DID
        ([K1], False),
        ([K1, K1], False),  # the same key twice counts once
        ([K1, f"{K1}#z6MkRepoKey1"], False),  # ...also when named two ways
        ([K1, "did:key:z6MkStranger"], False),  # an unknown key is ignored, not counted
    ],
)
def test_threshold_counts_distinct_trusted_keys(two_of_three: TrustRegistry, signers, ok):
    if ok:
        assert two_of_three.authorize_issuers(signers, DatasetKind.EMISSION_FACTOR, LATER)
    else:
        with pytest.raises(ThresholdNotMetError) as info:
            two_of_three.authorize_issuers(signers, DatasetKind.EMISSION_FACTOR, LATER)
        assert info.value.reason == "THRESHOLD_NOT_MET"


def test_revoked_key_counts_nothing_toward_the_threshold(two_of_three: TrustRegistry):
    revoked = two_of_three.revoke_key(K2, LATER)
    with pytest.raises(ThresholdNotMetError):
        revoked.authorize_issuers([K1, K2], DatasetKind.EMISSION_FACTOR, LATER)
    assert revoked.authorize_issuers([K1, K3], DatasetKind.EMISSION_FACTOR, LATER)


def test_single_signer_api_respects_the_threshold(two_of_three: TrustRegistry):
    with pytest.raises(ThresholdNotMetError):
        two_of_three.authorize_issuer(K1, DatasetKind.EMISSION_FACTOR, LATER)


def test_threshold_below_one_is_a_configuration_error(two_of_three: TrustRegistry):
    with pytest.raises(TrustFileError):
        two_of_three.with_threshold("cn-repo", 0)
    data = two_of_three.to_dict()
    data["organizations"][0]["threshold"] = "2"
    with pytest.raises(TrustFileError):
        TrustRegistry.from_dict(data)


def test_threshold_survives_the_dict_round_trip_and_defaults_to_one(two_of_three: TrustRegistry):
    assert TrustRegistry.from_dict(two_of_three.to_dict()) == two_of_three
    data = two_of_three.to_dict()
    del data["organizations"][0]["threshold"]
    assert TrustRegistry.from_dict(data).organization("cn-repo").threshold == 1


def test_no_signers_at_all_is_refused(two_of_three: TrustRegistry):
    with pytest.raises(UnknownKeyError):
        two_of_three.authorize_issuers([], DatasetKind.EMISSION_FACTOR, LATER)


def test_read_scope_agrees_with_can_read_for_every_role_and_kind():
    registry = TrustRegistry()
    for role in Role:
        registry = registry.with_role(role.value.replace("_", "-"), role)
    for org in registry.organizations:
        for kind in DatasetKind:
            for issuer in (org.name, "someone-else"):
                assert org.read_scope.allows(kind, issuer) == registry.can_read(org, kind, issuer)
