"""Catena-X PCF aspect (io.catenax.pcf 7.0.0 flat and 10.0.0 nested; JSON numbers) -> PACT v3.

Catena-X carries JSON numbers; PACT v3 decimal strings (pact-v3.md TOP 10 #3). The v10 model
wraps every group in a one-element array. Fields with no PACT v3 counterpart (distribution
stage, mass balancing, certification shares, ...) are dropped with a note each.

Basis (PACT ADR-36): v7 follows PACT v2, its figures are per ONE declared unit and
`unitaryProductAmount` counts the units in the product, so they are multiplied by it; v10 follows
PACT v3, "the PCF is calculated per declared unit amount" (io.catenax.pcf 10.0.0,
declaredUnitAmount), so its figures are copied as they are.
"""

from __future__ import annotations

from typing import Any

from schemas.translate.basis import declared_amount, rescale
from schemas.translate.identifiers import bare_uuid
from schemas.translate.notes import (
    CONVERTED,
    DEFAULTED,
    DROPPED,
    NOT_CONVERTIBLE,
    REINTERPRETED,
    Translation,
    decimal_string,
    items,
    join,
    require_object,
)
from schemas.translate.pact import V3_SPEC_VERSION, derive_including, pact_v3_to_dataset

_STANDARDS = {
    "ISO 14067": "ISO14067",
    "ISO Standard 14067": "ISO14067",
    "ISO Standard 14044": "ISO14040-44",
    "GHG Protocol Product standard": "GHGP-Product",
    "ISO 14083": "ISO14083",
    "PEF": "PEF",
    "PACT Methodology 3.0": "PACT-3.0",
}
_GEOGRAPHY_FINE_TO_COARSE = (
    "geographyCountrySubdivision",
    "geographyCountry",
    "geographyRegionOrSubregion",
)
_COVERAGE = {"PCF Program Certification": "PCF program", "Product Verification": "product level"}


def _decimal(result: Translation, at: str, value: Any) -> str | None:
    text = decimal_string(value)
    if text is None:
        result.note(at, NOT_CONVERTIBLE, f"{value!r} is not a number")
    return text


def _standard(value: str) -> str:
    return _STANDARDS.get(value, value)


def _emission_source(result: Translation, at: str, value: str) -> dict[str, str]:
    name, _, version = value.rpartition(" ")
    if name and version[:1].isdigit():
        return {"name": name, "version": version}
    result.note(at, DEFAULTED, f"{value!r} names no version; version set to 'unspecified'")
    return {"name": value, "version": "unspecified"}


def _pick_geography(
    source: dict[str, Any], pcf: dict[str, Any], result: Translation, at: str
) -> None:
    # PACT allows at most one geography field; keep the most specific one.
    kept = False
    for name in _GEOGRAPHY_FINE_TO_COARSE:
        if name not in source:
            continue
        if kept:
            result.note(join(at, name), DROPPED, "PACT allows one geography; a finer one is kept")
        else:
            pcf[name] = source[name]
            kept = True


def _first(group: Any) -> dict[str, Any]:
    """Catena-X v9/v10 wrap each group in a one-element array."""
    if isinstance(group, list) and group and isinstance(group[0], dict):
        return group[0]
    return group if isinstance(group, dict) else {}


def _set_id(out: dict[str, Any], value: Any, result: Translation, at: str) -> None:
    uuid = bare_uuid(value) if isinstance(value, str) else None
    if uuid is None:
        result.note(at, NOT_CONVERTIBLE, f"{value!r} is not a UUID")
    else:
        out["id"] = uuid


def _preceding(out: dict[str, Any], values: Any, result: Translation, at: str) -> None:
    ids: list[str] = []
    for index, item in enumerate(values if isinstance(values, list) else []):
        raw = item.get("id") if isinstance(item, dict) else item
        uuid = bare_uuid(raw) if isinstance(raw, str) else None
        if uuid is None:
            result.note(join(at, index), DROPPED, f"{raw!r} is not a UUID")
        elif uuid == out.get("id") or uuid in ids:
            result.note(join(at, index), DROPPED, "self-reference or duplicate")
        else:
            ids.append(uuid)
    if ids:
        out["precedingPfIds"] = ids


def _unique_strings(values: Any) -> list[str]:
    out: list[str] = []
    for value in values if isinstance(values, list) else []:
        if isinstance(value, str) and value not in out:
            out.append(value)
    return out


_V7_TOP = {
    "companyName": "companyName",
    "created": "created",
    "productName": "productNameCompany",
    "productDescription": "productDescription",
    "comment": "comment",
    "validityPeriodStart": "validityPeriodStart",
    "validityPeriodEnd": "validityPeriodEnd",
    "extWBCSD_pfStatus": "status",
}
_V7_PCF_DECIMALS = {
    "unitaryProductAmount": "declaredUnitAmount",
    "productMassPerDeclaredUnit": "productMassPerDeclaredUnit",
    "pcfExcludingBiogenic": "pcfExcludingBiogenicUptake",
    "pcfIncludingBiogenic": "pcfIncludingBiogenicUptake",
    "fossilGhgEmissions": "fossilGhgEmissions",
    "extWBCSD_fossilCarbonContent": "fossilCarbonContent",
    "carbonContentBiogenic": "biogenicCarbonContent",
    "dlucGhgEmissions": "landUseChangeGhgEmissions",
    "biogenicCarbonWithdrawal": "biogenicCO2Uptake",
    "aircraftGhgEmissions": "aircraftGhgEmissions",
    "biogenicCarbonEmissionsOtherThanCO2": "biogenicNonCO2Emissions",
    "exemptedEmissionsPercent": "exemptedEmissionsPercent",
    "primaryDataShare": "primaryDataShare",
    "extWBCSD_packagingGhgEmissions": "packagingGhgEmissions",
}
_V7_PCF_PLAIN = {
    "declaredUnit": "declaredUnitOfMeasurement",
    "referencePeriodStart": "referencePeriodStart",
    "referencePeriodEnd": "referencePeriodEnd",
    "boundaryProcessesDescription": "boundaryProcessesDescription",
    "exemptedEmissionsDescription": "exemptedEmissionsDescription",
    "extWBCSD_allocationRulesDescription": "allocationRulesDescription",
    "extWBCSD_packagingEmissionsIncluded": "packagingEmissionsIncluded",
}
_V7_PCF_HANDLED = {
    *_GEOGRAPHY_FINE_TO_COARSE, "productOrSectorSpecificRules", "extWBCSD_characterizationFactors",
    "secondaryEmissionFactorSources", "crossSectoralStandardsUsed", "dataQualityRating",
}  # fmt: skip


def _v7(  # noqa: C901 - one branch per field group of the Catena-X v7 PCF model, flat on purpose
    source: dict[str, Any],
) -> Translation:
    result = Translation({"specVersion": V3_SPEC_VERSION})
    out = result.document
    result.note("/specVersion", CONVERTED, f"{source.get('specVersion')!r} -> {V3_SPEC_VERSION}")
    _set_id(out, source.get("id"), result, "/id")
    for name, target in _V7_TOP.items():
        if name in source:
            out[target] = source[name]
    out["companyIds"] = _unique_strings(source.get("companyIds"))
    out["productIds"] = _unique_strings(source.get("productIds"))
    cpc = source.get("extWBCSD_productCodeCpc")
    if isinstance(cpc, str):
        out["productClassifications"] = ["urn:pact:productclassification:un-cpc:" + cpc]
    _preceding(out, source.get("precedingPfIds"), result, "/precedingPfIds")
    handled = {*_V7_TOP, "id", "specVersion", "companyIds", "productIds", "precedingPfIds", "pcf"}
    handled.add("extWBCSD_productCodeCpc")
    for name in source:
        if name not in handled:
            result.note(join("", name), DROPPED, f"{name} has no PACT v3 field")
    source_pcf = _first(source.get("pcf"))
    pcf: dict[str, Any] = {}
    for name, value in source_pcf.items():
        at = join("/pcf", name)
        if name in _V7_PCF_DECIMALS:
            text = _decimal(result, at, value)
            if text is not None:
                pcf[_V7_PCF_DECIMALS[name]] = text
        elif name in _V7_PCF_PLAIN:
            pcf[_V7_PCF_PLAIN[name]] = value
        elif name not in _V7_PCF_HANDLED:
            result.note(at, DROPPED, f"{name} has no PACT v3 field")
    _pick_geography(source_pcf, pcf, result, "/pcf")
    factors = source_pcf.get("extWBCSD_characterizationFactors")
    if isinstance(factors, str):
        pcf["ipccCharacterizationFactors"] = [factors]
    standards = [
        _standard(item["crossSectoralStandard"])
        for item in items(source_pcf.get("crossSectoralStandardsUsed"))
        if isinstance(item, dict) and isinstance(item.get("crossSectoralStandard"), str)
    ]
    if standards:
        pcf["crossSectoralStandards"] = list(dict.fromkeys(standards))
    sources = [
        _emission_source(result, join("/pcf/secondaryEmissionFactorSources", i), item[key])
        for i, item in enumerate(items(source_pcf.get("secondaryEmissionFactorSources")))
        if isinstance(item, dict)
        and isinstance(item.get(key := "secondaryEmissionFactorSource"), str)
    ]
    if sources:
        pcf["secondaryEmissionFactorSources"] = sources
    rules = []
    for index, item in enumerate(items(source_pcf.get("productOrSectorSpecificRules"))):
        if not isinstance(item, dict):
            continue
        operator = item.get("extWBCSD_operator")
        names = [
            rule["ruleName"]
            for rule in items(item.get("productOrSectorSpecificRules"))
            if isinstance(rule, dict) and isinstance(rule.get("ruleName"), str)
        ]
        rule: dict[str, Any] = {"operator": operator, "ruleNames": names}
        other = item.get("extWBCSD_otherOperatorName")
        if operator == "Other" and isinstance(other, str):
            rule["otherOperatorName"] = other
        elif other is not None:
            at = join("/pcf/productOrSectorSpecificRules", index, "extWBCSD_otherOperatorName")
            result.note(at, DROPPED, "otherOperatorName only applies to operator Other")
        rules.append(rule)
    if rules:
        pcf["productOrSectorSpecificRules"] = rules
    if "dataQualityRating" in source_pcf:
        result.note(
            "/pcf/dataQualityRating", NOT_CONVERTIBLE, "v2-style DQRs (1..3) differ from v3's 1..5"
        )
    out["pcf"] = pcf
    _v7_per_declared_amount(pcf, result)
    derive_including(pcf, result, "/pcf/pcfIncludingBiogenic")
    return result


def _v7_per_declared_amount(pcf: dict[str, Any], result: Translation) -> None:
    """v7 figures are per one declared unit (PACT v2 semantics): multiply them by the amount,
    so that a per-litre 2.0 of a 1,000 L product reads 2000 per 1,000 L, not 2.0."""
    amount = declared_amount(pcf, "declaredUnitAmount", "/pcf/unitaryProductAmount")
    if amount is not None:
        v7_name = {v3: v7 for v7, v3 in _V7_PCF_DECIMALS.items()}
        rescale(
            pcf, amount, multiply=True, result=result, at="/pcf", source_name=lambda n: v7_name[n]
        )


def _copy_decimals(
    group: dict[str, Any], names: dict[str, str], pcf: dict[str, Any], result: Translation, at: str
) -> None:
    for name, value in group.items():
        if name in names:
            text = _decimal(result, join(at, name), value)
            if text is not None:
                pcf[names[name]] = text
        else:
            result.note(join(at, name), DROPPED, f"{name} has no PACT v3 field")


_V10_PRODUCTION = {
    name: name
    for name in (
        "biogenicNonCO2Emissions", "landUseChangeGhgEmissions", "landManagementBiogenicCO2Removals",
        "aircraftGhgEmissions", "landManagementBiogenicCO2Emissions", "pcfExcludingBiogenicUptake",
        "fossilGhgEmissions", "biogenicCO2Uptake", "pcfIncludingBiogenicUptake",
    )
}  # fmt: skip
_V10_CARBON = {
    name: name
    for name in (
        "biogenicCarbonContent", "packagingBiogenicCarbonContent", "recycledCarbonContent",
        "fossilCarbonContent",
    )
}  # fmt: skip


def _v10(  # noqa: C901 - one branch per field of the Catena-X v10 model, flat on purpose
    source: dict[str, Any],
) -> Translation:
    result = Translation({"specVersion": V3_SPEC_VERSION})
    out = result.document
    pcf: dict[str, Any] = {}
    company_product = _first(source.get("companyAndProductInformation"))
    product = _first(company_product.get("productInformation"))
    company = _first(company_product.get("companyInformation"))
    out["companyName"] = company.get("companyName")
    out["companyIds"] = _unique_strings(company.get("companyIds"))
    for name in ("productNameCompany", "productDescription"):
        if name in product:
            out[name] = product[name]
    out["productIds"] = _unique_strings(product.get("productIds"))
    if product.get("productClassifications"):
        out["productClassifications"] = _unique_strings(product["productClassifications"])
    pcf["declaredUnitOfMeasurement"] = product.get("declaredUnitOfMeasurement")
    for name in ("declaredUnitAmount", "productMassPerDeclaredUnit"):
        text = _decimal(
            result,
            f"/companyAndProductInformation/0/productInformation/0/{name}",
            product.get(name),
        )
        if text is not None:
            pcf[name] = text
    general = _first(source.get("general"))
    if "comment" in general:
        out["comment"] = general["comment"]
    if "pcfLegalStatement" in general:
        result.note("/general/0/pcfLegalStatement", DROPPED, "no PACT v3 field")
    scope = _first(source.get("scopeOfPcfForm"))
    result.note(
        "/scopeOfPcfForm/0/specVersion",
        CONVERTED,
        f"{scope.get('specVersion')!r} -> {V3_SPEC_VERSION}",
    )
    if "partialFullPcf" in scope:
        result.note(
            "/scopeOfPcfForm/0/partialFullPcf",
            DROPPED,
            "no PACT v3 field (cfx: gbt24067.studyType)",
        )

    _copy_decimals(
        _first(source.get("carbonContent")), _V10_CARBON, pcf, result, "/carbonContent/0"
    )
    stages = _first(source.get("productLifeCycleStagesAndEmissions"))
    base = "/productLifeCycleStagesAndEmissions/0"
    _copy_decimals(
        _first(stages.get("productionStage")),
        _V10_PRODUCTION,
        pcf,
        result,
        base + "/productionStage/0",
    )
    packaging = _first(stages.get("packagingStage"))
    if "packagingEmissionsIncluded" in packaging:
        pcf["packagingEmissionsIncluded"] = packaging["packagingEmissionsIncluded"]
    if packaging.get("packagingEmissionsIncluded") is True:
        text = _decimal(
            result, base + "/packagingStage/0", packaging.get("packagingPcfExcludingBiogenicUptake")
        )
        if text is not None:
            pcf["packagingGhgEmissions"] = text
            result.note(
                base + "/packagingStage/0/packagingPcfExcludingBiogenicUptake",
                CONVERTED,
                "-> packagingGhgEmissions",
            )
    result.note(base + "/packagingStage/0", DROPPED, "packaging-stage detail has no PACT v3 fields")
    distribution = _first(stages.get("distributionStage"))
    if distribution.get("distributionStageIncluded") is True:
        text = _decimal(
            result,
            base + "/distributionStage/0",
            distribution.get("distributionStagePcfExcludingBiogenicUptake"),
        )
        if text is not None:
            pcf["outboundLogisticsGhgEmissions"] = text
    result.note(
        base + "/distributionStage/0", DROPPED, "distribution-stage detail has no PACT v3 fields"
    )

    method = _first(source.get("pcfAssessmentAndMethodology"))
    at = "/pcfAssessmentAndMethodology/0"
    methodology = _first(method.get("pcfMethodology"))
    standards = _first(methodology.get("standards"))
    standard = standards.get("crossSectoralStandards")
    if isinstance(standard, str):
        pcf["crossSectoralStandards"] = [_standard(standard)]
    rule_names = _unique_strings(standards.get("productOrSectorSpecificRules"))
    if rule_names:
        pcf["productOrSectorSpecificRules"] = [
            {
                "operator": "Other",
                "ruleNames": rule_names,
                "otherOperatorName": "unspecified (Catena-X)",
            }
        ]
        result.note(
            at + "/pcfMethodology/0/standards/0/productOrSectorSpecificRules",
            DEFAULTED,
            "operator unknown: Other",
        )
    factors = _first(methodology.get("gwpCharacterizationFactorDetails")).get(
        "ipccCharacterizationFactors"
    )
    if isinstance(factors, str):
        pcf["ipccCharacterizationFactors"] = [factors]
    allocation = _first(methodology.get("allocationInForeground"))
    if "allocationRulesDescription" in allocation:
        pcf["allocationRulesDescription"] = allocation["allocationRulesDescription"]
    for name in ("massBalancingInformation",):
        if name in methodology:
            result.note(join(at, "pcfMethodology", 0, name), DROPPED, "no PACT v3 field")
    quality = _first(method.get("dataSourcesAndQuality"))
    sources = [
        _emission_source(
            result, join(at, "dataSourcesAndQuality/0/secondaryEmissionFactorSources", i), s
        )
        for i, s in enumerate(items(quality.get("secondaryEmissionFactorSources")))
        if isinstance(s, str)
    ]
    if sources:
        pcf["secondaryEmissionFactorSources"] = sources
    if "primaryDataShare" in quality:
        text = _decimal(
            result, at + "/dataSourcesAndQuality/0/primaryDataShare", quality["primaryDataShare"]
        )
        if text is not None:
            pcf["primaryDataShare"] = text
    dqi = {}
    for name in ("technologicalDQR", "geographicalDQR", "temporalDQR"):
        text = decimal_string(quality.get(name))
        if text is not None:
            dqi[name] = text
    if len(dqi) == 3:
        pcf["dqi"] = dqi
        result.note(
            at + "/dataSourcesAndQuality/0",
            REINTERPRETED,
            "technological/geographical/temporal DQRs copied into PACT v3 dqi: both 1..5, but "
            "Catena-X rates them on the TfS PCF Guideline v3 tables (5.14-5.16), PACT on its "
            "own methodology's; the scores are not defined by the same table",
        )
    info = _first(method.get("pcfAssessmentInformation"))
    boundary = _first(info.get("boundarySpecifications"))
    if "exemptedEmissionsPercent" in boundary:
        text = _decimal(
            result,
            at + "/pcfAssessmentInformation/0/boundarySpecifications/0",
            boundary["exemptedEmissionsPercent"],
        )
        if text is not None:
            pcf["exemptedEmissionsPercent"] = text
    if "exemptedEmissionsDescription" in boundary:
        pcf["exemptedEmissionsDescription"] = boundary["exemptedEmissionsDescription"]
    technology = _first(info.get("technology"))
    for name in ("ccsTechnologicalCO2CaptureIncluded", "boundaryProcessesDescription"):
        if name in technology:
            pcf[name] = technology[name]
    time = _first(info.get("time"))
    for name in ("referencePeriodStart", "referencePeriodEnd"):
        if name in time:
            pcf[name] = time[name]
    for name in ("validityPeriodStart", "validityPeriodEnd", "created"):
        if name in time:
            out[name] = time[name]
    _pick_geography(
        _first(info.get("geography")), pcf, result, at + "/pcfAssessmentInformation/0/geography/0"
    )
    ids = _first(info.get("idAndVersion"))
    ids_at = at + "/pcfAssessmentInformation/0/idAndVersion/0"
    _set_id(out, ids.get("id"), result, ids_at + "/id")
    if "status" in ids:
        out["status"] = ids["status"]
    _preceding(out, ids.get("precedingPfIds"), result, ids_at + "/precedingPfIds")
    if "version" in ids:
        result.note(join(ids_at, "version"), DROPPED, "no PACT v3 field")
    if _FOOTPRINT_TYPE in ids:
        result.note(
            join(ids_at, _FOOTPRINT_TYPE),
            DROPPED,
            "no PACT v3 field (catenax_to_dataset carries it as customs.footprintType)",
        )
    _attestation(_first(source.get("attestationOfConformance")), pcf, result)
    if "verificationAndCertificationShares" in method:
        result.note(at + "/verificationAndCertificationShares", DROPPED, "no PACT v3 field")
    out["pcf"] = pcf
    derive_including(pcf, result, base + "/productionStage/0/pcfIncludingBiogenicUptake")
    return result


_FOOTPRINT_TYPE = "retroOrProspectivePcfType"
_FOOTPRINT_TYPE_AT = "/pcfAssessmentAndMethodology/0/pcfAssessmentInformation/0/idAndVersion/0"
# io.catenax.pcf 10.0.0 retroOrProspectivePcfType -> cfx customs.footprintType (SHARED13)
_FOOTPRINT_TYPES = {"retrospective pcf": "retrospective", "prospective pcf": "prospective"}
_ATTESTATION_KEPT = ("providerName", "completedAt", "standardName")


def _attestation(attestation: dict[str, Any], pcf: dict[str, Any], result: Translation) -> None:
    """attestationOfConformance -> pcf.verification: what PACT cannot hold (the link, the
    attestation id, the provider's BPN, the attestation standard) is DROPPED, one note each."""
    if not attestation:
        return
    at = "/attestationOfConformance/0"
    verification: dict[str, Any] = {}
    for name, value in attestation.items():
        here = join(at, name)
        if name in _ATTESTATION_KEPT:
            verification[name] = value
        elif name == "attestationType" and str(value) in _COVERAGE:
            verification["coverage"] = _COVERAGE[str(value)]
            result.note(here, CONVERTED, f"{value!r} -> verification.coverage")
        elif name == "attestationType":
            result.note(here, NOT_CONVERTIBLE, f"{value!r} has no PACT verification coverage")
        else:
            result.note(here, DROPPED, f"{name}: PACT v3 verification has no such field")
    pcf["verification"] = verification


def catenax_to_pact_v3(document: Any) -> Translation:
    """A Catena-X PCF aspect (7.0.0 or 10.0.0 shape) as a PACT v3.0 footprint with notes."""
    source = require_object(document, "a Catena-X PCF")
    if "companyAndProductInformation" in source or "scopeOfPcfForm" in source:
        return _v10(source)
    return _v7(source)


def catenax_to_dataset(document: Any) -> Translation:
    """A Catena-X PCF aspect as a cfx ProductFootprint dataset: catenax_to_pact_v3, then
    pact_v3_to_dataset (whose notes point into that intermediate PACT v3 document and say so),
    and v10's retrospective/prospective type, which PACT cannot hold, as customs.footprintType.
    """
    pact = catenax_to_pact_v3(document)
    dataset = pact_v3_to_dataset(pact.document)
    result = Translation(dataset.document)
    kind = _first(
        _first(
            _first(document.get("pcfAssessmentAndMethodology")).get("pcfAssessmentInformation")
        ).get("idAndVersion")
    ).get(_FOOTPRINT_TYPE)
    at = join(_FOOTPRINT_TYPE_AT, _FOOTPRINT_TYPE)
    footprint_type = _FOOTPRINT_TYPES.get(kind.strip().lower()) if isinstance(kind, str) else None
    for note in pact.notes:
        if note.pointer != at:  # handled below: converted, or said not convertible
            result.notes.append(note)
    if footprint_type is not None:
        result.document["customs"] = {"footprintType": footprint_type}
        result.note(at, CONVERTED, f"{kind!r} -> customs.footprintType {footprint_type!r}")
    elif kind is not None:
        result.note(at, NOT_CONVERTIBLE, f"{kind!r} is neither a retrospective nor prospective PCF")
    for note in dataset.notes:
        result.note(note.pointer, note.reason, f"(in the PACT v3 intermediate) {note.message}")
    return result
