"""What `cfx verify --chain` checks, fetched from one node and written to files (issue 14):
a footprint's exact bytes, the node's receipt and the origin receipts it keeps, and every active
attestation of those bytes held there, each with its receipts (`cfx get --with-receipts DIR`).

A withdrawn attestation is left out (and counted): a revoked opinion is no link of the chain,
and offline checking could not tell it was revoked.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import CfxClient
from gateway.log.receipt import Receipt
from gateway.rpc.convert import receipt_from_pb
from schemas import strict_json
from schemas.facets import index_facets

_PAGE = 100


@dataclass
class ChainBundle:
    """A footprint with its receipts, and its active attestations with theirs."""

    footprint: bytes
    receipts: list[Receipt]
    attestations: list[bytes] = field(default_factory=list)
    attestation_receipts: list[Receipt] = field(default_factory=list)
    withdrawn: int = 0


def _receipts(got: ex.GetDatasetResponse) -> list[Receipt]:
    return [receipt_from_pb(got.receipt), *(receipt_from_pb(r) for r in got.origin_receipts)]


def _attests(credential: bytes, digest: str) -> bool:
    try:
        return index_facets(strict_json.loads_object(credential)).attested_digest == digest
    except strict_json.JSONInputError:
        return False


def _attestations(client: CfxClient, digest: str) -> list[pb.Dataset]:
    """The attestations of the bytes with SHA-256 `digest` the caller may read at the node."""
    found, token = [], ""
    while True:
        page = client.list(
            ex.ListDatasetsRequest(
                kind=pb.DATASET_KIND_ATTESTATION, page_size=_PAGE, page_token=token
            )
        )
        found += [d for d in page.datasets if _attests(d.credential, digest)]
        token = page.next_page_token
        if not token:
            return found


def fetch_bundle(client: CfxClient, name: str) -> ChainBundle:
    """The chain bundle of dataset `name` at the node `client` talks to."""
    got = client.get(name)
    footprint = got.dataset.credential
    bundle = ChainBundle(footprint, _receipts(got))
    for attestation in _attestations(client, hashlib.sha256(footprint).hexdigest()):
        if attestation.status != pb.DATASET_STATUS_ACTIVE:
            bundle.withdrawn += 1
            continue
        held = client.get(attestation.name)
        bundle.attestations.append(held.dataset.credential)
        bundle.attestation_receipts += _receipts(held)
    return bundle


def bundle_files(bundle: ChainBundle) -> dict[str, bytes]:
    """File name -> bytes for `bundle`: the credentials as their exact bytes, receipts as JSON."""
    files = {"footprint.json": bundle.footprint}
    receipts = [*bundle.receipts, *bundle.attestation_receipts]
    for number, raw in enumerate(bundle.attestations, 1):
        files[f"attestation-{number}.json"] = raw
    for number, receipt in enumerate(receipts, 1):
        files[f"receipt-{number}.json"] = (json.dumps(receipt.to_dict(), indent=2) + "\n").encode()
    return files


def write_bundle(bundle: ChainBundle, directory: Path) -> list[Path]:
    """Write `bundle` into `directory` (created if missing); the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, data in bundle_files(bundle).items():
        path = directory / file_name
        path.write_bytes(data)
        written.append(path)
    return written
