"""cfx's own example credentials sign and verify losslessly with the production loader only.

A field in an example that the cfx v1 context does not map would be dropped by JSON-LD: signing
refuses it (UndefinedTermError), so this also checks that the contexts cover every example.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas.paths import PACKAGE_DIR
from signing.keys import PrivateKey
from signing.loader import default_loader
from signing.proofs import sign
from signing.verification import verify

EXAMPLES = sorted((PACKAGE_DIR / "examples" / "valid").glob("*.json"))
T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _reissued(path: Path, key: PrivateKey) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    document.pop("proof", None)
    document["issuer"] = key.did
    return document


def test_there_are_examples_to_check() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_cfx_example_signs_and_verifies_with_production_contexts(
    path: Path, fast: bool, issuer_key: PrivateKey
) -> None:
    signed = sign(_reissued(path, issuer_key), issuer_key, created=T0, fast=fast)
    result = verify(signed, now=T0 + timedelta(minutes=1), fast=not fast)
    assert result.verified, result
    assert default_loader().urls >= set(signed["@context"])
