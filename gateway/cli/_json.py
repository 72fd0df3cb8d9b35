"""One JSON shape for everything the CLI prints with `--json`.

- Keys are camelCase, as in the credentials themselves (JSON-LD, PACT) and in proto3's JSON
  mapping; numbers are JSON numbers, int64 included (proto3 JSON writes those as strings, which a
  script then has to convert: `"size": "41"`).
- Values have one spelling, the same as in the text output and in the data: a dataset kind as the
  credential's `type` (`ProductFootprint`), a status as the StatusUpdate's word (`active`,
  `deprecated`, `withdrawn`); any other proto enum as its name without the enum's prefix, in
  lower case (`CHANGE_TYPE_ACCEPTED` -> `accepted`).
- Every field is present, at its default too; credential bytes are left out (`cfx get -o`
  writes them exactly); a Timestamp is RFC 3339.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from gateway._proto.cfx.v1 import dataset_pb2 as pb

#: Dataset kinds as the credential's `credentialSubject.type` spells them.
KINDS: dict[str, pb.DatasetKind] = {
    "ProductFootprint": pb.DATASET_KIND_PRODUCT_FOOTPRINT,
    "EmissionFactor": pb.DATASET_KIND_EMISSION_FACTOR,
    "AccountingRule": pb.DATASET_KIND_ACCOUNTING_RULE,
    "Attestation": pb.DATASET_KIND_ATTESTATION,
    "StatusUpdate": pb.DATASET_KIND_STATUS_UPDATE,
}
KIND_NAMES: dict[int, str] = {int(value): name for name, value in KINDS.items()}

_SNAKE = re.compile(r"_([a-z0-9])")
_SKIPPED_BYTES = frozenset({"credential"})


def kind_name(value: int) -> str:
    """`ProductFootprint` for DATASET_KIND_PRODUCT_FOOTPRINT; '' for unspecified."""
    return KIND_NAMES.get(value, "")


def enum_name(enum: EnumDescriptor, value: int) -> str:
    """An enum value as cfx spells it (see the module docstring)."""
    if enum.full_name == pb.DatasetKind.DESCRIPTOR.full_name:
        return kind_name(value)
    name = enum.values_by_number[value].name if value in enum.values_by_number else str(value)
    prefix = _upper_snake(enum.name) + "_"
    return name.removeprefix(prefix).lower()


def _upper_snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper()


def camel(key: str) -> str:
    """`next_page_token` -> `nextPageToken` (keys already camelCase are unchanged)."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), key)


def camel_keys(value: Any) -> Any:
    """`value` with every dict key camelCased, recursively (for the CLI's own dicts)."""
    if isinstance(value, dict):
        return {camel(str(k)): camel_keys(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [camel_keys(v) for v in value]
    return value


def proto_json(message: Message) -> dict[str, Any]:
    """A message as cfx's JSON (see the module docstring). Every field is there, at its default
    too (a script reads `logIndex: 0` rather than a missing key), except unset sub-messages and
    optional fields."""
    out: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        if field.type == FieldDescriptor.TYPE_BYTES and field.name in _SKIPPED_BYTES:
            continue
        if field.has_presence and not message.HasField(field.name):
            continue
        value = getattr(message, field.name)
        if _is_map(field):
            out[field.json_name] = {k: _map_value(field, v) for k, v in value.items()}
        elif field.is_repeated:
            out[field.json_name] = [_field_value(field, v) for v in value]
        else:
            out[field.json_name] = _field_value(field, value)
    return out


def _is_map(field: Any) -> bool:
    entry = field.message_type
    return entry is not None and entry.GetOptions().map_entry


def _map_value(field: Any, value: Any) -> Any:
    entry = field.message_type
    assert entry is not None
    return _field_value(entry.fields_by_name["value"], value)


def _field_value(field: Any, value: Any) -> Any:  # a FieldDescriptor (python or upb)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if isinstance(value, Timestamp):
            return value.ToJsonString()
        return proto_json(value)
    if field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
        return enum_name(field.enum_type, value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode("ascii")
    return value  # int64 stays an int, str a str, bool a bool
