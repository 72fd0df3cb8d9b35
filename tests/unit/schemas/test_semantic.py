"""Semantic checks the schemas cannot express, at their edges (the examples cover the middle)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from schemas import semantic

PCF = "/credentialSubject/pcf"
SUM = (f"{PCF}/pcfIncludingBiogenicUptake", "PCF_BIOGENIC_SUM_MISMATCH")


def _with_pcf(battery: dict[str, Any], **fields: str | None) -> set[tuple[str, str]]:
    document = copy.deepcopy(battery)
    pcf = document["credentialSubject"]["pcf"]
    for name, value in fields.items():
        if value is None:
            pcf.pop(name, None)
        else:
            pcf[name] = value
    return {(v.pointer, v.reason) for v in schemas.validate(document)}


def test_absent_uptake_does_not_widen_the_tolerance_to_a_whole_unit(
    battery: dict[str, Any],
) -> None:
    # 0.90 off at two decimals is no rounding difference; an absent uptake used to count as a
    # figure rounded to units ("0") and let it through.
    found = _with_pcf(
        battery,
        biogenicCO2Uptake=None,
        pcfExcludingBiogenicUptake="61.50",
        pcfIncludingBiogenicUptake="62.40",
        fossilGhgEmissions="61.50",
    )
    assert SUM in found


@pytest.mark.parametrize(("including", "mismatch"), [("61.51", False), ("61.55", True)])
def test_explicit_zero_uptake_is_exact_too(
    battery: dict[str, Any], including: str, mismatch: bool
) -> None:
    found = _with_pcf(
        battery,
        biogenicCO2Uptake="0",
        pcfExcludingBiogenicUptake="61.50",
        pcfIncludingBiogenicUptake=including,
        fossilGhgEmissions="61.50",
    )
    assert (SUM in found) == mismatch  # one hundredth is rounding, five are not


def test_a_coarse_uptake_figure_sets_the_tolerance(battery: dict[str, Any]) -> None:
    # "-2" is rounded to units, so 61.50 + (-2) may honestly be reported as 59.00 (off by 0.5).
    found = _with_pcf(
        battery,
        biogenicCO2Uptake="-2",
        pcfExcludingBiogenicUptake="61.50",
        pcfIncludingBiogenicUptake="59.00",
        fossilGhgEmissions="61.50",
    )
    assert SUM not in found


_HUNDREDTHS = st.integers(min_value=0, max_value=10**7)


@settings(max_examples=150, deadline=None)
@given(_HUNDREDTHS, st.integers(min_value=1, max_value=10**5), st.integers(-300, 300))
def test_biogenic_sum_tolerates_exactly_one_unit_in_the_last_place(
    excluding: int, uptake: int, error: int
) -> None:
    # All three figures at two decimals: |error| <= 1 hundredth passes, anything more fails.
    def text(hundredths: int) -> str:
        return format(Decimal(hundredths).scaleb(-2), "f")

    pcf = {
        "pcfExcludingBiogenicUptake": text(excluding),
        "biogenicCO2Uptake": text(-uptake),
        "pcfIncludingBiogenicUptake": text(excluding - uptake + error),
    }
    found = {
        v.reason
        for v in semantic.footprint_checks({"pcf": pcf}, "")
        if v.pointer == "/pcf/pcfIncludingBiogenicUptake"
    }
    assert (found == {"PCF_BIOGENIC_SUM_MISMATCH"}) == (abs(error) > 1)


@pytest.mark.parametrize(
    ("consumed", "mismatch"), [("7500", False), ("7500.000", False), ("3999.9", True)]
)
def test_gec_total_may_equal_but_not_exceed_the_electricity_consumed(
    battery: dict[str, Any], consumed: str, mismatch: bool
) -> None:
    # The battery claims 3,000 + 1,000 certificates: 4,000 MWh.
    document = copy.deepcopy(battery)
    block = document["credentialSubject"]["electricity"]
    claims = block["gecClaims"]
    claims[0]["lastCertificateId"] = claims[0]["firstCertificateId"][:-7] + "0006500"
    block["electricityConsumedMWh"] = consumed
    found = {(v.pointer, v.reason) for v in schemas.validate(document)}
    expected = ("/credentialSubject/electricity/gecClaims", "GEC_EXCEEDS_CONSUMPTION")
    assert (expected in found) == mismatch
