"""Translations: PACT v2<->v3, Catena-X v7/v10 -> PACT v3, cfx -> Battery Pass; nothing lost
without a note, and the results validate."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import schemas
from schemas.translate import (
    catenax_to_dataset,
    catenax_to_pact_v3,
    dataset_to_battery_pass,
    dataset_to_pact_v3,
    pact_v2_to_v3,
    pact_v3_to_dataset,
    pact_v3_to_v2,
)
from schemas.translate.identifiers import LEGACY_PREFIX, normalize_urn
from schemas.translate.notes import decimal_string
from schemas.violations import Severity
from tests.helpers.schemas_data import load
from tests.unit.schemas.test_translate_meaning import cradle_to_grave

PACT_SAMPLES = ["pact-v3-sample-copper-cathode.json", "pact-v3-sample-jeans-biogenic-verified.json"]
CATENAX_SAMPLES = ["catenax_pcf-7.0.0-sample.json", "catenax-pcf-v10.0.0-sample.json"]


def as_credential(dataset: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/cfx/v1"],
        "type": ["VerifiableCredential", "CarbonDatasetCredential"],
        "issuer": "did:web:partner.example",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": dataset,
    }


@pytest.mark.parametrize("name", CATENAX_SAMPLES)
def test_catenax_sample_translates_to_a_valid_footprint(name: str) -> None:
    pact = catenax_to_pact_v3(load(f"external/{name}"))
    dataset = pact_v3_to_dataset(pact.document)
    assert schemas.validate(as_credential(dataset.document)) == []
    assert not pact.lossless  # distribution stage etc. have no PACT field: said, not hidden
    assert {n.reason for n in pact.notes} >= {"DROPPED", "CONVERTED"}


def test_catenax_numbers_become_decimal_strings() -> None:
    pcf = catenax_to_pact_v3(load("external/catenax-pcf-v10.0.0-sample.json")).document["pcf"]
    assert pcf["primaryDataShare"] == "56.12"
    assert pcf["declaredUnitAmount"] == "1.0"
    assert pcf["biogenicCO2Uptake"] == "-1"
    assert pcf["geographyCountrySubdivision"] == "US-NY"  # the finest of the three it names
    assert "geographyCountry" not in pcf


def test_catenax_v7_including_value_is_derived_with_a_note() -> None:
    result = catenax_to_pact_v3(load("external/catenax_pcf-7.0.0-sample.json"))
    pcf = result.document["pcf"]
    # per 1,000 L (ADR-36): 2000 excluding + 0 uptake; the source said 1.0 per litre = 1000
    assert pcf["pcfIncludingBiogenicUptake"] == "2000"
    derived = [n for n in result.notes if n.reason == "DERIVED"]
    assert derived
    assert derived[0].pointer == "/pcf/pcfIncludingBiogenic"


def test_non_urn_ids_are_wrapped_recoverably_and_bare_bpns_get_their_scheme() -> None:
    assert normalize_urn("urn:BPNL000000000DWF") == ("urn:bpn:id:BPNL000000000DWF", True)
    wrapped, changed = normalize_urn("http://www.wikipedia.org")
    assert changed
    assert wrapped == LEGACY_PREFIX + "http%3A%2F%2Fwww.wikipedia.org"
    assert normalize_urn("urn:gtin:4712345060507") == ("urn:gtin:4712345060507", False)


@pytest.mark.parametrize("name", PACT_SAMPLES)
def test_pact_v3_round_trip_through_v2_keeps_the_emissions(name: str) -> None:
    original = load(f"external/{name}")
    v2 = pact_v3_to_v2(original)
    assert v2.document["specVersion"] == "2.3.0"
    assert ("/pcf/dqi", "NOT_CONVERTIBLE") in {(n.pointer, n.reason) for n in v2.notes}
    back = pact_v2_to_v3(v2.document)
    for field in ("pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake", "fossilGhgEmissions"):
        assert back.document["pcf"][field] == original["pcf"][field]
    assert back.document["productClassifications"] == original["productClassifications"]
    # Whatever no longer validates was announced as lost on the way out.
    lost = {n.pointer for n in v2.notes if n.reason in {"NOT_CONVERTIBLE", "DROPPED"}}
    found = schemas.validate(as_credential(pact_v3_to_dataset(back.document).document))
    assert {v.pointer.removeprefix("/credentialSubject") for v in found} <= lost


def test_adapted_pact_samples_are_exactly_the_translated_external_samples() -> None:
    # "The PACT samples validate": the valid/ copies are what pact_v3_to_dataset makes of them.
    for name in PACT_SAMPLES:
        translated = pact_v3_to_dataset(load(f"external/{name}"))
        adapted = load(f"valid/product-footprint-{name.removesuffix('.json')}.json")
        assert translated.document == adapted["credentialSubject"], name
        assert schemas.validate(as_credential(translated.document)) == []
        # WBCSD's own samples omit one x-rule SHALL field, which only the pact-3.0 profile asks,
        # and give primaryDataShare as a fraction: both are warnings, never refusals.
        found = schemas.validate(as_credential(translated.document), profile="pact-3.0")
        assert [(v.pointer, v.reason, v.severity) for v in found] == [
            ("/credentialSubject/pcf/ccsTechnologicalCO2CaptureIncluded", "MISSING_REQUIRED_FIELD",
             Severity.WARNING),
            ("/credentialSubject/pcf/primaryDataShare", "PRIMARY_DATA_SHARE_LOOKS_LIKE_FRACTION",
             Severity.WARNING),
        ]  # fmt: skip


# pact-v3.md §1.2-1.3, written out here independently of the translator: what v2.3 marks M.
V2_MANDATORY_TOP = {
    "id", "specVersion", "version", "created", "status", "companyName", "companyIds",
    "productDescription", "productIds", "productCategoryCpc", "productNameCompany", "comment",
    "pcf",
}  # fmt: skip
V2_MANDATORY_PCF = {
    "declaredUnit", "unitaryProductAmount", "pCfExcludingBiogenic", "fossilGhgEmissions",
    "fossilCarbonContent", "biogenicCarbonContent", "characterizationFactors",
    "ipccCharacterizationFactorsSources", "crossSectoralStandardsUsed",
    "boundaryProcessesDescription", "referencePeriodStart", "referencePeriodEnd",
    "exemptedEmissionsPercent", "exemptedEmissionsDescription", "packagingEmissionsIncluded",
}  # fmt: skip
V3_SOURCES = [f"external/{name}" for name in PACT_SAMPLES] + [
    "valid/product-footprint-power-battery-with-gec.json",
    "valid/product-footprint-crystalline-silicon-pv-module.json",
    "valid/product-footprint-electronics-laptop.json",
]


def _as_pact_v3(relative: str) -> dict[str, Any]:
    document = load(relative)
    return dataset_to_pact_v3(document).document if "credentialSubject" in document else document


@pytest.mark.parametrize("relative", V3_SOURCES)
def test_v3_to_v2_fills_or_reports_every_v2_mandatory_field(relative: str) -> None:
    result = pact_v3_to_v2(_as_pact_v3(relative))
    missing = [n for n in result.notes if n.reason in {"MISSING_IN_SOURCE", "NOT_CONVERTIBLE"}]
    absent_top = V2_MANDATORY_TOP - set(result.document)
    absent_pcf = V2_MANDATORY_PCF - set(result.document["pcf"])
    # every absent mandatory field has a note that names it (missing, or not convertible)
    for name in absent_top | absent_pcf:
        assert any(name in n.message for n in missing), (relative, name)
    assert not result.lossless or not (absent_top | absent_pcf)


def test_v3_piece_declared_unit_is_not_converted_to_an_invalid_v2_unit() -> None:
    result = pact_v3_to_v2(_as_pact_v3("valid/product-footprint-electronics-laptop.json"))
    assert "declaredUnit" not in result.document["pcf"]
    reasons = {(n.pointer, n.reason) for n in result.notes}
    assert ("/pcf/declaredUnitOfMeasurement", "NOT_CONVERTIBLE") in reasons
    assert ("/pcf/declaredUnitOfMeasurement", "MISSING_IN_SOURCE") not in reasons  # said once
    assert not result.lossless


def test_v3_negative_footprint_is_not_converted_to_v2_which_requires_non_negative() -> None:
    document = copy.deepcopy(load("external/pact-v3-sample-copper-cathode.json"))
    document["pcf"]["pcfExcludingBiogenicUptake"] = "-0.5"
    result = pact_v3_to_v2(document)
    assert "pCfExcludingBiogenic" not in result.document["pcf"]
    assert ("/pcf/pcfExcludingBiogenicUptake", "NOT_CONVERTIBLE") in {
        (n.pointer, n.reason) for n in result.notes
    }


def test_v3_exempted_share_above_the_v2_prose_cap_is_kept_and_flagged() -> None:
    document = copy.deepcopy(load("external/pact-v3-sample-copper-cathode.json"))
    document["pcf"]["exemptedEmissionsPercent"] = "7.5"
    result = pact_v3_to_v2(document)
    assert result.document["pcf"]["exemptedEmissionsPercent"] == 7.5
    assert ("/pcf/exemptedEmissionsPercent", "DISPUTED_IN_TARGET") in {
        (n.pointer, n.reason) for n in result.notes
    }


def test_v3_verification_without_provider_is_reported_for_v2_assurance() -> None:
    document = copy.deepcopy(load("external/pact-v3-sample-copper-cathode.json"))
    document["pcf"]["verification"] = {"coverage": "product level"}
    result = pact_v3_to_v2(document)
    assert result.document["pcf"]["assurance"] == {"assurance": True, "coverage": "product level"}
    assert ("/pcf/verification/providerName", "MISSING_IN_SOURCE") in {
        (n.pointer, n.reason) for n in result.notes
    }


V2_WITH_NUMBERS: dict[str, Any] = {
    "id": "74f64689-c9ce-40c8-91af-14e26551bbfa", "specVersion": "2.3.0", "version": 1,
    "created": "2024-01-01T00:00:00Z", "status": "Active", "companyName": "A",
    "companyIds": ["urn:uuid:1b3c5d7e-0000-4000-8000-000000000001"], "productDescription": "",
    "productIds": ["urn:gtin:4712345060507"], "productCategoryCpc": "3342",
    "productNameCompany": "P", "comment": "",
    "pcf": {
        "declaredUnit": "kilogram", "unitaryProductAmount": 1, "productMassPerDeclaredUnit": 1,
        "pCfExcludingBiogenic": 2.5, "pCfIncludingBiogenic": 2.0, "fossilGhgEmissions": 2.5,
        "fossilCarbonContent": 0.1, "biogenicCarbonContent": 0, "biogenicCarbonWithdrawal": -0.5,
        "characterizationFactors": "AR6", "ipccCharacterizationFactorsSources": ["AR6"],
        "crossSectoralStandardsUsed": ["GHG Protocol Product standard"],
        "boundaryProcessesDescription": "", "referencePeriodStart": "2023-01-01T00:00:00Z",
        "referencePeriodEnd": "2024-01-01T00:00:00Z", "exemptedEmissionsPercent": 1,
        "exemptedEmissionsDescription": "", "packagingEmissionsIncluded": False,
        "primaryDataShare": 40,
    },
}  # fmt: skip


def test_v2_decimals_sent_as_json_numbers_become_strings_with_notes() -> None:
    # §1.8.4: the v2 conformance docs' "Request Fulfilled" body carries decimals as JSON numbers.
    result = pact_v2_to_v3(V2_WITH_NUMBERS)
    pcf = result.document["pcf"]
    assert pcf["pcfExcludingBiogenicUptake"] == "2.5"
    assert pcf["biogenicCO2Uptake"] == "-0.5"
    assert pcf["declaredUnitAmount"] == "1"
    converted = {n.pointer for n in result.notes if n.reason == "CONVERTED"}
    assert {"/pcf/pCfExcludingBiogenic", "/pcf/fossilCarbonContent"} <= converted
    dataset = pact_v3_to_dataset(result.document).document
    assert schemas.validate(as_credential(dataset)) == []


def test_v2_without_a_v3_required_field_reports_it_missing() -> None:
    document = copy.deepcopy(V2_WITH_NUMBERS)
    del document["pcf"]["productMassPerDeclaredUnit"]  # optional in v2, required in v3
    result = pact_v2_to_v3(document)
    assert ("/pcf/productMassPerDeclaredUnit", "MISSING_IN_SOURCE") in {
        (n.pointer, n.reason) for n in result.notes
    }
    assert not result.lossless


def test_v3_to_v2_reports_every_v3_only_field() -> None:
    document = copy.deepcopy(load("external/pact-v3-sample-copper-cathode.json"))
    document["pcf"]["landCarbonLeakage"] = "0.1"
    document["pcf"]["ccuCalculationApproach"] = "Cut-off"
    dropped = {n.pointer for n in pact_v3_to_v2(document).notes if n.reason == "DROPPED"}
    assert {"/pcf/landCarbonLeakage", "/pcf/ccuCalculationApproach"} <= dropped


def test_v2_numbers_and_renames_map_to_v3() -> None:
    v2 = {
        "id": "74f64689-c9ce-40c8-91af-14e26551bbfa", "specVersion": "2.3.0", "version": 2,
        "created": "2024-01-01T00:00:00Z", "updated": "2024-02-01T00:00:00Z", "status": "Active",
        "statusComment": "recalculated", "companyName": "A", "companyIds": ["urn:uuid:1"],
        "productDescription": "", "productIds": ["urn:gtin:1"], "productCategoryCpc": "3342",
        "productNameCompany": "P", "comment": "",
        "pcf": {
            "declaredUnit": "kilogram", "unitaryProductAmount": "1", "pCfExcludingBiogenic": "2.5",
            "pCfIncludingBiogenic": "2.0", "biogenicCarbonWithdrawal": "-0.5",
            "exemptedEmissionsPercent": 1.5, "primaryDataShare": 40,
            "landManagementGhgEmissions": "0.1", "dqi": {"coveragePercent": 90},
        },
    }  # fmt: skip
    result = pact_v2_to_v3(v2)
    out = result.document
    assert out["productClassifications"] == ["urn:pact:productclassification:un-cpc:3342"]
    assert out["comment"] == "recalculated"
    assert out["pcf"]["declaredUnitOfMeasurement"] == "kilogram"
    assert out["pcf"]["exemptedEmissionsPercent"] == "1.5"
    assert out["pcf"]["primaryDataShare"] == "40"
    assert out["pcf"]["pcfIncludingBiogenicUptake"] == "2.0"  # 2.5 + (-0.5): no DERIVED note
    reasons = {(n.pointer, n.reason) for n in result.notes}
    assert ("/pcf/landManagementGhgEmissions", "NOT_CONVERTIBLE") in reasons
    assert ("/pcf/dqi", "NOT_CONVERTIBLE") in reasons
    assert ("/version", "DROPPED") in reasons
    assert not any(r == "DERIVED" for _, r in reasons)


def test_cfx_dataset_to_pact_carries_the_cfx_extensions(battery: dict[str, Any]) -> None:
    # Found 8: they were dropped; now one DataModelExtension carries them and reading the PACT
    # footprint back gives the dataset again (only the usage policy stays behind).
    result = dataset_to_pact_v3(battery)
    assert result.document["id"] == "3f9a1c2e-4b5d-4e6f-8a7b-9c0d1e2f3a4b"
    assert {n.pointer for n in result.notes} == {
        "/accountingRuleId",
        "/gbt24067",
        "/electricity",
        "/battery",
    }
    assert result.lossless
    again = pact_v3_to_dataset(result.document).document
    assert again == battery["credentialSubject"]


def test_battery_pass_refuses_a_footprint_not_per_kwh() -> None:
    with pytest.raises(schemas.TranslationError):
        dataset_to_battery_pass(load("valid/product-footprint-electronics-laptop.json"))


def test_translations_refuse_non_objects_with_a_typed_error() -> None:
    for translate in (pact_v2_to_v3, pact_v3_to_v2, catenax_to_pact_v3, pact_v3_to_dataset):
        with pytest.raises(schemas.TranslationError):
            translate(["not", "an", "object"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1e-05, "0.00001"), (56.12, "56.12"), (3, "3"), (True, None), ("1.50", "1.50"), ("x", None)],
)
def test_numbers_become_decimal_strings_without_exponent(value: Any, expected: str | None) -> None:
    assert decimal_string(value) == expected


def _leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_leaf_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_leaf_paths(value, (*prefix, index)))
    return out


BATTERY = "valid/product-footprint-power-battery-with-gec.json"
_SOURCES: dict[str, tuple[dict[str, Any], tuple[Any, ...]]] = {
    "catenax-v7": (load("external/catenax_pcf-7.0.0-sample.json"),
                   (catenax_to_pact_v3, catenax_to_dataset)),
    "catenax-v10": (load("external/catenax-pcf-v10.0.0-sample.json"),
                    (catenax_to_pact_v3, catenax_to_dataset)),
    "pact-v3": (load("external/pact-v3-sample-jeans-biogenic-verified.json"),
                (pact_v3_to_v2, pact_v3_to_dataset)),
    "pact-v2": (pact_v3_to_v2(load("external/pact-v3-sample-copper-cathode.json")).document,
                (pact_v2_to_v3,)),
    "cfx": (load("valid/product-footprint-power-battery-with-gec.json"),
            (dataset_to_battery_pass, dataset_to_pact_v3)),
    # one the Battery Pass export accepts, so its computing paths meet damaged input too
    "cfx-battery-pass": (cradle_to_grave(load(BATTERY)), (dataset_to_battery_pass,)),
}  # fmt: skip
_MUTATION_POINTS = [
    (name, path) for name, (document, _) in _SOURCES.items() for path in _leaf_paths(document)
]
_ODD_VALUES: list[Any] = [None, True, 0, 1.5, -3, "", "x", "1e5", [], {}, [None], {"a": None},
                          [1, "a"], [{}], ["x"]]  # fmt: skip
_DELETE = object()


@pytest.mark.parametrize("name", sorted(_SOURCES))
def test_translations_of_damaged_sources_give_a_result_or_a_typed_error(name: str) -> None:
    # A partner's damaged file must never surface as a bare TypeError/KeyError: every field of
    # each sample, deleted or replaced by each odd value in turn (exhaustive, a few thousand runs).
    source, translators = _SOURCES[name]
    for _, path in (point for point in _MUTATION_POINTS if point[0] == name):
        for value in [_DELETE, *_ODD_VALUES]:
            document = copy.deepcopy(source)
            holder: Any = document
            for key in path[:-1]:
                holder = holder[key]
            if value is _DELETE:
                del holder[path[-1]]
            else:
                holder[path[-1]] = copy.deepcopy(value)
            for translate in translators:
                try:
                    result = translate(document)
                except schemas.TranslationError:
                    continue
                assert isinstance(result.document, dict), (path, value)
