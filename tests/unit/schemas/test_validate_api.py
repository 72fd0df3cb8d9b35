"""The public API: validate never raises for bad data, kinds and profiles, rules, facets."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from schemas import resources
from schemas.violations import REASONS
from tests.helpers.schemas_data import BATTERY_RULE, INDEX, load, valid_files

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "id", "pcf", "credentialSubject", "@context", "x"])
            | st.text(),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_validate_never_raises_for_arbitrary_json(value: Any) -> None:
    for document in (
        value,
        {"credentialSubject": value},
        {"type": "ProductFootprint", "pcf": value},
    ):
        result = schemas.validate(document)
        assert isinstance(result, list)
        assert all(isinstance(v, schemas.Violation) for v in result)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(schemas.KINDS), JSON, st.sampled_from([None, *schemas.PROFILES]))
def test_validate_never_raises_for_any_kind_and_profile(
    kind: str, value: Any, profile: Any
) -> None:
    document = {"credentialSubject": {"type": kind, "pcf": value, "electricity": value}}
    assert schemas.validate(document, profile=profile)  # garbage is never valid


def test_non_object_document_is_one_violation() -> None:
    assert schemas.validate(["not", "an", "object"]) == [
        schemas.Violation("", "NOT_AN_OBJECT", "a cfx document is a JSON object")
    ]


def test_bare_dataset_is_validated_with_pointers_from_its_root(battery: dict[str, Any]) -> None:
    subject = copy.deepcopy(battery["credentialSubject"])
    assert schemas.validate(subject) == []
    subject["pcf"]["fossilGhgEmissions"] = -1
    assert [(v.pointer, v.reason) for v in schemas.validate(subject)] == [
        ("/pcf/fossilGhgEmissions", "DECIMAL_NOT_A_STRING")
    ]


def test_detect_kind_reads_credential_subject_type(battery: dict[str, Any]) -> None:
    assert schemas.detect_kind(battery) == "ProductFootprint"
    assert schemas.detect_kind(battery["credentialSubject"]) == "ProductFootprint"
    assert schemas.detect_kind({"type": ["Thing", "EmissionFactor"]}) == "EmissionFactor"
    assert schemas.detect_kind({"type": ["EmissionFactor", "Attestation"]}) is None  # ambiguous
    assert schemas.detect_kind({"credentialSubject": {"type": "Footprint"}}) is None
    assert schemas.detect_kind("text") is None


def test_explicit_kind_overrides_detection(battery: dict[str, Any]) -> None:
    found = schemas.validate(battery, kind="EmissionFactor")
    assert ("/credentialSubject/type", "NOT_ALLOWED_VALUE") in {
        (v.pointer, v.reason) for v in found
    }


def test_unknown_kind_or_profile_argument_is_a_typed_error(battery: dict[str, Any]) -> None:
    with pytest.raises(schemas.UnknownKindError):
        schemas.validate(battery, kind="Footprint")
    with pytest.raises(schemas.UnknownProfileError) as caught:
        schemas.validate(battery, profile="pact-2.0")
    assert caught.value.reason == "UNKNOWN_PROFILE"


def test_rules_argument_replaces_the_bundled_rules(battery: dict[str, Any]) -> None:
    assert [v.reason for v in schemas.validate(battery, rules={})] == ["UNKNOWN_ACCOUNTING_RULE"]
    stricter = copy.deepcopy(schemas.bundled_rules()[BATTERY_RULE])
    stricter["cutOff"]["maxExemptedEmissionsPercent"] = "0.5"
    found = schemas.validate(battery, rules={BATTERY_RULE: stricter})
    assert [(v.pointer, v.reason) for v in found] == [
        ("/credentialSubject/pcf/exemptedEmissionsPercent", "CUT_OFF_EXCEEDED")
    ]


def test_rules_argument_accepts_rule_credentials(battery: dict[str, Any]) -> None:
    credential = load("../rules/power-battery.json")
    assert schemas.validate(battery, rules={BATTERY_RULE: credential}) == []


def test_conditional_rule_constraint_applies_only_when_its_condition_holds(
    battery: dict[str, Any],
) -> None:
    document = copy.deepcopy(battery)
    del document["credentialSubject"]["pcf"]["packagingGhgEmissions"]
    document["credentialSubject"]["pcf"]["packagingEmissionsIncluded"] = False
    assert schemas.validate(document) == []  # not included: the "packaging-value" rule is silent


def test_violation_serializes_for_cli_and_grpc(battery: dict[str, Any]) -> None:
    document = copy.deepcopy(battery)
    document["credentialSubject"]["electricity"]["gecClaims"][0]["firstCertificateId"] = "1"
    (violation,) = schemas.validate(document)
    assert violation.to_dict() == {
        "pointer": "/credentialSubject/electricity/gecClaims/0/firstCertificateId",
        "reason": "INVALID_GEC_CERTIFICATE_ID",
        "message": violation.message,
        "severity": "error",
    }


def test_credential_with_non_object_subject_reports_the_envelope() -> None:
    document = load("valid/status-update-revoke-attestation.json")
    document["credentialSubject"] = ["x"]
    assert ("/credentialSubject", "WRONG_TYPE") in {
        (v.pointer, v.reason) for v in schemas.validate(document)
    }


def test_index_facets_of_a_battery_footprint(battery: dict[str, Any]) -> None:
    facets = schemas.index_facets(battery).to_dict()
    assert facets["kind"] == "ProductFootprint"
    assert facets["product_ids"] == ["urn:pact:battery.sc.cfx.example:product-id:LFP-75-2025"]
    assert facets["classifications"] == ["urn:pact:wcoomd.org:hs-code:850760"]
    assert facets["geography"] == ["CN-SC"]
    assert (facets["valid_from"], facets["valid_until"]) == (
        "2026-01-01T00:00:00Z",
        "2028-12-31T00:00:00Z",
    )
    assert facets["accounting_rule"] == BATTERY_RULE
    assert facets["gec_ranges"] == [
        ["51101202301150001202501310000001", "51101202301150001202501310003000"],
        ["51102202306300002202507310000001", "51102202306300002202507310001000"],
    ]
    assert facets["issuer"] == "did:web:battery.sc.cfx.example"


def test_index_facets_compute_pact_default_validity() -> None:
    facets = schemas.index_facets(
        load("valid/product-footprint-pact-v3-sample-copper-cathode.json")
    ).to_dict()
    # PACT §1.1: no validity given -> 3 years from referencePeriodEnd.
    assert (facets["valid_from"], facets["valid_until"]) == (
        "2025-12-31T23:59:59Z",
        "2028-12-31T23:59:59Z",
    )
    assert facets["geography"] == ["CN"]
    assert facets["supersedes"] == []


def test_index_facets_of_factor_and_status_update() -> None:
    factor = schemas.index_facets(
        load("valid/emission-factor-sichuan-electricity-footprint-factor.json")
    ).to_dict()
    assert (factor["kind"], factor["geography"]) == ("EmissionFactor", ["CN-SC"])
    assert factor["valid_until"] == "2027-01-15T00:00:00Z"
    update = schemas.index_facets(load("valid/status-update-deprecate-footprint.json")).to_dict()
    assert update["supersedes"] == ["urn:uuid:7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"]


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_index_facets_never_raise(value: Any) -> None:
    assert isinstance(schemas.index_facets({"credentialSubject": value}).to_dict(), dict)
    assert isinstance(schemas.index_facets(value).to_dict(), dict)


def test_every_reason_produced_or_declared_is_documented() -> None:
    declared = {entry["reason"] for entry in INDEX["invalid"]}
    for path in resources.JSONSCHEMA_DIR.glob("*.schema.json"):
        text = path.read_text()
        declared |= {value for key, value in _pairs(json.loads(text)) if key == "x-cfx-reason"}
    assert declared <= set(REASONS), declared - set(REASONS)
    assert all(code.isupper() and " " not in code for code in REASONS)


def _pairs(node: Any) -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [(k, v) for k, v in node.items()] + [p for v in node.values() for p in _pairs(v)]
    if isinstance(node, list):
        return [p for v in node for p in _pairs(v)]
    return []


_ODD_VALUES: list[Any] = [
    None, True, 1.5, "", "x", [], {}, [{}], [1, "a"], "2025-02-30T00:00:00Z", 10**40]  # fmt: skip
_DELETE = object()


def _field_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_field_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_field_paths(value, (*prefix, index)))
    return out


@pytest.mark.parametrize("path", valid_files(), ids=lambda p: p.name)
def test_every_field_of_every_example_damaged_never_raises(path: Path) -> None:
    # Exhaustive where hypothesis samples: each field deleted or replaced by each odd value, the
    # profiles taken in turn. Found: a list as factorUnit, a dict among productClassifications.
    source = json.loads(path.read_bytes())
    profiles = [None, *schemas.PROFILES]
    turn = 0
    for field in _field_paths(source):
        for value in [_DELETE, *_ODD_VALUES]:
            document = copy.deepcopy(source)
            holder: Any = document
            for key in field[:-1]:
                holder = holder[key]
            if value is _DELETE:
                del holder[field[-1]]
            else:
                holder[field[-1]] = copy.deepcopy(value)
            turn += 1
            found = schemas.validate(document, profile=profiles[turn % len(profiles)])
            assert all(isinstance(v, schemas.Violation) for v in found)
            assert isinstance(schemas.index_facets(document).to_dict(), dict)
