"""`cfx init`, `cfx clients add`, `cfx trust add|revoke|list` on a node directory."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.domain import DatasetKind
from gateway.node import ClientFiles, NodePaths, NodeRole, init_node, load_node_key, load_trust
from gateway.pki import load_certified_key, uri_sans
from gateway.trust import RevokedKeyError, Role
from signing.keys import generate_key


@pytest.fixture
def node(tmp_path: Path) -> NodePaths:
    return init_node(tmp_path / "node", role=NodeRole.PROVINCIAL, org="sichuan-ops")


def _now():
    return datetime.now(UTC)


def test_trust_file_edited_by_hand_is_refused(node: NodePaths):
    document = json.loads(node.trust.read_text())
    document["signed"]["organizations"][0]["keys"].append(
        {"did": "did:key:z6MkIntruder", "added_at": "2026-01-01T00:00:00.000000Z"}
    )
    node.trust.write_text(json.dumps(document))
    assert main(["trust", "list", "--dir", str(node.root)]) == 2


def test_cli_trust_add_revoke_list(node: NodePaths, capsys):
    root = str(node.root)
    old, new = generate_key("ed25519").did, generate_key("ed25519").did
    assert main(["trust", "add", "--dir", root, "--org", "cqc", "--role", "certifier",
                 "--did", old, "--display-name", "China Quality Certification"]) == 0  # fmt: skip
    assert main(["trust", "add", "--dir", root, "--org", "cqc", "--role", "certifier",
                 "--did", new]) == 0  # fmt: skip
    assert main(["trust", "revoke", "--dir", root, "--did", old]) == 0
    assert main(["trust", "add", "--dir", root, "--org", "cqc", "--role", "certifier",
                 "--threshold", "1"]) == 0  # fmt: skip
    assert main(["trust", "add", "--dir", root, "--org", "cqc", "--role", "certifier",
                 "--threshold", "0"]) == 2  # fmt: skip
    registry = load_trust(node)
    assert registry.authorize_issuer(new, DatasetKind.ATTESTATION, _now()).name == "cqc"
    with pytest.raises(RevokedKeyError):
        registry.authorize_issuer(old, DatasetKind.ATTESTATION, _now())
    capsys.readouterr()
    assert main(["trust", "list", "--dir", root]) == 0
    text = capsys.readouterr().out
    assert "China Quality Certification" in text
    assert "REVOKED" in text
    assert "signatures required: 1" in text
    assert main(["trust", "list", "--dir", root, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {o["name"] for o in listed["organizations"]} == {"cqc", "sichuan-ops"}


def test_cli_trust_add_refuses_a_did_owned_by_another_org(node: NodePaths, capsys):
    did = load_node_key(node).did
    code = main(["trust", "add", "--dir", str(node.root), "--org", "thief", "--role",
                 "exporter", "--did", did])  # fmt: skip
    assert code == 2
    assert "already registered" in capsys.readouterr().err


def test_cli_clients_add_issues_and_registers_an_identity(node: NodePaths, tmp_path: Path):
    out = tmp_path / "acme-client"
    assert main(["clients", "add", "--dir", str(node.root), "--org", "acme", "--role",
                 "exporter", "--out", str(out)]) == 0  # fmt: skip
    files = ClientFiles(out)
    cert = load_certified_key(files.cert, files.key).cert
    assert uri_sans(cert) == ["spiffe://cfx/org/acme/exporter"]
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    org = load_trust(node).organization_for_peer("spiffe://cfx/org/acme/exporter")
    assert org is not None
    assert org.roles == {Role.EXPORTER}
    # A second certificate for the same identity is fine; the registry keeps one entry.
    assert main(["clients", "add", "--dir", str(node.root), "--org", "acme", "--role",
                 "exporter", "--out", str(tmp_path / "second")]) == 0  # fmt: skip
    assert len(load_trust(node).organization("acme").identities) == 1


def test_cli_init_prints_next_steps(tmp_path: Path, capsys):
    root = tmp_path / "n"
    assert main(["init", "--dir", str(root), "--role", "registry", "--org", "eu-registry"]) == 0
    assert "cfx serve --dir" in capsys.readouterr().out
    assert main(["init", "--dir", str(root), "--role", "registry", "--org", "x"]) == 2


@pytest.mark.parametrize("org", ["Sichuan Ops", "../etc", ""])
def test_init_refuses_org_names_unusable_in_names_and_certificates(tmp_path: Path, org):
    assert main(["init", "--dir", str(tmp_path / "n"), "--role", "national", "--org", org]) == 2
