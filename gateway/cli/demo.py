"""`cfx demo`: the whole exchange on one machine, with nothing set up beforehand.

It creates a node directory (development CA, server certificate, operator identity, signed trust
registry), registers a Sichuan battery exporter with its own signing key, starts the real gRPC
server with mTLS on a free loopback port, signs a battery footprint that uses green electricity
certificates, submits it, checks the receipt offline, shows that a one-character change is
refused, and reads the exact bytes back.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gateway
from gateway.app import open_node, start
from gateway.client import CfxClient, ClientError
from gateway.log.receipt import verify_receipt
from gateway.node import NodeRole, add_client, edit_trust, init_node
from gateway.rpc.convert import receipt_from_pb
from gateway.trust import Role
from schemas.paths import PACKAGE_DIR
from signing.keys import generate_key
from signing.proofs import sign

FOOTPRINT = PACKAGE_DIR / "examples" / "valid" / "product-footprint-power-battery-with-gec.json"
EXPORTER = "sichuan-cells"


def register(sub: Any) -> None:
    """Add `cfx demo` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the end-to-end demonstration"
    )
    parser.add_argument("--dir", type=Path, help="keep the demo node here (default: a temp dir)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """`cfx demo`: one node, one exporter, a signed footprint submitted, fetched and proven."""
    print(f"cfx {gateway.__version__}: Carbon Footprint eXchange demonstration\n")
    if args.dir:
        return _demo(args.dir)
    with tempfile.TemporaryDirectory(prefix="cfx-demo-") as tmp:
        return _demo(Path(tmp))


def _step(n: int, text: str) -> None:
    print(f"[{n}] {text}")


def _demo(root: Path) -> int:
    now = datetime.now(UTC)
    paths = init_node(root / "node", role=NodeRole.PROVINCIAL, org="sichuan-db", now=now)
    _step(1, f"created provincial node 'sichuan-db' in {paths.root}")
    print("    development CA, server certificate, operator identity, signed trust registry")

    exporter_dir = root / "exporter"
    add_client(paths, org=EXPORTER, role=Role.EXPORTER, out=exporter_dir, now=now)
    key = generate_key("ed25519")
    edit_trust(paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
    _step(2, f"registered exporter '{EXPORTER}' with client certificate and signing key")
    print(f"    {key.did}")

    node = open_node(paths.root)
    server = start(node, listen="127.0.0.1:0")
    try:
        address = f"127.0.0.1:{server.port}"
        _step(3, f"node serving gRPC with mutual TLS on {address}")
        with CfxClient(address, exporter_dir) as client:
            return _exchange(client, key, node.log.identity, paths.root)
    finally:
        server.stop(1.0)
        node.close()


def _exchange(client: CfxClient, key: Any, identity: Any, node_dir: Path) -> int:
    document: dict[str, Any] = json.loads(FOOTPRINT.read_text(encoding="utf-8"))
    document.pop("proof", None)
    document["issuer"] = key.did
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    signed = sign(document, key)
    credential = json.dumps(signed, indent=2, ensure_ascii=False).encode()
    subject = signed["credentialSubject"]
    _step(4, f"signed footprint '{subject['productNameCompany']}' ({len(credential)} bytes)")
    print(
        f"    {subject['pcf']['pcfExcludingBiogenicUptake']} kgCO2e per "
        f"{subject['pcf']['declaredUnitOfMeasurement']}, proof {signed['proof']['cryptosuite']}"
    )

    accepted = client.submit(credential)
    dataset = accepted.dataset
    _step(5, f"accepted as {dataset.name} at log index {dataset.log_index}")
    checkpoint = verify_receipt(
        receipt_from_pb(accepted.receipt),
        credential,
        identity.private_key.public_key(),
        identity.key_name,
        identity.origin,
    )
    print(
        f"    receipt verified offline: included in '{checkpoint.origin}' tree of size "
        f"{checkpoint.size}, checkpoint signed by the node (key in {node_dir / 'log.vkey'})"
    )

    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["pcf"]["pcfExcludingBiogenicUptake"] = "6.24"
    tampered["credentialSubject"]["pcf"]["pcfIncludingBiogenicUptake"] = "6.24"
    try:
        client.submit(json.dumps(tampered).encode())
    except ClientError as err:
        _step(6, f"tampered copy (62.40 -> 6.24) refused: {err.code.name} {err.reason}")
    else:
        print("ERROR: a tampered footprint was accepted")
        return 1

    got = client.get(dataset.name)
    same = got.dataset.credential == credential
    _step(7, f"read back {dataset.name}: {'byte-identical' if same else 'DIFFERENT BYTES'}")
    if not same:
        return 1
    report = client.verify(got.dataset.credential)
    _step(
        8,
        f"VerifyCredential: verified={report.verified}, "
        f"proofs={[(p.cryptosuite, p.verified) for p in report.proofs]}",
    )
    print("\nDone: sign -> submit -> receipt -> tamper refused -> byte-identical read -> verify.")
    return 0 if report.verified else 1
