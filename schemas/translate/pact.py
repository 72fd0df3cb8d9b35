"""PACT v2.x <-> v3.0 (pact-v3.md §1.6) and PACT v3 <-> the cfx ProductFootprint dataset."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from schemas import resources
from schemas.datetimes import parse_date_time
from schemas.translate.basis import declared_amount, rescale
from schemas.translate.extension import carry_cfx_extension, unpack_cfx_extension
from schemas.translate.identifiers import normalize_urn, uuid_urn
from schemas.translate.notes import (
    CONVERTED,
    DEFAULTED,
    DERIVED,
    DISPUTED_IN_TARGET,
    DROPPED,
    MISSING_IN_SOURCE,
    NOT_CONVERTIBLE,
    Translation,
    decimal_string,
    items,
    join,
    number,
    require_object,
)

V3_SPEC_VERSION = "3.0.0"
V2_SPEC_VERSION = "2.3.0"

# Top-level fields that keep their name and value from v2 to v3 and back.
_SHARED_TOP = (
    "id", "precedingPfIds", "created", "status", "validityPeriodStart", "validityPeriodEnd",
    "companyName", "companyIds", "productDescription", "productIds", "productClassifications",
    "productNameCompany", "comment", "extensions",
)  # fmt: skip
# pcf fields: v2 name -> v3 name, same value (decimal strings in both).
_PCF_RENAMES = {
    "declaredUnit": "declaredUnitOfMeasurement",
    "unitaryProductAmount": "declaredUnitAmount",
    "productMassPerDeclaredUnit": "productMassPerDeclaredUnit",
    "pCfExcludingBiogenic": "pcfExcludingBiogenicUptake",
    "fossilGhgEmissions": "fossilGhgEmissions",
    "fossilCarbonContent": "fossilCarbonContent",
    "biogenicCarbonContent": "biogenicCarbonContent",
    "dLucGhgEmissions": "landUseChangeGhgEmissions",
    "biogenicCarbonWithdrawal": "biogenicCO2Uptake",
    "aircraftGhgEmissions": "aircraftGhgEmissions",
    "ipccCharacterizationFactorsSources": "ipccCharacterizationFactors",
    "productOrSectorSpecificRules": "productOrSectorSpecificRules",
    "boundaryProcessesDescription": "boundaryProcessesDescription",
    "referencePeriodStart": "referencePeriodStart",
    "referencePeriodEnd": "referencePeriodEnd",
    "geographyCountrySubdivision": "geographyCountrySubdivision",
    "geographyCountry": "geographyCountry",
    "geographyRegionOrSubregion": "geographyRegionOrSubregion",
    "secondaryEmissionFactorSources": "secondaryEmissionFactorSources",
    "exemptedEmissionsDescription": "exemptedEmissionsDescription",
    "packagingEmissionsIncluded": "packagingEmissionsIncluded",
    "packagingGhgEmissions": "packagingGhgEmissions",
    "allocationRulesDescription": "allocationRulesDescription",
}
# pcf fields that are JSON numbers in v2 and decimal strings in v3.
_PCF_NUMBERS = ("exemptedEmissionsPercent", "primaryDataShare")
_V2_ONLY_PCF = {
    "landManagementGhgEmissions": (NOT_CONVERTIBLE, "v3 splits it into three fields; no 1:1 map"),
    "otherBiogenicGhgEmissions": (DROPPED, "removed in v3 (closest: biogenicNonCO2Emissions)"),
    "iLucGhgEmissions": (DROPPED, "removed in v3 (closest: landCarbonLeakage)"),
    "biogenicAccountingMethodology": (DROPPED, "removed in v3"),
    "uncertaintyAssessmentDescription": (DROPPED, "removed in v3"),
    "characterizationFactors": (DROPPED, "deprecated; ipccCharacterizationFactors carries it"),
    "crossSectoralStandardsUsed": (CONVERTED, "deprecated; mapped into crossSectoralStandards"),
    "crossSectoralStandards": (CONVERTED, "prose values mapped to v3 codes"),
    "dqi": (NOT_CONVERTIBLE, "v2 DQRs are 1..3, v3 DQRs 1..5: not linearly convertible"),
    "assurance": (CONVERTED, "mapped to verification"),
}
_STANDARDS_V2_TO_V3 = {
    "GHG Protocol Product standard": "GHGP-Product",
    "ISO Standard 14067": "ISO14067",
    "ISO Standard 14044": "ISO14040-44",
    "GHGP Product": "GHGP-Product",
    "PACT Methodology 1.0": "PACT-1.0",
    "PACT Methodology 2.0": "PACT-2.0",
    "PACT Methodology 3.0": "PACT-3.0",
}
_STANDARDS_V3_TO_V2_USED = {
    "GHGP-Product": "GHG Protocol Product standard",
    "ISO14067": "ISO Standard 14067",
    "ISO14040-44": "ISO Standard 14044",
}
_V2_COVERAGE_TO_V3 = {"product level": "product level", "PCF system": "PCF calculation model"}
_V3_COVERAGE_TO_V2 = {"product level": "product level", "PCF calculation model": "PCF system"}
# pact-v3.md §1.2-1.3: what a v2.3 footprint MUST carry (M), and the v2 declaredUnit enum.
_V2_REQUIRED_TOP = (
    "id", "specVersion", "version", "created", "status", "companyName", "companyIds",
    "productDescription", "productIds", "productCategoryCpc", "productNameCompany", "comment",
    "pcf",
)  # fmt: skip
_V2_REQUIRED_PCF = (
    "declaredUnit", "unitaryProductAmount", "pCfExcludingBiogenic", "fossilGhgEmissions",
    "fossilCarbonContent", "biogenicCarbonContent", "characterizationFactors",
    "ipccCharacterizationFactorsSources", "crossSectoralStandardsUsed",
    "boundaryProcessesDescription", "referencePeriodStart", "referencePeriodEnd",
    "exemptedEmissionsPercent", "exemptedEmissionsDescription", "packagingEmissionsIncluded",
)  # fmt: skip
_V2_DECLARED_UNITS = frozenset(
    {"liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
     "square meter"}
)  # fmt: skip
_V2_EXEMPTED_PROSE_CAP = Decimal(5)  # v2 prose: 0..5 %; v2 OpenAPI: 0..100 (§1.8.3)
# v2 pcf fields that are decimal strings (a JSON number here is the §1.8.4 conformance-doc defect).
_V2_DECIMALS = frozenset(
    {"unitaryProductAmount", "productMassPerDeclaredUnit", "pCfExcludingBiogenic",
     "pCfIncludingBiogenic", "fossilGhgEmissions", "fossilCarbonContent", "biogenicCarbonContent",
     "dLucGhgEmissions", "biogenicCarbonWithdrawal", "aircraftGhgEmissions",
     "packagingGhgEmissions"}
)  # fmt: skip
# v2 field -> the v3 field it comes from, where the names differ beyond _PCF_RENAMES.
_V2_SOURCE_OF = {
    "productCategoryCpc": "productClassifications",
    "characterizationFactors": "ipccCharacterizationFactors",
    "crossSectoralStandardsUsed": "crossSectoralStandards",
    "pCfIncludingBiogenic": "pcfIncludingBiogenicUptake",
}
_V2_OSTAR_FROM = datetime(2025, 1, 1, tzinfo=UTC)
# (v2 O* field, v3 source field) that v2 requires from 2025 and v3 may not fill.
_V2_REQUIRED_FROM_2025 = (
    ("pCfIncludingBiogenic", "pcfIncludingBiogenicUptake"),
    ("dLucGhgEmissions", "landUseChangeGhgEmissions"),
    ("landManagementGhgEmissions", "landManagementBiogenicCO2Emissions"),
    ("otherBiogenicGhgEmissions", "biogenicNonCO2Emissions"),
    ("biogenicCarbonWithdrawal", "biogenicCO2Uptake"),
    ("biogenicAccountingMethodology", "/comment"),  # v3 puts method notes in comment
)


# Issue 12: PACT (v2 and v3) has no field for who may receive a footprint, and no cfx
# DataModelExtension carries one, so a policy cannot travel with a PACT copy; say so each way.
_POLICY = "usagePolicy"
_POLICY_NOT_CARRIED = (
    "PACT has no usage policy field: the copy does not say who may receive it; whoever passes "
    "it on must still honour the issuer's cfx usagePolicy"
)
_POLICY_DEFAULTED = (
    "PACT has no usage policy: the dataset has none, so its audience is the default (the "
    "issuing node and national nodes) unless the issuer adds usagePolicy before signing"
)


def _non_negative(value: Any) -> bool:
    text = decimal_string(value)
    return text is not None and Decimal(text) >= 0


# v3 pcf values v2 cannot hold: (test the value must pass, why not).
_V2_CONSTRAINED: dict[str, tuple[Callable[[Any], bool], str]] = {
    "declaredUnitOfMeasurement": (
        lambda unit: isinstance(unit, str) and unit in _V2_DECLARED_UNITS,
        "not a v2 declaredUnit (piece, hour and megabit second came with v3)",
    ),
    "pcfExcludingBiogenicUptake": (_non_negative, "v2 pCfExcludingBiogenic must be >= 0"),
}
_CPC_CLASSIFICATION = "urn:pact:productclassification:un-cpc:"
_CPC_RE = re.compile(r"urn:(?:pact:productclassification:un-cpc|cpc):([0-9A-Za-z-]+)")
_V3_ONLY_PCF = (
    "recycledCarbonContent", "landCarbonLeakage", "landManagementFossilGhgEmissions",
    "landManagementBiogenicCO2Emissions", "landManagementBiogenicCO2Removals",
    "biogenicNonCO2Emissions", "landAreaOccupation", "packagingBiogenicCarbonContent",
    "outboundLogisticsGhgEmissions", "ccsTechnologicalCO2CaptureIncluded",
    "ccsTechnologicalCO2Capture", "technologicalCO2CaptureOrigin", "technologicalCO2Removals",
    "ccuCarbonContent", "ccuCalculationApproach", "ccuCreditCertification", "dqi",
)  # fmt: skip


def derive_including(pcf: dict[str, Any], result: Translation, source_at: str) -> None:
    """Set v3 pcfIncludingBiogenicUptake = excluding + uptake, noting a differing source value."""
    excluding = decimal_string(pcf.get("pcfExcludingBiogenicUptake"))
    uptake = decimal_string(pcf.get("biogenicCO2Uptake", "0"))
    if excluding is None or uptake is None:
        return
    derived = Decimal(excluding) + Decimal(uptake)
    original = pcf.get("pcfIncludingBiogenicUptake")
    original_text = decimal_string(original)
    if original_text is not None and Decimal(original_text) == derived:
        pcf["pcfIncludingBiogenicUptake"] = original_text
        return
    pcf["pcfIncludingBiogenicUptake"] = format(derived, "f")
    result.note(
        source_at,
        DERIVED,
        f"pcfIncludingBiogenicUptake set to {derived} (= excluding + biogenic uptake, PACT v3 "
        f"definition); the source said {original!r}",
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _v3_required() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """PACT v3's required fields (top, pcf), read from cfx's schema minus the cfx-only `type`."""
    schema = resources.load_schema("product-footprint.schema.json")
    top = tuple(name for name in schema["required"] if name != "type")
    return top, tuple(schema["$defs"]["CarbonFootprint"]["required"])


def _note_missing(
    result: Translation, holder: Any, required: tuple[str, ...], at: str, source_name: Any
) -> None:
    """A MISSING_IN_SOURCE note (at the source field that would have filled it) for every field
    the target requires that the translation could not fill."""
    if not isinstance(holder, dict):
        return
    noted = {note.pointer for note in result.notes}
    for name in required:
        source_at = join(at, source_name(name))
        if name not in holder and source_at not in noted:
            result.note(source_at, MISSING_IN_SOURCE, f"the target requires {name}; none given")


def _map_standards(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            mapped = _STANDARDS_V2_TO_V3.get(value, value)
            if mapped not in out:
                out.append(mapped)
    return out


def _v2_pcf_to_v3(  # noqa: C901 - one branch per v2 pcf field kind (pact-v3.md §1.6), flat
    pcf: dict[str, Any], result: Translation, at: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pcf.items():
        here = join(at, name)
        if name in _V2_DECIMALS and _is_number(value):
            text = decimal_string(value)
            if text is None:
                result.note(here, NOT_CONVERTIBLE, f"{value!r} is not a finite number")
            else:
                out[_PCF_RENAMES.get(name, "pcfIncludingBiogenicUptake")] = text
                result.note(here, CONVERTED, f"JSON number {value!r} -> decimal string {text!r}")
        elif name in _PCF_RENAMES:
            out[_PCF_RENAMES[name]] = copy.deepcopy(value)
        elif name == "pCfIncludingBiogenic":
            out["pcfIncludingBiogenicUptake"] = value  # checked against v3's definition below
        elif name in _PCF_NUMBERS:
            text = decimal_string(value)
            if text is None:
                result.note(here, NOT_CONVERTIBLE, f"{value!r} is not a number")
            else:
                out[name] = text
                result.note(here, CONVERTED, "JSON number -> decimal string")
        elif name in _V2_ONLY_PCF:
            reason, why = _V2_ONLY_PCF[name]
            result.note(here, reason, f"{name}: {why}")
        else:
            result.note(here, DROPPED, f"{name} is not a PACT v3 field")
    standards = _map_standards(pcf.get("crossSectoralStandards"))
    for value in _map_standards(pcf.get("crossSectoralStandardsUsed")):
        if value not in standards:
            standards.append(value)
    if standards:
        out["crossSectoralStandards"] = standards
    assurance = pcf.get("assurance")
    if isinstance(assurance, dict):
        verification: dict[str, Any] = {}
        coverage = assurance.get("coverage")
        if isinstance(coverage, str) and coverage in _V2_COVERAGE_TO_V3:
            verification["coverage"] = _V2_COVERAGE_TO_V3[coverage]
        elif coverage is not None:
            result.note(join(at, "assurance", "coverage"), NOT_CONVERTIBLE, f"{coverage!r}")
        for name in ("providerName", "completedAt", "standardName", "comments"):
            if name in assurance:
                verification[name] = assurance[name]
        for name in ("assurance", "level", "boundary"):
            if name in assurance:
                result.note(join(at, "assurance", name), DROPPED, "removed in v3 verification")
        out["verification"] = verification
    out.setdefault("exemptedEmissionsPercent", "0")
    amount = declared_amount(out, "declaredUnitAmount", join(at, "unitaryProductAmount"))
    if amount is not None:
        v2_name = {v3: v2 for v2, v3 in _PCF_RENAMES.items()}
        v2_name["pcfIncludingBiogenicUptake"] = "pCfIncludingBiogenic"
        rescale(
            out,
            amount,
            multiply=True,
            result=result,
            at=at,
            source_name=lambda n: v2_name.get(n, n),
        )
    derive_including(out, result, join(at, "pCfIncludingBiogenic"))
    return out


def _with_shared_members(source: dict[str, Any], spec_version: str) -> Translation:
    """A translation that starts with the top-level members both versions share, copied, and
    the target version's specVersion."""
    result = Translation({})
    for name in _SHARED_TOP:
        if name in source:
            result.document[name] = copy.deepcopy(source[name])
    result.document["specVersion"] = spec_version
    return result


def _drop_unknown(
    source: dict[str, Any], result: Translation, converted: set[str], target: str
) -> None:
    """Note every top-level member that is neither shared nor `converted` as dropped."""
    known = {*_SHARED_TOP, "specVersion", "pcf", *converted}
    for name in source:
        if name == _POLICY:
            result.note(join("", name), DROPPED, _POLICY_NOT_CARRIED)
        elif name not in known:
            result.note(join("", name), DROPPED, f"{name} is not a PACT {target} field")


def pact_v2_to_v3(document: Any) -> Translation:
    """A PACT v2.x ProductFootprint as PACT v3.0 (pact-v3.md §1.6), with a note per loss."""
    source = require_object(document, "a PACT v2 footprint")
    result = _with_shared_members(source, V3_SPEC_VERSION)
    out = result.document
    for name in ("version", "updated"):
        if name in source:
            result.note(join("", name), DROPPED, f"{name} has no v3 counterpart (ADR-41)")
    status_comment = source.get("statusComment")
    if isinstance(status_comment, str) and status_comment:
        out["comment"] = (str(out.get("comment", "")) + " " + status_comment).strip()
        result.note("/statusComment", CONVERTED, "appended to comment (v3 carries it there)")
    cpc = source.get("productCategoryCpc")
    if isinstance(cpc, str) and cpc:
        classification = _CPC_CLASSIFICATION + cpc
        classes = [c for c in items(out.get("productClassifications")) if c != classification]
        out["productClassifications"] = [*classes, classification]
        result.note(
            "/productCategoryCpc", CONVERTED, f"now productClassifications {classification}"
        )
    _drop_unknown(
        source, result, {"version", "updated", "statusComment", "productCategoryCpc"}, "v3"
    )
    pcf = source.get("pcf")
    if isinstance(pcf, dict):
        out["pcf"] = _v2_pcf_to_v3(pcf, result, "/pcf")
    top, pcf_required = _v3_required()
    v2_name = {v3: v2 for v2, v3 in _PCF_RENAMES.items()}
    v2_name["pcfIncludingBiogenicUptake"] = "pCfIncludingBiogenic"
    _note_missing(result, out, top, "", lambda name: name)
    _note_missing(result, out.get("pcf"), pcf_required, "/pcf", lambda n: v2_name.get(n, n))
    return result


def _v3_pcf_to_v2(  # noqa: C901 - one branch per kind of v3 pcf field (the §1.6 list, reversed)
    pcf: dict[str, Any], result: Translation, at: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reverse = {v3: v2 for v2, v3 in _PCF_RENAMES.items()}
    for name, value in pcf.items():
        here = join(at, name)
        if name in _V2_CONSTRAINED and not _V2_CONSTRAINED[name][0](value):
            result.note(here, NOT_CONVERTIBLE, f"{value!r}: {_V2_CONSTRAINED[name][1]}")
        elif name in reverse:
            out[reverse[name]] = copy.deepcopy(value)
        elif name in _PCF_NUMBERS:
            converted = number(value)
            if converted is None:
                result.note(here, NOT_CONVERTIBLE, f"{value!r} is not a decimal")
            else:
                out[name] = converted
                if decimal_string(converted) != decimal_string(value):
                    result.note(here, CONVERTED, "decimal string -> JSON number (precision)")
        elif name == "pcfIncludingBiogenicUptake":
            out["pCfIncludingBiogenic"] = value
            result.note(here, CONVERTED, "v2 pCfIncludingBiogenic is defined differently")
        elif name == "crossSectoralStandards":
            out["crossSectoralStandards"] = copy.deepcopy(value)
            used = [
                _STANDARDS_V3_TO_V2_USED[v]
                for v in items(value)
                if isinstance(v, str) and v in _STANDARDS_V3_TO_V2_USED
            ]
            if used:  # v2's deprecated enum knows only three standards
                out["crossSectoralStandardsUsed"] = used
        elif name == "verification" and isinstance(value, dict):
            assurance: dict[str, Any] = {"assurance": True}
            coverage = value.get("coverage")
            if isinstance(coverage, str) and coverage in _V3_COVERAGE_TO_V2:
                assurance["coverage"] = _V3_COVERAGE_TO_V2[coverage]
            elif coverage is not None:
                result.note(join(here, "coverage"), NOT_CONVERTIBLE, f"{coverage!r}")
            for key in ("providerName", "completedAt", "standardName", "comments"):
                if key in value:
                    assurance[key] = value[key]
            out["assurance"] = assurance
        elif name in _V3_ONLY_PCF or name == "exemptedEmissionsDescription":
            if name in _V3_ONLY_PCF:
                result.note(
                    here, NOT_CONVERTIBLE if name == "dqi" else DROPPED, f"{name}: no v2 field"
                )
            else:
                out[name] = value
        else:
            result.note(here, DROPPED, f"{name} is not a PACT v2 field")
    factors = out.get("ipccCharacterizationFactorsSources")
    if isinstance(factors, list) and factors:
        latest = sorted(f for f in factors if isinstance(f, str) and f in {"AR5", "AR6"})
        if latest:
            out["characterizationFactors"] = latest[-1]
    if "biogenicCarbonContent" not in out:
        out["biogenicCarbonContent"] = "0"
        result.note(join(at, "biogenicCarbonContent"), DEFAULTED, "v2 requires it; set to 0")
    for text_field in ("exemptedEmissionsDescription", "boundaryProcessesDescription"):
        if text_field not in out:
            out[text_field] = ""
            result.note(join(at, text_field), DEFAULTED, f"v2 requires {text_field}; set to ''")
    _v2_disputed_and_dated(pcf, out, result, at)
    return out


def _v2_disputed_and_dated(
    pcf: dict[str, Any], out: dict[str, Any], result: Translation, at: str
) -> None:
    exempted = decimal_string(pcf.get("exemptedEmissionsPercent"))
    if exempted is not None and Decimal(exempted) > _V2_EXEMPTED_PROSE_CAP:
        result.note(
            join(at, "exemptedEmissionsPercent"),
            DISPUTED_IN_TARGET,
            f"{exempted} % is above the v2 prose cap of 5 % (the v2 OpenAPI allows 100)",
        )
    assurance = out.get("assurance")
    if isinstance(assurance, dict) and "providerName" not in assurance:
        result.note(
            join(at, "verification", "providerName"),
            MISSING_IN_SOURCE,
            "v2 assurance requires providerName (optional in v3)",
        )
    # v2 O* fields: MUST when the reference period includes 1 January 2025 or later (§1.2).
    end = parse_date_time(pcf.get("referencePeriodEnd"))
    if end is None or end <= _V2_OSTAR_FROM:
        return
    if "primaryDataShare" not in out:
        result.note(
            join(at, "primaryDataShare"),
            MISSING_IN_SOURCE,
            "v2 requires primaryDataShare or dqi from 2025; v3 dqi does not convert",
        )
    for v2_field, source_field in _V2_REQUIRED_FROM_2025:
        if v2_field not in out:
            result.note(
                source_field if source_field.startswith("/") else join(at, source_field),
                MISSING_IN_SOURCE,
                f"v2 requires {v2_field} for reference periods from 2025 on",
            )


def pact_v3_to_v2(document: Any) -> Translation:
    """A PACT v3.0 ProductFootprint as PACT v2.3 where the fields map; the notes list the rest."""
    source = require_object(document, "a PACT v3 footprint")
    result = _with_shared_members(source, V2_SPEC_VERSION)
    out = result.document
    out["version"] = 0
    out.setdefault("comment", "")
    result.note("/specVersion", DEFAULTED, "v2 version set to 0 (v3 footprints are immutable)")
    cpc = next(
        (
            m.group(1)
            for c in items(source.get("productClassifications"))
            if isinstance(c, str) and (m := _CPC_RE.fullmatch(c))
        ),
        None,
    )
    if cpc is None:
        result.note("/productClassifications", MISSING_IN_SOURCE, "v2 requires productCategoryCpc")
    else:
        out["productCategoryCpc"] = cpc
    _drop_unknown(source, result, set(), "v2")
    pcf = source.get("pcf")
    if isinstance(pcf, dict):
        pcf = copy.deepcopy(pcf)
        amount = declared_amount(pcf, "declaredUnitAmount", "/pcf/declaredUnitAmount")
        if amount is not None:
            rescale(pcf, amount, multiply=False, result=result, at="/pcf", source_name=str)
        out["pcf"] = _v3_pcf_to_v2(pcf, result, "/pcf")
    v3_name = {**_PCF_RENAMES, **_V2_SOURCE_OF}
    _note_missing(result, out, _V2_REQUIRED_TOP, "", lambda n: _V2_SOURCE_OF.get(n, n))
    _note_missing(result, out.get("pcf"), _V2_REQUIRED_PCF, "/pcf", lambda n: v3_name.get(n, n))
    return result


def pact_v3_to_dataset(document: Any) -> Translation:
    """A PACT v3 footprint as a cfx ProductFootprint dataset (credentialSubject): ids become
    `urn:uuid:` IRIs (JSON-LD needs absolute IRIs), `type` is added, invalid URNs are wrapped.
    It gets no usagePolicy (PACT has none): a note says the default audience applies.
    """
    source = require_object(document, "a PACT v3 footprint")
    out = copy.deepcopy(source)
    result = Translation(out)
    out["type"] = "ProductFootprint"
    if _POLICY in out:  # not PACT, and not signed by whoever signs the translated dataset
        del out[_POLICY]
        result.note(join("", _POLICY), DROPPED, f"not a PACT field; {_POLICY_DEFAULTED}")
    else:
        result.note(join("", _POLICY), DEFAULTED, _POLICY_DEFAULTED)
    own = source.get("id")
    if isinstance(own, str) and (urn := uuid_urn(own)) is not None:
        out["id"] = urn
    preceding = []
    for index, value in enumerate(source.get("precedingPfIds", []) or []):
        urn = uuid_urn(value) if isinstance(value, str) else None
        if urn is None:
            result.note(join("/precedingPfIds", index), DROPPED, f"{value!r} is not a UUID")
        elif urn == out.get("id"):
            result.note(
                join("/precedingPfIds", index), DROPPED, "a footprint cannot precede itself"
            )
        elif urn not in preceding:
            preceding.append(urn)
    if preceding:
        out["precedingPfIds"] = preceding
    else:
        out.pop("precedingPfIds", None)
    for field in ("companyIds", "productIds", "productClassifications"):
        values = source.get(field)
        if isinstance(values, list):
            out[field] = _normalized_urns(values, field, result)
    unpack_cfx_extension(result)  # the reverse of carry_cfx_extension
    return result


def _normalized_urns(values: list[Any], field: str, result: Translation) -> list[str]:
    """`values` as valid, distinct URNs; non-strings are skipped, fixes and duplicates noted."""
    normalized: list[str] = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        urn, changed = normalize_urn(value)
        if changed:
            result.note(join("", field, index), CONVERTED, f"{value!r} -> {urn!r}")
        if urn in normalized:
            result.note(join("", field, index), DROPPED, "duplicate id")
        else:
            normalized.append(urn)
    return normalized


def dataset_to_pact_v3(document: Any) -> Translation:
    """A cfx ProductFootprint dataset (or credential) as a plain PACT v3 footprint; the cfx-only
    blocks travel in a DataModelExtension (schemas.translate.extension), the usage policy is
    dropped with a note (it governs cfx nodes, not partners)."""
    source = require_object(document, "a cfx footprint")
    if "credentialSubject" in source:
        source = require_object(source["credentialSubject"], "credentialSubject")
    out = copy.deepcopy(source)
    result = Translation(out)
    out.pop("type", None)
    own = out.get("id")
    if isinstance(own, str) and own.startswith("urn:uuid:"):
        out["id"] = own[len("urn:uuid:") :]
    if isinstance(out.get("precedingPfIds"), list):
        out["precedingPfIds"] = [
            p[len("urn:uuid:") :] if isinstance(p, str) and p.startswith("urn:uuid:") else p
            for p in out["precedingPfIds"]
        ]
    carry_cfx_extension(source, result)  # cfx-only blocks -> a PACT DataModelExtension
    if _POLICY in out:
        del out[_POLICY]
        result.note(join("", _POLICY), DROPPED, _POLICY_NOT_CARRIED)
    return result
