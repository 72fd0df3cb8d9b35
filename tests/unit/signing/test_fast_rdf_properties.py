"""Generated documents: the fast path gives pyld's dataset or refuses, and covers what it claims.

Documents are built from the terms of the pinned contexts (VC v2, the W3C examples context and the
test PCF context in tests/data/fast_rdf/): random subsets of properties, nesting, value types
(decimal strings, dates, ids, numbers, booleans, language and typed value objects, lists, graphs,
nulls).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from schemas.paths import CONTEXTS_DIR, CONTEXTS_MANIFEST
from signing.fast_rdf import to_nquads
from tests.helpers.fast_rdf_strategies import (
    CONTEXT_LISTS,
    DATES,
    DECIMALS,
    IRIS,
    NUMBERS,
    PROOFS,
    SETTINGS,
    SUPPORTED_SUBJECTS,
    TEXT,
    WIDE_SUBJECTS,
    credential,
)
from tests.helpers.rdf_compare import (
    FIXTURE_URL,
    LOADER,
    VC_V2,
    assert_agrees_or_refuses,
    assert_production_reference_agrees,
    canonical,
    reference_nquads,
)


@SETTINGS
@given(subject=WIDE_SUBJECTS, contexts=CONTEXT_LISTS, proof=PROOFS)
def test_generated_documents_give_the_reference_dataset_or_fall_back(
    subject: dict[str, Any], contexts: list[str], proof: Any
) -> None:
    document = credential(subject, contexts, proof)
    assert_production_reference_agrees(document, may_refuse=True)
    fast = assert_agrees_or_refuses(document)
    event("fast path taken" if fast is not None else "fell back")


@SETTINGS
@given(subject=SUPPORTED_SUBJECTS, proof=PROOFS)
def test_generated_documents_in_the_supported_subset_take_the_fast_path(
    subject: dict[str, Any], proof: Any
) -> None:
    document = credential(subject, [VC_V2, FIXTURE_URL], proof)
    try:
        reference = reference_nquads(document)
    except Exception:  # e.g. a Note's own terms used where its context does not reach
        event("reference path rejects the document")
        assert to_nquads(document, LOADER) is None
        return
    event("fast path taken")
    fast = to_nquads(document, LOADER)
    assert fast is not None, "a document of the supported subset fell back"
    assert canonical(fast) == canonical(reference)
    assert_production_reference_agrees(document)


# --- documents generated from the production contexts (schemas/contexts/manifest.json) ---------

XSD = "http://www.w3.org/2001/XMLSchema#"
CFX_URL = "https://w3id.org/cfx/v1"


def _production_type_scopes() -> dict[str, dict[str, Any]]:
    """Type name -> its scoped context, for every type-scoped term in the production contexts."""
    found: dict[str, dict[str, Any]] = {}
    for entry in json.loads(CONTEXTS_MANIFEST.read_text(encoding="utf-8"))["contexts"]:
        if entry["url"] != CFX_URL:
            continue
        context = json.loads((CONTEXTS_DIR / entry["file"]).read_text(encoding="utf-8"))
        for term, definition in context["@context"].items():
            if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
                found[term] = definition["@context"]
    return found


TYPE_SCOPES = _production_type_scopes()
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


def _term_value(definition: Any, nested: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value that fits the term's definition: its coercion decides, its container repeats."""
    coerce = definition.get("@type") if isinstance(definition, dict) else None
    container = definition.get("@container") if isinstance(definition, dict) else None
    if coerce == "@json":
        return JSON_VALUES
    if coerce in {"@id", "@vocab"}:
        single: st.SearchStrategy[Any] = IRIS.filter(lambda iri: iri != "ex:compact")
    elif coerce in {"xsd:decimal", XSD + "decimal"}:
        single = DECIMALS
    elif coerce in {"xsd:dateTime", XSD + "dateTime"}:
        single = DATES
    elif coerce in {"xsd:date", XSD + "date"}:
        single = st.dates().map(str)
    elif coerce is not None:
        single = st.one_of(TEXT, st.integers(min_value=0, max_value=10**6))
    else:
        single = st.one_of(TEXT, NUMBERS, nested)
    if container in {"@set", "@list"}:
        return st.one_of(single, st.lists(single, max_size=3))
    return single


def _typed_node(type_name: str) -> st.SearchStrategy[dict[str, Any]]:
    scope = TYPE_SCOPES[type_name]
    terms = sorted(k for k in scope if not k.startswith("@"))

    def node(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        entry = st.sampled_from(terms).flatmap(
            lambda term: st.tuples(st.just(term), _term_value(scope[term], children))
        )
        return st.lists(entry, max_size=8).map(dict)

    # Nested nodes are untyped: the type-scoped context propagates (@propagate: true) into them.
    nested: st.SearchStrategy[Any] = st.recursive(st.just({}), node, max_leaves=6)
    return node(nested).map(lambda fields: {**fields, "type": type_name})


PRODUCTION_SUBJECTS = (
    st.sampled_from(sorted(TYPE_SCOPES)).flatmap(_typed_node) if TYPE_SCOPES else st.nothing()
)


@SETTINGS
@given(subject=PRODUCTION_SUBJECTS, proof=PROOFS)
def test_documents_from_the_production_contexts_take_the_fast_path(
    subject: dict[str, Any], proof: Any
) -> None:
    document = credential(subject, [VC_V2, CFX_URL], proof)
    assert_production_reference_agrees(document, may_refuse=False)
