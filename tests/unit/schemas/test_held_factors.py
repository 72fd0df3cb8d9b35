"""How a node reads the EmissionFactors it holds for factorId resolution, and the policy key that
makes an unknown factorId refuse (schemas.electricity.held_factor_value, schemas.policy)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import schemas
from schemas.electricity import held_factor_value
from schemas.policy import PolicyError, ProfilePolicy, policy_from_dict
from schemas.violations import Severity
from tests.helpers.nodes import example

_BATTERY = "valid/product-footprint-power-battery-with-gec.json"


@pytest.mark.parametrize(
    ("value", "unit", "activity", "per_kwh"),
    [
        ("0.1866", "kgCO2e/kWh", "electricity", Decimal("0.1866")),
        ("0.1866", "tCO2e/MWh", "electricity", Decimal("0.1866")),
        ("186.6", "kgCO2e/MWh", "electricity", Decimal("0.1866")),
        ("0.5703", "tCO2/MWh", "electricity", Decimal("0.5703")),
        ("2.16", "kgCO2e/m3", "fuel", None),  # not an electricity factor: never matches
        ("0.1866", "kgCO2e/GJ", "electricity", None),
    ],
)
def test_held_factor_is_read_per_kwh(
    value: str, unit: str, activity: str, per_kwh: Decimal | None
) -> None:
    subject = {"factorValue": value, "factorUnit": unit, "activity": activity}
    assert held_factor_value(subject) == per_kwh


def _severities(factors: dict[str, Decimal], *, strict: bool) -> list[tuple[str, Severity]]:
    document: dict[str, Any] = example(_BATTERY)
    found = schemas.validate(document, factors=factors, strict_factors=strict)
    return [(v.reason, v.severity) for v in found]


def test_unknown_factor_warns_unless_strict() -> None:
    assert _severities({}, strict=False) == [("UNKNOWN_FACTOR", Severity.WARNING)]
    assert _severities({}, strict=True) == [("UNKNOWN_FACTOR", Severity.ERROR)]


def test_strict_factors_round_trips_in_the_policy_and_is_a_boolean() -> None:
    policy = ProfilePolicy({"ProductFootprint": ("pact-3.0",)}, strict_factors=True)
    assert policy_from_dict(policy.to_dict()) == policy
    assert policy_from_dict({"ProductFootprint": []}).strict_factors is False
    with pytest.raises(PolicyError):
        policy_from_dict({"strictFactors": "yes"})
