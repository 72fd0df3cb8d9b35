"""Fuzz target 2: `signing.verify` on mutated signed credentials (eddsa/ecdsa, RDFC and JCS).

Bounded on purpose: the node's fast path is used, inputs above a small size or value count are
skipped (pyld's cost grows with the square of the item count, issue 11 finding 1, which has its
own attack test), and canonicalization runs under tight `CanonLimits`. Whatever verifies on the
fast path must verify on the reference (pyld) path too: a proof that holds on one path and not on
the other would let one verifier accept what another refuses.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import atheris

from common import EXPECTED, count_values, expect, json_mutator

with atheris.instrument_imports(include=["gateway", "signing", "schemas"]):
    from schemas import strict_json
    from schemas.paths import CONTEXTS_MANIFEST
    from signing.canon import CanonLimits
    from signing.loader import PinnedLoader
    from signing.verification import VerificationResult, verify

REPO = Path(__file__).resolve().parents[1]
# The W3C vectors use the examples context, pinned for tests on top of the production manifest.
_LOADER = PinnedLoader(
    (CONTEXTS_MANIFEST, REPO / "tests" / "vectors" / "test-contexts-manifest.json")
)
#: The seeds are signed at 2025-06-01T12:00Z (fuzz/build_corpus.py); the W3C vectors in 2023.
NOW = datetime(2025, 6, 1, 13, 0, tzinfo=UTC)
MAX_BYTES = 16 * 1024
MAX_VALUES = 600
LIMITS = CanonLimits(max_quads=2_000, max_blank_nodes=200, max_ndegree_work=20_000)


def _verify(document: dict[str, object], *, fast: bool) -> VerificationResult | None:
    # issuer_binding=None as the node calls it: the trust registry, not the DID, binds keys.
    result = expect(
        lambda: verify(
            document, loader=_LOADER, now=NOW, limits=LIMITS, fast=fast, issuer_binding=None
        )
    )
    assert result is None or isinstance(result, VerificationResult)
    return result


def one_input(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        return
    document = expect(lambda: strict_json.loads_object(data, max_depth=32))
    if not isinstance(document, dict) or count_values(document, MAX_VALUES) > MAX_VALUES:
        return
    result = _verify(document, fast=True)
    if result is not None and result.verified:
        reference = _verify(document, fast=False)
        assert reference is not None, "fast path verified what the reference path refuses"
        assert reference.verified, f"reference path says {reference.reason}: {reference.message}"


def main() -> None:
    assert EXPECTED
    atheris.Setup(sys.argv, one_input, custom_mutator=json_mutator(structural_share=0.8))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
