"""Attestation v2 (issue 13, Found 7): the bundled example binds to the exact bytes it attests, and
attested figures are compared with the attested dataset by value and basis, never by spelling."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import schemas
from schemas.attestation import figure_mismatches
from tests.helpers.schemas_data import EXAMPLES, load

ATTESTATION = "valid/attestation-aluminium-footprint-verified.json"
ATTESTED = "valid/product-footprint-aluminium-ingot-with-customs.json"
BATTERY = "valid/product-footprint-power-battery-with-gec.json"


def _pair() -> tuple[dict[str, Any], dict[str, Any]]:
    attestation = load(ATTESTATION)["credentialSubject"]
    attested = load(ATTESTED)["credentialSubject"]
    return attestation, attested


def _reasons(attestation: dict[str, Any], attested: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v.pointer, v.reason) for v in figure_mismatches(attestation, attested)]


def test_bundled_attestation_binds_to_the_exact_bytes_and_subject_id_it_attests() -> None:
    # Before v2 the example named the footprint's VC id while intake looked up subject ids.
    attestation, attested = _pair()
    raw = (EXAMPLES / ATTESTED).read_bytes()
    assert attestation["attestedDatasetDigest"] == f"sha-256:{hashlib.sha256(raw).hexdigest()}"
    assert attestation["attestedDatasetId"] == attested["id"] != load(ATTESTED)["id"]
    assert figure_mismatches(attestation, attested) == []


def test_binding_digest_is_the_one_facet_read_from_an_attestation() -> None:
    attestation = load(ATTESTATION)
    digest = attestation["credentialSubject"]["attestedDatasetDigest"]
    assert schemas.index_facets(attestation).attested_digest == digest.removeprefix("sha-256:")
    assert schemas.index_facets(load(ATTESTED)).attested_digest is None


def test_figures_equal_as_decimals_and_instants_are_no_mismatch() -> None:
    attestation, attested = _pair()
    figure = attestation["verifiedFigures"][0]
    figure.update(value="9800.00", referencePeriodEnd="2026-01-01T08:00:00+08:00")
    assert _reasons(attestation, attested) == []


def test_figure_per_another_declared_unit_amount_is_a_mismatch() -> None:
    # PACT ADR-36: 9800 kgCO2e per 1000 kg is not 9800 per 1 kg.
    attestation, attested = _pair()
    attestation["verifiedFigures"][0]["declaredUnitAmount"] = "1"
    assert _reasons(attestation, attested) == [
        ("/verifiedFigures/0/declaredUnitAmount", "ATTESTED_FIGURE_MISMATCH")
    ]


def test_figure_at_a_path_the_dataset_lacks_is_a_mismatch() -> None:
    attestation, attested = _pair()
    attestation["verifiedFigures"][0]["path"] = "/pcf/packagingGhgEmissionsTotal"
    assert _reasons(attestation, attested) == [
        ("/verifiedFigures/0/path", "ATTESTED_FIGURE_MISMATCH")
    ]


def test_plant_the_dataset_does_not_state_cannot_have_been_verified_in_it() -> None:
    attestation, attested = _pair()
    del attested["customs"]
    assert _reasons(attestation, attested) == [
        ("/verifiedFigures/0/plantId", "ATTESTED_FIGURE_MISMATCH"),
        ("/verifiedFigures/1/path", "ATTESTED_FIGURE_MISMATCH"),
        ("/verifiedFigures/1/plantId", "ATTESTED_FIGURE_MISMATCH"),
    ]


def test_emission_factor_figure_is_compared_with_its_factor_unit() -> None:
    factor = load("valid/emission-factor-sichuan-electricity-footprint-factor.json")
    subject = factor["credentialSubject"]
    attestation, _ = _pair()
    attestation["attestedKind"] = "EmissionFactor"
    attestation["verifiedFigures"] = [
        {
            "path": "/factorValue",
            "value": subject["factorValue"],
            "unit": subject["factorUnit"],
            "referencePeriodStart": "2023-01-01T00:00:00Z",
            "referencePeriodEnd": "2024-01-01T00:00:00Z",
        }
    ]
    assert _reasons(attestation, subject) == []
    attestation["verifiedFigures"][0]["unit"] = "tCO2e/MWh"
    assert _reasons(attestation, subject) == [
        ("/verifiedFigures/0/unit", "ATTESTED_FIGURE_MISMATCH")
    ]


def test_damaged_figures_or_attested_subject_never_raise() -> None:
    attestation, _ = _pair()
    for damaged in ([None, 3, "x", {"path": 7, "value": []}], "not a list"):
        broken = copy.deepcopy(attestation)
        broken["verifiedFigures"] = damaged
        assert isinstance(figure_mismatches(broken, {"pcf": []}), list)


def test_customs_split_covering_the_pcf_adds_up_within_rounding() -> None:
    footprint = load(ATTESTED)
    customs = footprint["credentialSubject"]["customs"]
    customs.update(splitCovers="pcf", directEmissions="1950.4", indirectEmissions="7850")
    assert schemas.validate(footprint) == []
    customs["indirectEmissions"] = "7848"
    assert [v.reason for v in schemas.validate(footprint)] == ["CUSTOMS_SPLIT_SUM_MISMATCH"]


def test_ten_digit_tariff_code_refines_the_hs_classification() -> None:
    footprint = load(ATTESTED)
    footprint["credentialSubject"]["customs"]["hsCode"] = "7601100090"
    assert schemas.validate(footprint) == []


def test_footprint_without_customs_block_is_unaffected() -> None:
    assert "customs" not in load(BATTERY)["credentialSubject"]
    assert schemas.validate(load(BATTERY)) == []
