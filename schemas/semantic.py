"""Checks a JSON Schema cannot express: orders, sums, cross-field conditions.

Each check reads a document that may be only partly valid, so every access is guarded and a value
the schema already rejected is skipped here (one mistake, one violation). Pointers are relative to
`base`, the location of the dataset in the validated document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from schemas import attestation, customs, decimals, electricity, factor_units, pointer
from schemas.subject_reading import array as _list
from schemas.subject_reading import obj as _obj
from schemas.subject_reading import period_order as _period_order
from schemas.subject_reading import repeats as _repeats
from schemas.subject_reading import rounding_tolerance
from schemas.violations import Violation

Check = Callable[[dict[str, Any], str], Iterator[Violation]]

# PACT §1.1: at most one geography field; listed from coarse to fine.
_GEOGRAPHY_FIELDS = (
    "geographyRegionOrSubregion",
    "geographyCountry",
    "geographyCountrySubdivision",
)


def factor_unit_matches_kind(unit: Any, kind: Any) -> bool:
    """A CO2-only emission factor is in kgCO2 units, a life-cycle footprint factor in kgCO2e."""
    co2_only = factor_units.is_co2_only(unit)
    if co2_only is None:
        return True  # the schema reports an unknown unit
    if kind == "co2-emission-factor":
        return co2_only
    if kind == "lifecycle-footprint-factor":
        return not co2_only
    return True


def _unit_kind(holder: dict[str, Any], at: str) -> Iterator[Violation]:
    if not factor_unit_matches_kind(holder.get("factorUnit"), holder.get("factorKind")):
        yield Violation(
            pointer.join(at, "factorUnit"),
            "FACTOR_UNIT_KIND_MISMATCH",
            f"unit {holder['factorUnit']} does not fit a {holder['factorKind']}",
        )


def _biogenic_sum(pcf: dict[str, Any], at: str) -> Iterator[Violation]:
    # PACT v3 §1.5: pcfIncludingBiogenicUptake = pcfExcludingBiogenicUptake + biogenicCO2Uptake.
    including_text = pcf.get("pcfIncludingBiogenicUptake")
    excluding_text = pcf.get("pcfExcludingBiogenicUptake")
    uptake_text = pcf.get("biogenicCO2Uptake", "0")
    including = decimals.parse(including_text)
    excluding = decimals.parse(excluding_text)
    uptake = decimals.parse(uptake_text)
    if including is None or excluding is None or uptake is None:
        return
    assert isinstance(including_text, str)
    assert isinstance(excluding_text, str)
    assert isinstance(uptake_text, str)
    # "Within rounding": one unit in the last place of the least precise *rounded* figure. An
    # absent or zero uptake is exact (PACT x-rule BIO: 0 = not applicable), so a bare "0" must not
    # widen the tolerance to a whole kgCO2e.
    rounded = [including_text, excluding_text] + ([uptake_text] if uptake != 0 else [])
    tolerance = rounding_tolerance(*rounded)
    if abs(including - (excluding + uptake)) > tolerance:
        yield Violation(
            pointer.join(at, "pcfIncludingBiogenicUptake"),
            "PCF_BIOGENIC_SUM_MISMATCH",
            f"pcfIncludingBiogenicUptake {including_text} != pcfExcludingBiogenicUptake "
            f"{excluding_text} + biogenicCO2Uptake {uptake_text} (tolerance {tolerance})",
        )


def _carbon_footprint(pcf: dict[str, Any], at: str) -> Iterator[Violation]:
    yield from _period_order(pcf, "referencePeriodStart", "referencePeriodEnd", at)
    present = [name for name in _GEOGRAPHY_FIELDS if name in pcf]
    for name in present[1:]:
        yield Violation(
            pointer.join(at, name),
            "MULTIPLE_GEOGRAPHIES",
            f"at most one of {', '.join(_GEOGRAPHY_FIELDS)} may be set; found {', '.join(present)}",
        )
    if "packagingGhgEmissions" in pcf and pcf.get("packagingEmissionsIncluded") is not True:
        yield Violation(
            pointer.join(at, "packagingGhgEmissions"),
            "PACKAGING_EMISSIONS_WITHOUT_FLAG",
            "packagingGhgEmissions must be absent unless packagingEmissionsIncluded is true",
        )
    if pcf.get("ccsTechnologicalCO2CaptureIncluded") is False:
        for name in ("ccsTechnologicalCO2Capture", "technologicalCO2Removals"):
            if name in pcf:
                yield Violation(
                    pointer.join(at, name),
                    "CCS_VALUE_WITHOUT_FLAG",
                    f"{name} must be absent when ccsTechnologicalCO2CaptureIncluded is false",
                )
    if "ccuCreditCertification" in pcf and pcf.get("ccuCalculationApproach") != "Credit":
        yield Violation(
            pointer.join(at, "ccuCreditCertification"),
            "CCU_CERTIFICATION_WITHOUT_CREDIT",
            "ccuCreditCertification applies only to the Credit calculation approach",
        )
    yield from _biogenic_sum(pcf, at)
    for index, rule in enumerate(_list(pcf.get("productOrSectorSpecificRules"))):
        rule_obj = _obj(rule)
        is_other = rule_obj.get("operator") == "Other"
        if is_other != ("otherOperatorName" in rule_obj):
            yield Violation(
                pointer.join(at, "productOrSectorSpecificRules", index, "otherOperatorName"),
                "OTHER_OPERATOR_NAME_MISMATCH",
                "otherOperatorName is required when operator is Other and forbidden otherwise",
            )


def _electricity(block: dict[str, Any], at: str, pcf: dict[str, Any]) -> Iterator[Violation]:
    grids = [(pointer.join(at, "gridFactor"), block.get("gridFactor"))]
    grids += [
        (pointer.join(at, "sites", index, "gridFactor"), _obj(site).get("gridFactor"))
        for index, site in enumerate(_list(block.get("sites")))
    ]
    for grid_at, grid in grids:
        yield from _unit_kind(_obj(grid), grid_at)
    for index, claim in enumerate(_list(block.get("gecClaims"))):
        yield from _period_order(
            _obj(claim),
            "generationPeriodStart",
            "generationPeriodEnd",
            pointer.join(at, "gecClaims", index),
            strict=False,
        )
    yield from electricity.electricity_checks(block, at, pcf)


def _gbt24067(block: dict[str, Any], at: str) -> Iterator[Violation]:
    # GB/T 24067-2024: a CFP is cradle-to-grave per functional unit; a partial CFP stops earlier
    # and is per declared unit.
    study, boundary = block.get("studyType"), block.get("systemBoundary")
    if study == "CFP":
        if boundary not in (None, "cradle-to-grave"):
            yield Violation(
                pointer.join(at, "systemBoundary"),
                "STUDY_TYPE_BOUNDARY_MISMATCH",
                f"a CFP covers cradle-to-grave, not {boundary}",
            )
        if "functionalUnit" not in block:
            yield Violation(
                pointer.join(at, "functionalUnit"),
                "MISSING_REQUIRED_FIELD",
                "a CFP states its functional unit",
            )
    elif study == "PartialCFP":
        if boundary == "cradle-to-grave":
            yield Violation(
                pointer.join(at, "systemBoundary"),
                "STUDY_TYPE_BOUNDARY_MISMATCH",
                "a partial CFP does not cover cradle-to-grave; use studyType CFP",
            )
        if "declaredUnitDescription" not in block:
            yield Violation(
                pointer.join(at, "declaredUnitDescription"),
                "MISSING_REQUIRED_FIELD",
                "a partial CFP states its declared unit",
            )
    review = _obj(block.get("criticalReview"))
    if review.get("reviewPerformed") is True:
        for name in ("reviewType", "reviewerName"):
            if name not in review:
                yield Violation(
                    pointer.join(at, "criticalReview", name),
                    "MISSING_REQUIRED_FIELD",
                    f"a performed critical review names its {name}",
                )


def footprint_checks(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    """ProductFootprint checks: periods, self-reference, the pcf, electricity and GB/T blocks."""
    yield from _period_order(subject, "validityPeriodStart", "validityPeriodEnd", base)
    own_id = subject.get("id")
    for index, preceding in enumerate(_list(subject.get("precedingPfIds"))):
        if preceding == own_id:
            yield Violation(
                pointer.join(base, "precedingPfIds", index),
                "SELF_REFERENCE",
                "a footprint cannot precede itself",
            )
    pcf = subject.get("pcf")
    if isinstance(pcf, dict):
        yield from _carbon_footprint(pcf, pointer.join(base, "pcf"))
    electricity_block = subject.get("electricity")
    if isinstance(electricity_block, dict):
        yield from _electricity(electricity_block, pointer.join(base, "electricity"), _obj(pcf))
    gbt = subject.get("gbt24067")
    if isinstance(gbt, dict):
        yield from _gbt24067(gbt, pointer.join(base, "gbt24067"))
        yield from electricity.stage_sum_checks(gbt, _obj(pcf), pointer.join(base, "gbt24067"))
    yield from customs.checks(subject, base)


def emission_factor_checks(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    """EmissionFactor checks: unit against kind, validity period, green-power double counting."""
    yield from _unit_kind(subject, base)
    if not factor_units.fits_activity(subject.get("factorUnit"), subject.get("activity")):
        yield Violation(
            pointer.join(base, "factorUnit"),
            "FACTOR_UNIT_ACTIVITY_MISMATCH",
            f"a {subject['activity']} factor is not given per the unit of {subject['factorUnit']}",
        )
    yield from _period_order(subject, "validityPeriodStart", "validityPeriodEnd", base)
    if subject.get("activity") == "electricity" and "excludesMarketTradedGreenPower" not in subject:
        yield Violation(
            pointer.join(base, "excludesMarketTradedGreenPower"),
            "MISSING_REQUIRED_FIELD",
            "an electricity factor says whether market-traded green power is excluded "
            "(needed to avoid double counting with GECs)",
        )
    region, scope = subject.get("region"), subject.get("regionScope")
    if isinstance(region, str):
        is_subdivision = "-" in region
        if (scope == "provincial") != is_subdivision:
            yield Violation(
                pointer.join(base, "region"),
                "REGION_SCOPE_MISMATCH",
                f"a {scope} factor needs "
                + ("an ISO 3166-2 subdivision" if scope == "provincial" else "a country code"),
            )
    if scope == "regional" and "regionName" not in subject:
        yield Violation(
            pointer.join(base, "regionName"),
            "MISSING_REQUIRED_FIELD",
            "a regional (grid-region) factor names its region",
        )
    if subject.get("id") in _list(subject.get("supersedes")):
        yield Violation(
            pointer.join(base, "supersedes"), "SELF_REFERENCE", "a factor cannot supersede itself"
        )


def _empty_range(constraint: dict[str, Any], at: str) -> Iterator[Violation]:
    """A range no value can satisfy (minimum 5 and maximum 3, or exclusiveMinimum 3 and maximum 3)
    would reject every footprint: reported at the maximum. (No exclusiveMaximum: the v1 context has
    no term for it and a published context never changes; it waits for cfx/v2.)"""
    lows = [
        (value, key == "exclusiveMinimum")
        for key in ("minimum", "exclusiveMinimum")
        if (value := decimals.parse(constraint.get(key))) is not None
    ]
    high = decimals.parse(constraint.get("maximum"))
    if high is None:
        return
    for low, low_open in lows:
        if low > high or (low == high and low_open):
            yield Violation(
                pointer.join(at, "maximum"), "EMPTY_RANGE", f"no value lies in {low}..{high}"
            )
            return


def accounting_rule_checks(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    """AccountingRule checks: constraint ids are unique and no range is empty."""
    constraints = _list(subject.get("constraints"))
    at = pointer.join(base, "constraints")
    for repeat_at, constraint_id in _repeats(constraints, at, "constraintId"):
        yield Violation(
            repeat_at, "DUPLICATE_CONSTRAINT_ID", f"constraintId {constraint_id} is used twice"
        )
    for index, constraint in enumerate(constraints):
        yield from _empty_range(_obj(constraint), pointer.join(at, index))


def status_update_checks(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    """StatusUpdate checks: the action fits the target kind; a supersession names its successor."""
    action, kind = subject.get("action"), subject.get("targetKind")
    if (action == "revoke-attestation") != (kind == "Attestation") and kind is not None:
        yield Violation(
            pointer.join(base, "action"),
            "ACTION_KIND_MISMATCH",
            "attestations are revoked (revoke-attestation); other datasets are deprecated or "
            "withdrawn",
        )
    if subject.get("reasonCode") == "superseded" and "supersededBy" not in subject:
        yield Violation(
            pointer.join(base, "supersededBy"),
            "MISSING_REQUIRED_FIELD",
            "a dataset superseded by another names it in supersededBy",
        )
    if "supersededBy" in subject and subject.get("supersededBy") == subject.get("targetDatasetId"):
        yield Violation(
            pointer.join(base, "supersededBy"),
            "SELF_REFERENCE",
            "a dataset cannot supersede itself",
        )


def credential_checks(credential: dict[str, Any]) -> Iterator[Violation]:
    """Credential-level checks (VC 2.0 §4.9: validFrom not after validUntil)."""
    yield from _period_order(credential, "validFrom", "validUntil", "")


KIND_CHECKS: dict[str, Check] = {
    "ProductFootprint": footprint_checks,
    "EmissionFactor": emission_factor_checks,
    "AccountingRule": accounting_rule_checks,
    "Attestation": attestation.checks,
    "StatusUpdate": status_update_checks,
}
