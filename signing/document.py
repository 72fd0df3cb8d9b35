"""Shape checks on a credential before any proof work: @context, proofs, issuer, dateTimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

from signing.errors import (
    DuplicateProofIdError,
    InvalidDocumentError,
    ProofDateTimeError,
    TooManyProofsError,
)
from signing.loader import PinnedLoader

#: Proofs per credential. Each proof costs one or two canonicalizations (a chained one over the
#: document plus the proofs it names), so the count is bounded like the graph is: an issuer, a
#: few certifiers and registries need far fewer than this.
MAX_PROOFS: Final = 32

# XML Schema dateTimeStamp (DI: `created`/`expires` "MUST be ... dateTimeStamp"): offset required.
_DATETIME_STAMP: Final = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
)


def check_credential(document: Any, loader: PinnedLoader) -> dict[str, Any]:
    """A JSON object with an @context whose URLs are all pinned (DI "Context Validation")."""
    if not isinstance(document, dict):
        raise InvalidDocumentError("a credential must be a JSON object")
    if "@context" not in document:
        raise InvalidDocumentError("a credential needs an @context")
    for url in _context_urls(document["@context"]):
        loader.context(url)  # raises ContextNotAllowedError naming the URL
    return document


def _context_urls(context: Any) -> list[str]:
    entries = context if isinstance(context, list) else [context]
    urls = []
    for entry in entries:
        if isinstance(entry, str):
            urls.append(entry)
        elif entry is not None and not isinstance(entry, dict):
            raise InvalidDocumentError("@context entries must be URLs or objects")
    return urls


def proofs_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The proofs of `document` as a list (a proof set); count and id uniqueness checked."""
    proof = document.get("proof")
    if proof is None:
        return []
    proofs = proof if isinstance(proof, list) else [proof]
    if len(proofs) > MAX_PROOFS:
        raise TooManyProofsError(f"{len(proofs)} proofs; at most {MAX_PROOFS} are accepted")
    if not all(isinstance(p, dict) for p in proofs):
        raise InvalidDocumentError("every proof must be a JSON object")
    ids = [p["id"] for p in proofs if isinstance(p.get("id"), str)]
    if len(ids) != len(set(ids)):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise DuplicateProofIdError(f"proof id {duplicate!r:.120} is used by more than one proof")
    return proofs


def unsecured(document: dict[str, Any]) -> dict[str, Any]:
    """`document` without its `proof` member: the unsecured document that proofs sign (DI §4.2)."""
    return {key: value for key, value in document.items() if key != "proof"}


def with_proofs(document: dict[str, Any], proofs: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy with `proof` set: one object for one proof, a list (a proof set) for several."""
    result = unsecured(document)
    if proofs:
        result["proof"] = proofs[0] if len(proofs) == 1 else list(proofs)
    return result


def issuer_of(document: dict[str, Any]) -> str | None:
    """The issuer IRI (VC 2.0 §4.7: a URL or an object with an `id`), or None."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def format_datetime(moment: datetime) -> str:
    """`moment` as an XML Schema dateTimeStamp in UTC, without trailing fraction zeros."""
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_datetime(value: Any, member: str) -> datetime:
    """A proof's `created` or `expires` as an aware datetime; else ProofDateTimeError."""
    if not isinstance(value, str) or not _DATETIME_STAMP.fullmatch(value):
        raise ProofDateTimeError(f"proof {member} {value!r:.60} is not an XML Schema dateTimeStamp")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ProofDateTimeError(f"proof {member} {value!r} is not a valid date: {exc}") from exc
