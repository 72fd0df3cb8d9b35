"""An attestation binds to the SHA-256 of the exact credential bytes it attests: the one rule of
schemas/attestation.py, enforced where the bytes are, at intake and when sync brings an
attestation to a node (issue 14).

The digest picks the attested credential among everything this node holds (ids are unique per
organization only, so an id alone could name several, or the node's dataset name, or the VC id).
The declared id and kind must be that credential's, and every figure the certifier says it
verified must be the one in those bytes. Knowing the digest of exact bytes means having them, so
naming what the held credential states in a refusal reveals nothing new (G2).

An attestation goes wherever its footprint goes, and nowhere else (gateway.federation.
attestations): its audience IS the attested credential's usage policy. A certifier that writes
a usagePolicy of its own must therefore write exactly that one; a different one would promise an
audience the attestation never gets, and is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from gateway.errors import (
    AttestationAudienceMismatchError,
    AttestedDatasetNotHeldError,
    AttestedDigestMismatchError,
    AttestedFiguresMismatchError,
    FieldViolation,
)
from gateway.federation.policy import POLICY_FIELD
from gateway.store.base import Store
from gateway.store.model import StoredDataset
from schemas.attestation import figure_mismatches
from schemas.facets import Facets

_SUBJECT = "/credentialSubject"
#: Finds a held credential by the hex SHA-256 of its bytes.
Lookup = Callable[[str], StoredDataset | None]


def attested_record(subject: dict[str, Any], facets: Facets, store: Store) -> StoredDataset:
    """The held credential the attestation `subject` (with its `facets`) is bound to; a typed
    refusal when it binds to nothing held here, to another dataset than declared, restates
    figures those bytes do not hold, or states another audience than theirs."""
    return bound_record(subject, facets, store.find_by_digest)


def bound_record(subject: dict[str, Any], facets: Facets, lookup: Lookup) -> StoredDataset:
    """`attested_record` with the held credentials behind `lookup` (sync also looks among the
    page it is about to store)."""
    record = lookup(facets.attested_digest) if facets.attested_digest else None
    if record is None:
        raise AttestedDatasetNotHeldError
    check_binding(subject, record)
    return record


def check_binding(subject: dict[str, Any], record: StoredDataset) -> None:
    """The attestation `subject` declares `record`'s id and kind, restates only figures its
    bytes hold, and states no audience other than its usage policy."""
    attested = json.loads(record.credential).get("credentialSubject")
    check_binding_to(
        subject,
        record.credential_id,
        record.kind.value,
        attested if isinstance(attested, dict) else {},
    )


def check_binding_to(
    subject: dict[str, Any], attested_id: str, attested_kind: str, attested: dict[str, Any]
) -> None:
    """`check_binding` against the attested credential's id, kind and credentialSubject (the
    digest itself is the caller's to compare: it looked the credential up by it)."""
    declared = subject.get("attestedDatasetId")
    if attested_id != declared or attested_kind != subject.get("attestedKind"):
        raise AttestedDigestMismatchError(str(declared))
    found = figure_mismatches(subject, attested, _SUBJECT)
    if found:
        raise AttestedFiguresMismatchError(
            [FieldViolation(v.pointer, v.reason, v.message) for v in found]
        )
    if POLICY_FIELD in subject and subject[POLICY_FIELD] != attested.get(POLICY_FIELD):
        raise AttestationAudienceMismatchError(str(declared))
