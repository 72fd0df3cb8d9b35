"""Node directories: init, keys and identities, the trust source, config loading.

The `cfx init|clients|trust` commands themselves: tests/integration/cli/test_init_clients_trust.py.
"""

from __future__ import annotations

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
from gateway.trust import Role, TrustRollbackError
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


def test_config_round_trip_and_validation():
    config = NodeConfig(role=NodeRole.NATIONAL, org="cn-national", limits=Limits(worker_threads=4))
    assert NodeConfig.from_dict(config.to_dict()) == config
    assert config.log_origin == "cfx.cn-national.national/log"
    base = config.to_dict()
    bad: object
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
    key = revoked.key(load_node_key(node).did)
    assert key is not None
    assert key.revoked
    node.trust.write_bytes(old_bytes)  # validly signed, but an older version
    _touch_later(node.trust)
    assert source.current() == revoked
    assert isinstance(source.last_error, TrustRollbackError)
