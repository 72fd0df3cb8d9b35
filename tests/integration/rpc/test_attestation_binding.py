"""An attestation binds to the SHA-256 of the exact credential bytes it attests, over real gRPC
(issue 13, Found 7): before, an attestation naming the dataset name's uuid was accepted with any
digest, and one naming the VC id (as the bundled example did) was never checked at all."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest

from gateway.domain import NAME_PREFIX
from signing.keys import PrivateKey
from tests.helpers.attestations import attestation_of, refusal, trusted_certifier
from tests.helpers.nodes import Harness, example

Held = tuple[Harness, PrivateKey, bytes, str]


@pytest.fixture
def held(fresh_harness: Harness) -> Held:
    """A node holding one signed footprint (its bytes and name) and a trusted certifier key."""
    h = fresh_harness
    key = trusted_certifier(h)
    footprint = example("valid/product-footprint-power-battery-with-gec.json")
    footprint["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    credential = h.sign(footprint)
    with h.client() as client:
        name = client.submit(credential).dataset.name
    return h, key, credential, name


def _subject(attestation: dict[str, Any]) -> dict[str, Any]:
    subject: dict[str, Any] = attestation["credentialSubject"]
    return subject


def test_attestation_of_the_exact_bytes_held_is_accepted(held: Held) -> None:
    h, key, credential, _ = held
    with h.client("certifier") as client:
        accepted = client.submit(h.sign(attestation_of(credential), key))
    assert accepted.dataset.name.startswith(NAME_PREFIX)


def test_attestation_with_a_wrong_digest_is_refused(held: Held) -> None:
    h, key, credential, _ = held
    attestation = attestation_of(credential)
    _subject(attestation)["attestedDatasetDigest"] = f"sha-256:{'ab' * 32}"
    err = refusal(h, "certifier", h.sign(attestation, key))
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "ATTESTED_DATASET_NOT_HELD")


def test_attestation_naming_the_dataset_name_uuid_with_a_wrong_digest_is_refused(
    held: Held,
) -> None:
    # The hole of Found 7: no dataset is held under the name's uuid, so nothing was checked.
    h, key, credential, name = held
    attestation = attestation_of(credential)
    subject = _subject(attestation)
    subject["attestedDatasetId"] = f"urn:uuid:{name.removeprefix(NAME_PREFIX)}"
    subject["attestedDatasetDigest"] = f"sha-256:{'cd' * 32}"
    err = refusal(h, "certifier", h.sign(attestation, key))
    assert err.reason == "ATTESTED_DATASET_NOT_HELD"


def test_attestation_binding_to_another_id_than_the_subject_id_is_no_longer_possible(
    held: Held,
) -> None:
    # The right bytes, but declared by the dataset name's uuid or by the VC id (the old example):
    # the declared dataset does not have that digest.
    h, key, credential, name = held
    for declared in (
        f"urn:uuid:{name.removeprefix(NAME_PREFIX)}",
        example("valid/product-footprint-power-battery-with-gec.json")["id"],
    ):
        attestation = attestation_of(credential)
        _subject(attestation)["attestedDatasetId"] = declared
        err = refusal(h, "certifier", h.sign(attestation, key))
        assert (err.code, err.reason) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "ATTESTED_DIGEST_MISMATCH",
        )


def test_attestation_of_the_right_bytes_as_another_kind_is_refused(held: Held) -> None:
    h, key, credential, _ = held
    attestation = attestation_of(credential)
    _subject(attestation)["attestedKind"] = "EmissionFactor"
    assert refusal(h, "certifier", h.sign(attestation, key)).reason == "ATTESTED_DIGEST_MISMATCH"


@pytest.mark.parametrize(
    ("field", "claimed"),
    [
        ("value", "42.35"),  # a figure the footprint does not state
        ("unit", "kilogram"),  # the dataset is per kWh
        ("declaredUnitAmount", "1000"),  # per 1,000 kWh is another figure (ADR-36)
        ("referencePeriodEnd", "2027-01-01T00:00:00Z"),
    ],
)
def test_attested_figures_mismatch_is_refused(held: Held, field: str, claimed: str) -> None:
    h, key, credential, _ = held
    attestation = attestation_of(credential)
    _subject(attestation)["verifiedFigures"][0][field] = claimed
    err = refusal(h, "certifier", h.sign(attestation, key))
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "ATTESTED_FIGURES_MISMATCH")
    assert [(v.field, v.reason) for v in err.violations] == [
        (f"/credentialSubject/verifiedFigures/0/{field}", "ATTESTED_FIGURE_MISMATCH")
    ]
