"""An attestation binds to the SHA-256 of the exact credential bytes it attests: the one rule of
schemas/attestation.py, enforced where the bytes are, at intake.

The digest picks the attested credential among everything this node holds (ids are unique per
organization only, so an id alone could name several, or the node's dataset name, or the VC id).
The declared id and kind must be that credential's, and every figure the certifier says it
verified must be the one in those bytes. Knowing the digest of exact bytes means having them, so
naming what the held credential states in a refusal reveals nothing new (G2).
"""

from __future__ import annotations

import json
from typing import Any

from gateway.errors import (
    AttestedDatasetNotHeldError,
    AttestedDigestMismatchError,
    AttestedFiguresMismatchError,
    FieldViolation,
)
from gateway.store.base import Store
from gateway.store.model import StoredDataset
from schemas.attestation import figure_mismatches
from schemas.facets import Facets

_SUBJECT = "/credentialSubject"


def attested_record(subject: dict[str, Any], facets: Facets, store: Store) -> StoredDataset:
    """The held credential the attestation `subject` (with its `facets`) is bound to; a typed
    refusal when it binds to nothing held here, to another dataset than declared, or restates
    figures those bytes do not hold."""
    record = store.find_by_digest(facets.attested_digest) if facets.attested_digest else None
    if record is None:
        raise AttestedDatasetNotHeldError
    declared = subject.get("attestedDatasetId")
    if record.credential_id != declared or record.kind.value != subject.get("attestedKind"):
        raise AttestedDigestMismatchError(str(declared))
    attested = json.loads(record.credential).get("credentialSubject")
    found = figure_mismatches(subject, attested if isinstance(attested, dict) else {}, _SUBJECT)
    if found:
        raise AttestedFiguresMismatchError(
            [FieldViolation(v.pointer, v.reason, v.message) for v in found]
        )
    return record
