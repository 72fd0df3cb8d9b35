import datetime

from gateway._proto.cfx.v1 import dataset_pb2 as _dataset_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KeyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_STATUS_UNSPECIFIED: _ClassVar[KeyStatus]
    KEY_STATUS_TRUSTED: _ClassVar[KeyStatus]
    KEY_STATUS_UNKNOWN: _ClassVar[KeyStatus]
    KEY_STATUS_REVOKED: _ClassVar[KeyStatus]

class FindingSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_SEVERITY_UNSPECIFIED: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_ERROR: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_WARNING: _ClassVar[FindingSeverity]
KEY_STATUS_UNSPECIFIED: KeyStatus
KEY_STATUS_TRUSTED: KeyStatus
KEY_STATUS_UNKNOWN: KeyStatus
KEY_STATUS_REVOKED: KeyStatus
FINDING_SEVERITY_UNSPECIFIED: FindingSeverity
FINDING_SEVERITY_ERROR: FindingSeverity
FINDING_SEVERITY_WARNING: FindingSeverity

class SubmitDatasetRequest(_message.Message):
    __slots__ = ("credential", "request_id")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    credential: bytes
    request_id: str
    def __init__(self, credential: _Optional[bytes] = ..., request_id: _Optional[str] = ...) -> None: ...

class SubmitDatasetResponse(_message.Message):
    __slots__ = ("dataset", "receipt")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    dataset: _dataset_pb2.Dataset
    receipt: _dataset_pb2.Receipt
    def __init__(self, dataset: _Optional[_Union[_dataset_pb2.Dataset, _Mapping]] = ..., receipt: _Optional[_Union[_dataset_pb2.Receipt, _Mapping]] = ...) -> None: ...

class GetDatasetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetDatasetResponse(_message.Message):
    __slots__ = ("dataset", "receipt", "origin_receipts")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    dataset: _dataset_pb2.Dataset
    receipt: _dataset_pb2.Receipt
    origin_receipts: _containers.RepeatedCompositeFieldContainer[_dataset_pb2.Receipt]
    def __init__(self, dataset: _Optional[_Union[_dataset_pb2.Dataset, _Mapping]] = ..., receipt: _Optional[_Union[_dataset_pb2.Receipt, _Mapping]] = ..., origin_receipts: _Optional[_Iterable[_Union[_dataset_pb2.Receipt, _Mapping]]] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "kind", "issuer", "product_id", "classification_id", "geography", "status", "valid_at_time")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    CLASSIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    GEOGRAPHY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALID_AT_TIME_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    kind: _dataset_pb2.DatasetKind
    issuer: str
    product_id: str
    classification_id: str
    geography: str
    status: _dataset_pb2.DatasetStatus
    valid_at_time: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[_Union[_dataset_pb2.DatasetKind, str]] = ..., issuer: _Optional[str] = ..., product_id: _Optional[str] = ..., classification_id: _Optional[str] = ..., geography: _Optional[str] = ..., status: _Optional[_Union[_dataset_pb2.DatasetStatus, str]] = ..., valid_at_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ("datasets", "next_page_token", "checkpoint", "proofs")
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    PROOFS_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[_dataset_pb2.Dataset]
    next_page_token: str
    checkpoint: _dataset_pb2.Checkpoint
    proofs: _containers.RepeatedCompositeFieldContainer[ListedProof]
    def __init__(self, datasets: _Optional[_Iterable[_Union[_dataset_pb2.Dataset, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., checkpoint: _Optional[_Union[_dataset_pb2.Checkpoint, _Mapping]] = ..., proofs: _Optional[_Iterable[_Union[ListedProof, _Mapping]]] = ...) -> None: ...

class ListedProof(_message.Message):
    __slots__ = ("log_index", "entry", "inclusion_proof")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    entry: bytes
    inclusion_proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, log_index: _Optional[int] = ..., entry: _Optional[bytes] = ..., inclusion_proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class VerifyCredentialRequest(_message.Message):
    __slots__ = ("credential", "expected_domain", "expected_challenge")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    credential: bytes
    expected_domain: str
    expected_challenge: str
    def __init__(self, credential: _Optional[bytes] = ..., expected_domain: _Optional[str] = ..., expected_challenge: _Optional[str] = ...) -> None: ...

class ProofResult(_message.Message):
    __slots__ = ("cryptosuite", "verification_method", "controller", "proof_purpose", "create_time", "verified", "reason", "message", "key_status")
    CRYPTOSUITE_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_METHOD_FIELD_NUMBER: _ClassVar[int]
    CONTROLLER_FIELD_NUMBER: _ClassVar[int]
    PROOF_PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    KEY_STATUS_FIELD_NUMBER: _ClassVar[int]
    cryptosuite: str
    verification_method: str
    controller: str
    proof_purpose: str
    create_time: _timestamp_pb2.Timestamp
    verified: bool
    reason: str
    message: str
    key_status: KeyStatus
    def __init__(self, cryptosuite: _Optional[str] = ..., verification_method: _Optional[str] = ..., controller: _Optional[str] = ..., proof_purpose: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., verified: _Optional[bool] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., key_status: _Optional[_Union[KeyStatus, str]] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "reason", "description", "severity")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    field: str
    reason: str
    description: str
    severity: FindingSeverity
    def __init__(self, field: _Optional[str] = ..., reason: _Optional[str] = ..., description: _Optional[str] = ..., severity: _Optional[_Union[FindingSeverity, str]] = ...) -> None: ...

class VerifyCredentialResponse(_message.Message):
    __slots__ = ("verified", "kind", "issuer", "proofs", "violations", "digest", "trust_reason")
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    PROOFS_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    TRUST_REASON_FIELD_NUMBER: _ClassVar[int]
    verified: bool
    kind: _dataset_pb2.DatasetKind
    issuer: str
    proofs: _containers.RepeatedCompositeFieldContainer[ProofResult]
    violations: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    digest: str
    trust_reason: str
    def __init__(self, verified: _Optional[bool] = ..., kind: _Optional[_Union[_dataset_pb2.DatasetKind, str]] = ..., issuer: _Optional[str] = ..., proofs: _Optional[_Iterable[_Union[ProofResult, _Mapping]]] = ..., violations: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ..., digest: _Optional[str] = ..., trust_reason: _Optional[str] = ...) -> None: ...

class DeprecateDatasetRequest(_message.Message):
    __slots__ = ("name", "status_update", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_UPDATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    status_update: bytes
    request_id: str
    def __init__(self, name: _Optional[str] = ..., status_update: _Optional[bytes] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeprecateDatasetResponse(_message.Message):
    __slots__ = ("dataset", "receipt")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    dataset: _dataset_pb2.Dataset
    receipt: _dataset_pb2.Receipt
    def __init__(self, dataset: _Optional[_Union[_dataset_pb2.Dataset, _Mapping]] = ..., receipt: _Optional[_Union[_dataset_pb2.Receipt, _Mapping]] = ...) -> None: ...

class WithdrawDatasetRequest(_message.Message):
    __slots__ = ("name", "status_update", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_UPDATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    status_update: bytes
    request_id: str
    def __init__(self, name: _Optional[str] = ..., status_update: _Optional[bytes] = ..., request_id: _Optional[str] = ...) -> None: ...

class WithdrawDatasetResponse(_message.Message):
    __slots__ = ("dataset", "receipt")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    dataset: _dataset_pb2.Dataset
    receipt: _dataset_pb2.Receipt
    def __init__(self, dataset: _Optional[_Union[_dataset_pb2.Dataset, _Mapping]] = ..., receipt: _Optional[_Union[_dataset_pb2.Receipt, _Mapping]] = ...) -> None: ...

class WatchDatasetsRequest(_message.Message):
    __slots__ = ("start_log_index", "kind")
    START_LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    start_log_index: int
    kind: _dataset_pb2.DatasetKind
    def __init__(self, start_log_index: _Optional[int] = ..., kind: _Optional[_Union[_dataset_pb2.DatasetKind, str]] = ...) -> None: ...

class WatchDatasetsResponse(_message.Message):
    __slots__ = ("change_type", "dataset", "log_index")
    class ChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CHANGE_TYPE_UNSPECIFIED: _ClassVar[WatchDatasetsResponse.ChangeType]
        CHANGE_TYPE_ACCEPTED: _ClassVar[WatchDatasetsResponse.ChangeType]
        CHANGE_TYPE_DEPRECATED: _ClassVar[WatchDatasetsResponse.ChangeType]
        CHANGE_TYPE_WITHDRAWN: _ClassVar[WatchDatasetsResponse.ChangeType]
    CHANGE_TYPE_UNSPECIFIED: WatchDatasetsResponse.ChangeType
    CHANGE_TYPE_ACCEPTED: WatchDatasetsResponse.ChangeType
    CHANGE_TYPE_DEPRECATED: WatchDatasetsResponse.ChangeType
    CHANGE_TYPE_WITHDRAWN: WatchDatasetsResponse.ChangeType
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    change_type: WatchDatasetsResponse.ChangeType
    dataset: _dataset_pb2.Dataset
    log_index: int
    def __init__(self, change_type: _Optional[_Union[WatchDatasetsResponse.ChangeType, str]] = ..., dataset: _Optional[_Union[_dataset_pb2.Dataset, _Mapping]] = ..., log_index: _Optional[int] = ...) -> None: ...
