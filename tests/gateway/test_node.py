"""Node directories: `cfx init`, `cfx clients add`, `cfx trust …`, config loading."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.domain import DatasetKind
from gateway.node import (
    ClientFiles,
    Limits,
    NodeConfig,
    NodeError,
    NodePaths,
    NodeRole,
    TrustSource,
    init_node,
    load_config,
    load_node_key,
    load_trust,
    open_node_store,
)
from gateway.pki import load_certified_key, uri_sans
from gateway.trust import RevokedKeyError, Role, TrustRollbackError
from signing.keys import generate_key


@pytest.fixture
def node(tmp_path: Path) -> NodePaths:
    return init_node(tmp_path / "node", role=NodeRole.PROVINCIAL, org="sichuan-ops")


def test_init_makes_a_ready_node(node: NodePaths):
    config = load_config(node)
    assert config.role == NodeRole.PROVINCIAL
    assert config.org == "sichuan-ops"
    assert config.listen == "127.0.0.1:7443"
    for path in (node.ca_cert, node.server_cert, node.trust, node.config):
        assert path.is_file()
    for secret in (node.ca_key, node.server_key, node.node_key, ClientFiles(node.client_dir()).key):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    ca = load_certified_key(node.ca_cert, node.ca_key)
    admin = ClientFiles(node.client_dir())
    admin_cert = load_certified_key(admin.cert, admin.key).cert
    admin_cert.verify_directly_issued_by(ca.cert)
    assert admin.ca.read_bytes() == node.ca_cert.read_bytes()
    load_certified_key(node.server_cert, node.server_key).cert.verify_directly_issued_by(ca.cert)


def test_init_registers_the_operator_key_and_admin_identity(node: NodePaths):
    key = load_node_key(node)
    registry = load_trust(node)
    org = registry.authorize_issuer(key.did, DatasetKind.EMISSION_FACTOR, _now())
    assert org.name == "sichuan-ops"
    assert org.roles == {Role.REGISTRY_OPERATOR}
    admin = ClientFiles(node.client_dir())
    (san,) = uri_sans(load_certified_key(admin.cert, admin.key).cert)
    assert registry.organization_for_peer(san) == org


def test_init_refuses_a_non_empty_directory_without_force(node: NodePaths):
    with pytest.raises(NodeError):
        init_node(node.root, role=NodeRole.NATIONAL, org="other")
    old_key = load_node_key(node).did
    init_node(node.root, role=NodeRole.NATIONAL, org="other", force=True)
    assert load_config(node).role == NodeRole.NATIONAL
    assert load_node_key(node).did != old_key
    assert load_trust(node).organization("other")


def test_default_store_is_sqlite_in_the_node_directory(node: NodePaths):
    with open_node_store(node, load_config(node)) as store:
        assert store.log_size() == 0
    assert (node.root / "cfx.sqlite3").is_file()


def test_trust_file_edited_by_hand_is_refused(node: NodePaths):
    document = json.loads(node.trust.read_text())
    document["signed"]["organizations"][0]["keys"].append(
        {"did": "did:key:z6MkIntruder", "added_at": "2026-01-01T00:00:00.000000Z"}
    )
    node.trust.write_text(json.dumps(document))
    assert main(["trust", "list", "--dir", str(node.root)]) == 2


def test_trust_source_follows_edits_and_ignores_tampering(node: NodePaths):
    source = TrustSource(node, load_node_key(node))
    did = generate_key("ed25519").did
    assert main(["trust", "add", "--dir", str(node.root), "--org", "acme", "--role",
                 "exporter", "--did", did]) == 0  # fmt: skip
    _touch_later(node.trust)
    assert source.current().authorize_issuer(did, DatasetKind.PRODUCT_FOOTPRINT, _now())
    good = source.current()
    node.trust.write_text(node.trust.read_text().replace('"exporter"', '"registry_operator"'))
    _touch_later(node.trust)
    assert source.current() == good
    assert source.last_error is not None


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


def test_config_round_trip_and_validation():
    config = NodeConfig(role=NodeRole.NATIONAL, org="cn-national", limits=Limits(worker_threads=4))
    assert NodeConfig.from_dict(config.to_dict()) == config
    assert config.log_origin == "cfx.cn-national.national/log"
    base = config.to_dict()
    for bad in (
        {**base, "format": "other"},
        {**base, "role": "emperor"},
        {**base, "listen": "no-port"},
        {**base, "extra": 1},
        {**base, "reflection": "yes"},
        {**base, "limits": {"max_message_bytes": -1}},
        {**base, "limits": {"max_concurrent_rpcs": 1.5}},
        {**base, "limits": {"unknown_limit": 1}},
        {**base, "org": 7},
        [],
    ):
        with pytest.raises(NodeError):
            NodeConfig.from_dict(bad)


def test_missing_config_is_a_node_error(tmp_path: Path):
    with pytest.raises(NodeError):
        load_config(NodePaths(tmp_path))


def _now():
    return datetime.now(UTC)


def _touch_later(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_trust_source_refuses_an_older_signed_trust_file_put_back(node: NodePaths):
    source = TrustSource(node, load_node_key(node))
    old_bytes = node.trust.read_bytes()
    assert main(["trust", "revoke", "--dir", str(node.root), "--did",
                 load_node_key(node).did]) == 0  # fmt: skip
    _touch_later(node.trust)
    revoked = source.current()
    assert revoked.key(load_node_key(node).did).revoked
    node.trust.write_bytes(old_bytes)  # validly signed, but an older version
    _touch_later(node.trust)
    assert source.current() == revoked
    assert isinstance(source.last_error, TrustRollbackError)
