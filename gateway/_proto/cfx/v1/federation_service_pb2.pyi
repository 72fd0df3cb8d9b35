from gateway._proto.cfx.v1 import log_service_pb2 as _log_service_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetNodeInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetNodeInfoResponse(_message.Message):
    __slots__ = ("organization", "node_role", "log_origin", "trust_registry", "delegations")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    NODE_ROLE_FIELD_NUMBER: _ClassVar[int]
    LOG_ORIGIN_FIELD_NUMBER: _ClassVar[int]
    TRUST_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    DELEGATIONS_FIELD_NUMBER: _ClassVar[int]
    organization: str
    node_role: str
    log_origin: str
    trust_registry: bytes
    delegations: bytes
    def __init__(self, organization: _Optional[str] = ..., node_role: _Optional[str] = ..., log_origin: _Optional[str] = ..., trust_registry: _Optional[bytes] = ..., delegations: _Optional[bytes] = ...) -> None: ...

class PullEntriesRequest(_message.Message):
    __slots__ = ("start_index", "tree_size", "page_size")
    START_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    start_index: int
    tree_size: int
    page_size: int
    def __init__(self, start_index: _Optional[int] = ..., tree_size: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class PulledDataset(_message.Message):
    __slots__ = ("log_index", "credential", "inclusion_proof")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    credential: bytes
    inclusion_proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, log_index: _Optional[int] = ..., credential: _Optional[bytes] = ..., inclusion_proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class PullEntriesResponse(_message.Message):
    __slots__ = ("leaves", "datasets", "consistency_proof")
    LEAVES_FIELD_NUMBER: _ClassVar[int]
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_PROOF_FIELD_NUMBER: _ClassVar[int]
    leaves: _containers.RepeatedCompositeFieldContainer[_log_service_pb2.LogEntry]
    datasets: _containers.RepeatedCompositeFieldContainer[PulledDataset]
    consistency_proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, leaves: _Optional[_Iterable[_Union[_log_service_pb2.LogEntry, _Mapping]]] = ..., datasets: _Optional[_Iterable[_Union[PulledDataset, _Mapping]]] = ..., consistency_proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class WatchLogRequest(_message.Message):
    __slots__ = ("known_size",)
    KNOWN_SIZE_FIELD_NUMBER: _ClassVar[int]
    known_size: int
    def __init__(self, known_size: _Optional[int] = ...) -> None: ...

class WatchLogResponse(_message.Message):
    __slots__ = ("tree_size",)
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    tree_size: int
    def __init__(self, tree_size: _Optional[int] = ...) -> None: ...

class GecClaimSide(_message.Message):
    __slots__ = ("digest", "first_certificate_id", "last_certificate_id", "origin", "origin_index", "origin_time")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    FIRST_CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_INDEX_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_TIME_FIELD_NUMBER: _ClassVar[int]
    digest: str
    first_certificate_id: str
    last_certificate_id: str
    origin: str
    origin_index: int
    origin_time: str
    def __init__(self, digest: _Optional[str] = ..., first_certificate_id: _Optional[str] = ..., last_certificate_id: _Optional[str] = ..., origin: _Optional[str] = ..., origin_index: _Optional[int] = ..., origin_time: _Optional[str] = ...) -> None: ...

class ReportedGecConflict(_message.Message):
    __slots__ = ("yours", "other")
    YOURS_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    yours: GecClaimSide
    other: GecClaimSide
    def __init__(self, yours: _Optional[_Union[GecClaimSide, _Mapping]] = ..., other: _Optional[_Union[GecClaimSide, _Mapping]] = ...) -> None: ...

class ReportGecConflictsRequest(_message.Message):
    __slots__ = ("conflicts",)
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    conflicts: _containers.RepeatedCompositeFieldContainer[ReportedGecConflict]
    def __init__(self, conflicts: _Optional[_Iterable[_Union[ReportedGecConflict, _Mapping]]] = ...) -> None: ...

class ReportGecConflictsResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    def __init__(self, recorded: _Optional[int] = ...) -> None: ...
