"""Fast JSON-LD -> RDF: the same dataset as pyld on every document we have, None where unsure.

Every comparison canonicalizes both N-Quads documents with pyoxigraph's RDFC-1.0, so blank node
labels do not matter and everything else does (IRIs, literal forms, datatypes, languages, graphs).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemas.paths import CONTEXTS_DIR
from signing import fast_rdf
from signing.fast_rdf import to_nquads, to_quads
from tests.helpers.fast_rdf_cases import FALL_BACK_CASES, pcf_credential
from tests.helpers.paths import VECTORS
from tests.helpers.rdf_compare import (
    EXAMPLES_V2,
    FIXTURE_URL,
    LOADER,
    VC_V2,
    assert_agrees_or_refuses,
    assert_production_reference_agrees,
    assert_same_dataset,
    canonical,
    context_documents,
    make_loader,
    reference_nquads,
)

SCHEMA_EXAMPLES = CONTEXTS_DIR.parent / "examples"


def load_json(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _vector_documents() -> list[Path]:
    return sorted(
        path
        for path in VECTORS.glob("vc-di-*/TestVectors/**/*.json")
        if "@context" in json.loads(path.read_text(encoding="utf-8"))
    )


def _uses_only_known_contexts(document: dict[str, Any]) -> bool:
    context = document.get("@context")
    urls = context if isinstance(context, list) else [context]
    known = context_documents()
    return all(isinstance(url, str) and url in known for url in urls)


# --- differential tests on every document we have -----------------------------------------------


@pytest.mark.parametrize("path", _vector_documents(), ids=lambda p: str(p.relative_to(VECTORS)))
def test_w3c_vector_documents_give_the_reference_dataset(path: Path) -> None:
    document = load_json(path)
    if not _uses_only_known_contexts(document):
        # e.g. the `employ` vectors need https://w3id.org/citizenship/v4rc1, which is not pinned:
        # the loader refuses it, so the fast path must hand the document to the reference path.
        assert to_nquads(document, LOADER) is None
        return
    if any(isinstance(p, dict) and "@context" in p for p in _proofs(document)):
        # JCS proofs embed their own @context: an embedded context is outside the fast path.
        assert to_nquads(document, LOADER) is None
        assert_agrees_or_refuses(document)
        return
    assert_same_dataset(document)
    assert_production_reference_agrees(document)


def _proofs(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof", [])
    return proof if isinstance(proof, list) else [proof]


def test_vector_credential_reproduces_the_published_canonical_document() -> None:
    document = load_json(VECTORS / "vc-di-eddsa/TestVectors/unsigned.json")
    published = (VECTORS / "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/canonDocDataInt.txt").read_text(
        encoding="utf-8"
    )
    fast = to_nquads(document, LOADER)
    assert fast is not None
    assert canonical(fast) == canonical(published)


def test_signed_vector_with_jcs_proof_context_removed_is_supported() -> None:
    document = load_json(VECTORS / "vc-di-eddsa/TestVectors/eddsa-jcs-2022/signedJCS.json")
    del document["proof"]["@context"]
    assert_same_dataset(document)


def test_sixty_field_product_footprint_credential_gives_the_reference_dataset() -> None:
    assert_production_reference_agrees(pcf_credential())
    fast = assert_same_dataset(pcf_credential())
    assert len(set(fast.splitlines())) == 64


def _schema_examples(kind: str) -> list[Path]:
    """Helper B's cfx examples (schemas/examples/<kind>/) that are JSON-LD documents."""
    folder = SCHEMA_EXAMPLES / kind
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*.json")
        if "@context" in json.loads(path.read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("path", _schema_examples("valid"), ids=lambda p: p.stem)
def test_valid_cfx_examples_take_the_fast_path_with_the_reference_dataset(path: Path) -> None:
    # A valid cfx dataset that fell back would cost the verification throughput target (issue 7).
    assert_same_dataset(load_json(path))
    assert_production_reference_agrees(load_json(path))


@pytest.mark.parametrize("path", _schema_examples("invalid"), ids=lambda p: p.stem)
def test_invalid_cfx_examples_agree_with_the_reference_path_or_fall_back(path: Path) -> None:
    document = load_json(path)
    if not _uses_only_known_contexts(document):
        assert to_nquads(document, LOADER) is None
        return
    assert_agrees_or_refuses(document)
    assert_production_reference_agrees(document, may_refuse=True)


def test_cfx_examples_with_relative_identifiers_fall_back() -> None:
    # pyld resolves "battery-maker" against http://example.org/base/ without a word; the fast
    # path never does, so the reference path's lossless checks see such documents.
    for name in ("credential-issuer-relative-iri", "footprint-dataset-id-not-urn-uuid"):
        path = SCHEMA_EXAMPLES / "invalid" / f"{name}.json"
        if path.exists():
            assert to_nquads(load_json(path), LOADER) is None, name


# --- JSON-LD features the fast path models ------------------------------------------------------


def _subject(**fields: Any) -> dict[str, Any]:
    document = pcf_credential()
    document["credentialSubject"] = {"type": "ProductFootprint", **fields}
    return document


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", 7),
        ("count", -0),
        ("count", 10**21),
        ("count", 2.0),
        ("count", 2.5),
        ("count", 1e-7),
        ("count", 123456789.123456789),
        ("flag", False),
        ("ratio", 3),
        ("ratio", "0.125"),
        ("ratio", "not a number"),
        ("ratio", True),
        ("version", "7"),
        ("version", 7.5),
        ("declaredUnitAmount", "0.000000000000000000001"),
        ("declaredUnitAmount", 12),
        ("comment", 'tab\there, bell \x07, nul-free \x7f, backslash \\ and quote "'),
        ("comment", "emoji 🌍 and 中文"),
        ("comment", ""),
        ("productNameCompany", "term-level language"),
        ("productNameCompany", 42),
        ("status", "Deprecated"),
        ("status", "https://cfx.test/other#Status"),
        ("status", "ex:Prefixed"),
        ("factorId", "ex:factor-1"),
        ("factorId", "_:shared"),
        ("factorId", "urn:uuid:7d4f4b0c-8a0e-4c54-9d3b-2c1f0e5a6b7c"),
        ("factorId", 5),
        ("stages", []),
        ("stages", "single"),
        ("stages", [1, "two", {"@value": "three", "@language": "EN-gb"}, None]),
        ("stages", None),
        ("stages", {"@value": None}),
        ("stages", [{"@value": None}, None]),
        ("crossSectoralStandards", []),
        ("precedingPfIds", [None, "urn:a:b", ["urn:c:d", "urn:a:b"]]),
        ("comment", {"@value": "2026-01-01", "@type": "xsd:date"}),
        ("comment", {"@value": 5, "@type": "https://cfx.test/vocab#quantity"}),
        ("comment", {"@value": None}),
        ("comment", {"@value": "tagged", "@language": "zh-Hans-CN"}),
        ("pcf", {}),
        ("pcf", {"id": "_:shared", "fossilGhgEmissions": "1.5"}),
        ("pcf", [{"fossilGhgEmissions": "1"}, {"fossilGhgEmissions": "1"}]),
        ("note", {"type": "Note", "text": "x", "author": "did:web:a.example"}),
        ("note", {"type": ["Note"], "text": "x", "author": "_:shared"}),
        ("note", {"id": "urn:note:1"}),
        ("note", "a plain string"),
        ("attachments", [{"id": "urn:doc:1", "comment": "in a named graph"}, "urn:doc:2"]),
        ("attachments", {"comment": "blank node in a graph", "pcf": {"id": "_:shared"}}),
        ("attachments", None),
        ("secondaryEmissionFactorSources", {"name": "ecoinvent", "version": "3.10"}),
        ("blob", {"b": [1, 2.5, True, None], "a": "é\u0001", "c": {"z": 1e30, "y": -0.0}}),
        ("blob", None),
        ("blob", "plain string"),
        ("blob", [1, "two", [3]]),
        ("blob", 1.25),
        ("blob", {}),
    ],
)
def test_value_forms_give_the_reference_dataset(field: str, value: Any) -> None:
    fields = {"comment": "fixed", field: value}
    assert_same_dataset(_subject(**fields))
    assert_production_reference_agrees(_subject(**fields))


def test_json_literals_pyld_would_merge_by_python_equality_fall_back() -> None:
    # {"a": true} == {"a": 1} in Python, so pyld keeps one of two different rdf:JSON literals.
    nodes = [{"id": "urn:n:1", "blob": {"a": True}}, {"id": "urn:n:1", "blob": {"a": 1}}]
    document = _subject(pcf=nodes)
    assert to_nquads(document, LOADER) is None
    assert reference_nquads(document).count("#JSON>") == 1


def test_proof_set_puts_each_proof_in_its_own_graph() -> None:
    document = pcf_credential()
    second = dict(document["proof"], created="2026-03-02T00:00:00Z", id="urn:proof:2")
    document["proof"] = [document["proof"], second]
    fast = assert_same_dataset(document)
    lines = fast.splitlines()
    names = {line.split()[2] for line in lines if "<https://w3id.org/security#proof>" in line}
    assert len(names) == 2
    for name in names:
        in_graph = [line for line in lines if line.endswith(f" {name} .") and "#proof>" not in line]
        assert len(in_graph) == 6


def test_blank_node_ids_are_shared_across_the_proof_graph_and_the_default_graph() -> None:
    document = pcf_credential()
    document["credentialSubject"]["factorId"] = "_:key"
    document["proof"]["verificationMethod"] = "_:key"
    assert_same_dataset(document)


def test_type_scoped_context_does_not_reach_a_nested_node_without_propagate() -> None:
    # `text` is defined only by the non-propagating Note context: inside a node nested in the note
    # it is undefined, which the reference path treats as a dropped term (an error).
    document = _subject(note={"type": "Note", "text": "ok", "author": {"text": "leaks?"}})
    assert to_nquads(document, LOADER) is None
    with pytest.raises(Exception, match="dropped term"):
        reference_nquads(document)


def test_type_scoped_context_still_applies_to_value_objects_and_references() -> None:
    document = _subject(
        note={"type": "Note", "author": {"id": "did:web:b.example"}, "text": {"@value": "v"}}
    )
    assert_same_dataset(document)


def test_propagated_type_scoped_context_reaches_nested_nodes() -> None:
    document = _subject(pcf={"dqi": {"temporalDQR": "1.0"}, "comment": "deep"})
    assert_same_dataset(document)


def test_property_scoped_context_may_redefine_protected_vc_terms() -> None:
    document = _subject(secondaryEmissionFactorSources=[{"name": "n", "version": "v"}])
    fast = assert_same_dataset(document)
    assert "<https://cfx.test/vocab#emissionFactorSourceName>" in fast
    assert (
        "<https://schema.org/name>"
        not in fast.split("emissionFactorSourceName")[0].splitlines()[-1]
    )


def test_examples_vocab_expands_undefined_terms_like_pyld() -> None:
    document = load_json(VECTORS / "vc-di-eddsa/TestVectors/unsigned.json")
    document["credentialSubject"]["anything"] = {"nested": [1, "two", True]}
    document["type"].append("SomethingElse")
    assert_same_dataset(document)


def test_presentation_with_an_embedded_credential_falls_back() -> None:
    # verifiableCredential is a @graph container whose scoped context is null; the embedded
    # credential brings its own @context, which the fast path leaves to the reference path.
    credential = load_json(VECTORS / "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json")
    presentation = {
        "@context": [VC_V2],
        "type": "VerifiablePresentation",
        "holder": "did:web:holder.example",
        "verifiableCredential": credential,
    }
    assert to_nquads(presentation, LOADER) is None
    assert_agrees_or_refuses(presentation)
    # With the null scoped context pyld no longer sees the term's @id coercion for a string
    # value (it becomes a literal inside an empty graph); the fast path does not model that.
    presentation["verifiableCredential"] = "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33"
    assert to_nquads(presentation, LOADER) is None
    assert_agrees_or_refuses(presentation)


def test_context_given_as_a_single_url_string() -> None:
    document = {"@context": VC_V2, "type": "VerifiableCredential", "issuer": "did:web:x.example"}
    assert_same_dataset(document)


def test_document_without_properties_gives_an_empty_dataset() -> None:
    assert to_nquads({"@context": [VC_V2]}, LOADER) == reference_nquads({"@context": [VC_V2]}) == ""


# --- everything else falls back (None), never a different graph ---------------------------------


@pytest.mark.parametrize(("label", "mutate"), FALL_BACK_CASES)
def test_unsupported_features_fall_back_to_the_reference_path(
    label: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    document = pcf_credential()
    mutate(document)
    assert to_quads(document, LOADER) is None, label
    assert to_nquads(document, LOADER) is None, label


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"id": "urn:no:context"},
        {"@context": []},
        {"@context": [VC_V2, 5]},
        {"@context": {"@vocab": "https://x.example/"}},
    ],
)
def test_documents_without_pinned_url_contexts_fall_back(document: Any) -> None:
    assert to_nquads(document, LOADER) is None


def test_context_with_base_is_refused_because_relative_iris_depend_on_it() -> None:
    documents = context_documents()
    documents["https://cfx.test/based"] = {"@context": {"@base": "https://b.example/", "t": "ex:t"}}
    loader = make_loader(documents)
    assert (
        to_nquads({"@context": [FIXTURE_URL, "https://cfx.test/based"], "comment": "x"}, loader)
        is None
    )


def test_context_served_as_unparsed_text_is_refused() -> None:
    documents = context_documents()
    documents["https://cfx.test/text"] = '{"@context": {"@base": "https://b.example/"}}'
    loader = make_loader(documents)
    assert to_nquads({"@context": ["https://cfx.test/text"]}, loader) is None


def test_context_with_relative_vocab_is_refused() -> None:
    documents = context_documents()
    documents["https://cfx.test/relvocab"] = {"@context": {"@vocab": "#"}}
    loader = make_loader(documents)
    assert to_nquads({"@context": ["https://cfx.test/relvocab"], "a": "x"}, loader) is None


def test_redefining_a_protected_term_is_left_to_the_reference_path() -> None:
    documents = context_documents()
    documents["https://cfx.test/clash"] = {"@context": {"name": "https://evil.example/name"}}
    loader = make_loader(documents)
    document = {"@context": [VC_V2, "https://cfx.test/clash"], "name": "x"}
    assert to_nquads(document, loader) is None
    with pytest.raises(Exception) as caught:  # pyld wraps it in a generic error
        reference_nquads(document, loader)
    assert "protected" in _messages(caught.value)


def _messages(error: BaseException | None) -> str:
    text = ""
    while error is not None:
        text += f" {error}"
        error = error.__cause__
    return text


# --- caching -----------------------------------------------------------------------------------


def test_compiled_contexts_are_cached_per_context_list_and_loader() -> None:
    to_nquads(pcf_credential(), LOADER)
    key = ((VC_V2, FIXTURE_URL), id(LOADER))
    cached = fast_rdf._ROOTS[key][1]
    to_nquads(pcf_credential(), LOADER)
    assert fast_rdf._ROOTS[key][1] is cached


def test_another_loader_with_other_bytes_for_the_same_url_is_not_served_from_the_cache() -> None:
    document = {"@context": [VC_V2, EXAMPLES_V2], "type": "VerifiableCredential", "extra": "x"}
    before = to_nquads(document, LOADER)
    documents = context_documents()
    documents[EXAMPLES_V2] = {"@context": {"@vocab": "https://other.example/#"}}
    other = make_loader(documents)
    after = to_nquads(document, other)
    assert before is not None
    assert after is not None
    assert "https://www.w3.org/ns/credentials/examples#extra" in before
    assert "https://other.example/#extra" in after
    assert canonical(after) == canonical(reference_nquads(document, other))


def test_concurrent_calls_give_the_same_datasets_as_sequential_ones() -> None:
    documents = [pcf_credential(), load_json(VECTORS / "vc-di-eddsa/TestVectors/unsigned.json")]
    expected = [canonical(to_nquads(d, LOADER) or "") for d in documents]
    failures: list[str] = []

    def work(index: int) -> None:
        for _ in range(30):
            loader = make_loader(context_documents()) if index % 2 else LOADER
            got = to_nquads(documents[index % 2], loader)
            if got is None or canonical(got) != expected[index % 2]:
                failures.append(f"thread {index}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
