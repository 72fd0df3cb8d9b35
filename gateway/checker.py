"""The credential checker: steps 1-4 of the intake pipeline (DESIGN.md §4), with no I/O.

Bytes, a trust-registry snapshot, the accounting rules and the limits go in; a checked credential
or a typed error comes out. Every way in (gRPC submit, VerifyCredential, sync, the PACT facade,
the web page) calls this one checker, so every way in applies the same checks in the same order.

Order matters. Cheap checks that need no trust run first (size, strict JSON, envelope, context
allowlist); then the registry decides whether the issuer may issue this kind at all and whether
the caller may submit for it; only then does the expensive JSON-LD canonicalization and signature
check run, so nobody untrusted can make the node canonicalize. Schema and rule checks follow.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import schemas
from gateway import access
from gateway.domain import DatasetKind, sha256_hex
from gateway.errors import (
    ContextNotAllowedError,
    DeadlineTooShortError,
    EnvelopeError,
    FieldViolation,
    GatewayError,
    IssuerNotSignerError,
    IssuerProofMissingError,
    ProofMissingError,
    RuleViolationError,
    SchemaViolationError,
    UnknownKindError,
)
from gateway.limits import Limits
from gateway.observability.stages import VALIDATE, VERIFY
from gateway.trust import Organization, ThresholdNotMetError, TrustRegistry
from gateway.trust.model import issuer_did
from schemas import strict_json
from schemas.facets import Facets
from schemas.policy import NO_PROFILES, ProfilePolicy
from schemas.schema_errors import SCHEMA_REASONS
from schemas.violations import Violation, errors, warnings
from signing.budget import FAST_PATH_ONLY
from signing.errors import SignatureMismatchError, SigningError
from signing.loader import PinnedLoader
from signing.verification import UNSAFE_SKIP_ISSUER_BINDING, VerificationResult
from signing.verification import verify as verify_credential

# Seconds left before the caller's deadline, or None when the caller set none (gRPC semantics).
TimeLeft = Callable[[], float | None]


def no_deadline() -> float | None:
    """A `TimeLeft` for callers without a deadline (offline tools, tests)."""
    return None


@dataclass(frozen=True)
class ParsedCredential:
    """Steps 1-2 passed: strict JSON, a VC 2.0 envelope with pinned contexts and a known kind."""

    raw: bytes
    document: dict[str, Any]
    kind: DatasetKind
    issuer: str
    credential_id: str

    @property
    def digest(self) -> str:
        """Lower-case hex SHA-256 of the exact received bytes: what the log commits to."""
        return sha256_hex(self.raw)

    @property
    def subject(self) -> dict[str, Any]:
        """The credentialSubject, the dataset itself."""
        subject: dict[str, Any] = self.document["credentialSubject"]
        return subject

    @property
    def accounting_rule_id(self) -> str | None:
        """The rule a dataset claims to follow; the caller resolves it before `check`."""
        rule_id = self.subject.get("accountingRuleId")
        return rule_id if isinstance(rule_id, str) else None


@dataclass(frozen=True)
class CheckedCredential:
    """A credential that passed steps 1-4: parsed, trusted issuer, verified, valid."""

    parsed: ParsedCredential
    issuer_org: Organization
    facets: Facets
    # Findings that do not refuse (Severity.WARNING): returned to the submitter, stored with it.
    warnings: tuple[FieldViolation, ...] = ()

    @property
    def raw(self) -> bytes:
        """The exact received bytes; they are stored and logged unchanged."""
        return self.parsed.raw

    @property
    def kind(self) -> DatasetKind:
        """The dataset kind named by credentialSubject.type."""
        return self.parsed.kind

    @property
    def issuer(self) -> str:
        """The issuer DID of the credential (VC 2.0 §4.7)."""
        return self.parsed.issuer

    @property
    def credential_id(self) -> str:
        """The credential's own `id`."""
        return self.parsed.credential_id

    @property
    def subject(self) -> dict[str, Any]:
        """The credentialSubject, the dataset itself."""
        return self.parsed.subject


@dataclass(frozen=True)
class Report:
    """VerifyCredential's answer: every proof's outcome, each proof key's trust status, whether
    the signers are trusted for this credential, and every schema/rule violation."""

    kind: DatasetKind
    issuer: str
    digest: str
    result: VerificationResult
    # The findings that would refuse the credential at intake (errors only).
    violations: tuple[FieldViolation, ...]
    # Per proof, in order: the trust registry's word on its key.
    key_status: tuple[KeyStatus, ...]
    # Why the signers are not trusted for this credential; "" when they are.
    trust_reason: str
    # Findings reported but not refusing (methodology SHOULDs, likely slips).
    warnings: tuple[FieldViolation, ...] = ()

    @property
    def verified(self) -> bool:
        """Every proof verified, the signers are trusted for the kind, and no violation."""
        return self.result.verified and not self.trust_reason and not self.violations


class KeyStatus(StrEnum):
    """What this node's trust registry says of one proof's key."""

    TRUSTED = "trusted"
    UNKNOWN = "unknown"
    REVOKED = "revoked"


def key_status(registry: TrustRegistry, method: str | None, now: datetime) -> KeyStatus:
    """The registry's status of the key behind verification method `method` at `now`."""
    key = registry.key(method) if method else None
    if key is None or now < key.added_at:
        return KeyStatus.UNKNOWN
    return KeyStatus.REVOKED if key.revoked else KeyStatus.TRUSTED


class CredentialChecker:
    """Pure checks of one credential. Holds only immutable configuration.

    `policy` names the profiles each kind must pass on top of its schema (the node's config;
    schemas.policy): every way in that uses this checker enforces the same profiles.
    """

    def __init__(
        self, *, loader: PinnedLoader, limits: Limits, policy: ProfilePolicy = NO_PROFILES
    ) -> None:
        self._loader = loader
        self._limits = limits
        self._policy = policy

    @property
    def policy(self) -> ProfilePolicy:
        """The profiles (and factor strictness) this checker enforces."""
        return self._policy

    @property
    def loader(self) -> PinnedLoader:
        """The pinned-context loader the checks resolve JSON-LD contexts with."""
        return self._loader

    # -- steps 1-2 ------------------------------------------------------------------------------

    def parse(self, raw: bytes) -> ParsedCredential:
        """Caps, strict JSON and the envelope: no trust needed, no JSON-LD work done."""
        document = strict_json.loads_object(
            raw,
            max_bytes=self._limits.max_credential_bytes,
            max_depth=self._limits.max_json_depth,
        )
        kind, issuer, credential_id = self._envelope(document)
        return ParsedCredential(raw, document, kind, issuer, credential_id)

    def _envelope(self, doc: dict[str, Any]) -> tuple[DatasetKind, str, str]:
        """VC 2.0 shape, pinned contexts only, a known dataset kind, an issuer and a proof."""
        contexts = doc.get("@context")
        if not isinstance(contexts, list) or not contexts:
            raise EnvelopeError("@context must be a non-empty list")
        for url in contexts:
            if not isinstance(url, str) or url not in self._loader.urls:
                raise ContextNotAllowedError(url if isinstance(url, str) else "an inline context")
        types = doc.get("type")
        if not isinstance(types, list) or "VerifiableCredential" not in types:
            raise EnvelopeError("type must list VerifiableCredential")
        issuer = doc.get("issuer")
        issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(issuer, str) or not issuer.startswith("did:"):
            raise EnvelopeError("issuer must be a DID")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict):
            raise EnvelopeError("credentialSubject must be one object")
        if not doc.get("proof"):
            raise ProofMissingError
        kind_name = schemas.detect_kind(doc)
        if kind_name is None:
            raise UnknownKindError
        subject_id = subject.get("id")
        credential_id = subject_id if isinstance(subject_id, str) and subject_id else doc.get("id")
        if not isinstance(credential_id, str) or not credential_id:
            raise EnvelopeError("the dataset has no id")
        return DatasetKind(kind_name), issuer, credential_id

    # -- steps 3-4 ------------------------------------------------------------------------------

    def check(
        self,
        parsed: ParsedCredential,
        *,
        registry: TrustRegistry,
        now: datetime,
        rules: Mapping[str, Any] | None = None,
        factors: Mapping[str, Decimal] | None = None,
        submitter: Organization | None = None,
        time_left: TimeLeft = no_deadline,
    ) -> CheckedCredential:
        """Trust, proofs and validity. One registry snapshot decides both trust steps.

        `submitter`, when given, is the caller on whose behalf the dataset is submitted: it must
        speak for the issuer's organization, and this is decided before any JSON-LD work.
        `rules` are the accounting rules to check against (the bundled ones when None);
        `factors` the held EmissionFactor values the cited factorIds resolve to (None: none
        resolved, factorIds unchecked). The caller resolves both (gateway.catalog).
        """
        self._precheck_issuer(registry, parsed, now, submitter)
        result = self._verify_proofs(parsed, now, time_left)
        issuer_org = self._authorize_signers(registry, result, parsed, now)
        if submitter is not None:
            access.authorize_submitter(submitter, issuer_org)
        kept = self._validate(parsed, rules, factors)
        return CheckedCredential(parsed, issuer_org, schemas.index_facets(parsed.document), kept)

    @staticmethod
    def _precheck_issuer(
        registry: TrustRegistry,
        parsed: ParsedCredential,
        now: datetime,
        submitter: Organization | None,
    ) -> None:
        """Before any JSON-LD work: the issuer's key is trusted, live, and may issue the kind,
        and the caller may submit for the key's organization.

        An organization that requires several signatures (threshold > 1) cannot be decided
        before the proofs are verified; `_authorize_signers` decides it then.
        """
        org: Organization | None
        try:
            org = registry.authorize_issuer(parsed.issuer, parsed.kind, now)
        except ThresholdNotMetError:
            org = registry.organization_of_key(parsed.issuer)
        if submitter is not None and org is not None:
            access.authorize_submitter(submitter, org)

    @staticmethod
    def _authorize_signers(
        registry: TrustRegistry,
        result: VerificationResult,
        parsed: ParsedCredential,
        now: datetime,
    ) -> Organization:
        """R1: enough distinct trusted keys of the issuer's organization made verified proofs."""
        signers = [p.verification_method for p in result.proofs if p.verified]
        org = registry.authorize_issuers([s for s in signers if s is not None], parsed.kind, now)
        if issuer_did(parsed.issuer) not in {key.did for key in org.keys}:
            raise IssuerNotSignerError(
                f"the credential's signers speak for {org.name}, not for its issuer"
            )
        return org

    def _verify_proofs(
        self, parsed: ParsedCredential, now: datetime, time_left: TimeLeft
    ) -> VerificationResult:
        left = time_left()
        if left is not None and left < self._limits.min_seconds_for_verify:
            raise DeadlineTooShortError
        # Which keys may sign for the issuer is the trust registry's call, made above. Only what
        # the compiled fast path models is accepted (no pyld on a request path: its cost grows
        # with the square of a property's values), and the caller's deadline bounds the work.
        started = time.perf_counter()
        result = verify_credential(
            parsed.document,
            loader=self._loader,
            now=now,
            issuer_binding=UNSAFE_SKIP_ISSUER_BINDING,
            jsonld_limits=FAST_PATH_ONLY,
            deadline=_deadline(left),
        )
        VERIFY.since(started)
        if not result.verified or not result.proofs:
            raise _refusal(result)
        if not any(p.controller == parsed.issuer for p in result.proofs):
            raise IssuerProofMissingError(parsed.issuer)
        return result

    def report(
        self,
        parsed: ParsedCredential,
        *,
        registry: TrustRegistry,
        now: datetime,
        rules: Mapping[str, Any] | None = None,
        factors: Mapping[str, Decimal] | None = None,
        expected_domain: str | None = None,
        expected_challenge: str | None = None,
        time_left: TimeLeft = no_deadline,
    ) -> Report:
        """Stateless verification for VerifyCredential: problems are reported, not raised.

        Only unusable input (bad JSON, unpinned context, no kind) raises; a bad signature or a
        schema violation is part of the report.
        """
        result = verify_credential(
            parsed.document,
            loader=self._loader,
            issuer_binding=UNSAFE_SKIP_ISSUER_BINDING,
            now=now,
            expected_domain=expected_domain,
            expected_challenge=expected_challenge,
            jsonld_limits=FAST_PATH_ONLY,
            deadline=_deadline(time_left()),
        )
        found = self.findings(parsed, rules, factors)
        statuses = tuple(key_status(registry, p.verification_method, now) for p in result.proofs)
        return Report(
            parsed.kind,
            parsed.issuer,
            parsed.digest,
            result,
            _field_violations(errors(found)),
            statuses,
            self._trust_reason(registry, result, parsed, now),
            _field_violations(warnings(found)),
        )

    def _trust_reason(
        self,
        registry: TrustRegistry,
        result: VerificationResult,
        parsed: ParsedCredential,
        now: datetime,
    ) -> str:
        """The reason the verified signers are not trusted for `parsed` ("" when they are):
        the same decision the intake makes (R1: threshold, roles, the issuer's own keys)."""
        if not result.proofs:
            return ""
        try:
            self._authorize_signers(registry, result, parsed, now)
        except GatewayError as refused:
            return refused.reason
        return ""

    def findings(
        self,
        parsed: ParsedCredential,
        rules: Mapping[str, Any] | None = None,
        factors: Mapping[str, Decimal] | None = None,
    ) -> list[Violation]:
        """Schema, rule, factor and policy-profile findings of `parsed`, each with its JSON
        pointer: what `cfx validate --profile P` says for each profile P the policy names for
        the kind, plus the cited factors against `factors` (strict as the policy says)."""
        return schemas.validate(
            parsed.document,
            rules=rules,
            factors=factors,
            strict_factors=self._policy.strict_factors,
            profiles=self._policy.profiles_for(parsed.kind.value),
        )

    def _validate(
        self,
        parsed: ParsedCredential,
        rules: Mapping[str, Any] | None,
        factors: Mapping[str, Decimal] | None,
    ) -> tuple[FieldViolation, ...]:
        """Raise on any error finding; return the warnings, which are kept with the dataset."""
        started = time.perf_counter()
        found = self.findings(parsed, rules, factors)
        VALIDATE.since(started)
        refusing = _field_violations(errors(found))
        if any(v.reason in SCHEMA_REASONS for v in refusing):
            raise SchemaViolationError(refusing)
        if refusing:
            raise RuleViolationError(refusing)
        return _field_violations(warnings(found))


def _field_violations(found: list[Violation]) -> tuple[FieldViolation, ...]:
    return tuple(FieldViolation(v.pointer, v.reason, v.message) for v in found)


def _deadline(left: float | None) -> float | None:
    """The monotonic time by which verification must stop, for `left` seconds left."""
    return None if left is None else time.monotonic() + left


def _refusal(result: VerificationResult) -> SigningError:
    """The typed signing error of the first failed proof (or of the whole result)."""
    failed = next((p for p in result.proofs if not p.verified), None)
    reason = (failed.reason if failed else result.reason) or "SIGNATURE_INVALID"
    message = (failed.message if failed else result.message) or "proof does not verify"
    return signing_error_for(reason, message)


def signing_error_for(reason: str, message: str) -> SigningError:
    """The `signing` error class whose reason is `reason` (verification reports reasons, not
    exceptions), so the refusal is typed like every other error."""
    cls = _SIGNING_ERRORS_BY_REASON.get(reason, SignatureMismatchError)
    error = cls.__new__(cls)  # subclasses' own __init__ take typed fields the report lacks
    SigningError.__init__(error, message)
    return error


def _subclasses(root: type[SigningError]) -> list[type[SigningError]]:
    found: list[type[SigningError]] = []
    for sub in root.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


# The most general class owns a reason that several share (e.g. a family and its default).
_SIGNING_ERRORS_BY_REASON: dict[str, type[SigningError]] = {}
for _cls in reversed(_subclasses(SigningError)):
    _SIGNING_ERRORS_BY_REASON[_cls.reason] = _cls
