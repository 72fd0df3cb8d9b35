"""The store's domain records. Wire types (protobuf) are built from these at the RPC edge."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from gateway.domain import (
    ChangeType,
    DatasetKind,
    DatasetStatus,
    ReadScope,
    is_dataset_name,
    new_dataset_name,
    sha256_hex,
)
from gateway.errors import FieldViolation
from gateway.store.errors import InvalidRecordError
from gateway.times import to_sortable

# Log index of a record that has not been stored yet; the store assigns the real one.
UNASSIGNED = -1


@dataclass(frozen=True)
class StoredDataset:
    """One accepted credential: its exact bytes plus the facets extracted at intake.

    `credential_id` is the VC `id` (or dataset id) that the same-id-different-bytes rule keys on;
    `request_id` is the submitter's idempotency key (AIP-155), empty when none was sent. Both are
    unique per `issuer_org`: organizations cannot collide with, or squat, each other's ids.
    """

    name: str
    credential: bytes
    kind: DatasetKind
    status: DatasetStatus
    issuer: str
    issuer_org: str
    digest: str
    received_at: datetime
    credential_id: str
    request_id: str = ""
    product_ids: tuple[str, ...] = ()
    classification_ids: tuple[str, ...] = ()
    geography: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    supersedes: tuple[str, ...] = ()
    log_index: int = UNASSIGNED
    # The warnings this node's checks found (schemas Severity.WARNING): kept, never refusing.
    warnings: tuple[FieldViolation, ...] = ()
    # The GEC ranges it claims (first, last id; Facets.gec_ranges): what intake and sync give
    # the GEC ledger (gateway.store.gec_ledger), which keeps them; not read back with the record.
    gec_ranges: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not is_dataset_name(self.name):
            raise InvalidRecordError(f"name {self.name!r} is not datasets/{{uuid}}")
        if self.digest != sha256_hex(self.credential):
            raise InvalidRecordError("digest does not match the credential bytes")
        if not isinstance(self.kind, DatasetKind) or not isinstance(self.status, DatasetStatus):
            raise InvalidRecordError("kind and status must be DatasetKind and DatasetStatus")
        if not self.credential_id:
            raise InvalidRecordError("credential_id is required")
        for label, moment in (
            ("received_at", self.received_at),
            ("valid_from", self.valid_from),
            ("valid_until", self.valid_until),
        ):
            if moment is not None and moment.utcoffset() is None:
                raise InvalidRecordError(f"{label} must be timezone-aware")

    @classmethod
    def create(
        cls,
        *,
        credential: bytes,
        kind: DatasetKind,
        issuer: str,
        issuer_org: str,
        credential_id: str,
        received_at: datetime,
        request_id: str = "",
        product_ids: tuple[str, ...] = (),
        classification_ids: tuple[str, ...] = (),
        geography: str = "",
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        supersedes: tuple[str, ...] = (),
        warnings: tuple[FieldViolation, ...] = (),
        gec_ranges: tuple[tuple[str, str], ...] = (),
    ) -> StoredDataset:
        """A new active record with a fresh name and its digest; the store assigns log_index."""
        return cls(
            name=new_dataset_name(),
            credential=credential,
            kind=kind,
            status=DatasetStatus.ACTIVE,
            issuer=issuer,
            issuer_org=issuer_org,
            digest=sha256_hex(credential),
            received_at=received_at,
            credential_id=credential_id,
            request_id=request_id,
            product_ids=product_ids,
            classification_ids=classification_ids,
            geography=geography,
            valid_from=valid_from,
            valid_until=valid_until,
            supersedes=supersedes,
            warnings=warnings,
            gec_ranges=gec_ranges,
        )

    def with_status(self, status: DatasetStatus) -> StoredDataset:
        """This record with another status (the store decides whether the transition is allowed)."""
        return replace(self, status=status)


@dataclass(frozen=True)
class PutResult:
    """`created` is False when the same bytes were already stored (the first record is returned)."""

    dataset: StoredDataset
    created: bool


@dataclass(frozen=True)
class Change:
    """One log-ordered change for WatchDatasets: `status` is the status the change set.

    `dataset` is the dataset's current state (its status may have moved on since).
    """

    log_index: int
    change: ChangeType
    status: DatasetStatus
    dataset: StoredDataset


@dataclass(frozen=True)
class DatasetFilter:
    """ListDatasets filters; every field set must match (AND). `valid_at` keeps datasets whose
    validity window [valid_from, valid_until) contains it (an open end matches)."""

    kind: DatasetKind | None = None
    issuer: str | None = None
    issuer_org: str | None = None
    product_id: str | None = None
    classification_id: str | None = None
    geography: str | None = None
    status: DatasetStatus | None = None
    valid_at: datetime | None = field(default=None)
    # The caller's read permissions; None means unrestricted (internal callers only).
    scope: ReadScope | None = None

    def __post_init__(self) -> None:
        if self.valid_at is not None and self.valid_at.utcoffset() is None:
            raise InvalidRecordError("valid_at must be timezone-aware")

    def fingerprint(self) -> str:
        """A stable digest of the filter, bound into page tokens (AIP-158: same arguments)."""
        parts = [
            self.kind or "",
            self.issuer or "",
            self.issuer_org or "",
            self.product_id or "",
            self.classification_id or "",
            self.geography or "",
            self.status or "",
            to_sortable(self.valid_at) if self.valid_at else "",
            self.scope.fingerprint_part() if self.scope else "*",
        ]
        return sha256_hex("\x1f".join(parts).encode())
