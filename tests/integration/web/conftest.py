"""A real node (tests.helpers.nodes) serving the page over HTTPS with its TLS certificate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette

from gateway.http.server import HttpServer, serve
from gateway.node import edit_trust
from gateway.rpc.convert import receipt_from_pb
from gateway.trust import Role
from gateway.web.sites import node_routes, node_tls
from signing.keys import generate_key
from tests.helpers.nodes import EXPORTER, Harness, example, make_node

FOOTPRINT = "valid/product-footprint-power-battery-with-gec.json"


@dataclass
class Files:
    """Credential files as a certifier would receive them."""

    good: Path
    tampered: Path
    revoked: Path
    submitted: Path
    receipt: Path
    # The submitted credential's dataset name on the node.
    name: str


@dataclass
class Site:
    harness: Harness
    web: HttpServer
    files: Files

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.web.port}"


def _files(h: Harness, out: Path) -> Files:
    good = h.sign(example(FOOTPRINT))
    document = json.loads(good)
    document["credentialSubject"]["pcf"]["pcfExcludingBiogenicUptake"] = "6.24"
    revoked_key = generate_key("ed25519")
    now = datetime.now(UTC)
    edit_trust(h.paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, revoked_key.did, now))
    revoked = h.sign(example(FOOTPRINT), revoked_key)
    edit_trust(h.paths, lambda r: r.revoke_key(revoked_key.did, datetime.now(UTC)))
    submitted = h.sign(example(FOOTPRINT))
    with h.client() as client:
        answer = client.submit(submitted)
    receipt = receipt_from_pb(answer.receipt).to_json()
    paths = {
        "good": good,
        "tampered": json.dumps(document, indent=1).encode(),
        "revoked": revoked,
        "submitted": submitted,
        "receipt": receipt,
    }
    out.mkdir()
    for name, data in paths.items():
        (out / f"{name}.json").write_bytes(data)
    return Files(**{name: out / f"{name}.json" for name in paths}, name=answer.dataset.name)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("web")
    nodes = make_node(root)
    h = next(nodes)
    files = _files(h, root / "upload")
    web = serve(Starlette(routes=node_routes(h.node)), "127.0.0.1:0", tls=node_tls(h.node))
    try:
        yield Site(h, web, files)
    finally:
        assert web.stop()
        next(nodes, None)
