"""Profiles: named sets of extra requirements layered on the base validation of a kind.

- `pact-3.0`: what PACT v3 says SHALL be reported and its validity-period rules (pact-v3.md §1.1,
  §1.5) beyond what its schema enforces.
- `gbt24067-2024`: GB/T 24067-2024 reporting (federation.md §5.1): the CFP study block, separate
  reporting of dLUC and aircraft emissions, and a *life-cycle* electricity footprint factor.
- `power-battery`, `crystalline-silicon-pv`, `electronics`: `gbt24067-2024` plus the bundled
  AccountingRule for that product family (rules/*.json; placeholders until official rules exist).

A profile names the kinds it speaks about; for other kinds it adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from schemas import pointer
from schemas.datetimes import parse_date_time
from schemas.decimals import parse as parse_decimal
from schemas.errors import UnknownProfileError
from schemas.rules import check_rule
from schemas.violations import Severity, Violation

PACT_3_0 = "pact-3.0"
GBT_24067_2024 = "gbt24067-2024"
#: Product profile -> id of the bundled AccountingRule it applies.
PRODUCT_RULES: dict[str, str] = {
    "power-battery": "urn:cfx:accounting-rule:power-battery:1.0.0",
    "crystalline-silicon-pv": "urn:cfx:accounting-rule:crystalline-silicon-pv:1.0.0",
    "electronics": "urn:cfx:accounting-rule:electronics:1.0.0",
}
PROFILES: tuple[str, ...] = (PACT_3_0, GBT_24067_2024, *PRODUCT_RULES)


def check_profile_name(profile: str) -> None:
    """Raise UnknownProfileError unless `profile` is one of PROFILES."""
    if profile not in PROFILES:
        raise UnknownProfileError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")


def _missing(
    holder: Any,
    at: str,
    names: tuple[str, ...],
    why: str,
    severity: Severity = Severity.ERROR,
) -> Iterator[Violation]:
    if not isinstance(holder, dict):
        return
    for name in names:
        if name not in holder:
            yield Violation(
                pointer.join(at, name), "MISSING_REQUIRED_FIELD", f"{name} {why}", severity
            )


def _plus_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _pact_footprint(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    pcf = subject.get("pcf")
    pcf_at = pointer.join(base, "pcf")
    yield from _missing(
        pcf,
        pcf_at,
        # x-rule SHALL fields the v3 schema leaves optional (pact-v3.md §1.5): a methodology
        # reporting rule, not a data-model MUST, so an omission is a warning (both official
        # samples omit ccsTechnologicalCO2CaptureIncluded).
        ("packagingEmissionsIncluded", "ccsTechnologicalCO2CaptureIncluded", "primaryDataShare"),
        "SHALL be reported (PACT v3 methodology x-rule; the data model does not require it)",
        Severity.WARNING,
    )
    if not isinstance(pcf, dict):
        return
    yield from _fraction_like_share(pcf, pcf_at)
    # PACT §1.1: validity starts at or after the reference period end and lasts at most 3 years.
    reference_end = parse_date_time(pcf.get("referencePeriodEnd"))
    start = parse_date_time(subject.get("validityPeriodStart"))
    end = parse_date_time(subject.get("validityPeriodEnd"))
    if reference_end is None:
        return
    if start is not None and start < reference_end:
        yield Violation(
            pointer.join(base, "validityPeriodStart"),
            "VALIDITY_BEFORE_REFERENCE_END",
            "validityPeriodStart must not be before pcf.referencePeriodEnd",
        )
    if end is not None and end > _plus_years(reference_end, 3):
        yield Violation(
            pointer.join(base, "validityPeriodEnd"),
            "VALIDITY_TOO_LONG",
            "validityPeriodEnd must be at most 3 years after pcf.referencePeriodEnd",
        )


def _fraction_like_share(pcf: dict[str, Any], pcf_at: str) -> Iterator[Violation]:
    # PACT v3 primaryDataShare is a percent of pcfExcludingBiogenicUptake (pact-v3.md §1.5), yet
    # WBCSD's own samples write "0.72" for 72 %. A value in (0, 1] is far more likely such a
    # fraction than a footprint with under 1 % primary data: ask, never convert silently.
    text = pcf.get("primaryDataShare")
    share = parse_decimal(text)
    if share is not None and 0 < share <= 1:
        percent = format((share * 100).normalize(), "f")
        yield Violation(
            pointer.join(pcf_at, "primaryDataShare"),
            "PRIMARY_DATA_SHARE_LOOKS_LIKE_FRACTION",
            f"primaryDataShare {text!r} means {text} % of the PCF from primary data: PACT gives "
            f"it in percent (0..100), not as a fraction; if {percent} % is meant, write "
            f"{percent!r}",
            Severity.WARNING,
        )


def _gbt_footprint(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    yield from _missing(
        subject, base, ("gbt24067", "electricity"), "is required by GB/T 24067-2024"
    )
    yield from _missing(
        subject.get("gbt24067"),
        pointer.join(base, "gbt24067"),
        ("cutOffCriteria", "allocationProcedure", "criticalReview"),
        "is part of a GB/T 24067-2024 CFP study report",
    )
    yield from _missing(
        subject.get("pcf"),
        pointer.join(base, "pcf"),
        ("landUseChangeGhgEmissions", "aircraftGhgEmissions"),
        "is reported separately under GB/T 24067-2024",
    )
    yield from gbt_cfp_study(subject, base)
    electricity = subject.get("electricity")
    if not isinstance(electricity, dict):
        return
    electricity_at = pointer.join(base, "electricity")
    grids = [(pointer.join(electricity_at, "gridFactor"), electricity.get("gridFactor"))]
    sites = electricity.get("sites")
    grids += [
        (pointer.join(electricity_at, "sites", index, "gridFactor"), site.get("gridFactor"))
        for index, site in enumerate(sites if isinstance(sites, list) else [])
        if isinstance(site, dict)
    ]
    for grid_at, grid in grids:
        if isinstance(grid, dict) and grid.get("factorKind") == "co2-emission-factor":
            yield Violation(
                pointer.join(grid_at, "factorKind"),
                "FACTOR_KIND_NOT_ALLOWED",
                "GB/T 24067 counts the life cycle of electricity supply: use a life-cycle "
                "footprint factor, not the CO2-only grid emission factor",
            )
    # GECs with a grid factor that still holds green power: checked for every footprint by
    # schemas.electricity (an error unless stated, then a GEC_DOUBLE_COUNTING_RISK warning).
    yield from _gec_periods(subject, base)


#: GB/T 24067-2024 life-cycle stages as the footprint schema names them (gbt24067.
#: lifecycleStageEmissions[].stage): raw material acquisition, production, distribution, use and
#: end of life. A CFP is cradle to grave, so it reports every one (a stage may be "0").
CFP_STAGES = ("RawMaterialExtraction", "MainProduction", "Distribution", "Use", "EndOfLife")


def gbt_cfp_study(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    """GB/T 24067 study-report items beyond the study block's presence (issue 13 Found 6)."""
    study = subject.get("gbt24067")
    if not isinstance(study, dict):
        return
    at = pointer.join(base, "gbt24067")
    if study.get("studyType") == "CFP":
        yield from _cfp_stages(study, at)
        yield from _missing(
            study, at, ("endOfLifeAllocation",), "is how a CFP allocates recycling at end of life"
        )
    # The report states uncertainty and is the evidence behind the figures (ISO 14067 7.3, which
    # GB/T 24067 adopts): a SHOULD for data exchange, so a warning.
    for name, why in (
        ("uncertainty", "the study report states the uncertainty of the result"),
        ("studyReport", "link the CFP study report and the SHA-256 of its bytes"),
    ):
        if name not in study:
            yield Violation(
                pointer.join(at, name), "STUDY_ITEM_NOT_REPORTED", why, Severity.WARNING
            )


def _cfp_stages(study: dict[str, Any], at: str) -> Iterator[Violation]:
    stages = study.get("lifecycleStageEmissions")
    items = stages if isinstance(stages, list) else []
    reported = {str(item.get("stage")) for item in items if isinstance(item, dict)}
    missing = [stage for stage in CFP_STAGES if stage not in reported]
    if missing:
        yield Violation(
            pointer.join(at, "lifecycleStageEmissions"),
            "CFP_STAGE_MISSING",
            f"a CFP (cradle to grave) reports every life-cycle stage; missing: "
            f"{', '.join(missing)}",
        )


def _gec_periods(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    # ISO 14067 (which GB/T 24067 adopts) accepts an energy attribute certificate only if it is
    # "close in time" to the consumption (federation.md §5.1). The least that means: the
    # certificate's generation period overlaps the footprint's reference period.
    pcf, electricity = subject.get("pcf"), subject.get("electricity")
    if not isinstance(pcf, dict) or not isinstance(electricity, dict):
        return
    start = parse_date_time(pcf.get("referencePeriodStart"))
    end = parse_date_time(pcf.get("referencePeriodEnd"))
    claims = electricity.get("gecClaims")
    if start is None or end is None or not isinstance(claims, list):
        return
    for index, claim in enumerate(claims):
        if not isinstance(claim, dict):
            continue
        generated_from = parse_date_time(claim.get("generationPeriodStart"))
        generated_to = parse_date_time(claim.get("generationPeriodEnd"))
        if generated_from is None or generated_to is None:
            continue
        if generated_to <= start or generated_from >= end:
            yield Violation(
                pointer.join(base, "electricity", "gecClaims", index, "generationPeriodStart"),
                "GEC_OUTSIDE_REFERENCE_PERIOD",
                "the certificate's electricity was generated outside the reference period, so it "
                "cannot stand for the electricity consumed in it",
            )


def _gbt_emission_factor(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    if (
        subject.get("activity") == "electricity"
        and subject.get("factorKind") == "co2-emission-factor"
    ):
        yield Violation(
            pointer.join(base, "factorKind"),
            "FACTOR_KIND_NOT_ALLOWED",
            "GB/T 24067 footprints use the life-cycle electricity footprint factor",
        )


def _gbt_rule(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    standard = subject.get("standard")
    if isinstance(standard, str) and not standard.startswith("GB/T 24067"):
        yield Violation(
            pointer.join(base, "standard"), "NOT_ALLOWED_VALUE", "the rule must apply GB/T 24067"
        )
    kinds = subject.get("allowedFactorKinds")
    if isinstance(kinds, list) and "co2-emission-factor" in kinds:
        yield Violation(
            pointer.join(base, "allowedFactorKinds"),
            "FACTOR_KIND_NOT_ALLOWED",
            "GB/T 24067 rules cannot allow the CO2-only grid emission factor",
        )


def _gbt(kind: str, subject: dict[str, Any], base: str) -> Iterator[Violation]:
    if kind == "ProductFootprint":
        yield from _gbt_footprint(subject, base)
    elif kind == "EmissionFactor":
        yield from _gbt_emission_factor(subject, base)
    elif kind == "AccountingRule":
        yield from _gbt_rule(subject, base)


def _product(
    profile: str, kind: str, subject: dict[str, Any], base: str, rules: Mapping[str, Any]
) -> Iterator[Violation]:
    yield from _gbt(kind, subject, base)
    rule_id = PRODUCT_RULES[profile]
    if kind == "AccountingRule":
        if subject.get("productCategory") not in (None, profile):
            yield Violation(
                pointer.join(base, "productCategory"),
                "PRODUCT_CATEGORY_MISMATCH",
                f"profile {profile} is for {profile} rules",
            )
        return
    if kind != "ProductFootprint":
        return
    cited = subject.get("accountingRuleId")
    if cited is not None and cited != rule_id:
        yield Violation(
            pointer.join(base, "accountingRuleId"),
            "ACCOUNTING_RULE_MISMATCH",
            f"profile {profile} applies {rule_id}, the footprint cites {cited}",
        )
    if cited is None:
        rule = rules.get(rule_id)
        if isinstance(rule, dict):
            yield from check_rule(subject, rule, base)


def profile_violations(
    profile: str, kind: str, subject: dict[str, Any], base: str, rules: Mapping[str, Any]
) -> list[Violation]:
    """Extra violations `profile` finds in `subject` (a dataset of `kind` located at `base`).

    A product profile's rule is checked here only when the footprint cites no rule; a cited rule
    is always checked by `validate` itself, so the same rule is never applied twice.
    """
    check_profile_name(profile)
    if profile == PACT_3_0:
        return list(_pact_footprint(subject, base)) if kind == "ProductFootprint" else []
    if profile == GBT_24067_2024:
        return list(_gbt(kind, subject, base))
    return list(_product(profile, kind, subject, base, rules))
