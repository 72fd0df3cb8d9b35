"""The one error tree of the transparency log. Every failure a caller can act on has a class here.

Each class carries a stable `reason` code (UPPER_SNAKE_CASE, AIP-193 `ErrorInfo.reason` shape) so
the gRPC layer can map it to a status without parsing messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.errors import EvidenceError, GatewayError

if TYPE_CHECKING:  # only for annotations: checkpoint.py imports this module
    from gateway.log.checkpoint import Checkpoint


class LogError(GatewayError):
    """Base of every error raised by `gateway.log`."""

    reason: str = "LOG_ERROR"


class InvalidProofError(LogError):
    """An inclusion or consistency proof does not prove what it claims."""

    reason = "INVALID_PROOF"


class ProofLengthError(InvalidProofError):
    """A proof has the wrong number of hashes (refused before any hashing)."""

    reason = "PROOF_WRONG_LENGTH"


class TreeSizeError(LogError):
    """A leaf index or tree size lies beyond what the log (or the claimed tree) holds."""

    reason = "TREE_SIZE_EXCEEDED"


class MalformedCheckpointError(LogError):
    """A signed note or checkpoint body does not follow the signed-note/tlog-checkpoint format."""

    reason = "MALFORMED_CHECKPOINT"


class CheckpointSignatureError(LogError):
    """No trusted signature on a checkpoint verifies, or a trusted key's signature fails."""

    reason = "CHECKPOINT_SIGNATURE_INVALID"


class WitnessThresholdError(LogError):
    """Fewer trusted witnesses co-signed a checkpoint than the caller requires (T6)."""

    reason = "WITNESS_THRESHOLD_NOT_MET"


class CheckpointOriginError(LogError):
    """A checkpoint names a different log (origin) than the one the caller trusts."""

    reason = "CHECKPOINT_WRONG_ORIGIN"


class CheckpointFreshnessError(LogError):
    """A checkpoint is too old, has no timestamp to judge its age by, or is from the future."""

    reason = "CHECKPOINT_EXPIRED"


class MalformedEntryError(LogError):
    """Log entry bytes are not the canonical encoding of a known entry type."""

    reason = "MALFORMED_LOG_ENTRY"


class MalformedReceiptError(LogError):
    """A receipt document is not well formed (missing fields, bad base64, wrong types)."""

    reason = "MALFORMED_RECEIPT"


class DigestMismatchError(LogError):
    """Served bytes do not hash to the digest the log entry commits to (R8)."""

    reason = "DIGEST_MISMATCH"


class MixAndMatchError(LogError):
    """Items of one answer reference different checkpoints (R6)."""

    reason = "CHECKPOINT_MIX_AND_MATCH"


class ListAnswerError(LogError):
    """An item of a multi-dataset answer is not what its log entry commits to (another name, a
    status change instead of a dataset), or the answer lists one entry twice."""

    reason = "LIST_ANSWER_INVALID"


class LogInconsistentError(LogError):
    """The log's own storage breaks an invariant (missing node, wrong root): alert, never retry."""

    reason = "LOG_INCONSISTENT"


class SplitViewError(LogError):
    """A peer showed two views of its log that cannot both be true (T6).

    `previous` is the checkpoint seen before, `presented` the one that contradicts it; both are
    kept, with their signed notes when known, so the evidence can be published.
    """

    reason = "SPLIT_VIEW"

    def __init__(
        self,
        message: str,
        *,
        previous: Checkpoint,
        presented: Checkpoint,
        previous_note: str | None = None,
        presented_note: str | None = None,
    ) -> None:
        super().__init__(message)
        self.previous = previous
        self.presented = presented
        self.previous_note = previous_note
        self.presented_note = presented_note


class RollbackError(SplitViewError):
    """A peer presented a checkpoint smaller than one it signed before."""

    reason = "LOG_ROLLBACK"


class LogConfigError(LogError):
    """The log was set up wrongly by the program (unknown SQL dialect, unsafe table prefix)."""

    reason = "LOG_CONFIG_INVALID"


class LogFileError(LogError):
    """A file a log command was given cannot be read."""

    reason = "LOG_FILE_UNREADABLE"


class WitnessStateError(LogError):
    """The witness state file is unreadable or malformed."""

    reason = "WITNESS_STATE_INVALID"


class UnknownPeerError(LogError):
    """A witness was asked to co-sign a checkpoint of a log it does not know."""

    reason = "UNKNOWN_PEER"


class LogIntegrityError(EvidenceError, LogError):
    """The node's stored log no longer matches what it signed: writes are refused until an
    operator restores the store (reads still answer). The evidence: tree size, stored leaves and
    both roots."""

    reason = "LOG_INTEGRITY_FAILURE"
