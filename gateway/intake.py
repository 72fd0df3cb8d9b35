"""The intake pipeline of DESIGN.md §4: one code path for every way a dataset comes in.

Order matters. Cheap checks that need no trust run first (size, strict JSON, envelope, context
allowlist), then the trust registry decides whether the issuer may issue this kind at all, and only
then does the expensive JSON-LD canonicalization and signature check run (J4 in spirit: nobody
untrusted can make the node canonicalize). Schema and accounting-rule checks follow; the store
writes the exact bytes and the log entry in one transaction; the receipt comes from the log.
Every failure is a `GatewayError`; nothing is stored unless every step passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc

import schemas
from gateway import errors as ge
from gateway.errors import FieldViolation, GatewayError
from gateway.log.entry import DatasetAccepted, StatusChange, StatusChangeKind
from gateway.log.receipt import Receipt
from gateway.store import errors as store_errors
from gateway.store.base import Store
from gateway.store.group_commit import GroupCommitter
from gateway.store.model import (
    Change,
    DatasetFilter,
    DatasetKind,
    DatasetStatus,
    StoredDataset,
    sha256_hex,
)
from gateway.transparency import NodeLog
from gateway.trust import (
    Organization,
    RevokedKeyError,
    Role,
    RoleNotAllowedError,
    ThresholdNotMetError,
    TrustRegistry,
    UnknownKeyError,
)
from gateway.trust.model import issuer_did
from schemas import strict_json
from schemas.schema_errors import SCHEMA_REASONS
from signing.errors import SigningError
from signing.loader import PinnedLoader
from signing.verify import VerificationResult
from signing.verify import verify as verify_credential

_T = TypeVar("_T")
Clock = Callable[[], datetime]
# Seconds left before the caller's deadline, or None when the caller set none (gRPC semantics).
TimeLeft = Callable[[], float | None]

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


@dataclass(frozen=True)
class IntakeLimits:
    max_credential_bytes: int = 1 << 20
    max_json_depth: int = 32
    # Below this many seconds left, do not start canonicalization: it could not finish in time.
    min_seconds_for_verify: float = 0.05


@dataclass(frozen=True)
class CheckedCredential:
    """A credential that passed steps 1-4: parsed, trusted issuer, verified, valid."""

    raw: bytes
    document: dict[str, Any]
    digest: str
    kind: DatasetKind
    issuer: str
    issuer_org: Organization
    credential_id: str


@dataclass(frozen=True)
class Report:
    """VerifyCredential's answer: every proof's outcome and every schema/rule violation."""

    kind: DatasetKind
    issuer: str
    digest: str
    result: VerificationResult
    violations: tuple[FieldViolation, ...]

    @property
    def verified(self) -> bool:
        return self.result.verified and not self.violations


@dataclass(frozen=True)
class Accepted:
    dataset: StoredDataset
    receipt: Receipt


class Intake:
    def __init__(
        self,
        *,
        store: Store,
        registry: Callable[[], TrustRegistry],
        log: NodeLog,
        loader: PinnedLoader,
        clock: Clock = lambda: datetime.now(UTC),
        limits: IntakeLimits = IntakeLimits(),
    ) -> None:
        self._store = store
        self._bundled_rules = schemas.bundled_rules()
        self._committer = GroupCommitter(store)
        self._registry = registry
        self._log = log
        self._loader = loader
        self._clock = clock
        self._limits = limits

    # -- callers --------------------------------------------------------------------------------

    def organization_of(self, sans: tuple[str, ...]) -> Organization:
        """The organization a verified mTLS peer is; PERMISSION_DENIED for unknown peers (G2)."""
        org = self._registry().organization_for_peer_identities(sans)
        if org is None:
            raise ge.permission_denied("client certificate is not registered with this node")
        return org

    def may_read(self, org: Organization, record: StoredDataset) -> bool:
        return TrustRegistry.can_read(org, record.kind, record.issuer_org)

    @property
    def loader(self) -> PinnedLoader:
        return self._loader

    def now(self) -> datetime:
        return self._clock()

    # -- steps 1-4 ------------------------------------------------------------------------------

    def check(self, raw: bytes, time_left: TimeLeft = lambda: None) -> CheckedCredential:
        document = self.parse(raw)
        kind, issuer, credential_id = self.envelope(document)
        now = self._clock()
        # One registry snapshot decides both trust steps (and stats trust.json once).
        registry = self._registry()
        self._precheck_issuer(registry, issuer, kind, now)
        result = self._verify_proofs(document, issuer, now, time_left)
        issuer_org = self._authorize_signers(registry, result, issuer, kind, now)
        self._validate(document)
        return CheckedCredential(
            raw, document, sha256_hex(raw), kind, issuer, issuer_org, credential_id
        )

    def parse(self, raw: bytes) -> dict[str, Any]:
        try:
            return strict_json.loads_object(
                raw,
                max_bytes=self._limits.max_credential_bytes,
                max_depth=self._limits.max_json_depth,
            )
        except strict_json.JSONInputError as exc:
            raise ge.invalid_argument(exc.reason, str(exc)) from None

    def envelope(self, doc: dict[str, Any]) -> tuple[DatasetKind, str, str]:
        """VC 2.0 shape, pinned contexts only, a known dataset kind, an issuer and a proof."""
        contexts = doc.get("@context")
        if not isinstance(contexts, list) or not contexts:
            raise ge.invalid_argument("ENVELOPE_INVALID", "@context must be a non-empty list")
        for url in contexts:
            if not isinstance(url, str) or url not in self._loader.urls:
                shown = url if isinstance(url, str) else "an inline context"
                raise ge.invalid_argument(
                    "CONTEXT_NOT_ALLOWED", f"context {shown} is not pinned", context_url=shown
                )
        types = doc.get("type")
        if not isinstance(types, list) or "VerifiableCredential" not in types:
            raise ge.invalid_argument("ENVELOPE_INVALID", "type must list VerifiableCredential")
        issuer = doc.get("issuer")
        issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(issuer, str) or not issuer.startswith("did:"):
            raise ge.invalid_argument("ENVELOPE_INVALID", "issuer must be a DID")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict):
            raise ge.invalid_argument("ENVELOPE_INVALID", "credentialSubject must be one object")
        if not doc.get("proof"):
            raise ge.invalid_argument("PROOF_MISSING", "the credential carries no proof")
        kind_name = schemas.detect_kind(doc)
        if kind_name is None:
            raise ge.invalid_argument("UNKNOWN_KIND", "credentialSubject is not a cfx dataset kind")
        subject_id = subject.get("id")
        credential_id = subject_id if isinstance(subject_id, str) and subject_id else doc.get("id")
        if not isinstance(credential_id, str) or not credential_id:
            raise ge.invalid_argument("ENVELOPE_INVALID", "the dataset has no id")
        return DatasetKind(kind_name), issuer, credential_id

    @staticmethod
    def _precheck_issuer(
        registry: TrustRegistry, issuer: str, kind: DatasetKind, now: datetime
    ) -> None:
        """Before any JSON-LD work: the issuer's key is trusted, live, and may issue `kind`.

        An organization that requires several signatures (threshold > 1) cannot be decided
        before the proofs are verified; `_authorize_signers` decides it then.
        """
        with _trust_errors(issuer):
            try:
                registry.authorize_issuer(issuer, kind, now)
            except ThresholdNotMetError:
                return

    @staticmethod
    def _authorize_signers(
        registry: TrustRegistry,
        result: VerificationResult,
        issuer: str,
        kind: DatasetKind,
        now: datetime,
    ) -> Organization:
        """R1: enough distinct trusted keys of the issuer's organization made verified proofs."""
        signers = [p.verification_method for p in result.proofs if p.verified]
        with _trust_errors(issuer):
            org = registry.authorize_issuers([s for s in signers if s is not None], kind, now)
        if issuer_did(issuer) not in {key.did for key in org.keys}:
            raise ge.permission_denied(
                f"the credential's signers speak for {org.name}, not for its issuer",
                reason="ISSUER_NOT_SIGNER",
            )
        return org

    def _verify_proofs(
        self, doc: dict[str, Any], issuer: str, now: datetime, time_left: TimeLeft
    ) -> VerificationResult:
        left = time_left()
        if left is not None and left < self._limits.min_seconds_for_verify:
            raise _deadline_too_short()
        try:
            # Which keys may sign for the issuer is the trust registry's call, made above.
            result = verify_credential(doc, loader=self._loader, now=now, issuer_binding=None)
        except SigningError as exc:
            raise ge.invalid_argument(exc.reason, str(exc)) from None
        if not result.verified or not result.proofs:
            failed = next((p for p in result.proofs if not p.verified), None)
            reason = (failed.reason if failed else result.reason) or "SIGNATURE_INVALID"
            message = (failed.message if failed else result.message) or "proof does not verify"
            raise ge.invalid_argument(reason, message)
        if not any(p.controller == issuer for p in result.proofs):
            raise ge.invalid_argument(
                "ISSUER_PROOF_MISSING", "no proof is made with a key of the issuer", issuer=issuer
            )
        return result

    def report(
        self,
        raw: bytes,
        *,
        expected_domain: str | None = None,
        expected_challenge: str | None = None,
    ) -> Report:
        """Stateless verification for VerifyCredential: problems are reported, not raised.

        Only unusable input (bad JSON, unpinned context, no kind) raises; a bad signature or a
        schema violation is part of the report.
        """
        document = self.parse(raw)
        kind, issuer, _ = self.envelope(document)
        try:
            result = verify_credential(
                document,
                loader=self._loader,
                issuer_binding=None,
                now=self._clock(),
                expected_domain=expected_domain,
                expected_challenge=expected_challenge,
            )
        except SigningError as exc:
            raise ge.invalid_argument(exc.reason, str(exc)) from None
        return Report(kind, issuer, sha256_hex(raw), result, self.violations(document))

    def violations(self, doc: dict[str, Any]) -> tuple[FieldViolation, ...]:
        found = schemas.validate(doc, rules=self._rules_cited_by(doc))
        return tuple(FieldViolation(v.pointer, v.reason, v.message) for v in found)

    def _rules_cited_by(self, doc: dict[str, Any]) -> Mapping[str, Any] | None:
        """The bundled rules plus, when the dataset cites one published on this node, that one.

        A rule is a dataset like any other: it was signed, checked and stored by this same intake,
        so its stored bytes are trusted here. A withdrawn rule no longer counts; a deprecated
        one still does (footprints made under it stay checkable).
        """
        subject = doc.get("credentialSubject")
        rule_id = subject.get("accountingRuleId") if isinstance(subject, dict) else None
        if not isinstance(rule_id, str) or rule_id in self._bundled_rules:
            return None
        record = _store_call(lambda: self._store.find_by_credential_id(rule_id))
        if (
            record is None
            or record.kind is not DatasetKind.ACCOUNTING_RULE
            or record.status is DatasetStatus.WITHDRAWN
        ):
            return None
        return {**self._bundled_rules, rule_id: strict_json.loads_object(record.credential)}

    def _validate(self, doc: dict[str, Any]) -> None:
        violations = self.violations(doc)
        if violations:
            shape = any(v.reason in SCHEMA_REASONS for v in violations)
            reason = "SCHEMA_VIOLATION" if shape else "RULE_VIOLATION"
            raise ge.invalid_argument(
                reason,
                f"{len(violations)} violation(s); first: {violations[0].description}",
                violations=list(violations),
            )

    # -- steps 5-7 ------------------------------------------------------------------------------

    def submit(
        self,
        raw: bytes,
        request_id: str,
        caller: Organization,
        time_left: TimeLeft = lambda: None,
    ) -> Accepted:
        self._log.ensure_writable()
        checked = self.check(raw, time_left)
        self._authorize_submitter(caller, checked.issuer_org)
        if checked.kind is DatasetKind.ATTESTATION:
            self._check_attested_digest(checked.document["credentialSubject"])
        facets = schemas.index_facets(checked.document)
        record = StoredDataset.create(
            credential=raw,
            kind=checked.kind,
            issuer=checked.issuer,
            issuer_org=checked.issuer_org.name,
            credential_id=checked.credential_id,
            received_at=self._clock(),
            request_id=request_id,
            product_ids=tuple(facets.get("product_ids", ())),
            classification_ids=tuple(facets.get("classifications", ())),
            # The most specific geography the dataset names (PACT allows at most one).
            geography=(facets.get("geography") or [""])[-1],
            valid_from=_time(facets.get("valid_from")),
            valid_until=_time(facets.get("valid_until")),
            supersedes=tuple(facets.get("supersedes", ())),
        )
        entry = DatasetAccepted(
            digest=bytes.fromhex(record.digest),
            kind=record.kind.value,
            issuer=record.issuer,
            dataset=record.name,
            received_at=record.received_at,
        )
        result = _store_call(lambda: self._committer.put(record, entry.to_bytes()))
        stored = result.dataset
        return Accepted(stored, self._log.receipt(stored.log_index))

    def change_status(
        self,
        *,
        name: str,
        raw_update: bytes,
        status: DatasetStatus,
        request_id: str,
        caller: Organization,
        time_left: TimeLeft = lambda: None,
    ) -> Accepted:
        self._log.ensure_writable()
        target = self.get(name, caller)
        checked = self.check(raw_update, time_left)
        if checked.kind is not DatasetKind.STATUS_UPDATE:
            raise ge.invalid_argument("NOT_A_STATUS_UPDATE", "the credential is not a StatusUpdate")
        subject = checked.document["credentialSubject"]
        if subject.get("targetDatasetId") != target.credential_id:
            raise ge.invalid_argument(
                "STATUS_UPDATE_TARGET_MISMATCH", f"the StatusUpdate does not name {name}"
            )
        change = _status_change(target.kind, status)
        if subject.get("action") != _STATUS_ACTIONS[change]:
            raise ge.invalid_argument(
                "STATUS_UPDATE_ACTION_MISMATCH",
                f"withdrawing {name} needs action {_STATUS_ACTIONS[change]!r}",
            )
        # Only the issuer's own organization (or the registry operator) retires a dataset.
        self._authorize_submitter(caller, checked.issuer_org)
        if checked.issuer_org.name != target.issuer_org and not _is_operator(checked.issuer_org):
            raise ge.permission_denied(f"{checked.issuer_org.name} did not issue {name}")
        now = self._clock()
        update_record = StoredDataset.create(
            credential=raw_update,
            kind=DatasetKind.STATUS_UPDATE,
            issuer=checked.issuer,
            issuer_org=checked.issuer_org.name,
            credential_id=checked.credential_id,
            received_at=now,
            request_id=request_id,
        )
        entry = StatusChange(
            change=change,
            target=name,
            new_status=status.value,
            reason=str(subject.get("reasonCode", "")),
            digest=bytes.fromhex(update_record.digest),
            changed_at=now,
        )
        updated = _store_call(
            lambda: self._store.set_status(name, status, entry.to_bytes(), update_record)
        )
        # The StatusUpdate is stored at the log index of the status-change entry.
        logged = _store_call(lambda: self._store.find_by_digest(update_record.digest))
        if logged is None:
            raise ge.internal()
        return Accepted(updated, self._log.receipt(logged.log_index))

    # -- reads ----------------------------------------------------------------------------------

    def get(self, name: str, caller: Organization) -> StoredDataset:
        """Permission before existence (G2, AIP-193).

        A caller who may read every kind learns whether `name` exists; any other caller gets the
        same PERMISSION_DENIED for a missing dataset and for one it may not read, so it cannot
        probe for other organizations' footprints.
        """
        reads_all = caller.readable_kinds >= frozenset(DatasetKind)
        if not caller.readable_kinds and not caller.issuable_kinds:
            raise ge.permission_denied()
        try:
            record = _store_call(lambda: self._store.get_dataset(name))
        except GatewayError as err:
            if err.code is grpc.StatusCode.NOT_FOUND and not reads_all:
                raise ge.permission_denied() from None
            raise
        if not self.may_read(caller, record):
            raise ge.permission_denied()
        return record

    def _check_attested_digest(self, subject: dict[str, Any]) -> None:
        """An attestation is bound to the exact bytes it attests: when this node holds that
        dataset, the digest must be the one of its stored bytes. (A dataset held elsewhere is
        checked where it is held.)"""
        attested = subject.get("attestedDatasetId")
        stored = (
            _store_call(lambda: self._store.find_by_credential_id(attested))
            if isinstance(attested, str)
            else None
        )
        if (
            stored is not None
            and subject.get("attestedDatasetDigest") != f"sha-256:{stored.digest}"
        ):
            raise ge.invalid_argument(
                "ATTESTED_DIGEST_MISMATCH",
                f"the attestation's digest is not that of {stored.name} as stored here",
                dataset=stored.name,
            )

    def receipt(self, log_index: int) -> Receipt:
        return self._log.receipt(log_index)

    def list_page(
        self, filters: DatasetFilter, page_size: int, page_token: str, caller: Organization
    ) -> tuple[list[StoredDataset], str, str, list[Receipt]]:
        """One page, the checkpoint it is bound to and each item's receipt in that tree (R6).

        The caller's read scope is applied inside the query, so pages stay full and a page
        token is bound to the caller. The checkpoint is taken after the query, so it covers
        every record the query saw.
        """
        scoped = replace(filters, scope=caller.read_scope)
        records, token = _store_call(
            lambda: self._store.list_datasets(scoped, page_size, page_token)
        )
        checkpoint = self._log.checkpoint(
            at_least=max((r.log_index + 1 for r in records), default=0)
        )
        receipts = [self._log.receipt(r.log_index, checkpoint) for r in records]
        return records, token, checkpoint[1], receipts

    def changes_after(
        self, cursor: int, kind: DatasetKind | None, limit: int, caller: Organization
    ) -> list[Change]:
        return _store_call(
            lambda: self._store.changes_after(cursor, kind, limit, scope=caller.read_scope)
        )

    def _authorize_submitter(self, caller: Organization, issuer_org: Organization) -> None:
        if caller.name != issuer_org.name and not _is_operator(caller):
            raise ge.permission_denied(
                f"{caller.name} may not submit datasets issued by {issuer_org.name}"
            )


@contextmanager
def _trust_errors(issuer: str) -> Iterator[None]:
    """Trust-registry refusals as gateway errors (E3: fix the registry, then retry)."""
    try:
        yield
    except UnknownKeyError as exc:
        raise ge.failed_precondition("KEY_NOT_TRUSTED", str(exc), did=issuer) from None
    except RevokedKeyError as exc:
        raise ge.failed_precondition("KEY_REVOKED", str(exc), did=issuer) from None
    except ThresholdNotMetError as exc:
        raise ge.failed_precondition("THRESHOLD_NOT_MET", str(exc), did=issuer) from None
    except RoleNotAllowedError as exc:
        raise ge.permission_denied(str(exc), reason="ROLE_NOT_ALLOWED") from None


def _deadline_too_short() -> GatewayError:
    return GatewayError(
        "not enough time left to verify", "DEADLINE_TOO_SHORT", grpc.StatusCode.DEADLINE_EXCEEDED
    )


def _is_operator(org: Organization) -> bool:
    return Role.REGISTRY_OPERATOR in org.roles


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _store_call(call: Callable[[], _T]) -> _T:
    """Run a store operation, translating store errors into gateway errors."""
    try:
        return call()
    except store_errors.AlreadyExistsError as exc:
        raise ge.already_exists(exc.reason, str(exc), existing=exc.existing_name) from None
    except store_errors.NotFoundError as exc:
        raise ge.not_found(exc.name) from None
    except store_errors.InvalidStatusTransitionError as exc:
        raise ge.failed_precondition(exc.reason, str(exc)) from None
    except store_errors.InvalidPageTokenError as exc:
        raise ge.invalid_argument(exc.reason, str(exc)) from None
    except store_errors.StoreUnavailableError as exc:
        raise ge.unavailable(str(exc)) from None
