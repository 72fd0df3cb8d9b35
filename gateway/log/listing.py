"""Offline check of a multi-dataset answer (ListDatasets): one checkpoint binds every item (R6).

A list answer is one signed checkpoint plus, per dataset, its name, exact credential bytes, log
index, log entry bytes and inclusion proof. The client verifies the checkpoint once, then that
every item is in exactly that tree (no item proven against another log state: TUF's
mix-and-match attack), that its bytes are the ones the log committed to (R8), and that the log
entry names the dataset the answer says it is. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.log.checkpoint import Checkpoint, NoteKey, verify_checkpoint
from gateway.log.entry import DatasetAccepted, LogEntry, StatusChange
from gateway.log.errors import ListAnswerError
from gateway.log.receipt import check_bound_item


@dataclass(frozen=True, slots=True)
class ListedDataset:
    """One dataset of a list answer, as the client received it."""

    name: str
    credential: bytes
    log_index: int
    entry: bytes
    inclusion_proof: tuple[bytes, ...]
    #: "StatusUpdate" for a status-update credential: it is stored at the log index of the
    #: status change it made, so its proof is that StatusChange entry, not a DatasetAccepted.
    kind: str = ""


@dataclass(frozen=True, slots=True)
class VerifiedList:
    """The answer's checkpoint and, in item order, the log entry each item was checked against
    (kind, issuer and acceptance time as the log committed to them, for the caller's filters)."""

    checkpoint: Checkpoint
    entries: tuple[LogEntry, ...]


def verify_list_answer(
    checkpoint_note: str,
    items: Sequence[ListedDataset],
    key: NoteKey,
    *,
    origin: str | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> VerifiedList:
    """Verify a list answer against its one checkpoint, signed by `key`; raise on any item.

    `origin`: the log the caller expects (None: the log `key` signs for). `max_age` with the
    injected clock `now`: refuse an answer bound to a stale checkpoint (R5). Errors:
    `MixAndMatchError` (an item outside the checkpoint's tree), `InvalidProofError`,
    `DigestMismatchError`, `MalformedEntryError`, `ListAnswerError`, checkpoint errors.
    """
    cp = verify_checkpoint(
        checkpoint_note,
        key.public_key,
        key.name,
        origin=origin,
        now=now,
        max_age=max_age,
    )
    seen_indices: set[int] = set()
    seen_names: set[str] = set()
    entries: list[LogEntry] = []
    for position, item in enumerate(items):
        if item.log_index in seen_indices or item.name in seen_names:
            raise ListAnswerError(f"item {position} ({item.name}) is listed twice")
        seen_indices.add(item.log_index)
        seen_names.add(item.name)
        entry = check_bound_item(
            cp,
            position,
            log_index=item.log_index,
            entry_bytes=item.entry,
            proof=item.inclusion_proof,
            credential_bytes=item.credential,
        )
        if isinstance(entry, StatusChange) and item.kind == "StatusUpdate":
            entries.append(entry)  # bound by digest (checked above); it names its target
            continue
        if not isinstance(entry, DatasetAccepted):
            raise ListAnswerError(f"item {position}: log entry {item.log_index} is not a dataset")
        if entry.dataset != item.name:
            raise ListAnswerError(
                f"item {position}: log entry {item.log_index} is for {entry.dataset!r}, "
                f"not {item.name!r}"
            )
        entries.append(entry)
    return VerifiedList(cp, tuple(entries))
