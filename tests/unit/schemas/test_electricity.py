"""Electricity block v2: computed results, GEC ranges at scale, factor resolution, the
national-factor-plus-GEC route (issue 13, Found 3 and 4)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

import schemas
from schemas.electricity import computed_results
from schemas.violations import Severity
from tests.helpers.schemas_data import BATTERY, load

AT = "/credentialSubject/electricity"
NATIONAL_ID = "urn:uuid:2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"


@pytest.fixture
def battery() -> dict[str, Any]:
    return load(BATTERY)


def _found(document: dict[str, Any], **kwargs: Any) -> set[tuple[str, str]]:
    return {(v.pointer, v.reason) for v in schemas.validate(document, **kwargs)}


def test_certified_power_takes_its_technology_life_cycle_factor(battery: dict[str, Any]) -> None:
    # 3,500 MWh uncovered x 0.1866 + 3,000 wind x 0.0336 + 1,000 PV x 0.0545, per 250,000 kWh.
    block = battery["credentialSubject"]["electricity"]
    location, adjusted = computed_results(block) or (None, None)
    assert location == Decimal("5.598")
    assert adjusted == (Decimal("653.1") + Decimal("100.8") + Decimal("54.5")) * 1000 / 250000


def test_256000_certificates_fit_in_two_ranges(battery: dict[str, Any]) -> None:
    # A 640 GWh plant at 40 % coverage: 256,000 GECs in two claims, well under 1 KiB.
    block = battery["credentialSubject"]["electricity"]
    block.update(electricityConsumedMWh="640000", declaredUnitsProduced="21333333")
    block["electricityPerDeclaredUnitKWh"] = "30"
    block["gecClaims"][0]["lastCertificateId"] = "51101202301150001202501310200000"
    block["gecClaims"][1]["lastCertificateId"] = "51102202306300002202507310056000"
    location, adjusted = computed_results(block) or (Decimal(0), Decimal(0))
    block["locationBasedGhgEmissions"] = f"{location:.3f}"
    block["certificateAdjustedGhgEmissions"] = f"{adjusted:.3f}"
    assert schemas.validate(battery) == []
    ranges = schemas.index_facets(battery).gec_ranges
    assert sum(int(last) - int(first) + 1 for first, last in ranges) == 256000


def test_national_factor_with_gecs_is_usable_and_warns_of_double_counting(
    battery: dict[str, Any],
) -> None:
    block = battery["credentialSubject"]["electricity"]
    national = load("valid/emission-factor-china-electricity-footprint-2023.json")
    block["gridFactor"].update(
        factorId=NATIONAL_ID,
        factorValue="0.6205",
        regionScope="national",
        region="CN",
        excludesMarketTradedGreenPower=False,
    )
    assert national["credentialSubject"]["id"] == NATIONAL_ID
    block["residualMixBasis"] = "grid-average-no-residual-published"
    location, adjusted = computed_results(block) or (Decimal(0), Decimal(0))
    block["locationBasedGhgEmissions"] = f"{location:.3f}"
    block["certificateAdjustedGhgEmissions"] = f"{adjusted:.3f}"
    found = schemas.validate(battery, profile="gbt24067-2024")
    assert [(v.reason, v.severity) for v in found] == [
        ("GEC_DOUBLE_COUNTING_RISK", Severity.WARNING)
    ]


def test_factor_id_must_name_a_held_factor_with_the_same_value(battery: dict[str, Any]) -> None:
    grid = battery["credentialSubject"]["electricity"]["gridFactor"]
    held = {grid["factorId"]: Decimal(grid["factorValue"])}
    assert _found(battery, factors=held) == set()
    assert _found(battery, factors={}) == {(f"{AT}/gridFactor/factorId", "UNKNOWN_FACTOR")}
    wrong = {grid["factorId"]: Decimal("0.2")}
    assert _found(battery, factors=wrong) == {
        (f"{AT}/gridFactor/factorValue", "FACTOR_VALUE_MISMATCH")
    }


def test_a_second_site_takes_its_own_grid_factor(battery: dict[str, Any]) -> None:
    document = copy.deepcopy(battery)
    block = document["credentialSubject"]["electricity"]
    site_grid = dict(block["gridFactor"], factorValue="0.6205", region="CN", regionScope="national")
    site_grid.pop("factorId")
    block["sites"] = [
        {
            "siteId": "module-assembly-jiangsu",
            "processStep": "pack assembly",
            "electricityConsumedMWh": "2500",
            "electricityPerDeclaredUnitKWh": "10",
            "gridFactor": site_grid,
        }
    ]
    location, adjusted = computed_results(block) or (Decimal(0), Decimal(0))
    # 5,000 MWh x 0.1866 + 2,500 MWh x 0.6205, per 250,000 kWh.
    assert location == (Decimal("933.0") + Decimal("1551.25")) * 1000 / 250000
    block["locationBasedGhgEmissions"] = f"{location:.3f}"
    block["certificateAdjustedGhgEmissions"] = f"{adjusted:.3f}"
    assert _found(document) == set()  # top-level MWh and kWh per unit are the totals
    block["sites"][0]["electricityPerDeclaredUnitKWh"] = "1"
    assert _found(document) == {
        (f"{AT}/sites/0/electricityPerDeclaredUnitKWh", "ELECTRICITY_PER_UNIT_MISMATCH")
    }
