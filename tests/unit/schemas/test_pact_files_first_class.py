"""Issue 13, Found 8 "PACT files are not first-class": one test per defect, named after it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import schemas
from schemas import resources
from schemas.errors import TranslationError
from schemas.translate import dataset_to_pact_v3, pact_v3_to_dataset
from schemas.translate.extension import DATA_SCHEMA, EXTENSION_SCHEMA_FILE, PACT_V3_MEMBERS
from schemas.translate.pact_file import dataset_from_pact_file, pact_spec_version
from schemas.violations import Severity, errors, warnings
from tests.helpers.schemas_data import BATTERY, load

COPPER = "external/pact-v3-sample-copper-cathode.json"
JEANS = "external/pact-v3-sample-jeans-biogenic-verified.json"


def _as_dataset(relative: str) -> dict[str, Any]:
    converted = dataset_from_pact_file(load(relative))
    assert converted is not None
    return converted.document


@pytest.mark.parametrize("relative", [COPPER, JEANS])
def test_official_pact_sample_is_no_longer_unknown_kind(relative: str) -> None:
    source = load(relative)
    converted = dataset_from_pact_file(source)
    assert converted is not None
    dataset = converted.document
    assert schemas.detect_kind(dataset) == "ProductFootprint"
    assert dataset["id"] == f"urn:uuid:{source['id']}"
    # Without loss: every PACT member is still there with its value; only the id is spelt as IRI.
    assert {k: v for k, v in dataset.items() if k not in {"id", "type"}} == {
        k: v for k, v in source.items() if k != "id"
    }
    noted = {(note.pointer, note.reason) for note in converted.notes}
    assert {("/id", "CONVERTED"), ("/type", "DEFAULTED")} <= noted
    assert errors(schemas.validate(dataset, profile="pact-3.0")) == []


def test_preceding_ids_are_converted_with_a_note_each() -> None:
    source = load(COPPER)
    source["precedingPfIds"] = ["0E4F2B8C-1D3A-4B5C-8D7E-9F0A1B2C3D4E"]
    converted = dataset_from_pact_file(source)
    assert converted is not None
    assert converted.document["precedingPfIds"] == ["urn:uuid:0e4f2b8c-1d3a-4b5c-8d7e-9f0a1b2c3d4e"]
    assert any(note.pointer == "/precedingPfIds/0" for note in converted.notes)


def test_a_cfx_dataset_or_credential_is_not_taken_for_a_pact_file() -> None:
    battery = load(BATTERY)
    assert pact_spec_version(battery) is None
    assert pact_spec_version(battery["credentialSubject"]) is None  # it has a type
    assert dataset_from_pact_file(battery["credentialSubject"]) is None
    assert pact_spec_version(load(COPPER)) == "3.0.0"


def test_a_pact_v2_file_is_refused_with_the_conversion_to_use() -> None:
    source = load(COPPER)
    source["specVersion"] = "2.3.0"
    with pytest.raises(TranslationError, match="cfx convert --from pact-v2"):
        dataset_from_pact_file(source)


def test_bare_uuid_id_message_says_urn_uuid_is_needed() -> None:
    dataset = _as_dataset(COPPER)
    dataset["id"] = dataset["id"].removeprefix("urn:uuid:")
    (found,) = schemas.validate(dataset)
    assert (found.pointer, found.reason) == ("/id", "INVALID_DATASET_ID")
    assert "urn:uuid:" in found.message


def test_x_rule_shall_omission_is_a_methodology_warning_not_an_error() -> None:
    # ccsTechnologicalCO2CaptureIncluded is missing from both official samples.
    for relative in (COPPER, JEANS):
        found = schemas.validate(_as_dataset(relative), profile="pact-3.0")
        ccs = [v for v in found if v.pointer == "/pcf/ccsTechnologicalCO2CaptureIncluded"]
        assert [(v.reason, v.severity) for v in ccs] == [
            ("MISSING_REQUIRED_FIELD", Severity.WARNING)
        ]
        assert "x-rule" in ccs[0].message
        assert errors(found) == []


@pytest.mark.parametrize(
    ("share", "warned"),
    [("0.72", True), ("1", True), ("0.5", True), ("72", False), ("1.5", False), ("0", False)],
)
def test_fraction_looking_primary_data_share_is_a_warning(share: str, warned: bool) -> None:
    dataset = _as_dataset(COPPER)
    dataset["pcf"]["primaryDataShare"] = share
    found = warnings(schemas.validate(dataset, profile="pact-3.0"))
    flagged = [v for v in found if v.reason == "PRIMARY_DATA_SHARE_LOOKS_LIKE_FRACTION"]
    assert bool(flagged) is warned
    if warned:
        assert flagged[0].pointer == "/pcf/primaryDataShare"
        assert "percent" in flagged[0].message


def test_fraction_warning_names_the_percent_that_was_probably_meant() -> None:
    found = schemas.validate(_as_dataset(COPPER), profile="pact-3.0")
    (flagged,) = [v for v in found if v.reason == "PRIMARY_DATA_SHARE_LOOKS_LIKE_FRACTION"]
    assert "'72'" in flagged.message


def test_dataset_to_pact_v3_carries_the_cfx_blocks_and_rule_as_an_extension() -> None:
    subject = load(BATTERY)["credentialSubject"]
    result = dataset_to_pact_v3(subject)
    pact = result.document
    assert set(pact) <= PACT_V3_MEMBERS  # a plain PACT v3 footprint, nothing cfx-only on top
    (extension,) = pact["extensions"]
    assert extension["specVersion"] == "1.0.0"
    assert extension["dataSchema"] == DATA_SCHEMA
    carried = {"accountingRuleId", "gbt24067", "electricity", "battery"}
    assert set(extension["data"]) == carried
    assert all(extension["data"][name] == subject[name] for name in carried)
    assert result.lossless


def test_the_extension_data_conforms_to_its_published_schema() -> None:
    schema = resources.load_schema(EXTENSION_SCHEMA_FILE)
    assert schema["$id"] == DATA_SCHEMA
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, registry=resources.schema_registry())
    (extension,) = dataset_to_pact_v3(load(BATTERY)).document["extensions"]
    assert list(validator.iter_errors(extension["data"])) == []
    broken = copy.deepcopy(extension["data"])
    broken["accountingRuleId"] = "not a rule id"
    assert not validator.is_valid(broken)


def test_pact_file_with_the_cfx_extension_reads_back_as_the_same_dataset() -> None:
    subject = load(BATTERY)["credentialSubject"]
    pact = dataset_to_pact_v3(subject).document
    back = dataset_from_pact_file(pact)
    assert back is not None
    expected = {k: v for k, v in subject.items() if k != "usagePolicy"}
    assert back.document == expected
    assert schemas.validate(back.document) == []


def test_an_extension_that_would_overwrite_a_field_is_left_as_it_is() -> None:
    pact = dataset_to_pact_v3(load(BATTERY)["credentialSubject"]).document
    pact["extensions"][0]["data"]["comment"] = "would overwrite the PACT comment"
    back = pact_v3_to_dataset(pact).document
    assert back["extensions"] == pact["extensions"]
    assert "electricity" not in back


# Every member of a PACT v3 ProductFootprint and CarbonFootprint (pact-v3.md §1.4, §1.5, with
# the members of their nested objects): once `type` selects the ProductFootprint terms, a signer
# finds each of them defined, so `cfx sign` never drops one ("term 'comment' is not defined").
PACT_V3_TERMS = (
    *sorted(PACT_V3_MEMBERS - {"id"}),
    "declaredUnitOfMeasurement", "declaredUnitAmount", "productMassPerDeclaredUnit",
    "referencePeriodStart", "referencePeriodEnd", "geographyRegionOrSubregion",
    "geographyCountry", "geographyCountrySubdivision", "boundaryProcessesDescription",
    "pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake", "fossilCarbonContent",
    "biogenicCarbonContent", "recycledCarbonContent", "fossilGhgEmissions",
    "landUseChangeGhgEmissions", "landCarbonLeakage", "landManagementFossilGhgEmissions",
    "landManagementBiogenicCO2Emissions", "landManagementBiogenicCO2Removals",
    "biogenicCO2Uptake", "biogenicNonCO2Emissions", "landAreaOccupation", "aircraftGhgEmissions",
    "packagingEmissionsIncluded", "packagingGhgEmissions", "packagingBiogenicCarbonContent",
    "outboundLogisticsGhgEmissions", "ccsTechnologicalCO2CaptureIncluded",
    "ccsTechnologicalCO2Capture", "technologicalCO2CaptureOrigin", "technologicalCO2Removals",
    "ccuCarbonContent", "ccuCalculationApproach", "ccuCreditCertification",
    "ipccCharacterizationFactors", "crossSectoralStandards", "productOrSectorSpecificRules",
    "operator", "ruleNames", "otherOperatorName", "exemptedEmissionsPercent",
    "exemptedEmissionsDescription", "allocationRulesDescription",
    "secondaryEmissionFactorSources", "name", "version", "primaryDataShare", "dqi",
    "technologicalDQR", "geographicalDQR", "temporalDQR", "verification", "coverage",
    "providerName", "completedAt", "standardName", "comments",
)  # fmt: skip


def _terms(context: dict[str, Any]) -> set[str]:
    found = set(context)
    for value in context.values():
        if isinstance(value, dict) and isinstance(value.get("@context"), dict):
            found |= _terms(value["@context"])
    return found


def test_every_pact_v3_member_is_a_term_of_the_product_footprint_context() -> None:
    context = resources.load_context(resources.CFX_CONTEXT_V1)["@context"]
    footprint = context["ProductFootprint"]["@context"]
    assert [term for term in PACT_V3_TERMS if term not in _terms(footprint)] == []
