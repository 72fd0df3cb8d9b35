"""Errors the dataset store raises. Each has a stable `reason` the RPC layer maps to a status."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import GatewayError


class StoreError(GatewayError):
    """Base of every store error."""

    reason = "STORE_ERROR"


class AlreadyExistsError(StoreError):
    """Same credential id or request id as a stored dataset, but different bytes (AIP-155, R4)."""

    reason = "DATASET_ALREADY_EXISTS"

    def __init__(self, message: str, *, existing_name: str) -> None:
        super().__init__(message)
        self.existing_name = existing_name

    @property
    def metadata(self) -> Mapping[str, str]:
        """The name of the stored dataset that holds the id ("" when it may not be named, G2)."""
        return {"existing": self.existing_name}


class NotFoundError(StoreError):
    """No dataset of that name, or none the caller may read: the two are one answer (G2)."""

    reason = "DATASET_NOT_FOUND"

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} does not exist")
        self.name = name

    @property
    def metadata(self) -> Mapping[str, str]:
        """The dataset name that was asked for."""
        return {"name": self.name}


class InvalidStatusTransitionError(StoreError):
    """The lifecycle only moves forward: active -> deprecated -> withdrawn (withdrawn is final)."""

    reason = "INVALID_STATUS_TRANSITION"


class InvalidPageTokenError(StoreError):
    """A token that was not issued by this store, was altered, or is reused with other filters."""

    reason = "INVALID_PAGE_TOKEN"


class InvalidRecordError(StoreError):
    """A record that breaks the store's invariants (wrong digest, unknown kind, naive time...)."""

    reason = "INVALID_RECORD"


class InvalidStoreURLError(StoreError):
    """A store URL that names no store: another scheme, or sqlite without a file path."""

    reason = "INVALID_STORE_URL"


class SchemaVersionError(StoreError):
    """The database was made or migrated by a newer cfx; opening it could corrupt it."""

    reason = "STORE_SCHEMA_TOO_NEW"


class StoreUnavailableError(StoreError):
    """The database cannot be reached or is locked for too long; retryable."""

    reason = "BACKEND_UNAVAILABLE"


class GecDoubleClaimError(StoreError):
    """A footprint claims green-electricity certificates another active footprint already claims
    (issue 14). The message names the certificate range only; `holder` (the other dataset) is
    for the intake, which names it only to a caller who may read it (`gateway.access`)."""

    reason = "GEC_DOUBLE_CLAIM"

    def __init__(
        self, first_id: str, last_id: str, *, holder: str = "", named: bool = False
    ) -> None:
        shown = f" by {holder}" if named and holder else ""
        super().__init__(f"certificates {first_id} to {last_id} are already claimed{shown}")
        self.first_id, self.last_id, self.holder, self.named = first_id, last_id, holder, named

    def naming_holder(self) -> GecDoubleClaimError:
        """The same refusal naming the other dataset (for a caller who may read it)."""
        return GecDoubleClaimError(self.first_id, self.last_id, holder=self.holder, named=True)

    @property
    def metadata(self) -> Mapping[str, str]:
        """The overlapping range, and the holder only when it may be named."""
        return {
            "firstCertificateId": self.first_id,
            "lastCertificateId": self.last_id,
            "holder": self.holder if self.named else "",
        }
