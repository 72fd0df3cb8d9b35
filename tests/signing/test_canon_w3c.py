"""The whole W3C RDFC-1.0 test suite (86 tests in manifest.jsonld) on both canonical paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest

from signing.canon import (
    CanonicalizationError,
    CanonicalizationLimitError,
    canonical_issued_map,
    canonicalize_nquads,
)

SUITE = Path(__file__).resolve().parents[1] / "vectors" / "rdf-canon" / "tests"
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


@pytest.mark.parametrize("fast", [False, True], ids=["reference", "fast"])
@pytest.mark.parametrize("entry", _entries("RDFC10EvalTest"))
def test_evaluation_output_matches_w3c_bytes(entry: dict[str, Any], fast: bool) -> None:
    result = canonicalize_nquads(_read(entry["action"]), hash_algorithm=_hash(entry), fast=fast)
    assert result == _read(entry["result"])


@pytest.mark.parametrize("entry", _entries("RDFC10MapTest"))
def test_issued_identifier_map_matches_w3c(entry: dict[str, Any]) -> None:
    issued = canonical_issued_map(_read(entry["action"]), hash_algorithm=_hash(entry))
    assert issued == json.loads(_read(entry["result"]))


@pytest.mark.parametrize("fast", [False, True], ids=["reference", "fast"])
@pytest.mark.parametrize("entry", _entries("RDFC10NegativeEvalTest"))
def test_poison_clique_is_refused_by_the_work_budget(entry: dict[str, Any], fast: bool) -> None:
    # test074: a 10-node blank-node clique; unbounded RDFC-1.0 runs for minutes (bench/canon.py
    # times the refusal).
    with pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize_nquads(_read(entry["action"]), fast=fast)
    assert caught.value.limit == "max_ndegree_work"
    assert caught.value.reason == "CANONICALIZATION_LIMIT_EXCEEDED"
    assert isinstance(caught.value, CanonicalizationError)


def test_sha384_changes_the_labelling_of_the_diamond() -> None:
    # test075 is test020 hashed with SHA-384: same input, different canonical labels, so the
    # hash choice really reaches the algorithm (vc-di-ecdsa P-384).
    source = _read("rdfc10/test075-in.nq")
    assert canonicalize_nquads(source, hash_algorithm="sha256") == _read("rdfc10/test020-rdfc10.nq")
    assert canonicalize_nquads(source, hash_algorithm="sha384") == _read("rdfc10/test075-rdfc10.nq")
    assert _read("rdfc10/test020-rdfc10.nq") != _read("rdfc10/test075-rdfc10.nq")
