"""CanonLimits: every size and every unit of Hash N-Degree Quads work is capped (poison graphs)."""

from __future__ import annotations

import pytest

from signing.canon import (
    DEFAULT_LIMITS,
    CanonicalizationError,
    CanonicalizationLimitError,
    CanonLimits,
    canonical_issued_map,
    canonicalize_nquads,
)
from tests.helpers.canon_graphs import clique, credential_like, look_alike_list
from tests.helpers.paths import RDF_CANON_SUITE

RDFC10 = RDF_CANON_SUITE / "rdfc10"
PATHS = pytest.mark.parametrize("fast", [False, True], ids=["reference", "fast"])


@PATHS
@pytest.mark.parametrize("size", [6, 7, 10])
def test_blank_node_clique_is_refused(size: int, fast: bool) -> None:
    with pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize_nquads(clique(size), use_pyoxigraph=fast)
    assert caught.value.limit == "max_ndegree_work"
    assert caught.value.cap == DEFAULT_LIMITS.max_ndegree_work


@PATHS
def test_small_clique_within_budget_still_canonicalizes(fast: bool) -> None:
    result = canonicalize_nquads(clique(4), use_pyoxigraph=fast)
    assert result.count("\n") == 12
    assert "_:c14n3" in result


@PATHS
def test_evil_but_computable_w3c_poison_passes_default_limits_and_fails_a_tight_budget(
    fast: bool,
) -> None:
    # test044 needs 6,636 work units: inside the default, outside a budget of 5,000.
    source = (RDFC10 / "test044-in.nq").read_text("utf-8")
    expected = (RDFC10 / "test044-rdfc10.nq").read_text("utf-8")
    assert canonicalize_nquads(source, use_pyoxigraph=fast) == expected
    with pytest.raises(CanonicalizationLimitError):
        canonicalize_nquads(source, limits=CanonLimits(max_ndegree_work=5_000), use_pyoxigraph=fast)


@PATHS
def test_credentials_need_no_n_degree_work_at_all(fast: bool) -> None:
    source = credential_like(40)
    tight = CanonLimits(max_ndegree_work=0)
    assert canonicalize_nquads(source, limits=tight, use_pyoxigraph=fast) == canonicalize_nquads(
        source
    )


@PATHS
def test_too_many_quads_is_refused(fast: bool) -> None:
    source = "".join(f'<http://a/s> <http://a/p> "{i}" .\n' for i in range(11))
    with pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize_nquads(source, limits=CanonLimits(max_quads=10), use_pyoxigraph=fast)
    assert caught.value.limit == "max_quads"


@PATHS
def test_repeated_lines_count_once_towards_the_quad_cap(fast: bool) -> None:
    source = '<http://a/s> <http://a/p> "o" .\n' * 50
    result = canonicalize_nquads(source, limits=CanonLimits(max_quads=1), use_pyoxigraph=fast)
    assert result == '<http://a/s> <http://a/p> "o" .\n'


@PATHS
def test_too_many_blank_nodes_is_refused(fast: bool) -> None:
    with pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize_nquads(
            credential_like(11), limits=CanonLimits(max_blank_nodes=10), use_pyoxigraph=fast
        )
    assert caught.value.limit == "max_blank_nodes"


def test_issued_map_is_bounded_too() -> None:
    with pytest.raises(CanonicalizationLimitError):
        canonical_issued_map(clique(10))


@PATHS
def test_list_of_equal_items_canonicalizes_within_default_limits(fast: bool) -> None:
    result = canonicalize_nquads(look_alike_list(40), use_pyoxigraph=fast)
    assert result.count("\n") == 80


def test_deep_chain_of_look_alike_nodes_hits_the_depth_cap_not_the_python_stack() -> None:
    limits = CanonLimits(max_ndegree_work=10**9, max_ndegree_depth=20)
    with pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize_nquads(look_alike_list(30), limits=limits)
    assert caught.value.limit == "max_ndegree_depth"


@pytest.mark.parametrize(
    "field", ["max_quads", "max_blank_nodes", "max_ndegree_work", "max_ndegree_depth"]
)
@pytest.mark.parametrize("value", [-1, True, 1.5, "10"])
def test_nonsense_limits_are_refused(field: str, value: object) -> None:
    with pytest.raises(CanonicalizationError):
        CanonLimits(**{field: value})  # type: ignore[arg-type]


def test_limit_errors_carry_a_stable_reason() -> None:
    error = CanonicalizationLimitError("max_quads", 3)
    assert error.reason == "CANONICALIZATION_LIMIT_EXCEEDED"
    assert "max_quads=3" in str(error)
