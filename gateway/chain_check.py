"""The chain of a footprint, checked offline (issue 14): issuer -> certifier(s) -> nodes.

Given a footprint's exact bytes, the attestations of it, the receipts of the nodes that logged
them and those nodes' log keys, every link is checked with nothing but these inputs:
- the issuer: every Data Integrity proof on the footprint;
- each certifier: the proofs on its attestation, and its binding to the footprint (the digest is
  the SHA-256 of the footprint's exact bytes; id, kind, figures and audience as at intake,
  gateway.attestation_binding);
- each node: its receipt commits to the exact bytes of the footprint or of one attestation, its
  inclusion proof leads to a checkpoint that node's log key signed (gateway.log.receipt).

The chain holds when every link does and at least one node logged the footprint. Whether an
attestation was withdrawn later cannot be known offline: fetch the bundle again (`cfx get
--with-receipts` leaves withdrawn attestations out).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.attestation_binding import check_binding_to
from gateway.errors import GatewayError
from gateway.log.checkpoint import NoteKey
from gateway.log.entry import decode_entry
from gateway.log.errors import LogError
from gateway.log.receipt import Receipt, verify_receipt
from schemas.facets import index_facets
from signing.errors import SigningError
from signing.loader import PinnedLoader
from signing.verification import verify


@dataclass(frozen=True, slots=True)
class Link:
    """One checked link: `role` issuer | certifier | node, `who` a DID or a log origin."""

    role: str
    who: str
    what: str
    detail: str
    ok: bool = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Every link checked, in order issuer, certifiers, nodes."""

    links: tuple[Link, ...]

    @property
    def verified(self) -> bool:
        """Every link holds and a node logged the footprint."""
        return all(link.ok for link in self.links)


def origin_of(receipt: Receipt) -> str:
    """The log origin a receipt's checkpoint names (its first line)."""
    return receipt.checkpoint_note.split("\n", 1)[0]


def _subject(raw: bytes) -> tuple[Any, dict[str, Any]]:
    document = json.loads(raw)
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    return document, subject if isinstance(subject, dict) else {}


def _proofs(document: Any, loader: PinnedLoader) -> tuple[bool, str, str]:
    """(verified, issuer, detail) of every proof on `document`."""
    try:
        result = verify(document, loader=loader)
    except SigningError as err:
        return False, "?", f"{err.reason}: {err}"
    if not result.verified:
        return False, str(result.issuer), f"{result.reason}: {result.message}"
    suites = ", ".join(sorted({str(p.suite) for p in result.proofs}))
    return True, str(result.issuer), f"proof verified ({suites})"


def _certifier(raw: bytes, footprint: bytes, loader: PinnedLoader) -> Link:
    document, subject = _subject(raw)
    ok, issuer, detail = _proofs(document, loader)
    what = f"attests {subject.get('attestedDatasetId')} ({subject.get('opinion', '?')} opinion)"
    if ok:
        if index_facets(document).attested_digest != hashlib.sha256(footprint).hexdigest():
            return Link("certifier", issuer, what, "attests other bytes (digest differs)", ok=False)
        _, attested = _subject(footprint)
        try:
            check_binding_to(subject, str(attested.get("id")), str(attested.get("type")), attested)
        except GatewayError as err:
            return Link("certifier", issuer, what, f"{err.reason}: {err}", ok=False)
        detail += "; bound to the footprint's bytes and figures"
    return Link("certifier", issuer, what, detail, ok=ok)


def _node(receipt: Receipt, credentials: Mapping[bytes, str], keys: Mapping[str, NoteKey]) -> Link:
    origin = origin_of(receipt)
    try:
        digest = decode_entry(receipt.entry).digest
    except LogError as err:
        return Link("node", origin, "?", f"{err.reason}: {err}", ok=False)
    found = [(raw, label) for raw, label in credentials.items() if _sha(raw) == digest]
    if not found:
        return Link(
            "node", origin, "?", "the receipt is for none of the credentials given", ok=False
        )
    (raw, label), key = found[0], keys.get(origin)
    what = f"logged {label} at index {receipt.log_index}"
    if key is None:
        return Link("node", origin, what, "no --log-key for this log", ok=False)
    try:
        checkpoint = verify_receipt(receipt, raw, key.public_key, key.name, origin)
    except LogError as err:
        return Link("node", origin, what, f"{err.reason}: {err}", ok=False)
    return Link("node", origin, what, f"receipt verified in a tree of {checkpoint.size}", ok=True)


def _sha(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def check_chain(
    footprint: bytes,
    attestations: Sequence[bytes],
    receipts: Sequence[Receipt],
    keys: Sequence[NoteKey],
    *,
    loader: PinnedLoader,
) -> ChainReport:
    """Check the chain of `footprint` offline; `loader` resolves the pinned JSON-LD contexts."""
    document, subject = _subject(footprint)
    ok, issuer, detail = _proofs(document, loader)
    links = [Link("issuer", issuer, f"footprint {subject.get('id')}", detail, ok=ok)]
    links += [_certifier(raw, footprint, loader) for raw in attestations]
    credentials = {footprint: "the footprint"}
    for number, raw in enumerate(attestations, 1):
        credentials.setdefault(raw, f"attestation {number}")
    by_name = {key.name: key for key in keys}
    nodes = [_node(receipt, credentials, by_name) for receipt in receipts]
    if not any(link.ok and link.what.startswith("logged the footprint") for link in nodes):
        nodes.append(Link("node", "-", "logged the footprint", "no verified receipt", ok=False))
    return ChainReport((*links, *nodes))
