"""The whole W3C RDFC-1.0 test suite (86 tests in manifest.jsonld) on every canonical path.

* reference: N-Quads text through the strict reader and the bounded canonicalizer;
* structured: the same input parsed once by that reader into structured quads, then the
  structured entry points (`canonicalize_quads`, `canonical_issued_map_quads`), which is what
  verification runs after `signing.fast_rdf.to_quads`;
* pyoxigraph (``use_pyoxigraph=True``): evaluation and negative tests only. pyoxigraph relabels
  blank nodes in place and exposes no issued identifiers map, so the 21 map tests cannot run on it.

So all 86 run on the reference and the structured path, 65 on the pyoxigraph path.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest

from signing.canon import (
    DEFAULT_LIMITS,
    CanonicalizationError,
    CanonicalizationLimitError,
    canonical_issued_map,
    canonical_issued_map_quads,
    canonicalize_nquads,
    canonicalize_quads,
)
from signing.canon.nquads import parse_nquads
from tests.helpers.paths import RDF_CANON_SUITE

SUITE = RDF_CANON_SUITE
MANIFEST: list[dict[str, Any]] = json.loads((SUITE / "manifest.jsonld").read_text("utf-8"))[
    "entries"
]


def _entries(kind: str) -> list[Any]:
    return [
        pytest.param(entry, id=entry["id"].lstrip("#"))
        for entry in MANIFEST
        if entry["type"] == f"rdfc:{kind}"
    ]


def _hash(entry: dict[str, Any]) -> Literal["sha256", "sha384"]:
    # The manifest names the hash per test (test075 uses SHA-384); SHA-256 otherwise.
    return "sha384" if entry.get("hashAlgorithm") == "SHA384" else "sha256"


def _read(relative: str) -> str:
    return (SUITE / relative).read_text("utf-8")


def test_manifest_lists_all_86_tests() -> None:
    kinds = [entry["type"] for entry in MANIFEST]
    assert len(kinds) == 86
    assert kinds.count("rdfc:RDFC10EvalTest") == 64
    assert kinds.count("rdfc:RDFC10MapTest") == 21
    assert kinds.count("rdfc:RDFC10NegativeEvalTest") == 1


CanonPath = Literal["reference", "structured", "pyoxigraph"]
EVERY_PATH = ["reference", "structured", "pyoxigraph"]


def _canonicalize(path: CanonPath, source: str, hash_algorithm: Literal["sha256", "sha384"]) -> str:
    if path == "structured":
        quads = parse_nquads(source, DEFAULT_LIMITS)
        return canonicalize_quads(quads, hash_algorithm=hash_algorithm)
    return canonicalize_nquads(
        source, hash_algorithm=hash_algorithm, use_pyoxigraph=path == "pyoxigraph"
    )


@pytest.mark.parametrize("path", EVERY_PATH)
@pytest.mark.parametrize("entry", _entries("RDFC10EvalTest"))
def test_evaluation_output_matches_w3c_bytes(entry: dict[str, Any], path: CanonPath) -> None:
    result = _canonicalize(path, _read(entry["action"]), _hash(entry))
    assert result == _read(entry["result"])


# No "pyoxigraph" here: its API has no issued identifiers map (see the module docstring).
@pytest.mark.parametrize("path", ["reference", "structured"])
@pytest.mark.parametrize("entry", _entries("RDFC10MapTest"))
def test_issued_identifier_map_matches_w3c(entry: dict[str, Any], path: CanonPath) -> None:
    source = _read(entry["action"])
    if path == "structured":
        quads = parse_nquads(source, DEFAULT_LIMITS)
        issued = canonical_issued_map_quads(quads, hash_algorithm=_hash(entry))
    else:
        issued = canonical_issued_map(source, hash_algorithm=_hash(entry))
    expected = json.loads(_read(entry["result"]))
    assert issued == expected
    # The map is in issuance order (RDF-CANON §4.5): c14n0, c14n1, ... as issued.
    assert list(issued.values()) == [f"c14n{index}" for index in range(len(expected))]


@pytest.mark.parametrize("path", EVERY_PATH)
@pytest.mark.parametrize("entry", _entries("RDFC10NegativeEvalTest"))
def test_poison_clique_is_refused_by_the_work_budget(
    entry: dict[str, Any], path: CanonPath
) -> None:
    # test074: a 10-node blank-node clique; unbounded RDFC-1.0 runs for minutes (bench/canon.py
    # times the refusal).
    with pytest.raises(CanonicalizationLimitError) as caught:
        _canonicalize(path, _read(entry["action"]), "sha256")
    assert caught.value.limit == "max_ndegree_work"
    assert caught.value.reason == "CANONICALIZATION_LIMIT_EXCEEDED"
    assert isinstance(caught.value, CanonicalizationError)


@pytest.mark.parametrize("entry", _entries("RDFC10NegativeEvalTest"))
def test_poison_clique_gives_no_issued_map_on_either_path(entry: dict[str, Any]) -> None:
    source = _read(entry["action"])
    with pytest.raises(CanonicalizationLimitError):
        canonical_issued_map(source)
    with pytest.raises(CanonicalizationLimitError):
        canonical_issued_map_quads(parse_nquads(source, DEFAULT_LIMITS))


def test_sha384_changes_the_labelling_of_the_diamond() -> None:
    # test075 is test020 hashed with SHA-384: same input, different canonical labels, so the
    # hash choice really reaches the algorithm (vc-di-ecdsa P-384).
    source = _read("rdfc10/test075-in.nq")
    assert canonicalize_nquads(source, hash_algorithm="sha256") == _read("rdfc10/test020-rdfc10.nq")
    assert canonicalize_nquads(source, hash_algorithm="sha384") == _read("rdfc10/test075-rdfc10.nq")
    assert _read("rdfc10/test020-rdfc10.nq") != _read("rdfc10/test075-rdfc10.nq")
