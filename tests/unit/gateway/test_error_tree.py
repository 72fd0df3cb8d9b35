"""The error trees: every class has a well-formed stable reason and a deliberate status code."""

from __future__ import annotations

import importlib
import pkgutil

import grpc
import pytest
from google.rpc import error_details_pb2

import gateway
import schemas
import signing
from gateway import errors as ge
from gateway.log import errors as log_errors
from gateway.rpc import status
from gateway.store import errors as store_errors
from gateway.trust import errors as trust_errors
from schemas.errors import SchemasError
from signing.errors import SigningError

ROOTS = (ge.GatewayError, SigningError, SchemasError)


def _import_everything() -> None:
    for package in (gateway, signing, schemas):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if "._proto" not in info.name and not info.name.endswith("__main__"):
                importlib.import_module(info.name)


def _all_subclasses(root: type[Exception]) -> list[type[Exception]]:
    found: list[type[Exception]] = [root]
    for sub in root.__subclasses__():
        found += _all_subclasses(sub)
    return found


_import_everything()
ALL = sorted({cls for root in ROOTS for cls in _all_subclasses(root)}, key=lambda c: c.__qualname__)


def test_every_package_has_exactly_one_root() -> None:
    # Every exception class our three packages define descends from its package's root.
    for package, root in (
        (gateway, ge.GatewayError),
        (signing, SigningError),
        (schemas, SchemasError),
    ):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if "._proto" in info.name or info.name.endswith("__main__"):
                continue
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, Exception)
                    and value.__module__ == module.__name__
                    and not value.__name__.startswith("_")
                    and value.__name__ != "Unsupported"  # signing's internal control-flow signal
                ):
                    assert issubclass(value, root), f"{module.__name__}.{value.__name__}"


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__qualname__)
def test_every_error_class_has_an_aip193_reason(cls: type[Exception]) -> None:
    reason = getattr(cls, "reason", None)
    assert isinstance(reason, str)
    assert status.REASON_PATTERN.fullmatch(reason), reason


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__qualname__)
def test_every_error_class_maps_to_a_listed_status(cls: type[Exception]) -> None:
    listed = [base for base in cls.__mro__ if base in status.STATUS_CODES]
    assert listed, f"{cls.__qualname__} has no entry in STATUS_CODES along its MRO"
    assert status.status_code(cls.__new__(cls)) is status.STATUS_CODES[listed[0]]
    assert status.status_code(cls.__new__(cls)) is not grpc.StatusCode.UNKNOWN


# The families a caller can cause map to the code that tells it what to do (AIP-193, E1-E3).
EXPECTED = [
    (SigningError, grpc.StatusCode.INVALID_ARGUMENT),
    (SchemasError, grpc.StatusCode.INVALID_ARGUMENT),
    (ge.CredentialError, grpc.StatusCode.INVALID_ARGUMENT),
    (ge.SchemaViolationError, grpc.StatusCode.INVALID_ARGUMENT),
    (ge.InvalidRequestError, grpc.StatusCode.INVALID_ARGUMENT),
    (ge.UnauthenticatedError, grpc.StatusCode.UNAUTHENTICATED),
    (ge.UnregisteredCallerError, grpc.StatusCode.PERMISSION_DENIED),
    (ge.IssuerNotSignerError, grpc.StatusCode.PERMISSION_DENIED),
    (ge.DeadlineTooShortError, grpc.StatusCode.DEADLINE_EXCEEDED),
    (trust_errors.UnknownKeyError, grpc.StatusCode.FAILED_PRECONDITION),
    (trust_errors.RevokedKeyError, grpc.StatusCode.FAILED_PRECONDITION),
    (trust_errors.ThresholdNotMetError, grpc.StatusCode.FAILED_PRECONDITION),
    (trust_errors.RoleNotAllowedError, grpc.StatusCode.PERMISSION_DENIED),
    (trust_errors.UnknownOrganizationError, grpc.StatusCode.NOT_FOUND),
    (store_errors.AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (store_errors.NotFoundError, grpc.StatusCode.NOT_FOUND),
    (store_errors.InvalidPageTokenError, grpc.StatusCode.INVALID_ARGUMENT),
    (store_errors.StoreUnavailableError, grpc.StatusCode.UNAVAILABLE),
    (store_errors.InvalidRecordError, grpc.StatusCode.INTERNAL),
    (log_errors.TreeSizeError, grpc.StatusCode.OUT_OF_RANGE),
    (log_errors.LogInconsistentError, grpc.StatusCode.INTERNAL),
    (ge.InternalError, grpc.StatusCode.INTERNAL),
]


@pytest.mark.parametrize(("cls", "code"), EXPECTED, ids=lambda v: getattr(v, "__name__", str(v)))
def test_caller_facing_families_map_to_their_code(
    cls: type[Exception], code: grpc.StatusCode
) -> None:
    assert status.status_code(cls.__new__(cls)) is code


def test_a_malformed_reason_is_refused_not_rewritten() -> None:
    class Bad(ge.GatewayError):
        reason = "not-a-reason"

    with pytest.raises(ValueError, match="not AIP-193 shaped"):
        status.to_rpc_status(Bad("x"))


def test_status_carries_reason_metadata_and_violations() -> None:
    violations = [ge.FieldViolation("/credentialSubject/pcf", "REQUIRED", "pcf is required")]
    rpc = status.to_rpc_status(ge.SchemaViolationError(violations))
    assert rpc.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert len(rpc.details) == 2
    rpc = status.to_rpc_status(ge.ContextNotAllowedError("https://evil.example/ctx"))
    info = error_details_pb2.ErrorInfo()
    rpc.details[0].Unpack(info)
    assert (info.reason, info.domain) == ("CONTEXT_NOT_ALLOWED", "cfx")
    assert dict(info.metadata) == {"context_url": "https://evil.example/ctx"}
