"""Writes: steps 5-7 of the intake pipeline (DESIGN.md §4) around the pure credential checker.

A submission is checked (`CredentialChecker`, steps 1-4, with the caller's right to submit for the
issuer decided before any JSON-LD work), then the exact bytes and the log entry are stored in one
transaction (group commit), and the receipt comes from the log. Nothing is stored unless every
step passed; every failure is a typed error of one of the three package trees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from time import perf_counter

from gateway import access
from gateway.attestation_binding import attested_record
from gateway.catalog import Catalog
from gateway.checker import CheckedCredential, CredentialChecker, TimeLeft, no_deadline
from gateway.domain import DatasetKind, DatasetStatus
from gateway.errors import (
    InternalError,
    NotAStatusUpdateError,
    PermissionDeniedError,
    StatusUpdateActionMismatchError,
    StatusUpdateTargetMismatchError,
)
from gateway.limits import Limits
from gateway.log.entry import DatasetAccepted, StatusChange, StatusChangeKind
from gateway.log.receipt import Receipt
from gateway.observability.stages import STORE
from gateway.store.base import Store
from gateway.store.errors import GecDoubleClaimError, NotFoundError
from gateway.store.group_commit import GroupCommitter
from gateway.store.model import StoredDataset
from gateway.transparency import NodeLog
from gateway.trust import Organization, TrustRegistry
from schemas.facets import Facets

# The StatusUpdate `action` each logged change needs (schemas: status-update.schema.json).
_STATUS_ACTIONS: Mapping[StatusChangeKind, str] = {
    StatusChangeKind.DEPRECATION: "deprecate",
    StatusChangeKind.WITHDRAWAL: "withdraw",
    StatusChangeKind.ATTESTATION_REVOCATION: "revoke-attestation",
}


def _status_change(kind: DatasetKind, status: DatasetStatus) -> StatusChangeKind:
    """Withdrawing a certifier's attestation is its revocation, logged as such."""
    if status is DatasetStatus.DEPRECATED:
        return StatusChangeKind.DEPRECATION
    if kind is DatasetKind.ATTESTATION:
        return StatusChangeKind.ATTESTATION_REVOCATION
    return StatusChangeKind.WITHDRAWAL


def stored_record(
    checked: CheckedCredential, received_at: datetime, request_id: str = "", *, indexed: bool = True
) -> StoredDataset:
    """A new record of the checked credential's exact bytes; a dataset is `indexed` by its
    facets for ListDatasets, a StatusUpdate is found through the dataset it changed."""
    facets = checked.facets if indexed else Facets()
    return StoredDataset.create(
        credential=checked.raw,
        kind=checked.kind,
        issuer=checked.issuer,
        issuer_org=checked.issuer_org.name,
        credential_id=checked.credential_id,
        received_at=received_at,
        request_id=request_id,
        product_ids=facets.product_ids,
        classification_ids=facets.classifications,
        geography=facets.most_specific_geography,
        valid_from=facets.valid_from,
        valid_until=facets.valid_until,
        supersedes=facets.supersedes,
        warnings=checked.warnings,
        gec_ranges=facets.gec_ranges,
    )


@dataclass(frozen=True)
class Accepted:
    """A stored dataset (or status update) and its receipt."""

    dataset: StoredDataset
    receipt: Receipt


class Intake:
    """Writes: accepts a checked credential, or a status change, and returns its receipt."""

    def __init__(
        self,
        *,
        store: Store,
        registry: Callable[[], TrustRegistry],
        log: NodeLog,
        checker: CredentialChecker,
        catalog: Catalog,
        clock: Callable[[], datetime],
        limits: Limits,
    ) -> None:
        self._store = store
        self._committer = GroupCommitter(store, limits.max_commit_batch)
        self._registry = registry
        self._log = log
        self._checker = checker
        self._catalog = catalog
        self._clock = clock

    def _check(self, raw: bytes, caller: Organization, time_left: TimeLeft) -> CheckedCredential:
        parsed = self._checker.parse(raw)
        return self._checker.check(
            parsed,
            registry=self._registry(),
            now=self._clock(),
            rules=self._catalog.rules_cited_by(parsed),
            factors=self._catalog.factors_cited_by(parsed),
            submitter=caller,
            time_left=time_left,
        )

    def submit(
        self,
        raw: bytes,
        request_id: str,
        caller: Organization,
        time_left: TimeLeft = no_deadline,
    ) -> Accepted:
        """Check `raw` (steps 1-4) for `caller`, store it with its log entry, return the receipt."""
        self._log.ensure_writable()
        checked = self._check(raw, caller, time_left)
        if checked.kind is DatasetKind.ATTESTATION:
            attested_record(checked.subject, checked.facets, self._store)
        record = stored_record(checked, self._clock(), request_id, indexed=True)
        entry = DatasetAccepted(
            digest=bytes.fromhex(record.digest),
            kind=record.kind.value,
            issuer=record.issuer,
            dataset=record.name,
            received_at=record.received_at,
        )
        leaf = entry.to_bytes()
        started = perf_counter()
        try:
            put = self._committer.put(record, leaf)
        except GecDoubleClaimError as err:
            raise self._double_claim(err, caller) from None
        STORE.since(started)
        stored = put.dataset
        # A resubmission of stored bytes gets the receipt of the entry logged the first time.
        return Accepted(
            stored, self._log.receipt(stored.log_index, entry=leaf if put.created else None)
        )

    def _double_claim(self, err: GecDoubleClaimError, caller: Organization) -> GecDoubleClaimError:
        """The refusal names the other footprint only to a caller who may read it (G2)."""
        try:
            self._store.get_dataset(err.holder, caller.read_scope)
        except NotFoundError:
            return err
        return err.naming_holder()

    def change_status(
        self,
        *,
        name: str,
        raw_update: bytes,
        status: DatasetStatus,
        request_id: str,
        caller: Organization,
        time_left: TimeLeft = no_deadline,
    ) -> Accepted:
        """Retire dataset `name` to `status`, as its issuer's StatusUpdate `raw_update` asks."""
        self._log.ensure_writable()
        target = self._catalog.get(name, caller)
        checked = self._check(raw_update, caller, time_left)
        if checked.kind is not DatasetKind.STATUS_UPDATE:
            raise NotAStatusUpdateError
        subject = checked.subject
        # Ids are unique per organization only; the target is the named dataset, and only its
        # own organization (or the operator) may change it, so its id is the one meant here.
        if subject.get("targetDatasetId") != target.credential_id:
            raise StatusUpdateTargetMismatchError(name)
        change = _status_change(target.kind, status)
        if subject.get("action") != _STATUS_ACTIONS[change]:
            raise StatusUpdateActionMismatchError(name, _STATUS_ACTIONS[change])
        # Only the issuer's own organization (or the registry operator) retires a dataset.
        if checked.issuer_org.name != target.issuer_org and not access.is_operator(
            checked.issuer_org
        ):
            raise PermissionDeniedError(f"{checked.issuer_org.name} did not issue {name}")
        now = self._clock()
        update_record = stored_record(checked, now, request_id, indexed=False)
        entry = StatusChange(
            change=change,
            target=name,
            new_status=status.value,
            reason=str(subject.get("reasonCode", "")),
            digest=bytes.fromhex(update_record.digest),
            changed_at=now,
        )
        updated = self._store.set_status(name, status, entry.to_bytes(), update_record)
        # The StatusUpdate is stored at the log index of the status-change entry.
        logged = self._store.find_by_digest(update_record.digest)
        if logged is None:
            raise InternalError
        return Accepted(updated, self._log.receipt(logged.log_index))
