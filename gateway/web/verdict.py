"""What the verification page shows for one uploaded credential: pure, no I/O.

Bytes (and optional receipts, the log keys to check them with, and a trust registry when a node
serves the page) go in; a `Verdict` comes out. The same code as every other way in decides:
`CredentialChecker.report` when a registry is known (the node's own trust decision, R1), else
`signing.verification.verify` with the issuer binding of `cfx verify` (offline: the issuer's own
key must sign, and nobody vouches for that key). Receipts are checked with
`gateway.log.receipt.verify_receipt` against the exact uploaded bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.checker import CredentialChecker, KeyStatus, ParsedCredential, Report
from gateway.errors import FieldViolation, GatewayError
from gateway.log.checkpoint import Checkpoint, NoteKey, parse_note
from gateway.log.errors import LogError
from gateway.log.receipt import Receipt, verify_receipt
from gateway.pact.provenance import marker
from gateway.trust import TrustRegistry
from gateway.web.figures import Footprint, footprint_of
from schemas.errors import SchemasError
from schemas.violations import errors, warnings
from signing.budget import FAST_PATH_ONLY
from signing.errors import SigningError
from signing.verification import ProofResult, VerificationResult, verify

ISSUER_ROLE, ENDORSER_ROLE = "issuer", "endorser"


@dataclass(frozen=True)
class ProofView:
    """One Data Integrity proof as the page lists it."""

    number: int
    verified: bool
    suite: str
    key: str
    controller: str
    purpose: str
    created: str
    expires: str
    # ISSUER_ROLE for a proof by the issuer; ENDORSER_ROLE for one chained onto others.
    role: str
    # The proof numbers this one is chained to, down to the issuer's (VC-DI §2.1.2 proof chains).
    chain: tuple[int, ...]
    reason: str = ""
    message: str = ""
    # The node's trust registry's word on the key and its organization ("" offline).
    key_status: str = ""
    organization: str = ""


@dataclass(frozen=True)
class Finding:
    """One schema, rule or profile finding with its JSON pointer into the credential."""

    pointer: str
    reason: str
    message: str
    severity: str  # "error" (would refuse) or "warning" (reported, kept)


@dataclass(frozen=True)
class ReceiptView:
    """One receipt: the log it names, where the entry sits and whether the proof holds."""

    origin: str
    log_index: int
    tree_size: int
    verified: bool
    reason: str = ""
    message: str = ""
    checkpoint_time: datetime | None = None
    age_seconds: int | None = None


@dataclass(frozen=True)
class Verdict:
    """Everything the page shows. `verified` is the plain answer; `problems` say why not."""

    verified: bool
    problems: tuple[str, ...]
    kind: str = ""
    issuer: str = ""
    organization: str = ""
    organization_name: str = ""
    digest: str = ""
    credential_id: str = ""
    # True when a trust registry decided (served by a node); False offline.
    trust_checked: bool = False
    proofs: tuple[ProofView, ...] = ()
    findings: tuple[Finding, ...] = ()
    footprint: Footprint | None = None
    receipts: tuple[ReceiptView, ...] = ()
    # Set for a registry copy of a PACT footprint: signed by a node, not by its issuer.
    provenance: str = ""
    # Set when the upload is not a usable credential at all (nothing else is then filled in).
    unusable_reason: str = ""
    unusable_message: str = ""


def judge(
    raw: bytes,
    *,
    checker: CredentialChecker,
    now: datetime,
    registry: TrustRegistry | None = None,
    rules_for: Callable[[ParsedCredential], Mapping[str, Any] | None] | None = None,
    receipts: Sequence[bytes] = (),
    log_keys: Sequence[NoteKey] = (),
) -> Verdict:
    """The verdict on credential `raw`, its receipts checked with `log_keys` (by origin).

    `rules_for` gives the accounting rules a dataset cites (a node's published ones); None
    checks against the bundled rules.
    """
    try:
        parsed = checker.parse(raw)
        rules = rules_for(parsed) if rules_for is not None else None
        if registry is None:
            result, found = _offline(parsed, checker, now, rules)
            statuses: tuple[KeyStatus | None, ...] = (None,) * len(result.proofs)
            trust_reason = ""
        else:
            report = checker.report(parsed, registry=registry, now=now, rules=rules)
            result, found, trust_reason = report.result, _findings(report), report.trust_reason
            statuses = report.key_status
    except (GatewayError, SigningError, SchemasError) as exc:
        return Verdict(
            verified=False,
            problems=(getattr(exc, "reason", "UNUSABLE_INPUT"),),
            unusable_reason=getattr(exc, "reason", "UNUSABLE_INPUT"),
            unusable_message=str(exc),
        )
    proofs = _proof_views(result, parsed.issuer, statuses, registry)
    checked = tuple(_receipt_view(r, raw, log_keys, now) for r in receipts)
    org = registry.organization_of_key(parsed.issuer) if registry is not None else None
    problems = _problems(result, proofs, trust_reason, found, checked)
    return Verdict(
        verified=not problems,
        problems=problems,
        kind=parsed.kind.value,
        issuer=parsed.issuer,
        organization=org.name if org else "",
        organization_name=(org.display_name or org.name) if org else "",
        digest=parsed.digest,
        credential_id=parsed.credential_id,
        trust_checked=registry is not None,
        proofs=proofs,
        findings=found,
        footprint=footprint_of(parsed.subject),
        receipts=checked,
        provenance=marker(parsed.subject),
    )


def _offline(
    parsed: ParsedCredential,
    checker: CredentialChecker,
    now: datetime,
    rules: Mapping[str, Any] | None,
) -> tuple[VerificationResult, tuple[Finding, ...]]:
    """`cfx verify`'s decision: every proof verifies and the issuer's own key signed."""
    result = verify(parsed.document, loader=checker.loader, now=now, jsonld_limits=FAST_PATH_ONLY)
    found = checker.findings(parsed, rules)
    views = [_finding(v.pointer, v.reason, v.message, "error") for v in errors(found)]
    views += [_finding(v.pointer, v.reason, v.message, "warning") for v in warnings(found)]
    return result, tuple(views)


def _findings(report: Report) -> tuple[Finding, ...]:
    return tuple(_field(v, "error") for v in report.violations) + tuple(
        _field(v, "warning") for v in report.warnings
    )


def _field(v: FieldViolation, severity: str) -> Finding:
    return _finding(v.field, v.reason, v.description, severity)


def _finding(pointer: str, reason: str, message: str, severity: str) -> Finding:
    return Finding(pointer or "/", reason, message, severity)


def _proof_views(
    result: VerificationResult,
    issuer: str,
    statuses: Sequence[KeyStatus | None],
    registry: TrustRegistry | None,
) -> tuple[ProofView, ...]:
    numbers = {p.proof_id: n for n, p in enumerate(result.proofs, 1) if p.proof_id}
    return tuple(
        _proof_view(n, p, issuer, numbers, status, registry)
        for n, (p, status) in enumerate(zip(result.proofs, statuses, strict=True), 1)
    )


def _proof_view(  # noqa: PLR0917 - private, called once with every argument named below
    number: int,
    proof: ProofResult,
    issuer: str,
    numbers: Mapping[str, int],
    status: KeyStatus | None,
    registry: TrustRegistry | None,
) -> ProofView:
    method = proof.verification_method or ""
    org = registry.organization_of_key(method) if registry is not None and method else None
    return ProofView(
        number=number,
        verified=proof.verified,
        suite=proof.suite or "",
        key=method,
        controller=proof.controller or "",
        purpose=proof.purpose or "",
        created=proof.created or "",
        expires=proof.expires or "",
        role=ISSUER_ROLE if proof.controller == issuer else ENDORSER_ROLE,
        chain=_chain(proof, numbers),
        reason=proof.reason or "",
        message=proof.message or "",
        key_status=status.value if status is not None else "",
        organization=(org.display_name or org.name) if org else "",
    )


def _chain(proof: ProofResult, numbers: Mapping[str, int]) -> tuple[int, ...]:
    """The numbers of the proofs `proof` names as previousProof (each may be one or a list)."""
    previous = proof.previous_proof
    ids = [previous] if isinstance(previous, str) else list(previous or [])
    return tuple(numbers[i] for i in ids if i in numbers)


def _receipt_view(
    data: bytes, raw: bytes, log_keys: Sequence[NoteKey], now: datetime
) -> ReceiptView:
    """Check one receipt against the exact credential bytes with the key of the log it names."""
    try:
        receipt = Receipt.from_json(data)
        origin = Checkpoint.from_note_body(parse_note(receipt.checkpoint_note).text).origin
    except LogError as exc:
        return ReceiptView("", 0, 0, verified=False, reason=exc.reason, message=str(exc))
    view = ReceiptView(origin, receipt.log_index, receipt.tree_size, verified=False)
    key = next((k for k in log_keys if k.name == origin), None)
    if key is None:
        message = f"no log key for {origin} is known here: its signature cannot be checked"
        return _replace(view, reason="UNKNOWN_LOG", message=message)
    try:
        cp = verify_receipt(receipt, raw, key.public_key, key.name, origin, now=now)
    except LogError as exc:
        return _replace(view, reason=exc.reason, message=str(exc))
    stamp = datetime.fromtimestamp(cp.timestamp, tz=UTC) if cp.timestamp is not None else None
    age = int((now - stamp).total_seconds()) if stamp is not None else None
    return _replace(view, verified=True, checkpoint_time=stamp, age_seconds=age)


def _replace(view: ReceiptView, **changes: Any) -> ReceiptView:
    return ReceiptView(**{**view.__dict__, **changes})


def _problems(
    result: VerificationResult,
    proofs: Sequence[ProofView],
    trust_reason: str,
    found: Sequence[Finding],
    receipts: Sequence[ReceiptView],
) -> tuple[str, ...]:
    """Why the credential is not verified, as stable reasons (the template words each)."""
    problems: list[str] = []
    if not result.verified:
        problems.append(result.reason or "SIGNATURE_INVALID")
    # A revoked key counts against any proof; an unknown one only when it is the issuer's (an
    # endorser the registry does not know adds nothing, but takes nothing away either).
    problems += [f"KEY_{p.key_status.upper()}" for p in proofs if _untrusted(p)]
    if trust_reason:
        problems.append(trust_reason)
    if any(f.severity == "error" for f in found):
        problems.append("FINDINGS")
    if any(not r.verified for r in receipts):
        problems.append("RECEIPT_NOT_VERIFIED")
    return tuple(dict.fromkeys(problems))


def _untrusted(proof: ProofView) -> bool:
    return proof.key_status == KeyStatus.REVOKED.value or (
        proof.key_status == KeyStatus.UNKNOWN.value and proof.role == ISSUER_ROLE
    )
