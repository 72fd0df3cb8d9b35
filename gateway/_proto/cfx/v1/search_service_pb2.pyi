import datetime

from gateway._proto.cfx.v1 import dataset_pb2 as _dataset_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchDatasetsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "product_id", "company_id", "classification", "geography", "kind", "valid_at_time", "product_name", "fan_out", "on_behalf_of")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    CLASSIFICATION_FIELD_NUMBER: _ClassVar[int]
    GEOGRAPHY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALID_AT_TIME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_NAME_FIELD_NUMBER: _ClassVar[int]
    FAN_OUT_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    product_id: str
    company_id: str
    classification: str
    geography: str
    kind: _dataset_pb2.DatasetKind
    valid_at_time: _timestamp_pb2.Timestamp
    product_name: str
    fan_out: bool
    on_behalf_of: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., product_id: _Optional[str] = ..., company_id: _Optional[str] = ..., classification: _Optional[str] = ..., geography: _Optional[str] = ..., kind: _Optional[_Union[_dataset_pb2.DatasetKind, str]] = ..., valid_at_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., product_name: _Optional[str] = ..., fan_out: _Optional[bool] = ..., on_behalf_of: _Optional[str] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ("dataset", "origins")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    ORIGINS_FIELD_NUMBER: _ClassVar[int]
    dataset: _dataset_pb2.Dataset
    origins: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, dataset: _Optional[_Union[_dataset_pb2.Dataset, _Mapping]] = ..., origins: _Optional[_Iterable[str]] = ...) -> None: ...

class PeerOutcome(_message.Message):
    __slots__ = ("peer", "reason", "message", "results", "dropped", "more")
    PEER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    peer: str
    reason: str
    message: str
    results: int
    dropped: int
    more: bool
    def __init__(self, peer: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., results: _Optional[int] = ..., dropped: _Optional[int] = ..., more: _Optional[bool] = ...) -> None: ...

class SearchDatasetsResponse(_message.Message):
    __slots__ = ("results", "next_page_token", "peers")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PEERS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SearchResult]
    next_page_token: str
    peers: _containers.RepeatedCompositeFieldContainer[PeerOutcome]
    def __init__(self, results: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., peers: _Optional[_Iterable[_Union[PeerOutcome, _Mapping]]] = ...) -> None: ...
