"""`canonicalize_quads` (structured quads in) gives byte for byte what `canonicalize_nquads` gives.

The structured entry points (`canonicalize_quads`, `canonical_issued_map_quads`) skip the N-Quads
text round trip for `signing.fast_rdf.to_quads`; they must not skip anything else: the W3C
RDFC-1.0 suite (all 86 tests also run on this path in `test_canon_w3c.py`), duplicate merging,
every cap (the poison clique test074 included) and the hash algorithm check hold on them exactly
as on the text path, and the issued map is the one the canonical N-Quads were written with.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing.canon import (
    DEFAULT_LIMITS,
    CanonicalizationError,
    CanonicalizationLimitError,
    CanonLimits,
    Quad,
    UnsupportedHashAlgorithmError,
    canonical_issued_map,
    canonical_issued_map_quads,
    canonicalize_nquads,
    canonicalize_quads,
)
from signing.canon.nquads import parse_nquads, serialize_quad
from tests.helpers.canon_graphs import clique, credential_like, look_alike_list
from tests.helpers.paths import RDF_CANON_SUITE

SUITE = RDF_CANON_SUITE
MANIFEST: list[dict[str, Any]] = json.loads((SUITE / "manifest.jsonld").read_text("utf-8"))[
    "entries"
]
EVALUATIONS = [
    pytest.param(entry, id=entry["id"].lstrip("#"))
    for entry in MANIFEST
    if entry["type"] == "rdfc:RDFC10EvalTest"
]
WITH_BLANK_NODES = [
    pytest.param(entry, id=entry["id"].lstrip("#"))
    for entry in MANIFEST
    if entry["type"] in {"rdfc:RDFC10EvalTest", "rdfc:RDFC10MapTest"}
]


def _quads(nquads: str) -> list[Quad]:
    return parse_nquads(nquads, DEFAULT_LIMITS)


def _hash(entry: dict[str, Any]) -> Literal["sha256", "sha384"]:
    return "sha384" if entry.get("hashAlgorithm") == "SHA384" else "sha256"


@pytest.mark.parametrize("entry", EVALUATIONS)
def test_w3c_evaluation_tests_give_the_published_bytes_from_quads(entry: dict[str, Any]) -> None:
    source = (SUITE / entry["action"]).read_text("utf-8")
    expected = (SUITE / entry["result"]).read_text("utf-8")
    quads = _quads(source)
    assert canonicalize_quads(quads, hash_algorithm=_hash(entry)) == expected
    # Order and repetition of the input quads do not matter: a dataset is a set.
    shuffled = quads + quads[: len(quads) // 2]
    random.Random(entry["id"]).shuffle(shuffled)
    assert canonicalize_quads(iter(shuffled), hash_algorithm=_hash(entry)) == expected


def _relabel(quads: list[Quad], issued: dict[str, str]) -> str:
    """The dataset with each blank node renamed per an issued map, as canonical N-Quads."""

    def term(value: str) -> str:
        return f"_:{issued[value[2:]]}" if value.startswith("_:") else value

    lines = {serialize_quad(term(s), p, term(o), term(g)) for s, p, o, g in quads}
    return "".join(sorted(lines))


@pytest.mark.parametrize("entry", WITH_BLANK_NODES)
def test_issued_map_from_quads_is_the_labelling_of_the_canonical_output(
    entry: dict[str, Any],
) -> None:
    # RDF-CANON §4.4.3 steps 6-7: the canonical N-Quads are the input relabelled by the issued
    # map, so the map and the bytes must come from one and the same run of the core.
    source = (SUITE / entry["action"]).read_text("utf-8")
    quads = _quads(source)
    issued = canonical_issued_map_quads(quads, hash_algorithm=_hash(entry))
    assert issued == canonical_issued_map(source, hash_algorithm=_hash(entry))
    assert sorted(issued) == sorted(
        {term[2:] for quad in quads for term in quad if term[:2] == "_:"}
    )
    assert _relabel(quads, issued) == canonicalize_quads(quads, hash_algorithm=_hash(entry))


def test_issued_map_from_quads_merges_duplicates_and_ignores_order() -> None:
    # Two blank nodes told apart by first-degree hashes alone, so the labelling is unique.
    quads = _quads('_:x <urn:p> "1" .\n_:y <urn:p> "2" .\n_:x <urn:q> _:y .\n')
    issued = canonical_issued_map_quads(quads)
    assert canonical_issued_map_quads(list(reversed(quads)) + quads) == issued
    assert set(issued) == {"x", "y"}
    assert sorted(issued.values()) == ["c14n0", "c14n1"]


def test_poison_clique_test074_is_refused_within_a_second_from_quads() -> None:
    quads = _quads((SUITE / "rdfc10" / "test074-in.nq").read_text("utf-8"))
    start = time.process_time()
    with pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize_quads(quads)
    assert caught.value.limit == "max_ndegree_work"
    assert time.process_time() - start < 1.0


@pytest.mark.parametrize(
    ("dataset", "limits", "limit"),
    [
        (credential_like(30), CanonLimits(max_quads=59), "max_quads"),
        (credential_like(30), CanonLimits(max_blank_nodes=29), "max_blank_nodes"),
        (clique(6), DEFAULT_LIMITS, "max_ndegree_work"),
        (look_alike_list(40), CanonLimits(max_ndegree_depth=10), "max_ndegree_depth"),
    ],
    ids=["quads", "blank-nodes", "ndegree-work", "ndegree-depth"],
)
def test_every_cap_applies_to_structured_quads_as_to_text(
    dataset: str, limits: CanonLimits, limit: str
) -> None:
    with pytest.raises(CanonicalizationLimitError) as from_quads:
        canonicalize_quads(_quads(dataset), limits=limits)
    with pytest.raises(CanonicalizationLimitError) as map_from_quads:
        canonical_issued_map_quads(_quads(dataset), limits=limits)
    with pytest.raises(CanonicalizationLimitError) as from_text:
        canonicalize_nquads(dataset, limits=limits)
    assert from_quads.value.limit == map_from_quads.value.limit == from_text.value.limit == limit


def test_quad_cap_counts_distinct_quads_only() -> None:
    quads = _quads(credential_like(30))  # 60 distinct quads
    assert len(quads) == 60
    assert canonicalize_quads(quads * 3, limits=CanonLimits(max_quads=60)) == canonicalize_nquads(
        credential_like(30)
    )


def test_unknown_hash_algorithm_is_refused_on_the_structured_path() -> None:
    with pytest.raises(UnsupportedHashAlgorithmError):
        canonicalize_quads([], hash_algorithm="md5")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedHashAlgorithmError):
        canonical_issued_map_quads([], hash_algorithm="md5")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "quads",
    [
        [("", "<urn:p>", "<urn:o>", "")],
        [("<urn:s>", "<urn:p>", "", "")],
        [("_:b0", "<urn:p>", "<urn:o>")],
        [("_:b0", "<urn:p>", 5, "")],
        [None],
    ],
    ids=["empty-subject", "empty-object", "three-terms", "non-string", "not-a-tuple"],
)
def test_quads_breaking_the_term_contract_give_a_typed_error(quads: list[Any]) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize_quads(quads)
    with pytest.raises(CanonicalizationError):
        canonical_issued_map_quads(quads)


def test_empty_dataset_is_empty() -> None:
    assert canonicalize_quads([]) == ""
    assert canonical_issued_map_quads([]) == {}


# --- generated datasets: structured and text give the same bytes ---------------------------------

BLANKS = st.sampled_from([f"_:n{i}" for i in range(5)])
IRIS = st.sampled_from(["<urn:a>", "<urn:b>", "<https://x.example/p#q>"])
LITERALS = st.sampled_from(
    [
        '"x"',
        '""',
        '"x"@en',
        '"x"@EN-gb',
        '"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        '"line\\nbreak \\"quoted\\" \\u0001"',
        '"\u2028 \u00e9 \U0001f600"',
    ]
)
QUADS = st.lists(
    st.tuples(
        st.one_of(BLANKS, IRIS),
        IRIS,
        st.one_of(BLANKS, IRIS, LITERALS),
        st.one_of(st.just(""), BLANKS, IRIS),
    ),
    max_size=14,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quads=QUADS, hash_algorithm=st.sampled_from(["sha256", "sha384"]))
def test_generated_datasets_canonicalize_the_same_from_quads_and_from_text(
    quads: list[Quad], hash_algorithm: Literal["sha256", "sha384"]
) -> None:
    text = "".join(serialize_quad(*quad) for quad in quads)
    assert _quads(text) == list(dict.fromkeys(quads))  # the generated terms are canonical
    # Small datasets (<= 5 blank nodes) stay far below the N-degree budget, so both answer.
    from_text = canonicalize_nquads(text, hash_algorithm=hash_algorithm)
    assert canonicalize_quads(quads, hash_algorithm=hash_algorithm) == from_text
    assert (
        canonicalize_nquads(text, hash_algorithm=hash_algorithm, use_pyoxigraph=True) == from_text
    )
