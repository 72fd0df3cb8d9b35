"""The README's example session, command for command, against a real `cfx serve`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.process import spawn_server
from tests.helpers.nodes import EXAMPLES


def cfx(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if ok:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.mark.slow
def test_readme_example_session(tmp_path: Path):
    cfx("init", "--dir", "node", "--role", "provincial", "--org", "sichuan-db", cwd=tmp_path)
    cfx(
        "clients",
        "add",
        "--dir",
        "node",
        "--org",
        "sichuan-cells",
        "--role",
        "exporter",
        "--out",
        "exporter",
        cwd=tmp_path,
    )
    did = cfx(
        "keys", "generate", "--type", "ed25519", "--out", "exporter.key", cwd=tmp_path
    ).stdout.strip()
    assert did.startswith("did:key:z6Mk")
    assert (tmp_path / "exporter.key").stat().st_mode & 0o077 == 0
    cfx(
        "trust",
        "add",
        "--dir",
        "node",
        "--org",
        "sichuan-cells",
        "--role",
        "exporter",
        "--did",
        did,
        cwd=tmp_path,
    )

    example = json.loads(
        (EXAMPLES / "valid" / "product-footprint-power-battery-with-gec.json").read_text()
    )
    (tmp_path / "footprint.json").write_text(json.dumps(example["credentialSubject"]))
    cfx(
        "sign",
        "--key",
        "exporter.key",
        "footprint.json",
        "-o",
        "footprint.signed.json",
        cwd=tmp_path,
    )
    assert "verified" in cfx("verify", "footprint.signed.json", cwd=tmp_path).stdout

    server = spawn_server(tmp_path / "node")
    try:
        remote = ("--server", server.address, "--client-cert", "exporter")
        submitted = cfx("submit", *remote, "footprint.signed.json", cwd=tmp_path).stdout
        name = re.search(r"accepted as (datasets/[0-9a-f-]{36})", submitted)
        assert name, submitted
        listed = cfx("list", *remote, "--kind", "ProductFootprint", cwd=tmp_path).stdout
        assert name.group(1) in listed
        cfx(
            "get",
            *remote,
            name.group(1),
            "-o",
            "got.json",
            "--receipt",
            "receipt.json",
            cwd=tmp_path,
        )
        signed = (tmp_path / "footprint.signed.json").read_bytes()
        assert (tmp_path / "got.json").read_bytes() == signed
        checked = cfx(
            "log",
            "verify",
            "--receipt",
            "receipt.json",
            "--credential",
            "got.json",
            "--log-key",
            "node/log.vkey",
            cwd=tmp_path,
        )
        assert checked.stdout.startswith("OK")
        # The same receipt does not vouch for other bytes.
        (tmp_path / "other.json").write_bytes(signed.replace(b"62.40", b"6.240"))
        refused = cfx(
            "log",
            "verify",
            "--receipt",
            "receipt.json",
            "--credential",
            "other.json",
            "--log-key",
            "node/log.vkey",
            cwd=tmp_path,
            ok=False,
        )
        assert refused.returncode == 1
        # `cfx verify --receipt`: proofs and receipt in one offline check.
        both = cfx(
            "verify",
            "--receipt",
            "receipt.json",
            "--log-key",
            "node/log.vkey",
            "got.json",
            cwd=tmp_path,
        )
        assert "receipt: entry" in both.stdout
        fresh_enough = cfx(
            "verify",
            "--receipt",
            "receipt.json",
            "--log-key",
            "node/log.vkey",
            "--max-age",
            "3600",
            "got.json",
            cwd=tmp_path,
        )
        assert "receipt: entry" in fresh_enough.stdout
        # Re-indented bytes still carry a valid proof (same graph) but not the receipt.
        reindented = json.dumps(json.loads(signed), indent=4).encode()
        (tmp_path / "reindented.json").write_bytes(reindented)
        moved = cfx(
            "verify",
            "--receipt",
            "receipt.json",
            "--log-key",
            "node/log.vkey",
            "reindented.json",
            cwd=tmp_path,
            ok=False,
        )
        assert moved.returncode == 1
        assert moved.stdout.startswith("verified")
        assert "receipt: NOT verified" in moved.stdout
        watched = cfx(
            "watch",
            "--server",
            server.address,
            "--client-cert",
            "node/clients/admin",
            "--for",
            "1",
            cwd=tmp_path,
        ).stdout
        assert name.group(1) in watched
        again = cfx("submit", *remote, "--json", "footprint.signed.json", cwd=tmp_path)
        assert json.loads(again.stdout)["dataset"]["name"] == name.group(1)
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
