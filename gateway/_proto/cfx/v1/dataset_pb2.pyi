import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DatasetKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATASET_KIND_UNSPECIFIED: _ClassVar[DatasetKind]
    DATASET_KIND_PRODUCT_FOOTPRINT: _ClassVar[DatasetKind]
    DATASET_KIND_EMISSION_FACTOR: _ClassVar[DatasetKind]
    DATASET_KIND_ACCOUNTING_RULE: _ClassVar[DatasetKind]
    DATASET_KIND_ATTESTATION: _ClassVar[DatasetKind]
    DATASET_KIND_STATUS_UPDATE: _ClassVar[DatasetKind]

class DatasetStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATASET_STATUS_UNSPECIFIED: _ClassVar[DatasetStatus]
    DATASET_STATUS_ACTIVE: _ClassVar[DatasetStatus]
    DATASET_STATUS_DEPRECATED: _ClassVar[DatasetStatus]
    DATASET_STATUS_WITHDRAWN: _ClassVar[DatasetStatus]
DATASET_KIND_UNSPECIFIED: DatasetKind
DATASET_KIND_PRODUCT_FOOTPRINT: DatasetKind
DATASET_KIND_EMISSION_FACTOR: DatasetKind
DATASET_KIND_ACCOUNTING_RULE: DatasetKind
DATASET_KIND_ATTESTATION: DatasetKind
DATASET_KIND_STATUS_UPDATE: DatasetKind
DATASET_STATUS_UNSPECIFIED: DatasetStatus
DATASET_STATUS_ACTIVE: DatasetStatus
DATASET_STATUS_DEPRECATED: DatasetStatus
DATASET_STATUS_WITHDRAWN: DatasetStatus

class Dataset(_message.Message):
    __slots__ = ("name", "credential", "kind", "status", "issuer", "issuer_org", "digest", "receive_time", "product_ids", "classification_ids", "geography", "valid_from_time", "valid_until_time", "supersedes", "log_index", "warnings")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    ISSUER_ORG_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_IDS_FIELD_NUMBER: _ClassVar[int]
    CLASSIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    GEOGRAPHY_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_TIME_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDES_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    credential: bytes
    kind: DatasetKind
    status: DatasetStatus
    issuer: str
    issuer_org: str
    digest: str
    receive_time: _timestamp_pb2.Timestamp
    product_ids: _containers.RepeatedScalarFieldContainer[str]
    classification_ids: _containers.RepeatedScalarFieldContainer[str]
    geography: str
    valid_from_time: _timestamp_pb2.Timestamp
    valid_until_time: _timestamp_pb2.Timestamp
    supersedes: _containers.RepeatedScalarFieldContainer[str]
    log_index: int
    warnings: _containers.RepeatedCompositeFieldContainer[DatasetWarning]
    def __init__(self, name: _Optional[str] = ..., credential: _Optional[bytes] = ..., kind: _Optional[_Union[DatasetKind, str]] = ..., status: _Optional[_Union[DatasetStatus, str]] = ..., issuer: _Optional[str] = ..., issuer_org: _Optional[str] = ..., digest: _Optional[str] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., product_ids: _Optional[_Iterable[str]] = ..., classification_ids: _Optional[_Iterable[str]] = ..., geography: _Optional[str] = ..., valid_from_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., supersedes: _Optional[_Iterable[str]] = ..., log_index: _Optional[int] = ..., warnings: _Optional[_Iterable[_Union[DatasetWarning, _Mapping]]] = ...) -> None: ...

class DatasetWarning(_message.Message):
    __slots__ = ("field", "reason", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    description: str
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("origin", "size", "root_hash", "note")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    origin: str
    size: int
    root_hash: bytes
    note: str
    def __init__(self, origin: _Optional[str] = ..., size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., note: _Optional[str] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("log_index", "tree_size", "inclusion_proof", "checkpoint", "entry")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    tree_size: int
    inclusion_proof: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: Checkpoint
    entry: bytes
    def __init__(self, log_index: _Optional[int] = ..., tree_size: _Optional[int] = ..., inclusion_proof: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., entry: _Optional[bytes] = ...) -> None: ...
