"""N-Quads reading and canonical term syntax: malformed input gets a typed error, never a guess."""

from __future__ import annotations

import pytest

from signing.canon import (
    CanonicalizationError,
    NQuadsSyntaxError,
    UnsupportedHashAlgorithmError,
    canonical_issued_map,
    canonicalize_nquads,
)
from signing.canon.limits import DEFAULT_LIMITS
from signing.canon.oxigraph import try_canonicalize

PATHS = pytest.mark.parametrize("fast", [False, True], ids=["reference", "fast"])


@PATHS
@pytest.mark.parametrize(
    ("source", "line"),
    [
        pytest.param('<http://a/s> <http://a/p> "o"\n', 1, id="missing-final-dot"),
        pytest.param('"s" <http://a/p> "o" .\n', 1, id="literal-as-subject"),
        pytest.param('<http://a/s> _:p "o" .\n', 1, id="blank-node-predicate"),
        pytest.param('<http://a/s> <http://a/p> "o" "g" .\n', 1, id="literal-as-graph"),
        pytest.param('\n# comment\n<s> <http://a/p> "o" .\n', 3, id="relative-iri"),
        pytest.param('<http://a/\\u0020b> <http://a/p> "o" .\n', 1, id="escaped-space-in-iri"),
        pytest.param('<http://a/s> <http://a/p> "\\uD800" .\n', 1, id="escaped-lone-surrogate"),
        pytest.param('<http://a/s> <http://a/p> "\\U00110000" .\n', 1, id="escape-beyond-unicode"),
        pytest.param('<http://a/s> <http://a/p> "\ud800" .\n', 1, id="raw-lone-surrogate"),
        pytest.param('<http://a/s> <http://a/p> "o\\x" .\n', 1, id="unknown-escape"),
        pytest.param(
            '<http://a/s> <http://a/p> "o" . <http://a/s> <http://a/p> "o" .',
            1,
            id="two-statements-one-line",
        ),
        pytest.param('<http://a/s> <http://a/p> "a\nb" .\n', 1, id="raw-newline-in-literal"),
        pytest.param('<http://a/s> <http://a/p> "o"@ .\n', 1, id="empty-language-tag"),
        pytest.param("<http://a/s> <http://a/p> <<http://a/t>> .\n", 1, id="rdf-star-term"),
    ],
)
def test_malformed_nquads_is_a_typed_syntax_error(source: str, line: int, fast: bool) -> None:
    with pytest.raises(NQuadsSyntaxError) as caught:
        canonicalize_nquads(source, use_pyoxigraph=fast)
    assert caught.value.reason == "NQUADS_SYNTAX_ERROR"
    assert caught.value.line == line
    assert isinstance(caught.value, CanonicalizationError)


@PATHS
def test_comments_blank_lines_crlf_and_tabs_are_accepted(fast: bool) -> None:
    source = '# header\r\n\r\n<http://a/s>\t<http://a/p>  "o" . # trailing\r\n\n'
    assert canonicalize_nquads(source, use_pyoxigraph=fast) == '<http://a/s> <http://a/p> "o" .\n'


@PATHS
def test_empty_dataset_is_empty_output(fast: bool) -> None:
    assert canonicalize_nquads("", use_pyoxigraph=fast) == ""
    assert canonicalize_nquads("# nothing\n", use_pyoxigraph=fast) == ""


@PATHS
def test_explicit_xsd_string_is_the_same_literal_as_a_plain_one(fast: bool) -> None:
    typed = '<http://a/s> <http://a/p> "o"^^<http://www.w3.org/2001/XMLSchema#string> .\n'
    plain = '<http://a/s> <http://a/p> "o" .\n'
    assert canonicalize_nquads(typed + plain, use_pyoxigraph=fast) == plain


@PATHS
def test_control_characters_use_rdfc10_escapes(fast: bool) -> None:
    # RDF-CANON "Canonical N-Quads": \b \t \n \f \r \" \\ as ECHAR, other C0 and DEL as \uXXXX
    # with uppercase hex; pyld writes these raw, which breaks cross-implementation signatures.
    source = '<http://a/s> <http://a/p> "\\u0001\\u0008\\t\\u000b\\u000c\\u007f\\u00e9" .\n'
    expected = '<http://a/s> <http://a/p> "\\u0001\\b\\t\\u000B\\f\\u007F\u00e9" .\n'
    assert canonicalize_nquads(source, use_pyoxigraph=fast) == expected


@PATHS
def test_raw_line_separators_inside_literals_stay_inside_one_line(fast: bool) -> None:
    # U+2028, U+0085 and FS are legal raw in a literal and are not escaped canonically; a
    # splitlines()-style reader would cut the quad in two.
    source = '_:b <http://a/p> "x\u2028y\u0085z\x1c" .\n_:b <http://a/p> "w" .\n'
    expected = '_:c14n0 <http://a/p> "w" .\n_:c14n0 <http://a/p> "x\u2028y\u0085z\\u001C" .\n'
    assert canonicalize_nquads(source, use_pyoxigraph=fast) == expected


@PATHS
def test_language_tag_case_is_kept_as_written(fast: bool) -> None:
    # pyoxigraph lowercases language tags, so the fast path must hand these to the reference.
    source = '<http://a/s> <http://a/p> "Hi"@EN-gb .\n'
    assert canonicalize_nquads(source, use_pyoxigraph=fast) == source


def test_fast_path_takes_datasets_whose_first_degree_hashes_are_unique() -> None:
    source = '_:x <http://a/p> "1" .\n_:y <http://a/p> "2" .\n_:x <http://a/q> _:y .\n'
    result = try_canonicalize(source, "sha256", DEFAULT_LIMITS)
    assert result is not None
    assert result == canonicalize_nquads(source, use_pyoxigraph=False)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("_:a <http://a/p> _:b .\n_:b <http://a/p> _:a .\n", id="symmetric-pair"),
        pytest.param('_:a <http://a/p> "v" .\n_:b <http://a/p> "v" .\n', id="twin-nodes"),
        pytest.param('_:a <http://a/p> "v"@EN .\n', id="uppercase-language-tag"),
        pytest.param('<http://a/%zz> <http://a/p> "v" .\n', id="iri-oxigraph-refuses"),
    ],
)
def test_fast_path_defers_what_it_cannot_decide(source: str) -> None:
    assert try_canonicalize(source, "sha256", DEFAULT_LIMITS) is None
    assert canonicalize_nquads(source, use_pyoxigraph=True) == canonicalize_nquads(
        source, use_pyoxigraph=False
    )


def test_duplicate_quads_cannot_disguise_twin_nodes_from_the_fast_path() -> None:
    # Repeating a line must not make two look-alike blank nodes seem different (the dataset
    # is a set), or a poisoned dataset could slip past the pre-check into pyoxigraph.
    source = '_:a <http://a/p> "v" .\n_:a <http://a/p> "v" .\n_:b <http://a/p> "v" .\n'
    assert try_canonicalize(source, "sha256", DEFAULT_LIMITS) is None


@PATHS
def test_unknown_hash_algorithm_is_refused(fast: bool) -> None:
    with pytest.raises(UnsupportedHashAlgorithmError):
        canonicalize_nquads("", hash_algorithm="md5", use_pyoxigraph=fast)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedHashAlgorithmError):
        canonical_issued_map("", hash_algorithm="sha1")  # type: ignore[arg-type]


def test_issued_map_names_input_labels_without_prefix() -> None:
    source = '_:e0 <http://a/p> "x" .\n_:e1 <http://a/p> _:e0 .\n'
    assert canonical_issued_map(source) == {"e1": "c14n0", "e0": "c14n1"}


@PATHS
def test_blank_node_twice_in_one_quad_counts_that_quad_once(fast: bool) -> None:
    # RDF-CANON §4.4.3 step 2 maps each blank node to the quads it occurs in; rdf-canonize (the
    # JavaScript verifiers) and pyoxigraph keep a set, pyld 3.3 lists the quad twice and labels
    # this dataset the other way round. Interop with the JavaScript stack decides: set semantics.
    source = "_:s <urn:p> _:s _:g .\n"
    assert canonicalize_nquads(source, use_pyoxigraph=fast) == "_:c14n0 <urn:p> _:c14n0 _:c14n1 .\n"
