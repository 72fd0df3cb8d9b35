"""Digital Bazaar's vc 7.3 stack (JavaScript, the most used verifier) verifies cfx signatures.

Every cfx example is signed here (eddsa-rdfc-2022; ecdsa-rdfc-2019 P-384; an ecdsa-rdfc-2019
P-256 proof chained to the issuer's) and handed to tests/data/interop/verify.mjs, which
verifies offline with the same pinned contexts. A changed value must fail there too.

Needs Node.js and `npm ci --prefix tests/data/interop` (exact versions in its lock file);
without them the test is skipped with that instruction: the Python environment cannot hold npm
packages, and the W3C vectors already pin the same bytes on every run.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.paths import CONTEXTS_MANIFEST, PACKAGE_DIR
from signing.keys import generate_key
from signing.proofs import sign
from tests.helpers.paths import INTEROP

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None or not (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir(),
    reason="Digital Bazaar's JS stack is not installed: npm ci --prefix tests/data/interop",
)
EXAMPLES = sorted((PACKAGE_DIR / "examples" / "valid").glob("*.json"))
CHAIN_ROOT = "urn:uuid:11111111-1111-4111-8111-111111111111"
T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _node_verify(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, str(INTEROP / "verify.mjs"), str(CONTEXTS_MANIFEST), *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _signed_examples(tmp_path: Path) -> list[Path]:
    ed25519, p256, p384 = generate_key("ed25519"), generate_key("p256"), generate_key("p384")
    paths = []
    for example in EXAMPLES:
        document: dict[str, Any] = json.loads(example.read_text())
        document.pop("proof", None)
        document["issuer"] = ed25519.did
        issued = sign(document, ed25519, created=T0, proof_id=CHAIN_ROOT)
        chained = sign(issued, p256, suite="ecdsa-rdfc-2019", created=T0, previous_proof=CHAIN_ROOT)
        other = copy.deepcopy(document)
        other["issuer"] = p384.did
        p384_signed = sign(other, p384, suite="ecdsa-rdfc-2019", created=T0)
        for label, signed in (("eddsa", issued), ("chain", chained), ("p384", p384_signed)):
            path = tmp_path / f"{example.stem}.{label}.json"
            path.write_text(json.dumps(signed, ensure_ascii=False))
            paths.append(path)
    return paths


def test_digital_bazaar_vc_stack_verifies_every_cfx_signature(tmp_path: Path) -> None:
    paths = _signed_examples(tmp_path)
    result = _node_verify(paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("VERIFIED") == len(paths) == 3 * len(EXAMPLES)


def test_digital_bazaar_vc_stack_rejects_a_changed_value(tmp_path: Path) -> None:
    path = _signed_examples(tmp_path)[0]
    document = json.loads(path.read_text())
    document["validFrom"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(document))
    result = _node_verify([path])
    assert result.returncode == 1
    assert "FAILED" in result.stdout
