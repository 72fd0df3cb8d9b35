"""R6 end to end: a real node's ListDatasets answer verifies as one unit against its checkpoint,
and an item proven against a later log state is refused as mix-and-match.

The per-item proofs are fetched with GetInclusionProof at the answer's tree size, since
ListDatasetsResponse carries only the checkpoint and each dataset's log index.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import cast

import pytest

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import log_service_pb2 as lg
from gateway.client import CfxClient
from gateway.log.checkpoint import NoteKey
from gateway.log.entry import DatasetAccepted
from gateway.log.errors import DigestMismatchError, MixAndMatchError
from gateway.log.listing import ListedDataset, verify_list_answer
from gateway.rpc.convert import receipt_from_pb
from tests.helpers.nodes import Harness, example, make_node

LAPTOP = "valid/product-footprint-electronics-laptop.json"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    yield from make_node(tmp_path)


def _fresh(harness: Harness) -> bytes:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document.pop("id", None)
    return harness.sign(json.loads(json.dumps(document)))


def _listed(client: CfxClient, dataset, tree_size: int) -> ListedDataset:
    # CfxClient has no GetInclusionProof helper: call the stub through its error mapping.
    request = lg.GetInclusionProofRequest(log_index=dataset.log_index, tree_size=tree_size)
    receipt = receipt_from_pb(client._call(client._log.GetInclusionProof, request).receipt)
    return ListedDataset(
        name=dataset.name,
        credential=dataset.credential,
        log_index=receipt.log_index,
        entry=receipt.entry,
        inclusion_proof=receipt.inclusion_proof,
    )


def test_list_answer_verifies_as_one_unit_and_a_later_item_is_mix_and_match(harness: Harness):
    key = NoteKey.from_vkey((harness.paths.root / "log.vkey").read_text(encoding="utf-8"))
    origin = harness.node.log.identity.origin
    with harness.client() as client:
        for _ in range(3):
            client.submit(_fresh(harness))
        page = client.list(ex.ListDatasetsRequest())
        size = page.checkpoint.size
        items = [_listed(client, d, size) for d in page.datasets]
        verified = verify_list_answer(page.checkpoint.note, items, key, origin=origin)
        assert [cast("DatasetAccepted", e).dataset for e in verified.entries] == [
            d.name for d in page.datasets
        ]
        assert verified.checkpoint.size == size >= len(items) == 3

        # A dataset accepted after the answer was made, with its own genuine receipt.
        later = client.submit(_fresh(harness))
        spliced = ListedDataset(
            name=later.dataset.name,
            credential=later.dataset.credential,
            log_index=later.receipt.log_index,
            entry=later.receipt.entry,
            inclusion_proof=tuple(later.receipt.inclusion_proof),
        )
        with pytest.raises(MixAndMatchError):
            verify_list_answer(page.checkpoint.note, [*items, spliced], key, origin=origin)
        # Bytes served for one item that are not the bytes its entry commits to (R8).
        swapped = replace(items[1], credential=items[2].credential)
        with pytest.raises(DigestMismatchError):
            verify_list_answer(page.checkpoint.note, [items[0], swapped], key, origin=origin)
