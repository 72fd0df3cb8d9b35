"""usagePolicy (issue 12) in the schemas and the cfx context: every dataset kind carries the same
optional policy, validated the same way and mapped to the same RDF terms."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import schemas
from schemas import resources
from tests.helpers.schemas_data import load

#: One valid example of each kind (the AccountingRule is a bundled rule file).
ONE_OF_EACH_KIND = {
    "ProductFootprint": "valid/product-footprint-electronics-laptop.json",
    "EmissionFactor": "valid/emission-factor-sichuan-grid-co2-2022.json",
    "AccountingRule": "../rules/electronics.json",
    "Attestation": "valid/attestation-aluminium-footprint-verified.json",
    "StatusUpdate": "valid/status-update-revoke-attestation.json",
}
POLICY = {"shareWith": ["national", "org:volta-eu"], "expires": "2027-01-01T00:00:00+08:00"}
CFX_CONTEXT = resources.load_context(resources.CFX_CONTEXT_V1)["@context"]


def _with_policy(kind: str, policy: Any) -> tuple[dict[str, Any], str]:
    document = copy.deepcopy(load(ONE_OF_EACH_KIND[kind]))
    if "credentialSubject" in document:
        document["credentialSubject"]["usagePolicy"] = policy
        return document, "/credentialSubject/usagePolicy"
    document["usagePolicy"] = policy  # a bare dataset (the bundled rules are stored bare)
    return document, "/usagePolicy"


def test_every_kind_is_covered() -> None:
    assert set(ONE_OF_EACH_KIND) == set(schemas.KINDS)


@pytest.mark.parametrize("kind", sorted(ONE_OF_EACH_KIND))
def test_every_kind_takes_a_usage_policy(kind: str) -> None:
    document, _ = _with_policy(kind, POLICY)
    assert schemas.detect_kind(document) == kind
    assert schemas.validate(document) == []


@pytest.mark.parametrize("kind", sorted(ONE_OF_EACH_KIND))
def test_every_kind_refuses_a_policy_with_an_unknown_audience(kind: str) -> None:
    document, at = _with_policy(kind, {"shareWith": ["national", "everyone"]})
    found = [(v.pointer, v.reason) for v in schemas.validate(document)]
    assert found == [(f"{at}/shareWith/1", "NOT_ALLOWED_VALUE")]


@pytest.mark.parametrize(
    "item",
    ["public", "provincial", "national", "registry", "org:volta-eu", "org:a", "org:" + "a" * 63,
     "org:0", "org:a-b"],
)  # fmt: skip
def test_audience_names_the_schema_accepts(item: str) -> None:
    document, _ = _with_policy("ProductFootprint", {"shareWith": [item]})
    assert schemas.validate(document) == []


@pytest.mark.parametrize(
    "item",
    [
        "Public", "PUBLIC", "National", " public", "public ", "public\n", "org:", "org:-a",
        "org:a-", "org:A", "org:volta_eu", "org:volta.eu", "ORG:volta-eu", "org: volta",
        "org:volta-eu:x", "organization:volta-eu", "international", "", "*",
        "org:\uff41",  # full-width a
        "org:" + "a" * 64,
    ],
)  # fmt: skip
def test_audience_names_the_schema_refuses(item: str) -> None:
    document, at = _with_policy("ProductFootprint", {"shareWith": [item]})
    reasons = {(v.pointer, v.reason) for v in schemas.validate(document)}
    assert (f"{at}/shareWith/0", "NOT_ALLOWED_VALUE") in reasons


@pytest.mark.parametrize(
    ("policy", "where", "reason"),
    [
        ({"shareWith": "public"}, "/shareWith", "WRONG_TYPE"),
        ({"shareWith": [1]}, "/shareWith/0", "WRONG_TYPE"),
        ({"shareWith": [f"org:o{i}" for i in range(65)]}, "/shareWith", "TOO_MANY_ITEMS"),
        ({"shareWith": ["public"], "expires": 1767225600}, "/expires", "WRONG_TYPE"),
        ({"shareWith": ["public"], "expires": "2027-02-30T00:00:00Z"}, "/expires",
         "INVALID_DATE_TIME"),
        ({"shareWith": ["public"], "expires": "2027-01-01"}, "/expires", "INVALID_DATE_TIME"),
        ([], "", "WRONG_TYPE"),
        ("public", "", "WRONG_TYPE"),
    ],
)  # fmt: skip
def test_malformed_policy_is_one_violation_at_its_place(
    policy: Any, where: str, reason: str
) -> None:
    document, at = _with_policy("ProductFootprint", policy)
    assert [(v.pointer, v.reason) for v in schemas.validate(document)] == [(at + where, reason)]


def test_every_kind_maps_the_policy_to_the_same_protected_terms() -> None:
    definitions = [CFX_CONTEXT[kind]["@context"]["usagePolicy"] for kind in schemas.KINDS]
    assert all(definition == definitions[0] for definition in definitions)
    policy_context = definitions[0]["@context"]
    assert definitions[0]["@id"] == "cfx:usagePolicy"
    assert policy_context["@protected"] is True
    assert policy_context["expires"] == {"@id": "cfx:policyExpires", "@type": "xsd:dateTime"}
    assert policy_context["shareWith"] == {"@id": "cfx:shareWith", "@container": "@set"}
    schema = resources.load_schema("defs.schema.json")["$defs"]["UsagePolicy"]
    # Every field the schema allows is mapped (else JSON-LD would drop it and signing refuse it).
    assert set(schema["properties"]) == {key for key in policy_context if not key.startswith("@")}
