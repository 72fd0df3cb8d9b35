"""PACT error bodies `{"code", "message"}` with the v3 codes and statuses (pact-v3.md §2.6)."""

from __future__ import annotations

from typing import ClassVar

from starlette.responses import JSONResponse

from gateway.errors import GatewayError


class PactError(GatewayError):
    """A PACT error: `code` (the v3 ErrorCode enum) and its HTTP status."""

    reason = "PACT_ERROR"
    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500

    def response(self) -> JSONResponse:
        """The error as the JSON body every non-authentication error MUST carry (ADR-50)."""
        return error_response(self.code, self.status, str(self))


class BadRequestError(PactError):
    """Malformed input (a filter, a limit, an event)."""

    reason = "PACT_BAD_REQUEST"
    code = "BadRequest"
    status = 400


class AccessDeniedError(PactError):
    """A valid token, not permitted (v3: MUST be 403 for a footprint the client may not see)."""

    reason = "PACT_ACCESS_DENIED"
    code = "AccessDenied"
    status = 403


class NotFoundError(PactError):
    """No such footprint (v3 `NotFoundError`, 404)."""

    reason = "PACT_NOT_FOUND"
    code = "NotFound"
    status = 404


class TokenExpiredError(PactError):
    """An expired access token (401)."""

    reason = "PACT_TOKEN_EXPIRED"
    code = "TokenExpired"
    status = 401


class InvalidTokenError(PactError):
    """A missing, malformed or forged token: 401 per RFC 6750 and v3 ("MUST ... return a 401
    when it has expired or is invalid"); code BadRequest (no other v3 code fits)."""

    reason = "PACT_INVALID_TOKEN"
    code = "BadRequest"
    status = 401


class NotImplementedFeatureError(PactError):
    """A filter or feature this host does not support (v3 501; v2 400, see `v2_status`)."""

    reason = "PACT_NOT_IMPLEMENTED"
    code = "NotImplemented"
    status = 501


def error_response(code: str, status: int, message: str) -> JSONResponse:
    """`{"code", "message"}` with `status`."""
    return JSONResponse({"code": code, "message": message}, status_code=status)
