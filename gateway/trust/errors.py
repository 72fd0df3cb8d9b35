"""Errors of the trust registry. Each carries a stable `reason` (AIP-193 ErrorInfo shape)."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import GatewayError


class TrustError(GatewayError):
    """Base of every trust-registry error."""

    reason = "TRUST_ERROR"


class KeyRefusedError(TrustError):
    """A key the registry does not let sign now; `did` names it (ErrorInfo metadata)."""

    def __init__(self, message: str, *, did: str = "") -> None:
        super().__init__(message)
        self.did = did

    @property
    def metadata(self) -> Mapping[str, str]:
        """The refused key's DID, so the caller knows which key to fix."""
        return {"did": self.did} if self.did else {}


class UnknownKeyError(KeyRefusedError):
    """The issuer DID is not registered to any organization (or not yet valid)."""

    reason = "KEY_NOT_TRUSTED"


class RevokedKeyError(KeyRefusedError):
    """The issuer DID was revoked: it contributes nothing to any later verification (R3)."""

    reason = "KEY_REVOKED"


class RoleNotAllowedError(TrustError):
    """The issuer's organization has no role that may issue this dataset kind."""

    reason = "ROLE_NOT_ALLOWED"


class UnknownOrganizationError(TrustError):
    """An organization (or a client identity) that the registry does not hold."""

    reason = "ORGANIZATION_NOT_FOUND"


class RegistryConflictError(TrustError):
    """An edit would break an invariant: a DID or SAN owned twice, a duplicate organization."""

    reason = "TRUST_REGISTRY_CONFLICT"


class TrustFileError(TrustError):
    """The trust file is unreadable, malformed or does not follow the registry model."""

    reason = "TRUST_FILE_INVALID"


class TrustSignatureError(TrustFileError):
    """The trust file is not signed by the node key, or was changed after signing."""

    reason = "TRUST_FILE_SIGNATURE_INVALID"


class TrustRollbackError(TrustFileError):
    """A trust file older (lower version) than one this node adopted before: an old file put
    back (R4). `version` is the file's, `highest` the highest the store recorded."""

    reason = "TRUST_FILE_ROLLBACK"

    def __init__(self, version: int, highest: int) -> None:
        super().__init__(
            f"trust.json version {version} is older than version {highest}, which this node "
            "already adopted: an older file was put back; restore the newest trust.json"
        )
        self.version = version
        self.highest = highest


class ThresholdNotMetError(TrustError):
    """Fewer distinct trusted keys of the organization signed than its threshold requires (R1)."""

    reason = "THRESHOLD_NOT_MET"
