"""Every fuzzer finding (fuzz/, `make fuzz`) as a regression test, with its minimized input.

A finding that another change fixes stays a strict xfail naming it, and is listed in
fuzz/common.py KNOWN so fuzzing can go on past it; when the fix lands, this test XPASSes (a
failure): remove the marker here and the entry in KNOWN.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from gateway.node import NodeRole, init_node
from signing.keys import generate_key
from tests.helpers.attacks import fresh, signed_bytes

#: What the fuzzer found in `cli_readers` (scenario 4), minimized: one byte that is not UTF-8.
NOT_UTF8 = b"\x83"


def _cfx(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _assert_one_line_error(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("cfx: error:"), done.stderr


def test_binary_log_key_for_verify_receipt_is_an_error_not_a_traceback(tmp_path: Path):
    # fuzz target cli_readers: UnicodeDecodeError out of gateway/cli/verify.py:_check_receipt.
    credential = tmp_path / "credential.json"
    credential.write_bytes(signed_bytes(fresh(), generate_key("ed25519")))
    log_key = tmp_path / "log.vkey"
    log_key.write_bytes(NOT_UTF8)
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(b"{}")
    _assert_one_line_error(_cfx("verify", "--receipt", receipt, "--log-key", log_key, credential))


def test_binary_peer_key_for_witness_is_an_error_not_a_traceback(tmp_path: Path):
    # fuzz target cli_readers: UnicodeDecodeError out of gateway/witnessing.py:read_peer_key,
    # which `cfx witness` calls before it connects (the peer address is never dialled).
    peer_key = tmp_path / "peer.vkey"
    peer_key.write_bytes(NOT_UTF8)
    init_node(tmp_path / "node", role=NodeRole.NATIONAL, org="national", now=datetime.now(UTC))
    _assert_one_line_error(
        _cfx(
            "witness",
            "--dir",
            tmp_path / "node",
            "--peer",
            "127.0.0.1:1",
            "--client-cert",
            tmp_path / "identity",
            "--log-key",
            peer_key,
        )
    )
