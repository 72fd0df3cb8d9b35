"""The trust registry: who may issue which datasets, and who a mTLS peer is (DESIGN.md §7)."""

from __future__ import annotations

from gateway.trust.errors import (
    RegistryConflictError,
    RevokedKeyError,
    RoleNotAllowedError,
    ThresholdNotMetError,
    TrustError,
    TrustFileError,
    TrustRollbackError,
    TrustSignatureError,
    UnknownKeyError,
    UnknownOrganizationError,
)
from gateway.trust.model import (
    ISSUABLE_KINDS,
    READABLE_KINDS,
    ClientIdentity,
    Organization,
    Role,
    TrustedKey,
    TrustRegistry,
)
from gateway.trust.signed_file import load_trust_file, save_trust_file, verify_registry

__all__ = [
    "ISSUABLE_KINDS",
    "READABLE_KINDS",
    "ClientIdentity",
    "Organization",
    "RegistryConflictError",
    "RevokedKeyError",
    "Role",
    "RoleNotAllowedError",
    "ThresholdNotMetError",
    "TrustError",
    "TrustFileError",
    "TrustRegistry",
    "TrustRollbackError",
    "TrustSignatureError",
    "TrustedKey",
    "UnknownKeyError",
    "UnknownOrganizationError",
    "load_trust_file",
    "save_trust_file",
    "verify_registry",
]
