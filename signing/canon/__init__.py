"""Bounded RDF Dataset Canonicalization (W3C RDFC-1.0) for Data Integrity proofs.

Two independent implementations give byte-identical output (both pass the W3C RDFC-1.0 suite):

* the reference path (`signing.canon.rdfc10`, ``use_pyoxigraph=False``): a readable transcription of
  RDF-CANON with every quad, blank node and Hash N-Degree Quads step metered against
  `CanonLimits`;
* the pyoxigraph path (`signing.canon.oxigraph`, ``use_pyoxigraph=True``): pyoxigraph's compiled
  canonicalizer, taken only when first-degree hashes alone decide the labelling (the common
  case for credentials), so it never meets a poisoned dataset; otherwise the reference path.

The default is the reference path because it is the quicker one: on a 65-quad credential it
takes about 0.2 ms from N-Quads text against 0.3 ms through pyoxigraph, whose Python bindings
build one Python object per term and need the safety pre-check on top, and about 0.05 ms from
structured quads (`canonicalize_quads`, fed by `signing.fast_rdf.to_quads`), which skips the
N-Quads reader (figures: ``bench/canon.py``); `canonical_issued_map_quads` gives that path's
issued identifiers map from the same canonicalizer run. The pyoxigraph path stays as the
differential oracle and for callers who want a second opinion; it has no issued map (see
`signing.canon.oxigraph`).

Both hash with SHA-256 by default; ecdsa-rdfc-2019 with P-384 needs SHA-384 *inside* RDFC-1.0
(vc-di-ecdsa §"Algorithms"), hence ``hash_algorithm``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from signing.canon import oxigraph as _oxigraph
from signing.canon.limits import DEFAULT_LIMITS, CanonLimits
from signing.canon.nquads import Quad, parse_nquads
from signing.canon.rdfc10 import CanonicalResult, canonicalize_dataset, hasher
from signing.errors import (
    CanonicalizationError,
    CanonicalizationLimitError,
    NQuadsSyntaxError,
    UnsupportedHashAlgorithmError,
)

__all__ = [
    "DEFAULT_LIMITS",
    "CanonLimits",
    "CanonicalizationError",
    "CanonicalizationLimitError",
    "NQuadsSyntaxError",
    "Quad",
    "UnsupportedHashAlgorithmError",
    "canonical_issued_map",
    "canonical_issued_map_quads",
    "canonicalize_nquads",
    "canonicalize_quads",
]


def canonicalize_nquads(
    nquads: str,
    *,
    hash_algorithm: Literal["sha256", "sha384"] = "sha256",
    limits: CanonLimits = DEFAULT_LIMITS,
    use_pyoxigraph: bool = False,
    deadline: float | None = None,
) -> str:
    """Canonical N-Quads of an N-Quads dataset: sorted lines, each ending in LF (RDF-CANON §4.4).

    Raises `NQuadsSyntaxError` for malformed input, `CanonicalizationLimitError` when a cap in
    ``limits`` is exceeded (including poisoned datasets), `UnsupportedHashAlgorithmError` for
    an unknown ``hash_algorithm``, `DeadlineExceededError` once ``deadline`` (a
    ``time.monotonic()`` value) has passed.
    """
    hasher(hash_algorithm)  # reject an unknown algorithm on both paths alike
    if use_pyoxigraph:
        result = _oxigraph.try_canonicalize(nquads, hash_algorithm, limits)
        if result is not None:
            return result
    quads = parse_nquads(nquads, limits)
    return canonicalize_dataset(quads, hash_algorithm, limits, deadline).nquads


def canonicalize_quads(
    quads: Iterable[Quad],
    *,
    hash_algorithm: Literal["sha256", "sha384"] = "sha256",
    limits: CanonLimits = DEFAULT_LIMITS,
    deadline: float | None = None,
) -> str:
    """Canonical N-Quads of a dataset given as quads, on the bounded reference canonicalizer.

    The structured twin of `canonicalize_nquads` for producers that already hold the quads
    (`signing.fast_rdf.to_quads`): no N-Quads text is written and parsed again in between.
    Every term must already be in the canonical form `signing.canon.nquads.parse_nquads`
    produces (``<iri>``, ``_:label``, escaped ``"literal"`` with ``@lang`` or ``^^<datatype>``,
    ``""`` for the default graph); terms are not checked again. Duplicates are merged (a
    dataset is a set), then the same caps apply as on the text path. A quad that is not four
    strings, or an empty subject or object, raises `CanonicalizationError`; ``deadline`` as in
    `canonicalize_nquads`.
    """
    return _canonicalize_structured(quads, hash_algorithm, limits, deadline).nquads


def canonical_issued_map_quads(
    quads: Iterable[Quad],
    *,
    hash_algorithm: Literal["sha256", "sha384"] = "sha256",
    limits: CanonLimits = DEFAULT_LIMITS,
) -> dict[str, str]:
    """The issued identifiers map (as `canonical_issued_map`) of a dataset given as quads.

    Same term contract, duplicate merging, caps and errors as `canonicalize_quads`; the map
    comes from the same run of the canonicalizer that yields its canonical N-Quads.
    """
    return _canonicalize_structured(quads, hash_algorithm, limits).issued


def _canonicalize_structured(
    quads: Iterable[Quad], hash_algorithm: str, limits: CanonLimits, deadline: float | None = None
) -> CanonicalResult:
    """The structured entry points' shared core: merge duplicates, cap, canonicalize."""
    hasher(hash_algorithm)
    try:
        distinct = list(dict.fromkeys(quads))
        if len(distinct) > limits.max_quads:
            raise CanonicalizationLimitError("max_quads", limits.max_quads)
        return canonicalize_dataset(distinct, hash_algorithm, limits, deadline)
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        # Only a caller breaking the term contract above gets here (an empty subject, a
        # 3-tuple, a non-string): a typed error rather than a bare one.
        raise CanonicalizationError(f"quads are not canonical N-Quads terms: {exc!r}") from exc


def canonical_issued_map(
    nquads: str,
    *,
    hash_algorithm: Literal["sha256", "sha384"] = "sha256",
    limits: CanonLimits = DEFAULT_LIMITS,
) -> dict[str, str]:
    """The issued identifiers map of RDF-CANON §4.4.3 step 7: input label -> canonical label.

    Labels are written without ``_:`` (``{"e0": "c14n0"}``), as in the W3C map tests; the map
    is in issuance order. Always computed on the reference path: pyoxigraph's API
    (``Dataset.canonicalize``) relabels in place and exposes no issued map, so
    ``use_pyoxigraph=True`` has no counterpart here. `canonical_issued_map_quads` is the
    structured twin.
    """
    return canonicalize_dataset(parse_nquads(nquads, limits), hash_algorithm, limits).issued
