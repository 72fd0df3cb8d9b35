"""PACT has no usage policy (issue 12): a cfx policy never leaves silently, and a footprint that
comes from PACT gets none, with a note that says the default audience applies."""

from __future__ import annotations

import copy

from schemas.translate import Translation, dataset_to_pact_v3, pact_v3_to_dataset, pact_v3_to_v2
from tests.helpers.schemas_data import load

SHARED = "valid/product-footprint-power-battery-shared-with-registry.json"
PACT_SAMPLE = "external/pact-v3-sample-copper-cathode.json"


def _notes_at(result: Translation, at: str) -> list[tuple[str, str]]:
    return [(note.reason, note.message) for note in result.notes if note.pointer == at]


def test_policy_is_not_carried_into_pact_v3_and_the_translation_says_so() -> None:
    result = dataset_to_pact_v3(load(SHARED))
    assert "usagePolicy" not in result.document
    [(reason, message)] = _notes_at(result, "/usagePolicy")
    assert reason == "DROPPED"
    assert "PACT has no usage policy" in message
    assert not result.lossless  # the audience is lost: never reported as a clean translation


def test_policy_is_not_carried_into_pact_v2_and_the_translation_says_so() -> None:
    # A cfx subject handed straight to the v3 -> v2 translator (skipping dataset_to_pact_v3).
    document = copy.deepcopy(load(PACT_SAMPLE))
    document["usagePolicy"] = {"shareWith": ["org:volta-eu"]}
    result = pact_v3_to_v2(document)
    assert "usagePolicy" not in result.document
    [(reason, message)] = _notes_at(result, "/usagePolicy")
    assert reason == "DROPPED"
    assert "PACT has no usage policy" in message


def test_footprint_from_pact_gets_no_policy_and_a_note_on_the_default_audience() -> None:
    result = pact_v3_to_dataset(load(PACT_SAMPLE))
    assert "usagePolicy" not in result.document
    [(reason, message)] = _notes_at(result, "/usagePolicy")
    assert reason == "DEFAULTED"
    assert "the issuing node and national nodes" in message


def test_a_policy_smuggled_into_a_pact_document_is_dropped_not_adopted() -> None:
    # Not a PACT field: whoever signs the translated dataset did not write it.
    document = copy.deepcopy(load(PACT_SAMPLE))
    document["usagePolicy"] = {"shareWith": ["public"]}
    result = pact_v3_to_dataset(document)
    assert "usagePolicy" not in result.document
    [(reason, message)] = _notes_at(result, "/usagePolicy")
    assert reason == "DROPPED"
    assert "default" in message


def test_round_trip_through_pact_loses_only_the_usage_policy() -> None:
    shared = load(SHARED)
    back = pact_v3_to_dataset(dataset_to_pact_v3(shared).document).document
    dropped = {"usagePolicy"}  # the cfx-only blocks travel in a DataModelExtension
    assert back == {k: v for k, v in shared["credentialSubject"].items() if k not in dropped}
