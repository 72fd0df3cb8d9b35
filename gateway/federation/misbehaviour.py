"""What a misbehaving peer did, as typed errors that carry the evidence (issue 12).

Each error is raised by the sync core when a peer's answer cannot be true of an honest log, and
is kept (gateway.store: the quarantine table) with the evidence a third party can check: the
signed checkpoint notes involved, the entry bytes, the digests. A split view or rollback of the
peer's checkpoints is `gateway.log.errors.SplitViewError` / `RollbackError` (the witness's own
evidence); `evidence_of` turns any of them into one flat record.
"""

from __future__ import annotations

from gateway.errors import EvidenceError, GatewayError
from gateway.federation.errors import FederationError, OutsideUsagePolicyError
from gateway.log.errors import SplitViewError


class PeerMisbehaviourError(EvidenceError, FederationError):
    """A peer served something no honest log serves; `evidence` says what, checkably."""

    reason = "PEER_MISBEHAVING"


class UnprovenPageError(PeerMisbehaviourError):
    """A page's leaves do not hash into the tree the peer's signed checkpoint commits to."""

    reason = "PEER_PAGE_UNPROVEN"


class MalformedPageError(PeerMisbehaviourError):
    """A page out of order, of the wrong range, or with an entry or dataset that cannot be read."""

    reason = "PEER_PAGE_MALFORMED"


class AlteredBytesError(PeerMisbehaviourError):
    """The dataset bytes a peer served are not those its own log entry commits to (R8)."""

    reason = "PEER_ALTERED_BYTES"


class ForgedTrustError(PeerMisbehaviourError):
    """A peer served a trust registry or delegations document that its own key (or the key of
    the node it names) did not sign, or that cannot be read."""

    reason = "PEER_TRUST_INVALID"


class TrustRollbackServedError(PeerMisbehaviourError):
    """A peer served an older version of a registry than one this node adopted from it (R4)."""

    reason = "PEER_TRUST_ROLLBACK"


# Errors that quarantine a peer: each proves the peer (not the network, not us) misbehaved.
MISBEHAVIOUR: tuple[type[GatewayError], ...] = (
    PeerMisbehaviourError,
    SplitViewError,
    OutsideUsagePolicyError,
)


def evidence_of(error: GatewayError) -> dict[str, str]:
    """The evidence an error carries, flat: what gets stored with a quarantine."""
    if isinstance(error, SplitViewError):
        return {
            "previous_checkpoint": error.previous_note or error.previous.to_note_body(),
            "presented_checkpoint": error.presented_note or error.presented.to_note_body(),
        }
    return dict(error.metadata)
