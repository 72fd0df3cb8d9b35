from gateway._proto.cfx.v1 import dataset_pb2 as _dataset_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_EXPORTER: _ClassVar[Role]
    ROLE_REPOSITORY: _ClassVar[Role]
    ROLE_CERTIFIER: _ClassVar[Role]
    ROLE_REGISTRY_OPERATOR: _ClassVar[Role]
    ROLE_NODE: _ClassVar[Role]
ROLE_UNSPECIFIED: Role
ROLE_EXPORTER: Role
ROLE_REPOSITORY: Role
ROLE_CERTIFIER: Role
ROLE_REGISTRY_OPERATOR: Role
ROLE_NODE: Role

class TrustedKey(_message.Message):
    __slots__ = ("did", "revoked")
    DID_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    did: str
    revoked: bool
    def __init__(self, did: _Optional[str] = ..., revoked: _Optional[bool] = ...) -> None: ...

class Organization(_message.Message):
    __slots__ = ("name", "display_name", "roles", "keys", "issuable_kinds")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    ISSUABLE_KINDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    roles: _containers.RepeatedScalarFieldContainer[Role]
    keys: _containers.RepeatedCompositeFieldContainer[TrustedKey]
    issuable_kinds: _containers.RepeatedScalarFieldContainer[_dataset_pb2.DatasetKind]
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[Role, str]]] = ..., keys: _Optional[_Iterable[_Union[TrustedKey, _Mapping]]] = ..., issuable_kinds: _Optional[_Iterable[_Union[_dataset_pb2.DatasetKind, str]]] = ...) -> None: ...

class ListOrganizationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOrganizationsResponse(_message.Message):
    __slots__ = ("organizations", "next_page_token")
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedCompositeFieldContainer[Organization]
    next_page_token: str
    def __init__(self, organizations: _Optional[_Iterable[_Union[Organization, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetOrganizationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetOrganizationResponse(_message.Message):
    __slots__ = ("organization",)
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    organization: Organization
    def __init__(self, organization: _Optional[_Union[Organization, _Mapping]] = ...) -> None: ...
