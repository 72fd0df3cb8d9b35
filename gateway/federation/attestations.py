"""Whom an attestation may reach: exactly the audience of the footprint it attests (issue 14).

A certifier's attestation is about one footprint's exact bytes; it is useful only where those
bytes are, and it must not tell a node about a footprint that node may not see. So its audience
is the attested credential's signed usage policy, read from the held bytes under the attested
digest, for the attested credential's issuing organization, never the attestation's own
(intake only admits an own policy equal to the footprint's: gateway.attestation_binding).
One decision for both sides of sync: the serving node (PullView) shows an attestation, and its
revocation, to the peers the footprint's audience admits; the receiving node checks the same
before it keeps one.

When the attested bytes are not held, nobody beyond the issuing node is admitted (the narrowest
audience, as a defective policy is read in gateway.federation.policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.attestation_binding import Lookup, bound_record
from gateway.checker import CheckedCredential
from gateway.domain import DatasetKind
from gateway.federation.policy import Audience
from gateway.store.model import StoredDataset
from schemas import strict_json
from schemas.facets import index_facets

NOT_HELD = "the attested credential is not held here"


def attested_digest(document: Any) -> str | None:
    """The hex SHA-256 an attestation credential names (None when it names none)."""
    return index_facets(document).attested_digest


def audience_of(record: StoredDataset, document: Any, lookup: Lookup) -> Audience:
    """The audience of the held `record` (its parsed `document`): its own signed policy, or for
    an attestation that of the credential it attests."""
    if record.kind is not DatasetKind.ATTESTATION:
        return Audience.of(document, origin_org=record.issuer_org)
    digest = attested_digest(document)
    attested = lookup(digest) if digest else None
    if attested is None:
        return Audience(record.issuer_org, frozenset(), None, NOT_HELD)
    return footprint_audience(attested)


def footprint_audience(attested: StoredDataset) -> Audience:
    """The audience an attestation of `attested` inherits."""
    try:
        document = strict_json.loads_object(attested.credential)
    except strict_json.JSONInputError:
        return Audience(attested.issuer_org, frozenset(), None, "the attested bytes are not JSON")
    return Audience.of(document, origin_org=attested.issuer_org)


def replica_audience(
    checked: CheckedCredential, pending: Iterable[StoredDataset], lookup: Lookup
) -> Audience:
    """The audience a node receiving `checked` by sync checks itself against; for an attestation,
    first its binding to attested bytes held here or among `pending` (the page being stored).

    An attestation whose attested bytes are not held is refused (`AttestedDatasetNotHeldError`),
    not kept pending: in every serving log the attested credential comes before its attestation
    (intake binds only to held bytes) and is shown to every peer the attestation is shown to, so
    a node that lacks it here refused it or does not pull its kind, and has nothing for the
    attestation to vouch for. Raises the typed refusals of gateway.attestation_binding."""
    if checked.kind is not DatasetKind.ATTESTATION:
        return Audience.of(checked.parsed.document, origin_org=checked.issuer_org.name)
    by_digest = {record.digest: record for record in pending}

    def held(digest: str) -> StoredDataset | None:
        return by_digest.get(digest) or lookup(digest)

    return footprint_audience(bound_record(checked.subject, checked.facets, held))
