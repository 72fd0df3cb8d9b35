"""Errors of footprint requests; the gRPC edge maps them in gateway.rpc.status."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import GatewayError, InvalidRequestError, PermissionDeniedError


class RequestError(GatewayError):
    """The state of a footprint request says no."""

    reason = "REQUEST_FAILED"


class RequestNotFoundError(RequestError):
    """No such request, or not one the caller may see (existence is not confirmed, G2)."""

    reason = "REQUEST_NOT_FOUND"

    def __init__(self, name: str) -> None:
        super().__init__(f"no request {name:.80} for this caller")
        self.name = name


class RequestAlreadyAnsweredError(RequestError):
    """A second, different answer to a request: exactly one answer per request (PACT v3 §2.5)."""

    reason = "REQUEST_ALREADY_ANSWERED"

    def __init__(self, name: str, state: str) -> None:
        super().__init__(f"{name} is already {state}; a request has exactly one answer")
        self.name = name
        self.state = state

    @property
    def metadata(self) -> Mapping[str, str]:
        """`{"state": …}`: the answer that stands."""
        return {"state": self.state}


class OwnerUnknownError(RequestError):
    """No node of the federation this node knows of registers the data owner."""

    reason = "REQUEST_OWNER_UNKNOWN"

    def __init__(self, owner: str) -> None:
        super().__init__(
            f"no known node registers {owner:.80}: it is not in this node's trust registry nor "
            "in any peer's registry learned through sync"
        )
        self.owner = owner


class InvalidCriteriaError(InvalidRequestError):
    """Criteria or an answer that are malformed (a product id that is not a URN, …)."""

    reason = "REQUEST_INVALID"


class NotRequestOwnerError(PermissionDeniedError):
    """Only the data owner answers a request, at its home node."""

    reason = "REQUEST_NOT_OWNER"


class FootprintMismatchError(InvalidRequestError):
    """A fulfilment names a dataset that is not a matching, active footprint of the owner."""

    reason = "REQUEST_FOOTPRINT_MISMATCH"


class FootprintNotShareableError(PermissionDeniedError):
    """A fulfilment names a footprint whose usage policy does not admit the requester."""

    reason = "REQUEST_FOOTPRINT_NOT_SHAREABLE"
