"""Witnessing: co-sign a peer's checkpoint only after checking it extends what we saw before (T6).

The core (`Witness`, `advance_head`) is pure. A witness keeps, per peer log (origin), the latest
(size, root hash, signed note) it accepted. A new checkpoint is co-signed only if the peer's own
signature verifies and a consistency proof (RFC 9162 §2.1.4.2) connects it to that head. Two
contradicting views (same size with another root, a smaller size, or a failing consistency proof)
raise `SplitViewError`/`RollbackError` carrying both checkpoints as evidence.

`load_heads`/`save_heads` at the end are the only I/O: a small JSON state file.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import PeerHead
from gateway.log.checkpoint import Checkpoint, NoteKey, open_checkpoint, sign_note_text
from gateway.log.errors import (
    InvalidProofError,
    LogError,
    RollbackError,
    SplitViewError,
    UnknownPeerError,
    WitnessStateError,
)
from gateway.log.merkle import EMPTY_ROOT, verify_consistency
from schemas.strict_json import JSONInputError, loads_object


def advance_head(
    head: PeerHead | None,
    presented: Checkpoint,
    proof: Sequence[bytes],
    *,
    presented_note: str | None = None,
) -> None:
    """Raise unless `presented` consistently extends `head` (None: first sight, trusted as is).

    Equal size needs the same root; a smaller size is a rollback; a larger size needs a valid
    consistency proof from the head (from an empty head, only the empty proof).
    """
    if head is None:
        return

    def conflict(error: type[SplitViewError], message: str) -> SplitViewError:
        """`error` with both checkpoints (and notes) as the evidence to publish."""
        return error(
            f"{presented.origin}: {message}",
            previous=head.checkpoint,
            presented=presented,
            previous_note=head.note,
            presented_note=presented_note,
        )

    if presented.size < head.size:
        raise conflict(RollbackError, f"size {presented.size} is below the {head.size} seen before")
    if presented.size == head.size:
        if presented.root_hash != head.root_hash:
            raise conflict(SplitViewError, f"two roots for size {head.size}")
        return
    if head.size == 0:
        # Every tree extends the empty tree; RFC 9162 has no proof for it, so none is accepted.
        if proof or head.root_hash != EMPTY_ROOT:
            raise conflict(SplitViewError, "bad proof from the empty tree")
        return
    try:
        verify_consistency(head.size, presented.size, proof, head.root_hash, presented.root_hash)
    except InvalidProofError as exc:
        raise conflict(
            SplitViewError, f"size {presented.size} does not extend size {head.size}: {exc}"
        ) from exc


class Witness:
    """Co-signs checkpoints of known peer logs; remembers the latest head of each."""

    def __init__(
        self,
        *,
        key_name: str,
        private_key: Ed25519PrivateKey,
        peers: Mapping[str, NoteKey],
        heads: Mapping[str, PeerHead] | None = None,
    ) -> None:
        """`peers` maps each peer's origin to the key its checkpoints must be signed with."""
        self._key_name = key_name
        self._private_key = private_key
        self._peers = dict(peers)
        self._heads: dict[str, PeerHead] = dict(heads or {})

    @property
    def heads(self) -> dict[str, PeerHead]:
        """A copy of the latest accepted head of each peer log, by origin."""
        return dict(self._heads)

    def cosign(self, note_text: str, consistency_proof: Sequence[bytes]) -> str:
        """Verify a peer's signed checkpoint against our last view, then co-sign it.

        Returns the note with our signature line added. On a split view or rollback raises with
        both checkpoints and keeps the previous head.
        """
        origin = _origin_of(note_text)
        key = self._peers.get(origin)
        if key is None:
            raise UnknownPeerError(f"no key configured for log {origin!r}")
        presented, note = open_checkpoint(note_text, key)
        advance_head(
            self._heads.get(origin), presented, consistency_proof, presented_note=note_text
        )
        cosigned = note.with_signature(
            sign_note_text(note.text, self._private_key, self._key_name)
        ).to_text()
        self._heads[origin] = PeerHead(origin, presented.size, presented.root_hash, cosigned)
        return cosigned


def _origin_of(note_text: str) -> str:
    """The origin line, read before verification only to choose which key to verify with."""
    origin = note_text.split("\n", 1)[0]
    if not origin:
        raise UnknownPeerError("checkpoint has an empty origin")
    return origin


# -- state file I/O (kept apart from the checks above) --------------------------------------------

MAX_STATE_BYTES = 4 * 1024 * 1024


def heads_to_json(heads: Mapping[str, PeerHead]) -> bytes:
    """The witness state file's bytes: version 1, heads sorted by origin, roots in base64."""
    doc = {
        origin: {
            "size": head.size,
            "rootHash": base64.b64encode(head.root_hash).decode("ascii"),
            "note": head.note,
        }
        for origin, head in sorted(heads.items())
    }
    return json.dumps({"version": 1, "heads": doc}, indent=2, sort_keys=True).encode() + b"\n"


def heads_from_json(data: bytes) -> dict[str, PeerHead]:
    """Parse a witness state file (strict JSON, size-capped); WitnessStateError if malformed."""
    try:
        doc = loads_object(data, max_bytes=MAX_STATE_BYTES, max_depth=4)
    except JSONInputError as exc:
        raise WitnessStateError(f"witness state is not strict JSON: {exc}") from exc
    if doc.get("version") != 1 or not isinstance(doc.get("heads"), dict):
        raise WitnessStateError("witness state is not version 1 with a 'heads' object")
    heads: dict[str, PeerHead] = {}
    for origin, entry in doc["heads"].items():
        heads[origin] = _head_from_json(origin, entry)
    return heads


def _head_from_json(origin: str, entry: Any) -> PeerHead:
    if not isinstance(entry, dict) or set(entry) != {"size", "rootHash", "note"}:
        raise WitnessStateError(f"witness state for {origin!r} is malformed")
    size, root_b64, note = entry["size"], entry["rootHash"], entry["note"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise WitnessStateError(f"witness state for {origin!r} has a bad size")
    if not isinstance(root_b64, str) or not isinstance(note, str):
        raise WitnessStateError(f"witness state for {origin!r} has bad field types")
    try:
        root = base64.b64decode(root_b64, validate=True)
        Checkpoint(origin, size, root)
    except (ValueError, LogError) as exc:
        raise WitnessStateError(f"witness state for {origin!r} has a bad root hash") from exc
    return PeerHead(origin, size, root, note)


def load_heads(path: Path) -> dict[str, PeerHead]:
    """Read the state file; a missing file is an empty state (first run)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    return heads_from_json(data)


def save_heads(path: Path, heads: Mapping[str, PeerHead]) -> None:
    """Write the state atomically (temp file, fsync, rename) so a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(heads_to_json(heads))
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
