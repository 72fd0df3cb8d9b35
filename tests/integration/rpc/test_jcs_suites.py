"""Every cryptosuite works end to end with the `cfx` commands against a real node (mTLS gRPC):
`cfx sign --suite`, `cfx submit`, `cfx get`, `cfx verify` with the node's receipt.

The JCS suites (eddsa-jcs-2022, ecdsa-jcs-2019) put the document's `@context` into the proof
(vc-di-eddsa §3.3.1, vc-di-ecdsa §3.4.1); the node's envelope schema used to refuse it
(SCHEMA_VIOLATION /proof/@context). The RDFC suites run the same path and carry no proof @context.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.node import edit_trust
from gateway.trust import Role
from tests.helpers.nodes import EXPORTER, Harness, example

SUITES = [
    ("ed25519", "eddsa-jcs-2022"),
    ("p256", "ecdsa-jcs-2019"),
    ("p384", "ecdsa-jcs-2019"),
    ("ed25519", "eddsa-rdfc-2022"),
    ("p256", "ecdsa-rdfc-2019"),
    ("p384", "ecdsa-rdfc-2019"),
]


def _cfx(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err + out
    return out


@pytest.mark.parametrize(("key_type", "suite"), SUITES, ids=[f"{s}-{k}" for k, s in SUITES])
def test_suite_signs_submits_gets_and_verifies_end_to_end(
    harness: Harness,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key_type: str,
    suite: str,
):
    key = tmp_path / "issuer.key"
    did = _cfx(capsys, "keys", "generate", "--type", key_type, "--out", str(key)).strip()
    now = datetime.now(UTC)
    edit_trust(harness.paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, did, now))
    subject = example("valid/product-footprint-electronics-laptop.json")["credentialSubject"]
    subject["id"] = f"urn:uuid:{uuid.uuid4()}"
    (tmp_path / "dataset.json").write_text(json.dumps(subject), encoding="utf-8")
    signed = tmp_path / "signed.json"
    _cfx(capsys, "sign", "--key", str(key), "--suite", suite, str(tmp_path / "dataset.json"),
         "-o", str(signed))  # fmt: skip
    proof = json.loads(signed.read_bytes())["proof"]
    assert proof["cryptosuite"] == suite
    jcs = suite.endswith(("jcs-2022", "jcs-2019"))
    assert ("@context" in proof) is jcs

    remote = ("--server", harness.address, "--client-cert", str(harness.identities["exporter"]))
    submitted = _cfx(capsys, "submit", *remote, str(signed))
    name = re.search(r"accepted as (datasets/[0-9a-f-]{36})", submitted)
    assert name, submitted
    got, receipt = tmp_path / "got.json", tmp_path / "receipt.json"
    _cfx(capsys, "get", *remote, name.group(1), "-o", str(got), "--receipt", str(receipt))
    assert got.read_bytes() == signed.read_bytes()
    verified = _cfx(capsys, "verify", "--receipt", str(receipt),
                    "--log-key", str(harness.paths.root / "log.vkey"), str(got))  # fmt: skip
    assert verified.startswith("verified"), verified
    assert "receipt: entry" in verified
