"""FAST_PATH_ONLY: what the compiled fast path does not model is refused with a JSON pointer.

Issue 11 finding 1: a ProductFootprint credential whose companyIds is a {"@set": [60,000
strings]} object (a copied proof is enough: the JSON-LD work comes before the signature check)
went to pyld, whose cost is quadratic in a property's values, for minutes. In the mode a server
uses it is refused at once, with the pointer; every valid cfx example and every signed W3C
vector still verifies in that mode, byte for byte the same as on the reference path.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given

import signing
from schemas.paths import PACKAGE_DIR
from signing import rdf
from signing.budget import FAST_PATH_ONLY
from signing.errors import (
    DataLossError,
    RelativeIriError,
    SigningError,
    UndefinedTermError,
    UnsupportedJsonLdError,
)
from signing.fast_rdf import MAX_CONTEXT_URLS, MAX_TYPE_SCOPES, to_quads
from signing.keys import PrivateKey, private_key_from_multibase
from signing.loader import PinnedLoader, default_loader
from signing.proofs import sign
from signing.verification import UNSAFE_SKIP_ISSUER_BINDING, VerificationResult, verify
from tests.helpers import rdf_compare
from tests.helpers.fast_rdf_cases import FALL_BACK_CASES, pcf_credential
from tests.helpers.fast_rdf_strategies import (
    CONTEXT_LISTS,
    PROOFS,
    SETTINGS,
    WIDE_SUBJECTS,
    credential,
)
from tests.helpers.w3c_vectors import ALUMNI, EMPLOY, Vector, secret_key

EXAMPLES = sorted((PACKAGE_DIR / "examples" / "valid").glob("*.json"))
BATTERY = PACKAGE_DIR / "examples" / "valid" / "product-footprint-power-battery-with-gec.json"
T0 = datetime(2026, 6, 1, tzinfo=UTC)
NOW = T0 + timedelta(minutes=1)
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _reissued(path: Path, key: PrivateKey) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    document.pop("proof", None)
    document["issuer"] = key.did
    return document


@pytest.fixture(scope="module")
def signed_battery(issuer_key: PrivateKey) -> dict[str, Any]:
    return sign(_reissued(BATTERY, issuer_key), issuer_key, created=T0)


def _strict(document: dict[str, Any]) -> VerificationResult:
    return verify(document, now=NOW, jsonld_limits=FAST_PATH_ONLY)


def _company_ids_set(count: int) -> dict[str, list[str]]:
    return {"@set": [f"urn:pact:company-id:{index:08d}" for index in range(count)]}


# --- the attack ---------------------------------------------------------------------------------


def test_unsupported_jsonld_is_refused_with_pointer(signed_battery: dict[str, Any]) -> None:
    attack = copy.deepcopy(signed_battery)  # the issuer's proof, copied as an attacker would
    attack["credentialSubject"]["companyIds"] = _company_ids_set(60_000)
    assert len(json.dumps(attack)) > 800_000
    start = time.monotonic()
    with pytest.raises(UnsupportedJsonLdError) as caught:
        _strict(attack)
    elapsed = time.monotonic() - start
    assert elapsed < 2.0, f"refusal took {elapsed:.2f} s"
    assert caught.value.reason == "UNSUPPORTED_JSONLD"
    assert caught.value.pointer == "/credentialSubject/companyIds"
    assert "@set" in caught.value.construct
    assert "/credentialSubject/companyIds" in str(caught.value)


def test_unsupported_jsonld_is_refused_by_sign_too(issuer_key: PrivateKey) -> None:
    document = _reissued(BATTERY, issuer_key)
    document["credentialSubject"]["companyIds"] = _company_ids_set(3)
    with pytest.raises(UnsupportedJsonLdError) as caught:
        sign(document, issuer_key, created=T0, jsonld_limits=FAST_PATH_ONLY)
    assert caught.value.pointer == "/credentialSubject/companyIds"


SUBJECT = "/credentialSubject"


@pytest.mark.parametrize(
    ("label", "mutate", "pointer"),
    [
        (
            "@list object",
            lambda d: d["credentialSubject"].update({"companyIds": {"@list": ["urn:x:1"]}}),
            f"{SUBJECT}/companyIds",
        ),
        (
            "@set object inside an array",
            lambda d: d["credentialSubject"].update(
                {"productIds": ["urn:x:1", {"@set": ["urn:x:2"]}]}
            ),
            f"{SUBJECT}/productIds/1",
        ),
        (
            "@graph keyword",
            lambda d: d["credentialSubject"].update({"@graph": [{"id": "urn:x:y"}]}),
            SUBJECT,
        ),
        (
            "@reverse keyword",
            lambda d: d["credentialSubject"].update({"@reverse": {"cfx:of": {"id": "urn:x:y"}}}),
            SUBJECT,
        ),
        (
            "@index on a value",
            lambda d: d["credentialSubject"]["pcf"].update(
                {"declaredUnitAmount": {"@value": "1", "@index": "i"}}
            ),
            f"{SUBJECT}/pcf/declaredUnitAmount",
        ),
        (
            "@included at the root",
            lambda d: d.update({"@included": [{"id": "urn:x:y"}]}),
            "",
        ),
        (
            "embedded @context",
            lambda d: d["credentialSubject"].update({"@context": {"x": "urn:x:"}}),
            f"{SUBJECT}/@context",
        ),
        (
            "@direction in a nested node's value",
            lambda d: d["credentialSubject"]["electricity"].update(
                {"comment": {"@value": "x", "@direction": "rtl"}}
            ),
            f"{SUBJECT}/electricity/comment",
        ),
        (
            "more context URLs than the fast path compiles",
            lambda d: d.update({"@context": [*d["@context"], *[VC_V2] * MAX_CONTEXT_URLS]}),
            "/@context",
        ),
    ],
)
def test_every_construct_the_fast_path_does_not_model_is_refused_with_its_pointer(
    signed_battery: dict[str, Any],
    label: str,
    mutate: Callable[[dict[str, Any]], None],
    pointer: str,
) -> None:
    document = copy.deepcopy(signed_battery)
    mutate(document)
    with pytest.raises(UnsupportedJsonLdError) as caught:
        _strict(document)
    assert caught.value.pointer == pointer, label
    try:  # the default mode leaves them to the reference path, which decides
        verify(document, now=NOW)
    except UnsupportedJsonLdError:
        pytest.fail(f"{label}: refused outside FAST_PATH_ONLY")
    except SigningError:
        pass


def test_unsupported_jsonld_in_proof_options_points_into_that_proof(
    signed_battery: dict[str, Any],
) -> None:
    with_nonce = copy.deepcopy(signed_battery)
    with_nonce["proof"]["nonce"] = {"@set": ["n"]}
    with pytest.raises(UnsupportedJsonLdError) as caught:
        _strict(with_nonce)
    assert caught.value.pointer == "/proof/nonce"


def test_unsupported_jsonld_in_the_second_proof_of_a_set_names_its_index(
    signed_battery: dict[str, Any], issuer_key: PrivateKey
) -> None:
    document = sign(signed_battery, issuer_key, created=T0)
    document["proof"][1]["nonce"] = {"@set": ["n"]}
    with pytest.raises(UnsupportedJsonLdError) as caught:
        _strict(document)
    assert caught.value.pointer == "/proof/1/nonce"


def test_fast_path_only_cannot_be_combined_with_the_reference_path(
    signed_battery: dict[str, Any],
) -> None:
    with pytest.raises(SigningError, match="fast=False"):
        verify(signed_battery, now=NOW, fast=False, jsonld_limits=FAST_PATH_ONLY)


# --- data loss keeps the reference path's reason ----------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "error", "pointer"),
    [
        (
            lambda d: d["credentialSubject"].update({"undefinedTerm": "x"}),
            UndefinedTermError,
            f"{SUBJECT}/undefinedTerm",
        ),
        (lambda d: d.update({"rootOnly": "x"}), UndefinedTermError, "/rootOnly"),
        (
            lambda d: d["credentialSubject"].update({"id": "relative/path"}),
            RelativeIriError,
            f"{SUBJECT}/id",
        ),
        (
            lambda d: d["credentialSubject"].update({"productIds": ["urn:x:1", "../f"]}),
            RelativeIriError,
            f"{SUBJECT}/productIds/1",
        ),
        (
            lambda d: d.update({"type": ["VerifiableCredential", "NotATerm"]}),
            UndefinedTermError,
            "/type",
        ),
        (
            lambda d: d["credentialSubject"].update({"id": "http://example.org/base/x"}),
            RelativeIriError,
            f"{SUBJECT}/id",
        ),
    ],
)
def test_data_loss_in_fast_path_only_mode_has_the_reference_paths_reason(
    signed_battery: dict[str, Any],
    mutate: Callable[[dict[str, Any]], None],
    error: type[DataLossError],
    pointer: str,
) -> None:
    document = copy.deepcopy(signed_battery)
    mutate(document)
    strict = _strict(document)
    reference = verify(document, now=NOW, fast=False)
    assert not strict.verified
    assert strict.reason == reference.reason == error.reason
    assert strict.message is not None
    assert f"(at {pointer})" in strict.message


@pytest.mark.parametrize(("label", "mutate"), FALL_BACK_CASES, ids=lambda c: str(c)[:40])
def test_every_fast_path_fall_back_is_a_refusal_that_the_reference_path_agrees_with(
    label: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    document = pcf_credential()
    mutate(document)
    loader: Any = rdf_compare.LOADER
    with pytest.raises((UnsupportedJsonLdError, DataLossError)) as caught:
        rdf.to_dataset(document, loader, limits=FAST_PATH_ONLY)
    assert getattr(caught.value, "pointer", None) is not None, label
    if isinstance(caught.value, DataLossError):
        # Where the fast path names a data loss, pyld refuses the document for the same one.
        with pytest.raises(type(caught.value)):
            rdf.reference_to_nquads(document, loader)


def test_more_combinations_of_type_scoped_contexts_than_the_cap_are_refused() -> None:
    documents = rdf_compare.context_documents()
    url = "https://cfx.test/contexts/many-types/v1"
    count = MAX_TYPE_SCOPES + 4
    documents[url] = {
        "@context": {
            f"T{i}": {"@id": f"urn:t:{i}", "@context": {f"p{i}": f"urn:p:{i}"}}
            for i in range(count)
        }
        | {"type": "@type", "items": {"@id": "urn:items", "@container": "@set"}}
    }
    loader: Any = rdf_compare.make_loader(documents)
    few = {"@context": [url], "items": [{"type": f"T{i}"} for i in range(MAX_TYPE_SCOPES)]}
    many = {"@context": [url], "items": [{"type": f"T{i}"} for i in range(count)]}
    for _ in range(2):  # the same answer whatever was compiled before
        assert isinstance(rdf.to_dataset(few, loader, limits=FAST_PATH_ONLY), list)
        with pytest.raises(UnsupportedJsonLdError) as caught:
            rdf.to_dataset(many, loader, limits=FAST_PATH_ONLY)
        assert caught.value.pointer == f"/items/{MAX_TYPE_SCOPES}/type"


# --- every valid credential still verifies ------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_valid_cfx_example_signs_and_verifies_in_fast_path_only_mode(
    path: Path, issuer_key: PrivateKey
) -> None:
    document = _reissued(path, issuer_key)
    options: dict[str, Any] = {"created": T0, "proof_id": "urn:uuid:proof-1"}
    strict = sign(document, issuer_key, jsonld_limits=FAST_PATH_ONLY, **options)
    assert strict == sign(document, issuer_key, fast=False, **options)  # byte for byte
    result = _strict(strict)
    assert result.verified, result
    chained = sign(  # its input document holds the first proof in a @graph container
        strict,
        issuer_key,
        created=T0,
        previous_proof="urn:uuid:proof-1",
        jsonld_limits=FAST_PATH_ONLY,
    )
    assert _strict(chained).verified


@pytest.mark.parametrize("vector", ALUMNI, ids=lambda v: v.name)
def test_every_signed_w3c_vector_verifies_in_fast_path_only_mode(
    vector: Vector, loader: PinnedLoader
) -> None:
    signed = vector.json("signed")
    result = verify(
        signed,
        loader=loader,
        issuer_binding=UNSAFE_SKIP_ISSUER_BINDING,
        jsonld_limits=FAST_PATH_ONLY,
    )
    assert result.verified, result


@pytest.mark.parametrize("vector", EMPLOY, ids=lambda v: v.name)
def test_every_signed_employ_vector_verifies_in_fast_path_only_mode(
    vector: Vector, employ_loader: PinnedLoader
) -> None:
    signed = vector.json("signed")
    result = verify(
        signed,
        loader=employ_loader,
        issuer_binding=UNSAFE_SKIP_ISSUER_BINDING,
        jsonld_limits=FAST_PATH_ONLY,
    )
    assert result.verified, result


@pytest.mark.parametrize("vector", [*ALUMNI, *EMPLOY], ids=lambda v: v.name)
def test_signing_a_w3c_vector_in_fast_path_only_mode_reproduces_it(
    vector: Vector, employ_loader: PinnedLoader
) -> None:
    config = vector.json("proofConfig")
    signed = sign(
        json.loads(vector.unsigned.read_text()),
        private_key_from_multibase(secret_key(vector)),
        suite=vector.suite,
        created=datetime.fromisoformat(config["created"]),
        loader=employ_loader,
        jsonld_limits=FAST_PATH_ONLY,
    )
    assert signed == vector.json("signed")


def test_new_names_are_exported_from_the_package() -> None:
    assert signing.FAST_PATH_ONLY.reference_path is False
    assert signing.DEFAULT_JSONLD_LIMITS.reference_path is True
    assert signing.UnsupportedJsonLdError.reason == "UNSUPPORTED_JSONLD"
    assert signing.JsonLdBudgetError.reason == "JSONLD_BUDGET_EXCEEDED"
    assert signing.DeadlineExceededError.reason == "DEADLINE_EXCEEDED"
    assert signing.JsonLdLimits(max_items=10).max_items == 10
    assert default_loader() is default_loader()


@SETTINGS
@given(subject=WIDE_SUBJECTS, contexts=CONTEXT_LISTS, proof=PROOFS)
def test_generated_documents_in_fast_path_only_mode_give_the_fast_dataset_or_a_sound_refusal(
    subject: dict[str, Any], contexts: list[str], proof: Any
) -> None:
    document = credential(subject, contexts, proof)
    loader: Any = rdf_compare.LOADER
    try:
        strict = rdf.to_dataset(document, loader, limits=FAST_PATH_ONLY)
    except (UnsupportedJsonLdError, DataLossError) as exc:
        refusal: SigningError = exc
    else:
        event("fast path taken")
        assert strict == to_quads(document, loader)
        return
    event(refusal.reason)
    if isinstance(refusal, UnsupportedJsonLdError):
        assert to_quads(document, loader) is None
        return
    # Never a data loss the reference path would accept. Its reason may differ when the document
    # has more than one fault: pyld checks syntax across the whole document before it looks for
    # relative IRIs, the fast path stops at the first fault in document order.
    with pytest.raises(SigningError) as reference:
        rdf.reference_to_nquads(document, loader)
    event("same reason" if reference.value.reason == refusal.reason else "another fault first")
