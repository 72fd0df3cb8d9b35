"""Caps that bound the work of one canonicalization (RDF-CANON §"Dataset Poisoning")."""

from __future__ import annotations

from dataclasses import dataclass

from signing.errors import CanonicalizationError


@dataclass(frozen=True, slots=True)
class CanonLimits:
    """Upper bounds for one canonicalization; exceeding any raises `CanonicalizationLimitError`.

    Defaults, and why:

    * ``max_quads`` (20,000 distinct quads): a product-footprint credential is about 65-90 quads;
      a dataset with hundreds of embedded records still fits with two orders of magnitude spare.
    * ``max_blank_nodes`` (5,000): credentials have one blank node per anonymous JSON object
      (6-10 for a 60-80 field footprint).
    * ``max_ndegree_work`` (50,000 units): RDF-CANON §4.4.3 says implementations MUST stop
      poisoned datasets early. One unit is one Hash N-Degree Quads call, one quad it hashes
      or one node placed in a permutation, so units track wall time (about 1-3 us each here)
      rather than bare call counts: the cap costs at most ~0.1 s of CPU. Credentials need 0
      units; the W3C "evil but computable" tests 044-046 need 6,636 each; the 10-clique
      test074 would need billions and is stopped at the cap.
    * ``max_ndegree_depth`` (128): Hash N-Degree Quads recurses once per blank node along a
      chain of look-alike nodes (e.g. an RDF list of equal items); the cap keeps recursion
      well inside Python's default stack limit of 1,000 frames.
    """

    max_quads: int = 20_000
    max_blank_nodes: int = 5_000
    max_ndegree_work: int = 50_000
    max_ndegree_depth: int = 128

    def __post_init__(self) -> None:
        for name in ("max_quads", "max_blank_nodes", "max_ndegree_work", "max_ndegree_depth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CanonicalizationError(
                    f"CanonLimits.{name} must be an int >= 0, got {value!r}"
                )


DEFAULT_LIMITS = CanonLimits()
