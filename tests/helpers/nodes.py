"""A real node for service tests: `cfx init` layout, real mTLS on 127.0.0.1 port 0, real store.

Organizations in the harness:
- `national` (registry_operator): the node's own operator, identity NODE/clients/admin
- `sichuan-cells` (exporter): a client identity and an Ed25519 signing key
- `cert-body` (certifier): a client identity, no signing key
- `stranger`: a certificate from this node's CA whose SAN is not in the trust registry
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway import pki
from gateway.app import Node, open_node, start
from gateway.client import CfxClient
from gateway.node import (
    NodePaths,
    NodeRole,
    add_client,
    edit_trust,
    init_node,
    load_config,
    save_config,
)
from gateway.server import RunningServer
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from signing.proofs import sign
from tests.helpers.gec import fresh_serials
from tests.helpers.paths import SCHEMA_EXAMPLES

EXAMPLES = SCHEMA_EXAMPLES
EXPORTER = "sichuan-cells"


def example(relative: str) -> dict[str, Any]:
    """An example document; a footprint's GEC serials are fresh (the GEC ledger, issue 14)."""
    document: dict[str, Any] = json.loads((EXAMPLES / relative).read_text(encoding="utf-8"))
    return fresh_serials(document)


def as_issuer(document: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    """An unsigned copy of `document` issued by `key`'s DID (proofs dropped)."""
    unsigned = copy.deepcopy(document)
    unsigned.pop("proof", None)
    unsigned["issuer"] = key.did
    return unsigned


def signed_bytes(document: dict[str, Any], key: PrivateKey) -> bytes:
    return json.dumps(sign(as_issuer(document, key), key), indent=1).encode()


@dataclass
class Harness:
    paths: NodePaths
    node: Node
    server: RunningServer
    exporter_key: PrivateKey
    identities: dict[str, Path]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def client(self, who: str = "exporter", **kw: Any) -> CfxClient:
        return CfxClient(self.address, self.identities[who], **kw)

    def sign(self, document: dict[str, Any], key: PrivateKey | None = None) -> bytes:
        return signed_bytes(document, key or self.exporter_key)

    def log_size(self) -> int:
        return self.node.store.log_size()


def as_role(role: NodeRole) -> Callable[[NodePaths], None]:
    """A `make_node` configure hook giving the node `role` (and so its default profile policy)."""

    def configure(paths: NodePaths) -> None:
        save_config(paths, replace(load_config(paths), role=role))

    return configure


def make_node(
    root: Path,
    store_url: str | None = None,
    configure: Callable[[NodePaths], None] | None = None,
) -> Iterator[Harness]:
    now = datetime.now(UTC)
    paths = init_node(root / "node", role=NodeRole.NATIONAL, org="national", now=now)
    identities = {"admin": paths.client_dir()}
    identities["exporter"] = root / "exporter"
    add_client(paths, org=EXPORTER, role=Role.EXPORTER, out=identities["exporter"], now=now)
    identities["certifier"] = root / "certifier"
    add_client(paths, org="cert-body", role=Role.CERTIFIER, out=identities["certifier"], now=now)
    exporter_key = generate_key("ed25519")
    edit_trust(paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, exporter_key.did, now))
    identities["stranger"] = _stranger(paths, root / "stranger")
    if configure is not None:
        configure(paths)
    node = open_node(paths.root, store_url=store_url)
    server = start(node, listen="127.0.0.1:0")
    try:
        yield Harness(paths, node, server, exporter_key, identities)
    finally:
        server.stop(0)
        node.close()


def _stranger(paths: NodePaths, out: Path) -> Path:
    """A certificate our CA signed but whose SAN no organization owns (never registered)."""
    ca = pki.load_certified_key(paths.ca_cert, paths.ca_key)
    client = pki.issue_client_cert(ca, "stranger", "exporter")
    out.mkdir(mode=0o700)
    pki.write_certified_key(client, out / "cert.pem", out / "key.pem")
    (out / "ca.pem").write_bytes(paths.ca_cert.read_bytes())
    return out


SignFn = Callable[[dict[str, Any]], bytes]
