"""Submit, get, list, verify, deprecate and watch round trips over real mTLS."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import grpc
import pytest

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import ClientError
from gateway.log.checkpoint import NoteKey, verify_checkpoint
from gateway.log.errors import LogError
from gateway.log.listing import ListedDataset, verify_list_answer
from gateway.log.receipt import verify_receipt
from gateway.rpc.convert import receipt_from_pb
from tests.helpers.nodes import Harness, example

BATTERY = "valid/product-footprint-power-battery-with-gec.json"
LAPTOP = "valid/product-footprint-electronics-laptop.json"


def _fresh_id(document: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document.pop("id", None)
    return document


def _check_receipt(harness: Harness, receipt: pb.Receipt, credential: bytes) -> None:
    identity = harness.node.log.identity
    cp = verify_receipt(
        receipt_from_pb(receipt),
        credential,
        identity.private_key.public_key(),
        identity.key_name,
        identity.origin,
    )
    assert cp.size == receipt.tree_size


def test_submit_then_get_returns_byte_identical_credential_and_valid_receipts(harness: Harness):
    credential = harness.sign(_fresh_id(example(BATTERY)))
    with harness.client() as client:
        submitted = client.submit(credential)
        got = client.get(submitted.dataset.name)
    assert got.dataset.credential == credential
    assert got.dataset.digest == hashlib.sha256(credential).hexdigest()
    assert got.dataset.kind == pb.DATASET_KIND_PRODUCT_FOOTPRINT
    assert got.dataset.status == pb.DATASET_STATUS_ACTIVE
    assert got.dataset.issuer == harness.exporter_key.did
    assert got.dataset.issuer_org == "sichuan-cells"
    _check_receipt(harness, submitted.receipt, credential)
    _check_receipt(harness, got.receipt, credential)


def test_resubmitting_the_same_bytes_is_idempotent(harness: Harness):
    credential = harness.sign(_fresh_id(example(BATTERY)))
    with harness.client() as client:
        first = client.submit(credential)
        size = harness.log_size()
        again = client.submit(credential)
    assert again.dataset.name == first.dataset.name
    assert again.dataset.log_index == first.dataset.log_index
    assert harness.log_size() == size


def test_same_dataset_id_with_other_bytes_is_already_exists(harness: Harness):
    document = _fresh_id(example(BATTERY))
    with harness.client() as client:
        client.submit(harness.sign(document))
        size = harness.log_size()
        changed = json.loads(json.dumps(document))
        changed["credentialSubject"]["comment"] = "a second, different version"
        with pytest.raises(ClientError) as err:
            client.submit(harness.sign(changed))
    assert err.value.code is grpc.StatusCode.ALREADY_EXISTS
    assert harness.log_size() == size


def test_list_is_bound_to_one_checkpoint_that_covers_every_item(harness: Harness):
    with harness.client() as client:
        for _ in range(2):
            client.submit(harness.sign(_fresh_id(example(LAPTOP))))
        page = client.list(ex.ListDatasetsRequest(kind=pb.DATASET_KIND_PRODUCT_FOOTPRINT))
    assert len(page.datasets) >= 2
    assert all(d.log_index < page.checkpoint.size for d in page.datasets)
    assert all(d.kind == pb.DATASET_KIND_PRODUCT_FOOTPRINT for d in page.datasets)


def test_list_pages_with_opaque_tokens(harness: Harness):
    with harness.client() as client:
        for _ in range(3):
            client.submit(harness.sign(_fresh_id(example(LAPTOP))))
        seen: list[str] = []
        token = ""
        while True:
            page = client.list(ex.ListDatasetsRequest(page_size=2, page_token=token))
            seen += [d.name for d in page.datasets]
            token = page.next_page_token
            if not token:
                break
    assert len(seen) == len(set(seen)) >= 3


def test_tampered_page_token_is_invalid_argument(harness: Harness):
    with harness.client() as client:
        for _ in range(3):
            client.submit(harness.sign(_fresh_id(example(LAPTOP))))
        page = client.list(ex.ListDatasetsRequest(page_size=1))
        assert page.next_page_token
        tampered = page.next_page_token[:-2] + ("AA" if page.next_page_token[-2:] != "AA" else "BB")
        with pytest.raises(ClientError) as err:
            client.list(ex.ListDatasetsRequest(page_size=1, page_token=tampered))
    assert err.value.code is grpc.StatusCode.INVALID_ARGUMENT


def test_verify_credential_reports_without_storing(harness: Harness):
    credential = harness.sign(_fresh_id(example(BATTERY)))
    size = harness.log_size()
    with harness.client() as client:
        report = client.verify(credential)
    assert report.verified
    assert report.kind == pb.DATASET_KIND_PRODUCT_FOOTPRINT
    assert report.issuer == harness.exporter_key.did
    assert [p.verified for p in report.proofs] == [True]
    assert report.proofs[0].cryptosuite == "eddsa-rdfc-2022"
    assert harness.log_size() == size


def test_verify_credential_reports_a_changed_value_as_not_verified(harness: Harness):
    document = json.loads(harness.sign(_fresh_id(example(BATTERY))))
    document["credentialSubject"]["pcf"]["fossilGhgEmissions"] = "1.90"
    with harness.client() as client:
        report = client.verify(json.dumps(document).encode())
    assert not report.verified
    assert report.proofs[0].reason


def test_exporter_deprecates_its_footprint_and_watchers_see_it(harness: Harness):
    document = _fresh_id(example(BATTERY))
    with harness.client() as client:
        submitted = client.submit(harness.sign(document))
        update = example("valid/status-update-deprecate-footprint.json")
        update = _fresh_id(update)
        update["credentialSubject"]["targetDatasetId"] = document["credentialSubject"]["id"]
        update["credentialSubject"]["action"] = "deprecate"
        response = client.deprecate(submitted.dataset.name, harness.sign(update))
        assert response.dataset.status == pb.DATASET_STATUS_DEPRECATED
        got = client.get(submitted.dataset.name)
        assert got.dataset.status == pb.DATASET_STATUS_DEPRECATED
        changes = list(client.watch(submitted.dataset.log_index, timeout=2))
    kinds = {(c.dataset.name, c.change_type) for c in changes}
    assert (submitted.dataset.name, ex.WatchDatasetsResponse.CHANGE_TYPE_DEPRECATED) in kinds


def test_get_of_missing_dataset_is_not_found_for_a_full_reader(harness: Harness):
    with harness.client("admin") as client, pytest.raises(ClientError) as err:
        client.get(f"datasets/{uuid.uuid4()}")
    assert err.value.code is grpc.StatusCode.NOT_FOUND
    assert err.value.reason == "DATASET_NOT_FOUND"


def test_log_service_serves_a_checkpoint_signed_by_the_node(harness: Harness):
    with harness.client() as client:
        client.submit(harness.sign(_fresh_id(example(BATTERY))))
        cp = client.checkpoint().checkpoint
    identity = harness.node.log.identity
    published = (harness.paths.root / "log.vkey").read_text(encoding="utf-8").strip()
    key = NoteKey.from_vkey(published)
    checked = verify_checkpoint(cp.note, key.public_key, key.name, origin=identity.origin)
    assert checked.size == cp.size >= 1
    assert checked.root_hash == cp.root_hash


def _status_update(harness: Harness, target: dict[str, Any], action: str) -> bytes:
    update = _fresh_id(example("valid/status-update-deprecate-footprint.json"))
    update["credentialSubject"]["targetDatasetId"] = target["credentialSubject"]["id"]
    update["credentialSubject"]["action"] = action
    return harness.sign(update)


def test_withdrawal_is_final_and_every_step_is_a_log_entry(harness: Harness):
    document = _fresh_id(example(BATTERY))
    with harness.client() as client:
        name = client.submit(harness.sign(document)).dataset.name
        size = harness.log_size()
        withdrawn = client.withdraw(name, _status_update(harness, document, "withdraw"))
        assert withdrawn.dataset.status == pb.DATASET_STATUS_WITHDRAWN
        assert withdrawn.receipt.log_index == size  # the status change is a new entry
        with pytest.raises(ClientError) as err:
            client.deprecate(name, _status_update(harness, document, "deprecate"))
    assert err.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert err.value.reason == "INVALID_STATUS_TRANSITION"
    assert harness.log_size() == size + 1


def test_status_update_must_name_the_dataset_and_the_action(harness: Harness):
    document = _fresh_id(example(BATTERY))
    other = _fresh_id(example(BATTERY))
    with harness.client() as client:
        name = client.submit(harness.sign(document)).dataset.name
        size = harness.log_size()
        with pytest.raises(ClientError) as wrong_target:
            client.deprecate(name, _status_update(harness, other, "deprecate"))
        with pytest.raises(ClientError) as wrong_action:
            client.deprecate(name, _status_update(harness, document, "withdraw"))
        assert client.get(name).dataset.status == pb.DATASET_STATUS_ACTIVE
    assert wrong_target.value.reason == "STATUS_UPDATE_TARGET_MISMATCH"
    assert wrong_action.value.reason == "STATUS_UPDATE_ACTION_MISMATCH"
    assert harness.log_size() == size


def test_list_answer_carries_proofs_that_verify_as_one_unit(harness: Harness):
    key = NoteKey.from_vkey((harness.paths.root / "log.vkey").read_text(encoding="utf-8"))
    with harness.client() as client:
        for _ in range(2):
            client.submit(harness.sign(_fresh_id(example(LAPTOP))))
        response, checked = client.list_verified(ex.ListDatasetsRequest(page_size=50), key)
    assert len(checked.entries) == len(response.datasets) >= 2
    assert checked.checkpoint.size == response.checkpoint.size


def test_list_answer_with_one_items_bytes_swapped_is_refused(harness: Harness):
    key = NoteKey.from_vkey((harness.paths.root / "log.vkey").read_text(encoding="utf-8"))
    with harness.client() as client:
        for _ in range(2):
            client.submit(harness.sign(_fresh_id(example(LAPTOP))))
        response = client.list(ex.ListDatasetsRequest(page_size=50))
    items = [
        ListedDataset(d.name, d.credential, p.log_index, p.entry, tuple(p.inclusion_proof))
        for d, p in zip(response.datasets, response.proofs, strict=True)
    ]
    first, second = items[0], items[1]
    mixed = [
        ListedDataset(
            first.name, second.credential, first.log_index, first.entry, first.inclusion_proof
        ),
        *items[1:],
    ]
    with pytest.raises(LogError):
        verify_list_answer(response.checkpoint.note, mixed, key)
