"""`cfx pact clients|partners` as real commands (a `cfx` process each): the files they write are
owner-only (0600, in a 0700 directory), client secrets are stored hashed, and no secret is ever
printed, whatever the command."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.domain import NodeRole
from gateway.node import init_node

SECRET = "client-secret-do-not-print-0123"
PARTNER_SECRET = "partner-secret-do-not-print-4567"


@pytest.fixture
def node(tmp_path: Path) -> Path:
    return init_node(
        tmp_path / "node", role=NodeRole.NATIONAL, org="national", now=datetime.now(UTC)
    ).root


def cfx(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run `cfx …` in its own process; its output must not hold any secret."""
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    for secret in (SECRET, PARTNER_SECRET):
        assert secret not in done.stdout + done.stderr
    return done


def _owner_only(path: Path) -> None:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_clients_add_list_remove(node: Path) -> None:
    added = cfx("pact", "clients", "add", "--dir", str(node), "--org", "acme",
                "--client-id", "acme-tool", "--client-secret", SECRET)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "acme-tool" in added.stdout
    stored = node / "pact" / "clients.json"
    _owner_only(stored)
    assert SECRET not in stored.read_text(encoding="utf-8")  # hashed, never in clear
    listed = cfx("pact", "clients", "list", "--dir", str(node))
    assert listed.stdout.split() == ["acme-tool", "acme"]
    assert (
        cfx("pact", "clients", "remove", "--dir", str(node), "--client-id", "acme-tool").returncode
        == 0
    )
    assert cfx("pact", "clients", "list", "--dir", str(node)).stdout == ""
    again = cfx("pact", "clients", "remove", "--dir", str(node), "--client-id", "acme-tool")
    assert again.returncode == 1
    assert "no PACT client acme-tool" in again.stdout


def test_partners_add_and_list_keep_the_secret_in_an_owner_only_file(node: Path) -> None:
    added = cfx("pact", "partners", "add", "--dir", str(node), "--org", "buyer",
                "--events-url", "https://buyer.example/3/events",
                "--auth-url", "https://auth.buyer.example/auth/token",
                "--client-id", "our-id", "--client-secret", PARTNER_SECRET)  # fmt: skip
    assert added.returncode == 0, added.stderr
    stored = node / "pact" / "partners.json"
    _owner_only(stored)  # the secret is needed in clear to call the partner: 0600
    assert (
        json.loads(stored.read_text(encoding="utf-8"))["buyer"]["client_secret"] == PARTNER_SECRET
    )
    listed = cfx("pact", "partners", "list", "--dir", str(node))
    assert listed.stdout.split() == [
        "buyer", "https://buyer.example/3/events", "https://auth.buyer.example/auth/token"
    ]  # fmt: skip


def test_a_plain_http_partner_is_refused_and_nothing_is_written(node: Path) -> None:
    refused = cfx("pact", "partners", "add", "--dir", str(node), "--org", "buyer",
                  "--events-url", "http://buyer.example/3/events",
                  "--client-id", "our-id", "--client-secret", PARTNER_SECRET)  # fmt: skip
    assert refused.returncode != 0
    assert "HTTPS" in refused.stderr
    assert not (node / "pact" / "partners.json").exists()


def test_a_file_others_may_read_is_refused(node: Path) -> None:
    assert cfx("pact", "clients", "add", "--dir", str(node), "--org", "acme",
               "--client-id", "acme-tool", "--client-secret", SECRET).returncode == 0  # fmt: skip
    (node / "pact" / "clients.json").chmod(0o644)
    listed = cfx("pact", "clients", "list", "--dir", str(node))
    assert listed.returncode != 0
    assert "chmod 600" in listed.stderr
