"""Checking against AccountingRules passed in by a caller: a malformed rule is refused as a whole
(never a crash, never a silent pass), and every constraint type can fail."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from tests.helpers.schemas_data import BATTERY_RULE, load

RULE_AT = "/credentialSubject/accountingRuleId"


def _bundled_rule() -> dict[str, Any]:
    rule: dict[str, Any] = copy.deepcopy(schemas.bundled_rules()[BATTERY_RULE])
    return rule


def _reasons(document: dict[str, Any], rules: Any, profile: str | None = None) -> set[Any]:
    return {(v.pointer, v.reason) for v in schemas.validate(document, rules=rules, profile=profile)}


def test_a_copy_of_a_bundled_rule_is_checked_and_accepted(battery: dict[str, Any]) -> None:
    assert schemas.validate(battery, rules={BATTERY_RULE: _bundled_rule()}) == []


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("constraints-not-a-list", {"constraints": 5}),
        ("classification-not-a-urn", {"productClassifications": [{}]}),
        ("allowed-values-not-a-list", {"constraints": [{"constraintId": "a", "check":
            "enumeration", "path": "/pcf", "allowedValues": 5, "message": "m"}]}),
        ("cut-off-not-a-decimal", {"cutOff": {"maxExemptedEmissionsPercent": "x"}}),
        ("range-without-bounds", {"constraints": [{"constraintId": "a", "check": "range",
            "path": "/pcf/fossilGhgEmissions", "message": "m"}]}),
        ("empty-range", {"constraints": [{"constraintId": "a", "check": "range",
            "path": "/pcf/fossilGhgEmissions", "minimum": "2", "maximum": "1", "message": "m"}]}),
        ("open-empty-range", {"constraints": [{"constraintId": "a", "check": "range",
            "path": "/pcf/fossilGhgEmissions", "exclusiveMinimum": "1", "maximum": "1",
            "message": "m"}]}),
        ("unknown-field", {"allowEverything": True}),
        ("registered-under-another-id", {"id": "urn:cfx:accounting-rule:other:1.0.0"}),
    ],
)  # fmt: skip
def test_malformed_rule_is_refused_not_applied(
    battery: dict[str, Any], name: str, change: dict[str, Any]
) -> None:
    rule = {**_bundled_rule(), **change}
    found = schemas.validate(battery, rules={BATTERY_RULE: rule})
    assert [(v.pointer, v.reason) for v in found] == [(RULE_AT, "ACCOUNTING_RULE_INVALID")], name


def test_rule_missing_its_fixed_fields_is_refused_not_read_as_allow_nothing(
    battery: dict[str, Any],
) -> None:
    found = _reasons(battery, {BATTERY_RULE: {"id": BATTERY_RULE, "type": "AccountingRule"}})
    assert found == {(RULE_AT, "ACCOUNTING_RULE_INVALID")}


@pytest.mark.parametrize("registered", ["text", 5, None, ["list"], {"credentialSubject": 1}])
def test_rule_registered_as_non_object_is_refused(battery: dict[str, Any], registered: Any) -> None:
    assert _reasons(battery, {BATTERY_RULE: registered}) == {(RULE_AT, "ACCOUNTING_RULE_INVALID")}


def test_product_profile_refuses_a_malformed_override_of_its_rule() -> None:
    # A PV footprint citing no rule: the crystalline-silicon-pv profile applies its own one.
    document = load("valid/product-footprint-crystalline-silicon-pv-module.json")
    del document["credentialSubject"]["accountingRuleId"]
    assert schemas.validate(document, profile="crystalline-silicon-pv") == []
    pv_rule = "urn:cfx:accounting-rule:crystalline-silicon-pv:1.0.0"
    broken = {**schemas.bundled_rules()[pv_rule], "constraints": "all"}
    found = _reasons(document, {pv_rule: broken}, profile="crystalline-silicon-pv")
    assert found == {("/credentialSubject", "ACCOUNTING_RULE_INVALID")}


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=10,
)
_RULE_FIELDS = st.sampled_from(
    ["constraints", "productClassifications", "cutOff", "studyTypes", "allowedFactorKinds",
     "gecAccepted", "declaredUnitOfMeasurement", "systemBoundaries", "allocationProcedures"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_RULE_FIELDS, _JSON, min_size=1, max_size=3))
def test_arbitrary_rule_fields_never_raise(change: dict[str, Any]) -> None:
    battery = load("valid/product-footprint-power-battery-with-gec.json")
    rule = {**_bundled_rule(), **change}
    for profile in (None, "power-battery"):
        result = schemas.validate(battery, rules={BATTERY_RULE: rule}, profile=profile)
        assert all(isinstance(v, schemas.Violation) for v in result)


def _with_constraint(constraint: dict[str, Any]) -> dict[str, Any]:
    rule = _bundled_rule()
    rule["constraints"] = [{"constraintId": "c", "message": "m", **constraint}]
    return rule


@pytest.mark.parametrize(
    ("constraint", "reason"),
    [
        ({"check": "range", "path": "/pcf/fossilGhgEmissions", "maximum": "61.89"},
         "RULE_VALUE_OUT_OF_RANGE"),
        ({"check": "range", "path": "/pcf/fossilGhgEmissions", "minimum": "61.91"},
         "RULE_VALUE_OUT_OF_RANGE"),
        ({"check": "range", "path": "/pcf/fossilGhgEmissions", "exclusiveMinimum": "61.90"},
         "RULE_VALUE_OUT_OF_RANGE"),
        ({"check": "enumeration", "path": "/pcf/geographyCountrySubdivision",
          "allowedValues": ["CN-YN"]}, "RULE_VALUE_NOT_ALLOWED"),
        ({"check": "comparison", "path": "/pcf/fossilGhgEmissions", "comparison": "<",
          "otherPath": "/pcf/fossilGhgEmissions"}, "RULE_COMPARISON_FAILED"),
        ({"check": "required", "path": "/pcf/recycledCarbonContent"},
         "RULE_REQUIRED_FIELD_MISSING"),
        ({"check": "required", "path": "/pcf/recycledCarbonContent",
          "when": {"path": "/electricity/gecClaims", "present": True}},
         "RULE_REQUIRED_FIELD_MISSING"),
    ],
)  # fmt: skip
def test_every_constraint_type_can_fail(
    battery: dict[str, Any], constraint: dict[str, Any], reason: str
) -> None:
    found = _reasons(battery, {BATTERY_RULE: _with_constraint(constraint)})
    assert found == {("/credentialSubject" + constraint["path"], reason)}


@pytest.mark.parametrize(
    ("constraint"),
    [
        {"check": "range", "path": "/pcf/fossilGhgEmissions", "minimum": "61.90",
         "maximum": "61.90"},
        {"check": "range", "path": "/pcf/fossilGhgEmissions", "exclusiveMinimum": "61.89"},
        {"check": "required", "path": "/pcf/recycledCarbonContent",
         "when": {"path": "/electricity/gecClaims", "present": False}},
        {"check": "required", "path": "/pcf/recycledCarbonContent",
         "when": {"path": "/pcf/packagingEmissionsIncluded", "equals": False}},
        {"check": "range", "path": "/pcf/recycledCarbonContent", "minimum": "1"},
    ],
)  # fmt: skip
def test_constraint_holds_at_its_bounds_and_when_its_condition_does_not(
    battery: dict[str, Any], constraint: dict[str, Any]
) -> None:
    # Only `required` demands presence: a range over an absent field is silent.
    assert schemas.validate(battery, rules={BATTERY_RULE: _with_constraint(constraint)}) == []
