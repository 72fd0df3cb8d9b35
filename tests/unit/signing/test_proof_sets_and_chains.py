"""Proof sets (independent proofs) and proof chains (previousProof endorsements), DI §2.1.2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from signing.errors import ProofOptionsError
from signing.keys import PrivateKey, controller_of, generate_key
from signing.loader import PinnedLoader
from signing.proofs import sign
from signing.verification import verify
from tests.helpers.signing_data import footprint_credential

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
ISSUER_PROOF = "urn:uuid:3c1f5a8e-0000-4000-8000-000000000001"
CERTIFIER_PROOF = "urn:uuid:3c1f5a8e-0000-4000-8000-000000000002"


@pytest.fixture(scope="module")
def certifier_key() -> PrivateKey:
    return generate_key("p256")


def _issued(issuer_key: PrivateKey, loader: PinnedLoader) -> dict[str, Any]:
    return sign(
        footprint_credential(issuer_key.did), issuer_key, created=T0, proof_id=ISSUER_PROOF,
        loader=loader,
    )  # fmt: skip


def _endorsed(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> dict[str, Any]:
    return sign(
        _issued(issuer_key, loader), certifier_key, suite="ecdsa-rdfc-2019", created=T0,
        previous_proof=ISSUER_PROOF, proof_id=CERTIFIER_PROOF, loader=loader,
    )  # fmt: skip


def test_certifier_chain_verifies_and_lists_both_proofs(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    endorsed = _endorsed(issuer_key, certifier_key, loader)
    assert isinstance(endorsed["proof"], list)
    assert endorsed["proof"][1]["previousProof"] == ISSUER_PROOF
    result = verify(endorsed, loader=loader, now=NOW)
    assert result.verified, result
    issuer_result, certifier_result = result.proofs
    assert issuer_result.controller == issuer_key.did
    assert issuer_result.suite == "eddsa-rdfc-2022"
    assert certifier_result.controller == certifier_key.did
    assert certifier_result.suite == "ecdsa-rdfc-2019"
    assert certifier_result.previous_proof == ISSUER_PROOF
    assert certifier_result.purpose == "assertionMethod"


def test_stripping_the_endorsed_proof_breaks_the_chain(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    endorsed = _endorsed(issuer_key, certifier_key, loader)
    endorsed["proof"] = [endorsed["proof"][1]]
    assert verify(endorsed, loader=loader, now=NOW).reason == "PREVIOUS_PROOF_NOT_FOUND"


def test_tampering_with_the_endorsed_proof_breaks_both(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    endorsed = _endorsed(issuer_key, certifier_key, loader)
    endorsed["proof"][0]["created"] = "2025-06-01T11:00:00Z"
    result = verify(endorsed, loader=loader, now=NOW)
    assert [p.reason for p in result.proofs] == ["SIGNATURE_INVALID", "SIGNATURE_INVALID"]


def test_unchained_third_party_proof_is_not_by_issuer(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    both = sign(
        _issued(issuer_key, loader), certifier_key, suite="ecdsa-rdfc-2019", created=T0,
        loader=loader,
    )  # fmt: skip
    result = verify(both, loader=loader, now=NOW)
    assert [p.verified for p in result.proofs] == [True, False]
    assert result.reason == "PROOF_NOT_BY_ISSUER"


def test_proof_set_each_proof_verifies_alone(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    # The issuer signs twice (two suites): a set; either proof alone still verifies.
    issued = _issued(issuer_key, loader)
    both = sign(issued, issuer_key, suite="eddsa-jcs-2022", created=T0, loader=loader)
    assert len(both["proof"]) == 2
    assert verify(both, loader=loader, now=NOW).verified
    for proof in both["proof"]:
        alone = {**both, "proof": proof}
        assert verify(alone, loader=loader, now=NOW).verified


def test_chaining_to_an_unknown_proof_id_is_refused(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    with pytest.raises(ProofOptionsError):
        sign(
            _issued(issuer_key, loader), certifier_key, suite="ecdsa-rdfc-2019",
            previous_proof="urn:uuid:not-there", loader=loader,
        )  # fmt: skip


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "ecdsa-jcs-2019"])
def test_chains_work_with_jcs_suites(
    suite: str, issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    key = issuer_key if suite.startswith("eddsa") else generate_key("p384")
    endorsed = sign(
        _issued(issuer_key, loader), key, suite=suite, created=T0, previous_proof=ISSUER_PROOF,
        loader=loader,
    )  # fmt: skip
    assert verify(endorsed, loader=loader, now=NOW).verified


def test_chain_to_several_previous_proofs(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    second = "urn:uuid:3c1f5a8e-0000-4000-8000-000000000003"
    both = sign(
        _issued(issuer_key, loader), issuer_key, suite="eddsa-jcs-2022", created=T0,
        proof_id=second, loader=loader,
    )  # fmt: skip
    endorsed = sign(
        both, certifier_key, suite="ecdsa-rdfc-2019", created=T0,
        previous_proof=[ISSUER_PROOF, second], loader=loader,
    )  # fmt: skip
    result = verify(endorsed, loader=loader, now=NOW)
    assert result.verified, result
    assert result.proofs[2].previous_proof == [ISSUER_PROOF, second]
    endorsed["proof"] = [endorsed["proof"][0], endorsed["proof"][2]]  # strip one endorsed proof
    assert verify(endorsed, loader=loader, now=NOW).reason == "PREVIOUS_PROOF_NOT_FOUND"


def test_issuer_and_certifier_proof_set_verifies_when_the_registry_trusts_the_certifier(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    # Decision: by default an unchained proof must be the issuer's (a certifier endorses with a
    # chain, R5). A trust registry that knows the certifier passes an issuer_binding; then the
    # issuer + certifier proof set verifies and each proof verifies alone.
    both = sign(
        _issued(issuer_key, loader), certifier_key, suite="ecdsa-rdfc-2019", created=T0,
        loader=loader,
    )  # fmt: skip

    def registry(issuer: str | None, method: str) -> bool:
        return controller_of(method) in {issuer, certifier_key.did}

    result = verify(both, loader=loader, now=NOW, issuer_binding=registry)
    assert result.verified, result
    assert [p.controller for p in result.proofs] == [issuer_key.did, certifier_key.did]
    for proof in both["proof"]:
        alone = verify({**both, "proof": proof}, loader=loader, now=NOW, issuer_binding=registry)
        assert alone.verified, alone
    stranger = sign(
        _issued(issuer_key, loader), generate_key("p256"), suite="ecdsa-rdfc-2019", created=T0,
        loader=loader,
    )  # fmt: skip
    result = verify(stranger, loader=loader, now=NOW, issuer_binding=registry)
    assert result.reason == "PROOF_NOT_BY_ISSUER"


def test_removing_a_proof_from_a_set_goes_unnoticed_but_not_from_a_chain(
    issuer_key: PrivateKey, certifier_key: PrivateKey, loader: PinnedLoader
) -> None:
    # DI "Proof Sets and Chains": an intermediary can strip a proof-set member and the rest still
    # verifies, which is why cfx endorsements are chains: stripping the endorsed proof fails.
    issued = _issued(issuer_key, loader)
    both = sign(issued, issuer_key, suite="eddsa-jcs-2022", created=T0, loader=loader)
    assert verify({**both, "proof": both["proof"][:1]}, loader=loader, now=NOW).verified
    endorsed = _endorsed(issuer_key, certifier_key, loader)
    stripped = {**endorsed, "proof": endorsed["proof"][1:]}
    assert verify(stripped, loader=loader, now=NOW).reason == "PREVIOUS_PROOF_NOT_FOUND"
