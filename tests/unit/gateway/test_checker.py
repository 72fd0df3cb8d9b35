"""The pure credential checker: bytes + registry snapshot + rules in, checked or typed error out.

No server, no store: the checker does no I/O, so these tests give it everything it needs.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway import errors as ge
from gateway.checker import CredentialChecker, ParsedCredential
from gateway.domain import DatasetKind
from gateway.limits import Limits
from gateway.trust import Role, TrustRegistry
from gateway.trust.errors import RevokedKeyError, UnknownKeyError
from schemas.strict_json import DuplicateKeyError, InputTooLargeError
from signing.errors import SignatureMismatchError
from signing.keys import PrivateKey, generate_key
from signing.loader import default_loader
from signing.proofs import sign
from tests.helpers.paths import SCHEMA_EXAMPLES

EXAMPLES = SCHEMA_EXAMPLES / "valid"
# Proofs are created at the real time of signing; the checker is told a moment just after.
NOW = datetime.now(UTC) + timedelta(minutes=1)
EXPORTER = "sichuan-cells"


def _footprint() -> dict[str, Any]:
    text = (EXAMPLES / "product-footprint-power-battery-with-gec.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    document.pop("proof", None)
    return document


def _with_undefined_term(raw: bytes) -> bytes:
    """Signed bytes plus a term no context defines: canonicalizing it would fail."""
    document = json.loads(raw)
    document["credentialSubject"]["undefinedTerm"] = 1
    return json.dumps(document).encode()


def _signed(key: PrivateKey, mutate: Any = None) -> bytes:
    document = _footprint()
    document["issuer"] = key.did
    if mutate is not None:
        mutate(document)
    return json.dumps(sign(document, key)).encode()


@pytest.fixture(scope="module")
def key() -> PrivateKey:
    return generate_key("ed25519")


@pytest.fixture(scope="module")
def registry(key: PrivateKey) -> TrustRegistry:
    return (
        TrustRegistry()
        .with_key(EXPORTER, Role.EXPORTER, key.did, NOW - timedelta(days=1))
        .with_role("rival", Role.EXPORTER)
        .with_role("national", Role.REGISTRY_OPERATOR)
    )


@pytest.fixture(scope="module")
def checker() -> CredentialChecker:
    return CredentialChecker(loader=default_loader(), limits=Limits())


def test_a_trusted_signed_footprint_is_checked(
    checker: CredentialChecker, registry: TrustRegistry, key: PrivateKey
) -> None:
    raw = _signed(key)
    checked = checker.check(checker.parse(raw), registry=registry, now=NOW)
    assert checked.kind is DatasetKind.PRODUCT_FOOTPRINT
    assert checked.issuer_org.name == EXPORTER
    assert checked.raw == raw
    assert checked.facets.geography == ("CN-SC",)


def test_parse_refuses_duplicate_keys_and_oversize_before_anything_else(
    checker: CredentialChecker,
) -> None:
    with pytest.raises(DuplicateKeyError):
        checker.parse(b'{"a": 1, "a": 2}')
    small = CredentialChecker(loader=default_loader(), limits=Limits(max_credential_bytes=64))
    with pytest.raises(InputTooLargeError):
        small.parse(b'{"a": "' + b"x" * 100 + b'"}')


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda d: d.__setitem__("@context", []), ge.EnvelopeError),
        (lambda d: d["@context"].append("https://evil.example/ctx"), ge.ContextNotAllowedError),
        (lambda d: d.__setitem__("type", ["Thing"]), ge.EnvelopeError),
        (lambda d: d.__setitem__("issuer", "https://example.com"), ge.EnvelopeError),
        (lambda d: d.__setitem__("credentialSubject", [1]), ge.EnvelopeError),
        (lambda d: d.pop("proof"), ge.ProofMissingError),
        (lambda d: d["credentialSubject"].__setitem__("type", "Nope"), ge.UnknownKindError),
    ],
)
def test_envelope_refusals_are_typed(
    checker: CredentialChecker, key: PrivateKey, mutate: Any, error: type[Exception]
) -> None:
    document = json.loads(_signed(key))
    mutate(document)
    with pytest.raises(error):
        checker.parse(json.dumps(document).encode())


def test_untrusted_issuer_is_refused_before_any_jsonld_work(
    checker: CredentialChecker, registry: TrustRegistry
) -> None:
    stranger = generate_key("ed25519")
    # An undefined term would fail canonicalization: the trust refusal must come first.
    raw = _with_undefined_term(_signed(stranger))
    with pytest.raises(UnknownKeyError):
        checker.check(checker.parse(raw), registry=registry, now=NOW)


def test_a_caller_submitting_for_another_organization_is_refused_before_jsonld_work(
    checker: CredentialChecker, registry: TrustRegistry, key: PrivateKey
) -> None:
    raw = _with_undefined_term(_signed(key))
    rival = registry.organization("rival")
    with pytest.raises(ge.PermissionDeniedError, match="may not submit"):
        checker.check(checker.parse(raw), registry=registry, now=NOW, submitter=rival)


def test_the_operator_may_submit_for_anyone(
    checker: CredentialChecker, registry: TrustRegistry, key: PrivateKey
) -> None:
    operator = registry.organization("national")
    checked = checker.check(
        checker.parse(_signed(key)), registry=registry, now=NOW, submitter=operator
    )
    assert checked.issuer_org.name == EXPORTER


def test_a_revoked_key_is_refused(checker: CredentialChecker, registry: TrustRegistry) -> None:
    key = generate_key("ed25519")
    revoked = registry.with_key(EXPORTER, Role.EXPORTER, key.did, NOW - timedelta(days=2))
    revoked = revoked.revoke_key(key.did, NOW - timedelta(days=1))
    with pytest.raises(RevokedKeyError):
        checker.check(checker.parse(_signed(key)), registry=revoked, now=NOW)


def test_a_tampered_value_is_a_typed_signing_error(
    checker: CredentialChecker, registry: TrustRegistry, key: PrivateKey
) -> None:
    document = json.loads(_signed(key))
    document["credentialSubject"]["pcf"]["declaredUnitAmount"] = "2"
    parsed = checker.parse(json.dumps(document).encode())
    with pytest.raises(SignatureMismatchError):
        checker.check(parsed, registry=registry, now=NOW)


def test_too_little_time_left_refuses_before_verifying(
    checker: CredentialChecker, registry: TrustRegistry, key: PrivateKey
) -> None:
    with pytest.raises(ge.DeadlineTooShortError):
        checker.check(
            checker.parse(_signed(key)), registry=registry, now=NOW, time_left=lambda: 0.0
        )


def test_a_schema_violation_carries_its_pointers(
    checker: CredentialChecker, registry: TrustRegistry, key: PrivateKey
) -> None:
    raw = _signed(key, lambda d: d["credentialSubject"]["pcf"].pop("declaredUnitOfMeasurement"))
    with pytest.raises(ge.SchemaViolationError) as caught:
        checker.check(checker.parse(raw), registry=registry, now=NOW)
    assert any("/credentialSubject/pcf" in v.field for v in caught.value.violations)


def test_report_reports_instead_of_raising(checker: CredentialChecker, key: PrivateKey) -> None:
    document = json.loads(_signed(key))
    document["credentialSubject"]["pcf"]["declaredUnitAmount"] = "2"
    report = checker.report(checker.parse(json.dumps(document).encode()), now=NOW)
    assert not report.verified
    assert report.result.proofs[0].reason == SignatureMismatchError.reason


def test_parsed_credential_is_pure_data(checker: CredentialChecker, key: PrivateKey) -> None:
    raw = _signed(key)
    parsed = checker.parse(raw)
    assert isinstance(parsed, ParsedCredential)
    assert parsed == checker.parse(copy.copy(raw))
    assert parsed.accounting_rule_id == parsed.subject.get("accountingRuleId")
