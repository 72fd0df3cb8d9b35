"""The wire contract follows the AIPs it cites: int64 counts (AIP-141), `_time` timestamps
(AIP-142), field behaviours on every request and resource field (AIP-203), and the behaviour
annotation comes from googleapis-common-protos, not from a generated copy of our own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.api import field_behavior_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor

import gateway
from gateway._proto.cfx.v1 import (
    dataset_pb2,
    exchange_service_pb2,
    log_service_pb2,
    trust_service_pb2,
)

FILES: tuple[FileDescriptor, ...] = tuple(
    m.DESCRIPTOR for m in (dataset_pb2, exchange_service_pb2, log_service_pb2, trust_service_pb2)
)
RESOURCES = {"cfx.v1.Dataset", "cfx.v1.Organization", "cfx.v1.TrustedKey"}
_FB = field_behavior_pb2.FieldBehavior


def _messages(descriptors: list[Descriptor]) -> Iterator[Descriptor]:
    for message in descriptors:
        yield message
        yield from _messages(list(message.nested_types))


def _fields() -> Iterator[FieldDescriptor]:
    for file in FILES:
        for message in _messages(list(file.message_types_by_name.values())):
            yield from message.fields


def _behaviours(field: FieldDescriptor) -> list[int]:
    return list(field.GetOptions().Extensions[field_behavior_pb2.field_behavior])


def _annotated() -> list[FieldDescriptor]:
    return [
        f
        for f in _fields()
        if f.containing_type is not None
        and (f.containing_type.name.endswith("Request") or f.containing_type.full_name in RESOURCES)
    ]


def test_no_unsigned_integers_on_the_wire():
    unsigned = {FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64}
    assert [f.full_name for f in _fields() if f.type in unsigned] == []


def test_every_timestamp_field_ends_in_time():
    stamps = [
        f
        for f in _fields()
        if f.message_type is not None and f.message_type.full_name == "google.protobuf.Timestamp"
    ]
    assert stamps
    assert [f.full_name for f in stamps if not f.name.endswith("_time")] == []


@pytest.mark.parametrize("field", _annotated(), ids=lambda f: f.full_name)
def test_every_request_and_resource_field_states_its_behaviour(field: FieldDescriptor):
    assert _behaviours(field), f"{field.full_name} has no google.api.field_behavior"


def test_resource_names_are_identifiers_and_the_rest_is_output_only():
    for field in _annotated():
        if field.containing_type is None or field.containing_type.full_name not in RESOURCES:
            continue
        want = _FB.IDENTIFIER if field.name == "name" else _FB.OUTPUT_ONLY
        assert _behaviours(field) == [want], field.full_name


def test_request_ids_are_optional_and_request_payloads_required():
    by_name = {f.full_name: _behaviours(f) for f in _annotated()}
    for rpc in ("SubmitDataset", "DeprecateDataset", "WithdrawDataset"):
        assert by_name[f"cfx.v1.{rpc}Request.request_id"] == [_FB.OPTIONAL]
    assert by_name["cfx.v1.SubmitDatasetRequest.credential"] == [_FB.REQUIRED]
    assert by_name["cfx.v1.GetDatasetRequest.name"] == [_FB.REQUIRED]


def test_field_behavior_comes_from_googleapis_common_protos_not_a_generated_copy():
    repo = Path(gateway.__file__).resolve().parents[1]
    assert not list((repo / "gateway" / "_proto").rglob("*field_behavior*"))
    assert not Path(field_behavior_pb2.__file__).resolve().is_relative_to(repo / "gateway")
    assert Path(field_behavior_pb2.__file__).parent.parent.parent.name in {
        "site-packages",
        "dist-packages",
    }
    for file in FILES:
        assert "google/api/field_behavior.proto" in [d.name for d in file.dependencies]


def test_log_entries_carry_either_the_entry_or_its_leaf_hash():
    entry = log_service_pb2.LogEntry.DESCRIPTOR
    assert [f.name for f in entry.oneofs_by_name["content"].fields] == ["entry", "leaf_hash"]
