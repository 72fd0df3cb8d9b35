from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RequestState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_STATE_UNSPECIFIED: _ClassVar[RequestState]
    REQUEST_STATE_CREATED: _ClassVar[RequestState]
    REQUEST_STATE_FORWARDED: _ClassVar[RequestState]
    REQUEST_STATE_FULFILLED: _ClassVar[RequestState]
    REQUEST_STATE_REJECTED: _ClassVar[RequestState]

class RequestView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_VIEW_UNSPECIFIED: _ClassVar[RequestView]
    REQUEST_VIEW_REQUESTER: _ClassVar[RequestView]
    REQUEST_VIEW_OWNER: _ClassVar[RequestView]
REQUEST_STATE_UNSPECIFIED: RequestState
REQUEST_STATE_CREATED: RequestState
REQUEST_STATE_FORWARDED: RequestState
REQUEST_STATE_FULFILLED: RequestState
REQUEST_STATE_REJECTED: RequestState
REQUEST_VIEW_UNSPECIFIED: RequestView
REQUEST_VIEW_REQUESTER: RequestView
REQUEST_VIEW_OWNER: RequestView

class FootprintCriteria(_message.Message):
    __slots__ = ("product_id", "company_id", "reference_period_start", "reference_period_end", "geography", "comment")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    GEOGRAPHY_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    company_id: str
    reference_period_start: str
    reference_period_end: str
    geography: str
    comment: str
    def __init__(self, product_id: _Optional[str] = ..., company_id: _Optional[str] = ..., reference_period_start: _Optional[str] = ..., reference_period_end: _Optional[str] = ..., geography: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class AnsweredFootprint(_message.Message):
    __slots__ = ("name", "digest")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    name: str
    digest: str
    def __init__(self, name: _Optional[str] = ..., digest: _Optional[str] = ...) -> None: ...

class FootprintRequest(_message.Message):
    __slots__ = ("name", "criteria", "requester", "owner", "state", "footprints", "reject_code", "reject_message", "held_footprints", "sequence", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FOOTPRINTS_FIELD_NUMBER: _ClassVar[int]
    REJECT_CODE_FIELD_NUMBER: _ClassVar[int]
    REJECT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    HELD_FOOTPRINTS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    criteria: FootprintCriteria
    requester: str
    owner: str
    state: RequestState
    footprints: _containers.RepeatedCompositeFieldContainer[AnsweredFootprint]
    reject_code: str
    reject_message: str
    held_footprints: _containers.RepeatedScalarFieldContainer[str]
    sequence: int
    create_time: str
    update_time: str
    def __init__(self, name: _Optional[str] = ..., criteria: _Optional[_Union[FootprintCriteria, _Mapping]] = ..., requester: _Optional[str] = ..., owner: _Optional[str] = ..., state: _Optional[_Union[RequestState, str]] = ..., footprints: _Optional[_Iterable[_Union[AnsweredFootprint, _Mapping]]] = ..., reject_code: _Optional[str] = ..., reject_message: _Optional[str] = ..., held_footprints: _Optional[_Iterable[str]] = ..., sequence: _Optional[int] = ..., create_time: _Optional[str] = ..., update_time: _Optional[str] = ...) -> None: ...

class RequestFootprintRequest(_message.Message):
    __slots__ = ("owner", "criteria", "request_id")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    owner: str
    criteria: FootprintCriteria
    request_id: str
    def __init__(self, owner: _Optional[str] = ..., criteria: _Optional[_Union[FootprintCriteria, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListRequestsRequest(_message.Message):
    __slots__ = ("view", "page_size", "page_token")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    view: RequestView
    page_size: int
    page_token: str
    def __init__(self, view: _Optional[_Union[RequestView, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[FootprintRequest]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[FootprintRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchRequestsRequest(_message.Message):
    __slots__ = ("view", "after_sequence")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    view: RequestView
    after_sequence: int
    def __init__(self, view: _Optional[_Union[RequestView, str]] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class FulfilRequestRequest(_message.Message):
    __slots__ = ("name", "footprints")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FOOTPRINTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    footprints: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., footprints: _Optional[_Iterable[str]] = ...) -> None: ...

class RejectRequestRequest(_message.Message):
    __slots__ = ("name", "code", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    code: str
    message: str
    def __init__(self, name: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class RelayedRequest(_message.Message):
    __slots__ = ("name", "criteria", "requester", "owner")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    name: str
    criteria: FootprintCriteria
    requester: str
    owner: str
    def __init__(self, name: _Optional[str] = ..., criteria: _Optional[_Union[FootprintCriteria, _Mapping]] = ..., requester: _Optional[str] = ..., owner: _Optional[str] = ...) -> None: ...

class RelayedAnswer(_message.Message):
    __slots__ = ("name", "state", "footprints", "reject_code", "reject_message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FOOTPRINTS_FIELD_NUMBER: _ClassVar[int]
    REJECT_CODE_FIELD_NUMBER: _ClassVar[int]
    REJECT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: RequestState
    footprints: _containers.RepeatedCompositeFieldContainer[AnsweredFootprint]
    reject_code: str
    reject_message: str
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[RequestState, str]] = ..., footprints: _Optional[_Iterable[_Union[AnsweredFootprint, _Mapping]]] = ..., reject_code: _Optional[str] = ..., reject_message: _Optional[str] = ...) -> None: ...

class RelayRequestsRequest(_message.Message):
    __slots__ = ("requests", "acknowledged")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[RelayedRequest]
    acknowledged: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, requests: _Optional[_Iterable[_Union[RelayedRequest, _Mapping]]] = ..., acknowledged: _Optional[_Iterable[str]] = ...) -> None: ...

class RelayRequestsResponse(_message.Message):
    __slots__ = ("accepted", "answers")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    accepted: _containers.RepeatedScalarFieldContainer[str]
    answers: _containers.RepeatedCompositeFieldContainer[RelayedAnswer]
    def __init__(self, accepted: _Optional[_Iterable[str]] = ..., answers: _Optional[_Iterable[_Union[RelayedAnswer, _Mapping]]] = ...) -> None: ...

class RequestFootprintResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: FootprintRequest
    def __init__(self, request: _Optional[_Union[FootprintRequest, _Mapping]] = ...) -> None: ...

class GetRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: FootprintRequest
    def __init__(self, request: _Optional[_Union[FootprintRequest, _Mapping]] = ...) -> None: ...

class WatchRequestsResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: FootprintRequest
    def __init__(self, request: _Optional[_Union[FootprintRequest, _Mapping]] = ...) -> None: ...

class FulfilRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: FootprintRequest
    def __init__(self, request: _Optional[_Union[FootprintRequest, _Mapping]] = ...) -> None: ...

class RejectRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: FootprintRequest
    def __init__(self, request: _Optional[_Union[FootprintRequest, _Mapping]] = ...) -> None: ...
